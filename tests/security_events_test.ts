/**
 * Security events on a durable store (Security Whitepaper A04.FR.02/04): a
 * critical event that happens while the Central System is unreachable is
 * queued in the outbox, survives a power cut and is delivered once after it;
 * the security log keeps it too.
 */
import assert from "node:assert/strict";
import { rpcIdle } from "./harness.ts";
import { startDurableRig } from "./_durability_rig.ts";

Deno.test("a critical security event while offline survives a power cut and is delivered once", async () => {
  await using rig = await startDurableRig();
  const { csms } = rig;
  await rig.offline();
  // No tamper sensor driver exists yet: the fact is published as a driver would.
  rig.cp.bus.publish({
    type: "sec.event",
    event: "TamperDetectionActivated",
    techInfo: "enclosure opened",
  });
  assert.equal(rig.cp.durability().queued, 1);
  await rig.powerCycle();
  await rig.online();
  const ev = await csms.next(
    "SecurityEventNotification",
    0,
    (p) => p.type !== "StartupOfTheDevice",
  );
  assert.equal(ev.params.type, "TamperDetectionActivated");
  assert.equal(ev.params.techInfo, "enclosure opened");
  await rpcIdle(rig);
  await rig.advance(2_000);
  await rpcIdle(rig);
  // Tamper once; StartupOfTheDevice at the first start and after the power cut.
  assert.deepEqual(csms.all("SecurityEventNotification").map((r) => r.params.type), [
    "StartupOfTheDevice",
    "TamperDetectionActivated",
    "StartupOfTheDevice",
  ]);
  assert.equal(rig.cp.durability().queued, 0);
  const log = rig.storage.db.prepare("SELECT event, tech_info FROM security_log").all();
  assert.deepEqual(log.map((l) => [l.event, l.tech_info]), [
    ["StartupOfTheDevice", "first start (empty store)"],
    ["TamperDetectionActivated", "enclosure opened"],
    ["StartupOfTheDevice", "started after a power loss or crash (no clean stop)"],
  ]);
  assert.deepEqual(csms.invalid, []);
});
