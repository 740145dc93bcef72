/**
 * Firmware updates with bad input from the Central System or the network
 * (issue 11, "Bad input"): a malformed location, a refused FTP login with
 * retries, a truncated download. Each ends in DownloadFailed with the
 * reason in the log, the old firmware untouched and the Charge Point
 * running on, against the strict Central System and real servers on
 * 127.0.0.1.
 *
 * @module
 */
import assert from "node:assert/strict";
import { simImage } from "../drivers/installer_sim.ts";
import { VERSION } from "../runtime/version.ts";
import { type DurableRig, startDurableRig } from "./_durability_rig.ts";
import { FTP_USER, startFtp, startHttp } from "./_transfer_peers.ts";
import { firmwareStatuses, updates, waitFor } from "./_update_rig.ts";

const now = (rig: DurableRig) => new Date(rig.clock.now()).toISOString();

async function failedUpdate(rig: DurableRig, payload: Record<string, unknown>): Promise<void> {
  const m = rig.csms.mark;
  await rig.csms.call("UpdateFirmware", { retrieveDate: now(rig), ...payload });
  await waitFor(rig, "FirmwareStatusNotification", m, (p) => p.status === "DownloadFailed");
  assert.deepEqual(firmwareStatuses(rig, m), ["Downloading", "DownloadFailed"]);
}

Deno.test("firmware: bad locations and refused logins end in DownloadFailed with the reason; nothing else changes", async () => {
  await using ftp = await startFtp();
  await Deno.writeTextFile(`${ftp.root}/fw.bin`, simImage("3.0.0"));
  await using http = startHttp();
  http.files.set("/fw.bin", new TextEncoder().encode(simImage("3.0.0", "y".repeat(50_000))));
  http.truncate.set("/fw.bin", 100);
  await using rig = await startDurableRig({ updates: updates({}) });
  // A URI by the schema (ocpp-rpc checks), but no host to download from.
  await failedUpdate(rig, { location: "ftp://", retries: 0 });
  assert.ok(rig.logs.some((l) => /Malformed location ftp:\/\/: not a URL/.test(l)));
  await failedUpdate(rig, { location: "sftp://127.0.0.1/fw.bin", retries: 0 });
  assert.ok(rig.logs.some((l) => /Unsupported location sftp:/.test(l)));
  // A refused login, retried once after retryInterval: two attempts, one Downloading.
  const bad = `ftp://${FTP_USER}:wrong-password@127.0.0.1:${ftp.port}/fw.bin`;
  await failedUpdate(rig, { location: bad, retries: 1, retryInterval: 10 });
  assert.equal(rig.logs.filter((l) => /FTP login refused .* for user octt: 530/.test(l)).length, 2);
  assert.equal(rig.logs.some((l) => l.includes("wrong-password")), false, "no password in the log");
  await failedUpdate(rig, { location: `${http.base}/fw.bin`, retries: 0 });
  assert.ok(rig.logs.some((l) => /Truncated download/.test(l)));
  // The old firmware runs, no reboot happened, and the wallbox still answers.
  assert.equal(rig.cp.updates!.runningVersion(), VERSION);
  assert.equal(rig.cp.restarts, 0);
  assert.equal(rig.cp.status().connectors[0]!.status, "Available");
  const hb = await rig.csms.call("TriggerMessage", { requestedMessage: "Heartbeat" });
  assert.equal(hb.status, "Accepted");
  assert.deepEqual(rig.csms.invalid, []);
});
