/**
 * Routes of the stored history and the backend link:
 *
 * - `GET /api/transactions?limit=N&offset=N&format=json|csv`: the
 *   transaction history, newest first (`runtime/history_store.ts`); CSV as a
 *   download (`transactions.csv`);
 * - `GET /api/journal?limit=N`: the event journal, newest first;
 * - `GET /api/configuration`: the OCPP configuration keys, read-only;
 * - `POST /api/backend/reconnect`: connect again at once;
 * - `POST /api/reset` `{ type: "Soft" | "Hard" }`: as the backend's Reset
 *   (202 `{ status }`; transactions stop first, then the actors restart);
 * - `POST /api/connectors/:id/availability` `{ operative: boolean }`: as
 *   ChangeAvailability (`{ status }`: Accepted, Scheduled or Rejected).
 *
 * Bad query parameters are a 400 `{ error, fields: [{ field, reason }] }`.
 *
 * @module
 */
import type { Context, Hono } from "hono";
import { HTTPException } from "hono/http-exception";
import type { RuntimeHandle } from "../runtime/handle.ts";
import { transactionsCsv } from "../runtime/history_store.ts";

/** Most rows one request returns. */
export const MAX_ROWS = 1000;

function bad(field: string, reason: string): never {
  const res = Response.json({ error: `Invalid ${field}`, fields: [{ field, reason }] }, {
    status: 400,
  });
  throw new HTTPException(400, { message: `Invalid ${field}`, res });
}

/** An integer query parameter in [min, max], or `fallback` when absent. */
function intParam(c: Context, name: string, min: number, max: number, fallback: number): number {
  const text = c.req.query(name);
  if (text === undefined) return fallback;
  if (!/^\d{1,9}$/.test(text) || Number(text) < min || Number(text) > max) {
    bad(name, `must be an integer from ${min} to ${max}`);
  }
  return Number(text);
}

/** The body as a JSON object; anything else is a 400 naming the body. */
async function json(c: Context): Promise<Record<string, unknown>> {
  let value: unknown;
  try {
    value = JSON.parse(await c.req.text());
  } catch {
    bad("(body)", "must be a JSON object");
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    bad("(body)", "must be a JSON object");
  }
  return value as Record<string, unknown>;
}

/** Registers the routes (after the authentication middleware). */
export function registerHistoryRoutes(app: Hono, runtime: RuntimeHandle): void {
  const history = runtime.history;
  if (history) {
    app.get("/api/transactions", (c) => {
      const limit = intParam(c, "limit", 1, MAX_ROWS, 100);
      const offset = intParam(c, "offset", 0, 1_000_000, 0);
      const format = c.req.query("format") ?? "json";
      if (format !== "json" && format !== "csv") bad("format", "must be json or csv");
      const rows = history.transactions(limit, offset);
      if (format === "json") return c.json({ transactions: rows });
      return c.body(transactionsCsv(rows), 200, {
        "Content-Type": "text/csv; charset=utf-8",
        "Content-Disposition": 'attachment; filename="transactions.csv"',
      });
    });
    app.get("/api/journal", (c) => {
      const limit = intParam(c, "limit", 1, MAX_ROWS, 100);
      return c.json({ events: history.events(limit) });
    });
  }
  const keys = runtime.configurationKeys;
  if (keys) app.get("/api/configuration", (c) => c.json({ keys: keys.call(runtime) }));
  const reset = runtime.reset;
  if (reset) {
    app.post("/api/reset", async (c) => {
      const body = await json(c);
      if (body.type !== "Soft" && body.type !== "Hard") bad("type", "must be Soft or Hard");
      return c.json({ status: reset.call(runtime, body.type) }, 202);
    });
  }
  const availability = runtime.changeAvailability;
  if (availability) {
    app.post("/api/connectors/:id/availability", async (c) => {
      const param = c.req.param("id");
      const id = /^\d{1,9}$/.test(param) ? Number(param) : NaN;
      if (!(id >= 0 && id <= runtime.connectorCount)) {
        bad("connectorId", `must be an integer from 0 to ${runtime.connectorCount}`);
      }
      const body = await json(c);
      if (typeof body.operative !== "boolean") bad("operative", "must be true or false");
      return c.json({ status: availability.call(runtime, id, body.operative) });
    });
  }
  const reconnect = runtime.reconnect;
  if (reconnect) {
    app.post("/api/backend/reconnect", (c) => {
      reconnect.call(runtime);
      return c.json({ ok: true }, 202);
    });
  }
}
