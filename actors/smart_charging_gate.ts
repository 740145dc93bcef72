/**
 * The smart charging actor while no charging profile is installed and none
 * has been asked for: a small gate (see the bus's lazy actors) that keeps the
 * full logic (`smart_charging.ts`, `composite_schedule.ts`, ...) out of
 * memory until its first use.
 *
 * - Publishes `sc.limit` exactly as the full actor does without profiles
 *   (`_sc_local.ts`): the installer's MaxCurrentA, the external limit of
 *   `PUT /api/limit` (until it ends, on the injected clock), shared among the
 *   connectors that charge.
 * - Keeps what the full actor needs when it loads: the transaction on each
 *   connector, the external limit, the limits last published.
 * - Loads the full logic (`actor.load`) on SetChargingProfile,
 *   ClearChargingProfile, GetCompositeSchedule and `sc.remote_profile`
 *   (a RemoteStartTransaction with a TxProfile). The runtime spawns it with
 *   `{ load: true }` when profiles are stored.
 *
 * Its `name`, `receives` and `handles` are the full actor's (which imports
 * them from here).
 *
 * @module
 */
import type { ActorLogic, Ctx, Effect, LoadedLogic, TimerFired } from "./bus.ts";
import type { MessageOf } from "./messages.ts";
import type { Installed, LocalLimit } from "./composite_schedule.ts";
import type { CsAction } from "../ocpp/types.ts";
import { externalAt, type LiveLimit, localLimits } from "./_sc_local.ts";

/** The longest the actor sleeps before it looks at the limits again. */
export const RECHECK_MS = 86_400_000;

/** Message types the smart charging actor receives (gate and full logic). */
export const SC_RECEIVES = [
  "ocpp.request",
  "sc.persisted",
  "sc.remote_profile",
  "sc.external_limit",
  "tx.started",
  "tx.confirmed",
  "tx.stopped",
  "config.changed",
  "system.started",
] as const;

/** The OCPP actions it answers. */
export const SC_HANDLES: readonly CsAction[] = [
  "SetChargingProfile",
  "ClearChargingProfile",
  "GetCompositeSchedule",
];

/** Messages the smart charging actor receives. */
export type SmartChargingMsg = MessageOf<(typeof SC_RECEIVES)[number]>;

/** A transaction running on a connector, as smart charging needs it. */
export interface ScSession {
  readonly transactionId: number | null;
  readonly startedAt: number;
}

/** The gate's state; the full actor's state has these fields too. */
export interface ScGateState {
  /** Index = connectorId - 1. */
  readonly sessions: readonly (ScSession | null)[];
  readonly external: LocalLimit | null;
  /** What `sc.limit` last said per connector. */
  readonly published: readonly (LiveLimit | null)[];
}

/** The gate's first state. */
export function initialScGate(ctx: Ctx): ScGateState {
  const n = ctx.config.int("NumberOfConnectors");
  return { sessions: Array(n).fill(null), external: null, published: Array(n).fill(null) };
}

/** Publishes the limits that changed and sets the timer to the external limit's end. */
function reevaluate(s: ScGateState, ctx: Ctx, effects: Effect[]): ScGateState {
  const sessions = new Map<number, number>();
  s.sessions.forEach((x, i) => x && sessions.set(i + 1, x.startedAt));
  const external = externalAt(s.external, ctx.now);
  const limits = localLimits({
    now: ctx.now,
    connectors: s.sessions.length,
    sessions,
    ratingA: ctx.config.int("MaxCurrentA"),
    external,
  });
  const published = limits.map((l, i) => {
    const before = s.published[i];
    if (before?.currentA !== l.currentA || before.source !== l.source) {
      effects.push({ type: "sc.limit", connectorId: i + 1, ...l });
    }
    return l;
  });
  const horizon = ctx.now + RECHECK_MS;
  const until = external?.until;
  const next = until !== undefined && until > ctx.now && until < horizon ? until : horizon;
  effects.push({ type: "timer.start", id: "boundary", ms: next - ctx.now });
  return { ...s, published, external };
}

/** One transition of the gate. */
export function transitionScGate(
  s: ScGateState,
  msg: SmartChargingMsg | TimerFired,
  ctx: Ctx,
): [ScGateState, Effect[]] {
  const at = (id: number) => id >= 1 && id <= s.sessions.length;
  const withSession = (id: number, v: ScSession | null) => {
    const sessions = [...s.sessions];
    sessions[id - 1] = v;
    return { ...s, sessions };
  };
  let next = s;
  switch (msg.type) {
    case "ocpp.request":
    case "sc.remote_profile":
      // Profiles are asked for: the full logic takes this message and the rest.
      return [s, [{ type: "actor.load" }]];
    case "sc.persisted":
      // Only the full logic asks the store.
      return [s, []];
    case "sc.external_limit":
      next = { ...s, external: msg.limit };
      break;
    case "tx.started":
      if (!at(msg.connectorId)) return [s, []];
      next = withSession(msg.connectorId, { transactionId: null, startedAt: msg.timestamp });
      break;
    case "tx.confirmed": {
      const cur = at(msg.connectorId) ? s.sessions[msg.connectorId - 1] : null;
      if (!cur) return [s, []];
      return [withSession(msg.connectorId, { ...cur, transactionId: msg.transactionId }), []];
    }
    case "tx.stopped":
      if (!at(msg.connectorId)) return [s, []];
      next = withSession(msg.connectorId, null);
      break;
    case "config.changed":
      if (msg.key !== "MaxCurrentA") return [s, []];
      break;
    case "system.started":
      break;
    case "timer.fired":
      if (msg.id !== "boundary") return [s, []];
      break;
  }
  const effects: Effect[] = [];
  return [reevaluate(next, ctx, effects), effects];
}

/**
 * The smart charging actor as a gate; `profiles` (those of the store) go to
 * the full logic when it loads (at once when there are any: spawn it with
 * `{ load: true }`).
 */
export function smartChargingGate(
  profiles: readonly Installed[] = [],
): ActorLogic<ScGateState, SmartChargingMsg> {
  return {
    name: "smart_charging",
    receives: SC_RECEIVES,
    handles: SC_HANDLES,
    initial: initialScGate,
    transition: transitionScGate,
    load: (): Promise<LoadedLogic<ScGateState>> =>
      import("./smart_charging.ts").then((m) => m.loadedSmartCharging(profiles)),
  };
}
