/**
 * OCTT cases of the Core profile's power failure behaviour (OCTT test case
 * document chapter 2.13, Tables 36-38) and the seed's "Neustart der
 * Transaktion nach Stromausfall": the runtime on a durable store is
 * power-cycled (halted without a clean stop, contactors dropped, started
 * again on the same store and the station state file) against the real
 * Central System of `csms.ts`.
 */
import assert from "node:assert/strict";
import { OCTT, reachCharging, rpcIdle } from "./harness.ts";
import { startDurableRig, transactionCalls } from "./_durability_rig.ts";

/** [connectorId, status] of the StatusNotifications from position `from` on. */
function statuses(
  csms: { all(a: string, f: number): { params: Record<string, unknown> }[] },
  from: number,
) {
  return csms.all("StatusNotification", from).map((r) => [r.params.connectorId, r.params.status]);
}

Deno.test("TC_032_1 Power failure boot charging point - configured to stop transaction(s) before going down", async () => {
  await using rig = await startDurableRig({ connectors: 2 });
  const { csms } = rig;
  const { transactionId } = await reachCharging(rig);
  await rig.advance(20_000);
  const m = csms.mark;
  // The backup supply reports the power failure (SIGPWR in main.ts): transactions end first.
  await rig.cp.shutdown("PowerLoss", 5_000);
  const stop = await csms.next("StopTransaction", m);
  assert.equal(stop.params.reason, "PowerLoss");
  assert.equal(stop.params.transactionId, transactionId);
  await csms.next("StatusNotification", m, (p) => p.connectorId === 1 && p.status === "Finishing");
  const down = csms.mark;
  await rig.restart();
  const boot = await csms.next("BootNotification", down);
  await csms.next("StatusNotification", boot.seq, (p) => p.connectorId === 2);
  const after = statuses(csms, boot.seq);
  assert.deepEqual(after.filter(([id]) => id !== 1), [[0, "Available"], [2, "Available"]]);
  const c1 = after.filter(([id]) => id === 1).map(([, s]) => s);
  assert.equal(c1.length, 1);
  assert.ok(c1[0] === "Finishing" || c1[0] === "Preparing", `connector 1: ${c1[0]}`);
  await rpcIdle(rig);
  // Nothing more of that transaction, and no new one.
  assert.deepEqual(transactionCalls(csms, down), []);
  assert.deepEqual(csms.invalid, []);
});

Deno.test("TC_032_2 Power failure boot charging point-configured to stop transaction(s)", async () => {
  await using rig = await startDurableRig({
    settings: { resumeTransactionAfterPowerLoss: true, MeterValueSampleInterval: 10 },
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
  // The interrupted transaction ends with PowerLoss at the last journaled reading and time...
  const stop = await csms.next("StopTransaction", boot.seq);
  assert.equal(stop.params.reason, "PowerLoss");
  assert.equal(stop.params.transactionId, transactionId);
  assert.equal(stop.params.idTag, start.idTag);
  assert.equal(stop.params.meterStop, Number(last.sampledValue[0].value));
  assert.equal(stop.params.timestamp, last.timestamp);
  // ...and, the EV still plugged in, a new one starts for the same idTag (resumed).
  const resumed = await csms.next("StartTransaction", boot.seq);
  assert.ok(stop.seq < resumed.seq);
  assert.equal(resumed.params.idTag, start.idTag);
  assert.ok(resumed.params.meterStart >= stop.params.meterStop, "the register went on");
  await csms.next(
    "StatusNotification",
    boot.seq,
    (p) => p.connectorId === 1 && p.status === "Charging",
  );
  const c1 = statuses(csms, boot.seq).filter(([id]) => id === 1).map(([, s]) => s);
  assert.ok(
    c1.every((s) =>
      ["Preparing", "Finishing", "Charging", "Available", "Unavailable"].includes(String(s))
    ),
    `connector 1 after the boot: ${c1}`,
  );
  await rpcIdle(rig);
  // The driver swipes the card: the resumed transaction stops normally.
  const swipe = csms.mark;
  rig.station.tap(OCTT.validIdTag);
  const local = await csms.next("StopTransaction", swipe);
  assert.equal(local.params.reason, "Local");
  assert.equal(local.params.transactionId, csms.nextTransactionId - 1);
  await csms.next(
    "StatusNotification",
    swipe,
    (p) => p.connectorId === 1 && p.status === "Finishing",
  );
  await rpcIdle(rig);
  assert.equal(csms.all("StopTransaction").length, 2);
  assert.equal(csms.all("StartTransaction").length, 2);
  assert.deepEqual(csms.invalid, []);
});

Deno.test("TC_034 Power failure with unavailable status", async () => {
  await using rig = await startDurableRig({ connectors: 2 });
  const { csms } = rig;
  const m = csms.mark;
  const answer = await csms.call("ChangeAvailability", { connectorId: 0, type: "Inoperative" });
  assert.equal(answer.status, "Accepted");
  await csms.next("StatusNotification", m, (p) => p.connectorId === 2);
  assert.deepEqual(statuses(csms, m), [[0, "Unavailable"], [1, "Unavailable"], [2, "Unavailable"]]);
  // The setting write is under way with the answer; it completes before this power cut.
  await rig.cp.flushed();
  const down = csms.mark;
  await rig.powerCycle();
  const boot = await csms.next("BootNotification", down);
  await csms.next("StatusNotification", boot.seq, (p) => p.connectorId === 2);
  assert.deepEqual(statuses(csms, boot.seq), [
    [0, "Unavailable"],
    [1, "Unavailable"],
    [2, "Unavailable"],
  ]);
  assert.deepEqual(csms.invalid, []);
});

Deno.test("power loss without ResumeTransactionAfterPowerLoss: PowerLoss stop, cable released, no new transaction", async () => {
  await using rig = await startDurableRig({ settings: { MeterValueSampleInterval: 0 } });
  const { csms } = rig;
  const { transactionId } = await reachCharging(rig);
  // No sample is configured: the reading is journaled at least every minute.
  await rig.advance(90_000);
  const down = csms.mark;
  await rig.powerCycle();
  const stop = await csms.next("StopTransaction", down);
  assert.equal(stop.params.reason, "PowerLoss");
  assert.equal(stop.params.transactionId, transactionId);
  // 60 s at 7400 W: the reading journaled a minute into the transaction.
  assert.ok(stop.params.meterStop >= 121 && stop.params.meterStop <= 126, stop.params.meterStop);
  await csms.next(
    "StatusNotification",
    down,
    (p) => p.connectorId === 1 && p.status === "Finishing",
  );
  await rpcIdle(rig);
  assert.deepEqual(csms.all("StartTransaction", down), []);
  assert.equal(rig.station.connector(1).lock.locked, false);
  assert.equal(rig.station.connector(1).plugged, true);
  assert.equal(rig.cp.durability().previousRun, "power_loss");
  assert.equal(rig.cp.durability().openTransactions, 0);
  assert.deepEqual(csms.invalid, []);
});

Deno.test("power loss while offline: the queued messages and the PowerLoss stop arrive in order with the assigned id", async () => {
  await using rig = await startDurableRig({
    settings: { AllowOfflineTxForUnknownId: true, MeterValueSampleInterval: 10 },
  });
  const { csms, station } = rig;
  await rig.offline();
  station.plug(1);
  station.tap("OFFLINE-1");
  await csms.until(() => station.connector(1).relay.closed, "charging to start offline");
  await rig.advance(25_000);
  await rig.powerCycle();
  await rig.advance(5_000);
  const m = csms.mark;
  await rig.online();
  await csms.until(() => csms.all("StopTransaction", m).length === 1, "the PowerLoss stop");
  await rpcIdle(rig);
  const calls = transactionCalls(csms, m);
  const id = csms.nextTransactionId - 1;
  assert.deepEqual(calls.map((c) => [c.action, c.params.transactionId]), [
    ["StartTransaction", undefined],
    ["MeterValues", id],
    ["MeterValues", id],
    ["StopTransaction", id],
  ]);
  const stop = calls.at(-1)!.params;
  assert.equal(stop.reason, "PowerLoss");
  const lastMv = calls[2]!.params.meterValue as { sampledValue: { value: string }[] }[];
  assert.equal(stop.meterStop, Number(lastMv[0]!.sampledValue[0]!.value));
  assert.deepEqual(csms.invalid, []);
});
