/**
 * `GET /api/logs?limit=N`: the last N entries (default {@link DEFAULT_LOG_LINES},
 * at most {@link MAX_LOG_LINES}) of the device log kept in the data
 * directory (`runtime/log_file.ts`), oldest first:
 * `{ lines: [{ time, level, text }] }`. Secrets are masked when written.
 *
 * @module
 */
import type { Hono } from "hono";
import type { LogLine } from "../runtime/log_file.ts";

/** Lines when no limit is given. */
export const DEFAULT_LOG_LINES = 200;
/** Most lines one request returns. */
export const MAX_LOG_LINES = 5000;

/** What the route reads. */
export interface LogSource {
  tail(limit: number): LogLine[];
}

/** Registers `GET /api/logs` (behind the API's authentication). */
export function registerLogRoutes(app: Hono, logs: LogSource): void {
  app.get("/api/logs", (c) => {
    const text = c.req.query("limit");
    const limit = text === undefined ? DEFAULT_LOG_LINES : Number(text);
    if (!Number.isInteger(limit) || limit < 1 || limit > MAX_LOG_LINES) {
      return c.json({ error: `limit must be an integer from 1 to ${MAX_LOG_LINES}` }, 400);
    }
    return c.json({ lines: logs.tail(limit) });
  });
}
