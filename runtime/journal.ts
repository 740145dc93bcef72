/**
 * The transaction journal and the outbox of transaction-related messages,
 * on the durable store (`storage.ts`: SQLite, WAL, synchronous = FULL).
 *
 * The shell hands every `store.*` bus message to {@link Journal.apply},
 * which writes it before the bus delivers the next message; at boot
 * {@link Journal.load} gives the actors their snapshot ({@link BootSnapshot}).
 *
 * Tables:
 * - `outbox`: one row per queued StartTransaction, StopTransaction or
 *   MeterValues of a transaction, in `seq` order. A delivered row is
 *   deleted; a given-up one stays, marked `given_up` with the reason, for
 *   people to see (never silently dropped); thinned MeterValues are
 *   deleted and counted.
 * - `tx_journal`: one row per transaction whose StopTransaction is not yet
 *   settled: its start, last meter reading, transactionId, end.
 * - `security_pending`: critical security events raised before the boot
 *   was Accepted (the start-up's), until their SecurityEventNotification
 *   is put in the outbox: the same commit deletes the row (its ref names
 *   it), so an event is never lost nor queued twice.
 * - `meta`: the run marker (`running` until a clean stop writes `stopped`
 *   with its reason: a boot that finds `running` follows a power loss or a
 *   crash), high-water marks so local numbers are never reused, counters
 *   and the safe-mode flag.
 *
 * @module
 */
import { type BootSnapshot, type JournaledTx, type LastRun, PENDING_REF } from "../actors/boot.ts";
import type {
  OutboxEntry,
  SecurityEventType,
  StopReason,
  StoreMessage,
  TxJournalEntry,
} from "../actors/messages.ts";
import type { Durability, Storage } from "./storage.ts";

const SCHEMA = `
CREATE TABLE outbox (
  seq INTEGER PRIMARY KEY,
  action TEXT NOT NULL,
  payload TEXT NOT NULL,
  tx INTEGER,
  ref TEXT,
  at INTEGER NOT NULL,
  status TEXT NOT NULL DEFAULT 'queued',
  reason TEXT,
  settled_at INTEGER
);
CREATE INDEX outbox_tx ON outbox (tx, action);
CREATE TABLE tx_journal (
  tx INTEGER PRIMARY KEY,
  connector_id INTEGER NOT NULL,
  id_tag TEXT NOT NULL,
  parent_id_tag TEXT,
  meter_start INTEGER NOT NULL,
  started_at INTEGER NOT NULL,
  transaction_id INTEGER,
  last_wh REAL NOT NULL,
  last_at INTEGER NOT NULL,
  phase TEXT NOT NULL,
  stop_reason TEXT,
  stop_id_tag TEXT,
  meter_stop INTEGER,
  stopped_at INTEGER
);
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
`;

/** Security events waiting for an Accepted boot (`store.security_pending`). */
const SCHEMA_2 = `
CREATE TABLE security_pending (
  id INTEGER PRIMARY KEY, event TEXT NOT NULL, tech_info TEXT NOT NULL, at INTEGER NOT NULL);
`;

/** Counts for the status page. */
export interface JournalStats {
  /** Transaction messages waiting to be delivered. */
  readonly queued: number;
  /** Messages given up after TransactionMessageAttempts (kept, marked). */
  readonly givenUp: number;
  /** MeterValues removed by thinning, ever. */
  readonly thinned: number;
  /** Transactions whose StopTransaction is not yet settled. */
  readonly openTransactions: number;
}

/** A given-up message, as people see it. */
export interface GivenUp {
  readonly seq: number;
  readonly action: string;
  readonly payload: string;
  readonly reason: string;
  readonly queuedAt: string;
  readonly givenUpAt: string | null;
}

type Row = Record<string, unknown>;

const num = (v: unknown): number => Number(v);
const optStr = (v: unknown): string | undefined =>
  v === null || v === undefined ? undefined : String(v);

/** The journal and outbox of one store. */
export class Journal {
  readonly storage: Storage;
  #q: Record<string, ReturnType<Storage["db"]["prepare"]>> = {};

  constructor(storage: Storage) {
    this.storage = storage;
    storage.migrate("journal-1", SCHEMA);
    storage.migrate("journal-2-security-pending", SCHEMA_2);
    const db = storage.db;
    const sql: Record<string, string> = {
      put: "INSERT OR REPLACE INTO outbox (seq, action, payload, tx, ref, at, status) " +
        "VALUES (?, ?, ?, ?, ?, ?, 'queued')",
      del: "DELETE FROM outbox WHERE seq = ?",
      giveUp: "UPDATE outbox SET status = 'given_up', reason = ?, settled_at = ? WHERE seq = ?",
      txId: "UPDATE tx_journal SET transaction_id = ? WHERE tx = ?",
      txEnd: "DELETE FROM tx_journal WHERE tx = ?",
      start: "INSERT OR REPLACE INTO tx_journal (tx, connector_id, id_tag, parent_id_tag, " +
        "meter_start, started_at, last_wh, last_at, phase) VALUES (?, ?, ?, ?, ?, ?, ?, ?, 'active')",
      stopping: "UPDATE tx_journal SET phase = 'stopping', stop_reason = ?, stop_id_tag = ? " +
        "WHERE tx = ? AND phase = 'active'",
      stop: "UPDATE tx_journal SET phase = 'stopped', stop_reason = ?, stop_id_tag = ?, " +
        "meter_stop = ?, stopped_at = ? WHERE tx = ?",
      meter: "UPDATE tx_journal SET last_wh = max(last_wh, ?), last_at = ? " +
        "WHERE tx = ? AND phase != 'stopped'",
      getMeta: "SELECT value FROM meta WHERE key = ?",
      setMeta: "INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)",
      delMeta: "DELETE FROM meta WHERE key = ?",
      queued: "SELECT count(*) AS n FROM outbox WHERE status = 'queued'",
      givenUp: "SELECT count(*) AS n FROM outbox WHERE status = 'given_up'",
      open: "SELECT count(*) AS n FROM tx_journal",
      pendingPut: "INSERT OR REPLACE INTO security_pending (id, event, tech_info, at) " +
        "VALUES (?, ?, ?, ?)",
      pendingDel: "DELETE FROM security_pending WHERE id = ?",
    };
    for (const [k, v] of Object.entries(sql)) this.#q[k] = db.prepare(v);
  }

  #meta(key: string): string | undefined {
    return optStr((this.#q.getMeta!.get(key) as Row | undefined)?.value);
  }

  #setMeta(key: string, value: string): void {
    this.#q.setMeta!.run(key, value);
  }

  /** Raises a high-water mark (never lowers it). */
  #mark(key: string, value: number): void {
    if (value > Number(this.#meta(key) ?? 0)) this.#setMeta(key, String(value));
  }

  /**
   * Starts a run: returns how the previous one ended (a fresh store counts
   * as clean) and marks this one as running until {@link end}.
   */
  begin(now: number = Date.now()): LastRun {
    const text = this.#meta("run");
    // No run marker at all: the very first start of this store.
    let last: LastRun = { clean: true, first: true };
    if (text !== undefined) {
      try {
        const run = JSON.parse(text) as { state?: string; reason?: StopReason };
        last = run.state === "stopped"
          ? { clean: true, ...(run.reason ? { reason: run.reason } : {}) }
          : { clean: false };
      } catch {
        last = { clean: false };
      }
    }
    this.#setMeta("run", JSON.stringify({ state: "running", since: now }));
    return last;
  }

  /** Marks a clean stop: open transactions, if any, are stopped with `reason` at the next start. */
  end(reason: StopReason): void {
    this.#setMeta("run", JSON.stringify({ state: "stopped", reason }));
  }

  /** Charging disabled until an operator clears it, and why; null when not. */
  get safeMode(): string | null {
    return this.#meta("safe_mode") ?? null;
  }

  set safeMode(reason: string | null) {
    if (reason === null) this.#q.delMeta!.run("safe_mode");
    else this.#setMeta("safe_mode", reason);
  }

  /**
   * Performs one write of the actors, synchronously, all or nothing; durable
   * when it returns, except the relaxed ones of {@link doneDurability} and a
   * transaction's start (see `storage.ts`).
   */
  apply(msg: StoreMessage, now: number = Date.now()): void {
    const q = this.#q;
    switch (msg.type) {
      case "store.outbox_put": {
        const e = msg.entry;
        const put = () =>
          q.put!.run(e.seq, e.action, JSON.stringify(e.payload), e.tx ?? null, e.ref ?? null, e.at);
        if (e.ref?.startsWith(PENDING_REF)) {
          // A pending security event moves to the outbox: one commit.
          this.storage.transaction(() => {
            put();
            q.pendingDel!.run(Number(e.ref!.slice(PENDING_REF.length)));
          });
          return;
        }
        put();
        this.storage.synced();
        return;
      }
      case "store.security_pending":
        if (msg.op === "put") q.pendingPut!.run(msg.id, msg.event, msg.techInfo, msg.at);
        else q.pendingDel!.run(msg.id);
        this.storage.synced();
        return;
      case "store.outbox_done":
        this.storage.transaction(() => {
          if (msg.outcome === "delivered") q.del!.run(msg.seq);
          else q.giveUp!.run(msg.reason ?? "given up", now, msg.seq);
          this.#mark("seq_hwm", msg.seq);
          if (msg.tx === undefined) return;
          if (msg.transactionId !== undefined) q.txId!.run(msg.transactionId, msg.tx);
          if (msg.action === "StopTransaction") q.txEnd!.run(msg.tx);
        }, doneDurability(msg.action));
        return;
      case "store.outbox_thin":
        this.storage.transaction(() => {
          for (const seq of msg.seqs) {
            q.del!.run(seq);
            this.#mark("seq_hwm", seq);
          }
          this.#setMeta("thinned", String(Number(this.#meta("thinned") ?? 0) + msg.seqs.length));
        });
        return;
      case "store.tx_journal":
        return this.#journal(msg.entry);
      case "store.tx_meter":
        q.meter!.run(msg.wh, msg.timestamp, msg.tx);
        this.storage.synced();
        return;
    }
  }

  #journal(e: TxJournalEntry): void {
    const q = this.#q;
    switch (e.op) {
      case "start":
        this.storage.transaction(() => {
          q.start!.run(
            e.tx,
            e.connectorId,
            e.idTag,
            e.parentIdTag ?? null,
            e.meterStartWh,
            e.timestamp,
            e.meterStartWh,
            e.timestamp,
          );
          this.#mark("tx_hwm", e.tx);
          // Relaxed: its StartTransaction is put in the outbox (a full commit) before
          // anything leaves the wallbox (`actors/_tx_session.ts`, `actors/_rpc_outbox.ts`).
        }, "relaxed");
        return;
      case "stopping":
        q.stopping!.run(e.reason, e.stopIdTag ?? null, e.tx);
        return;
      case "stop":
        q.stop!.run(e.reason, e.stopIdTag ?? null, e.meterStopWh, e.timestamp, e.tx);
        return;
    }
  }

  /**
   * The actors' snapshot: queued messages in order, known transactionIds,
   * the transactions to finish. Rows that cannot be read (damaged JSON)
   * are marked given up with the reason and reported in `problems`.
   */
  load(lastRun: LastRun, blocked?: string): BootSnapshot & { problems: string[] } {
    const db = this.storage.db;
    const problems: string[] = [];
    const outbox: OutboxEntry[] = [];
    const rows = db.prepare(
      "SELECT seq, action, payload, tx, ref, at FROM outbox WHERE status = 'queued' ORDER BY seq",
    ).all() as Row[];
    for (const r of rows) {
      try {
        const payload = JSON.parse(String(r.payload));
        if (typeof payload !== "object" || payload === null) throw new TypeError("not an object");
        outbox.push({
          seq: num(r.seq),
          action: String(r.action) as OutboxEntry["action"],
          payload,
          at: num(r.at),
          ...(r.tx !== null ? { tx: num(r.tx) } : {}),
          ...(r.ref !== null ? { ref: String(r.ref) } : {}),
        });
      } catch (err) {
        const why = `unreadable in the store: ${err instanceof Error ? err.message : err}`;
        problems.push(`Outbox message ${r.seq} (${r.action}) ${why}`);
        this.#q.giveUp!.run(why, Date.now(), num(r.seq));
      }
    }
    const txIds = new Map<number, number>();
    const journal: JournaledTx[] = [];
    const txRows = db.prepare("SELECT * FROM tx_journal ORDER BY tx").all() as Row[];
    const has = db.prepare("SELECT 1 FROM outbox WHERE tx = ? AND action = ? LIMIT 1");
    for (const r of txRows) {
      const tx = num(r.tx);
      const transactionId = r.transaction_id === null ? null : num(r.transaction_id);
      if (transactionId !== null) txIds.set(tx, transactionId);
      const phase = String(r.phase) as JournaledTx["phase"];
      const stopQueued = has.get(tx, "StopTransaction") !== undefined;
      if (phase === "stopped" && stopQueued) continue;
      const reason = optStr(r.stop_reason) as StopReason | undefined;
      const stopIdTag = optStr(r.stop_id_tag);
      const parentIdTag = optStr(r.parent_id_tag);
      journal.push({
        tx,
        connectorId: num(r.connector_id),
        idTag: String(r.id_tag),
        ...(parentIdTag !== undefined ? { parentIdTag } : {}),
        meterStartWh: num(r.meter_start),
        startedAt: num(r.started_at),
        transactionId,
        lastWh: num(r.last_wh),
        lastAt: num(r.last_at),
        phase,
        ...(reason !== undefined
          ? {
            stop: {
              reason,
              ...(stopIdTag !== undefined ? { stopIdTag } : {}),
              ...(r.meter_stop !== null ? { meterStopWh: num(r.meter_stop) } : {}),
              ...(r.stopped_at !== null ? { timestamp: num(r.stopped_at) } : {}),
            },
          }
          : {}),
        startQueued: transactionId !== null || has.get(tx, "StartTransaction") !== undefined,
        stopQueued,
      });
    }
    const maxOf = (sql: string) => num((db.prepare(sql).get() as Row).m ?? 0);
    const nextSeq = Math.max(
      maxOf("SELECT max(seq) AS m FROM outbox"),
      Number(this.#meta("seq_hwm") ?? 0),
    ) + 1;
    const nextTx = Math.max(
      maxOf("SELECT max(tx) AS m FROM tx_journal"),
      Number(this.#meta("tx_hwm") ?? 0),
    ) + 1;
    const securityPending = (db.prepare(
      "SELECT id, event, tech_info, at FROM security_pending ORDER BY at, id",
    ).all() as Row[]).map((r) => ({
      id: num(r.id),
      event: String(r.event) as SecurityEventType,
      techInfo: String(r.tech_info),
      at: num(r.at),
    }));
    return {
      tx: { journal, nextTx, lastRun, ...(blocked !== undefined ? { blocked } : {}) },
      rpc: { outbox, txIds, nextSeq },
      securityPending,
      problems,
    };
  }

  /** Counts for the status page. */
  stats(): JournalStats {
    const n = (k: string) => num((this.#q[k]!.get() as Row).n);
    return {
      queued: n("queued"),
      givenUp: n("givenUp"),
      thinned: Number(this.#meta("thinned") ?? 0),
      openTransactions: n("open"),
    };
  }

  /** The most recent given-up messages, newest first. */
  givenUp(limit = 20): GivenUp[] {
    const rows = this.storage.db.prepare(
      "SELECT seq, action, payload, reason, at, settled_at FROM outbox " +
        "WHERE status = 'given_up' ORDER BY seq DESC LIMIT ?",
    ).all(limit) as Row[];
    return rows.map((r) => ({
      seq: num(r.seq),
      action: String(r.action),
      payload: String(r.payload),
      reason: String(r.reason ?? ""),
      queuedAt: new Date(num(r.at)).toISOString(),
      givenUpAt: r.settled_at === null ? null : new Date(num(r.settled_at)).toISOString(),
    }));
  }
}

/**
 * How the delivery mark of an outbox message commits: relaxed for messages
 * whose loss on a power cut only sends them again (MeterValues,
 * StatusNotification, ...); full for StartTransaction (sent again, the
 * backend would open a second transaction) and StopTransaction (it closes
 * the journal row).
 */
export function doneDurability(action: string): Durability {
  return action === "StartTransaction" || action === "StopTransaction" ? "full" : "relaxed";
}
