/**
 * OCTT cases for how a running transaction ends: the EV side disconnecting
 * under the StopTransactionOnEVSideDisconnect / UnlockConnectorOnEVSideDisconnect
 * combinations, and stopping with the start idTag or one of its group
 * (OCTT test case document chapter 2, Tables 6-10).
 */
import assert from "node:assert/strict";
import {
  advanceIdle,
  configure,
  OCTT,
  reachCharging,
  rpcIdle,
  startRig,
  statusesOf,
} from "./harness.ts";

Deno.test(
  "TC_005_1 EV side disconnected - StopTransactionOnEVSideDisconnect true - UnlockConnectorOnEVSideDisconnect true",
  async () => {
    await using rig = await startRig();
    const { csms, station } = rig;
    await configure(rig, {
      MinimumStatusDuration: "0",
      StopTransactionOnEVSideDisconnect: "true",
      UnlockConnectorOnEVSideDisconnect: "true",
    });
    const { transactionId } = await reachCharging(rig);
    assert.equal(station.connector(1).lock.locked, true);
    const m = csms.mark;
    station.unplug(1);
    const stop = await csms.next("StopTransaction", m);
    assert.equal(stop.params.reason, "EVDisconnected");
    assert.equal(stop.params.transactionId, transactionId);
    const finishing = await csms.next("StatusNotification", m, (p) => p.status === "Finishing");
    // Section 4.9: the reason of stopping goes in `info`.
    assert.equal(finishing.params.info, "EV side disconnected");
    assert.equal(finishing.params.errorCode, "NoError");
    await rpcIdle(rig);
    // Unlocked at once: the connector is free again.
    assert.equal(station.connector(1).lock.locked, false);
    assert.deepEqual(statusesOf(rig, m), ["Finishing", "Available"]);
    assert.equal(station.connector(1).relay.closed, false);
    assert.deepEqual(csms.invalid, []);
  },
);

Deno.test(
  "TC_005_2 EV side disconnected - StopTransactionOnEVSideDisconnect true - UnlockConnectorOnEVSideDisconnect false",
  async () => {
    await using rig = await startRig();
    const { csms, station } = rig;
    await configure(rig, {
      MinimumStatusDuration: "0",
      StopTransactionOnEVSideDisconnect: "true",
      UnlockConnectorOnEVSideDisconnect: "false",
    });
    const { transactionId } = await reachCharging(rig);
    const m = csms.mark;
    station.unplug(1);
    const stop = await csms.next("StopTransaction", m);
    assert.equal(stop.params.reason, "EVDisconnected");
    assert.equal(stop.params.transactionId, transactionId);
    await csms.next("StatusNotification", m, (p) => p.status === "Finishing");
    await advanceIdle(rig, 5_000);
    // The cable stays locked in the socket until the Central System unlocks it.
    assert.equal(station.connector(1).lock.locked, true);
    assert.deepEqual(statusesOf(rig, m), ["Finishing"]);
    const unlock = await csms.call("UnlockConnector", { connectorId: 1 });
    assert.deepEqual(unlock, { status: "Unlocked" });
    assert.equal(station.connector(1).lock.locked, false);
    await csms.next("StatusNotification", m, (p) => p.status === "Available");
    assert.deepEqual(statusesOf(rig, m), ["Finishing", "Available"]);
    assert.equal(csms.all("StopTransaction", m).length, 1);
    assert.deepEqual(csms.invalid, []);
  },
);

Deno.test(
  "TC_005_3 EV side disconnected - StopTransactionOnEVSideDisconnect false - UnlockConnectorOnEVSideDisconnect false",
  async () => {
    await using rig = await startRig();
    const { csms, station } = rig;
    await configure(rig, {
      MinimumStatusDuration: "0",
      StopTransactionOnEVSideDisconnect: "false",
      UnlockConnectorOnEVSideDisconnect: "false",
    });
    const { transactionId } = await reachCharging(rig);
    const m = csms.mark;
    station.unplug(1);
    const suspended = await csms.next("StatusNotification", m, (p) => p.status === "SuspendedEV");
    assert.equal(suspended.params.info, "EV side disconnected");
    assert.equal(suspended.params.errorCode, "NoError");
    await advanceIdle(rig, 10_000);
    // The transaction goes on, without energy, with the cable locked.
    assert.deepEqual(csms.all("StopTransaction", m), []);
    assert.equal(station.connector(1).relay.closed, false);
    assert.equal(station.connector(1).lock.locked, true);
    const answer = await csms.call("RemoteStopTransaction", { transactionId });
    assert.deepEqual(answer, { status: "Accepted" });
    const stop = await csms.next("StopTransaction", m);
    assert.equal(stop.params.reason, "Remote");
    assert.equal(stop.params.transactionId, transactionId);
    await csms.next("StatusNotification", m, (p) => p.status === "Finishing");
    await rpcIdle(rig);
    assert.deepEqual(statusesOf(rig, m), ["SuspendedEV", "Finishing", "Available"]);
    assert.deepEqual(csms.invalid, []);
  },
);

Deno.test("TC_068 Stop transaction - IdTag in StopTransaction matches IdTag in StartTransaction", async () => {
  await using rig = await startRig();
  const { csms, station } = rig;
  const { transactionId } = await reachCharging(rig);
  const m = csms.mark;
  // A different valid card: no Authorize.req, no StopTransaction.req.
  station.tap(OCTT.validIdTag2);
  await advanceIdle(rig, 5_000);
  assert.deepEqual(csms.all("Authorize", m), []);
  assert.deepEqual(csms.all("StopTransaction", m), []);
  assert.deepEqual(statusesOf(rig, m), []);
  station.tap(OCTT.validIdTag);
  const stop = await csms.next("StopTransaction", m);
  assert.equal(stop.params.idTag, OCTT.validIdTag);
  assert.equal(stop.params.transactionId, transactionId);
  assert.equal(stop.params.reason, "Local");
  await csms.next("StatusNotification", m, (p) => p.status === "Finishing");
  await rpcIdle(rig);
  assert.deepEqual(csms.all("Authorize", m), [], "the start idTag needs no Authorize.req");
  assert.deepEqual(statusesOf(rig, m), ["Finishing"]);
  assert.deepEqual(csms.invalid, []);
});

Deno.test("TC_069 Stop transaction - ParentIdTag in StopTransaction matches ParentIdTag in StartTransaction", async () => {
  await using rig = await startRig({
    before: (csms) => {
      csms.handlers.StartTransaction = () => ({
        transactionId: 69,
        idTagInfo: { status: "Accepted", parentIdTag: OCTT.parentIdTag },
      });
      csms.handlers.Authorize = () => ({
        idTagInfo: { status: "Accepted", parentIdTag: OCTT.parentIdTag },
      });
    },
  });
  const { csms, station } = rig;
  const { transactionId } = await reachCharging(rig);
  assert.equal(transactionId, 69);
  const m = csms.mark;
  station.tap(OCTT.validIdTag2);
  const auth = await csms.next("Authorize", m);
  assert.deepEqual(auth.params, { idTag: OCTT.validIdTag2 });
  const stop = await csms.next("StopTransaction", m);
  assert.ok(auth.seq < stop.seq);
  assert.equal(stop.params.idTag, OCTT.validIdTag2);
  assert.equal(stop.params.transactionId, 69);
  assert.equal(stop.params.reason, "Local");
  await csms.next("StatusNotification", m, (p) => p.status === "Finishing");
  await rpcIdle(rig);
  assert.deepEqual(statusesOf(rig, m), ["Finishing"]);
  assert.deepEqual(csms.invalid, []);
});
