/**
 * The operator parts of the status view: settings that make charging
 * impossible (with the fix), the last card decision's "add to whitelist",
 * the stored transaction history (CSV download), the stored event journal
 * and the read-only OCPP configuration keys. Every runtime code is shown
 * through `t()` (texts in i18n_ops.js).
 *
 * @module
 */
import { $, api, el, num, t, time } from "./core.js";

/** @type {{ settings: any, whitelist: any, transactions: any[], events: any[], keys: any[] }} */
const data = { settings: null, whitelist: null, transactions: [], events: [], keys: [] };
let ready = false;
/** Set by status.js: redraws the whole view. */
let redraw = () => {};

/**
 * Loads what the views show; call when the view opens and after each live event.
 *
 * @param {() => void} [onDone] Redraws the view.
 */
export async function refreshActivity(onDone) {
  if (onDone) redraw = onDone;
  if (!ready) {
    ready = true;
    $("reconnect").addEventListener("click", reconnect);
    $("reset-soft").addEventListener("click", () => reset("Soft"));
    $("reset-hard").addEventListener("click", () => reset("Hard"));
  }
  const [settings, whitelist, tx, journal, cfg] = await Promise.all([
    api("GET", "/api/settings"),
    api("GET", "/api/whitelist"),
    api("GET", "/api/transactions?limit=50"),
    api("GET", "/api/journal?limit=50"),
    api("GET", "/api/configuration"),
  ]);
  data.settings = settings.status === 200 ? settings.data : null;
  data.whitelist = whitelist.status === 200 ? whitelist.data : null;
  data.transactions = tx.status === 200 ? tx.data.transactions : [];
  data.events = journal.status === 200 ? journal.data.events : [];
  data.keys = cfg.status === 200 ? cfg.data.keys : [];
  renderActivity();
}

/** Why no card can charge with these settings, as text keys (empty when one can). */
export function problems(/** @type {any} */ s, /** @type {any} */ wl) {
  if (!s) return [];
  /** @type {string[]} */
  const out = [];
  const standalone = s.backendConnectionType === "none";
  if (s.authorizationMode === "ocpp" && standalone && !s.allowOfflineTxForUnknownId) {
    out.push("pr.ocpp_no_backend");
  }
  if (s.authorizationMode === "local" && s.whitelistSource === "ocpp" && standalone) {
    out.push("pr.local_ocpp_list");
  }
  if (
    s.authorizationMode === "local" && s.whitelistSource === "local" && wl &&
    Array.isArray(wl.entries) && wl.entries.length === 0
  ) out.push("pr.whitelist_empty");
  return out;
}

/** Redraws the operator parts from the data loaded last. */
export function renderActivity() {
  const found = problems(data.settings, data.whitelist);
  const box = $("problems");
  box.hidden = found.length === 0;
  const fixes = [];
  if (found.includes("pr.ocpp_no_backend") || found.includes("pr.local_ocpp_list")) {
    fixes.push(fixButton("pr-fix-local", "pr.fix.local", {
      authorizationMode: "local",
      whitelistSource: "local",
    }));
    fixes.push(fixButton("pr-fix-free", "pr.fix.free", { authorizationMode: "free" }));
  }
  if (found.includes("pr.whitelist_empty")) {
    fixes.push(el("a", { href: "#whitelist", id: "pr-fix-whitelist", class: "button" }, [
      t("pr.fix.whitelist"),
    ]));
  }
  $("problems-list").replaceChildren(...found.map((k) => el("p", {}, [t(k)])));
  $("problems-fixes").replaceChildren(...fixes);
  renderHistory();
  renderJournal();
  renderKeys();
}

/**
 * @param {string} id
 * @param {string} key
 * @param {Record<string, unknown>} patch
 */
function fixButton(id, key, patch) {
  const button = el("button", { type: "button", id, class: "primary" }, [t(key)]);
  button.addEventListener("click", async () => {
    const res = await api("PATCH", "/api/settings", patch);
    $("problems-done").textContent = res.status === 200
      ? t("pr.fixed")
      : t("fix.failed", { error: res.data.error ?? String(res.status) });
    await refreshActivity();
  });
  return button;
}

/**
 * The last card decision of a connector, with "add to whitelist" when it
 * was refused for not being on it.
 *
 * @param {any} c A connector of the status.
 * @returns {HTMLElement[]}
 */
export function lastAuthorization(c) {
  const a = c.lastAuthorization;
  if (!a) return [];
  const text = t("c.lastAuthValue", {
    idTag: a.idTag,
    result: t(a.accepted ? "auth.accepted" : "auth.refused"),
    reason: t(`auth.reason.${a.reason}`),
    time: time(a.at),
  });
  const out = [
    el("p", { id: `c${c.id}-auth`, class: a.accepted ? "ok-text" : "error-text" }, [
      el("strong", {}, [t("c.lastAuth")]),
      ": ",
      text,
    ]),
  ];
  if (
    !a.accepted && a.reason === "not_on_whitelist" && data.settings?.whitelistSource === "local"
  ) {
    const button = el("button", { type: "button", id: `c${c.id}-add-card` }, [
      t("fix.addCard", { idTag: a.idTag }),
    ]);
    const done = el("p", { id: `c${c.id}-add-done`, role: "status" });
    button.addEventListener("click", async () => {
      const res = await api("POST", "/api/whitelist", { idTag: a.idTag });
      done.textContent = res.status === 201 || res.status === 200 || res.status === 409
        ? t("fix.added", { idTag: a.idTag })
        : t("fix.failed", { error: res.data.error ?? String(res.status) });
      button.disabled = true;
      await refreshActivity();
    });
    out.push(button, done);
  }
  return out;
}

/** The backend's reason code as text (the sentence itself only as a technical detail). */
export function backendReason(/** @type {string | null} */ code) {
  return code ? t(`br.${code}`) : "";
}

/** @param {"Soft" | "Hard"} type */
async function reset(type) {
  if (!confirm(t("sys.confirmReset"))) return;
  const res = await api("POST", "/api/reset", { type });
  $("system-done").textContent = res.status === 202
    ? t(`sys.result.${res.data.status}`)
    : t("fix.failed", { error: res.data.error ?? String(res.status) });
}

/** The answer to the last availability change, by connector (cards are redrawn). */
const availabilityDone = new Map();

/**
 * The availability button of a connector (guarded by a confirmation when it
 * takes the connector out of operation).
 *
 * @param {any} c A connector of the status.
 */
export function availabilityButton(c) {
  const off = c.status !== "Unavailable";
  const button = el("button", { type: "button", id: `c${c.id}-availability` }, [
    t(off ? "sys.off" : "sys.on"),
  ]);
  const done = el("p", { id: `c${c.id}-availability-done`, role: "status" }, [
    availabilityDone.get(c.id) ?? "",
  ]);
  button.addEventListener("click", async () => {
    if (off && !confirm(t("sys.confirmOff", { id: c.id }))) return;
    const res = await api("POST", `/api/connectors/${c.id}/availability`, { operative: !off });
    const text = res.status === 200
      ? t(`sys.result.${res.data.status}`)
      : t("fix.failed", { error: res.data.error ?? String(res.status) });
    availabilityDone.set(c.id, text);
    done.textContent = text;
  });
  return [button, done];
}

async function reconnect() {
  const res = await api("POST", "/api/backend/reconnect");
  $("reconnect-done").textContent = res.status === 202
    ? t("backend.reconnected")
    : t("fix.failed", { error: res.data.error ?? String(res.status) });
}

/**
 * A table cell labelled with its column (shown above it on phones).
 *
 * @param {string} column The column's text key.
 * @param {string | Node} content
 */
function cell(column, content) {
  return el("td", { "data-label": t(column) }, [content]);
}

function renderHistory() {
  const rows = data.transactions;
  $("history-empty").hidden = rows.length > 0;
  $("history-table").hidden = rows.length === 0;
  $("history-body").replaceChildren(
    ...rows.map((/** @type {any} */ r) =>
      el("tr", {}, [
        cell("hist.connector", String(r.connectorId)),
        cell("hist.idTag", r.idTag),
        cell("hist.start", time(r.startedAt)),
        cell("hist.stop", r.stoppedAt ? time(r.stoppedAt) : t("hist.running")),
        cell("hist.energy", r.energyWh === null ? t("hist.none") : `${num(r.energyWh, 0)} Wh`),
        cell("hist.reason", r.stopReason ? t(`sr.${r.stopReason}`) : t("hist.none")),
        cell("hist.txId", r.transactionId === null ? t("hist.none") : String(r.transactionId)),
      ])
    ),
  );
}

/** @param {any} e A journal event. */
function journalText(e) {
  /** @type {Record<string, string | number>} */
  const p = {};
  for (const [k, v] of Object.entries(e.params ?? {})) p[k] = v === null ? "–" : String(v);
  if (e.code === "auth_refused") p.reason = t(`auth.reason.${e.params.reason}`);
  if (e.code === "backend_disconnected" || e.code === "security_fallback") {
    p.reason = e.params.reason ? t(`br.${e.params.reason}`) : "–";
  }
  if (e.code === "tx_stopped") p.reason = t(`sr.${e.params.reason}`);
  if (e.code === "reset") p.by = t(`by.${e.params.by}`);
  if (e.code === "availability_changed") {
    p.operative = t(e.params.operative ? "av.operative" : "av.inoperative");
  }
  return t(`journal.${e.code}`, p);
}

function renderJournal() {
  const events = data.events;
  $("journal-empty").hidden = events.length > 0;
  $("journal").replaceChildren(
    ...events.map((/** @type {any} */ e) =>
      el("li", {}, [el("time", { datetime: e.at }, [time(e.at)]), " ", journalText(e)])
    ),
  );
}

function renderKeys() {
  $("cfg-body").replaceChildren(
    ...data.keys.map((/** @type {any} */ k) =>
      el("tr", {}, [
        cell("cfg.key", el("code", { translate: "no" }, [k.key])),
        cell("cfg.value", el("code", { translate: "no" }, [k.value])),
        cell("cfg.access", t(k.readonly ? "cfg.ro" : "cfg.rw")),
      ])
    ),
  );
}

/** Called on every live event: what is stored may have changed. */
export function activityChanged() {
  void refreshActivity().then(() => redraw());
}
