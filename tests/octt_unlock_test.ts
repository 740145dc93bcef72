/**
 * OCTT cases for UnlockConnector (OCPP 1.6 section 5.18, errata 3.85):
 * without and with a transaction, socket and fixed cable, a failing lock
 * and an unknown connector (OCTT test case document chapter 2, Tables
 * 21-24, 34, 35).
 */
import assert from "node:assert/strict";
import { advanceIdle, reachCharging, rpcIdle, startRig, statusesOf } from "./harness.ts";

Deno.test("TC_017_1 Unlock connector - no charging session running (not fixed cable)", async () => {
  await using rig = await startRig();
  const { csms, station } = rig;
  const m = csms.mark;
  const answer = await csms.call("UnlockConnector", { connectorId: 1 });
  assert.deepEqual(answer, { status: "Unlocked" });
  assert.equal(station.connector(1).lock.locked, false);
  await advanceIdle(rig, 2_000);
  assert.deepEqual(csms.received.slice(m).map((r) => r.action), []);
  assert.deepEqual(csms.invalid, []);
});

Deno.test("TC_017_2 Unlock connector - no charging session running (fixed cable)", async () => {
  await using rig = await startRig({ fixedCable: true });
  const { csms } = rig;
  const m = csms.mark;
  const answer = await csms.call("UnlockConnector", { connectorId: 1 });
  assert.deepEqual(answer, { status: "NotSupported" });
  await advanceIdle(rig, 2_000);
  assert.deepEqual(csms.received.slice(m).map((r) => r.action), []);
  assert.deepEqual(csms.invalid, []);
});

Deno.test("TC_018_1 Unlock connector - with charging session (not fixed cable)", async () => {
  await using rig = await startRig();
  const { csms, station } = rig;
  const { transactionId } = await reachCharging(rig);
  assert.equal(station.connector(1).lock.locked, true);
  const m = csms.mark;
  const answer = await csms.call("UnlockConnector", { connectorId: 1 });
  assert.deepEqual(answer, { status: "Unlocked" });
  assert.equal(station.connector(1).lock.locked, false);
  assert.equal(station.connector(1).relay.closed, false);
  const stop = await csms.next("StopTransaction", m);
  assert.equal(stop.params.reason, "UnlockCommand");
  assert.equal(stop.params.transactionId, transactionId);
  await csms.next("StatusNotification", m, (p) => p.status === "Finishing");
  station.unplug(1);
  await csms.next("StatusNotification", m, (p) => p.status === "Available");
  await rpcIdle(rig);
  assert.deepEqual(statusesOf(rig, m), ["Finishing", "Available"]);
  assert.deepEqual(csms.invalid, []);
});

Deno.test("TC_018_2 Unlock connector - with charging session (fixed cable)", async () => {
  await using rig = await startRig({ fixedCable: true });
  const { csms, station } = rig;
  await reachCharging(rig);
  const m = csms.mark;
  const answer = await csms.call("UnlockConnector", { connectorId: 1 });
  assert.deepEqual(answer, { status: "NotSupported" });
  await advanceIdle(rig, 5_000);
  // The transaction goes on.
  assert.deepEqual(csms.all("StopTransaction", m), []);
  assert.deepEqual(statusesOf(rig, m), []);
  assert.equal(station.connector(1).relay.closed, true);
  assert.deepEqual(csms.invalid, []);
});

Deno.test("TC_030 Unlock connector - unlock failure", async () => {
  await using rig = await startRig();
  const { csms, station } = rig;
  station.failNextUnlock(1);
  const answer = await csms.call("UnlockConnector", { connectorId: 1 });
  assert.deepEqual(answer, { status: "UnlockFailed" });
  // The next attempt works again.
  const again = await csms.call("UnlockConnector", { connectorId: 1 });
  assert.deepEqual(again, { status: "Unlocked" });
  assert.deepEqual(csms.invalid, []);
});

Deno.test("TC_031 Unlock connector - unknown connector", async () => {
  await using rig = await startRig();
  const { csms } = rig;
  const m = csms.mark;
  assert.deepEqual(await csms.call("UnlockConnector", { connectorId: 2 }), {
    status: "NotSupported",
  });
  assert.deepEqual(await csms.call("UnlockConnector", { connectorId: 0 }), {
    status: "NotSupported",
  });
  await advanceIdle(rig, 2_000);
  assert.deepEqual(csms.received.slice(m).map((r) => r.action), []);
  assert.deepEqual(csms.invalid, []);
});
