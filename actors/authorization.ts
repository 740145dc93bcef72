/**
 * The authorization actor: decides whether an idTag may charge.
 *
 * Modes (`AuthorizationMode`, the seed's "OCPP Authorisierung"):
 * - `free`: every request is Accepted (free charging).
 * - `local`: only the local whitelist decides; Authorize.req is never sent.
 * - `ocpp`: OCPP 1.6 section 3.5 / 4.1: with LocalPreAuthorize a valid cache
 *   entry answers at once; otherwise Authorize.req. When the Central System
 *   cannot be reached, LocalAuthorizeOffline lets cached ids through and
 *   AllowOfflineTxForUnknownId lets unknown ids through (section 3.5.3).
 *
 * The authorization cache (section 3.5.1) keeps the idTagInfo of every
 * Authorize.conf, StartTransaction.conf and StopTransaction.conf (via
 * `auth.info`), at most {@link CACHE_MAX} entries: when full, NOT-valid
 * entries go first, then the oldest valid ones; an Accepted entry found
 * past its expiryDate becomes Expired. Offline, an identifier the cache
 * knows as not valid is refused even with AllowOfflineTxForUnknownId, which
 * is for unknown identifiers only (section 3.5.4). The local list, the
 * whitelist source and cache persistence are a later issue; the decision is
 * {@link decide}.
 *
 * Handles: ClearCache (5.4). Receives `auth.request`, `auth.info`,
 * `ocpp.result`/`ocpp.failed` of Authorize. Emits `auth.result`,
 * `ocpp.call` (Authorize), `ocpp.reply`.
 *
 * @module
 */
import type { ActorLogic, Ctx, Effect, TimerFired } from "./bus.ts";
import type { IdTagInfo, MessageOf } from "./messages.ts";

/** A cached idTagInfo. */
export interface CacheEntry {
  readonly info: IdTagInfo;
}

/** The authorization actor's state. */
export interface AuthorizationState {
  readonly cache: ReadonlyMap<string, CacheEntry>;
  /** The local whitelist of the app (idTags). */
  readonly whitelist: ReadonlySet<string>;
}

/** Messages the authorization actor receives. */
export type AuthorizationMsg =
  | MessageOf<"auth.request">
  | MessageOf<"auth.info">
  | MessageOf<"ocpp.request">
  | MessageOf<"ocpp.result">
  | MessageOf<"ocpp.failed">;

/** Maximum cache entries. */
export const CACHE_MAX = 1000;

/** True when an idTagInfo is Accepted and not expired at `now`. */
export function isValid(info: IdTagInfo, now: number): boolean {
  if (info.status !== "Accepted") return false;
  return info.expiryDate === undefined || Date.parse(info.expiryDate) > now;
}

/** A decision without the backend, or `ask` when Authorize.req must be sent. */
export type Decision = {
  readonly kind: "answer";
  readonly info: IdTagInfo;
  readonly source: "list" | "cache" | "free" | "offline";
} | {
  readonly kind: "ask";
};

/**
 * Decides locally where the rules allow it.
 *
 * @param online whether the Central System is reachable right now.
 */
export function decide(
  state: AuthorizationState,
  idTag: string,
  online: boolean,
  ctx: Ctx,
): Decision {
  const mode = ctx.config.str("AuthorizationMode");
  if (mode === "free") return { kind: "answer", info: { status: "Accepted" }, source: "free" };
  if (mode === "local") {
    return {
      kind: "answer",
      info: { status: state.whitelist.has(idTag) ? "Accepted" : "Invalid" },
      source: "list",
    };
  }
  const cached = ctx.config.bool("AuthorizationCacheEnabled") ? state.cache.get(idTag) : undefined;
  if (online) {
    if (cached && ctx.config.bool("LocalPreAuthorize") && isValid(cached.info, ctx.now)) {
      return { kind: "answer", info: cached.info, source: "cache" };
    }
    return { kind: "ask" };
  }
  if (cached && !isValid(cached.info, ctx.now)) {
    // Known as not valid (or expired): refused offline, also by Unknown Offline
    // Authorization, which is for unknown identifiers only (section 3.5.4).
    return { kind: "answer", info: notValid(cached.info), source: "cache" };
  }
  if (cached && ctx.config.bool("LocalAuthorizeOffline")) {
    return { kind: "answer", info: cached.info, source: "cache" };
  }
  if (ctx.config.bool("AllowOfflineTxForUnknownId")) {
    return { kind: "answer", info: { status: "Accepted" }, source: "offline" };
  }
  return { kind: "answer", info: { status: "Invalid" }, source: "offline" };
}

/** A not-valid entry as an answer: an Accepted one past its expiryDate is Expired. */
function notValid(info: IdTagInfo): IdTagInfo {
  return info.status === "Accepted" ? { ...info, status: "Expired" } : info;
}

function remember(
  state: AuthorizationState,
  idTag: string,
  info: IdTagInfo,
  ctx: Ctx,
): AuthorizationState {
  if (!ctx.config.bool("AuthorizationCacheEnabled")) return state;
  const cache = new Map(state.cache);
  cache.delete(idTag);
  while (cache.size >= CACHE_MAX) {
    // Section 3.5.1: when full, NOT-valid entries go first, then the oldest valid ones.
    const stale = [...cache].find(([, e]) => !isValid(e.info, ctx.now));
    cache.delete(stale ? stale[0] : cache.keys().next().value!);
  }
  cache.set(idTag, { info });
  return { ...state, cache };
}

/** Section 3.5.1: "When the validity of a Cache entry expires, it SHALL be changed to expired". */
function expire(state: AuthorizationState, idTag: string, ctx: Ctx): AuthorizationState {
  const entry = state.cache.get(idTag);
  if (!entry || entry.info.status !== "Accepted" || isValid(entry.info, ctx.now)) return state;
  const cache = new Map(state.cache);
  cache.set(idTag, { info: notValid(entry.info) });
  return { ...state, cache };
}

/** The initial state: empty cache and whitelist. */
export function initialAuthorization(_ctx: Ctx): AuthorizationState {
  return { cache: new Map(), whitelist: new Set() };
}

function ref(msg: MessageOf<"auth.request">): string {
  return `${msg.purpose}:${msg.connectorId}:${msg.idTag}`;
}

/** One transition of the authorization actor. */
export function transitionAuthorization(
  state: AuthorizationState,
  msg: AuthorizationMsg | TimerFired,
  ctx: Ctx,
): [AuthorizationState, Effect[]] {
  switch (msg.type) {
    case "auth.request": {
      state = expire(state, msg.idTag, ctx);
      const d = decide(state, msg.idTag, true, ctx);
      if (d.kind === "answer") {
        return [state, [{
          type: "auth.result",
          idTag: msg.idTag,
          connectorId: msg.connectorId,
          purpose: msg.purpose,
          info: d.info,
          source: d.source,
        }]];
      }
      return [state, [{
        type: "ocpp.call",
        action: "Authorize",
        payload: { idTag: msg.idTag },
        ref: ref(msg),
      }]];
    }
    case "auth.info":
      return [remember(state, msg.idTag, msg.info, ctx), []];
    case "ocpp.request":
      if (msg.action !== "ClearCache") return [state, []];
      return [{ ...state, cache: new Map() }, [{
        type: "ocpp.reply",
        id: msg.id,
        action: "ClearCache",
        payload: { status: "Accepted" },
      }]];
    case "ocpp.result":
    case "ocpp.failed": {
      if (msg.action !== "Authorize" || !msg.ref) return [state, []];
      const [purpose, idText, ...rest] = msg.ref.split(":");
      const idTag = rest.join(":");
      const base = {
        type: "auth.result" as const,
        idTag,
        connectorId: Number(idText),
        purpose: purpose as "start" | "stop" | "remote",
      };
      if (msg.type === "ocpp.result") {
        const info = msg.payload.idTagInfo as IdTagInfo;
        return [remember(state, idTag, info, ctx), [{ ...base, info, source: "backend" }]];
      }
      // No answer (offline, timeout, CALLERROR): the offline rules of section 3.5.3 decide.
      const d = decide(state, idTag, false, ctx);
      const answer = d.kind === "answer"
        ? d
        : { info: { status: "Invalid" } as IdTagInfo, source: "offline" as const };
      return [state, [{ ...base, info: answer.info, source: answer.source }]];
    }
    default:
      return [state, []];
  }
}

/** The authorization actor. */
export const authorizationActor: ActorLogic<AuthorizationState, AuthorizationMsg> = {
  name: "authorization",
  receives: ["auth.request", "auth.info", "ocpp.request", "ocpp.result", "ocpp.failed"],
  handles: ["ClearCache"],
  initial: initialAuthorization,
  transition: transitionAuthorization,
};
