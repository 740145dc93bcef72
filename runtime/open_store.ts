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
 * @module
 */
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
 */
function checkHeader(path: string): void {
  let file: Deno.FsFile;
  try {
    file = Deno.openSync(path, { read: true });
  } catch (err) {
    if (err instanceof Deno.errors.NotFound) return;
    throw err;
  }
  try {
    const head = new Uint8Array(16);
    const n = file.readSync(head) ?? 0;
    if (n === 0) return; // empty: SQLite makes it a database
    if (new TextDecoder().decode(head.subarray(0, n)) !== SQLITE_HEADER) {
      throw new Error(`Cannot use store ${path}: not an SQLite database`);
    }
  } finally {
    file.close();
  }
}

function open(path: string): Storage {
  checkHeader(path);
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
  for (const suffix of ["-wal", "-shm", ""]) {
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
