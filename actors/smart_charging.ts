/**
 * The smart charging actor (OCPP 1.6 sections 3.13, 5.5, 5.7, 5.16): the
 * installed charging profiles, the composite schedule, and the current each
 * connector may offer.
 *
 * - SetChargingProfile: checked (`_sc_validate.ts`: Rejected, or CALLERROR
 *   PropertyConstraintViolation for an unknown connector, errata 3.39); a
 *   profile replaces the one with the same chargingProfileId, or the same
 *   stackLevel and purpose on the same connector (sections 3.13.2, 5.16.3);
 *   at most MaxChargingProfilesInstalled, counted after the replacement.
 *   Accepted only once the store has it (`sc.persist` -> `sc.persisted`).
 * - ClearChargingProfile (errata 3.25, 3.26): an id clears that profile
 *   whatever the other fields; otherwise the given fields are ANDed, none
 *   clears all; stackLevel 0 is a value. Unknown when nothing matched.
 * - GetCompositeSchedule: `composite_schedule.ts` from the moment of
 *   receipt for `duration` seconds (at most {@link MAX_COMPOSITE_S}), in
 *   the requested unit (A when absent);
 *   an unknown connector is Rejected (section 5.7).
 * - RemoteStartTransaction's TxProfile (`sc.remote_profile`, checked by the
 *   transaction actor) is installed when that session's transaction starts.
 * - TxProfiles are deleted when their transaction ends (section 3.13.1).
 * - Limits: after every change (profiles, transactions, a period boundary
 *   on the injected clock, the installer's MaxCurrentA, the external limit)
 *   `sc.limit` is published for each connector whose limit changed
 *   (`_sc_limits.ts`): the pilot offers it, the meter reports it.
 *
 * Loaded at first use: until a profile is stored or asked for, the actor
 * runs as `smart_charging_gate.ts`, and this logic starts from the gate's
 * state ({@link loadedSmartCharging}).
 *
 * Handles SetChargingProfile, ClearChargingProfile, GetCompositeSchedule.
 * Receives `ocpp.request`, `sc.persisted`, `sc.remote_profile`,
 * `sc.external_limit`, `tx.started`, `tx.confirmed`, `tx.stopped`,
 * `config.changed`, `system.started`. Emits `sc.persist`, `sc.limit`,
 * `ocpp.reply`, `ocpp.reply_error`, `log`.
 *
 * @module
 */
import type { ActorLogic, Ctx, Effect, LoadedLogic, TimerFired } from "./bus.ts";
import { type MessageOf, type ProfileChange, reply } from "./messages.ts";
import type { V16 } from "../ocpp/types.ts";
import {
  type ChargingProfile,
  compositeSchedule,
  type Installed,
  type LocalLimit,
  nextChange,
} from "./composite_schedule.ts";
import { checkSetProfile } from "./_sc_validate.ts";
import { type LiveLimit, liveLimits } from "./_sc_limits.ts";
import { idKey } from "./auth_decision.ts";
import { applyChange, matching, replacedBy, sessionsMap } from "./_sc_profiles.ts";
import {
  RECHECK_MS,
  SC_HANDLES,
  SC_RECEIVES,
  type ScGateState,
  type ScSession,
  type SmartChargingMsg,
} from "./smart_charging_gate.ts";

export { applyChange, matching, RECHECK_MS, replacedBy, type ScSession, type SmartChargingMsg };

/**
 * The longest composite schedule computed (31 days): a longer request is
 * answered for this long, its `duration` saying so (a Daily profile over
 * years would be hundreds of thousands of periods).
 */
export const MAX_COMPOSITE_S = 31 * 86_400;

/** A change waiting for the store, and the answer it gets then. */
interface Waiting {
  readonly ref: string;
  readonly change: ProfileChange;
  readonly id: string;
  readonly action: "SetChargingProfile" | "ClearChargingProfile";
}

/** The smart charging actor's state (the gate's fields and more). */
export interface SmartChargingState extends ScGateState {
  readonly profiles: readonly Installed[];
  /** Index = connectorId - 1. */
  readonly sessions: readonly (ScSession | null)[];
  /** A RemoteStartTransaction's TxProfile, until its transaction starts. */
  readonly remote:
    readonly ({ readonly idTag: string; readonly profile: ChargingProfile } | null)[];
  readonly external: LocalLimit | null;
  readonly waiting: readonly Waiting[];
  readonly seq: number;
  /** What `sc.limit` last said per connector. */
  readonly published: readonly (LiveLimit | null)[];
  /**
   * Just loaded from the gate ({@link fromGate}): the gate's timer ended
   * with it, the first transition sets this actor's.
   */
  readonly rearm?: true;
}

/** The initial state, with the profiles of the store. */
export function initialSmartCharging(
  ctx: Ctx,
  profiles: readonly Installed[] = [],
): SmartChargingState {
  const n = ctx.config.int("NumberOfConnectors");
  return {
    profiles,
    sessions: Array(n).fill(null),
    remote: Array(n).fill(null),
    external: null,
    waiting: [],
    seq: 0,
    published: Array(n).fill(null),
  };
}

/** Publishes the limits that changed and sets the timer to the next boundary. */
function reevaluate(s: SmartChargingState, ctx: Ctx, effects: Effect[]): SmartChargingState {
  const sessions = sessionsMap(s);
  const external = s.external && (s.external.until === undefined || s.external.until > ctx.now)
    ? s.external
    : null;
  const limits = liveLimits({
    profiles: s.profiles,
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
  const next = nextChange(
    s.profiles,
    sessions,
    external ? [external] : [],
    ctx.now,
    ctx.now + RECHECK_MS,
  );
  effects.push({
    type: "timer.start",
    id: "boundary",
    ms: (next ?? ctx.now + RECHECK_MS) - ctx.now,
  });
  return { ...s, published, external };
}

type Request = MessageOf<"ocpp.request">;

function onRequest(s: SmartChargingState, msg: Request, ctx: Ctx, effects: Effect[]) {
  const n = s.sessions.length;
  switch (msg.action) {
    case "SetChargingProfile": {
      const answer = (payload: V16.SetChargingProfileResponse) =>
        effects.push(reply(msg.id, msg.action, payload));
      const req = msg.payload;
      const p = req.csChargingProfiles;
      const session = s.sessions[req.connectorId - 1] ?? undefined;
      const refused = checkSetProfile(req.connectorId, p, {
        config: ctx.config,
        now: ctx.now,
        tx: session,
      });
      if (refused) {
        effects.push({
          type: "log",
          level: "info",
          text: `SetChargingProfile refused: ${refused.reason}`,
        });
        if (refused.callError) {
          effects.push({
            type: "ocpp.reply_error",
            id: msg.id,
            code: refused.callError,
            description: refused.reason,
          });
        } else answer({ status: "Rejected" });
        return s;
      }
      const installed: Installed = {
        connectorId: req.connectorId,
        profile: p,
        installedAt: ctx.now,
      };
      const replaces = replacedBy(s.profiles, installed);
      const max = ctx.config.int("MaxChargingProfilesInstalled");
      if (s.profiles.length - replaces.length + 1 > max) {
        effects.push({
          type: "log",
          level: "info",
          text: `SetChargingProfile refused: MaxChargingProfilesInstalled ${max} reached`,
        });
        answer({ status: "Rejected" });
        return s;
      }
      return persist(s, { kind: "put", installed, replaces }, msg, effects);
    }
    case "ClearChargingProfile": {
      const req = msg.payload;
      const found = matching(s.profiles, req);
      if (found.length === 0) {
        effects.push(reply(msg.id, msg.action, { status: "Unknown" }));
        return s;
      }
      const ids = found.map((i) => i.profile.chargingProfileId);
      return persist(s, { kind: "delete", ids }, msg, effects);
    }
    case "GetCompositeSchedule": {
      const answer = (payload: V16.GetCompositeScheduleResponse) =>
        effects.push(reply(msg.id, msg.action, payload));
      const req = msg.payload;
      if (req.connectorId < 0 || req.connectorId > n || req.duration < 0) {
        answer({ status: "Rejected" });
        return s;
      }
      const c = compositeSchedule({
        profiles: s.profiles,
        now: ctx.now,
        connectorId: req.connectorId,
        durationS: Math.min(req.duration, MAX_COMPOSITE_S),
        unit: req.chargingRateUnit ?? "A",
        connectors: n,
        sessions: sessionsMap(s),
        ratingA: ctx.config.int("MaxCurrentA"),
        local: s.external ? [s.external] : [],
      });
      const start = new Date(c.start).toISOString();
      answer(
        {
          status: "Accepted",
          connectorId: req.connectorId,
          scheduleStart: start,
          chargingSchedule: {
            duration: c.durationS,
            startSchedule: start,
            chargingRateUnit: c.unit,
            chargingSchedulePeriod: c.periods.map((p) => ({ ...p })),
          },
        },
      );
      return s;
    }
  }
  return s;
}

function persist(
  s: SmartChargingState,
  change: ProfileChange,
  msg: Extract<Request, { action: Waiting["action"] }>,
  effects: Effect[],
): SmartChargingState {
  const ref = `sc:${s.seq}`;
  effects.push({ type: "sc.persist", change, ref });
  return {
    ...s,
    seq: s.seq + 1,
    waiting: [...s.waiting, { ref, change, id: msg.id, action: msg.action }],
  };
}

/** One transition of the smart charging actor. */
export function transitionSmartCharging(
  state: SmartChargingState,
  msg: SmartChargingMsg | TimerFired,
  ctx: Ctx,
): [SmartChargingState, Effect[]] {
  const [s, effects] = step(state, msg, ctx);
  if (!s.rearm) return [s, effects];
  const { rearm: _, ...rest } = s;
  const armed = effects.some((e) => e.type === "timer.start" && e.id === "boundary");
  return [armed ? rest : reevaluate(rest, ctx, effects), effects];
}

function step(
  state: SmartChargingState,
  msg: SmartChargingMsg | TimerFired,
  ctx: Ctx,
): [SmartChargingState, Effect[]] {
  const effects: Effect[] = [];
  let s = state;
  const at = (id: number) => id >= 1 && id <= s.sessions.length;
  const patch = <K extends "sessions" | "remote">(
    key: K,
    id: number,
    v: SmartChargingState[K][number],
  ) => {
    const list = [...s[key]] as SmartChargingState[K][number][];
    list[id - 1] = v;
    s = { ...s, [key]: list };
  };
  switch (msg.type) {
    case "ocpp.request":
      s = onRequest(s, msg, ctx, effects);
      // Nothing changes until the store answers.
      return [s, effects];
    case "sc.persisted": {
      const w = s.waiting.find((x) => x.ref === msg.ref);
      if (!w) return [s, []];
      s = { ...s, waiting: s.waiting.filter((x) => x !== w) };
      if (!msg.ok) {
        if (w.action === "SetChargingProfile") {
          effects.push(reply(w.id, w.action, { status: "Rejected" }));
        } else {
          effects.push({
            type: "ocpp.reply_error",
            id: w.id,
            code: "InternalError",
            description: "cannot store the change",
          });
        }
        return [s, effects];
      }
      const c = w.change;
      if (
        c.kind === "put" && c.installed.profile.chargingProfilePurpose === "TxProfile" &&
        !s.sessions[c.installed.connectorId - 1]
      ) {
        // Its transaction ended while it was being stored: it must not reach the next one.
        const ids = [c.installed.profile.chargingProfileId];
        effects.push({ type: "sc.persist", change: { kind: "delete", ids } });
        effects.push(reply(w.id, w.action, { status: "Rejected" }));
        return [s, effects];
      }
      s = { ...s, profiles: applyChange(s.profiles, c) };
      effects.push(reply(w.id, w.action, { status: "Accepted" }));
      break;
    }
    case "sc.remote_profile":
      if (!at(msg.connectorId)) return [s, []];
      patch("remote", msg.connectorId, { idTag: msg.idTag, profile: msg.profile });
      return [s, []];
    case "sc.external_limit":
      s = { ...s, external: msg.limit };
      break;
    case "tx.started": {
      if (!at(msg.connectorId)) return [s, []];
      patch("sessions", msg.connectorId, { transactionId: null, startedAt: msg.timestamp });
      const remote = s.remote[msg.connectorId - 1];
      patch("remote", msg.connectorId, null);
      if (remote && idKey(remote.idTag) === idKey(msg.idTag)) {
        // Section 5.16.2: the RemoteStartTransaction's profile is this transaction's TxProfile.
        const installed: Installed = {
          connectorId: msg.connectorId,
          profile: remote.profile,
          installedAt: ctx.now,
        };
        const change: ProfileChange = {
          kind: "put",
          installed,
          replaces: replacedBy(s.profiles, installed),
        };
        effects.push({ type: "sc.persist", change });
        s = { ...s, profiles: applyChange(s.profiles, change) };
      }
      break;
    }
    case "tx.confirmed": {
      const cur = at(msg.connectorId) ? s.sessions[msg.connectorId - 1] : null;
      if (cur) patch("sessions", msg.connectorId, { ...cur, transactionId: msg.transactionId });
      return [s, []];
    }
    case "tx.stopped": {
      if (!at(msg.connectorId)) return [s, []];
      patch("sessions", msg.connectorId, null);
      const ids = s.profiles.filter((i) =>
        i.connectorId === msg.connectorId && i.profile.chargingProfilePurpose === "TxProfile"
      ).map((i) => i.profile.chargingProfileId);
      if (ids.length > 0) {
        // Section 3.13.1: a TxProfile ends with its transaction.
        const change: ProfileChange = { kind: "delete", ids };
        effects.push({ type: "sc.persist", change });
        s = { ...s, profiles: applyChange(s.profiles, change) };
      }
      break;
    }
    case "config.changed":
      if (msg.key !== "MaxCurrentA") return [s, []];
      break;
    case "system.started":
      break;
    case "timer.fired":
      if (msg.id !== "boundary") return [s, []];
      break;
  }
  return [reevaluate(s, ctx, effects), effects];
}

/** The smart charging actor with the profiles of the store. */
export function smartChargingActor(
  profiles: readonly Installed[] = [],
): ActorLogic<SmartChargingState, SmartChargingMsg> {
  return {
    name: "smart_charging",
    receives: SC_RECEIVES,
    handles: SC_HANDLES,
    initial: (ctx) => initialSmartCharging(ctx, profiles),
    transition: transitionSmartCharging,
  };
}

/** The full state, once loaded, from the gate's (`smart_charging_gate.ts`) and the stored profiles. */
export function fromGate(g: ScGateState, profiles: readonly Installed[]): SmartChargingState {
  const n = g.sessions.length;
  return {
    profiles,
    sessions: g.sessions,
    remote: Array(n).fill(null),
    external: g.external,
    waiting: [],
    seq: 0,
    published: g.published,
    rearm: true,
  };
}

/** What the gate loads: this logic, its state from the gate's. */
export function loadedSmartCharging(profiles: readonly Installed[]): LoadedLogic<ScGateState> {
  return { logic: smartChargingActor(profiles), from: (g) => fromGate(g, profiles) };
}
