/**
 * Durable authorization data in the store (`storage.ts`): the authorization
 * cache, the Local Authorization List with its version, and the app's
 * whitelist, so they survive reboots, resets and power outages (OCPP 1.6
 * sections 3.5.1, 3.5.2, errata 3.4).
 *
 * The authorization actor emits each change as `auth.persist`;
 * {@link attachAuthStore} writes it in one SQLite transaction before the bus
 * delivers the next message, and answers `auth.persisted` when asked. The
 * local API changes the whitelist through {@link whitelistAccess}: the store
 * first (a failure changes nothing and reaches the caller), then the actor.
 *
 * Wiring in the runtime shell, per boot (instead of spawning the actor):
 * ```ts
 * spawnAuthorization(bus, authStore, (text) => logger.log("error", text));
 * ```
 *
 * @module
 */
import type { Bus } from "../actors/bus.ts";
import { errorText } from "../actors/bus.ts";
import type { AuthChange, AuthEntry, IdTagInfo, WhitelistEntry } from "../actors/messages.ts";
import { idKey, type WhitelistSource } from "../actors/auth_decision.ts";
import {
  type AuthData,
  authorizationActorWith,
  NO_AUTH_DATA,
  whitelistOf,
} from "../actors/authorization.ts";
import { listManaged, reportedVersion } from "../actors/local_list.ts";
import type { ConfigView } from "../config/registry.ts";
import { type Storage, StorageError } from "./storage.ts";

const MIGRATION = `
CREATE TABLE auth_cache (
  key TEXT PRIMARY KEY, id_tag TEXT NOT NULL, info TEXT NOT NULL, seq INTEGER NOT NULL);
CREATE INDEX auth_cache_seq ON auth_cache (seq);
CREATE TABLE auth_list (key TEXT PRIMARY KEY, id_tag TEXT NOT NULL, info TEXT NOT NULL);
CREATE TABLE auth_list_version (id INTEGER PRIMARY KEY CHECK (id = 1), version INTEGER NOT NULL);
CREATE TABLE auth_whitelist (
  key TEXT PRIMARY KEY, id_tag TEXT NOT NULL, name TEXT, expiry TEXT, seq INTEGER NOT NULL);
`;

interface Row {
  readonly id_tag: string;
  readonly info: string;
}

interface WhitelistRow {
  readonly id_tag: string;
  readonly name: string | null;
  readonly expiry: string | null;
}

/** The authorization tables of the durable store. */
export class AuthStore {
  readonly #s: Storage;
  #seq = 0;

  /** Creates the tables on first use. */
  constructor(storage: Storage) {
    this.#s = storage;
    storage.migrate("auth_1", MIGRATION);
    const row = storage.db.prepare(
      "SELECT max(seq) AS m FROM (SELECT seq FROM auth_cache UNION ALL SELECT seq FROM auth_whitelist)",
    ).get() as { m: number | null };
    this.#seq = row.m ?? 0;
  }

  /**
   * Reads everything back, in the order it was written.
   *
   * @throws {StorageError} when a stored entry cannot be read.
   */
  load(): AuthData {
    const db = this.#s.db;
    try {
      const cache = new Map<string, AuthEntry>();
      for (const r of db.prepare("SELECT id_tag, info FROM auth_cache ORDER BY seq").all()) {
        const e = entryOf(r as unknown as Row);
        cache.set(idKey(e.idTag), e);
      }
      const entries = new Map<string, AuthEntry>();
      for (const r of db.prepare("SELECT id_tag, info FROM auth_list").all()) {
        const e = entryOf(r as unknown as Row);
        entries.set(idKey(e.idTag), e);
      }
      const v = db.prepare("SELECT version FROM auth_list_version").get() as
        | { version: number }
        | undefined;
      const rows = db.prepare("SELECT id_tag, name, expiry FROM auth_whitelist ORDER BY seq").all();
      const whitelist = whitelistOf(
        rows.map((r) => whitelistEntryOf(r as unknown as WhitelistRow)),
      );
      return { cache, list: { version: v?.version ?? 0, entries }, whitelist };
    } catch (err) {
      throw new StorageError(`Cannot load authorization data: ${errorText(err)}`, { cause: err });
    }
  }

  /**
   * Makes one change durable, all or nothing. A cache entry commits relaxed
   * (`storage.ts`): a power cut may take back the last one, which only
   * means one more Authorize; a ClearCache or list change is a full commit.
   */
  apply(change: AuthChange): void {
    const db = this.#s.db;
    this.#s.transaction(() => {
      switch (change.kind) {
        case "cache.put": {
          const del = db.prepare("DELETE FROM auth_cache WHERE key = ?");
          for (const idTag of change.evict) del.run(idKey(idTag));
          db.prepare(
            "INSERT OR REPLACE INTO auth_cache (key, id_tag, info, seq) VALUES (?, ?, ?, ?)",
          )
            .run(
              idKey(change.entry.idTag),
              change.entry.idTag,
              infoText(change.entry.info),
              ++this.#seq,
            );
          break;
        }
        case "cache.clear":
          db.exec("DELETE FROM auth_cache");
          break;
        case "list.replace":
          db.exec("DELETE FROM auth_list");
          this.#putList(change.entries);
          this.#version(change.version);
          break;
        case "list.update": {
          const del = db.prepare("DELETE FROM auth_list WHERE key = ?");
          for (const idTag of change.remove) del.run(idKey(idTag));
          this.#putList(change.put);
          this.#version(change.version);
          break;
        }
      }
    }, change.kind === "cache.put" ? "relaxed" : "full");
  }

  /** Replaces the whitelist. */
  replaceWhitelist(entries: readonly WhitelistEntry[]): void {
    this.#s.transaction(() => {
      this.#s.db.exec("DELETE FROM auth_whitelist");
      for (const e of entries) this.#putWhitelist(e);
    });
  }

  /** Adds or replaces one whitelist entry. */
  putWhitelist(entry: WhitelistEntry): void {
    this.#s.transaction(() => this.#putWhitelist(entry));
  }

  /** Removes one whitelist entry. */
  deleteWhitelist(idTag: string): void {
    this.#s.db.prepare("DELETE FROM auth_whitelist WHERE key = ?").run(idKey(idTag));
  }

  #putWhitelist(e: WhitelistEntry): void {
    this.#s.db.prepare(
      "INSERT OR REPLACE INTO auth_whitelist (key, id_tag, name, expiry, seq) VALUES (?, ?, ?, ?, ?)",
    ).run(idKey(e.idTag), e.idTag, e.name ?? null, e.expiry ?? null, ++this.#seq);
  }

  #putList(entries: readonly AuthEntry[]): void {
    const put = this.#s.db.prepare(
      "INSERT OR REPLACE INTO auth_list (key, id_tag, info) VALUES (?, ?, ?)",
    );
    for (const e of entries) put.run(idKey(e.idTag), e.idTag, infoText(e.info));
  }

  #version(version: number): void {
    this.#s.db.prepare("INSERT OR REPLACE INTO auth_list_version (id, version) VALUES (1, ?)")
      .run(version);
  }
}

function infoText(info: IdTagInfo): string {
  return JSON.stringify(info);
}

function entryOf(r: Row): AuthEntry {
  const info = JSON.parse(r.info) as IdTagInfo;
  if (typeof info?.status !== "string") throw new TypeError(`bad idTagInfo for ${r.id_tag}`);
  return { idTag: r.id_tag, info };
}

function whitelistEntryOf(r: WhitelistRow): WhitelistEntry {
  return {
    idTag: r.id_tag,
    ...(r.name !== null ? { name: r.name } : {}),
    ...(r.expiry !== null ? { expiry: r.expiry } : {}),
  };
}

/**
 * Runs the actor's `auth.persist` changes on the store, synchronously, and
 * answers `auth.persisted` for those with a `ref`. A failure is logged.
 *
 * @returns the function that detaches it.
 */
export function attachAuthStore(bus: Bus, store: AuthStore): () => void {
  return bus.subscribe("auth.persist", (m) => {
    let ok = true;
    try {
      store.apply(m.change);
    } catch (err) {
      ok = false;
      bus.publish({
        type: "log",
        level: "error",
        text: `Cannot store authorization data (${m.change.kind}): ${errorText(err)}`,
      });
    }
    if (m.ref !== undefined) bus.publish({ type: "auth.persisted", ref: m.ref, ok });
  });
}

/**
 * Spawns the authorization actor on a new bus from the stored data and runs
 * its changes on the store. Stored data that cannot be read is reported with
 * `problem` and the actor starts empty (it still stores what comes next).
 */
export function spawnAuthorization(
  bus: Bus,
  store: AuthStore,
  problem: (text: string) => void,
): void {
  let data: AuthData = NO_AUTH_DATA;
  try {
    data = store.load();
  } catch (err) {
    problem(`${errorText(err)}; authorization cache and lists start empty`);
  }
  bus.spawn(authorizationActorWith(data));
  attachAuthStore(bus, store);
}

/** The OCPP Local Authorization List, read-only, as the app shows it. */
export interface OcppListView {
  /** WhitelistSource is ocpp and LocalAuthListEnabled: the Central System manages it. */
  readonly managed: boolean;
  /** As GetLocalListVersion answers it. */
  readonly version: number;
  readonly entries: readonly AuthEntry[];
}

/** What the local API may do with the whitelist (`api/whitelist.ts`). */
export interface WhitelistAccess {
  /** Which list authorizes now (`WhitelistSource`). */
  source(): WhitelistSource;
  /** The app's whitelist, in the order entries were added. */
  entries(): WhitelistEntry[];
  /** Replaces the whitelist (entries already valid and unique). @throws when it cannot be stored. */
  replace(entries: readonly WhitelistEntry[]): void;
  /** Adds an entry; false (nothing changed) when its idTag is there already. */
  add(entry: WhitelistEntry): boolean;
  /** Removes an entry; false when its idTag is not there. */
  remove(idTag: string): boolean;
  ocppList(): OcppListView;
}

/** Options of {@link whitelistAccess}. */
export interface WhitelistAccessOptions {
  /** The bus of the current boot. */
  readonly bus: () => Bus;
  readonly config: () => ConfigView;
  /** Without a store the whitelist lives in memory only. */
  readonly store?: AuthStore | undefined;
}

/** The whitelist of a running runtime: stored first, then given to the actor. */
export function whitelistAccess(opts: WhitelistAccessOptions): WhitelistAccess {
  const state = () => opts.bus().snapshot("authorization");
  const publish = (wl: ReadonlyMap<string, WhitelistEntry>) =>
    opts.bus().publish({ type: "auth.whitelist", entries: [...wl.values()] });
  return {
    source: () => opts.config().str("WhitelistSource") as WhitelistSource,
    entries: () => [...state().whitelist.values()],
    replace(entries) {
      opts.store?.replaceWhitelist(entries);
      publish(whitelistOf(entries));
    },
    add(entry) {
      const wl = state().whitelist;
      if (wl.has(idKey(entry.idTag))) return false;
      opts.store?.putWhitelist(entry);
      publish(new Map(wl).set(idKey(entry.idTag), entry));
      return true;
    },
    remove(idTag) {
      const wl = state().whitelist;
      if (!wl.has(idKey(idTag))) return false;
      opts.store?.deleteWhitelist(idTag);
      const next = new Map(wl);
      next.delete(idKey(idTag));
      publish(next);
      return true;
    },
    ocppList() {
      const s = state();
      const managed = listManaged(opts.config());
      return {
        managed,
        version: reportedVersion(s.list, managed),
        entries: [...s.list.entries.values()],
      };
    },
  };
}
