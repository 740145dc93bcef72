/**
 * The whitelist view: the local whitelist (list, search, add, remove, CSV
 * import and export through `/api/whitelist`) and, when `whitelistSource`
 * is `ocpp`, the backend's Local Authorization List read-only
 * (`GET /api/whitelist/ocpp`).
 *
 * An import replaces the list with one `PUT`; a file the page cannot read
 * is not sent, and the server's field errors (`entries[3].idTag`) are shown
 * beside the file's rows they belong to. Either way nothing is saved then.
 *
 * @module
 */
import { entryOfField, readWhitelistCsv, whitelistCsv } from "./csv.js";
import { reasonText } from "./i18n.js";
import { $, api, el, state, t, time } from "./core.js";

/** @typedef {{ idTag: string, name?: string, expiry?: string }} Entry */

/** The list as last loaded. @type {{ source: string, entries: Entry[] } | null} */
let list = null;
/** The OCPP list as last loaded. @type {any} */
let ocpp = null;
/** The rows of the last refused import, for a language switch. @type {any[]} */
let importErrors = [];
/** The last import message: [key, params, ok]. @type {[string, Record<string, any>, boolean] | null} */
let importMessage = null;

const ADD_FIELDS = ["idTag", "name", "expiry"];
/** Most rows the table shows at once (a list may have 10,000); search finds the rest. */
const MAX_ROWS = 500;

/** Wires the forms (once). */
export function initWhitelist() {
  $("wl-add").addEventListener("submit", add);
  $("wl-import").addEventListener("submit", importCsv);
  $("wl-export").addEventListener("click", exportCsv);
  $("wl-filter").addEventListener("input", renderLocal);
  $("wl-add").addEventListener("input", (/** @type {Event} */ event) => {
    const name = /** @type {HTMLInputElement} */ (event.target).name;
    if (ADD_FIELDS.includes(name)) clearAddError(name);
  });
  state.onLang.push(() => {
    if (list) render();
    for (const node of document.querySelectorAll("#wl-add .error[data-reason]")) {
      node.textContent = reasonText(node.getAttribute("data-reason") ?? "", state.lang);
    }
    renderImport();
  });
}

/** Loads both lists (on entering the view). */
export async function loadWhitelist() {
  const res = await api("GET", "/api/whitelist");
  $("wl-unavailable").hidden = res.status !== 404;
  for (const id of ["wl-local", "wl-csv", "wl-source"]) $(id).hidden = res.status !== 200;
  if (res.status !== 200) {
    list = null;
    $("wl-ocpp").hidden = true;
    return;
  }
  list = res.data;
  ocpp = null;
  if (list?.source === "ocpp") {
    const o = await api("GET", "/api/whitelist/ocpp");
    if (o.status === 200) ocpp = o.data;
  }
  render();
}

function render() {
  $("wl-source").textContent = t(list?.source === "ocpp" ? "wl.source.ocpp" : "wl.source.local");
  renderOcpp();
  renderLocal();
}

function renderOcpp() {
  const box = $("wl-ocpp");
  box.hidden = ocpp === null;
  if (!ocpp) return;
  $("wl-ocpp-info").replaceChildren(
    el("dt", {}, [t("wl.ocpp.version")]),
    el("dd", { id: "wl-ocpp-version" }, [String(ocpp.version)]),
    el("dt", {}, [t("wl.ocpp.managed")]),
    el("dd", {}, [t(ocpp.managed ? "wl.yes" : "wl.no")]),
  );
  const entries = Array.isArray(ocpp.entries) ? ocpp.entries : [];
  $("wl-ocpp-table").hidden = entries.length === 0;
  $("wl-ocpp-empty").hidden = entries.length > 0;
  $("wl-ocpp-table").tBodies[0].replaceChildren(
    ...entries.map((/** @type {any} */ e) =>
      row([
        [t("wl.idTag"), e.idTag, "th"],
        [t("wl.status"), e.info?.status ?? "–"],
        [t("wl.expiry"), e.info?.expiryDate ? time(e.info.expiryDate) : t("wl.never")],
        [t("wl.parent"), e.info?.parentIdTag ?? "–"],
      ])
    ),
  );
}

/**
 * A table row; each cell carries its column's name for the phone layout.
 *
 * @param {[string, string | Node, string?][]} cells [label, content, tag]
 */
function row(cells) {
  // Explicit roles: the phone layout displays the cells as blocks, which
  // would otherwise cost the table its semantics in some browsers.
  return el(
    "tr",
    { role: "row" },
    cells.map(([label, content, tag]) =>
      el(
        tag ?? "td",
        tag === "th"
          ? { role: "rowheader", scope: "row", "data-label": label }
          : { role: "cell", "data-label": label },
        [content],
      )
    ),
  );
}

function renderLocal() {
  const entries = list?.entries ?? [];
  const query = $("wl-filter").value.trim().toLowerCase();
  const shown = query === ""
    ? entries
    : entries.filter((e) =>
      e.idTag.toLowerCase().includes(query) || (e.name ?? "").toLowerCase().includes(query)
    );
  $("wl-table").hidden = shown.length === 0;
  $("wl-empty").hidden = entries.length > 0;
  $("wl-count").textContent =
    (shown.length !== entries.length
      ? t("wl.countFiltered", { n: shown.length, total: entries.length })
      : entries.length === 1
      ? t("wl.countOne")
      : t("wl.count", { n: entries.length })) +
    (shown.length > MAX_ROWS ? ` ${t("wl.capped", { n: MAX_ROWS })}` : "");
  $("wl-table").tBodies[0].replaceChildren(
    ...shown.slice(0, MAX_ROWS).map((e) => {
      const button = el("button", { type: "button", class: "remove", "data-id-tag": e.idTag }, [
        t("wl.remove"),
        el("span", { class: "sr-only" }, [` ${e.idTag}`]),
      ]);
      button.addEventListener("click", () => remove(e.idTag, button));
      return row([
        [t("wl.idTag"), e.idTag, "th"],
        [t("wl.nameCol"), e.name ?? "–"],
        [t("wl.expiry"), expiryCell(e.expiry)],
        [t("wl.actions"), button],
      ]);
    }),
  );
}

/**
 * An entry's expiry; an expired one is marked (it no longer authorizes).
 *
 * @param {string | undefined} expiry
 */
function expiryCell(expiry) {
  if (!expiry) return t("wl.never");
  if (Date.parse(expiry) > Date.now()) return time(expiry);
  return el("span", {}, [
    time(expiry),
    " ",
    el("strong", { class: "badge expired" }, [t("wl.expired")]),
  ]);
}

/**
 * @param {string} key
 * @param {Record<string, string | number>} [params]
 * @param {boolean} [ok]
 */
function say(key, params = {}, ok = true) {
  const status = $("wl-status");
  status.textContent = t(key, params);
  status.className = ok ? "ok-text" : "error";
}

/** @param {string} name */
function clearAddError(name) {
  const error = $(`wl-e-${name}`);
  error.textContent = "";
  error.removeAttribute("data-reason");
  $(`wl-${name}`).removeAttribute("aria-invalid");
}

/**
 * @param {string} name
 * @param {string} text
 * @param {string} [reason] The server's reason (translated again on a language switch).
 */
function addError(name, text, reason) {
  const error = $(`wl-e-${name}`);
  error.textContent = text;
  if (reason) error.setAttribute("data-reason", reason);
  $(`wl-${name}`).setAttribute("aria-invalid", "true");
}

async function add(/** @type {SubmitEvent} */ event) {
  event.preventDefault();
  for (const name of ADD_FIELDS) clearAddError(name);
  $("wl-status").textContent = "";
  const idTag = $("wl-idTag").value.trim();
  const name = $("wl-name").value;
  const local = $("wl-expiry").value;
  if (idTag === "") {
    addError("idTag", t("wl.required"));
    $("wl-idTag").focus();
    return;
  }
  // datetime-local is the browser's local time; the API wants a time zone.
  const expiry = local === "" ? undefined : new Date(local);
  const body = {
    idTag,
    ...(name.trim() !== "" ? { name } : {}),
    ...(expiry ? { expiry: isNaN(expiry.getTime()) ? local : expiry.toISOString() } : {}),
  };
  const res = await api("POST", "/api/whitelist", body);
  if (res.status === 201) {
    for (const id of ["wl-idTag", "wl-name", "wl-expiry"]) $(id).value = "";
    await loadWhitelist();
    say("wl.added", { idTag: res.data.idTag ?? idTag });
    $("wl-idTag").focus();
    return;
  }
  if (res.status === 409) {
    const full = /full/i.test(res.data.error ?? "");
    addError("idTag", t(full ? "wl.full" : "wl.exists"));
    $("wl-idTag").focus();
    return;
  }
  const fields = Array.isArray(res.data.fields) ? res.data.fields : [];
  /** @type {HTMLElement | null} */
  let first = null;
  for (const { field, reason } of fields) {
    if (!ADD_FIELDS.includes(field)) continue;
    addError(field, reasonText(reason, state.lang), reason);
    first ??= $(`wl-${field}`);
  }
  if (first) first.focus();
  else say("wl.failed", { error: res.data.error ?? String(res.status) }, false);
}

/**
 * @param {string} idTag
 * @param {HTMLElement} button
 */
async function remove(idTag, button) {
  if (!confirm(t("wl.confirmRemove", { idTag }))) return;
  button.setAttribute("disabled", "");
  // "." and ".." cannot travel as a path segment (URLs resolve them): replace the list instead.
  const res = idTag === "." || idTag === ".."
    ? await api("PUT", "/api/whitelist", {
      entries: (list?.entries ?? []).filter((e) => e.idTag !== idTag),
    }).then((r) => (r.status === 200 ? { ...r, status: 204 } : r))
    : await api("DELETE", `/api/whitelist/${encodeURIComponent(idTag)}`);
  if (res.status !== 204 && res.status !== 404) {
    button.removeAttribute("disabled");
    say("wl.failed", { error: res.data.error ?? String(res.status) }, false);
    return;
  }
  // Keyboard users stay in the list: focus moves to the next row's button.
  const buttons = [...document.querySelectorAll("#wl-table button.remove")];
  const next = buttons[buttons.indexOf(button) + 1] ?? buttons[buttons.indexOf(button) - 1];
  const nextId = next?.getAttribute("data-id-tag");
  await loadWhitelist();
  say("wl.removed", { idTag });
  const target = [...document.querySelectorAll("#wl-table button.remove")]
    .find((b) => b.getAttribute("data-id-tag") === nextId);
  /** @type {HTMLElement} */ (target ?? $("wl-idTag")).focus();
}

async function exportCsv() {
  $("wl-status").textContent = "";
  const res = await api("GET", "/api/whitelist");
  if (res.status !== 200) {
    say("wl.failed", { error: res.data.error ?? String(res.status) }, false);
    return;
  }
  // German pages export what German Excel opens (BOM, semicolons); English ones plain CSV.
  const csv = whitelistCsv(res.data.entries, { excel: state.lang === "de" });
  const blob = new Blob([csv], { type: "text/csv;charset=utf-8" });
  const url = URL.createObjectURL(blob);
  const link = el("a", { href: url, download: "whitelist.csv", hidden: "" });
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 60_000);
}

async function importCsv(/** @type {SubmitEvent} */ event) {
  event.preventDefault();
  importErrors = [];
  $("wl-status").textContent = "";
  const file = $("wl-file").files?.[0];
  if (!file) {
    importMessage = ["wl.import.noFile", {}, false];
    renderImport();
    $("wl-file").focus();
    return;
  }
  const read = readWhitelistCsv(await file.text());
  if ("problem" in read) {
    const p = read.problem;
    importMessage = [
      "wl.import.problem",
      { line: p.line, reasonKey: `csv.${p.code}`, ...p.params },
      false,
    ];
    renderImport();
    return;
  }
  const count = list?.entries?.length ?? 0;
  if (count > 0 && !confirm(t("wl.confirmReplace", { n: count, m: read.entries.length }))) {
    return;
  }
  const res = await api("PUT", "/api/whitelist", { entries: read.entries });
  if (res.status === 200) {
    importMessage = ["wl.import.done", { n: res.data.entries.length }, true];
    // An error of an earlier add is stale now.
    for (const name of ["idTag", "name", "expiry"]) clearAddError(name);
    $("wl-file").value = "";
    list = res.data;
    renderLocal();
    renderImport();
    return;
  }
  const fields = Array.isArray(res.data.fields) ? res.data.fields : [];
  /** @type {Map<number, { line: number, values: Record<string, string>, reasons: [string, string][] }>} */
  const byRow = new Map();
  const whole = [];
  for (const { field, reason } of fields) {
    const at = entryOfField(String(field));
    const source = at ? read.rows[at.index] : undefined;
    if (!at || !source) {
      whole.push(reasonText(String(reason), state.lang));
      continue;
    }
    const entry = byRow.get(at.index) ?? { ...source, reasons: [] };
    entry.reasons.push([at.column, String(reason)]);
    byRow.set(at.index, entry);
  }
  importErrors = [...byRow.values()];
  importMessage = importErrors.length > 0
    ? ["wl.import.invalid", { n: importErrors.length }, false]
    : [
      "wl.import.failed",
      { error: whole.join("; ") || (res.data.error ?? String(res.status)) },
      false,
    ];
  renderImport();
}

/** Shows the import's outcome (and the refused rows) in the page's language. */
function renderImport() {
  const status = $("wl-import-status");
  if (importMessage) {
    const [key, params, ok] = importMessage;
    const p = { ...params };
    if (p.reasonKey) p.reason = t(p.reasonKey, params);
    status.textContent = t(key, p);
    status.className = ok ? "ok-text" : "error";
  } else status.textContent = "";
  const table = $("wl-import-errors");
  table.hidden = importErrors.length === 0;
  const column = (/** @type {string} */ c) =>
    c === "idTag"
      ? t("wl.idTag")
      : c === "name"
      ? t("wl.nameCol")
      : c === "expiry"
      ? t("wl.expiry")
      : c;
  table.tBodies[0].replaceChildren(
    ...importErrors.map((r) =>
      row([
        [t("wl.line"), String(r.line), "th"],
        [t("wl.idTag"), r.values.idTag ?? ""],
        [t("wl.nameCol"), r.values.name ?? ""],
        [t("wl.expiry"), r.values.expiry ?? ""],
        [
          t("wl.error"),
          r.reasons.map(([c, reason]) => `${column(c)}: ${reasonText(reason, state.lang)}`)
            .join("; "),
        ],
      ])
    ),
  );
}
