/**
 * The local HTTP API: a thin hono adapter over a {@linkcode RuntimeHandle}.
 *
 * Routes (all JSON; every `/api/*` route except `GET /api/health` needs
 * `Authorization: Bearer <token>`):
 * - `GET /api/health`: `{ ok: true }`
 * - `GET /api/status`: the runtime status
 * - `GET /api/settings`: the settings (secrets only as `<name>Set`)
 * - `GET /api/logs?limit=N`: the device log's last N entries (`api/logs.ts`)
 * - `PATCH /api/settings`: applies a partial settings object, all or nothing
 * - `POST /api/sim/connectors/:id/plug`, `.../unplug`, `.../ev`
 *   (`{ "charging": boolean }`) and `POST /api/sim/rfid` (`{ "idTag": "..." }`):
 *   simulated hardware, only when the runtime has it
 *
 * With `web` set, the local web app is served too (`api/web.ts`: the page at
 * `/`, login, `GET /api/session`, `GET /api/events`) and every `/api/*`
 * route also accepts its session cookie in place of the bearer token (with
 * the session's CSRF token for state-changing requests).
 *
 * Errors are `{ "error": "..." }` (plus `fields` for invalid settings); an
 * unexpected failure is a 500 with a generic message, and logged. No
 * response ever contains a secret.
 *
 * Guessing the token: failed attempts are limited per client address, 5 a
 * minute, then 429 with `Retry-After` (even for the right token) until the
 * minute ends; the Bearer header and the login form share the limit.
 *
 * @module
 */
import { Hono } from "hono";
import type { Context } from "hono";
import { bodyLimit } from "hono/body-limit";
import { registerWhitelistRoutes } from "./whitelist.ts";
import { registerHistoryRoutes } from "./history.ts";
import { type LogSource, registerLogRoutes } from "./logs.ts";
import { registerLimitRoutes } from "./limit.ts";
import { HTTPException } from "hono/http-exception";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import { REGISTRY } from "../config/registry.ts";
import { type FieldError, SettingsError } from "../config/store.ts";
import type { RuntimeHandle, SimControls } from "../runtime/handle.ts";
import { createWeb, type WebOptions } from "./web.ts";
import { FAULT_CODES, type FaultCode } from "../drivers/fault.ts";
import { clientAddress, LoginLimiter, type LoginLimiterOptions, safeEqual } from "./session.ts";

/** Options of {@linkcode createApi}. */
export interface ApiOptions {
  /** The bearer token every protected route requires. */
  readonly token: string;
  /**
   * Serves the web app and accepts its session cookie on `/api/*`; `true`
   * for the defaults. Off unless given.
   */
  readonly web?: WebOptions | boolean;
  /**
   * The limit of failed token attempts (defaults: 5 per client address and
   * minute); with the web app, its `login` options and clock apply instead.
   */
  readonly authLimit?: LoginLimiterOptions;
  /** Hears failures the API did not expect (the answer is then a generic 500). */
  readonly log?: (level: "error", text: string) => void;
  /** The device log for `GET /api/logs` (`api/logs.ts`); the route is absent without it. */
  readonly logs?: LogSource;
}

/** Largest accepted request body, bytes. */
export const MAX_BODY_BYTES = 64 * 1024;
/** Largest request body of `PUT /api/whitelist`. */
export const WHITELIST_BODY_BYTES = 2 * 1024 * 1024;

/** Most characters of an OCPP IdToken (CiString20Type, OCPP 1.6 section 7.28). */
const ID_TAG_MAX = 20;
// deno-lint-ignore no-control-regex
const CONTROL = /[\x00-\x1f\x7f-\x9f]/;

/** Names (app setting and OCPP key) of the settings whose values are secret. */
const SECRET_FIELDS: ReadonlySet<string> = new Set(
  REGISTRY.filter((d) => d.secret).flatMap((d) => d.setting ? [d.key, d.setting] : [d.key]),
);

/**
 * Builds the local API over a running runtime.
 *
 * @param runtime What the API may see and do of the runtime.
 * @param opts The bearer token.
 * @returns The hono app; serve it with `Deno.serve(app.fetch)`.
 * @throws {TypeError} When the token is empty.
 *
 * @example Usage
 * ```ts ignore
 * const app = createApi(runtime, { token: await loadApiToken(dataDir) });
 * const res = await app.request("/api/health"); // 200 { ok: true }
 * ```
 */
export function createApi(runtime: RuntimeHandle, opts: ApiOptions): Hono {
  if (opts.token === "") throw new TypeError("Cannot create API: token is empty");
  const token = opts.token;
  const app = new Hono();
  const webOpts = opts.web === true ? {} : opts.web || undefined;
  const limiter = new LoginLimiter({
    ...(webOpts ? { ...webOpts.login, now: webOpts.now ?? Date.now } : opts.authLimit),
  });
  const web = webOpts
    ? createWeb(runtime, {
      ...webOpts,
      limiter,
      checkToken: (presented) => safeEqual(presented, token),
    })
    : undefined;

  app.onError((err, c) => {
    if (err instanceof HTTPException) {
      return err.res ? err.getResponse() : c.json({ error: err.message }, err.status);
    }
    opts.log?.(
      "error",
      `Local API: ${c.req.method} ${c.req.path} failed: ${
        err instanceof Error ? err.stack ?? err.message : err
      }`,
    );
    // Never the message or stack: it may hold a path, a value or a secret.
    return c.json({ error: "Internal server error" }, 500);
  });
  app.notFound((c) => c.json({ error: "Not found" }, 404));

  app.use("/api/*", async (c, next) => {
    await next();
    c.header("Cache-Control", "no-store");
  });

  // Registered before the auth middleware: it answers without reaching it.
  app.get("/api/health", (c) => c.json({ ok: true }));

  app.use("/api/*", async (c, next) => {
    if (web && c.req.header("Authorization") === undefined && web.authenticate(c)) {
      return await next();
    }
    const header = c.req.header("Authorization");
    if (header === undefined) fail(401, "Missing bearer token", { "WWW-Authenticate": "Bearer" });
    // Every presented credential counts against the client's limit. Check, compare and
    // count are one synchronous step: parallel guesses cannot pass the check together.
    const client = clientAddress(c.env);
    const wait = limiter.retryAfterMs(client);
    if (wait > 0) {
      const s = Math.ceil(wait / 1000);
      fail(429, `Too many failed token attempts: try again in ${s} s`, {
        "Retry-After": String(s),
      });
    }
    const match = /^Bearer +(\S+) *$/i.exec(header);
    if (!match || !safeEqual(match[1]!, token)) {
      limiter.fail(client);
      if (!match) fail(401, "Missing bearer token", { "WWW-Authenticate": "Bearer" });
      fail(401, "Invalid bearer token", { "WWW-Authenticate": 'Bearer error="invalid_token"' });
    }
    await next();
  });
  const limit = (maxSize: number) =>
    bodyLimit({
      maxSize,
      onError: () => fail(413, `Request body too large: limit is ${maxSize} bytes`),
    });
  const small = limit(MAX_BODY_BYTES);
  // A whole whitelist (up to 10,000 entries) is replaced in one PUT.
  const large = limit(WHITELIST_BODY_BYTES);
  app.use("/api/*", (c, next) => (c.req.path === "/api/whitelist" ? large : small)(c, next));

  app.get("/api/status", (c) => c.json(runtime.status()));
  app.get("/api/settings", (c) => c.json(runtime.settings()));
  app.patch("/api/settings", async (c) => {
    const body = await readJson(c);
    try {
      await runtime.updateSettings(body);
    } catch (err) {
      if (!(err instanceof SettingsError)) throw err;
      fail(400, "Invalid settings", {}, { fields: publicFieldErrors(err.errors, body) });
    }
    return c.json(runtime.settings());
  });

  app.use("/api/sim/*", async (_c, next) => {
    if (!runtime.sim) fail(404, "no simulated hardware");
    await next();
  });
  app.post("/api/sim/connectors/:id/plug", (c) => {
    const id = connectorId(runtime, c.req.param("id"));
    simDo(() => sim(runtime).plug(id));
    return accepted(c);
  });
  app.post("/api/sim/connectors/:id/unplug", (c) => {
    const id = connectorId(runtime, c.req.param("id"));
    simDo(() => sim(runtime).unplug(id));
    return accepted(c);
  });
  app.post("/api/sim/connectors/:id/ev", async (c) => {
    const id = connectorId(runtime, c.req.param("id"));
    const body = await readJson(c);
    if (!isObject(body) || typeof body.charging !== "boolean") {
      fail(400, 'Invalid body: expected { "charging": boolean }');
    }
    onlyFields(body, ["charging"]);
    const charging = body.charging;
    simDo(() => sim(runtime).setEvCharging(id, charging));
    return accepted(c);
  });
  app.post("/api/sim/connectors/:id/fault", async (c) => {
    const id = connectorId(runtime, c.req.param("id"));
    const body = await readJson(c);
    const code = isObject(body) ? body.errorCode : undefined;
    if (code !== null && !(typeof code === "string" && FAULT_CODES.includes(code as FaultCode))) {
      fail(400, "Invalid errorCode", {}, {
        fields: [{
          field: "errorCode",
          reason: `must be null (clear) or one of ${FAULT_CODES.join(", ")}`,
        }],
      });
    }
    const s = sim(runtime);
    if (!s.injectFault || !s.clearFault) fail(404, "no fault injection");
    if (code === null) s.clearFault(id);
    else s.injectFault(id, code as FaultCode);
    return accepted(c);
  });
  app.post("/api/sim/rfid", async (c) => {
    const body = await readJson(c);
    if (!isObject(body) || typeof body.idTag !== "string") {
      fail(400, 'Invalid body: expected { "idTag": string }');
    }
    onlyFields(body, ["idTag"]);
    const idTag = body.idTag;
    const length = [...idTag].length;
    if (length < 1 || length > ID_TAG_MAX) {
      fail(400, `Invalid idTag: must be 1-${ID_TAG_MAX} characters`);
    }
    if (CONTROL.test(idTag)) fail(400, "Invalid idTag: must not contain control characters");
    simDo(() => sim(runtime).tap(idTag));
    return accepted(c);
  });

  // Leave safe mode (a damaged store was moved aside; charging was disabled).
  app.post("/api/storage/clear-safe-mode", async (c) => {
    await runtime.clearSafeMode();
    return c.json(runtime.status().durability);
  });
  if (runtime.whitelist) registerWhitelistRoutes(app, runtime.whitelist);
  registerHistoryRoutes(app, runtime);
  if (opts.logs) registerLogRoutes(app, opts.logs);
  const { externalLimit, setExternalLimit } = runtime;
  if (externalLimit && setExternalLimit) {
    registerLimitRoutes(app, {
      externalLimit: () => externalLimit.call(runtime),
      setExternalLimit: (l) => setExternalLimit.call(runtime, l),
    });
  }
  web?.mount(app);
  return app;
}

/** Throws an HTTPException whose response is `{ error, ...extra }`. */
function fail(
  status: ContentfulStatusCode,
  error: string,
  headers: Record<string, string> = {},
  extra: Record<string, unknown> = {},
): never {
  const res = Response.json({ error, ...extra }, { status, headers });
  throw new HTTPException(status, { message: error, res });
}

/** Refuses a body with fields other than `known`, naming the first. */
function onlyFields(body: Record<string, unknown>, known: readonly string[]): void {
  const extra = Object.keys(body).find((k) => !known.includes(k));
  if (extra !== undefined) {
    fail(400, `Invalid body: ${JSON.stringify(extra.slice(0, 40))} is not a known field`);
  }
}

/**
 * Runs a simulated-hardware action; what the station refuses (a RangeError:
 * no EV plugged in, unknown connector) is a 409 with its reason, not a 500.
 */
function simDo(action: () => void): void {
  try {
    action();
  } catch (err) {
    if (err instanceof RangeError) fail(409, err.message);
    throw err;
  }
}

function accepted(c: Context): Response {
  return c.json({ ok: true }, 202);
}

function sim(runtime: RuntimeHandle): SimControls {
  if (!runtime.sim) fail(404, "no simulated hardware");
  return runtime.sim;
}

function connectorId(runtime: RuntimeHandle, param: string): number {
  const id = /^[1-9][0-9]{0,8}$/.test(param) ? Number(param) : NaN;
  if (!(id <= runtime.connectorCount)) {
    fail(
      404,
      `Cannot find connector: id must be an integer from 1 to ${runtime.connectorCount}`,
    );
  }
  return id;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** Parses the body as JSON; never echoes the body or the parser's message. */
async function readJson(c: Context): Promise<unknown> {
  const text = await c.req.text();
  if (text.trim() === "") fail(400, "Cannot parse request body: body is empty, expected JSON");
  try {
    return JSON.parse(text);
  } catch {
    fail(400, "Cannot parse request body: not valid JSON");
  }
}

/**
 * The field errors as the client may see them: only `field` and `reason`,
 * and a reason that would echo a submitted secret value is replaced.
 */
function publicFieldErrors(errors: readonly FieldError[], body: unknown): FieldError[] {
  const secrets = isObject(body)
    ? Object.entries(body).flatMap(([k, v]) =>
      SECRET_FIELDS.has(k) && typeof v === "string" && v !== "" ? [v] : []
    )
    : [];
  const leaks = (s: string) => secrets.some((v) => s.includes(v));
  return errors.map(({ field, reason, code, params }) => ({
    field: leaks(String(field)) ? "(redacted)" : String(field),
    reason: leaks(String(reason)) ? "is invalid" : String(reason),
    ...(code !== undefined ? { code, params: params ?? {} } : {}),
  }));
}
