/**
 * The durable store: one SQLite database (`node:sqlite`, built into Deno, no
 * flag) in the data directory, in WAL mode with `synchronous = FULL`, so a
 * committed write survives a kill -9 or a power cut at any instant.
 *
 * Writes are synchronous: a shell subscriber that persists a bus message
 * finishes before the bus delivers the next message, so an actor that
 * emits "journal X" before "close the relay" gets X on disk first.
 *
 * A write whose loss on a power cut cannot lose anything acknowledged may be
 * committed `relaxed` (synchronous = NORMAL: no fsync of its own): an entry
 * of the authorization cache, the delivery mark of a MeterValues (lost, the
 * message is sent again: at least once, never lost), or a journal row that a
 * full commit follows before anything leaves the wallbox (the start of a
 * transaction is followed by its StartTransaction in the outbox). The WAL is
 * one file written in order, so the next full commit's fsync makes every
 * relaxed commit before it durable too; a relaxed commit more than
 * {@link RELAXED_MAX_MS} after the last fsync is made a full one, which
 * bounds what a power cut can take back. A kill -9 loses nothing either way
 * (committed pages are in the operating system's cache).
 *
 * Each module that keeps state here declares its tables with
 * {@link Storage.migrate}.
 *
 * @module
 */
import { DatabaseSync } from "node:sqlite";

/** The store is damaged or unreadable; the runtime starts safe (no charging) and says why. */
export class StorageError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "StorageError";
  }
}

/** A relaxed commit is made a full one when the last fsync is older than this (ms). */
export const RELAXED_MAX_MS = 1000;

/** How a transaction commits: `full` (fsync, the default) or `relaxed` (see the module). */
export type Durability = "full" | "relaxed";

/** The durable store. */
export class Storage {
  readonly db: DatabaseSync;
  readonly path: string;
  /** Monotonic ms for the {@link RELAXED_MAX_MS} bound (tests replace it). */
  now: () => number = () => performance.now();
  #lastSync = performance.now();
  /** Commits made relaxed, not yet covered by an fsync. */
  unsynced = 0;

  private constructor(db: DatabaseSync, path: string) {
    this.db = db;
    this.path = path;
  }

  /**
   * Opens (or creates) the database and checks it.
   *
   * @throws {StorageError} when the file is not a database or fails its integrity check.
   */
  static open(path: string): Storage {
    let db: DatabaseSync | undefined;
    try {
      db = new DatabaseSync(path);
      db.exec("PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL; PRAGMA foreign_keys = ON;");
      const row = db.prepare("PRAGMA quick_check").get() as { quick_check?: string } | undefined;
      if (row?.quick_check !== "ok") {
        throw new StorageError(
          `Cannot use store ${path}: integrity check says ${row?.quick_check ?? "nothing"}`,
        );
      }
      db.exec("CREATE TABLE IF NOT EXISTS migrations (name TEXT PRIMARY KEY, at INTEGER NOT NULL)");
      return new Storage(db, path);
    } catch (err) {
      db?.close();
      if (err instanceof StorageError) throw err;
      throw new StorageError(
        `Cannot open store ${path}: ${err instanceof Error ? err.message : err}`,
        { cause: err },
      );
    }
  }

  /** Runs `sql` once in the life of the database, under `name`. */
  migrate(name: string, sql: string): void {
    const done = this.db.prepare("SELECT 1 FROM migrations WHERE name = ?").get(name);
    if (done) return;
    this.transaction(() => {
      this.db.exec(sql);
      this.db.prepare("INSERT INTO migrations (name, at) VALUES (?, ?)").run(name, Date.now());
    });
  }

  /**
   * Runs `fn` in one transaction: all of it is committed, or none. A
   * `relaxed` one skips its own fsync (see the module) unless the last one
   * is older than {@link RELAXED_MAX_MS}.
   */
  transaction<T>(fn: () => T, durability: Durability = "full"): T {
    const now = this.now();
    const relaxed = durability === "relaxed" && now - this.#lastSync < RELAXED_MAX_MS;
    if (relaxed) this.db.exec("PRAGMA synchronous = NORMAL");
    try {
      this.db.exec("BEGIN IMMEDIATE");
      try {
        const result = fn();
        this.db.exec("COMMIT");
        if (relaxed) this.unsynced++;
        else this.synced(now);
        return result;
      } catch (err) {
        this.db.exec("ROLLBACK");
        throw err;
      }
    } finally {
      if (relaxed) this.db.exec("PRAGMA synchronous = FULL");
    }
  }

  /** Records a full commit (its fsync covers every relaxed commit before it). */
  synced(at: number = this.now()): void {
    this.#lastSync = at;
    this.unsynced = 0;
  }

  /** Bytes on disk: database plus write-ahead log. */
  sizeBytes(): number {
    let total = 0;
    for (const suffix of ["", "-wal"]) {
      try {
        total += Deno.statSync(this.path + suffix).size;
      } catch { /* absent */ }
    }
    return total;
  }

  close(): void {
    this.db.close();
  }
}
