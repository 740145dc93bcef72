/**
 * The device log card of the status page: the last entries of the log the
 * wallbox keeps in its data directory (`GET /api/logs?limit=200`).
 *
 * @module
 */
import { $, api, t } from "./core.js";

/** Lines shown. */
const LINES = 200;

async function loadLogs() {
  const error = $("log-error");
  const out = $("log-lines");
  error.textContent = "";
  const res = await api("GET", `/api/logs?limit=${LINES}`);
  if (res.status !== 200) {
    error.textContent = t("log.error", { error: res.data.error ?? String(res.status) });
    return;
  }
  /** @type {{ time: string, level: string, text: string }[]} */
  const lines = res.data.lines;
  out.textContent = lines.length === 0
    ? t("log.empty")
    : lines.map((l) => `${l.time} ${l.level.toUpperCase().padEnd(5)} ${l.text}`).join("\n");
  out.hidden = false;
  out.scrollTop = out.scrollHeight;
}

/** Wires the card's button. */
export function initLogs() {
  $("log-load").addEventListener("click", loadLogs);
}
