/**
 * OCTT Firmware Management and Diagnostics (TC_044_1/2/3, TC_045_1/2): the
 * whole runtime on a durable store against the strict ocpp-rpc Central
 * System, downloading from and uploading to real servers on 127.0.0.1
 * (pyftpdlib, an HTTP server), with the simulated installer.
 *
 * @module
 */
import assert from "node:assert/strict";
import { simImage } from "../drivers/installer_sim.ts";
import type { LogFile } from "../runtime/log_file.ts";
import { VERSION } from "../runtime/version.ts";
import { type DurableRig, startDurableRig } from "./_durability_rig.ts";
import { startFtp, startHttp } from "./_transfer_peers.ts";
import { diagnosticsStatuses, firmwareStatuses, updates, waitFor } from "./_update_rig.ts";

const now = (rig: DurableRig) => new Date(rig.clock.now()).toISOString();

Deno.test("TC_044_1 Firmware Update - Download and Install", async () => {
  await using ftp = await startFtp();
  await Deno.writeTextFile(`${ftp.root}/firmware-1.2.0.fwi`, simImage("1.2.0", "image body"));
  const logs: { file?: LogFile } = {};
  await using rig = await startDurableRig({ updates: updates(logs) });
  const { csms } = rig;
  const boot0 = csms.all("BootNotification")[0]!;
  assert.equal(boot0.params.firmwareVersion, VERSION);

  const m = csms.mark;
  // Step 1: location is the Firmware Download URL of the test data (ftp with user:password).
  const location = `${ftp.base}/firmware-1.2.0.fwi`;
  assert.deepEqual(await csms.call("UpdateFirmware", { location, retrieveDate: now(rig) }), {});
  const installed = await waitFor(
    rig,
    "FirmwareStatusNotification",
    m,
    (p) => p.status === "Installed",
  );
  // Steps 3, 5, 7: Downloading, Downloaded, Installing; then 9 Boot, 11 Available, 13 Installed.
  assert.deepEqual(firmwareStatuses(rig, m), [
    "Downloading",
    "Downloaded",
    "Installing",
    "Installed",
  ]);
  const installing = csms.all("FirmwareStatusNotification", m).find((r) =>
    r.params.status === "Installing"
  )!;
  const boot = csms.all("BootNotification", installing.seq)[0]!;
  assert.ok(boot, "the Charge Point reboots after installing");
  assert.equal(boot.params.firmwareVersion, "1.2.0", "the new version runs");
  const available = csms.all("StatusNotification", boot.seq).find((r) =>
    r.params.connectorId === 1
  )!;
  assert.equal(available.params.status, "Available");
  assert.ok(boot.seq < available.seq && available.seq < installed.seq, "the recommended order");
  assert.equal(rig.cp.restarts, 1);
  // The firmware file was downloaded whole and the password never reached the log.
  assert.equal(
    await Deno.readTextFile(`${rig.dataDir}/firmware/image.bin`),
    simImage("1.2.0", "image body"),
  );
  const text = logs.file!.tail(10_000).map((l) => l.text).join("\n");
  assert.match(text, /UpdateFirmware/);
  assert.doesNotMatch(text, /s3cret-ftp/);
  // TriggerMessage after the update: nothing runs, so Idle (section 4.5).
  const t = csms.mark;
  assert.equal(
    (await csms.call("TriggerMessage", { requestedMessage: "FirmwareStatusNotification" })).status,
    "Accepted",
  );
  await csms.next("FirmwareStatusNotification", t);
  assert.deepEqual(firmwareStatuses(rig, t), ["Idle"]);
  assert.deepEqual(csms.invalid, []);
});

Deno.test("TC_044_2 Firmware Update - Download Failed", async () => {
  await using ftp = await startFtp();
  await using rig = await startDurableRig({ updates: updates({}) });
  const { csms } = rig;
  const m = csms.mark;
  // Step 1: location ftp://127.0.0.1:<port>/download_fail.fwi (absent), retries 0.
  const location = `${ftp.base}/download_fail.fwi`;
  await csms.call("UpdateFirmware", { location, retrieveDate: now(rig), retries: 0 });
  await waitFor(rig, "FirmwareStatusNotification", m, (p) => p.status === "DownloadFailed");
  // retries 0 means one attempt, no retry (errata 3.50).
  await rig.advance(5 * 60_000);
  assert.deepEqual(firmwareStatuses(rig, m), ["Downloading", "DownloadFailed"]);
  assert.equal(rig.logs.filter((l) => /Firmware download attempt/.test(l)).length, 1);
  assert.ok(
    rig.logs.some((l) => /refused RETR \/download_fail\.fwi: 550/.test(l)),
    rig.logs.join("\n"),
  );
  // The old firmware stays, no reboot, and the Charge Point goes on (Available).
  assert.equal(rig.cp.restarts, 0);
  assert.equal(csms.all("BootNotification", m).length, 0);
  assert.equal(rig.cp.status().connectors[0]!.status, "Available");
  assert.deepEqual(csms.invalid, []);
});

Deno.test("TC_044_3 Firmware Update - Installation Failed", async () => {
  await using http = startHttp();
  http.files.set(
    "/fw/not-supported.bin",
    new TextEncoder().encode("MZ this is not a firmware image"),
  );
  await using rig = await startDurableRig({ updates: updates({}) });
  const { csms } = rig;
  const m = csms.mark;
  // Step 1: location is the location of a NOT supported file.
  await csms.call("UpdateFirmware", {
    location: `${http.base}/fw/not-supported.bin`,
    retrieveDate: now(rig),
  });
  await waitFor(rig, "FirmwareStatusNotification", m, (p) => p.status === "InstallationFailed");
  assert.deepEqual(firmwareStatuses(rig, m), [
    "Downloading",
    "Downloaded",
    "Installing",
    "InstallationFailed",
  ]);
  assert.ok(rig.logs.some((l) => /invalid image/.test(l)));
  // The old version runs (a later boot would say so), the connector is Available.
  assert.equal(rig.cp.updates!.runningVersion(), VERSION);
  assert.equal(rig.cp.status().connectors[0]!.status, "Available");
  assert.deepEqual(csms.invalid, []);
});

Deno.test("TC_045_1 Get Diagnostics", async () => {
  await using ftp = await startFtp();
  await Deno.mkdir(`${ftp.root}/diagnostics`);
  const logs: { file?: LogFile } = {};
  await using rig = await startDurableRig({ updates: updates(logs) });
  const { csms } = rig;
  const m = csms.mark;
  // Step 1: location is the configured log location.
  const answer = await csms.call("GetDiagnostics", { location: `${ftp.base}/diagnostics/` });
  assert.match(answer.fileName, /^diagnostics-CP-DURABLE-1-\d{8}T\d{6}Z\.tar\.gz$/);
  await waitFor(rig, "DiagnosticsStatusNotification", m, (p) => p.status === "Uploaded");
  assert.deepEqual(diagnosticsStatuses(rig, m), ["Uploading", "Uploaded"]);
  // The file at the location is one archive with the device log, frames included, no secret.
  const path = `${ftp.root}/diagnostics/${answer.fileName}`;
  const listing = new TextDecoder().decode(
    (await new Deno.Command("tar", { args: ["tzf", path] }).output()).stdout,
  );
  assert.deepEqual(listing.trim().split("\n"), ["wallbox.log", "info.json"]);
  const log = new TextDecoder().decode(
    (await new Deno.Command("tar", { args: ["xzOf", path, "wallbox.log"] }).output()).stdout,
  );
  assert.match(log, /BootNotification/);
  assert.match(log, /GetDiagnostics/);
  assert.doesNotMatch(log, /s3cret-ftp/);
  // Idle once nothing runs.
  const t = csms.mark;
  await csms.call("TriggerMessage", { requestedMessage: "DiagnosticsStatusNotification" });
  await csms.next("DiagnosticsStatusNotification", t);
  assert.deepEqual(diagnosticsStatuses(rig, t), ["Idle"]);
  assert.deepEqual(csms.invalid, []);
});

Deno.test("TC_045_2 Get Diagnostics - Upload Failed", async () => {
  await using ftp = await startFtp();
  await using rig = await startDurableRig({ updates: updates({}) });
  const { csms } = rig;
  const m = csms.mark;
  // Step 1: retries 0, location ftp://127.0.0.1:<port>/files/failedLocation (no such directory).
  const answer = await csms.call("GetDiagnostics", {
    location: `${ftp.base}/files/failedLocation`,
    retries: 0,
  });
  assert.ok(answer.fileName);
  await waitFor(rig, "DiagnosticsStatusNotification", m, (p) => p.status === "UploadFailed");
  await rig.advance(5 * 60_000);
  // Uploading once, then UploadFailed; one attempt; the Charge Point goes on.
  assert.deepEqual(diagnosticsStatuses(rig, m), ["Uploading", "UploadFailed"]);
  assert.equal(rig.logs.filter((l) => /Diagnostics upload attempt/.test(l)).length, 1);
  assert.ok(rig.logs.some((l) => /refused STOR/.test(l)), rig.logs.join("\n"));
  assert.equal(rig.cp.status().connectors[0]!.status, "Available");
  assert.deepEqual(csms.invalid, []);
});
