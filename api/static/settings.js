/**
 * The OCPP settings view: the seed's parameters in its order, saved with
 * `PATCH /api/settings` (only the changed ones). The validator's field
 * errors are shown beside their fields; nothing is saved then. The stored
 * password is never sent to the page: its field stays empty (empty means
 * unchanged) and its hint tells whether one is stored.
 *
 * SSL mode: where the runtime has a data directory (`session.certs`), the
 * CA file and the client certificate and key can be uploaded
 * (`POST /api/certs/:kind`); the answer's path fills the file's field, which
 * the server has set already.
 *
 * @module
 */
import { reasonText } from "./i18n.js";
import { $, api, el, state, t } from "./core.js";

/** Field names in the form's order, with how their values are read. */
const FIELDS = {
  backendConnectionType: "text",
  ethernetInterface: "text",
  wlanInterface: "text",
  chargePointId: "text",
  backendUrl: "text",
  backendPassword: "password",
  authorizationMode: "text",
  freeChargingIdTag: "text",
  whitelistSource: "text",
  securityProfile: "integer",
  tlsVerifyServer: "boolean",
  tlsCaFile: "text",
  tlsClientCertFile: "text",
  tlsClientKeyFile: "text",
  proxy: "text",
  keepAliveIntervalS: "integer",
  keepAliveTimeoutS: "integer",
  resumeTransactionAfterPowerLoss: "boolean",
  localAuthorizeOffline: "boolean",
  allowOfflineTxForUnknownId: "boolean",
  maxCurrentA: "integer",
};

/**
 * Fields marked `data-optional` appear only when the runtime has the setting
 * (newer runtimes add them); an interface field only for its connection type.
 */
const SHOWN_FOR_TYPE = { ethernetInterface: "ethernet", wlanInterface: "wlan" };

/** Upload kinds by the setting they fill. */
const UPLOADS = {
  tlsCaFile: "ca",
  tlsClientCertFile: "client-cert",
  tlsClientKeyFile: "client-key",
};
/** Largest upload the server takes, bytes. */
const UPLOAD_MAX = 64 * 1024;

/** The settings as last loaded or saved. @type {Record<string, any> | null} */
let loaded = null;

/** Prepares the form: error slots tied to the fields, listeners. */
export function initSettings() {
  for (const name of Object.keys(FIELDS)) {
    const input = $(`f-${name}`);
    const field = input.closest(".field");
    const ids = [];
    for (const hint of field.querySelectorAll(":scope > .hint")) {
      if (!hint.id) hint.id = `h-${name}`;
      ids.push(hint.id);
    }
    // Beside the field, before an upload control.
    field.insertBefore(
      el("p", { id: `e-${name}`, class: "error", hidden: "" }),
      field.querySelector(":scope > .upload"),
    );
    ids.push(`e-${name}`);
    input.setAttribute("aria-describedby", ids.join(" "));
  }
  $("settings-form").addEventListener("submit", save);
  $("settings-form").addEventListener("input", (/** @type {Event} */ event) => {
    // An edited field's error is stale: hide it until the next save.
    const name = /** @type {HTMLInputElement} */ (event.target).id.replace(/^f-/, "");
    if (name in FIELDS) clearError(name);
    showProfile();
  });
  $("f-backendConnectionType").addEventListener("change", showOptional);
  for (const id of ["authorizationMode", "keepAliveIntervalS", "securityProfile", "backendUrl"]) {
    $(`f-${id}`).addEventListener("input", showOptional);
    $(`f-${id}`).addEventListener("change", showOptional);
  }
  for (const [name, kind] of Object.entries(UPLOADS)) {
    $(`u-${name}`).addEventListener("change", () => upload(name, kind));
  }
  $("f-clearPassword").addEventListener("change", () => {
    $("f-backendPassword").disabled = $("f-clearPassword").checked;
    showProfile();
  });
  state.onLang.push(() => {
    if (loaded) showPasswordState();
    showProfile();
    for (const node of document.querySelectorAll("#settings-form .error[data-reason]")) {
      node.textContent = fieldText(node);
    }
  });
}

/**
 * While the stored settings load, the form takes no input: what was typed
 * would be overwritten when they arrive (a slow device or network).
 *
 * @param {boolean} on
 */
function busy(on) {
  const form = /** @type {HTMLFormElement} */ ($("settings-form"));
  form.setAttribute("aria-busy", String(on));
  for (const el of form.elements) {
    if (!(el instanceof HTMLFieldSetElement)) /** @type {HTMLInputElement} */ (el).disabled = on;
  }
  if (!on) $("f-backendPassword").disabled = $("f-clearPassword").checked;
}

/** Loads the settings into the form. */
export async function loadSettings() {
  busy(true);
  let res;
  try {
    res = await api("GET", "/api/settings");
  } finally {
    busy(false);
  }
  if (res.status !== 200) return;
  clearErrors();
  $("form-status").textContent = "";
  for (const box of document.querySelectorAll("#settings-form [data-upload]")) {
    box.hidden = state.session?.certs !== true;
  }
  for (const name of Object.keys(UPLOADS)) $(`us-${name}`).textContent = "";
  fill(res.data);
}

/**
 * Uploads the chosen file of a certificate field.
 *
 * @param {string} name The setting (`tlsCaFile`, ...).
 * @param {string} kind The upload kind (`ca`, ...).
 */
async function upload(name, kind) {
  const input = $(`u-${name}`);
  const status = $(`us-${name}`);
  const file = input.files?.[0];
  if (!file) return;
  status.className = "upload-status";
  if (file.size > UPLOAD_MAX) {
    status.textContent = t("u.tooLarge");
    status.className = "upload-status error";
    input.value = "";
    return;
  }
  status.textContent = t("u.busy");
  const res = await api("POST", `/api/certs/${kind}`, file, "application/x-pem-file");
  input.value = "";
  if (res.status !== 200) {
    const code = typeof res.data.code === "string" ? `cert.${res.data.code}` : "";
    const error = code && t(code) !== code ? t(code) : (res.data.error ?? String(res.status));
    status.textContent = t("u.failed", { error });
    status.className = "upload-status error";
    return;
  }
  // Saved by the server already: the field shows it and counts as unchanged.
  $(`f-${name}`).value = res.data.path;
  if (loaded) loaded = { ...loaded, [name]: res.data.path };
  clearError(name);
  status.textContent = t("u.done", { path: res.data.path });
  status.className = "upload-status ok-text";
  showProfile();
}

/** @param {Record<string, any>} settings */
function fill(settings) {
  loaded = settings;
  for (const [name, kind] of Object.entries(FIELDS)) {
    const input = $(`f-${name}`);
    if (kind === "boolean") input.checked = settings[name] === true;
    else if (kind === "password") input.value = "";
    else input.value = String(settings[name] ?? "");
  }
  $("f-clearPassword").checked = false;
  $("f-backendPassword").disabled = false;
  showPasswordState();
  showOptional();
  showProfile();
}

/** Shows the optional fields the runtime has (and that fit the connection type). */
function showOptional() {
  for (const field of document.querySelectorAll("#settings-form [data-optional]")) {
    const name = field.getAttribute("data-field") ?? "";
    const type = SHOWN_FOR_TYPE[/** @type {keyof SHOWN_FOR_TYPE} */ (name)];
    field.hidden = !(loaded && name in loaded) ||
      (type !== undefined && $("f-backendConnectionType").value !== type);
  }
  for (const field of document.querySelectorAll("#settings-form [data-field]")) {
    const name = field.getAttribute("data-field") ?? "";
    if (!applies(name)) field.hidden = true;
    else if (!field.hasAttribute("data-optional")) field.hidden = false;
  }
}

/**
 * Whether a field means anything with the choices made in the form: the
 * free-charging id only in free charging, the pong timeout only with a
 * keep-alive, the TLS settings only with TLS (profile 2 or 3, or a wss://
 * URL) and the client certificate only where it can be used.
 *
 * @param {string} name
 */
export function applies(name) {
  const value = (/** @type {string} */ id) => $(`f-${id}`)?.value ?? "";
  const profile = Number(value("securityProfile") || loaded?.securityProfile || 0);
  const tls = profile >= 2 || /^wss:/i.test(value("backendUrl").trim());
  switch (name) {
    case "freeChargingIdTag":
      return value("authorizationMode") === "free";
    case "keepAliveTimeoutS":
      return Number(value("keepAliveIntervalS")) > 0;
    case "tlsVerifyServer":
    case "tlsCaFile":
      return tls;
    case "tlsClientCertFile":
    case "tlsClientKeyFile":
      return tls && profile !== 2;
    default:
      return true;
  }
}

/** Whether the form holds changes not saved yet. */
export function unsaved() {
  return loaded !== null && Object.keys(changes()).length > 0;
}

function showPasswordState() {
  const set = loaded?.backendPasswordSet === true;
  $("f-backendPassword").placeholder = t(set ? "p.set" : "p.unset");
  $("clear-password").hidden = !set;
}

/** The changed fields, by setting name. */
function changes() {
  /** @type {Record<string, unknown>} */
  const out = {};
  for (const [name, kind] of Object.entries(FIELDS)) {
    const input = $(`f-${name}`);
    if (!(name in (loaded ?? {})) && kind !== "password") continue; // not in this runtime
    if (kind === "password") {
      if ($("f-clearPassword").checked) out[name] = "";
      else if (input.value !== "") out[name] = input.value;
      continue;
    }
    let value = kind === "boolean" ? input.checked : input.value;
    if (kind === "integer") value = /^\s*-?\d+\s*$/.test(value) ? Number(value) : value.trim();
    if (value !== loaded?.[name]) out[name] = value;
  }
  return out;
}

function clearErrors() {
  for (const name of Object.keys(FIELDS)) clearError(name);
  $("form-status").className = "";
}

/** @param {string} name */
function clearError(name) {
  const error = $(`e-${name}`);
  error.textContent = "";
  error.hidden = true;
  error.removeAttribute("data-reason");
  $(`f-${name}`).removeAttribute("aria-invalid");
}

async function save(/** @type {SubmitEvent} */ event) {
  event.preventDefault();
  clearErrors();
  const status = $("form-status");
  const body = changes();
  if (Object.keys(body).length === 0) {
    status.textContent = t("unchanged");
    return;
  }
  const res = await api("PATCH", "/api/settings", body);
  if (res.status === 200) {
    fill(res.data);
    status.textContent = t("saved");
    status.className = "ok";
    return;
  }
  status.className = "error";
  const fields = Array.isArray(res.data.fields) ? res.data.fields : [];
  /** @type {HTMLElement | null} */
  let first = null;
  const other = [];
  for (const { field, reason, code, params } of fields) {
    const error = $(`e-${field}`);
    if (!error || !(field in FIELDS)) {
      other.push(`${field} ${code ? t(`field.${code}`, params) : reasonText(reason, state.lang)}`);
      continue;
    }
    error.setAttribute("data-reason", reason);
    if (code) {
      error.setAttribute("data-code", code);
      error.setAttribute("data-params", JSON.stringify(params ?? {}));
    } else error.removeAttribute("data-code");
    error.textContent = fieldText(error);
    error.hidden = false;
    const input = $(`f-${field}`);
    input.setAttribute("aria-invalid", "true");
    first ??= input;
  }
  status.textContent = fields.length
    ? [t("invalid"), ...other].join(" ")
    : t("failed", { error: res.data.error ?? String(res.status) });
  (first ?? status).focus?.();
}

/**
 * A field error in the page's language: its code's text, else the reason.
 *
 * @param {Element} node The error element (data-reason, data-code, data-params).
 */
function fieldText(node) {
  const code = node.getAttribute("data-code");
  if (code) return t(`field.${code}`, JSON.parse(node.getAttribute("data-params") ?? "{}"));
  return reasonText(node.getAttribute("data-reason") ?? "", state.lang);
}

/** Tells which OCPP security profile the entered values amount to. */
function showProfile() {
  // With an explicit profile setting, its select says it all.
  $("security-profile").hidden = loaded !== null && "securityProfile" in loaded;
  const url = $("f-backendUrl").value.trim().toLowerCase();
  const clearing = $("f-clearPassword").checked;
  const password = !clearing &&
    ($("f-backendPassword").value !== "" || loaded?.backendPasswordSet === true);
  const cert = $("f-tlsClientCertFile").value.trim() !== "" &&
    $("f-tlsClientKeyFile").value.trim() !== "";
  let key = "sp.none";
  if ($("f-backendConnectionType").value !== "none" && url !== "") {
    if (url.startsWith("wss:")) key = cert ? "sp.3" : password ? "sp.2" : "sp.tls";
    else key = password ? "sp.1" : "sp.0";
  }
  $("security-profile").textContent = t(key);
}
