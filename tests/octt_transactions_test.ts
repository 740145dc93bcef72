/**
 * OCTT (OCPP 1.6 compliance test tool) cases for regular charging sessions:
 * plug-in first, identification first, remote start and stop, connection
 * time-outs and sampled meter values (OCTT test case document chapter 2,
 * Tables 3-5, 13-16, 27), against the real Central System of `csms.ts`.
 */
import assert from "node:assert/strict";
import {
  advanceIdle,
  configure,
  OCTT,
  reachAuthorized,
  reachCharging,
  rpcIdle,
  startRig,
  statusesOf,
} from "./harness.ts";

Deno.test("TC_003 Regular charging session - plugin first", async () => {
  await using rig = await startRig();
  const { csms, station } = rig;
  const m = csms.mark;
  station.plug(1);
  const preparing = await csms.next("StatusNotification", m, (p) => p.status === "Preparing");
  assert.equal(preparing.params.connectorId, 1);
  assert.equal(preparing.params.errorCode, "NoError");
  station.tap(OCTT.validIdTag);
  const auth = await csms.next("Authorize", m);
  assert.deepEqual(auth.params, { idTag: OCTT.validIdTag });
  const start = await csms.next("StartTransaction", m);
  assert.equal(start.params.connectorId, 1);
  assert.equal(start.params.idTag, OCTT.validIdTag);
  assert.equal(start.params.meterStart, 0);
  await csms.next("StatusNotification", m, (p) => p.status === "Charging");
  await rpcIdle(rig);
  assert.ok(auth.seq < start.seq, "Authorize.req before StartTransaction.req");
  assert.deepEqual(statusesOf(rig, m), ["Preparing", "Charging"]);
  assert.equal(station.connector(1).relay.closed, true);
  assert.deepEqual(csms.invalid, []);
});

Deno.test("TC_004_1 Regular charging session - identification first", async () => {
  await using rig = await startRig();
  const { csms, station } = rig;
  await configure(rig, { MeterValueSampleInterval: "30" });
  const m = csms.mark;
  await reachAuthorized(rig);
  // Preparing came on the authorization alone, before any cable.
  assert.equal(station.connector(1).plugged, false);
  assert.deepEqual(statusesOf(rig, m), ["Preparing"]);
  const plugAt = csms.mark;
  station.plug(1);
  const start = await csms.next("StartTransaction", plugAt);
  assert.equal(start.params.connectorId, 1);
  assert.equal(start.params.idTag, OCTT.validIdTag);
  await csms.next("StatusNotification", plugAt, (p) => p.status === "Charging");
  await rpcIdle(rig);
  assert.equal(csms.all("Authorize", m).length, 1);
  assert.deepEqual(statusesOf(rig, m), ["Preparing", "Charging"]);
  assert.deepEqual(csms.invalid, []);
});

Deno.test("TC_004_2 Regular charging session - identification first - ConnectionTimeOut", async () => {
  await using rig = await startRig();
  const { csms, station } = rig;
  await configure(rig, { ConnectionTimeOut: "30" });
  const m = csms.mark;
  await reachAuthorized(rig);
  await advanceIdle(rig, 29_000);
  assert.deepEqual(statusesOf(rig, m), ["Preparing"], "still Preparing before the time-out");
  await advanceIdle(rig, 1_000);
  await csms.next("StatusNotification", m, (p) => p.status === "Available");
  assert.deepEqual(statusesOf(rig, m), ["Preparing", "Available"]);
  // The authorization is gone: a cable plugged in now starts nothing.
  const plugAt = csms.mark;
  station.plug(1);
  await csms.next("StatusNotification", plugAt, (p) => p.status === "Preparing");
  await advanceIdle(rig, 5_000);
  assert.deepEqual(csms.all("StartTransaction", m), []);
  assert.deepEqual(statusesOf(rig, m), ["Preparing", "Available", "Preparing"]);
  assert.deepEqual(csms.invalid, []);
});

Deno.test("TC_010 Remote start charging session - cable plugged in first", async () => {
  await using rig = await startRig();
  const { csms } = rig;
  const { start, from, transactionId } = await reachCharging(rig);
  assert.equal(start.connectorId, 1);
  assert.equal(start.idTag, OCTT.validIdTag);
  assert.equal(transactionId, 1);
  // AuthorizeRemoteTxRequests is false by default: no Authorize.req.
  assert.deepEqual(csms.all("Authorize", from), []);
  assert.deepEqual(statusesOf(rig, from), ["Preparing", "Charging"]);
  assert.deepEqual(csms.invalid, []);
});

Deno.test("TC_011_1 Remote start charging session - remote start first", async () => {
  await using rig = await startRig();
  const { csms, station } = rig;
  await configure(rig, { AuthorizeRemoteTxRequests: "true" });
  const m = csms.mark;
  const conf = await csms.call("GetConfiguration", { key: ["AuthorizeRemoteTxRequests"] });
  assert.deepEqual(conf.configurationKey, [
    { key: "AuthorizeRemoteTxRequests", readonly: false, value: "true" },
  ]);
  const remote = await csms.call("RemoteStartTransaction", {
    connectorId: 1,
    idTag: OCTT.validIdTag,
  });
  assert.deepEqual(remote, { status: "Accepted" });
  const auth = await csms.next("Authorize", m);
  assert.deepEqual(auth.params, { idTag: OCTT.validIdTag });
  const preparing = await csms.next("StatusNotification", m, (p) => p.status === "Preparing");
  assert.ok(auth.seq < preparing.seq, "Authorize.req before Preparing");
  station.plug(1);
  const start = await csms.next("StartTransaction", m);
  assert.equal(start.params.connectorId, 1);
  assert.equal(start.params.idTag, OCTT.validIdTag);
  await csms.next("StatusNotification", m, (p) => p.status === "Charging");
  await rpcIdle(rig);
  assert.deepEqual(statusesOf(rig, m), ["Preparing", "Charging"]);
  assert.deepEqual(csms.invalid, []);
});

Deno.test("TC_011_2 Remote start charging session - time out", async () => {
  await using rig = await startRig();
  const { csms } = rig;
  await configure(rig, { ConnectionTimeOut: "20" });
  const m = csms.mark;
  const conf = await csms.call("GetConfiguration", { key: ["AuthorizeRemoteTxRequests"] });
  assert.equal(conf.configurationKey[0].value, "false");
  const remote = await csms.call("RemoteStartTransaction", {
    connectorId: 1,
    idTag: OCTT.validIdTag,
  });
  assert.deepEqual(remote, { status: "Accepted" });
  await csms.next("StatusNotification", m, (p) => p.status === "Preparing");
  await advanceIdle(rig, 19_000);
  assert.deepEqual(statusesOf(rig, m), ["Preparing"], "still Preparing before the time-out");
  await advanceIdle(rig, 1_000);
  await csms.next("StatusNotification", m, (p) => p.status === "Available");
  assert.deepEqual(statusesOf(rig, m), ["Preparing", "Available"]);
  assert.deepEqual(csms.all("Authorize", m), []);
  assert.deepEqual(csms.all("StartTransaction", m), []);
  assert.deepEqual(csms.invalid, []);
});

Deno.test("TC_012 Remote stop charging session", async () => {
  await using rig = await startRig();
  const { csms } = rig;
  const { transactionId, start } = await reachCharging(rig);
  await advanceIdle(rig, 60_000);
  const m = csms.mark;
  const answer = await csms.call("RemoteStopTransaction", { transactionId });
  assert.deepEqual(answer, { status: "Accepted" });
  const stop = await csms.next("StopTransaction", m);
  assert.equal(stop.params.reason, "Remote");
  assert.equal(stop.params.transactionId, transactionId);
  assert.equal(stop.params.idTag, start.idTag);
  // 7400 W for 60 s, read each second: 121-124 Wh.
  assert.ok(stop.params.meterStop >= 121 && stop.params.meterStop <= 124, stop.params.meterStop);
  await csms.next("StatusNotification", m, (p) => p.status === "Finishing");
  await rpcIdle(rig);
  assert.deepEqual(statusesOf(rig, m), ["Finishing"]);
  assert.equal(rig.station.connector(1).relay.closed, false);
  assert.deepEqual(csms.invalid, []);
});

Deno.test("TC_070 Sampled meter values", async () => {
  await using rig = await startRig();
  const { csms } = rig;
  const measurands = ["Energy.Active.Import.Register", "Power.Active.Import"];
  await configure(rig, {
    MeterValueSampleInterval: "10",
    ClockAlignedDataInterval: "0",
    MeterValuesSampledData: measurands.join(","),
  });
  const conf = await csms.call("GetConfiguration", { key: ["MeterValuesSampledData"] });
  assert.equal(conf.configurationKey[0].value, measurands.join(","));
  const { transactionId, start } = await reachCharging(rig);
  const m = csms.mark;
  await advanceIdle(rig, 30_000);
  const sent = csms.all("MeterValues", m).map((r) => r.params);
  assert.equal(sent.length, 3, "one MeterValues.req every 10 s for 30 s");
  const startedAt = Date.parse(start.timestamp);
  sent.forEach((mv, i) => {
    assert.equal(mv.connectorId, 1);
    assert.equal(mv.transactionId, transactionId);
    assert.equal(mv.meterValue.length, 1);
    const { timestamp, sampledValue } = mv.meterValue[0];
    assert.equal(Date.parse(timestamp) - startedAt, (i + 1) * 10_000);
    // deno-lint-ignore no-explicit-any
    assert.deepEqual(sampledValue.map((s: any) => s.measurand), measurands);
    // deno-lint-ignore no-explicit-any
    assert.ok(sampledValue.every((s: any) => s.context === "Sample.Periodic"));
    assert.equal(sampledValue[1].value, "7400");
    assert.equal(sampledValue[1].unit, "W");
    assert.equal(sampledValue[0].unit, "Wh");
  });
  const energy = sent.map((mv) => Number(mv.meterValue[0].sampledValue[0].value));
  assert.ok(energy[0]! < energy[1]! && energy[1]! < energy[2]!, `rising register ${energy}`);
  assert.deepEqual(csms.invalid, []);
});
