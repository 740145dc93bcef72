/**
 * The authorization modes of the wallbox app (seed "OCPP Authorisierung":
 * no OCPP / free charging / OCPP authorization, with "Whitelist für
 * Berechtigungen": OCPP or local) online against the real Central System,
 * a Local Authorization List kept up to date (full, differential, version
 * mismatch), and the lists and cache surviving a Reset and a restart on the
 * same store (OCPP 1.6 errata 3.4).
 */
import assert from "node:assert/strict";
import { FakeClock } from "../actors/clock.ts";
import { idKey } from "../actors/auth_decision.ts";
import { memoryLogger } from "../runtime/log.ts";
import type { Runtime } from "../runtime/runtime.ts";
import { simHardware } from "../runtime/sim_hardware.ts";
import { Storage } from "../runtime/storage.ts";
import { Csms } from "./csms.ts";
import {
  configure,
  lastDecision,
  openWallboxStore,
  rpcIdle,
  startRig,
  startRuntime,
  statusesOf,
} from "./harness.ts";

const auth = (cp: Runtime) => cp.bus.snapshot("authorization");

Deno.test("free charging: plugging in starts a transaction with FreeChargingIdTag, no Authorize.req, cards change nothing", async () => {
  await using rig = await startRig({
    settings: { authorizationMode: "free", freeChargingIdTag: "WALLBOX-FREE" },
  });
  const { csms, station } = rig;
  const m = csms.mark;
  station.plug(1);
  const start = await csms.next("StartTransaction", m);
  assert.equal(start.params.idTag, "WALLBOX-FREE");
  await csms.next("StatusNotification", m, (p) => p.status === "Charging");
  station.tap("SOMEONE");
  await rpcIdle(rig);
  assert.deepEqual(csms.all("Authorize", m), []);
  assert.equal(station.connector(1).relay.closed, true);
  station.unplug(1);
  const stop = await csms.next("StopTransaction", m);
  assert.equal(stop.params.reason, "EVDisconnected");
  await csms.next("StatusNotification", m, (p) => p.status === "Available");
  assert.deepEqual(statusesOf(rig, m), ["Preparing", "Charging", "Finishing", "Available"]);
  assert.deepEqual(csms.invalid, []);
});

Deno.test("no OCPP with the local whitelist: only listed cards start, Authorize.req is never sent, transactions are reported", async () => {
  await using rig = await startRig({
    settings: { authorizationMode: "local", whitelistSource: "local" },
  });
  const { csms, station } = rig;
  rig.cp.whitelist.replace([{ idTag: "OWNER-1", name: "Owner" }, {
    idTag: "GUEST-1",
    expiry: "2000-01-01T00:00:00.000Z",
  }]);
  const m = csms.mark;
  station.plug(1);
  await csms.next("StatusNotification", m, (p) => p.status === "Preparing");
  for (const idTag of ["STRANGER", "GUEST-1"]) station.tap(idTag);
  await rpcIdle(rig);
  assert.deepEqual(
    ["STRANGER", "GUEST-1"].map((t) => lastDecision(rig, t).info.status),
    ["Invalid", "Expired"],
  );
  assert.equal(station.connector(1).relay.closed, false);
  station.tap("owner-1");
  const start = await csms.next("StartTransaction", m);
  assert.equal(start.params.idTag, "owner-1");
  await csms.next("StatusNotification", m, (p) => p.status === "Charging");
  assert.deepEqual(csms.all("Authorize", m), []);
  assert.deepEqual(csms.invalid, []);
});

Deno.test("no OCPP with the OCPP whitelist: the Central System's list decides, Authorize.req is never sent", async () => {
  await using rig = await startRig({ settings: { authorizationMode: "local" } });
  const { csms, station } = rig;
  const sent = await csms.call("SendLocalList", {
    listVersion: 1,
    updateType: "Full",
    localAuthorizationList: [
      { idTag: "LISTED", idTagInfo: { status: "Accepted", parentIdTag: "FLEET" } },
      { idTag: "BLOCKED", idTagInfo: { status: "Blocked" } },
    ],
  });
  assert.deepEqual(sent, { status: "Accepted" });
  const m = csms.mark;
  station.plug(1);
  station.tap("BLOCKED");
  station.tap("UNLISTED");
  await rpcIdle(rig);
  assert.equal(lastDecision(rig, "BLOCKED").info.status, "Blocked");
  assert.equal(lastDecision(rig, "UNLISTED").info.status, "Invalid");
  station.tap("LISTED");
  await csms.next("StartTransaction", m, (p) => p.idTag === "LISTED");
  assert.deepEqual(lastDecision(rig, "LISTED").info, { status: "Accepted", parentIdTag: "FLEET" });
  assert.deepEqual(csms.all("Authorize", m), []);
  assert.deepEqual(csms.invalid, []);
});

Deno.test("OCPP authorization with the local whitelist as local list: listed cards start at once (LocalPreAuthorize), others are asked", async () => {
  await using rig = await startRig({ settings: { whitelistSource: "local" } });
  const { csms, station } = rig;
  await configure(rig, { LocalPreAuthorize: "true" });
  rig.cp.whitelist.replace([{ idTag: "OWNER-1" }]);
  const m = csms.mark;
  station.plug(1);
  station.tap("OWNER-1");
  await csms.next("StartTransaction", m);
  assert.deepEqual(csms.all("Authorize", m), []);
  assert.equal(lastDecision(rig, "OWNER-1").source, "list");
  station.tap("OWNER-1");
  await csms.next("StopTransaction", m);
  station.unplug(1);
  station.plug(1);
  station.tap("VISITOR");
  const asked = await csms.next("Authorize", m);
  assert.deepEqual(asked.params, { idTag: "VISITOR" });
  await csms.next("StartTransaction", m, (p) => p.idTag === "VISITOR");
  assert.deepEqual(csms.invalid, []);
});

Deno.test("Local Authorization List: full, then differential (add, update, remove), then a version mismatch; decisions follow", async () => {
  await using rig = await startRig({
    before: (csms) => {
      csms.handlers.Authorize = () => ({ idTagInfo: { status: "Invalid" } });
    },
  });
  const { csms, station } = rig;
  await configure(rig, { LocalPreAuthorize: "true" });
  const ok = { status: "Accepted" };
  const call = (p: unknown) => csms.call("SendLocalList", p);
  const version = async () => (await csms.call("GetLocalListVersion", {})).listVersion;
  assert.equal(await version(), 0);
  assert.deepEqual(
    await call({
      listVersion: 10,
      updateType: "Full",
      localAuthorizationList: [{ idTag: "A", idTagInfo: ok }, { idTag: "B", idTagInfo: ok }],
    }),
    { status: "Accepted" },
  );
  assert.equal(await version(), 10);
  assert.deepEqual(
    await call({
      listVersion: 11,
      updateType: "Differential",
      localAuthorizationList: [
        { idTag: "B" },
        { idTag: "a", idTagInfo: { status: "Blocked" } },
        { idTag: "C", idTagInfo: ok },
      ],
    }),
    { status: "Accepted" },
  );
  assert.equal(await version(), 11);
  assert.deepEqual(
    await call({ listVersion: 11, updateType: "Differential", localAuthorizationList: [] }),
    { status: "VersionMismatch" },
  );
  assert.equal(await version(), 11);
  const list = auth(rig.cp).list.entries;
  assert.deepEqual([...list.keys()].sort(), ["A", "C"]);
  assert.equal(list.get(idKey("a"))?.info.status, "Blocked");
  // C is on the list: no Authorize.req; B was removed and A is Blocked: both asked.
  const m = csms.mark;
  station.plug(1);
  for (const idTag of ["B", "A"]) {
    const at = csms.mark;
    station.tap(idTag);
    await csms.next("Authorize", at, (p) => p.idTag === idTag);
    await rpcIdle(rig);
  }
  station.tap("C");
  await csms.next("StartTransaction", m, (p) => p.idTag === "C");
  assert.deepEqual(csms.all("Authorize", m).map((r) => r.params.idTag), ["B", "A"]);
  assert.deepEqual(csms.invalid, []);
});

Deno.test("the list, the cache and the whitelist survive a Soft Reset and a restart on the same store (errata 3.4)", async () => {
  const csms = await Csms.start();
  const dir = await Deno.makeTempDir({ prefix: "cp-auth-" });
  const store = await openWallboxStore(dir, {
    backendUrl: csms.url,
    chargePointId: "CP-AUTH-1",
    settings: { LocalPreAuthorize: true },
  });
  const clock = new FakeClock(Date.now());
  csms.now = () => clock.now();
  const boot = () => {
    const from = csms.mark;
    const cp = startRuntime({
      store,
      clock,
      hardware: simHardware({ clock, connectors: 1, fixedCable: false }),
      logger: memoryLogger([]),
      storage: Storage.open(`${dir}/state.db`),
    });
    // The statuses of this boot's own connection: the connection of an earlier
    // boot may still deliver a late StatusNotification (seen 45 ms after a Soft Reset).
    const ready = csms.next("BootNotification", from).then((b) =>
      csms.next("StatusNotification", b.seq, (p) => p.connectorId === 1)
    );
    return { cp, ready };
  };
  try {
    let { cp, ready } = boot();
    await ready;
    await csms.call("SendLocalList", {
      listVersion: 4,
      updateType: "Full",
      localAuthorizationList: [{ idTag: "LISTED", idTagInfo: { status: "Accepted" } }],
    });
    cp.whitelist.replace([{ idTag: "OWNER", name: "Owner" }]);
    const m = csms.mark;
    cp.sim!.tap("CACHED");
    await csms.next("Authorize", m);
    await csms.until(() => auth(cp).cache.size === 1, "the cache entry");
    const r = csms.mark;
    assert.equal((await csms.call("Reset", { type: "Soft" })).status, "Accepted");
    // The statuses of the new connection (the old one may still report before it closes).
    const rebooted = await csms.next("BootNotification", r);
    await csms.next("StatusNotification", rebooted.seq, (p) => p.connectorId === 1);
    assert.equal(cp.restarts, 1);
    assert.deepEqual(await csms.call("GetLocalListVersion", {}), { listVersion: 4 });
    assert.deepEqual([...auth(cp).cache.keys()], ["CACHED"]);
    cp.stop();
    await cp.flushed();
    // A new process on the same data directory.
    ({ cp, ready } = boot());
    await ready;
    assert.deepEqual(await csms.call("GetLocalListVersion", {}), { listVersion: 4 });
    assert.deepEqual([...auth(cp).cache.keys()], ["CACHED"]);
    assert.deepEqual(cp.whitelist.entries(), [{ idTag: "OWNER", name: "Owner" }]);
    // LocalPreAuthorize: the stored cache answers without Authorize.req.
    const t = csms.mark;
    cp.sim!.tap("CACHED");
    await csms.until(
      () => auth(cp).cache.size === 1 && cp.status().connectors[0]!.status === "Preparing",
      "Preparing",
    );
    assert.deepEqual(csms.all("Authorize", t), []);
    cp.stop();
    await cp.flushed();
    assert.deepEqual(csms.invalid, []);
  } finally {
    await csms.close();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("a card of the same group (parentIdTag on the local list) stops the session without Authorize.req; a stranger does not", async () => {
  await using rig = await startRig();
  const { csms, station } = rig;
  await configure(rig, { LocalPreAuthorize: "true" });
  const fleet = { status: "Accepted", parentIdTag: "FLEET" };
  await csms.call("SendLocalList", {
    listVersion: 1,
    updateType: "Full",
    localAuthorizationList: [
      { idTag: "DRIVER-1", idTagInfo: fleet },
      { idTag: "DRIVER-2", idTagInfo: fleet },
    ],
  });
  const m = csms.mark;
  station.plug(1);
  station.tap("DRIVER-1");
  await csms.next("StartTransaction", m);
  await csms.next("StatusNotification", m, (p) => p.status === "Charging");
  await rpcIdle(rig);
  station.tap("STRANGER");
  await csms.next("Authorize", m, (p) => p.idTag === "STRANGER");
  await rpcIdle(rig);
  assert.deepEqual(csms.all("StopTransaction", m), [], "another group does not stop it");
  station.tap("DRIVER-2");
  const stop = await csms.next("StopTransaction", m);
  assert.equal(stop.params.reason, "Local");
  assert.equal(stop.params.idTag, "DRIVER-2");
  assert.equal(stop.params.transactionId, 1);
  assert.deepEqual(csms.all("Authorize", m).map((r) => r.params.idTag), ["STRANGER"]);
  assert.deepEqual(csms.invalid, []);
});
