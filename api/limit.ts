/**
 * The external limit of the local API, for a home energy manager or a grid
 * operator's control box (Germany: §14a EnWG): `GET /api/limit`, `PUT
 * /api/limit` `{ "currentA": n, "until"?: ISO time }`, `DELETE /api/limit`.
 * It limits all connectors together, beside the charging profiles and the
 * installer's `maxCurrentA`; the effective limit is the lowest of them
 * (`/api/status`: `limitA`, `limitSource` per connector). It is kept in
 * memory: the energy manager repeats it after a restart of the wallbox.
 *
 * @module
 */
import type { Hono } from "hono";
import { HTTPException } from "hono/http-exception";
import type { LocalLimit } from "../actors/composite_schedule.ts";

/** What the routes need of the runtime. */
export interface LimitAccess {
  externalLimit(): LocalLimit | null;
  /** @throws {RangeError} when `until` is not in the future of the runtime's clock. */
  setExternalLimit(limit: LocalLimit | null): void;
}

/** The highest external limit taken, A per phase (IEC 61851-1 ends at 80 A). */
export const MAX_EXTERNAL_A = 80;

/** Reads `{ currentA, until? }`; returns the limit or the fields that are wrong. */
export function parseLimit(
  body: unknown,
): LocalLimit | { readonly fields: { field: string; reason: string }[] } {
  const fields: { field: string; reason: string }[] = [];
  if (typeof body !== "object" || body === null || Array.isArray(body)) {
    return { fields: [{ field: "(body)", reason: 'must be an object { "currentA": n }' }] };
  }
  const b = body as Record<string, unknown>;
  for (const key of Object.keys(b)) {
    if (key !== "currentA" && key !== "until") fields.push({ field: key, reason: "is unknown" });
  }
  const a = b.currentA;
  if (typeof a !== "number" || !Number.isFinite(a) || a < 0 || a > MAX_EXTERNAL_A) {
    fields.push({ field: "currentA", reason: `must be a number of A from 0 to ${MAX_EXTERNAL_A}` });
  }
  let until: number | undefined;
  if (b.until !== undefined) {
    until = typeof b.until === "string" && /^\d{4}-\d\d-\d\dT/.test(b.until)
      ? Date.parse(b.until)
      : NaN;
    if (!Number.isFinite(until)) {
      fields.push({ field: "until", reason: "must be an ISO 8601 time" });
    }
  }
  if (fields.length > 0) return { fields };
  return until === undefined ? { currentA: a as number } : { currentA: a as number, until };
}

function view(limit: LocalLimit | null) {
  if (!limit) return { currentA: null };
  return limit.until === undefined
    ? { currentA: limit.currentA }
    : { currentA: limit.currentA, until: new Date(limit.until).toISOString() };
}

/** Adds the routes to the API. */
export function registerLimitRoutes(app: Hono, access: LimitAccess): void {
  const bad = (fields: { field: string; reason: string }[]) => {
    const res = Response.json({ error: "Invalid limit", fields }, { status: 400 });
    throw new HTTPException(400, { message: "Invalid limit", res });
  };
  app.get("/api/limit", (c) => c.json(view(access.externalLimit())));
  app.put("/api/limit", async (c) => {
    let body: unknown;
    try {
      body = JSON.parse(await c.req.text());
    } catch {
      bad([{ field: "(body)", reason: "is not valid JSON" }]);
    }
    const parsed = parseLimit(body);
    if ("fields" in parsed) return bad(parsed.fields);
    try {
      access.setExternalLimit(parsed);
    } catch (err) {
      if (err instanceof RangeError) bad([{ field: "until", reason: err.message }]);
      throw err;
    }
    return c.json(view(access.externalLimit()));
  });
  app.delete("/api/limit", (c) => {
    access.setExternalLimit(null);
    return c.json(view(null));
  });
}
