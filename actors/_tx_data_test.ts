/**
 * Unit tests of Stop Transaction data (`_tx_data.ts`, section 3.16.x):
 * begin, interval and end values, the bound, empty keys; the transaction
 * actor's StopTransaction.req transactionData, journaled with the start,
 * each interval value and the stop, and after a PowerLoss restart.
 */
import assert from "node:assert/strict";
import type { Ctx, Effect } from "./bus.ts";
import { asRequest, type MeterValue } from "./messages.ts";
import type { JournaledTx } from "./boot.ts";
import { type Value, viewOf } from "../config/registry.ts";
import { initialTransaction, type TransactionMsg } from "./transaction.ts";
import { initialMeter, type MeterState, transitionMeter } from "./meter.ts";
import { ev, run, T0 } from "./_tx_testing.ts";
import {
  addInterval,
  edgeValue,
  intervalValue,
  MAX_TX_DATA_SAMPLES,
  recoveredEnd,
  stopTxnMeasurands,
  transactionData,
} from "./_tx_data.ts";

const cfg = (values: Record<string, Value> = {}) => viewOf(new Map(Object.entries(values)));
const at = (values: Record<string, Value>, now: number): Ctx => ({
  now,
  config: cfg(values),
  backend: "accepted",
});
const reading = { wh: 1500.9, w: 7400, phases: null, offeredA: 16 };
const SAMPLED = { StopTxnSampledData: "Energy.Active.Import.Register,Power.Active.Import" };

const contexts = (data: readonly MeterValue[]) => data.map((v) => v.sampledValue[0]!.context);
const values = (data: readonly MeterValue[]) => data.map((v) => v.sampledValue.map((s) => s.value));

Deno.test("stopTxnMeasurands() joins both keys, each measurand once; empty keys give none", () => {
  assert.deepEqual(stopTxnMeasurands(cfg()), []);
  assert.deepEqual(
    stopTxnMeasurands(cfg({
      StopTxnSampledData: "Energy.Active.Import.Register, Power.Active.Import",
      StopTxnAlignedData: "Power.Active.Import,Current.Offered",
    })),
    ["Energy.Active.Import.Register", "Power.Active.Import", "Current.Offered"],
  );
});

Deno.test("intervalValue() and edgeValue() take the key's measurands with the section 7.37 context", () => {
  assert.equal(intervalValue(cfg(), "sampled", reading, T0), null);
  assert.equal(edgeValue(cfg(), "Transaction.Begin", reading, T0), null);
  const v = intervalValue(cfg(SAMPLED), "sampled", reading, T0)!;
  assert.equal(v.timestamp, "2025-01-01T00:00:00.000Z");
  assert.deepEqual(
    v.sampledValue.map((s) => [s.measurand, s.value, s.unit, s.context]),
    [
      ["Energy.Active.Import.Register", "1500", "Wh", "Sample.Periodic"],
      ["Power.Active.Import", "7400", "W", "Sample.Periodic"],
    ],
  );
  // Aligned values only from StopTxnAlignedData.
  assert.equal(intervalValue(cfg(SAMPLED), "aligned", reading, T0), null);
  const a = intervalValue(cfg({ StopTxnAlignedData: "Current.Offered" }), "aligned", reading, T0)!;
  assert.deepEqual(a.sampledValue.map((s) => [s.measurand, s.value, s.context]), [
    ["Current.Offered", "16", "Sample.Clock"],
  ]);
  const end = edgeValue(cfg(SAMPLED), "Transaction.End", reading, T0)!;
  assert.deepEqual(contexts([end]), ["Transaction.End"]);
});

Deno.test("addInterval() keeps the begin value and only the newest MAX_TX_DATA_SAMPLES interval values", () => {
  const c = cfg(SAMPLED);
  let data: MeterValue[] = [edgeValue(c, "Transaction.Begin", { ...reading, wh: 0 }, T0)!];
  const n = MAX_TX_DATA_SAMPLES + 5;
  for (let i = 1; i <= n; i++) {
    data = addInterval(data, intervalValue(c, "sampled", { ...reading, wh: i }, T0 + i * 60_000)!);
  }
  assert.equal(data.length, MAX_TX_DATA_SAMPLES + 1);
  assert.equal(contexts(data)[0], "Transaction.Begin");
  assert.equal(data[0]!.sampledValue[0]!.value, "0");
  // The oldest interval values went first: 6 .. n remain, in order.
  assert.deepEqual(
    data.slice(1).map((v) => Number(v.sampledValue[0]!.value)),
    Array.from({ length: MAX_TX_DATA_SAMPLES }, (_, i) => i + 6),
  );
});

Deno.test("transactionData() is absent when both keys are empty (section 3.16.5) or nothing was taken", () => {
  const v = intervalValue(cfg(SAMPLED), "sampled", reading, T0)!;
  assert.deepEqual(transactionData(cfg(), [v], v), {});
  assert.deepEqual(transactionData(cfg(SAMPLED), [], null), {});
  assert.deepEqual(transactionData(cfg(SAMPLED), [v], null), { transactionData: [v] });
});

Deno.test("recoveredEnd() holds only the register, and only when a key names it", () => {
  assert.equal(recoveredEnd(cfg({ StopTxnSampledData: "Power.Active.Import" }), 10, T0), null);
  const end = recoveredEnd(cfg(SAMPLED), 1800, T0)!;
  assert.deepEqual(end.sampledValue.map((s) => [s.measurand, s.value, s.context]), [
    ["Energy.Active.Import.Register", "1800", "Transaction.End"],
  ]);
});

/** Starts local transaction 1 on connector 1 at T0 (meter at 1000 Wh, 7400 W). */
function started(values: Record<string, Value>) {
  return run(initialTransaction(at(values, T0)), [
    { type: "hw.meter", connectorId: 1, wh: 1000, w: 7400 },
    ev("B"),
    asRequest("r1", "RemoteStartTransaction", { connectorId: 1, idTag: "TAG" }),
    { type: "hw.locked", connectorId: 1, ok: true },
  ], at(values, T0));
}

const stopCall = (effects: Effect[]) =>
  effects.find((e) => e.type === "ocpp.call" && e.action === "StopTransaction") as
    | Extract<Effect, { type: "ocpp.call" }>
    | undefined;

Deno.test("transitionTransaction() puts begin, interval and end values in StopTransaction.req transactionData and journals them", () => {
  let [state, effects] = started(SAMPLED);
  const startEntry = effects.find((e) => e.type === "store.tx_journal")!;
  assert.equal(startEntry.type === "store.tx_journal" && startEntry.entry.op, "start");
  const begin = startEntry.type === "store.tx_journal" && startEntry.entry.op === "start"
    ? startEntry.entry.txData!
    : [];
  assert.deepEqual(contexts(begin), ["Transaction.Begin"]);
  assert.deepEqual(values(begin), [["1000", "7400"]]);
  const sample = (wh: number, t: number): TransactionMsg => ({
    type: "tx.data",
    connectorId: 1,
    tx: 1,
    meterValue: intervalValue(cfg(SAMPLED), "sampled", { ...reading, wh }, t)!,
  });
  [state, effects] = run(state, [sample(1100, T0 + 60_000)], at(SAMPLED, T0 + 60_000));
  assert.equal(effects.length, 1);
  const dataEntry = effects[0]!;
  assert.ok(dataEntry.type === "store.tx_journal" && dataEntry.entry.op === "data");
  assert.deepEqual(contexts(dataEntry.entry.txData), ["Transaction.Begin", "Sample.Periodic"]);
  // Another transaction's value is not this one's.
  [state, effects] = run(state, [{ ...sample(9, T0), tx: 99 } as TransactionMsg], at(SAMPLED, T0));
  assert.deepEqual(effects, []);
  const tEnd = T0 + 120_000;
  [state, effects] = run(state, [
    sample(1200, tEnd),
    { type: "hw.meter", connectorId: 1, wh: 1250, w: 3000 },
  ], at(SAMPLED, tEnd));
  // A fault stops it (the relay never closed: StopTransaction at once).
  [state, effects] = run(state, [
    { type: "hw.fault", connectorId: 1, errorCode: "OtherError" } as TransactionMsg,
  ], at(SAMPLED, tEnd));
  const stop = stopCall(effects)!;
  const data = (stop.payload as { transactionData: MeterValue[] }).transactionData;
  assert.deepEqual(contexts(data), [
    "Transaction.Begin",
    "Sample.Periodic",
    "Sample.Periodic",
    "Transaction.End",
  ]);
  assert.deepEqual(values(data), [["1000", "7400"], ["1100", "7400"], ["1200", "7400"], [
    "1250",
    "3000",
  ]]);
  assert.equal(data[3]!.timestamp, new Date(tEnd).toISOString());
  const stopEntry = effects.find((e) => e.type === "store.tx_journal" && e.entry.op === "stop");
  assert.ok(stopEntry?.type === "store.tx_journal" && stopEntry.entry.op === "stop");
  assert.deepEqual(stopEntry.entry.txData, data);
  assert.equal(state.connectors[0]!.tx.phase, "idle");
});

Deno.test("transitionTransaction() sends no transactionData with both keys empty (section 3.16.5)", () => {
  let [state, effects] = started({});
  const startEntry = effects.find((e) => e.type === "store.tx_journal");
  assert.ok(startEntry?.type === "store.tx_journal" && startEntry.entry.op === "start");
  assert.equal(startEntry.entry.txData, undefined);
  [state, effects] = run(state, [
    { type: "hw.fault", connectorId: 1, errorCode: "OtherError" } as TransactionMsg,
  ], at({}, T0));
  const stop = stopCall(effects)!;
  assert.equal("transactionData" in stop.payload, false);
  assert.equal(state.connectors[0]!.tx.phase, "idle");
});

Deno.test("transitionTransaction() stops a transaction interrupted by a power loss with its journaled values and a register end value", () => {
  const c = cfg(SAMPLED);
  const begin = edgeValue(c, "Transaction.Begin", { ...reading, wh: 1000 }, T0)!;
  const mid = intervalValue(c, "sampled", { ...reading, wh: 1400 }, T0 + 60_000)!;
  const j: JournaledTx = {
    tx: 5,
    connectorId: 1,
    idTag: "TAG",
    meterStartWh: 1000,
    startedAt: T0,
    transactionId: 42,
    lastWh: 1800,
    lastAt: T0 + 90_000,
    phase: "active",
    startQueued: true,
    stopQueued: false,
    txData: [begin, mid],
  };
  const boot = { journal: [j], nextTx: 6, lastRun: { clean: false } };
  const ctx = at(SAMPLED, T0 + 600_000);
  const [, effects] = run(initialTransaction(ctx, boot), [{ type: "system.started" }], ctx);
  const stop = stopCall(effects)!;
  const payload = stop.payload as { reason: string; transactionData: MeterValue[] };
  assert.equal(payload.reason, "PowerLoss");
  assert.deepEqual(contexts(payload.transactionData), [
    "Transaction.Begin",
    "Sample.Periodic",
    "Transaction.End",
  ]);
  assert.deepEqual(payload.transactionData[2]!.sampledValue.map((s) => s.value), ["1800"]);
  assert.equal(payload.transactionData[2]!.timestamp, new Date(T0 + 90_000).toISOString());
  // Journaled with the stop: a crash before the outbox keeps them.
  const entry = effects.find((e) => e.type === "store.tx_journal");
  assert.ok(entry?.type === "store.tx_journal" && entry.entry.op === "stop");
  assert.deepEqual(entry.entry.txData, payload.transactionData);
  // Stopped but StopTransaction never queued: sent from the journal as it was.
  const [, again] = run(
    initialTransaction(ctx, {
      ...boot,
      journal: [{
        ...j,
        phase: "stopped",
        stop: { reason: "Local", meterStopWh: 1800 },
        txData: payload.transactionData,
      }],
    }),
    [{ type: "system.started" }],
    ctx,
  );
  assert.deepEqual(
    (stopCall(again)!.payload as { transactionData: MeterValue[] }).transactionData,
    payload.transactionData,
  );
});

Deno.test("transitionMeter() sends StopTxnSampledData and StopTxnAlignedData values of a running transaction as tx.data", () => {
  const values = {
    ...SAMPLED,
    StopTxnAlignedData: "Current.Offered",
    MeterValueSampleInterval: 60,
    ClockAlignedDataInterval: 900,
  };
  const c = at(values, T0);
  let state: MeterState = initialMeter(c);
  let effects: Effect[];
  [state] = transitionMeter(state, { type: "hw.meter", connectorId: 1, wh: 1200, w: 7400 }, c);
  const data = (fx: Effect[]) => fx.filter((e) => e.type === "tx.data");
  // No transaction: nothing for a StopTransaction.
  [state, effects] = transitionMeter(state, { type: "timer.fired", id: "aligned" }, c);
  assert.deepEqual(data(effects), []);
  [state] = transitionMeter(state, {
    type: "tx.started",
    connectorId: 1,
    idTag: "TAG",
    meterStartWh: 1200,
    timestamp: T0,
    tx: 3,
  }, c);
  [state, effects] = transitionMeter(
    state,
    { type: "timer.fired", id: "sample:1" },
    at(values, T0 + 60_000),
  );
  assert.deepEqual(data(effects), [{
    type: "tx.data",
    connectorId: 1,
    tx: 3,
    meterValue: intervalValue(
      cfg(values),
      "sampled",
      { ...reading, wh: 1200, offeredA: null },
      T0 + 60_000,
    ),
  }]);
  [state, effects] = transitionMeter(
    state,
    { type: "timer.fired", id: "aligned" },
    at(values, T0 + 900_000),
  );
  const [aligned] = data(effects);
  assert.ok(aligned?.type === "tx.data");
  assert.deepEqual(contexts([aligned.meterValue]), ["Sample.Clock"]);
  // Both keys empty: none.
  const none = at({ MeterValueSampleInterval: 60 }, T0 + 120_000);
  [, effects] = transitionMeter(state, { type: "timer.fired", id: "sample:1" }, none);
  assert.deepEqual(data(effects), []);
});
