/**
 * The relay actor: the contactor is closed only while a transaction runs on
 * the connector, the EV is connected (IEC 61851 state B or C) and the
 * connector is not faulted, nor the whole charge point (a fault of connector
 * 0, OCPP 1.6 section 4.9). Everything else opens it.
 *
 * A transaction whose idTag the Central System did not accept, with
 * StopTransactionOnInvalidId false, gets no more energy (`tx.deauthorized`,
 * OCPP 1.6 errata 3.17), except up to MaxEnergyOnInvalidId Wh (section
 * 9.1.14, "so the EV is able to drive away"): counted over the whole
 * transaction from its meterStart, so energy already delivered (for example
 * offline, before the Central System answered) counts; a transaction past
 * the limit stops drawing at once.
 *
 * Receives `tx.started`, `tx.deauthorized`, `tx.stopping`, `tx.stopped`,
 * `hw.ev_state`, `hw.meter`, `hw.fault`, `hw.fault_cleared`. Emits
 * `hw.set_relay`.
 *
 * @module
 */
import type { ActorLogic, Ctx, Effect, TimerFired } from "./bus.ts";
import type { EvState, MessageOf } from "./messages.ts";

/** What the relay actor knows of one connector. */
export interface RelayConnector {
  readonly energize: boolean;
  readonly ev: EvState;
  readonly faulted: boolean;
  /** The whole charge point (connector 0) is faulted (section 4.9). */
  readonly cpFaulted?: boolean;
  /** What was last commanded. */
  readonly closed: boolean;
  /** Energy register, Wh. */
  readonly meterWh?: number;
  /** The running transaction's meterStart, Wh. */
  readonly startWh?: number;
  /** Energy stops when the register reaches this (MaxEnergyOnInvalidId), Wh. */
  readonly limitWh?: number;
}

/** The relay actor's state; index = connectorId - 1. */
export interface RelayState {
  readonly connectors: readonly RelayConnector[];
}

/** Message types the relay actor receives. */
const RECEIVES = [
  "tx.started",
  "tx.deauthorized",
  "tx.stopping",
  "tx.stopped",
  "hw.ev_state",
  "hw.meter",
  "hw.fault",
  "hw.fault_cleared",
] as const;

/** Messages the relay actor receives. */
export type RelayMsg = MessageOf<(typeof RECEIVES)[number]>;

/** The initial state: all open. */
export function initialRelay(ctx: Ctx): RelayState {
  return {
    connectors: Array.from({ length: ctx.config.int("NumberOfConnectors") }, () => ({
      energize: false,
      ev: "A" as EvState,
      faulted: false,
      closed: false,
    })),
  };
}

/** Whether the contactor of a connector should be closed. */
export function shouldClose(c: RelayConnector): boolean {
  return c.energize && !c.faulted && !c.cpFaulted && (c.ev === "B" || c.ev === "C");
}

function withoutLimit(c: RelayConnector): RelayConnector {
  const { limitWh: _, ...rest } = c;
  return rest;
}

/** One transition of the relay actor. */
export function transitionRelay(
  state: RelayState,
  msg: RelayMsg | TimerFired,
  ctx: Ctx,
  chargePoint = false,
): [RelayState, Effect[]] {
  if (msg.type === "timer.fired") return [state, []];
  if ((msg.type === "hw.fault" || msg.type === "hw.fault_cleared") && msg.connectorId === 0) {
    // The whole charge point (section 4.9): every contactor follows.
    let next = state;
    const effects: Effect[] = [];
    for (let i = 0; i < state.connectors.length; i++) {
      const [s, e] = transitionRelay(next, { ...msg, connectorId: i + 1 }, ctx, true);
      next = s;
      effects.push(...e);
    }
    return [next, effects];
  }
  const id = msg.connectorId;
  const old = state.connectors[id - 1];
  if (!old) return [state, []];
  let c: RelayConnector = old;
  switch (msg.type) {
    case "tx.started":
      c = withoutLimit({ ...c, energize: true, startWh: msg.meterStartWh });
      break;
    case "tx.deauthorized": {
      const max = ctx.config.int("MaxEnergyOnInvalidId");
      if (!c.energize || max <= 0 || c.startWh === undefined) {
        c = { ...c, energize: false };
        break;
      }
      const limitWh = c.startWh + max;
      c = { ...c, limitWh, energize: (c.meterWh ?? c.startWh) < limitWh };
      break;
    }
    case "tx.stopping":
    case "tx.stopped":
      c = withoutLimit({ ...c, energize: false });
      break;
    case "hw.meter":
      c = { ...c, meterWh: msg.wh };
      if (c.limitWh !== undefined && msg.wh >= c.limitWh) c = { ...c, energize: false };
      break;
    case "hw.ev_state":
      c = { ...c, ev: msg.state };
      break;
    case "hw.fault":
      c = chargePoint ? { ...c, cpFaulted: true } : { ...c, faulted: true };
      break;
    case "hw.fault_cleared":
      c = chargePoint ? { ...c, cpFaulted: false } : { ...c, faulted: false };
      break;
  }
  const effects: Effect[] = [];
  const want = shouldClose(c);
  // Opening is always commanded on a stop, so the transaction actor gets its confirmation.
  if (want !== c.closed || (msg.type === "tx.stopping" && !want)) {
    effects.push({ type: "hw.set_relay", connectorId: id, closed: want });
    c = { ...c, closed: want };
  }
  const connectors = [...state.connectors];
  connectors[id - 1] = c;
  return [{ connectors }, effects];
}

/** The relay actor. */
export const relayActor: ActorLogic<RelayState, RelayMsg> = {
  name: "relay",
  receives: RECEIVES,
  initial: initialRelay,
  transition: (s, m, ctx) => transitionRelay(s, m, ctx),
};
