/**
 * The durable store: one SQLite database (`node:sqlite`, built into Deno, no
 * flag) in the data directory, in WAL mode with `synchronous = FULL`, so a
 * committed write survives a kill -9 or a power cut at any instant.
 *
 * Writes are synchronous: a shell subscriber that persists a bus message
 * finishes before the bus delivers the next message, so an actor that
 * emits "journal X" before "close the relay" gets X on disk first.
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

/** The durable store. */
export class Storage {
  readonly db: DatabaseSync;
  readonly path: string;

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

  /** Runs `fn` in one transaction: all of it is committed, or none. */
  transaction<T>(fn: () => T): T {
    this.db.exec("BEGIN IMMEDIATE");
    try {
      const result = fn();
      this.db.exec("COMMIT");
      return result;
    } catch (err) {
      this.db.exec("ROLLBACK");
      throw err;
    }
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
