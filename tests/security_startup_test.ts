/**
 * The Charge Point's own critical security events (Security Whitepaper
 * chapter 8, A04.FR.01/02/04) against the strict ocpp-rpc Central System:
 * StartupOfTheDevice at every start, ResetOrReboot after a Reset,
 * SettingSystemTime when the Central System's currentTime moves the clock.
 * Each comes after the boot's StatusNotifications (the order of OCTT TC_001,
 * TC_013, TC_014), once, and is in the security log.
 */
import assert from "node:assert/strict";
import { advanceIdle, roundTrip, rpcIdle, startRig } from "./harness.ts";
import { startDurableRig } from "./_durability_rig.ts";
import type { Received } from "./csms.ts";

const actions = (rs: readonly Received[]) =>
  rs.map((r) => r.action === "SecurityEventNotification" ? `Security:${r.params.type}` : r.action);

Deno.test("StartupOfTheDevice: after the boot's StatusNotifications, once, and logged", async () => {
  await using rig = await startRig({ connectors: 2 });
  const { csms } = rig;
  await advanceIdle(rig, 3_000);
  assert.deepEqual(actions(csms.received), [
    "BootNotification",
    "StatusNotification",
    "StatusNotification",
    "StatusNotification",
    "Security:StartupOfTheDevice",
  ]);
  const ev = csms.all("SecurityEventNotification")[0]!;
  assert.equal(ev.params.techInfo, "first start (empty store)");
  assert.deepEqual(csms.invalid, []);
});

Deno.test("ResetOrReboot: a Hard and a Soft Reset are reported after the new boot's statuses", async () => {
  await using rig = await startRig();
  const { csms } = rig;
  for (const type of ["Hard", "Soft"] as const) {
    const m = csms.mark;
    assert.deepEqual(await csms.call("Reset", { type }), { status: "Accepted" });
    await csms.next("SecurityEventNotification", m, (p) => p.type === "StartupOfTheDevice");
    await advanceIdle(rig, 2_000);
    assert.deepEqual(actions(csms.received.slice(m)), [
      "BootNotification",
      "StatusNotification",
      "StatusNotification",
      "Security:ResetOrReboot",
      "Security:StartupOfTheDevice",
    ]);
    const [reset, startup] = csms.all("SecurityEventNotification", m);
    assert.equal(reset!.params.techInfo, `${type} reset`);
    assert.equal(startup!.params.techInfo, `started after: ${type} reset`);
  }
  assert.deepEqual(csms.invalid, []);
});

Deno.test("SettingSystemTime: the boot's currentTime an hour ahead moves the clock, reported once", async () => {
  const HOUR = 3_600_000;
  await using rig = await startRig({ csmsAheadMs: HOUR });
  const { csms } = rig;
  await advanceIdle(rig, 3_000);
  assert.deepEqual(actions(csms.received), [
    "BootNotification",
    "StatusNotification",
    "StatusNotification",
    "Security:StartupOfTheDevice",
    "Security:SettingSystemTime",
  ]);
  const ev = csms.all("SecurityEventNotification")[1]!;
  assert.match(
    String(ev.params.techInfo),
    /^clock moved \+36000\d\d ms to the Central System's currentTime$/,
  );
  // The next Heartbeat's time agrees within the tolerance: no second event.
  await csms.call("TriggerMessage", { requestedMessage: "Heartbeat" });
  await csms.next("Heartbeat");
  await rpcIdle(rig);
  assert.equal(csms.all("SecurityEventNotification").length, 2);
  assert.deepEqual(csms.invalid, []);
});

Deno.test("StartupOfTheDevice after a power loss: queued durably, delivered once, logged with the cause", async () => {
  await using rig = await startDurableRig();
  const { csms } = rig;
  await rig.offline();
  await rig.powerCycle();
  // Offline: logged at the start, held until a boot is Accepted.
  const log = () =>
    rig.storage.db.prepare("SELECT event, tech_info FROM security_log").all().map((l) => [
      l.event,
      l.tech_info,
    ]);
  await csms.until(() => log().length === 2, "the start-up to be logged");
  assert.deepEqual(log().at(-1), [
    "StartupOfTheDevice",
    "started after a power loss or crash (no clean stop)",
  ]);
  const m = csms.mark;
  await rig.online();
  const ev = await csms.next("SecurityEventNotification", m);
  assert.equal(ev.params.techInfo, "started after a power loss or crash (no clean stop)");
  await rig.advance(3_000);
  assert.deepEqual(
    csms.all("SecurityEventNotification", m).map((r) => r.params.type),
    ["StartupOfTheDevice"],
  );
  assert.equal(rig.cp.durability().queued, 0);
  assert.deepEqual(csms.invalid, []);
});

Deno.test("InvalidMessages: a frame that is not OCPP is in the security log, not sent (not critical)", async () => {
  await using rig = await startRig();
  const { csms } = rig;
  const m = csms.mark;
  await csms.sendRaw("hello");
  // A CALL with a payload its schema refuses: answered with the OCPP-J code and logged.
  // (raw: the strict client refuses to send it).
  await csms.sendRaw(JSON.stringify([2, "bad-1", "Reset", { type: "Warm" }]));
  await roundTrip(rig);
  const logged = rig.messages.flatMap((x) =>
    x.type === "store.security_log" && x.event === "InvalidMessages" ? [x.techInfo] : []
  );
  assert.deepEqual(logged, [
    "Cannot parse frame: not JSON",
    "Reset.req: type must be one of Hard, Soft",
  ]);
  assert.deepEqual(csms.all("SecurityEventNotification", m), []);
});
