/**
 * Shared state and helpers of the web app: texts, the API client, DOM helpers.
 *
 * @module
 */
import { TEXTS } from "./i18n.js";

/** What the page knows; the views read and update it. */
export const state = {
  /** @type {"de" | "en"} */
  lang: "en",
  /** @type {{ csrf: string | null, sim: boolean, connectorCount: number, certs?: boolean } | null} */
  session: null,
  /** Called when a request finds the session gone (set by app.js). */
  onLoggedOut: () => {},
  /** Called after the language changed (views re-render). @type {(() => void)[]} */
  onLang: [],
};

/**
 * A text in the page's language, with `{name}` placeholders filled.
 *
 * @param {string} key
 * @param {Record<string, string | number>} [params]
 * @returns {string}
 */
export function t(key, params = {}) {
  const text = TEXTS[state.lang][key] ?? TEXTS.en[key] ?? key;
  return text.replace(/\{(\w+)\}/g, (_, name) => String(params[name] ?? ""));
}

/** The language of the browser, German or English. */
export function browserLang() {
  const stored = localStorage.getItem("lang");
  if (stored === "de" || stored === "en") return stored;
  return (navigator.languages?.[0] ?? navigator.language ?? "en").toLowerCase().startsWith("de")
    ? "de"
    : "en";
}

/**
 * Sets the language and translates every `data-t` element.
 *
 * @param {"de" | "en"} lang
 */
export function setLang(lang) {
  state.lang = lang;
  document.documentElement.lang = lang;
  for (const node of document.querySelectorAll("[data-t]")) {
    node.textContent = t(/** @type {string} */ (node.getAttribute("data-t")));
  }
  for (const node of document.querySelectorAll("[data-t-aria-label]")) {
    node.setAttribute(
      "aria-label",
      t(/** @type {string} */ (node.getAttribute("data-t-aria-label"))),
    );
  }
  for (const fn of state.onLang) fn();
}

/**
 * Calls the local API with the session cookie (and CSRF token when needed).
 *
 * @param {string} method
 * @param {string} path
 * @param {unknown} [body] Sent as JSON, or as it is when `type` is given.
 * @param {string} [type] Content type of a body sent as it is (a file).
 * @returns {Promise<{ status: number, data: any }>}
 */
export async function api(method, path, body, type) {
  /** @type {Record<string, string>} */
  const headers = { Accept: "application/json" };
  if (body !== undefined) headers["Content-Type"] = type ?? "application/json";
  if (method !== "GET" && state.session?.csrf) headers["X-CSRF-Token"] = state.session.csrf;
  let res;
  try {
    res = await fetch(path, {
      method,
      headers,
      credentials: "same-origin",
      ...(body !== undefined
        ? { body: type ? /** @type {BodyInit} */ (body) : JSON.stringify(body) }
        : {}),
    });
  } catch {
    return { status: 0, data: { error: "network error" } };
  }
  const data = await res.json().catch(() => ({}));
  if (res.status === 401 && path !== "/login") state.onLoggedOut();
  return { status: res.status, data };
}

/**
 * Creates an element with text and attributes.
 *
 * @param {string} tag
 * @param {Record<string, string>} [attrs]
 * @param {(Node | string)[]} [children]
 * @returns {HTMLElement}
 */
export function el(tag, attrs = {}, children = []) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, v);
  node.append(...children);
  return node;
}

/**
 * Looks an element up by id.
 *
 * @param {string} id
 * @returns {any}
 */
export function $(id) {
  return document.getElementById(id);
}

/**
 * Energy in kWh with Wh resolution, in the page's language.
 *
 * @param {number | null} wh
 */
export function kwh(wh) {
  return wh === null ? "–" : `${num(wh / 1000, 3)} kWh`;
}

/**
 * A number with fixed decimals in the page's language.
 *
 * @param {number} n
 * @param {number} digits
 */
export function num(n, digits) {
  return n.toLocaleString(state.lang, {
    minimumFractionDigits: digits,
    maximumFractionDigits: digits,
  });
}

/**
 * A time in the page's language.
 *
 * @param {string | null} iso
 */
export function time(iso) {
  return iso ? new Date(iso).toLocaleString(state.lang) : "–";
}
