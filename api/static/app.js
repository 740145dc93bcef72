/**
 * The web app's entry: language, login and logout, and the views by URL
 * fragment (`#status`, `#settings`, `#whitelist`).
 *
 * @module
 */
import { $, api, browserLang, setLang, state, t } from "./core.js";
import { initSettings, loadSettings, unsaved } from "./settings.js";
import { initStatus, startLive, stopLive } from "./status.js";
import { initWhitelist, loadWhitelist } from "./whitelist.js";
import { initLogs } from "./logs.js";

const VIEWS = ["status", "settings", "whitelist"];
/** The view shown. */
let current = "";

/** Shows the view the URL names (or the login), and moves focus to its heading. */
function route(focus = true) {
  const loggedIn = state.session !== null;
  const name = loggedIn
    ? (VIEWS.includes(location.hash.slice(1)) ? location.hash.slice(1) : "status")
    : "login";
  for (const view of ["login", ...VIEWS]) $(`view-${view}`).hidden = view !== name;
  $("nav").hidden = !loggedIn;
  $("logout").hidden = !loggedIn;
  for (const link of $("nav").querySelectorAll("a")) {
    if (link.getAttribute("href") === `#${name}`) link.setAttribute("aria-current", "page");
    else link.removeAttribute("aria-current");
  }
  document.title = `${t(name === "login" ? "login.title" : `${name}.title`)} – ${t("title")}`;
  // Entering the settings loads them; a language switch keeps what was typed.
  if (name === "settings" && current !== "settings") loadSettings();
  if (name === "whitelist" && current !== "whitelist") loadWhitelist();
  current = name;
  if (focus) $(name === "login" ? "login-token" : `${name}-h`).focus();
}

/** @param {{ csrf: string | null, sim: boolean, connectorCount: number, certs?: boolean }} session */
function loggedIn(session) {
  state.session = session;
  initStatus();
  startLive();
  route();
}

function loggedOut() {
  if (state.session === null) return;
  state.session = null;
  stopLive();
  route();
}

async function login(/** @type {SubmitEvent} */ event) {
  event.preventDefault();
  const input = $("login-token");
  const error = $("login-error");
  error.textContent = "";
  if (input.value === "") {
    error.textContent = t("login.empty");
    input.setAttribute("aria-invalid", "true");
    input.focus();
    return;
  }
  const res = await api("POST", "/login", { token: input.value });
  if (res.status === 200) {
    input.value = "";
    input.removeAttribute("aria-invalid");
    loggedIn(res.data);
    return;
  }
  input.setAttribute("aria-invalid", "true");
  if (res.status === 429) {
    const s = /in (\d+) s/.exec(res.data.error ?? "")?.[1] ?? "60";
    error.textContent = t("login.limited", { s });
  } else if (res.status === 401) error.textContent = t("login.invalid");
  else error.textContent = res.data.error ?? String(res.status);
  input.select();
}

async function logout() {
  await api("POST", "/logout");
  loggedOut();
}

async function boot() {
  const lang = browserLang();
  $("lang").value = lang;
  $("lang").addEventListener("change", () => {
    const value = $("lang").value === "de" ? "de" : "en";
    localStorage.setItem("lang", value);
    setLang(value);
    route(false);
  });
  state.onLoggedOut = loggedOut;
  setLang(lang);
  initSettings();
  initWhitelist();
  initLogs();
  $("login-form").addEventListener("submit", login);
  $("logout").addEventListener("click", logout);
  addEventListener("hashchange", () => {
    // Leaving the settings with unsaved changes asks first; staying keeps them.
    if (current === "settings" && location.hash !== "#settings" && unsaved()) {
      if (!confirm(t("settings.unsaved"))) {
        history.replaceState(null, "", "#settings");
        return;
      }
      loadSettings();
    }
    route();
  });
  addEventListener("beforeunload", (event) => {
    if (current === "settings" && unsaved()) event.preventDefault();
  });
  const res = await api("GET", "/api/session");
  if (res.status === 200) loggedIn(res.data);
  else route();
}

boot();
