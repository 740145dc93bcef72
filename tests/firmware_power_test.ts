/**
 * Firmware updates across a power loss, and never during a charging
 * session: the runtime on a durable store is power-cycled (halted without a
 * clean stop, started again on the same store) in the middle of a download
 * and of an install, against the strict Central System and a real HTTP
 * server on 127.0.0.1.
 *
 * @module
 */
import assert from "node:assert/strict";
import { simImage } from "../drivers/installer_sim.ts";
import { VERSION } from "../runtime/version.ts";
import { type DurableRig, startDurableRig, transactionCalls } from "./_durability_rig.ts";
import { startHttp } from "./_transfer_peers.ts";
import { firmwareStatuses, updates, waitFor } from "./_update_rig.ts";
import { reachCharging, rpcIdle } from "./harness.ts";

const IMAGE = new TextEncoder().encode(simImage("2.0.0", "x".repeat(200_000)));
const now = (rig: DurableRig) => new Date(rig.clock.now()).toISOString();

Deno.test("firmware: a power loss during the download restarts it after the boot; the update finishes and the transaction is kept", async () => {
  await using http = startHttp();
  http.files.set("/fw.bin", IMAGE);
  http.hold.set("/fw.bin", 50_000);
  await using rig = await startDurableRig({ updates: updates({}) });
  const { csms } = rig;
  const { transactionId } = await reachCharging(rig);
  const m = csms.mark;
  await csms.call("UpdateFirmware", { location: `${http.base}/fw.bin`, retrieveDate: now(rig) });
  await csms.until(() => http.held > 0, "the download to be under way");
  await rpcIdle(rig);
  assert.deepEqual(firmwareStatuses(rig, m), ["Downloading"]);
  const down = csms.mark;
  await rig.powerCycle();
  http.release();
  await waitFor(rig, "FirmwareStatusNotification", down, (p) => p.status === "Installed");
  // Downloading was reported before the cut; the download ran again after it (two GETs).
  assert.deepEqual(firmwareStatuses(rig, m), [
    "Downloading",
    "Downloaded",
    "Installing",
    "Installed",
  ]);
  assert.deepEqual(http.requests, ["GET /fw.bin", "GET /fw.bin"]);
  // The interrupted transaction ended with PowerLoss before installing began.
  const stop = csms.all("StopTransaction", down)[0]!;
  assert.equal(stop.params.transactionId, transactionId);
  assert.equal(stop.params.reason, "PowerLoss");
  const installing = csms.all("FirmwareStatusNotification", m).find((r) =>
    r.params.status === "Installing"
  )!;
  assert.ok(stop.seq < installing.seq);
  assert.deepEqual(transactionCalls(csms).map((c) => c.action).filter((a) => a !== "MeterValues"), [
    "StartTransaction",
    "StopTransaction",
  ]);
  const boots = csms.all("BootNotification", down);
  assert.deepEqual(boots.map((b) => b.params.firmwareVersion), [VERSION, "2.0.0"]);
  const files = [...Deno.readDirSync(`${rig.dataDir}/firmware`)].map((e) => e.name);
  assert.deepEqual(files, ["image.bin"], "no partial file left");
  assert.deepEqual(csms.invalid, []);
});

Deno.test("firmware: a power loss during the install fails it cleanly after the boot; the old version runs", async () => {
  await using http = startHttp();
  http.files.set("/fw.bin", IMAGE);
  await using rig = await startDurableRig({ updates: updates({}, { installMs: 60_000 }) });
  const { csms } = rig;
  const m = csms.mark;
  await csms.call("UpdateFirmware", { location: `${http.base}/fw.bin`, retrieveDate: now(rig) });
  await waitFor(rig, "FirmwareStatusNotification", m, (p) => p.status === "Installing");
  await rpcIdle(rig);
  const down = csms.mark;
  await rig.powerCycle();
  await waitFor(rig, "FirmwareStatusNotification", down, (p) => p.status === "InstallationFailed");
  assert.deepEqual(firmwareStatuses(rig, m), [
    "Downloading",
    "Downloaded",
    "Installing",
    "InstallationFailed",
  ]);
  assert.equal(csms.all("BootNotification", down)[0]!.params.firmwareVersion, VERSION);
  assert.ok(rig.logs.some((l) => /installation was interrupted/.test(l)));
  // Long after, still the old version and no late switch of the abandoned install.
  await rig.advance(120_000);
  assert.equal(rig.cp.updates!.runningVersion(), VERSION);
  assert.equal(rig.cp.restarts, 0);
  assert.deepEqual(csms.invalid, []);
});

Deno.test("firmware: installing waits until the charging session ended (errata 3.49)", async () => {
  await using http = startHttp();
  http.files.set("/fw.bin", IMAGE);
  await using rig = await startDurableRig({ updates: updates({}) });
  const { csms } = rig;
  const { transactionId } = await reachCharging(rig);
  const m = csms.mark;
  await csms.call("UpdateFirmware", { location: `${http.base}/fw.bin`, retrieveDate: now(rig) });
  await waitFor(rig, "FirmwareStatusNotification", m, (p) => p.status === "Downloaded");
  await rig.advance(10 * 60_000);
  await rpcIdle(rig);
  assert.deepEqual(firmwareStatuses(rig, m), ["Downloading", "Downloaded"]);
  assert.equal(rig.cp.status().connectors[0]!.transactionId, transactionId);
  const r = csms.mark;
  assert.equal((await csms.call("RemoteStopTransaction", { transactionId })).status, "Accepted");
  const installed = await waitFor(
    rig,
    "FirmwareStatusNotification",
    r,
    (p) => p.status === "Installed",
  );
  const stop = csms.all("StopTransaction", r)[0]!;
  const installing = csms.all("FirmwareStatusNotification", r)[0]!;
  assert.equal(installing.params.status, "Installing");
  assert.ok(stop.seq < installing.seq && installing.seq < installed.seq);
  assert.deepEqual(csms.invalid, []);
});

Deno.test("firmware: retrieveDate in the future waits on the clock, also across a power loss", async () => {
  await using http = startHttp();
  http.files.set("/fw.bin", IMAGE);
  await using rig = await startDurableRig({ updates: updates({}) });
  const { csms } = rig;
  const m = csms.mark;
  const retrieveDate = new Date(rig.clock.now() + 3_600_000).toISOString();
  await csms.call("UpdateFirmware", { location: `${http.base}/fw.bin`, retrieveDate });
  await rig.advance(30 * 60_000);
  await rpcIdle(rig);
  assert.deepEqual(firmwareStatuses(rig, m), []);
  await rig.powerCycle();
  // To a second before retrieveDate on the fake clock (waitFor then steps a second at a time).
  await rig.advance(Date.parse(retrieveDate) - rig.clock.now() - 1000);
  await rpcIdle(rig);
  assert.deepEqual(firmwareStatuses(rig, m), [], "not before retrieveDate");
  await waitFor(rig, "FirmwareStatusNotification", m, (p) => p.status === "Downloading");
  assert.ok(rig.clock.now() >= Date.parse(retrieveDate), "at retrieveDate");
  await waitFor(rig, "FirmwareStatusNotification", m, (p) => p.status === "Installed");
  assert.deepEqual(http.requests, ["GET /fw.bin"]);
});
