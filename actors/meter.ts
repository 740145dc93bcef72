/**
 * The meter actor: MeterValues.req (OCPP 1.6 section 4.7).
 *
 * - Sampled values every MeterValueSampleInterval seconds while a
 *   transaction runs, counted from its start (0 = none), context
 *   `Sample.Periodic`, one sampledValue per measurand of
 *   MeterValuesSampledData (section 9.1.17; Energy.Active.Import.Register
 *   when empty). A new interval applies from the moment it is set.
 * - Clock-aligned values every ClockAlignedDataInterval seconds from
 *   midnight UTC, context `Sample.Clock`, MeterValuesAlignedData (OCTT
 *   TC_071). When the clock is set from the Central System's time
 *   (`clock.set`), the next aligned instant is found on the new time; a
 *   timer that fires before its instant (timers run on a monotonic clock,
 *   the time is the wall clock's) waits for the rest.
 * - Current.Import (A) and Voltage (V, against neutral) per phase: one
 *   sampledValue each for L1, L2, L3 (`phase` L1-L3 and L1-N to L3-N,
 *   sections 3.16.3 and 7.31), or only the phase named (`Voltage.L1`,
 *   section 9.1.17); left out while the meter gives no phase values.
 * - Current.Offered (A per phase) and Power.Offered (that current on 3
 *   phases at 230 V, W) report the smart charging limit (`sc.limit`).
 * - TriggerMessage(MeterValues): context `Trigger`.
 * - Values of a transaction go out with its local number (`tx`): the rpc
 *   actor queues them in the durable outbox and adds the transactionId when
 *   they are sent, so samples taken offline, before the Central System
 *   assigned the id, are delivered too (section 3.7, OCTT TC_036).
 *   Clock-aligned values are transaction-related too (section 3.7): the
 *   rpc actor queues them in the outbox, with or without a transaction.
 * - The last reading of a running transaction is journaled
 *   (`store.tx_meter`) before every MeterValues of it and at least every
 *   {@link METER_JOURNAL_MS} while the register moves: after a power loss
 *   the transaction is stopped with that reading, never below a value the
 *   Central System already has.
 *
 * Receives `hw.meter`, `sc.limit`, `tx.started`, `tx.confirmed`, `tx.stopped`,
 * `trigger`, `config.changed`, `system.started`, `clock.set`. Emits
 * `store.tx_meter`, `ocpp.call` (MeterValues).
 *
 * @module
 */
import type { ActorLogic, Ctx, Effect, TimerFired } from "./bus.ts";
import type { MessageOf } from "./messages.ts";
import type { CpRequest } from "../ocpp/types.ts";
import type { StrKey } from "../config/registry.ts";
import { DEFAULT_PHASES, LINE_VOLTAGE } from "./_sc_local.ts";

/** A measurand of MeterValues.req (section 7.31). */
type Measurand = NonNullable<
  CpRequest<"MeterValues">["meterValue"][number]["sampledValue"][number]["measurand"]
>;
/** A unit of measure of MeterValues.req (section 7.45). */
type Unit = NonNullable<
  CpRequest<"MeterValues">["meterValue"][number]["sampledValue"][number]["unit"]
>;
/** A phase of MeterValues.req (section 7.34). */
type Phase = NonNullable<
  CpRequest<"MeterValues">["meterValue"][number]["sampledValue"][number]["phase"]
>;

/** Current and voltage of L1-L3, as the meter last measured them. */
export interface PhaseValues {
  readonly currentA: readonly [number, number, number];
  readonly voltageV: readonly [number, number, number];
}

/** A running transaction's reading is journaled at least this often while the register moves. */
export const METER_JOURNAL_MS = 60_000;

/** What the meter actor knows of one connector. */
export interface MeterConnector {
  readonly wh: number;
  readonly w: number;
  /** Current and voltage per phase from the last reading; null when the meter does not measure them. */
  readonly phases?: PhaseValues | null;
  /** The current the connector offers (smart charging), A per phase; null until told. */
  readonly offeredA?: number | null;
  readonly inTransaction: boolean;
  readonly transactionId: number | null;
  /** Local number of the running transaction. */
  readonly tx: number | null;
  /** When its reading was last journaled. */
  readonly journaledAt: number;
}

/** The meter actor's state; index = connectorId - 1. */
export interface MeterState {
  readonly connectors: readonly MeterConnector[];
}

/** Message types the meter actor receives. */
const RECEIVES = [
  "hw.meter",
  "sc.limit",
  "tx.started",
  "tx.confirmed",
  "tx.stopped",
  "trigger",
  "config.changed",
  "system.started",
  "clock.set",
] as const;

/** Messages the meter actor receives. */
export type MeterMsg = MessageOf<(typeof RECEIVES)[number]>;

type Context = "Sample.Periodic" | "Sample.Clock" | "Trigger";

/** One sampled value before context, format and location are added. */
interface Sample {
  readonly measurand: Measurand;
  readonly value: string;
  readonly unit: Unit;
  readonly phase?: Phase;
}

/** `Current.Import` or `Voltage`, optionally with one phase (`Voltage.L1`, section 9.1.17). */
const PER_PHASE = /^(Current\.Import|Voltage)(?:\.(L[123]))?$/;

/** A number of A or V with at most 2 decimals. */
const decimal = (n: number) => String(Math.round(n * 100) / 100);

/**
 * The sampled values of one measurand: one for the totals, one per phase
 * (L1-L3) for Current.Import and Voltage (against neutral: L1-N ...), none
 * of those when the meter gives no phase values.
 */
function sample(
  m: string,
  c: Pick<MeterConnector, "wh" | "w" | "offeredA" | "phases">,
): Sample[] {
  const offered = c.offeredA ?? 0;
  const perPhase = PER_PHASE.exec(m);
  if (perPhase) {
    const p = c.phases;
    if (!p) return [];
    const measurand = perPhase[1] as "Current.Import" | "Voltage";
    const which = perPhase[2] ? [Number(perPhase[2][1]) - 1] : [0, 1, 2];
    return which.map((i) =>
      measurand === "Voltage"
        ? { measurand, value: decimal(p.voltageV[i]!), unit: "V", phase: `L${i + 1}-N` as Phase }
        : { measurand, value: decimal(p.currentA[i]!), unit: "A", phase: `L${i + 1}` as Phase }
    );
  }
  switch (m) {
    case "Power.Active.Import":
      return [{ measurand: m, value: String(Math.floor(c.w)), unit: "W" }];
    case "Current.Offered":
      return [{ measurand: m, value: String(offered), unit: "A" }];
    case "Power.Offered":
      return [{
        measurand: m,
        value: String(Math.floor(offered * LINE_VOLTAGE * DEFAULT_PHASES)),
        unit: "W",
      }];
    default:
      return [{
        measurand: "Energy.Active.Import.Register",
        value: String(Math.floor(c.wh)),
        unit: "Wh",
      }];
  }
}

/** Builds one MeterValues.req payload. */
export function meterValues(
  connectorId: number,
  c: Pick<
    MeterConnector,
    "wh" | "w" | "inTransaction" | "transactionId" | "offeredA" | "phases"
  >,
  measurands: readonly string[],
  context: Context,
  now: number,
): CpRequest<"MeterValues"> {
  // The registry accepts only measurands this meter has (section 3.16.4).
  let samples = (measurands.length ? measurands : ["Energy.Active.Import.Register"]).flatMap((m) =>
    sample(m, c)
  );
  // Only per-phase measurands, and the meter gave none: the register, never an empty MeterValues.
  if (samples.length === 0) samples = sample("Energy.Active.Import.Register", c);
  const sampledValue = samples.map(({ measurand, value, unit, phase }) => ({
    value,
    context,
    format: "Raw" as const,
    measurand,
    ...(phase ? { phase } : {}),
    location: "Outlet" as const,
    unit,
  }));
  return {
    connectorId,
    ...(c.inTransaction && c.transactionId !== null ? { transactionId: c.transactionId } : {}),
    meterValue: [{ timestamp: new Date(now).toISOString(), sampledValue }],
  };
}

function list(ctx: Ctx, key: StrKey): string[] {
  return ctx.config.str(key).split(",").map((s) => s.trim()).filter(Boolean);
}

/** The timer to the next aligned instant, or its cancellation. */
function alignedTimer(ctx: Ctx): Effect {
  const s = ctx.config.int("ClockAlignedDataInterval");
  if (s <= 0) return { type: "timer.cancel", id: "aligned" };
  const period = s * 1000;
  return { type: "timer.start", id: "aligned", ms: period - (ctx.now % period) };
}

/** The initial state. */
export function initialMeter(ctx: Ctx): MeterState {
  return {
    connectors: Array.from({ length: ctx.config.int("NumberOfConnectors") }, () => ({
      wh: 0,
      w: 0,
      phases: null,
      inTransaction: false,
      transactionId: null,
      tx: null,
      journaledAt: 0,
    })),
  };
}

/** One transition of the meter actor. */
export function transitionMeter(
  state: MeterState,
  msg: MeterMsg | TimerFired,
  ctx: Ctx,
): [MeterState, Effect[]] {
  const connectors = [...state.connectors];
  const effects: Effect[] = [];
  const patch = (id: number, p: Partial<MeterConnector>) => {
    connectors[id - 1] = { ...connectors[id - 1]!, ...p };
  };
  const journal = (id: number) => {
    const c = connectors[id - 1]!;
    if (!c.inTransaction || c.tx === null) return;
    effects.push({ type: "store.tx_meter", tx: c.tx, wh: Math.floor(c.wh), timestamp: ctx.now });
    patch(id, { journaledAt: ctx.now });
  };
  const send = (id: number, context: Context, key: StrKey) => {
    const c = connectors[id - 1]!;
    journal(id);
    // A transaction's values carry its local number; the rpc actor adds the transactionId.
    const queued = c.inTransaction && c.tx !== null;
    effects.push({
      type: "ocpp.call",
      action: "MeterValues",
      payload: meterValues(
        id,
        queued ? { ...c, transactionId: null } : c,
        list(ctx, key),
        context,
        ctx.now,
      ),
      ...(queued ? { tx: c.tx! } : {}),
    });
  };
  const sampleMs = ctx.config.int("MeterValueSampleInterval") * 1000;
  switch (msg.type) {
    case "system.started":
    case "clock.set":
      effects.push(alignedTimer(ctx));
      break;
    case "config.changed":
      if (msg.key === "ClockAlignedDataInterval") effects.push(alignedTimer(ctx));
      if (msg.key !== "MeterValueSampleInterval") break;
      connectors.forEach((c, i) => {
        if (!c.inTransaction) return;
        effects.push(
          sampleMs > 0
            ? { type: "timer.start", id: `sample:${i + 1}`, ms: sampleMs }
            : { type: "timer.cancel", id: `sample:${i + 1}` },
        );
      });
      break;
    case "hw.meter": {
      const c = connectors[msg.connectorId - 1];
      if (!c) break;
      patch(msg.connectorId, { wh: msg.wh, w: msg.w, phases: msg.phases ?? null });
      const moved = Math.floor(msg.wh) !== Math.floor(c.wh);
      if (moved && ctx.now - c.journaledAt >= METER_JOURNAL_MS) journal(msg.connectorId);
      break;
    }
    case "sc.limit":
      if (connectors[msg.connectorId - 1]) patch(msg.connectorId, { offeredA: msg.currentA });
      break;
    case "tx.started":
      if (!connectors[msg.connectorId - 1]) break;
      patch(msg.connectorId, {
        inTransaction: true,
        transactionId: null,
        tx: msg.tx ?? null,
        journaledAt: ctx.now,
      });
      if (sampleMs > 0) {
        effects.push({ type: "timer.start", id: `sample:${msg.connectorId}`, ms: sampleMs });
      }
      break;
    case "tx.confirmed":
      if (connectors[msg.connectorId - 1]) {
        patch(msg.connectorId, { transactionId: msg.transactionId });
      }
      break;
    case "tx.stopped":
      if (!connectors[msg.connectorId - 1]) break;
      patch(msg.connectorId, { inTransaction: false, transactionId: null, tx: null });
      effects.push({ type: "timer.cancel", id: `sample:${msg.connectorId}` });
      break;
    case "trigger":
      if (msg.message !== "MeterValues") break;
      for (let id = 1; id <= connectors.length; id++) {
        if (msg.connectorId === undefined || msg.connectorId === 0 || msg.connectorId === id) {
          send(id, "Trigger", "MeterValuesSampledData");
        }
      }
      break;
    case "timer.fired":
      if (msg.id === "aligned") {
        const period = ctx.config.int("ClockAlignedDataInterval") * 1000;
        // Past the half of a period, the timer fired early: alignedTimer() waits for the rest.
        if (period > 0 && ctx.now % period <= period / 2) {
          for (let id = 1; id <= connectors.length; id++) {
            send(id, "Sample.Clock", "MeterValuesAlignedData");
          }
        }
        effects.push(alignedTimer(ctx));
      } else if (msg.id.startsWith("sample:")) {
        const id = Number(msg.id.slice(7));
        if (connectors[id - 1]?.inTransaction && sampleMs > 0) {
          send(id, "Sample.Periodic", "MeterValuesSampledData");
          effects.push({ type: "timer.start", id: msg.id, ms: sampleMs });
        }
      }
      break;
  }
  return [{ connectors }, effects];
}

/** The meter actor. */
export const meterActor: ActorLogic<MeterState, MeterMsg> = {
  name: "meter",
  receives: RECEIVES,
  initial: initialMeter,
  transition: transitionMeter,
};
