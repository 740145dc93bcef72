/**
 * OCTT cases where the Charge Point must not start or stop a transaction:
 * an invalid card, a lock failure, a faulted connector, remote start on a
 * busy connector or connector 0, remote stop of an unknown transaction
 * (OCTT test case document chapter 2, Tables 29-33, 47).
 */
import assert from "node:assert/strict";
import { advanceIdle, configure, OCTT, reachCharging, startRig, statusesOf } from "./harness.ts";

Deno.test("TC_023 Start charging session - authorize invalid", async () => {
  await using rig = await startRig({
    before: (csms) => {
      csms.handlers.Authorize = (p) => ({
        idTagInfo: { status: p.idTag === OCTT.invalidIdTag ? "Invalid" : "Accepted" },
      });
    },
  });
  const { csms, station } = rig;
  await configure(rig, { MinimumStatusDuration: "10", LocalPreAuthorize: "true" });
  const m = csms.mark;
  station.plug(1);
  // MinimumStatusDuration 10: Preparing is reported once it has lasted 10 s.
  await advanceIdle(rig, 9_000);
  assert.deepEqual(statusesOf(rig, m), []);
  await advanceIdle(rig, 1_000);
  await csms.next("StatusNotification", m, (p) => p.status === "Preparing");
  station.tap(OCTT.invalidIdTag);
  const auth = await csms.next("Authorize", m);
  assert.deepEqual(auth.params, { idTag: OCTT.invalidIdTag });
  await advanceIdle(rig, 60_000);
  assert.deepEqual(csms.all("StartTransaction", m), []);
  assert.equal(station.connector(1).relay.closed, false);
  assert.deepEqual(statusesOf(rig, m), ["Preparing"]);
  // The cached Invalid is asked again online (section 3.5.1), and is still Invalid.
  station.tap(OCTT.invalidIdTag);
  await csms.next("Authorize", auth.seq + 1);
  await advanceIdle(rig, 5_000);
  assert.deepEqual(csms.all("StartTransaction", m), []);
  assert.deepEqual(csms.invalid, []);
});

Deno.test("TC_024 Start charging session - lock failure", async () => {
  await using rig = await startRig();
  const { csms, station } = rig;
  const m = csms.mark;
  const conf = await csms.call("GetConfiguration", { key: ["AuthorizeRemoteTxRequests"] });
  assert.equal(conf.configurationKey[0].key, "AuthorizeRemoteTxRequests");
  const remote = await csms.call("RemoteStartTransaction", {
    connectorId: 1,
    idTag: OCTT.validIdTag,
  });
  assert.deepEqual(remote, { status: "Accepted" });
  await csms.next("StatusNotification", m, (p) => p.status === "Preparing");
  // Plugged in halfway: the lock cannot engage.
  station.failNextLock(1);
  station.plug(1);
  const faulted = await csms.next("StatusNotification", m, (p) => p.status === "Faulted");
  assert.equal(faulted.params.connectorId, 1);
  assert.equal(faulted.params.errorCode, "ConnectorLockFailure");
  await advanceIdle(rig, 30_000);
  assert.deepEqual(csms.all("StartTransaction", m), []);
  assert.equal(station.connector(1).relay.closed, false);
  assert.deepEqual(statusesOf(rig, m), ["Preparing", "Faulted"]);
  assert.deepEqual(csms.invalid, []);
});

Deno.test("TC_026 Remote start charging session - rejected", async () => {
  await using rig = await startRig();
  const { csms } = rig;
  await configure(rig, { LocalPreAuthorize: "false" });
  await reachCharging(rig);
  const m = csms.mark;
  const answer = await csms.call("RemoteStartTransaction", {
    connectorId: OCTT.connectorId,
    idTag: OCTT.validIdTag2,
  });
  assert.deepEqual(answer, { status: "Rejected" });
  await advanceIdle(rig, 5_000);
  assert.deepEqual(csms.all("Authorize", m), []);
  assert.deepEqual(csms.all("StartTransaction", m), []);
  assert.deepEqual(csms.all("StopTransaction", m), []);
  assert.deepEqual(statusesOf(rig, m), []);
  assert.deepEqual(csms.invalid, []);
});

Deno.test("TC_027 Remote start transaction - connector id shall not be 0", async () => {
  await using rig = await startRig();
  const { csms, station } = rig;
  const m = csms.mark;
  const answer = await csms.call("RemoteStartTransaction", {
    connectorId: 0,
    idTag: OCTT.validIdTag,
  });
  assert.deepEqual(answer, { status: "Rejected" });
  // Nothing was authorized: plugging in starts nothing.
  station.plug(1);
  await csms.next("StatusNotification", m, (p) => p.status === "Preparing");
  await advanceIdle(rig, 5_000);
  assert.deepEqual(csms.all("StartTransaction", m), []);
  assert.deepEqual(csms.all("Authorize", m), []);
  assert.deepEqual(csms.invalid, []);
});

Deno.test("TC_028 Remote stop transaction - rejected", async () => {
  await using rig = await startRig();
  const { csms, station } = rig;
  const { transactionId } = await reachCharging(rig);
  const m = csms.mark;
  const answer = await csms.call("RemoteStopTransaction", { transactionId: transactionId + 1 });
  assert.deepEqual(answer, { status: "Rejected" });
  await advanceIdle(rig, 5_000);
  assert.deepEqual(csms.all("StopTransaction", m), []);
  assert.deepEqual(statusesOf(rig, m), []);
  assert.equal(station.connector(1).relay.closed, true);
  assert.deepEqual(csms.invalid, []);
});

Deno.test("TC_041 Fault behavior (connector 1)", async () => {
  await using rig = await startRig();
  const { csms, station } = rig;
  const m = csms.mark;
  station.injectFault(1, "GroundFailure");
  const faulted = await csms.next("StatusNotification", m, (p) => p.status === "Faulted");
  assert.equal(faulted.params.connectorId, 1);
  assert.equal(faulted.params.errorCode, "GroundFailure");
  // The EV driver tries every way to start.
  station.plug(1);
  station.tap(OCTT.validIdTag);
  const remote = await csms.call("RemoteStartTransaction", {
    connectorId: 1,
    idTag: OCTT.validIdTag,
  });
  assert.deepEqual(remote, { status: "Rejected" });
  await advanceIdle(rig, 60_000);
  assert.deepEqual(csms.all("StartTransaction", m), []);
  assert.equal(station.connector(1).relay.closed, false);
  assert.deepEqual(statusesOf(rig, m), ["Faulted"]);
  // Once the fault clears the connector is usable again.
  station.clearFault(1);
  await csms.next("StatusNotification", m, (p) => p.status === "Preparing");
  assert.deepEqual(csms.invalid, []);
});

Deno.test("TC_041 Fault behavior (connector 0: the whole charge point, section 4.9)", async () => {
  await using rig = await startRig();
  const { csms, station } = rig;
  const m = csms.mark;
  // Step 1: the charge point's own supervision reports a fault: connector 0 Faulted.
  station.injectFault(0, "HighTemperature", "enclosure too hot");
  const faulted = await csms.next("StatusNotification", m, (p) => p.status === "Faulted");
  assert.deepEqual(
    [faulted.params.connectorId, faulted.params.errorCode, faulted.params.info],
    [0, "HighTemperature", "enclosure too hot"],
  );
  // Step 3: the EV driver tries every way to start; nothing starts.
  station.plug(1);
  station.tap(OCTT.validIdTag);
  const remote = await csms.call("RemoteStartTransaction", {
    connectorId: 1,
    idTag: OCTT.validIdTag,
  });
  assert.deepEqual(remote, { status: "Rejected" });
  await advanceIdle(rig, 60_000);
  assert.deepEqual(csms.all("StartTransaction", m), []);
  assert.deepEqual(csms.all("Authorize", m), []);
  assert.equal(station.connector(1).relay.closed, false);
  assert.deepEqual(
    csms.all("StatusNotification", m).map((c) => [c.params.connectorId, c.params.status]),
    [[0, "Faulted"], [1, "Preparing"]],
  );
  // Once the fault clears the charge point is usable again.
  station.clearFault(0);
  await csms.next("StatusNotification", m, (p) => p.connectorId === 0 && p.status === "Available");
  station.tap(OCTT.validIdTag);
  await csms.next("StartTransaction", m);
  assert.deepEqual(csms.invalid, []);
});

Deno.test("A fault of connector 0 stops a running transaction with reason Other (section 4.9)", async () => {
  await using rig = await startRig();
  const { csms, station } = rig;
  await reachCharging(rig);
  const m = csms.mark;
  station.injectFault(0, "UnderVoltage");
  const stop = await csms.next("StopTransaction", m);
  assert.equal(stop.params.reason, "Other");
  assert.equal(station.connector(1).relay.closed, false);
  assert.deepEqual(csms.invalid, []);
});
