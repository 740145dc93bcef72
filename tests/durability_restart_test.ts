/**
 * Restarts that must lose nothing: a Reset with transaction messages still
 * queued, a clean stop (SIGTERM), a message the Central System keeps
 * refusing (given up, kept, shown), and safe mode after a damaged store.
 * The whole runtime on a durable store against the real Central System.
 */
import assert from "node:assert/strict";
import { OCTT, reachCharging, rpcIdle } from "./harness.ts";
import { startDurableRig, transactionCalls } from "./_durability_rig.ts";
import { SAFE_MODE_INFO } from "../runtime/runtime.ts";

Deno.test("Reset with transaction messages waiting for a retry loses none of them", async () => {
  let refuse = true;
  await using rig = await startDurableRig({
    settings: { MeterValueSampleInterval: 10, TransactionMessageRetryInterval: 600 },
    before: (csms) => {
      csms.handlers.MeterValues = () => {
        if (refuse) throw new Error("database busy");
        return {};
      };
    },
  });
  const { csms } = rig;
  const { transactionId } = await reachCharging(rig);
  await rig.advance(10_000);
  await csms.until(() => csms.all("MeterValues").length === 1, "the first MeterValues");
  await csms.until(
    () => rig.logs.some((l) => l.includes("MeterValues failed")),
    "the CALLERROR to be seen",
  );
  // Waiting 600 s for the retry; the Reset comes first and restarts the actors in-process.
  const r = csms.mark;
  assert.equal((await csms.call("Reset", { type: "Soft" })).status, "Accepted");
  await rig.advance(31_000); // the StopTransaction waits behind the retry: restart after 30 s
  const boot = await csms.next("BootNotification", r);
  refuse = false;
  await csms.until(() => csms.all("StopTransaction", boot.seq).length === 1, "the queued stop");
  await rpcIdle(rig);
  const after = transactionCalls(csms, boot.seq);
  assert.deepEqual(after.map((c) => [c.action, c.params.transactionId]), [
    ["MeterValues", transactionId],
    ["StopTransaction", transactionId],
  ]);
  assert.equal(after[1]!.params.reason, "SoftReset");
  assert.equal(rig.cp.restarts, 1);
  assert.equal(rig.cp.durability().queued, 0);
  assert.deepEqual(csms.invalid, []);
});

Deno.test("a StopTransaction the Central System keeps refusing is given up, kept and shown, never re-sent", async () => {
  await using rig = await startDurableRig({
    settings: { TransactionMessageAttempts: 2, TransactionMessageRetryInterval: 5 },
    before: (csms) => {
      csms.handlers.StopTransaction = () => {
        throw new Error("cannot process");
      };
    },
  });
  const { csms, station } = rig;
  const { transactionId } = await reachCharging(rig);
  station.tap(OCTT.validIdTag);
  await csms.until(() => csms.all("StopTransaction").length === 1, "the first attempt");
  // The retry's timer starts when the CALLERROR reaches the Charge Point: only then move time.
  await csms.until(
    () => rig.cp.bus.snapshot("rpc").inflight === undefined,
    "the CALLERROR to reach the Charge Point",
  );
  await rig.advance(6_000);
  await csms.until(() => csms.all("StopTransaction").length === 2, "the retry");
  await csms.until(() => rig.cp.durability().givenUp === 1, "the message to be given up");
  const view = rig.cp.durability();
  assert.equal(view.queued, 0);
  assert.equal(view.openTransactions, 0);
  assert.equal(view.recentGivenUp[0]!.action, "StopTransaction");
  assert.equal(view.recentGivenUp[0]!.reason, "GenericError: cannot process");
  assert.equal(JSON.parse(view.recentGivenUp[0]!.payload).reason, "Local");
  assert.ok(rig.logs.some((l) => l.includes("StopTransaction given up after 2 attempts")));
  // Section 3.7.1: the queue goes on; a restart does not bring the message back.
  await rig.restart();
  await rig.advance(2_000);
  await rpcIdle(rig);
  assert.equal(csms.all("StopTransaction").length, 2);
  assert.equal(rig.cp.durability().givenUp, 1);
  assert.equal(csms.all("StopTransaction")[1]!.params.transactionId, transactionId);
  assert.deepEqual(csms.invalid, []);
});

Deno.test("a clean stop ends transactions with Reboot first; the next start is clean with nothing to finish", async () => {
  await using rig = await startDurableRig();
  const { csms } = rig;
  const { transactionId } = await reachCharging(rig);
  const m = csms.mark;
  await rig.cp.shutdown("Reboot", 5_000);
  const stop = await csms.next("StopTransaction", m);
  assert.deepEqual([stop.params.reason, stop.params.transactionId], ["Reboot", transactionId]);
  await rig.restart();
  await csms.next("BootNotification", m);
  await rpcIdle(rig);
  assert.equal(rig.cp.durability().previousRun, "clean");
  assert.equal(csms.all("StopTransaction", m).length, 1);
  assert.deepEqual(csms.all("StartTransaction", m), []);
  assert.deepEqual(csms.invalid, []);
});

Deno.test("safe mode: connector 0 Faulted, no session starts, kept across a power cut until cleared", async () => {
  await using rig = await startDurableRig({ safeMode: "store was damaged and moved aside" });
  const { csms, station } = rig;
  const faulted = csms.all("StatusNotification").find((r) => r.params.connectorId === 0)!;
  assert.deepEqual(
    [faulted.params.status, faulted.params.errorCode, faulted.params.info],
    ["Faulted", "InternalError", SAFE_MODE_INFO],
  );
  const view = rig.cp.durability();
  assert.equal(view.state, "safe_mode");
  assert.equal(view.chargingDisabled, "store was damaged and moved aside");
  assert.equal(rig.cp.status().durability.state, "safe_mode");
  const m = csms.mark;
  station.plug(1);
  station.tap(OCTT.validIdTag);
  const remote = await csms.call("RemoteStartTransaction", { connectorId: 1, idTag: "R" });
  assert.equal(remote.status, "Rejected");
  await rig.advance(3_000);
  assert.deepEqual(csms.all("Authorize", m), []);
  assert.deepEqual(csms.all("StartTransaction", m), []);
  assert.equal(station.connector(1).relay.closed, false);
  // Still disabled after a power cut: the flag is in the store.
  await rig.powerCycle();
  await csms.next("BootNotification", m);
  assert.equal(rig.cp.durability().state, "safe_mode");
  // An operator clears it (local API): the Charge Point comes back and charges.
  const c = csms.mark;
  await rig.cp.clearSafeMode();
  await csms.next("StatusNotification", c, (p) => p.connectorId === 0 && p.status === "Available");
  assert.equal(rig.cp.durability().state, "ok");
  const { transactionId } = await reachCharging(rig);
  assert.ok(transactionId > 0);
  assert.deepEqual(csms.invalid, []);
});
