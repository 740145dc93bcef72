/**
 * Routes of the stored history and the backend link:
 *
 * - `GET /api/transactions?limit=N&offset=N&format=json|csv`: the
 *   transaction history, newest first (`runtime/history_store.ts`); CSV as a
 *   download (`transactions.csv`);
 * - `GET /api/journal?limit=N`: the event journal, newest first;
 * - `GET /api/configuration`: the OCPP configuration keys, read-only;
 * - `POST /api/backend/reconnect`: connect again at once.
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
  const reconnect = runtime.reconnect;
  if (reconnect) {
    app.post("/api/backend/reconnect", (c) => {
      reconnect.call(runtime);
      return c.json({ ok: true }, 202);
    });
  }
}
