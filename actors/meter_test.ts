/**
 * Unit tests of the meter actor: sampled (periodic), clock-aligned and
 * triggered MeterValues.req payloads and their timers; values of a
 * transaction with its local number, and the meter journal.
 */
import assert from "node:assert/strict";
import type { Ctx, Effect, TimerFired } from "./bus.ts";
import { type Value, viewOf } from "../config/registry.ts";
import {
  initialMeter,
  METER_JOURNAL_MS,
  type MeterMsg,
  type MeterState,
  meterValues,
  transitionMeter,
} from "./meter.ts";
import type { CpRequest } from "../ocpp/types.ts";

const T0 = Date.parse("2025-01-01T00:00:00.000Z");

function ctx(values: Record<string, Value> = {}, now = T0): Ctx {
  return { now, config: viewOf(new Map(Object.entries(values))) };
}

function run(
  state: MeterState,
  msgs: readonly (MeterMsg | TimerFired)[],
  c: Ctx = ctx(),
): [MeterState, Effect[]] {
  let effects: Effect[] = [];
  for (const m of msgs) [state, effects] = transitionMeter(state, m, c);
  return [state, effects];
}

const reading = (wh: number, w: number, connectorId = 1): MeterMsg => ({
  type: "hw.meter",
  connectorId,
  wh,
  w,
});
const started = (connectorId = 1): MeterMsg => ({
  type: "tx.started",
  connectorId,
  idTag: "TAG",
  meterStartWh: 0,
  timestamp: T0,
});
const confirmed: MeterMsg = { type: "tx.confirmed", connectorId: 1, transactionId: 7 };
type SampledValue = CpRequest<"MeterValues">["meterValue"][number]["sampledValue"][number];
const sv = (
  value: string,
  context: NonNullable<SampledValue["context"]>,
  measurand: NonNullable<SampledValue["measurand"]>,
  unit: NonNullable<SampledValue["unit"]>,
): SampledValue => ({
  value,
  context,
  format: "Raw",
  measurand,
  location: "Outlet",
  unit,
});
const call = (payload: CpRequest<"MeterValues">): Effect => ({
  type: "ocpp.call",
  action: "MeterValues",
  payload,
});

Deno.test("meterValues() builds one sampledValue per measurand, Energy.Active.Import.Register when none is configured", () => {
  const c = { wh: 1234.9, w: 7400.4, inTransaction: true, transactionId: 7 };
  assert.deepEqual(
    meterValues(1, c, ["Power.Active.Import", "Energy.Active.Import.Register"], "Trigger", T0),
    {
      connectorId: 1,
      transactionId: 7,
      meterValue: [{
        timestamp: "2025-01-01T00:00:00.000Z",
        sampledValue: [
          sv("7400", "Trigger", "Power.Active.Import", "W"),
          sv("1234", "Trigger", "Energy.Active.Import.Register", "Wh"),
        ],
      }],
    },
  );
  const idle = { ...c, inTransaction: false, transactionId: null };
  assert.deepEqual(meterValues(2, idle, [], "Sample.Clock", T0), {
    connectorId: 2,
    meterValue: [{
      timestamp: "2025-01-01T00:00:00.000Z",
      sampledValue: [sv("1234", "Sample.Clock", "Energy.Active.Import.Register", "Wh")],
    }],
  });
});

Deno.test("transitionMeter() samples every MeterValueSampleInterval from the transaction start with context Sample.Periodic (OCTT TC_070)", () => {
  const config = {
    MeterValueSampleInterval: 10,
    MeterValuesSampledData: "Energy.Active.Import.Register,Power.Active.Import",
  };
  let [state, effects] = run(initialMeter(ctx(config)), [started()], ctx(config));
  assert.deepEqual(effects, [{ type: "timer.start", id: "sample:1", ms: 10_000 }]);
  const later = ctx(config, T0 + 10_000);
  [state, effects] = run(state, [confirmed, reading(20.6, 7400), {
    type: "timer.fired",
    id: "sample:1",
  }], later);
  assert.deepEqual(effects, [
    call({
      connectorId: 1,
      transactionId: 7,
      meterValue: [{
        timestamp: "2025-01-01T00:00:10.000Z",
        sampledValue: [
          sv("20", "Sample.Periodic", "Energy.Active.Import.Register", "Wh"),
          sv("7400", "Sample.Periodic", "Power.Active.Import", "W"),
        ],
      }],
    }),
    { type: "timer.start", id: "sample:1", ms: 10_000 },
  ]);
});

Deno.test("transitionMeter() stops sampling when the transaction stops", () => {
  const c = ctx({ MeterValueSampleInterval: 10 });
  let [state, effects] = run(initialMeter(c), [started(), {
    type: "tx.stopped",
    connectorId: 1,
    transactionId: 7,
    reason: "Local",
  }], c);
  assert.deepEqual(effects, [{ type: "timer.cancel", id: "sample:1" }]);
  // A timer that fires late sends nothing.
  [state, effects] = run(state, [{ type: "timer.fired", id: "sample:1" }], c);
  assert.deepEqual(effects, []);
});

Deno.test("transitionMeter() samples nothing when MeterValueSampleInterval is 0", () => {
  const c = ctx({ MeterValueSampleInterval: 0 });
  assert.deepEqual(run(initialMeter(c), [started()], c)[1], []);
});

Deno.test("transitionMeter() applies a new MeterValueSampleInterval to running transactions at once", () => {
  const c = ctx({ MeterValueSampleInterval: 0, NumberOfConnectors: 2 });
  const [state] = run(initialMeter(c), [started(2)], c);
  const c30 = ctx({ MeterValueSampleInterval: 30, NumberOfConnectors: 2 });
  const change: MeterMsg = { type: "config.changed", key: "MeterValueSampleInterval", value: 30 };
  assert.deepEqual(run(state, [change], c30)[1], [
    { type: "timer.start", id: "sample:2", ms: 30_000 },
  ]);
  assert.deepEqual(run(state, [{ ...change, value: 0 }], c)[1], [
    { type: "timer.cancel", id: "sample:2" },
  ]);
});

Deno.test("transitionMeter() aligns clock data to ClockAlignedDataInterval from midnight, for every connector, context Sample.Clock", () => {
  const config = { ClockAlignedDataInterval: 900, NumberOfConnectors: 2 };
  // 00:05:00: the next quarter hour is 10 minutes away.
  const at = ctx(config, T0 + 300_000);
  assert.deepEqual(run(initialMeter(at), [{ type: "system.started" }], at)[1], [
    { type: "timer.start", id: "aligned", ms: 600_000 },
  ]);
  const quarter = ctx(config, T0 + 900_000);
  const [, effects] = run(initialMeter(quarter), [
    started(2),
    { type: "tx.confirmed", connectorId: 2, transactionId: 9 },
    reading(5, 0, 1),
    reading(8, 0, 2),
    { type: "timer.fired", id: "aligned" },
  ], quarter);
  const at15 = "2025-01-01T00:15:00.000Z";
  assert.deepEqual(effects, [
    call({
      connectorId: 1,
      meterValue: [{
        timestamp: at15,
        sampledValue: [sv("5", "Sample.Clock", "Energy.Active.Import.Register", "Wh")],
      }],
    }),
    call({
      connectorId: 2,
      transactionId: 9,
      meterValue: [{
        timestamp: at15,
        sampledValue: [sv("8", "Sample.Clock", "Energy.Active.Import.Register", "Wh")],
      }],
    }),
    { type: "timer.start", id: "aligned", ms: 900_000 },
  ]);
});

Deno.test("transitionMeter() waits for the aligned instant when its timer fires a few ms early", () => {
  const config = { ClockAlignedDataInterval: 900 };
  const fire = (now: number) =>
    run(initialMeter(ctx(config)), [{ type: "timer.fired", id: "aligned" }], ctx(config, now))[1];
  // 2 ms early: nothing yet, no second MeterValues 2 ms later.
  assert.deepEqual(fire(T0 + 900_000 - 2), [{ type: "timer.start", id: "aligned", ms: 2 }]);
  // 3 ms late: sent now, the next one a quarter hour after the aligned instant.
  assert.deepEqual(fire(T0 + 900_000 + 3), [
    call({
      connectorId: 1,
      meterValue: [{
        timestamp: "2025-01-01T00:15:00.003Z",
        sampledValue: [sv("0", "Sample.Clock", "Energy.Active.Import.Register", "Wh")],
      }],
    }),
    { type: "timer.start", id: "aligned", ms: 899_997 },
  ]);
});

Deno.test("transitionMeter() finds the next aligned instant again when the clock is set", () => {
  // The clock was set to 00:05:00: the next quarter hour is 10 minutes away.
  const c = ctx({ ClockAlignedDataInterval: 900 }, T0 + 300_000);
  assert.deepEqual(run(initialMeter(c), [{ type: "clock.set", shiftMs: 7_500 }], c)[1], [
    { type: "timer.start", id: "aligned", ms: 600_000 },
  ]);
  const off = ctx({ ClockAlignedDataInterval: 0 });
  assert.deepEqual(run(initialMeter(off), [{ type: "clock.set", shiftMs: 7_500 }], off)[1], [
    { type: "timer.cancel", id: "aligned" },
  ]);
});

Deno.test("transitionMeter() cancels clock-aligned data when ClockAlignedDataInterval becomes 0", () => {
  const c = ctx({ ClockAlignedDataInterval: 0 });
  const change: MeterMsg = { type: "config.changed", key: "ClockAlignedDataInterval", value: 0 };
  assert.deepEqual(run(initialMeter(c), [change], c)[1], [{ type: "timer.cancel", id: "aligned" }]);
});

Deno.test("transitionMeter() answers TriggerMessage(MeterValues) for one connector or all, context Trigger", () => {
  const c = ctx({ NumberOfConnectors: 2, MeterValuesSampledData: "Power.Active.Import" });
  const [state] = run(initialMeter(c), [reading(100, 3700, 1), reading(200, 0, 2)], c);
  const one = (id: number, w: string) =>
    call({
      connectorId: id,
      meterValue: [{
        timestamp: "2025-01-01T00:00:00.000Z",
        sampledValue: [sv(w, "Trigger", "Power.Active.Import", "W")],
      }],
    });
  assert.deepEqual(
    run(state, [{ type: "trigger", message: "MeterValues", connectorId: 2 }], c)[1],
    [
      one(2, "0"),
    ],
  );
  assert.deepEqual(run(state, [{ type: "trigger", message: "MeterValues" }], c)[1], [
    one(1, "3700"),
    one(2, "0"),
  ]);
  assert.deepEqual(run(state, [{ type: "trigger", message: "Heartbeat" }], c)[1], []);
});

const startedTx = (tx: number, connectorId = 1): MeterMsg => ({
  type: "tx.started",
  connectorId,
  idTag: "TAG",
  meterStartWh: 0,
  timestamp: T0,
  tx,
});

Deno.test("transitionMeter() journals the reading, then queues a transaction's sample with its local number and no transactionId", () => {
  const c = ctx({ MeterValueSampleInterval: 10 });
  let [state] = run(initialMeter(c), [startedTx(4)], c);
  const later = ctx({ MeterValueSampleInterval: 10 }, T0 + 10_000);
  let effects;
  [state, effects] = run(
    state,
    [reading(20.6, 7400), { type: "timer.fired", id: "sample:1" }],
    later,
  );
  assert.deepEqual(effects, [
    { type: "store.tx_meter", tx: 4, wh: 20, timestamp: T0 + 10_000 },
    {
      type: "ocpp.call",
      action: "MeterValues",
      tx: 4,
      payload: {
        connectorId: 1,
        meterValue: [{
          timestamp: "2025-01-01T00:00:10.000Z",
          sampledValue: [sv("20", "Sample.Periodic", "Energy.Active.Import.Register", "Wh")],
        }],
      },
    },
    { type: "timer.start", id: "sample:1", ms: 10_000 },
  ]);
  // Confirmed or not, the rpc actor adds the transactionId: the payload stays without it.
  [, effects] = run(state, [confirmed, { type: "timer.fired", id: "sample:1" }], later);
  assert.equal(
    (effects[1] as { payload: Record<string, unknown> }).payload.transactionId,
    undefined,
  );
});

Deno.test("transitionMeter() journals a running transaction's reading at least every METER_JOURNAL_MS while it moves", () => {
  const c0 = ctx({ MeterValueSampleInterval: 0 });
  let [state, effects] = run(initialMeter(c0), [startedTx(2), reading(5, 7400)], c0);
  assert.deepEqual(effects, []);
  const at = (ms: number) => ctx({ MeterValueSampleInterval: 0 }, T0 + ms);
  [state, effects] = run(state, [reading(100, 7400)], at(METER_JOURNAL_MS - 1));
  assert.deepEqual(effects, []);
  [state, effects] = run(state, [reading(130, 7400)], at(METER_JOURNAL_MS));
  assert.deepEqual(effects, [
    { type: "store.tx_meter", tx: 2, wh: 130, timestamp: T0 + METER_JOURNAL_MS },
  ]);
  // A register that does not move is not journaled again; none after the transaction.
  [state, effects] = run(state, [reading(130.4, 0)], at(3 * METER_JOURNAL_MS));
  assert.deepEqual(effects, []);
  [, effects] = run(state, [
    { type: "tx.stopped", connectorId: 1, transactionId: 7, reason: "Local" },
    reading(500, 0),
  ], at(5 * METER_JOURNAL_MS));
  assert.deepEqual(effects, []);
});

Deno.test("transitionMeter() reports Current.Offered and Power.Offered from the smart charging limit", () => {
  const c = ctx({ MeterValuesSampledData: "Current.Offered,Power.Offered,Power.Active.Import" });
  const trigger: MeterMsg = { type: "trigger", message: "MeterValues", connectorId: 1 };
  const [, effects] = run(initialMeter(c), [
    reading(100, 3680),
    { type: "sc.limit", connectorId: 1, currentA: 16, source: "ocpp" },
    trigger,
  ], c);
  assert.deepEqual(effects, [call({
    connectorId: 1,
    meterValue: [{
      timestamp: new Date(T0).toISOString(),
      sampledValue: [
        sv("16", "Trigger", "Current.Offered", "A"),
        sv("11040", "Trigger", "Power.Offered", "W"),
        sv("3680", "Trigger", "Power.Active.Import", "W"),
      ],
    }],
  })]);
});

/** A sampled value of one phase. */
const psv = (
  value: string,
  measurand: "Current.Import" | "Voltage",
  phase: NonNullable<SampledValue["phase"]>,
  context: NonNullable<SampledValue["context"]> = "Sample.Periodic",
): SampledValue => ({
  value,
  context,
  format: "Raw",
  measurand,
  phase,
  location: "Outlet",
  unit: measurand === "Voltage" ? "V" : "A",
});

const phased = (wh: number, w: number): MeterMsg => ({
  type: "hw.meter",
  connectorId: 1,
  wh,
  w,
  phases: { currentA: [10.666, 10.5, 0], voltageV: [230.04, 231, 229.5] },
});

Deno.test("transitionMeter() samples Current.Import and Voltage per phase, L1-L3 (sections 3.16.3, 7.31)", () => {
  const config = {
    MeterValueSampleInterval: 10,
    MeterValuesSampledData: "Energy.Active.Import.Register,Current.Import,Voltage",
  };
  const [state] = run(initialMeter(ctx(config)), [started(), confirmed], ctx(config));
  const [, effects] = run(
    state,
    [phased(20, 4800), { type: "timer.fired", id: "sample:1" }],
    ctx(config),
  );
  assert.deepEqual(effects[0], {
    ...call({
      connectorId: 1,
      transactionId: 7,
      meterValue: [{
        timestamp: "2025-01-01T00:00:00.000Z",
        sampledValue: [
          sv("20", "Sample.Periodic", "Energy.Active.Import.Register", "Wh"),
          psv("10.67", "Current.Import", "L1"),
          psv("10.5", "Current.Import", "L2"),
          psv("0", "Current.Import", "L3"),
          psv("230.04", "Voltage", "L1-N"),
          psv("231", "Voltage", "L2-N"),
          psv("229.5", "Voltage", "L3-N"),
        ],
      }],
    }),
  });
});

Deno.test("transitionMeter() reports only the phase named (Voltage.L2, section 9.1.17) on a trigger", () => {
  const c = ctx({ MeterValuesSampledData: "Voltage.L2,Current.Import.L1" });
  const [, effects] = run(initialMeter(c), [phased(5, 0), {
    type: "trigger",
    message: "MeterValues",
    connectorId: 1,
  }], c);
  assert.deepEqual(effects, [call({
    connectorId: 1,
    meterValue: [{
      timestamp: "2025-01-01T00:00:00.000Z",
      sampledValue: [
        psv("231", "Voltage", "L2-N", "Trigger"),
        psv("10.67", "Current.Import", "L1", "Trigger"),
      ],
    }],
  })]);
});

Deno.test("transitionMeter() leaves phase values out while the meter gives none, never stale ones", () => {
  const c = ctx({ MeterValuesSampledData: "Current.Import,Power.Active.Import" });
  const trigger: MeterMsg = { type: "trigger", message: "MeterValues", connectorId: 1 };
  // A reading with phases, then one without (a meter that measures no phases): none reported.
  const [state, effects] = run(initialMeter(c), [phased(5, 100), reading(6, 200), trigger], c);
  assert.equal(state.connectors[0]!.phases, null);
  assert.deepEqual(effects, [call({
    connectorId: 1,
    meterValue: [{
      timestamp: "2025-01-01T00:00:00.000Z",
      sampledValue: [sv("200", "Trigger", "Power.Active.Import", "W")],
    }],
  })]);
  // Only per-phase measurands and no phase values: the register, never an empty list.
  const only = ctx({ MeterValuesSampledData: "Voltage" });
  assert.deepEqual(run(initialMeter(only), [reading(7, 0), trigger], only)[1], [call({
    connectorId: 1,
    meterValue: [{
      timestamp: "2025-01-01T00:00:00.000Z",
      sampledValue: [sv("7", "Trigger", "Energy.Active.Import.Register", "Wh")],
    }],
  })]);
});
