/**
 * Opening the durable store at start-up, safely: a damaged or unreadable
 * store never stops the wallbox from starting (no crash loop) and is never
 * deleted. It is moved aside (`state.db.damaged-<time>`, with its `-wal`
 * and `-shm` files) for an operator to inspect or restore, an empty store
 * takes its place, and the runtime starts in safe mode: connected and
 * reporting, charging disabled until cleared from the local API. When even
 * that fails (disk full, read-only file system), the runtime runs on a
 * store in memory, in safe mode.
 *
 * A first start has no `state.db`. A store that exists is checked before
 * anything writes to it, read-only: a file that is empty (0 bytes), not
 * SQLite, fails its integrity check, has no tables, or is not this
 * wallbox's (no `migrations` table) is damage, never a first start; so the
 * whitelist and the queued messages of a truncated store are never lost
 * without a word, and the copy moved aside is the file as it was (no
 * migration, no WAL switch, no checkpoint on it).
 *
 * A new store is made as `state.db.new`, migrated, closed and only then
 * renamed to `state.db` (the directory synced): a kill or power cut during
 * the very first start leaves at most a `state.db.new`, which held no data
 * and is discarded at the next start, never a half-made `state.db` that
 * would be taken for damage.
 *
 * @module
 */
import { DatabaseSync } from "node:sqlite";
import { Journal } from "./journal.ts";
import { Storage } from "./storage.ts";

/** What {@link openStore} opened. */
export interface OpenedStore {
  readonly storage: Storage;
  /** Set when charging must stay disabled: what happened to the store. */
  readonly safeMode?: string;
  /** Where the damaged file was moved, if it was. */
  readonly movedTo?: string;
}

/** The first bytes of every SQLite 3 database file. */
const SQLITE_HEADER = "SQLite format 3\0";

/**
 * Throws when the file exists and is not an SQLite database, before SQLite
 * opens it: closing a connection to a foreign file would let SQLite discard
 * the `-wal` file next to it, and nothing is to be lost.
 *
 * @returns false when there is no file (a first start).
 */
function checkHeader(path: string): boolean {
  let file: Deno.FsFile;
  try {
    file = Deno.openSync(path, { read: true });
  } catch (err) {
    if (!(err instanceof Deno.errors.NotFound)) throw err;
    if (exists(`${path}-wal`)) {
      throw new Error(`Cannot use store ${path}: the file is missing but its -wal file is there`);
    }
    return false;
  }
  try {
    const head = new Uint8Array(16);
    const n = file.readSync(head) ?? 0;
    if (n === 0) {
      throw new Error(`Cannot use store ${path}: the file is empty (0 bytes), its data is gone`);
    }
    if (new TextDecoder().decode(head.subarray(0, n)) !== SQLITE_HEADER) {
      throw new Error(`Cannot use store ${path}: not an SQLite database`);
    }
  } finally {
    file.close();
  }
  return true;
}

function exists(path: string): boolean {
  try {
    Deno.statSync(path);
    return true;
  } catch {
    return false;
  }
}

/**
 * Checks an existing SQLite file read-only (a read-only connection never
 * writes, migrates or checkpoints): intact, with this wallbox's tables.
 */
function checkContents(path: string): void {
  let db: DatabaseSync;
  try {
    db = new DatabaseSync(path, { readOnly: true });
  } catch (err) {
    throw new Error(`Cannot open store ${path}: ${err instanceof Error ? err.message : err}`);
  }
  try {
    const row = db.prepare("PRAGMA quick_check").get() as { quick_check?: string } | undefined;
    if (row?.quick_check !== "ok") {
      throw new Error(
        `Cannot use store ${path}: integrity check says ${row?.quick_check ?? "nothing"}`,
      );
    }
    const tables = (db.prepare("SELECT name FROM sqlite_master WHERE type = 'table'").all())
      .map((r) => String(r.name));
    if (tables.length === 0) {
      throw new Error(`Cannot use store ${path}: it has no tables, its data is gone`);
    }
    if (!tables.includes("migrations")) {
      throw new Error(
        `Cannot use store ${path}: not this wallbox's store (tables ${
          tables.slice(0, 5).join(", ")
        }, no migrations table)`,
      );
    }
    const done = db.prepare("SELECT count(*) AS n FROM migrations").get() as { n?: number };
    if (!done?.n) throw new Error(`Cannot use store ${path}: no migration recorded, data is gone`);
  } catch (err) {
    if (err instanceof Error && err.message.startsWith("Cannot ")) throw err;
    throw new Error(`Cannot read store ${path}: ${err instanceof Error ? err.message : err}`);
  } finally {
    db.close();
  }
}

/** Makes a migrated, empty store at `path` (see the module doc: built aside, then renamed). */
function create(path: string): void {
  const fresh = `${path}.new`;
  for (const suffix of ["-wal", "-shm", "-journal", ""]) {
    try {
      Deno.removeSync(fresh + suffix); // left by a start that was cut off: it held no data
    } catch (err) {
      if (!(err instanceof Deno.errors.NotFound)) throw err;
    }
  }
  const storage = Storage.open(fresh);
  try {
    new Journal(storage);
  } finally {
    storage.close(); // the last connection: SQLite checkpoints and removes the -wal file
  }
  Deno.renameSync(fresh, path);
  syncDir(path.slice(0, Math.max(path.lastIndexOf("/"), 0)) || ".");
}

/** Makes a rename durable (POSIX: the directory entry is on disk once the directory is synced). */
function syncDir(dir: string): void {
  const d = Deno.openSync(dir, { read: true });
  try {
    d.syncSync();
  } finally {
    d.close();
  }
}

function open(path: string): Storage {
  if (checkHeader(path)) checkContents(path);
  else create(path);
  const storage = Storage.open(path);
  try {
    new Journal(storage); // runs the migrations: a foreign or broken schema fails here
    return storage;
  } catch (err) {
    storage.close();
    throw err;
  }
}

/** Moves the store and its WAL files aside; undefined when there was no store file. */
function moveAside(path: string, now: Date): string | undefined {
  const aside = `${path}.damaged-${now.toISOString().replace(/[:.]/g, "-")}`;
  let moved = false;
  for (const suffix of ["-wal", "-shm", "-journal", ""]) {
    try {
      Deno.renameSync(path + suffix, aside + suffix);
      moved ||= suffix === "";
    } catch (err) {
      if (!(err instanceof Deno.errors.NotFound)) throw err;
    }
  }
  return moved ? aside : undefined;
}

function inMemory(
  log: (level: "warn" | "error", text: string) => void,
  safeMode: string,
  movedTo?: string,
): OpenedStore {
  log("error", `${safeMode}: running on a store in memory, charging disabled`);
  return { storage: Storage.open(":memory:"), safeMode, ...(movedTo ? { movedTo } : {}) };
}

/**
 * Opens `<dataDir>/state.db`, or moves a damaged one aside and starts over
 * in safe mode; `log` hears what happened.
 */
export function openStore(
  dataDir: string,
  log: (level: "warn" | "error", text: string) => void,
  now: Date = new Date(),
): OpenedStore {
  const path = `${dataDir}/state.db`;
  let reason: string;
  try {
    return { storage: open(path) };
  } catch (err) {
    reason = err instanceof Error ? err.message : String(err);
  }
  let movedTo: string | undefined;
  try {
    movedTo = moveAside(path, now);
  } catch (err) {
    const why = err instanceof Error ? err.message : String(err);
    return inMemory(log, `store unreadable (${reason}) and cannot be moved aside (${why})`);
  }
  if (movedTo === undefined) return inMemory(log, `cannot create the store: ${reason}`);
  const safeMode = `store was damaged and moved to ${movedTo}`;
  log(
    "error",
    `${reason}. Moved it to ${movedTo} (nothing deleted); starting with an empty store, ` +
      "charging disabled until cleared from the local API",
  );
  try {
    return { storage: open(path), safeMode, movedTo };
  } catch (err) {
    const why = err instanceof Error ? err.message : String(err);
    return inMemory(log, `${safeMode}; no new store: ${why}`, movedTo);
  }
}
