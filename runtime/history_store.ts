/**
 * The stored history of the wallbox, in the durable store (`storage.ts`:
 * SQLite in the data directory, WAL, synchronous = FULL):
 *
 * - the transaction history: one row per local transaction, filled from
 *   the very messages sent to the backend (StartTransaction's meterStart,
 *   StopTransaction's meterStop, timestamp and reason, the transactionId of
 *   StartTransaction.conf), so its energy is exactly `meterStop -
 *   meterStart` as the backend was told; at most {@link HISTORY_LIMIT} rows
 *   (the oldest go first);
 * - the event journal: connection changes, refused cards, configuration
 *   changes made by the backend, resets, faults and security fallbacks, each
 *   as a code with parameters the pages translate (`api/static/i18n.js`); at
 *   most {@link JOURNAL_LIMIT} rows.
 *
 * Writes are synchronous and never throw: a failed write is logged by the
 * caller and the runtime goes on.
 *
 * @module
 */
import type { Storage } from "./storage.ts";

/** Most transactions kept. */
export const HISTORY_LIMIT = 10_000;
/** Most journal events kept. */
export const JOURNAL_LIMIT = 1_000;

const MIGRATION = `
CREATE TABLE tx_history (
  tx INTEGER PRIMARY KEY,
  connector_id INTEGER NOT NULL,
  id_tag TEXT NOT NULL,
  started_at INTEGER NOT NULL,
  meter_start INTEGER NOT NULL,
  transaction_id INTEGER,
  stopped_at INTEGER,
  meter_stop INTEGER,
  stop_reason TEXT
);
CREATE TABLE event_journal (
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  at INTEGER NOT NULL,
  code TEXT NOT NULL,
  params TEXT NOT NULL
);
`;

/** One transaction as `GET /api/transactions` gives it. */
export interface TransactionRecord {
  /** The local transaction number (unique across restarts). */
  readonly tx: number;
  readonly connectorId: number;
  readonly idTag: string;
  /** ISO time of StartTransaction. */
  readonly startedAt: string;
  /** ISO time of StopTransaction, null while it runs. */
  readonly stoppedAt: string | null;
  /** meterStart as sent, Wh. */
  readonly meterStartWh: number;
  /** meterStop as sent, Wh; null while it runs. */
  readonly meterStopWh: number | null;
  /** meterStop - meterStart, Wh, null while it runs. */
  readonly energyWh: number | null;
  /** StopTransaction's reason (Local when the backend was told none). */
  readonly stopReason: string | null;
  /** The backend's transactionId, null until StartTransaction.conf (or standalone). */
  readonly transactionId: number | null;
}

/** Parameters of a journal event: values the page puts into its text. */
export type EventParams = Readonly<Record<string, string | number | boolean | null>>;

/** One journal event. */
export interface JournalEvent {
  readonly seq: number;
  /** ISO time. */
  readonly at: string;
  /** Stable code, translated by the pages (`journal.<code>`). */
  readonly code: JournalCode;
  readonly params: EventParams;
}

/** Every code the journal writes (the pages must translate each: `tests/browser/codes_test.ts`). */
export const JOURNAL_CODES = [
  "backend_connected",
  "backend_disconnected",
  "auth_refused",
  "config_changed_by_backend",
  "reset",
  "availability_changed",
  "fault",
  "fault_cleared",
  "security_fallback",
  "tx_started",
  "tx_stopped",
] as const;

/** A journal event code. */
export type JournalCode = (typeof JOURNAL_CODES)[number];

interface TxRow {
  tx: number;
  connector_id: number;
  id_tag: string;
  started_at: number;
  meter_start: number;
  transaction_id: number | null;
  stopped_at: number | null;
  meter_stop: number | null;
  stop_reason: string | null;
}

interface EventRow {
  seq: number;
  at: number;
  code: string;
  params: string;
}

/** The history tables. */
export class HistoryStore {
  readonly #s: Storage;
  readonly #historyLimit: number;
  readonly #journalLimit: number;

  /** Creates the tables on first use. */
  constructor(storage: Storage, limits: { history?: number; journal?: number } = {}) {
    this.#s = storage;
    this.#historyLimit = limits.history ?? HISTORY_LIMIT;
    this.#journalLimit = limits.journal ?? JOURNAL_LIMIT;
    storage.migrate("history_1", MIGRATION);
  }

  /** A StartTransaction was queued for local transaction `tx`. */
  started(
    r: { tx: number; connectorId: number; idTag: string; at: number; meterStartWh: number },
  ): void {
    const db = this.#s.db;
    db.prepare(
      `INSERT INTO tx_history (tx, connector_id, id_tag, started_at, meter_start)
       VALUES (?, ?, ?, ?, ?)
       ON CONFLICT (tx) DO UPDATE SET connector_id = excluded.connector_id,
         id_tag = excluded.id_tag, started_at = excluded.started_at,
         meter_start = excluded.meter_start`,
    ).run(r.tx, r.connectorId, r.idTag, r.at, r.meterStartWh);
    db.prepare(
      "DELETE FROM tx_history WHERE tx NOT IN (SELECT tx FROM tx_history ORDER BY tx DESC LIMIT ?)",
    ).run(this.#historyLimit);
  }

  /** The backend gave local transaction `tx` its transactionId. */
  confirmed(tx: number, transactionId: number): void {
    this.#s.db.prepare("UPDATE tx_history SET transaction_id = ? WHERE tx = ?").run(
      transactionId,
      tx,
    );
  }

  /** A StopTransaction was queued for local transaction `tx`. */
  stopped(tx: number, r: { at: number; meterStopWh: number; reason: string }): void {
    this.#s.db.prepare(
      "UPDATE tx_history SET stopped_at = ?, meter_stop = ?, stop_reason = ? WHERE tx = ?",
    ).run(r.at, r.meterStopWh, r.reason, tx);
  }

  /** The transactions, newest first. */
  transactions(limit = 100, offset = 0): TransactionRecord[] {
    const rows = this.#s.db.prepare(
      "SELECT * FROM tx_history ORDER BY started_at DESC, tx DESC LIMIT ? OFFSET ?",
    ).all(limit, offset) as unknown as TxRow[];
    return rows.map((r) => ({
      tx: r.tx,
      connectorId: r.connector_id,
      idTag: r.id_tag,
      startedAt: new Date(r.started_at).toISOString(),
      stoppedAt: r.stopped_at === null ? null : new Date(r.stopped_at).toISOString(),
      meterStartWh: r.meter_start,
      meterStopWh: r.meter_stop,
      energyWh: r.meter_stop === null ? null : r.meter_stop - r.meter_start,
      stopReason: r.stop_reason,
      transactionId: r.transaction_id,
    }));
  }

  /** Adds a journal event (dropping the oldest beyond the limit). */
  event(at: number, code: JournalCode, params: EventParams = {}): void {
    const db = this.#s.db;
    db.prepare("INSERT INTO event_journal (at, code, params) VALUES (?, ?, ?)").run(
      at,
      code,
      JSON.stringify(params),
    );
    db.prepare(
      "DELETE FROM event_journal WHERE seq <= (SELECT MAX(seq) FROM event_journal) - ?",
    ).run(this.#journalLimit);
  }

  /** The journal, newest first. */
  events(limit = 100): JournalEvent[] {
    const rows = this.#s.db.prepare(
      "SELECT * FROM event_journal ORDER BY seq DESC LIMIT ?",
    ).all(limit) as unknown as EventRow[];
    return rows.map((r) => ({
      seq: r.seq,
      at: new Date(r.at).toISOString(),
      code: r.code as JournalCode,
      params: safeParams(r.params),
    }));
  }
}

function safeParams(text: string): EventParams {
  try {
    const v = JSON.parse(text);
    return typeof v === "object" && v !== null && !Array.isArray(v) ? v : {};
  } catch {
    return {};
  }
}

/** The history as CSV (RFC 4180, comma, CRLF), newest first. */
export function transactionsCsv(rows: readonly TransactionRecord[]): string {
  const head = [
    "tx",
    "connectorId",
    "idTag",
    "startedAt",
    "stoppedAt",
    "meterStartWh",
    "meterStopWh",
    "energyWh",
    "stopReason",
    "transactionId",
  ];
  const cell = (v: string | number | null) => {
    const s = v === null ? "" : String(v);
    // A leading = + - @ would be a formula in a spreadsheet.
    const safe = /^[=+\-@]/.test(s) && typeof v === "string" ? `'${s}` : s;
    return /[",\r\n]/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe;
  };
  const lines = rows.map((r) =>
    [
      r.tx,
      r.connectorId,
      r.idTag,
      r.startedAt,
      r.stoppedAt,
      r.meterStartWh,
      r.meterStopWh,
      r.energyWh,
      r.stopReason,
      r.transactionId,
    ].map(cell).join(",")
  );
  return [head.join(","), ...lines].join("\r\n") + "\r\n";
}
