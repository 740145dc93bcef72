/**
 * The connection supervisor: connect, BootNotification, Heartbeat and
 * reconnect with backoff, as explicit state transitions.
 *
 * OCPP 1.6 section 4.2 (BootNotification): until Accepted the Charge Point
 * sends nothing else; Pending and Rejected are retried after `interval`
 * seconds; on Accepted `interval` becomes the heartbeat interval (section
 * 4.6). A lost connection is retried with exponential backoff and jitter,
 * capped, reset after a successful boot; a refused handshake (401, 404,
 * TLS) backs off the same way.
 *
 * Security Whitepaper section 2 and A05: SecurityProfile 2 and 3 connect
 * with wss:// whatever scheme the configured URL has. The security settings
 * a connection last opened with are kept (`FallbackSecurityProfile`,
 * `FallbackAuthorizationKey`); when new ones are refused
 * {@link FALLBACK_AFTER} times in a row (credentials, certificates, TLS;
 * not a network outage), the supervisor goes back to them (A05.FR.08, and
 * likewise for a new AuthorizationKey).
 *
 * Receives: `system.started`, `config.changed`, `ws.opened`, `ws.closed`,
 * `ocpp.result`, `ocpp.failed`, `trigger`. Emits: `ws.connect`,
 * `ws.disconnect`, `ocpp.call` (BootNotification, Heartbeat),
 * `backend.state`, `backend.accepted`, `config.write`.
 *
 * @module
 */
import type { ActorLogic, Ctx, Effect, TimerFired } from "./bus.ts";
import type { BackendState, MessageOf } from "./messages.ts";
import { failureKind, refusesSettings } from "../ocpp/transport.ts";

/** What the Charge Point says of itself in BootNotification. */
export interface BootInfo {
  readonly chargePointVendor: string;
  readonly chargePointModel: string;
  readonly firmwareVersion: string;
  readonly chargePointSerialNumber?: string;
  readonly meterType?: string;
}

/** Reconnect backoff: first delay, cap. */
export const BACKOFF_BASE_MS = 2_000;
export const BACKOFF_CAP_MS = 300_000;
/** Retry interval for a failed or unanswered BootNotification, or one with interval 0. */
export const BOOT_RETRY_MS = 30_000;

/** Refused attempts with new security settings before falling back to the last working ones. */
export const FALLBACK_AFTER = 3;

/** Settings whose change means a new connection. */
const CONNECTION_KEYS = [
  "BackendConnectionType",
  "CentralSystemUrl",
  "ChargePointId",
  "AuthorizationKey",
  "SecurityProfile",
  "EthernetInterface",
  "WlanInterface",
  "TlsVerifyServer",
  "TlsCaFile",
  "TlsClientCertFile",
  "TlsClientKeyFile",
  "WebSocketProxy",
] as const;

/** The supervisor's state. */
export interface ConnectionState {
  readonly phase: BackendState;
  readonly since: number;
  readonly reason?: string;
  /** The current connection's number; events of older ones are ignored. */
  readonly conn: number;
  /** Failed connection attempts since the last Accepted boot. */
  readonly failures: number;
  /** State of the jitter generator ({@link nextSeed}): the same seed replays the same delays. */
  readonly seed: number;
  /** Attempts in a row whose settings the backend refused (credentials, TLS), for the fallback. */
  readonly refusals: number;
}

/** Message types the connection actor receives. */
const RECEIVES = [
  "system.started",
  "config.changed",
  "ws.opened",
  "ws.closed",
  "ocpp.result",
  "ocpp.failed",
  "trigger",
  "backend.reconnect",
] as const;

/** Messages the supervisor receives. */
export type ConnectionMsg = MessageOf<(typeof RECEIVES)[number]>;

/**
 * The backend URL with the Charge Point identity appended (OCPP-J section
 * 3.1); with Security Profile 2 or 3 the scheme is wss:// (same host and
 * port: the profile is raised over OCPP, the URL is not).
 */
export function endpointUrl(base: string, id: string, securityProfile = 0): string {
  const url = `${base.replace(/\/+$/, "")}/${encodeURIComponent(id)}`;
  return securityProfile >= 2 ? url.replace(/^ws:/i, "wss:") : url;
}

/** Whether new security settings are on trial: a working set is known and differs. */
function onTrial(ctx: Ctx): boolean {
  const c = ctx.config;
  return c.int("FallbackSecurityProfile") >= 0 &&
    (c.int("SecurityProfile") !== c.int("FallbackSecurityProfile") ||
      c.str("AuthorizationKey") !== c.str("FallbackAuthorizationKey"));
}

/**
 * Backoff delay for the n-th failure (1-based), with +-25 % jitter from
 * `seed` (a 32-bit state of {@link nextSeed}; its high 24 bits give the
 * jitter, the LCG's good ones).
 */
export function backoffMs(failures: number, seed: number): number {
  const raw = Math.min(BACKOFF_CAP_MS, BACKOFF_BASE_MS * 2 ** Math.max(0, failures - 1));
  const jitter = ((seed >>> 8) / 2 ** 24 - 0.5) * 0.5; // -0.25 .. +0.25
  return Math.round(raw * (1 + jitter));
}

/**
 * The next state of the jitter generator: the LCG of Numerical Recipes,
 * modulo 2^32 in exact 32-bit integer arithmetic (`Math.imul`), so it never
 * leaves the safe integers and the same seed gives the same delays on every
 * machine.
 */
export function nextSeed(seed: number): number {
  return (Math.imul(seed >>> 0, 1664525) + 1013904223) >>> 0;
}

function enabled(ctx: Ctx): boolean {
  return ctx.config.str("BackendConnectionType") !== "none" &&
    ctx.config.str("CentralSystemUrl") !== "";
}

function enter(
  state: ConnectionState,
  phase: BackendState,
  ctx: Ctx,
  effects: Effect[],
  reason?: string,
): ConnectionState {
  const next: ConnectionState = { ...state, phase, since: ctx.now };
  if (reason !== undefined) (next as { reason?: string }).reason = reason;
  else delete (next as { reason?: string }).reason;
  effects.push({
    type: "backend.state",
    state: phase,
    since: ctx.now,
    ...(reason !== undefined ? { reason } : {}),
  });
  return next;
}

function connect(state: ConnectionState, ctx: Ctx, effects: Effect[]): ConnectionState {
  if (!enabled(ctx)) {
    effects.push({ type: "timer.cancel", id: "heartbeat" }, { type: "timer.cancel", id: "boot" }, {
      type: "timer.cancel",
      id: "reconnect",
    });
    if (state.phase !== "disabled") effects.push({ type: "ws.disconnect" });
    return enter(state, "disabled", ctx, effects, "no backend configured");
  }
  const conn = state.conn + 1;
  effects.push({ type: "ws.connect", conn, url: url(ctx) });
  return enter({ ...state, conn }, "connecting", ctx, effects);
}

function url(ctx: Ctx): string {
  return endpointUrl(
    ctx.config.str("CentralSystemUrl"),
    ctx.config.str("ChargePointId"),
    ctx.config.int("SecurityProfile"),
  );
}

/** Remembers the security settings a connection opened with, when they are new. */
function rememberWorking(ctx: Ctx): Effect[] {
  const c = ctx.config;
  const effects: Effect[] = [];
  if (c.int("FallbackSecurityProfile") !== c.int("SecurityProfile")) {
    effects.push({
      type: "config.write",
      key: "FallbackSecurityProfile",
      value: c.int("SecurityProfile"),
    });
  }
  if (c.str("FallbackAuthorizationKey") !== c.str("AuthorizationKey")) {
    effects.push({
      type: "config.write",
      key: "FallbackAuthorizationKey",
      value: c.str("AuthorizationKey"),
    });
  }
  return effects;
}

/** Goes back to the last working security settings (A05.FR.08). */
function fallBack(ctx: Ctx, reason: string): Effect[] {
  const c = ctx.config;
  const from = c.int("SecurityProfile");
  const to = c.int("FallbackSecurityProfile");
  const effects: Effect[] = [{
    type: "backend.fallback",
    fromProfile: from,
    toProfile: to,
    reason,
    keyRestored: c.str("AuthorizationKey") !== c.str("FallbackAuthorizationKey"),
  }, {
    type: "log",
    level: "warn",
    text: `Backend refused the new connection settings ${FALLBACK_AFTER} times (${reason}): ` +
      `falling back to security profile ${to}${
        c.str("AuthorizationKey") !== c.str("FallbackAuthorizationKey")
          ? " and the previous AuthorizationKey"
          : ""
      }${from !== to ? ` (was ${from})` : ""}`,
  }];
  if (c.str("AuthorizationKey") !== c.str("FallbackAuthorizationKey")) {
    effects.push({
      type: "config.write",
      key: "AuthorizationKey",
      value: c.str("FallbackAuthorizationKey"),
    });
  }
  if (from !== to) effects.push({ type: "config.write", key: "SecurityProfile", value: to });
  return effects;
}

/** The Charge Point's serial number (whitepaper A00.FR.429/511): the setting, else its id. */
export function serialNumber(c: Ctx["config"]): string {
  return c.str("ChargePointSerialNumber") || c.str("ChargePointId");
}

function bootCall(info: BootInfo, ctx: Ctx): Effect {
  const serial = ctx.config.str("ChargePointSerialNumber");
  const payload = { ...info, ...(serial ? { chargePointSerialNumber: serial } : {}) };
  return { type: "ocpp.call", action: "BootNotification", payload };
}

function heartbeatTimer(ctx: Ctx): Effect {
  const s = ctx.config.int("HeartbeatInterval");
  return s > 0
    ? { type: "timer.start", id: "heartbeat", ms: s * 1000 }
    : { type: "timer.cancel", id: "heartbeat" };
}

/** The warning an accepted connection carries when the server's certificate is not verified. */
function unverifiedTls(ctx: Ctx): string | undefined {
  return url(ctx).startsWith("wss:") && !ctx.config.bool("TlsVerifyServer")
    ? "Connected without verifying the server certificate (tlsVerifyServer is off)"
    : undefined;
}

/** The initial state; `seed` starts the jitter generator (the runtime's, printed at start). */
export function initialConnection(ctx: Ctx, seed = 0): ConnectionState {
  return {
    phase: "disabled",
    since: ctx.now,
    conn: 0,
    failures: 0,
    seed: seed >>> 0,
    refusals: 0,
  };
}

/** One transition of the supervisor. */
export function transitionConnection(
  state: ConnectionState,
  msg: ConnectionMsg | TimerFired,
  ctx: Ctx,
  info: BootInfo,
): [ConnectionState, Effect[]] {
  const effects: Effect[] = [];
  switch (msg.type) {
    case "system.started":
      return [connect(state, ctx, effects), effects];
    case "backend.reconnect":
      // "Reconnect now" (local API): a new attempt at once, without waiting for the backoff.
      if (state.phase === "disabled") return [state, []];
      effects.push({ type: "timer.cancel", id: "reconnect" }, {
        type: "timer.cancel",
        id: "heartbeat",
      }, { type: "timer.cancel", id: "boot" });
      return [connect({ ...state, failures: 0 }, ctx, effects), effects];
    case "config.changed":
      if ((CONNECTION_KEYS as readonly string[]).includes(msg.key)) {
        effects.push({ type: "timer.cancel", id: "reconnect" }, {
          type: "timer.cancel",
          id: "heartbeat",
        });
        return [connect({ ...state, failures: 0, refusals: 0 }, ctx, effects), effects];
      }
      if (msg.key === "HeartbeatInterval" && state.phase === "accepted") {
        return [state, [heartbeatTimer(ctx)]];
      }
      return [state, []];
    case "ws.opened": {
      if (msg.conn !== state.conn || state.phase === "disabled") return [state, []];
      effects.push(bootCall(info, ctx));
      const next = enter({ ...state, refusals: 0 }, "booting", ctx, effects);
      effects.push(...rememberWorking(ctx));
      return [next, effects];
    }
    case "ws.closed": {
      if (msg.conn !== state.conn || state.phase === "disabled") return [state, []];
      const failures = state.failures + 1;
      const seed = nextSeed(state.seed);
      const ms = backoffMs(failures, seed);
      effects.push(
        { type: "timer.cancel", id: "heartbeat" },
        { type: "timer.cancel", id: "boot" },
        { type: "timer.start", id: "reconnect", ms },
      );
      if (state.phase === "accepted") effects.push({ type: "backend.lost" });
      const refused = state.phase === "connecting" && refusesSettings(failureKind(msg.reason));
      const refusals = refused ? state.refusals + 1 : 0;
      const next = enter(
        { ...state, failures, seed, refusals },
        "backoff",
        ctx,
        effects,
        msg.reason,
      );
      if (refused && refusals >= FALLBACK_AFTER && onTrial(ctx)) {
        effects.push(...fallBack(ctx, msg.reason));
        return [{ ...next, refusals: 0 }, effects];
      }
      return [next, effects];
    }
    case "timer.fired":
      switch (msg.id) {
        case "reconnect":
          return state.phase === "backoff" ? [connect(state, ctx, effects), effects] : [state, []];
        case "boot":
          return state.phase === "pending" || state.phase === "rejected" ||
              state.phase === "booting"
            ? [state, [bootCall(info, ctx)]]
            : [state, []];
        case "heartbeat":
          return state.phase === "accepted"
            ? [state, [
              { type: "ocpp.call", action: "Heartbeat", payload: {} },
              heartbeatTimer(ctx),
            ]]
            : [state, []];
      }
      return [state, []];
    case "ocpp.result": {
      if (msg.action !== "BootNotification") return [state, []];
      const status = msg.payload.status as string;
      const interval = Number(msg.payload.interval);
      if (status === "Accepted") {
        if (interval > 0 && interval !== ctx.config.int("HeartbeatInterval")) {
          // Section 4.2: on Accepted, interval is the heartbeat interval.
          effects.push({ type: "config.write", key: "HeartbeatInterval", value: interval });
        }
        effects.push(
          { type: "timer.cancel", id: "boot" },
          interval > 0
            ? { type: "timer.start", id: "heartbeat", ms: interval * 1000 }
            : heartbeatTimer(ctx),
        );
        const next = enter(
          { ...state, failures: 0 },
          "accepted",
          ctx,
          effects,
          unverifiedTls(ctx),
        );
        effects.push({ type: "backend.accepted", currentTime: String(msg.payload.currentTime) });
        return [next, effects];
      }
      const phase = status === "Pending" ? "pending" : "rejected";
      effects.push({
        type: "timer.start",
        id: "boot",
        ms: interval > 0 ? interval * 1000 : BOOT_RETRY_MS,
      });
      return [enter(state, phase, ctx, effects, `BootNotification ${status}`), effects];
    }
    case "ocpp.failed":
      if (msg.action !== "BootNotification" || state.phase !== "booting") return [state, []];
      if (msg.code === "Offline") return [state, []];
      return [state, [{ type: "timer.start", id: "boot", ms: BOOT_RETRY_MS }]];
    case "trigger":
      if (
        msg.message === "BootNotification" && state.phase !== "disabled" &&
        state.phase !== "backoff" && state.phase !== "connecting"
      ) {
        return [state.phase === "accepted" ? state : enter(state, "booting", ctx, effects), [
          ...effects,
          bootCall(info, ctx),
        ]];
      }
      if (msg.message === "Heartbeat" && state.phase === "accepted") {
        return [state, [{ type: "ocpp.call", action: "Heartbeat", payload: {} }]];
      }
      return [state, []];
    default:
      return [state, []];
  }
}

/** The connection supervisor actor. */
export function connectionActor(
  info: BootInfo,
  seed = 0,
): ActorLogic<ConnectionState, ConnectionMsg> {
  return {
    name: "connection",
    receives: RECEIVES,
    initial: (ctx) => initialConnection(ctx, seed),
    transition: (s, m, ctx) => transitionConnection(s, m, ctx, info),
  };
}
