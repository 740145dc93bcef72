/**
 * The Local Authorization List (OCPP 1.6 sections 3.5.2, 5.10, 5.15): what
 * GetLocalListVersion answers and how a SendLocalList.req is applied, as
 * pure functions.
 *
 * The list is the Central System's only while `WhitelistSource` is `ocpp`
 * and `LocalAuthListEnabled` is true. With `WhitelistSource` `local` the
 * wallbox is authorized by the app's whitelist, which the backend cannot
 * overwrite: GetLocalListVersion answers -1 and SendLocalList NotSupported
 * ("Update of Local Authorization List is not supported by Charge Point",
 * section 7.47), as with `LocalAuthListEnabled` false (OCTT TC_042_1,
 * TC_043_1). NotSupported rather than Failed, because section 5.15 asks a
 * Central System to retry a Failed update, which could never succeed.
 *
 * GetLocalListVersion answers 0 for an empty list whatever version it was
 * sent with (section 5.10, OCTT TC_042_2), and a differential update must
 * carry a version above the one GetLocalListVersion reports, or it gets
 * VersionMismatch (section 7.47, OCTT TC_043_2).
 *
 * A SendLocalList.req is Failed, and changes nothing, when: its listVersion
 * is below 1 (errata 3.52: 0 and -1 have special meanings); it has more
 * entries than `SendLocalListMaxLength`; an idTag appears twice (section
 * 6.41; idTags are case-insensitive); a Full update has an entry without
 * idTagInfo (section 7.1); or the resulting list would be longer than
 * `LocalAuthListMaxLength` (OCTT TC_043_3).
 *
 * @module
 */
import type { ConfigView } from "../config/registry.ts";
import type { AuthChange, AuthEntry, IdTagInfo } from "./messages.ts";
import type { V16 } from "../ocpp/types.ts";
import { idKey, type LocalList } from "./auth_decision.ts";

/** An empty list: version 0 (section 5.10). */
export const EMPTY_LIST: LocalList = { version: 0, entries: new Map() };

/** UpdateStatus of SendLocalList.conf (section 7.47). */
export type UpdateStatus = "Accepted" | "Failed" | "NotSupported" | "VersionMismatch";

/** The outcome of a SendLocalList.req: an answer, and on Accepted the new list and its change. */
export type ListUpdate =
  | {
    readonly status: "Accepted";
    readonly list: LocalList;
    readonly change: AuthChange;
  }
  | {
    readonly status: Exclude<UpdateStatus, "Accepted">;
    /** Why, for the log. */
    readonly reason: string;
  };

/** Whether the Central System manages a local list now. */
export function listManaged(config: ConfigView): boolean {
  return config.str("WhitelistSource") === "ocpp" && config.bool("LocalAuthListEnabled");
}

/** GetLocalListVersion.conf's listVersion: -1 not managed, 0 empty, else the version. */
export function reportedVersion(list: LocalList, managed: boolean): number {
  if (!managed) return -1;
  return list.entries.size === 0 ? 0 : list.version;
}

interface RawEntry {
  readonly idTag: string;
  readonly idTagInfo?: IdTagInfo;
}

/**
 * Applies a SendLocalList.req (already valid against its schema).
 *
 * @param list the current list.
 * @param payload the request: listVersion, updateType, localAuthorizationList.
 * @param config the configuration (source, enabled, maximum lengths).
 */
export function applySendLocalList(
  list: LocalList,
  payload: V16.SendLocalListRequest,
  config: ConfigView,
): ListUpdate {
  if (!listManaged(config)) {
    const why = config.str("WhitelistSource") === "local"
      ? "the whitelist is managed locally (WhitelistSource local)"
      : "LocalAuthListEnabled is false";
    return { status: "NotSupported", reason: why };
  }
  const version = payload.listVersion as number;
  const full = payload.updateType === "Full";
  const raw = (payload.localAuthorizationList ?? []) as readonly RawEntry[];
  const sendMax = config.int("SendLocalListMaxLength");
  if (version < 1) {
    return { status: "Failed", reason: `listVersion ${version} is reserved (errata 3.52)` };
  }
  if (raw.length > sendMax) {
    return {
      status: "Failed",
      reason: `${raw.length} entries, more than SendLocalListMaxLength ${sendMax}`,
    };
  }
  const seen = new Set<string>();
  for (const e of raw) {
    const k = idKey(e.idTag);
    if (seen.has(k)) return { status: "Failed", reason: `idTag ${e.idTag} appears twice` };
    seen.add(k);
    if (full && e.idTagInfo === undefined) {
      return { status: "Failed", reason: `idTag ${e.idTag} has no idTagInfo in a Full update` };
    }
  }
  if (!full && version <= reportedVersion(list, true)) {
    return {
      status: "VersionMismatch",
      reason: `listVersion ${version} is not above the current ${reportedVersion(list, true)}`,
    };
  }
  const entries = full ? new Map<string, AuthEntry>() : new Map(list.entries);
  const put: AuthEntry[] = [];
  const remove: string[] = [];
  for (const e of raw) {
    if (e.idTagInfo === undefined) {
      entries.delete(idKey(e.idTag));
      remove.push(e.idTag);
    } else {
      const entry = { idTag: e.idTag, info: e.idTagInfo };
      entries.set(idKey(e.idTag), entry);
      put.push(entry);
    }
  }
  const max = config.int("LocalAuthListMaxLength");
  if (entries.size > max) {
    return {
      status: "Failed",
      reason:
        `the list would hold ${entries.size} entries, more than LocalAuthListMaxLength ${max}`,
    };
  }
  const change: AuthChange = full
    ? { kind: "list.replace", version, entries: put }
    : { kind: "list.update", version, put, remove };
  return { status: "Accepted", list: { version, entries }, change };
}
