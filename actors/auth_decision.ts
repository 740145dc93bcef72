/**
 * Who may charge: the authorization decision as one pure function of its
 * inputs ({@link decide}), and the data it reads (local lists and cache).
 *
 * idTags are case-insensitive (OCPP 1.6 section 7.28, CiString20Type): every
 * list and the cache are keyed by {@link idKey}, and keep the spelling they
 * were given for display.
 *
 * "The list" below is the whitelist selected by `WhitelistSource` (seed:
 * "Whitelist für Berechtigungen"): `ocpp` = the Local Authorization List the
 * Central System manages with SendLocalList, and only while
 * `LocalAuthListEnabled` (section 9.2.1); `local` = the app's whitelist
 * (entries never expire unless given an expiry). "The cache" counts only
 * while `AuthorizationCacheEnabled` (section 9.1.2). An entry is *valid*
 * when its status is Accepted and its expiryDate (if any) is later than now;
 * a list entry has priority over a cache entry for the same idTag (section
 * 3.5.3). "Online" means BootNotification is Accepted and the connection is
 * up; an Authorize.req that gets no answer (offline, time-out, CALLERROR) is
 * decided again as offline.
 *
 * The decision table, first matching row wins:
 *
 * | Rule | Mode | Known as (list, then cache) | Online | Keys | Decision |
 * |---|---|---|---|---|---|
 * | F1 | free | any | any | - | Accepted (seed: "Freies Laden") |
 * | L1 | local | valid list entry | any | - | the entry: Accepted (seed: "Kein OCPP") |
 * | L2 | local | list entry, not valid | any | - | refused with its status, Expired when past its expiryDate (3.5.4) |
 * | L3 | local | not in the list | any | - | Invalid: never Authorize.req (seed: "Kein OCPP") |
 * | O1 | ocpp | valid list entry | yes | LocalPreAuthorize | the entry, no Authorize.req (3.5, 9.1.13) |
 * | O2 | ocpp | valid cache entry | yes | LocalPreAuthorize | the entry, no Authorize.req (3.5, 3.5.1, 9.1.13) |
 * | O3 | ocpp | anything else | yes | - | Authorize.req (4.1; a NOT-valid cache entry is asked again: 3.5.1) |
 * | X1 | ocpp | list or cache entry, not valid | no | - | refused with its status, Expired when past its expiryDate (3.5.4) |
 * | X2 | ocpp | valid list entry | no | LocalAuthorizeOffline | the entry (3.5, 9.1.12) |
 * | X3 | ocpp | valid cache entry | no | LocalAuthorizeOffline | the entry (3.5, 9.1.12) |
 * | X4 | ocpp | unknown, or valid without LocalAuthorizeOffline | no | AllowOfflineTxForUnknownId | Accepted (3.5.4, 9.1.1) |
 * | X5 | ocpp | unknown, or valid without LocalAuthorizeOffline | no | neither | Invalid (3.5.4) |
 *
 * X4 also lets through an idTag known as valid when only
 * AllowOfflineTxForUnknownId is on: a known good card is never treated worse
 * than an unknown one. A refusal never depends on the offline switches: an
 * idTag known as not valid stays refused (3.5.4 "MUST be rejected").
 *
 * @module
 */
import type { ConfigView } from "../config/registry.ts";
import { parseDateTime } from "../ocpp/date_time.ts";
import type { AuthEntry, IdTagInfo, WhitelistEntry } from "./messages.ts";

/** `AuthorizationMode` (seed: "OCPP Authorisierung"): no OCPP / free charging / OCPP. */
export type AuthorizationMode = "local" | "free" | "ocpp";
/** `WhitelistSource` (seed: "Whitelist für Berechtigungen"). */
export type WhitelistSource = "ocpp" | "local";

/** The Local Authorization List (section 3.5.2) with the version the Central System gave it. */
export interface LocalList {
  readonly version: number;
  readonly entries: ReadonlyMap<string, AuthEntry>;
}

/** The app's whitelist, by {@link idKey}. */
export type Whitelist = ReadonlyMap<string, WhitelistEntry>;

/** The authorization cache (section 3.5.1), by {@link idKey}, least recently updated first. */
export type Cache = ReadonlyMap<string, AuthEntry>;

/** The configuration keys the decision reads. */
export interface DecisionKeys {
  readonly LocalAuthListEnabled: boolean;
  readonly AuthorizationCacheEnabled: boolean;
  readonly LocalPreAuthorize: boolean;
  readonly LocalAuthorizeOffline: boolean;
  readonly AllowOfflineTxForUnknownId: boolean;
}

/** Everything {@link decide} reads, explicitly. */
export interface DecisionInput {
  readonly mode: AuthorizationMode;
  readonly source: WhitelistSource;
  readonly list: LocalList;
  readonly whitelist: Whitelist;
  readonly cache: Cache;
  /** Whether the Central System can answer an Authorize.req now. */
  readonly online: boolean;
  readonly idTag: string;
  /** Milliseconds since the epoch, for expiry dates. */
  readonly now: number;
  readonly keys: DecisionKeys;
}

/** Rule ids of the decision table. */
export type Rule =
  | "F1"
  | "L1"
  | "L2"
  | "L3"
  | "O1"
  | "O2"
  | "O3"
  | "X1"
  | "X2"
  | "X3"
  | "X4"
  | "X5";

/** Where an answer came from (as `auth.result` reports it). */
export type AnswerSource = "free" | "list" | "cache" | "offline";

/** The decision: an answer, or `ask` (send Authorize.req). */
export type Decision =
  | {
    readonly kind: "answer";
    readonly rule: Rule;
    readonly info: IdTagInfo;
    readonly source: AnswerSource;
  }
  | { readonly kind: "ask"; readonly rule: Rule };

/** The table above as data: for logs, and so the unit test can prove it covers every row. */
export const DECISION_TABLE: Readonly<Record<Rule, string>> = {
  F1: "free charging: everyone is Accepted (seed: Freies Laden)",
  L1: "no OCPP: a valid whitelist entry is Accepted (seed: Kein OCPP)",
  L2: "no OCPP: a whitelist entry that is not valid is refused (3.5.4)",
  L3:
    "no OCPP: an idTag not on the whitelist is Invalid, never sent to Authorize (seed: Kein OCPP)",
  O1: "online, LocalPreAuthorize: a valid list entry answers at once (3.5, 9.1.13)",
  O2: "online, LocalPreAuthorize: a valid cache entry answers at once (3.5.1, 9.1.13)",
  O3: "online: the Central System decides with Authorize.req (4.1, 3.5.1)",
  X1: "offline: an idTag known as not valid is refused (3.5.4)",
  X2: "offline, LocalAuthorizeOffline: a valid list entry is Accepted (9.1.12)",
  X3: "offline, LocalAuthorizeOffline: a valid cache entry is Accepted (9.1.12)",
  X4: "offline, AllowOfflineTxForUnknownId: any other idTag is Accepted (3.5.4, 9.1.1)",
  X5: "offline: any other idTag is Invalid (3.5.4)",
};

/** The key of an idTag in lists and cache: idTags are case-insensitive (section 7.28). */
export function idKey(idTag: string): string {
  return idTag.toUpperCase();
}

/** True when an idTagInfo is Accepted and not past its expiryDate at `now`. */
export function isValid(info: IdTagInfo, now: number): boolean {
  if (info.status !== "Accepted") return false;
  // The reader the schemas validated with: Date.parse cannot read every RFC 3339 form (+01, :60).
  return info.expiryDate === undefined || (parseDateTime(info.expiryDate) ?? -Infinity) > now;
}

/** An entry as a refusal: an Accepted one past its expiryDate is Expired (3.5.1, 3.5.4). */
export function asRefusal(info: IdTagInfo): IdTagInfo {
  return info.status === "Accepted" ? { ...info, status: "Expired" } : info;
}

/** A whitelist entry as the idTagInfo it stands for. */
function whitelistInfo(entry: WhitelistEntry): IdTagInfo {
  return entry.expiry === undefined
    ? { status: "Accepted" }
    : { status: "Accepted", expiryDate: entry.expiry };
}

/** The list entry for an idTag under the current source, if any. */
export function listEntry(
  input: Pick<DecisionInput, "source" | "list" | "whitelist" | "keys">,
  idTag: string,
): IdTagInfo | undefined {
  if (input.source === "local") {
    const entry = input.whitelist.get(idKey(idTag));
    return entry && whitelistInfo(entry);
  }
  return input.keys.LocalAuthListEnabled ? input.list.entries.get(idKey(idTag))?.info : undefined;
}

/** The decision keys from the configuration. */
export function decisionKeys(config: ConfigView): DecisionKeys {
  return {
    LocalAuthListEnabled: config.bool("LocalAuthListEnabled"),
    AuthorizationCacheEnabled: config.bool("AuthorizationCacheEnabled"),
    LocalPreAuthorize: config.bool("LocalPreAuthorize"),
    LocalAuthorizeOffline: config.bool("LocalAuthorizeOffline"),
    AllowOfflineTxForUnknownId: config.bool("AllowOfflineTxForUnknownId"),
  };
}

/**
 * Decides whether an idTag may charge, by the table in the module doc.
 *
 * @param input every input of the decision.
 * @returns an answer with the rule that gave it, or `ask` (send Authorize.req).
 *
 * @example Offline with an unknown card
 * ```ts
 * const d = decide({ ...input, online: false, idTag: "NEW" });
 * // { kind: "answer", rule: "X5", info: { status: "Invalid" }, source: "offline" }
 * ```
 */
export function decide(input: DecisionInput): Decision {
  const { keys, now } = input;
  if (input.mode === "free") {
    return { kind: "answer", rule: "F1", info: { status: "Accepted" }, source: "free" };
  }
  const listed = listEntry(input, input.idTag);
  if (input.mode === "local") {
    if (listed === undefined) {
      return { kind: "answer", rule: "L3", info: { status: "Invalid" }, source: "list" };
    }
    return isValid(listed, now)
      ? { kind: "answer", rule: "L1", info: listed, source: "list" }
      : { kind: "answer", rule: "L2", info: asRefusal(listed), source: "list" };
  }
  const cached = listed === undefined && keys.AuthorizationCacheEnabled
    ? input.cache.get(idKey(input.idTag))?.info
    : undefined;
  const known = listed ?? cached;
  const from: AnswerSource = listed !== undefined ? "list" : "cache";
  if (input.online) {
    if (known !== undefined && keys.LocalPreAuthorize && isValid(known, now)) {
      return { kind: "answer", rule: from === "list" ? "O1" : "O2", info: known, source: from };
    }
    return { kind: "ask", rule: "O3" };
  }
  if (known !== undefined && !isValid(known, now)) {
    return { kind: "answer", rule: "X1", info: asRefusal(known), source: from };
  }
  if (known !== undefined && keys.LocalAuthorizeOffline) {
    return { kind: "answer", rule: from === "list" ? "X2" : "X3", info: known, source: from };
  }
  return keys.AllowOfflineTxForUnknownId
    ? { kind: "answer", rule: "X4", info: { status: "Accepted" }, source: "offline" }
    : { kind: "answer", rule: "X5", info: { status: "Invalid" }, source: "offline" };
}
