/**
 * The local web app: a static page (`api/static/`: HTML, CSS and plain
 * JavaScript, no build step, nothing from outside) served by the runtime at
 * `/`, its login sessions and its live status stream.
 *
 * Routes:
 * - `GET /`: the page; `GET /assets/:name`: its scripts and style sheet;
 * - `POST /login` `{ "token": "<API token>" }`: starts a session (cookie)
 *   and answers `{ csrf, sim, connectorCount, certs }`; failed logins are limited
 *   per client address (5 a minute: then 429 with `Retry-After`);
 * - `POST /logout`: ends the session and clears the cookie;
 * - `GET /api/session`: `{ csrf, sim, connectorCount, certs }` of the caller;
 * - `GET /api/events`: Server-Sent Events of the status (see `status_hub.ts`);
 * - `POST /api/certs/:kind`, only with `dataDir`: uploads the CA file or the
 *   client certificate or key of the SSL mode (see `certs.ts`).
 *
 * `sim` tells whether the developer panel applies, `certs` whether
 * certificates can be uploaded (the web app was given a data directory).
 *
 * Cross-site request forgery: the session cookie is HttpOnly and
 * SameSite=Strict, so a browser sends it only with requests made by pages
 * of this site. SameSite counts every port of a host as one site, though,
 * and a wallbox's address may be shared with other web apps; so in addition
 * every state-changing request authenticated by the cookie must carry the
 * session's CSRF token in the `X-CSRF-Token` header (a custom header that a
 * page of another origin cannot send without a CORS preflight, which this
 * server never allows) and, when the browser sends an `Origin`, it must be
 * this server's own. `POST /login` needs a JSON body (no cross-origin form
 * can send one without a preflight) and the same `Origin` check. Requests
 * with a bearer token (curl, scripts) need neither: the header cannot be
 * forged by a browser.
 *
 * @module
 */
import type { Context, Hono } from "hono";
import { bodyLimit } from "hono/body-limit";
import { deleteCookie, getCookie, setCookie } from "hono/cookie";
import { HTTPException } from "hono/http-exception";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import type { RuntimeHandle } from "../runtime/handle.ts";
import { CERT_KINDS, CERT_MAX_BYTES, checkPem, isCertKind, saveCert } from "./certs.ts";
import {
  clientAddress,
  LoginLimiter,
  type LoginLimiterOptions,
  safeEqual,
  type Session,
  SESSION_COOKIE,
  SessionStore,
  type SessionStoreOptions,
} from "./session.ts";
import { StatusHub } from "./status_hub.ts";
import { type Clock, systemClock } from "../actors/clock.ts";

/** Options of the web app (all optional; tests inject the clock). */
export interface WebOptions {
  /** The clock of sessions, login limits and event stamps, ms (default `Date.now`). */
  readonly now?: () => number;
  /** Interval of status reads for `/api/events`, ms (default 500). */
  readonly pollMs?: number;
  /** The clock of the status polls (default the system clock, or `now` with real timers). */
  readonly clock?: Clock;
  /** Failed-login limit (defaults: 5 per client address and minute). */
  readonly login?: Omit<LoginLimiterOptions, "now">;
  /** Session limits (defaults: 12 h idle, 16 sessions). */
  readonly sessions?: Omit<SessionStoreOptions, "now">;
  /**
   * The data directory: uploaded certificates go to its `certs/` folder.
   * Without it `POST /api/certs/:kind` does not exist and the page hides
   * the upload.
   */
  readonly dataDir?: string;
}

/** The web app as the API mounts it. */
export interface WebApp {
  /**
   * Authenticates an `/api/*` request by its session cookie.
   *
   * @returns `false` when the request has no session cookie (the caller then
   * requires a bearer token), `true` when the session is valid.
   * @throws {HTTPException} 401 when the cookie names no live session, 403
   * when a state-changing request lacks the CSRF token or comes from
   * another origin.
   */
  authenticate(c: Context): boolean;
  /** Registers the routes; call after the API's authentication middleware. */
  mount(app: Hono): void;
}

/** Files of `api/static/` the page may load, with their content types. */
const ASSETS: Readonly<Record<string, string>> = {
  "index.html": "text/html; charset=utf-8",
  "app.js": "text/javascript; charset=utf-8",
  "core.js": "text/javascript; charset=utf-8",
  "i18n.js": "text/javascript; charset=utf-8",
  "settings.js": "text/javascript; charset=utf-8",
  "status.js": "text/javascript; charset=utf-8",
  "whitelist.js": "text/javascript; charset=utf-8",
  "csv.js": "text/javascript; charset=utf-8",
  "logs.js": "text/javascript; charset=utf-8",
  "app.css": "text/css; charset=utf-8",
};

/** Headers of every page and asset response. */
const PAGE_HEADERS: Readonly<Record<string, string>> = {
  "Content-Security-Policy": "default-src 'self'; img-src 'self' data:; object-src 'none'; " +
    "base-uri 'none'; form-action 'self'; frame-ancestors 'none'",
  "X-Content-Type-Options": "nosniff",
  "Referrer-Policy": "no-referrer",
  "X-Frame-Options": "DENY",
  "Cache-Control": "no-cache",
};

const SAFE_METHODS: ReadonlySet<string> = new Set(["GET", "HEAD", "OPTIONS"]);

/**
 * Builds the web app over a runtime.
 *
 * @param runtime What the page may see and do of the runtime.
 * @param opts `checkToken` tells whether a submitted API token is right.
 * @returns The app's authentication hook and routes, for `createApi`.
 *
 * @example Usage
 * ```ts ignore
 * const web = createWeb(runtime, { checkToken: (t) => safeEqual(t, token) });
 * web.mount(app);
 * ```
 */
export function createWeb(
  runtime: RuntimeHandle,
  opts: WebOptions & {
    /** Synchronous: the limit check, this and the failure count are one step. */
    readonly checkToken: (token: string) => boolean;
    /** The limiter of failed token attempts, shared with the Bearer check. */
    readonly limiter?: LoginLimiter;
  },
): WebApp {
  const now = opts.now ?? Date.now;
  const sessions = new SessionStore({ ...opts.sessions, now });
  const limiter = opts.limiter ?? new LoginLimiter({ ...opts.login, now });
  const clock: Clock = opts.clock ?? { ...systemClock, now };
  const hub = new StatusHub(runtime, { clock, ...(opts.pollMs ? { pollMs: opts.pollMs } : {}) });
  /** The session a request was authenticated with. */
  const bySession = new WeakMap<Request, Session>();
  const assets = new Map<string, { body: Uint8Array<ArrayBuffer>; etag: string }>();

  function sessionInfo(session: Session | undefined) {
    return {
      csrf: session?.csrf ?? null,
      sim: !!runtime.sim,
      connectorCount: runtime.connectorCount,
      certs: opts.dataDir !== undefined,
    };
  }

  async function asset(c: Context, name: string): Promise<Response> {
    const type = Object.hasOwn(ASSETS, name) ? ASSETS[name] : undefined;
    if (!type) fail(404, "Not found");
    let file = assets.get(name);
    if (!file) {
      const body = await Deno.readFile(new URL(`./static/${name}`, import.meta.url));
      const hash = new Uint8Array(await crypto.subtle.digest("SHA-256", body));
      const etag = `"${
        Array.from(hash.subarray(0, 12), (b) => b.toString(16).padStart(2, "0")).join("")
      }"`;
      file = { body, etag };
      assets.set(name, file);
    }
    const headers = { ...PAGE_HEADERS, "Content-Type": type, ETag: file.etag };
    if (c.req.header("If-None-Match") === file.etag) {
      return new Response(null, { status: 304, headers });
    }
    return new Response(file.body, { headers });
  }

  return {
    authenticate(c) {
      const id = getCookie(c, SESSION_COOKIE);
      if (id === undefined) return false;
      const session = sessions.get(id);
      if (!session) fail(401, "Invalid session: log in again");
      if (!SAFE_METHODS.has(c.req.method)) checkCsrf(c, session);
      bySession.set(c.req.raw, session);
      return true;
    },

    mount(app) {
      app.get("/", (c) => asset(c, "index.html"));
      app.get("/assets/:name", (c) => asset(c, c.req.param("name")));

      app.post(
        "/login",
        bodyLimit({ maxSize: 4096, onError: () => fail(413, "Request body too large") }),
        async (c) => {
          checkOrigin(c);
          if (!/^application\/json\s*(;|$)/i.test(c.req.header("Content-Type") ?? "")) {
            fail(415, "Cannot log in: expected a JSON body");
          }
          const client = clientAddress(c.env);
          const waitMs = limiter.retryAfterMs(client);
          if (waitMs > 0) tooMany(waitMs);
          let body: unknown;
          try {
            body = JSON.parse(await c.req.text());
          } catch {
            fail(400, "Cannot parse request body: not valid JSON");
          }
          const token = (body as { token?: unknown } | null)?.token;
          if (typeof token !== "string" || token === "") {
            fail(400, 'Invalid body: expected { "token": string }');
          }
          // Checked again after the body's await, then compared and counted without one:
          // parallel guesses cannot all pass the check before the first failure counts.
          const wait = limiter.retryAfterMs(client);
          if (wait > 0) tooMany(wait);
          if (!opts.checkToken(token)) {
            limiter.fail(client);
            fail(401, "Invalid token");
          }
          const session = sessions.create();
          setCookie(c, SESSION_COOKIE, session.id, {
            httpOnly: true,
            sameSite: "Strict",
            path: "/",
            secure: new URL(c.req.url).protocol === "https:",
          });
          c.header("Cache-Control", "no-store");
          return c.json(sessionInfo(session));
        },
      );

      app.post("/logout", (c) => {
        const session = sessions.get(getCookie(c, SESSION_COOKIE));
        if (session) {
          checkCsrf(c, session);
          sessions.delete(session.id);
        }
        deleteCookie(c, SESSION_COOKIE, { path: "/" });
        c.header("Cache-Control", "no-store");
        return c.json({ ok: true });
      });

      app.get("/api/session", (c) => c.json(sessionInfo(bySession.get(c.req.raw))));

      app.get("/api/events", (c) => {
        const session = bySession.get(c.req.raw);
        const stream = hub.open(session ? { alive: () => sessions.alive(session.id) } : {});
        return c.body(stream, 200, {
          "Content-Type": "text/event-stream; charset=utf-8",
          "X-Accel-Buffering": "no",
        });
      });

      const dataDir = opts.dataDir;
      if (dataDir !== undefined) {
        app.post(
          "/api/certs/:kind",
          bodyLimit({
            maxSize: CERT_MAX_BYTES,
            onError: () => fail(413, `Request body too large: limit is ${CERT_MAX_BYTES} bytes`),
          }),
          async (c) => {
            const kind = c.req.param("kind");
            if (!isCertKind(kind)) {
              fail(404, "Cannot find certificate kind: expected ca, client-cert or client-key");
            }
            const bytes = await c.req.arrayBuffer();
            let text: string;
            try {
              text = new TextDecoder("utf-8", { fatal: true }).decode(bytes);
            } catch {
              // Binary (DER) upload: the reason says what to do, never what was sent.
              return c.json({ error: "The file is not PEM text", code: "not_pem" }, 400);
            }
            const checked = checkPem(kind, text);
            if (!checked.ok) return c.json({ error: checked.error, code: checked.code }, 400);
            const path = await saveCert(dataDir, kind, checked.pem);
            const setting = CERT_KINDS[kind];
            await runtime.updateSettings({ [setting]: path });
            return c.json({ kind, setting, path, blocks: checked.blocks });
          },
        );
      }
    },
  };
}

/** Refuses a state-changing request without the session's CSRF token or from another origin. */
function checkCsrf(c: Context, session: Session): void {
  checkOrigin(c);
  if (!safeEqual(c.req.header("X-CSRF-Token") ?? "", session.csrf)) {
    fail(403, "Invalid CSRF token");
  }
}

/** Refuses a request whose `Origin` header names another origin than this server. */
function checkOrigin(c: Context): void {
  const origin = c.req.header("Origin");
  if (origin !== undefined && origin !== new URL(c.req.url).origin) {
    fail(403, "Cannot accept request: cross-origin");
  }
}

/** Refuses a login while its client is over the limit of failed attempts. */
function tooMany(waitMs: number): never {
  const s = Math.ceil(waitMs / 1000);
  fail(429, `Too many failed logins: try again in ${s} s`, { "Retry-After": String(s) });
}

/** Throws an HTTPException whose response is `{ error }`. */
function fail(
  status: ContentfulStatusCode,
  error: string,
  headers: Record<string, string> = {},
): never {
  const res = Response.json({ error }, { status, headers });
  throw new HTTPException(status, { message: error, res });
}
