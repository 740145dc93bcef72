/**
 * The local whitelist routes of the local API (seed: "Lokale Whitelist").
 *
 * - `GET /api/whitelist`: `{ source, entries: [{ idTag, name?, expiry? }] }`;
 *   `source` is `WhitelistSource` (`local`: this list authorizes; `ocpp`: the
 *   Central System's list does, and this one is kept for later)
 * - `PUT /api/whitelist` `{ "entries": [...] }`: replaces the list; answers
 *   like GET
 * - `POST /api/whitelist` `{ idTag, name?, expiry? }`: adds one entry: 201
 *   with the entry; 409 when the idTag is there already (idTags are
 *   case-insensitive) or the list is full
 * - `DELETE /api/whitelist/:idTag`: 204; 404 when not there
 * - `GET /api/whitelist/ocpp`: the Central System's Local Authorization List,
 *   read-only: `{ managed, version, entries: [{ idTag, info }] }`
 *
 * An entry: `idTag` 1-20 printable ASCII characters without leading or
 * trailing spaces (OCPP IdToken, section 7.28); `name` up to
 * {@link NAME_MAX} characters, no control characters; `expiry` an ISO 8601
 * date-time with time zone (stored as UTC), after which the entry refuses
 * as Expired. Invalid input gets 400 `{ error, fields: [{ field, reason }] }`
 * and changes nothing.
 *
 * Mount behind the API's bearer-token and body-limit middleware:
 * `registerWhitelistRoutes(app, access)`.
 *
 * @module
 */
import type { Context, Hono } from "hono";
import type { WhitelistEntry } from "../actors/messages.ts";
import { idKey } from "../actors/auth_decision.ts";
import type { FieldError } from "../config/store.ts";
import type { WhitelistAccess } from "../runtime/auth_store.ts";
import { parseDateTime } from "../ocpp/date_time.ts";

/** Most entries of the local whitelist. */
export const WHITELIST_MAX = 10_000;
/** Most characters of an entry's name. */
export const NAME_MAX = 50;

const ID_TAG = /^[\x21-\x7e]([\x20-\x7e]{0,18}[\x21-\x7e])?$/;
const DATE_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2})$/;
// deno-lint-ignore no-control-regex
const CONTROL = /[\x00-\x1f\x7f]/;
const FIELDS = new Set(["idTag", "name", "expiry"]);

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/**
 * Checks one whitelist entry; pushes each problem to `errors` under `at`.
 *
 * @returns the entry as stored (expiry in UTC, empty name dropped), or undefined when invalid.
 */
export function parseEntry(
  value: unknown,
  at: string,
  errors: FieldError[],
): WhitelistEntry | undefined {
  if (!isObject(value)) {
    errors.push({ field: at || "(body)", reason: "must be an object { idTag, name?, expiry? }" });
    return undefined;
  }
  const field = (f: string) => at ? `${at}.${f}` : f;
  const before = errors.length;
  for (const k of Object.keys(value)) {
    if (!FIELDS.has(k)) errors.push({ field: field(k), reason: "is not a known field" });
  }
  const { idTag, name, expiry } = value;
  if (typeof idTag !== "string") {
    errors.push({ field: field("idTag"), reason: "must be a string" });
  } else if (!ID_TAG.test(idTag)) {
    errors.push({
      field: field("idTag"),
      reason: "must be 1-20 printable ASCII characters, without leading or trailing spaces",
    });
  }
  if (name !== undefined && name !== null) {
    if (typeof name !== "string") errors.push({ field: field("name"), reason: "must be a string" });
    else if ([...name].length > NAME_MAX) {
      errors.push({ field: field("name"), reason: `must be at most ${NAME_MAX} characters` });
    } else if (CONTROL.test(name)) {
      errors.push({ field: field("name"), reason: "must not contain control characters" });
    }
  }
  let utc: string | undefined;
  if (expiry !== undefined && expiry !== null) {
    // Date.parse would roll 2030-02-30 over to March 2: only days that exist.
    const ms = typeof expiry === "string" && DATE_TIME.test(expiry)
      ? parseDateTime(expiry.replace(/^(.{16})(?=Z|[+-])/i, "$1:00")) // seconds may be left out
      : undefined;
    if (ms === undefined) {
      errors.push({
        field: field("expiry"),
        reason:
          "must be an ISO 8601 date-time with time zone of a day that exists, e.g. 2030-12-31T23:59:59Z",
      });
    } else utc = new Date(ms).toISOString();
  }
  if (errors.length > before) return undefined;
  return {
    idTag: idTag as string,
    ...(typeof name === "string" && name !== "" ? { name } : {}),
    ...(utc !== undefined ? { expiry: utc } : {}),
  };
}

/** Checks a whole list (`{ entries: [...] }`): valid entries, unique idTags, at most WHITELIST_MAX. */
export function parseWhitelist(
  body: unknown,
): { readonly entries: WhitelistEntry[] } | { readonly errors: FieldError[] } {
  if (!isObject(body) || !Array.isArray(body.entries)) {
    return { errors: [{ field: "entries", reason: "must be an array of entries" }] };
  }
  const errors: FieldError[] = [];
  for (const k of Object.keys(body)) {
    if (k !== "entries") errors.push({ field: k, reason: "is not a known field" });
  }
  if (body.entries.length > WHITELIST_MAX) {
    errors.push({ field: "entries", reason: `must have at most ${WHITELIST_MAX} entries` });
    return { errors };
  }
  const entries: WhitelistEntry[] = [];
  const seen = new Set<string>();
  body.entries.forEach((raw, i) => {
    const e = parseEntry(raw, `entries[${i}]`, errors);
    if (!e) return;
    if (seen.has(idKey(e.idTag))) {
      errors.push({
        field: `entries[${i}].idTag`,
        reason: "appears twice (idTags are case-insensitive)",
      });
    }
    seen.add(idKey(e.idTag));
    entries.push(e);
  });
  return errors.length ? { errors } : { entries };
}

async function readJson(c: Context): Promise<{ ok: true; value: unknown } | { ok: false }> {
  try {
    return { ok: true, value: JSON.parse(await c.req.text()) };
  } catch {
    return { ok: false };
  }
}

function invalid(c: Context, fields: readonly FieldError[]): Response {
  return c.json({ error: "Invalid whitelist", fields }, 400);
}

/**
 * Registers the whitelist routes on a hono app.
 *
 * @param app the API app (its auth middleware must already cover `/api/*`).
 * @param access the runtime's whitelist.
 *
 * @example Usage
 * ```ts ignore
 * registerWhitelistRoutes(app, whitelistAccess({ bus: () => runtime.bus, config, store }));
 * ```
 */
export function registerWhitelistRoutes(app: Hono, access: WhitelistAccess): void {
  const view = () => ({ source: access.source(), entries: access.entries() });
  const notJson = (c: Context) =>
    c.json({ error: "Cannot parse request body: not valid JSON" }, 400);

  app.get("/api/whitelist", (c) => c.json(view()));
  app.get("/api/whitelist/ocpp", (c) => c.json(access.ocppList()));

  app.put("/api/whitelist", async (c) => {
    const body = await readJson(c);
    if (!body.ok) return notJson(c);
    const parsed = parseWhitelist(body.value);
    if ("errors" in parsed) return invalid(c, parsed.errors);
    access.replace(parsed.entries);
    return c.json(view());
  });

  app.post("/api/whitelist", async (c) => {
    const body = await readJson(c);
    if (!body.ok) return notJson(c);
    const errors: FieldError[] = [];
    const entry = parseEntry(body.value, "", errors);
    if (!entry) return invalid(c, errors);
    if (access.entries().length >= WHITELIST_MAX) {
      return c.json({ error: `Whitelist is full: at most ${WHITELIST_MAX} entries` }, 409);
    }
    if (!access.add(entry)) {
      return c.json({ error: `idTag ${entry.idTag} is already on the whitelist` }, 409);
    }
    return c.json(entry, 201);
  });

  app.delete("/api/whitelist/:idTag", (c) => {
    const idTag = c.req.param("idTag");
    if (!access.remove(idTag)) return c.json({ error: "idTag is not on the whitelist" }, 404);
    return c.body(null, 204);
  });
}
