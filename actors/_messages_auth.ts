/**
 * Messages of authorization (`auth.*`): requests, decisions and the changes of
 * the cache, the Local Authorization List and the whitelist the store makes.
 *
 * Private to `messages.ts`, which joins them into `BusMessage`.
 *
 * @module
 */

/** OCPP 1.6 IdTagInfo (section 7.24). */
export interface IdTagInfo {
  readonly status: "Accepted" | "Blocked" | "Expired" | "Invalid" | "ConcurrentTx";
  readonly expiryDate?: string;
  readonly parentIdTag?: string;
}

/** Authorization requests and decisions. */
export type AuthMessage =
  | {
    readonly type: "auth.request";
    readonly idTag: string;
    readonly connectorId: number;
    readonly purpose: "start" | "stop" | "remote";
  }
  | {
    readonly type: "auth.result";
    readonly idTag: string;
    readonly connectorId: number;
    readonly purpose: "start" | "stop" | "remote";
    readonly info: IdTagInfo;
    /** Where the answer came from. */
    readonly source: "backend" | "list" | "cache" | "offline" | "free";
  }
  /** idTagInfo the backend gave in a transaction answer, for the cache. */
  | { readonly type: "auth.info"; readonly idTag: string; readonly info: IdTagInfo }
  /**
   * Make a change of the authorization data durable (the shell runs it on the
   * store before the next message is delivered). With `ref`, the shell answers
   * `auth.persisted` with the same `ref`.
   */
  | { readonly type: "auth.persist"; readonly change: AuthChange; readonly ref?: string }
  /** The outcome of an `auth.persist` that had a `ref`. */
  | { readonly type: "auth.persisted"; readonly ref: string; readonly ok: boolean }
  /** The app's local whitelist is now `entries` (already on disk when a store is attached). */
  | { readonly type: "auth.whitelist"; readonly entries: readonly WhitelistEntry[] };

/** One entry of the app's local whitelist (seed: "Lokale Whitelist"). */
export interface WhitelistEntry {
  /** OCPP IdToken: 1-20 printable ASCII characters, case-insensitive (section 7.28). */
  readonly idTag: string;
  /** Who the card belongs to, for people. */
  readonly name?: string;
  /** ISO 8601 date-time after which the entry no longer authorizes. */
  readonly expiry?: string;
}

/** An idTag with its idTagInfo: a Local Authorization List or cache entry. */
export interface AuthEntry {
  readonly idTag: string;
  readonly info: IdTagInfo;
}

/** A change of the authorization data the store must make (runtime/auth_store.ts). */
export type AuthChange =
  /** The entry becomes the newest of the cache; `evict` are removed to make room. */
  | {
    readonly kind: "cache.put";
    readonly entry: AuthEntry;
    readonly evict: readonly string[];
  }
  | { readonly kind: "cache.clear" }
  /** The Local Authorization List is replaced (SendLocalList Full). */
  | {
    readonly kind: "list.replace";
    readonly version: number;
    readonly entries: readonly AuthEntry[];
  }
  /** The Local Authorization List is updated (SendLocalList Differential). */
  | {
    readonly kind: "list.update";
    readonly version: number;
    readonly put: readonly AuthEntry[];
    readonly remove: readonly string[];
  };
