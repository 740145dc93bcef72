/**
 * The authorization actor: decides whether an idTag may charge, and owns
 * the data behind the decision: the Local Authorization List, the app's
 * whitelist and the authorization cache.
 *
 * Each `auth.request` (purpose start, stop or remote) is decided by
 * {@link decide} (`auth_decision.ts`, whose module doc holds the decision
 * table): an answer goes out at once as `auth.result`; `ask` sends
 * Authorize.req, whose answer becomes the `auth.result` (source `backend`),
 * and whose failure (offline, time-out, CALLERROR) is decided again as
 * offline. "Online" is the supervisor's phase `accepted` (`ctx.backend`).
 *
 * Every idTagInfo from the Central System (Authorize.conf here,
 * StartTransaction.conf and StopTransaction.conf as `auth.info`) updates the
 * cache (`auth_cache.ts`), unless its idTag is on the list (section 3.5.3).
 * When it contradicts the Local Authorization List, the Charge Point sends
 * StatusNotification for connector 0 with errorCode LocalListConflict and
 * connector 0's current status (section 3.5.2); the list is not changed (only
 * SendLocalList changes it).
 *
 * Durability: every change is emitted as `auth.persist` for the shell's store
 * (`runtime/auth_store.ts`). An actor started from stored data
 * ({@link authorizationActorWith}) answers SendLocalList and ClearCache only
 * once the store confirms (`auth.persisted`): Accepted when the change is on
 * disk; otherwise the change is undone and the answer is Failed (SendLocalList)
 * or Rejected (ClearCache). Without a store the answer goes at once.
 *
 * Handles: ClearCache (5.4), GetLocalListVersion (5.10), SendLocalList
 * (5.15; rules in `local_list.ts`). Receives `auth.request`, `auth.info`,
 * `auth.whitelist`, `auth.persisted`, `status.changed`,
 * `ocpp.result`/`ocpp.failed` of Authorize. Emits `auth.result`,
 * `auth.persist`, `ocpp.call` (Authorize, StatusNotification), `ocpp.reply`,
 * `log`.
 *
 * @module
 */
import type { ActorLogic, Ctx, Effect, TimerFired } from "./bus.ts";
import {
  type AuthChange,
  type ConnectorStatus,
  type IdTagInfo,
  type MessageOf,
  reply,
  type WhitelistEntry,
} from "./messages.ts";
import type { CsResponse } from "../ocpp/types.ts";
import {
  asRefusal,
  type AuthorizationMode,
  type Cache,
  decide,
  DECISION_TABLE,
  decisionKeys,
  idKey,
  isValid,
  listEntry,
  type LocalList,
  type Whitelist,
  type WhitelistSource,
} from "./auth_decision.ts";
import { cacheExpire, cachePut, type CacheUpdate } from "./auth_cache.ts";
import { applySendLocalList, EMPTY_LIST, listManaged, reportedVersion } from "./local_list.ts";

/** The stored authorization data (what `runtime/auth_store.ts` loads). */
export interface AuthData {
  readonly cache: Cache;
  readonly list: LocalList;
  readonly whitelist: Whitelist;
}

/** A Central System request answered once its change is on disk. */
interface Waiting {
  readonly id: string;
  readonly action: "ClearCache" | "SendLocalList";
  readonly ok: CsResponse<"ClearCache" | "SendLocalList">;
  readonly failed: CsResponse<"ClearCache" | "SendLocalList">;
  /** The data before the change, restored if the store fails. */
  readonly undo: Partial<Pick<AuthData, "cache" | "list">>;
}

/** The authorization actor's state. */
export interface AuthorizationState extends AuthData {
  /** A store confirms changes (`auth.persisted`). */
  readonly durable: boolean;
  /** Connector 0's last status, for the LocalListConflict notice. */
  readonly cpStatus: ConnectorStatus;
  /** By `auth.persist` ref. */
  readonly waiting: ReadonlyMap<string, Waiting>;
}

/** Message types the authorization actor receives. */
const RECEIVES = [
  "auth.request",
  "auth.info",
  "auth.whitelist",
  "auth.persisted",
  "status.changed",
  "ocpp.request",
  "ocpp.result",
  "ocpp.failed",
] as const;

/** Messages the authorization actor receives. */
export type AuthorizationMsg = MessageOf<(typeof RECEIVES)[number]>;

/** Empty data: no cache, no list, no whitelist. */
export const NO_AUTH_DATA: AuthData = { cache: new Map(), list: EMPTY_LIST, whitelist: new Map() };

/** The whitelist entries as the actor keys them. */
export function whitelistOf(entries: readonly WhitelistEntry[]): Whitelist {
  return new Map(entries.map((e) => [idKey(e.idTag), e]));
}

/** The initial state, from stored data (`durable`) or empty. */
export function initialAuthorization(_ctx: Ctx, data?: AuthData): AuthorizationState {
  return {
    ...(data ?? NO_AUTH_DATA),
    durable: data !== undefined,
    cpStatus: "Available",
    waiting: new Map(),
  };
}

function ref(msg: MessageOf<"auth.request">): string {
  return `${msg.purpose}:${msg.connectorId}:${msg.idTag}`;
}

function decideFor(state: AuthorizationState, idTag: string, online: boolean, ctx: Ctx) {
  return decide({
    mode: ctx.config.str("AuthorizationMode") as AuthorizationMode,
    source: ctx.config.str("WhitelistSource") as WhitelistSource,
    list: state.list,
    whitelist: state.whitelist,
    cache: state.cache,
    online,
    idTag,
    now: ctx.now,
    keys: decisionKeys(ctx.config),
  });
}

/** Applies a cache update and emits its change for the store. */
function withCache(state: AuthorizationState, u: CacheUpdate, out: Effect[]): AuthorizationState {
  if (u.change) out.push({ type: "auth.persist", change: u.change });
  return u.cache === state.cache ? state : { ...state, cache: u.cache };
}

/**
 * idTagInfo from the Central System: the cache takes it unless the idTag is
 * on the list; a Local Authorization List entry it contradicts is reported.
 */
function received(
  state: AuthorizationState,
  idTag: string,
  info: IdTagInfo,
  ctx: Ctx,
  out: Effect[],
): AuthorizationState {
  const keys = decisionKeys(ctx.config);
  const source = ctx.config.str("WhitelistSource") as WhitelistSource;
  const listed = listEntry({ ...state, source, keys }, idTag);
  if (listed === undefined) {
    if (!keys.AuthorizationCacheEnabled) return state;
    return withCache(state, cachePut(state.cache, idTag, info, ctx.now), out);
  }
  const listedStatus = isValid(listed, ctx.now) ? "Accepted" : asRefusal(listed).status;
  if (source === "ocpp" && listedStatus !== info.status) {
    out.push(
      {
        type: "log",
        level: "warn",
        text:
          `Local list conflict: idTag ${idTag} is ${listedStatus} on the list, ${info.status} for the Central System`,
      },
      {
        type: "ocpp.call",
        action: "StatusNotification",
        payload: {
          connectorId: 0,
          errorCode: "LocalListConflict",
          status: state.cpStatus,
          info: `idTag ${idTag}`,
          timestamp: new Date(ctx.now).toISOString(),
        },
      },
    );
  }
  return state;
}

/** Emits a change; a durable actor answers when the store confirms, others at once. */
function commit(
  state: AuthorizationState,
  next: AuthorizationState,
  change: AuthChange,
  w: Omit<Waiting, "undo">,
  out: Effect[],
): AuthorizationState {
  if (!next.durable) {
    out.push({ type: "auth.persist", change }, reply(w.id, w.action, w.ok));
    return next;
  }
  const key = `ocpp:${w.id}`;
  const undo = w.action === "ClearCache" ? { cache: state.cache } : { list: state.list };
  out.push({ type: "auth.persist", change, ref: key });
  return { ...next, waiting: new Map(next.waiting).set(key, { ...w, undo }) };
}

function onRequest(
  state: AuthorizationState,
  msg: MessageOf<"ocpp.request">,
  ctx: Ctx,
  out: Effect[],
): AuthorizationState {
  switch (msg.action) {
    case "ClearCache": {
      const w = { id: msg.id, action: msg.action, ok: { status: "Accepted" as const } };
      const next = { ...state, cache: new Map() };
      return commit(
        state,
        next,
        { kind: "cache.clear" },
        { ...w, failed: { status: "Rejected" as const } },
        out,
      );
    }
    case "GetLocalListVersion":
      out.push(reply(msg.id, msg.action, {
        listVersion: reportedVersion(state.list, listManaged(ctx.config)),
      }));
      return state;
    case "SendLocalList": {
      const u = applySendLocalList(state.list, msg.payload, ctx.config);
      if (u.status !== "Accepted") {
        out.push(
          { type: "log", level: "warn", text: `SendLocalList ${u.status}: ${u.reason}` },
          reply(msg.id, msg.action, { status: u.status }),
        );
        return state;
      }
      const w = { id: msg.id, action: msg.action, ok: { status: "Accepted" as const } };
      return commit(state, { ...state, list: u.list }, u.change, {
        ...w,
        failed: { status: "Failed" as const },
      }, out);
    }
    default:
      return state;
  }
}

/** One transition of the authorization actor. */
export function transitionAuthorization(
  state: AuthorizationState,
  msg: AuthorizationMsg | TimerFired,
  ctx: Ctx,
): [AuthorizationState, Effect[]] {
  const out: Effect[] = [];
  switch (msg.type) {
    case "auth.request": {
      state = withCache(state, cacheExpire(state.cache, msg.idTag, ctx.now), out);
      // Online: BootNotification Accepted and connected, the supervisor's phase (ctx.backend).
      const d = decideFor(state, msg.idTag, ctx.backend === "accepted", ctx);
      if (d.kind === "ask") {
        out.push({
          type: "ocpp.call",
          action: "Authorize",
          payload: { idTag: msg.idTag },
          ref: ref(msg),
        });
        return [state, out];
      }
      out.push(
        {
          type: "log",
          level: "debug",
          text: `idTag ${msg.idTag}: ${d.info.status} by ${d.rule} (${DECISION_TABLE[d.rule]})`,
        },
        {
          type: "auth.result",
          idTag: msg.idTag,
          connectorId: msg.connectorId,
          purpose: msg.purpose,
          info: d.info,
          source: d.source,
        },
      );
      return [state, out];
    }
    case "auth.info":
      return [received(state, msg.idTag, msg.info, ctx, out), out];
    case "auth.whitelist":
      return [{ ...state, whitelist: whitelistOf(msg.entries) }, out];
    case "auth.persisted": {
      const w = state.waiting.get(msg.ref);
      if (!w) return [state, out];
      const waiting = new Map(state.waiting);
      waiting.delete(msg.ref);
      if (msg.ok) {
        out.push(reply(w.id, w.action, w.ok));
        return [{ ...state, waiting }, out];
      }
      out.push(
        {
          type: "log",
          level: "error",
          text: `${w.action} not stored: answered ${w.failed.status}`,
        },
        reply(w.id, w.action, w.failed),
      );
      return [{ ...state, ...w.undo, waiting }, out];
    }
    case "status.changed":
      return [msg.connectorId === 0 ? { ...state, cpStatus: msg.status } : state, out];
    case "ocpp.request":
      return [onRequest(state, msg, ctx, out), out];
    case "ocpp.result":
    case "ocpp.failed": {
      if (msg.action !== "Authorize" || !msg.ref) return [state, out];
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
        state = received(state, idTag, info, ctx, out);
        out.push({ ...base, info, source: "backend" });
        return [state, out];
      }
      // No answer (offline, time-out, CALLERROR): decided again as offline (section 3.5).
      const d = decideFor(state, idTag, false, ctx);
      const answer = d.kind === "answer"
        ? d
        : { rule: d.rule, info: { status: "Invalid" } as IdTagInfo, source: "offline" as const };
      out.push(
        {
          type: "log",
          level: "info",
          text:
            `Authorize for ${idTag} failed (${msg.code}): ${answer.info.status} by ${answer.rule}`,
        },
        { ...base, info: answer.info, source: answer.source },
      );
      return [state, out];
    }
    default:
      return [state, out];
  }
}

/** The actor's logic, starting from `data` (durable) or empty. */
export function authorizationActorWith(
  data?: AuthData,
): ActorLogic<AuthorizationState, AuthorizationMsg> {
  return {
    name: "authorization",
    receives: RECEIVES,
    handles: ["ClearCache", "GetLocalListVersion", "SendLocalList"],
    initial: (ctx) => initialAuthorization(ctx, data),
    transition: transitionAuthorization,
  };
}

/** The authorization actor without stored data (nothing survives a restart). */
export const authorizationActor: ActorLogic<AuthorizationState, AuthorizationMsg> =
  authorizationActorWith();
