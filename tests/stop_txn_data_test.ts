/**
 * Stop Transaction data (OCPP 1.6 sections 3.16.x, 9.1.25, 9.1.27) against
 * the real strict Central System of `csms.ts`: StopTxnSampledData set with
 * ChangeConfiguration gives StopTransaction.req a transactionData of the
 * begin value, one value per MeterValueSampleInterval and the end value;
 * with StopTxnSampledData and StopTxnAlignedData empty there is none
 * (section 3.16.5); after a power cut the PowerLoss StopTransaction.req
 * carries the journaled values and the end value of the last reading.
 */
import assert from "node:assert/strict";
import { advanceIdle, configure, reachCharging, rpcIdle, startRig } from "./harness.ts";
import { startDurableRig } from "./_durability_rig.ts";

const INTERVAL_S = 30;
const MEASURANDS = ["Energy.Active.Import.Register", "Power.Active.Import"];

// deno-lint-ignore no-explicit-any
type Json = any;

Deno.test("StopTransaction.req carries the StopTxnSampledData values of the transaction: begin, each sample interval, end", async () => {
  await using rig = await startRig();
  const { csms } = rig;
  await configure(rig, {
    MeterValueSampleInterval: String(INTERVAL_S),
    ClockAlignedDataInterval: "0",
    StopTxnSampledData: MEASURANDS.join(","),
  });
  const conf = await csms.call("GetConfiguration", { key: ["StopTxnSampledData"] });
  assert.equal(conf.configurationKey[0].value, MEASURANDS.join(","));
  const { transactionId, start } = await reachCharging(rig);
  await advanceIdle(rig, 3 * INTERVAL_S * 1000 + 5_000);
  const m = csms.mark;
  const answer = await csms.call("RemoteStopTransaction", { transactionId });
  assert.equal(answer.status, "Accepted");
  const stop = (await csms.next("StopTransaction", m)).params;
  await rpcIdle(rig);
  assert.equal(stop.transactionId, transactionId);
  const data: Json[] = stop.transactionData;
  assert.ok(Array.isArray(data), "transactionData present");
  assert.deepEqual(
    data.map((v) => v.sampledValue[0].context),
    [
      "Transaction.Begin",
      "Sample.Periodic",
      "Sample.Periodic",
      "Sample.Periodic",
      "Transaction.End",
    ],
  );
  for (const v of data) {
    assert.deepEqual(v.sampledValue.map((s: Json) => s.measurand), MEASURANDS);
  }
  const wh = data.map((v) => Number(v.sampledValue[0].value));
  // The register at the start and at the end are the transaction's meterStart and meterStop.
  assert.equal(wh[0], start.meterStart);
  assert.equal(wh.at(-1), stop.meterStop);
  assert.ok(wh.every((x, i) => i === 0 || x >= wh[i - 1]!), `register never falls: ${wh}`);
  assert.ok(wh.at(-1)! > wh[0]!, "energy flowed");
  const times = data.map((v) => Date.parse(v.timestamp));
  assert.equal(times[0], Date.parse(start.timestamp));
  assert.equal(times.at(-1), Date.parse(stop.timestamp));
  // One value per interval, counted from the start.
  assert.deepEqual(
    times.slice(1, 4).map((t) => t - times[0]!),
    [1, 2, 3].map((k) => k * INTERVAL_S * 1000),
  );
  // The strict server validated StopTransaction.req against the OCA schema.
  assert.deepEqual(csms.invalid, []);
});

Deno.test("StopTransaction.req has no transactionData when StopTxnSampledData and StopTxnAlignedData are empty", async () => {
  await using rig = await startRig();
  const { csms } = rig;
  await configure(rig, {
    MeterValueSampleInterval: String(INTERVAL_S),
    StopTxnSampledData: "",
    StopTxnAlignedData: "",
  });
  const { transactionId } = await reachCharging(rig);
  await advanceIdle(rig, 2 * INTERVAL_S * 1000);
  const m = csms.mark;
  await csms.call("RemoteStopTransaction", { transactionId });
  const stop = (await csms.next("StopTransaction", m)).params;
  await rpcIdle(rig);
  assert.equal(stop.reason, "Remote");
  assert.equal("transactionData" in stop, false);
  // Sampled MeterValues went out all the same.
  assert.ok(csms.all("MeterValues").length >= 2);
  assert.deepEqual(csms.invalid, []);
});

Deno.test("StopTransaction.req after a power cut carries the journaled StopTxnSampledData values and the end value", async () => {
  await using rig = await startDurableRig({
    settings: { MeterValueSampleInterval: 10, StopTxnSampledData: "Energy.Active.Import.Register" },
  });
  const { csms } = rig;
  const { transactionId, start } = await reachCharging(rig);
  await rig.advance(35_000);
  await rpcIdle(rig);
  const samples = csms.all("MeterValues").map((r) => r.params.meterValue[0]);
  const last = samples.at(-1)!;
  const down = csms.mark;
  await rig.powerCycle();
  const boot = await csms.next("BootNotification", down);
  const stop = (await csms.next("StopTransaction", boot.seq)).params;
  await rpcIdle(rig);
  assert.equal(stop.reason, "PowerLoss");
  assert.equal(stop.transactionId, transactionId);
  const data: Json[] = stop.transactionData;
  assert.deepEqual(
    data.map((v) => v.sampledValue[0].context),
    [
      "Transaction.Begin",
      "Sample.Periodic",
      "Sample.Periodic",
      "Sample.Periodic",
      "Transaction.End",
    ],
  );
  // Begin: the start; each interval value as its MeterValues.req said; end: the last reading.
  assert.deepEqual(
    [data[0].timestamp, Number(data[0].sampledValue[0].value)],
    [start.timestamp, start.meterStart],
  );
  assert.deepEqual(
    data.slice(1, 4).map((v) => [v.timestamp, v.sampledValue[0].value]),
    samples.map((s) => [s.timestamp, s.sampledValue[0].value]),
  );
  assert.deepEqual(
    [data[4].timestamp, Number(data[4].sampledValue[0].value)],
    [last.timestamp, stop.meterStop],
  );
  assert.deepEqual(csms.invalid, []);
});
