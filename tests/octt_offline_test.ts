/**
 * OCTT cases of the Core profile's offline behaviour (OCTT test case
 * document chapter 2.14, Tables 39-44): the connection to the Central
 * System is cut at the TCP level while sessions go on, then restored; the
 * queued transaction messages must arrive in order with the transactionIds
 * the Central System assigned. The whole runtime on a durable store against
 * the real Central System of `csms.ts`.
 */
import assert from "node:assert/strict";
import { OCTT, reachCharging, rpcIdle } from "./harness.ts";
import { startDurableRig, transactionCalls } from "./_durability_rig.ts";

/** Offline authorization: cached ids, and unknown ids too (Configuration State of TC_037/039). */
const OFFLINE_AUTH = {
  LocalAuthorizeOffline: true,
  AuthorizationCacheEnabled: true,
  AllowOfflineTxForUnknownId: true,
};

Deno.test("TC_036 Connection loss during transaction", async () => {
  await using rig = await startDurableRig({ settings: { MeterValueSampleInterval: 10 } });
  const { csms } = rig;
  const { transactionId } = await reachCharging(rig);
  const before = csms.all("MeterValues").length;
  await rig.offline();
  const cutAt = rig.clock.now();
  await rig.advance(35_000);
  // Three samples were taken while offline; none could go out.
  assert.equal(csms.all("MeterValues").length, before);
  const m = csms.mark;
  await rig.online();
  await csms.until(() => csms.all("MeterValues", m).length >= 3, "the queued MeterValues");
  await rpcIdle(rig);
  await rig.advance(10_000);
  await rpcIdle(rig);
  const sent = csms.all("MeterValues", m).map((r) => r.params);
  assert.ok(sent.length >= 4, `${sent.length} MeterValues after reconnecting`);
  const times = sent.map((p) => Date.parse(p.meterValue[0].timestamp));
  // The queued ones first, in chronological order, MeterValueSampleInterval apart, then new ones.
  assert.ok(times[0]! > cutAt && times[0]! - cutAt <= 10_000, "first queued sample");
  times.slice(1).forEach((t, i) => assert.equal(t - times[i]!, 10_000, `sample ${i + 1}`));
  assert.ok(sent.every((p) => p.transactionId === transactionId));
  const energy = sent.map((p) => Number(p.meterValue[0].sampledValue[0].value));
  energy.slice(1).forEach((e, i) => assert.ok(e >= energy[i]!, `rising register ${energy}`));
  assert.deepEqual(csms.invalid, []);
});

Deno.test("TC_037_1 Offline start transaction - valid idTag", async () => {
  await using rig = await startDurableRig({ settings: OFFLINE_AUTH });
  const { csms, station } = rig;
  await rig.offline();
  station.plug(1);
  station.tap(OCTT.validIdTag);
  await csms.until(() => station.connector(1).relay.closed, "charging to start offline");
  const startedAt = rig.clock.now();
  await rig.advance(5_000);
  const m = csms.mark;
  await rig.online();
  const start = await csms.next("StartTransaction", m);
  assert.equal(start.params.idTag, OCTT.validIdTag);
  assert.equal(start.params.connectorId, 1);
  assert.equal(Date.parse(start.params.timestamp), startedAt, "the offline start time");
  const charging = await csms.next(
    "StatusNotification",
    start.seq,
    (p) => p.connectorId === 1 && p.status === "Charging",
  );
  assert.ok(start.seq < charging.seq, "StartTransaction before StatusNotification Charging");
  await rpcIdle(rig);
  assert.equal(rig.cp.status().connectors[0]!.transactionId, csms.nextTransactionId - 1);
  assert.equal(station.connector(1).relay.closed, true);
  assert.deepEqual(csms.invalid, []);
});

/** TC_037_2 and TC_037_3: an offline start the Central System then calls Invalid. */
async function offlineInvalid(stopOnInvalid: boolean) {
  const rig = await startDurableRig({
    settings: {
      ...OFFLINE_AUTH,
      StopTransactionOnInvalidId: stopOnInvalid,
      MaxEnergyOnInvalidId: 0,
    },
    before: (csms) => {
      csms.handlers.StartTransaction = (p) => ({
        transactionId: csms.nextTransactionId++,
        idTagInfo: { status: p.idTag === OCTT.invalidIdTag ? "Invalid" : "Accepted" },
      });
    },
  });
  const { csms, station } = rig;
  await rig.offline();
  station.plug(1);
  station.tap(OCTT.invalidIdTag);
  await csms.until(() => station.connector(1).relay.closed, "charging to start offline");
  await rig.advance(3_000);
  const m = csms.mark;
  await rig.online();
  const start = await csms.next("StartTransaction", m);
  assert.equal(start.params.idTag, OCTT.invalidIdTag);
  await csms.next(
    "StatusNotification",
    start.seq,
    (p) => p.connectorId === 1 && p.status === "Charging",
  );
  return { rig, start, transactionId: csms.nextTransactionId - 1 };
}

Deno.test("TC_037_2 Offline start transaction - invalid idTag - StopTransactionOnInvalidId = false", async () => {
  const { rig, start } = await offlineInvalid(false);
  await using _ = rig;
  const { csms, station } = rig;
  const suspended = await csms.next(
    "StatusNotification",
    start.seq,
    (p) => p.connectorId === 1 && p.status === "SuspendedEVSE",
  );
  await rpcIdle(rig);
  // Only the energy stops (errata 3.17): the transaction goes on, no StopTransaction.
  assert.equal(station.connector(1).relay.closed, false);
  assert.deepEqual(csms.all("StopTransaction", start.seq), []);
  const statuses = csms.all("StatusNotification", start.seq).filter((r) =>
    r.params.connectorId === 1
  ).map((r) => r.params.status);
  // Straight from Charging to SuspendedEVSE: no SuspendedEV while the contactor opens.
  assert.deepEqual(statuses, ["Charging", "SuspendedEVSE"]);
  assert.ok(suspended.seq > start.seq);
  assert.equal(rig.cp.status().connectors[0]!.transactionId, csms.nextTransactionId - 1);
  assert.deepEqual(csms.invalid, []);
});

Deno.test("TC_037_3 Offline start transaction - invalid idTag - StopTransactionOnInvalidId = true", async () => {
  const { rig, start, transactionId } = await offlineInvalid(true);
  await using _ = rig;
  const { csms } = rig;
  const stop = await csms.next("StopTransaction", start.seq);
  assert.equal(stop.params.reason, "DeAuthorized");
  assert.equal(stop.params.transactionId, transactionId);
  const finishing = await csms.next(
    "StatusNotification",
    start.seq,
    (p) => p.connectorId === 1 && p.status === "Finishing",
  );
  assert.ok(stop.seq < finishing.seq || finishing.seq > start.seq);
  await rpcIdle(rig);
  assert.deepEqual(
    transactionCalls(csms, start.seq).map((c) => [c.action, c.params.transactionId]),
    [["StartTransaction", undefined], ["StopTransaction", transactionId]],
  );
  assert.deepEqual(csms.invalid, []);
});

Deno.test("TC_038 Offline stop transaction", async () => {
  await using rig = await startDurableRig();
  const { csms, station } = rig;
  const { transactionId } = await reachCharging(rig);
  await rig.advance(30_000);
  await rig.offline();
  station.tap(OCTT.validIdTag);
  await csms.until(() => !station.connector(1).relay.closed, "the offline stop");
  const stoppedAt = rig.clock.now();
  assert.equal(rig.cp.status().connectors[0]!.transactionId, null);
  await rig.advance(10_000);
  const m = csms.mark;
  await rig.online();
  const stop = await csms.next("StopTransaction", m);
  assert.equal(stop.params.reason, "Local");
  assert.equal(stop.params.transactionId, transactionId);
  assert.equal(stop.params.idTag, OCTT.validIdTag);
  assert.ok(Math.abs(Date.parse(stop.params.timestamp) - stoppedAt) <= 1000, "offline stop time");
  // 30 s at 7400 W before the cut.
  assert.ok(stop.params.meterStop >= 60, `meterStop ${stop.params.meterStop}`);
  await csms.next("StatusNotification", m, (p) => p.connectorId === 1 && p.status === "Finishing");
  await rpcIdle(rig);
  assert.deepEqual(csms.invalid, []);
});

Deno.test("TC_039 Offline transaction", async () => {
  await using rig = await startDurableRig({ settings: OFFLINE_AUTH });
  const { csms, station } = rig;
  await rig.offline();
  station.plug(1);
  station.tap(OCTT.validIdTag);
  await csms.until(() => station.connector(1).relay.closed, "charging to start offline");
  await rig.advance(60_000);
  station.tap(OCTT.validIdTag);
  await csms.until(() => !station.connector(1).relay.closed, "the offline stop");
  station.unplug(1);
  await rig.advance(2_000);
  const m = csms.mark;
  await rig.online();
  const start = await csms.next("StartTransaction", m);
  const stop = await csms.next("StopTransaction", m);
  await rpcIdle(rig);
  const transactionId = csms.nextTransactionId - 1;
  assert.ok(start.seq < stop.seq, "StartTransaction first");
  assert.equal(start.params.idTag, OCTT.validIdTag);
  assert.equal(stop.params.transactionId, transactionId);
  assert.equal(stop.params.reason, "Local");
  assert.ok(stop.params.meterStop - start.params.meterStart >= 121, "60 s at 7400 W");
  assert.ok(Date.parse(stop.params.timestamp) - Date.parse(start.params.timestamp) >= 60_000);
  assert.deepEqual(csms.invalid, []);
});
