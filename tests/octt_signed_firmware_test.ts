/**
 * OCTT Secure Firmware Update (TC_080, TC_081, Security Whitepaper L01):
 * the whole runtime on a durable store against the strict Central System,
 * downloading from a real FTP server on 127.0.0.1 (pyftpdlib), the image
 * signed by openssl with a signing certificate of an installed
 * ManufacturerRootCertificate, installed by the simulated installer.
 *
 * @module
 */
import assert from "node:assert/strict";
import { simImage } from "../drivers/installer_sim.ts";
import { VERSION } from "../runtime/version.ts";
import { type DurableRig, startDurableRig } from "./_durability_rig.ts";
import { startFtp } from "./_transfer_peers.ts";
import { updates, waitFor } from "./_update_rig.ts";
import { CertMaker } from "./_cert_pki.ts";

const certs = await CertMaker.create();
const maker = await certs.root("Manufacturer Root");
const signer = await certs.signingCertificate(maker);
const stranger = await certs.signingCertificate(await certs.root("Someone else"));
globalThis.addEventListener("unload", () => Deno.removeSync(certs.dir, { recursive: true }));

const IMAGE = simImage("1.2.0", "signed image body");
const now = (rig: DurableRig) => new Date(rig.clock.now()).toISOString();

function statuses(rig: DurableRig, from: number): string[] {
  return rig.csms.all("SignedFirmwareStatusNotification", from).map((r) => r.params.status);
}

/** Installs the manufacturer root (TC_075_1) and sends SignedUpdateFirmware; returns its answer. */
async function signedUpdate(
  rig: DurableRig,
  location: string,
  signature: string,
  signingCertificate = signer.pem,
): Promise<string> {
  const installed = await rig.csms.call("InstallCertificate", {
    certificateType: "ManufacturerRootCertificate",
    certificate: maker.pem,
  });
  assert.equal(installed.status, "Accepted");
  const answer = await rig.csms.call("SignedUpdateFirmware", {
    requestId: 80,
    firmware: { location, retrieveDateTime: now(rig), signingCertificate, signature },
  });
  return answer.status;
}

Deno.test("TC_080 Secure Firmware Update", async () => {
  await using ftp = await startFtp();
  await Deno.writeTextFile(`${ftp.root}/firmware-1.2.0.fwi`, IMAGE);
  await using rig = await startDurableRig({ updates: updates({}) });
  const { csms } = rig;
  const m = csms.mark;
  // Steps 1-2: the Charge Point verified the certificate.
  const status = await signedUpdate(
    rig,
    `${ftp.base}/firmware-1.2.0.fwi`,
    await certs.signData(IMAGE, signer.keyFile),
  );
  assert.equal(status, "Accepted");
  const installed = await waitFor(
    rig,
    "SignedFirmwareStatusNotification",
    m,
    (p) => p.status === "Installed",
  );
  // Steps 3, 5, 7, 9, 17, each with the requestId.
  assert.deepEqual(statuses(rig, m), [
    "Downloading",
    "Downloaded",
    "SignatureVerified",
    "Installing",
    "Installed",
  ]);
  assert.ok(
    csms.all("SignedFirmwareStatusNotification", m).every((r) => r.params.requestId === 80),
  );
  // Steps 11-16: the reboot into the new version, Available, the FirmwareUpdated event.
  const installing = csms.all("SignedFirmwareStatusNotification", m).find((r) =>
    r.params.status === "Installing"
  )!;
  const boot = csms.all("BootNotification", installing.seq)[0]!;
  assert.equal(boot.params.firmwareVersion, "1.2.0");
  // The order of steps 11, 13, 15 and 17 may vary.
  const available = await csms.next("StatusNotification", boot.seq, (p) => p.connectorId === 1);
  assert.equal(available.params.status, "Available");
  const ev = await csms.next(
    "SecurityEventNotification",
    boot.seq,
    (p) => p.type !== "ResetOrReboot" && p.type !== "StartupOfTheDevice",
  );
  assert.equal(ev.params.type, "FirmwareUpdated");
  // The reboot is the Charge Point's own critical events too (whitepaper chapter 8).
  await csms.next("SecurityEventNotification", boot.seq, (p) => p.type === "StartupOfTheDevice");
  assert.deepEqual(
    csms.all("SecurityEventNotification", boot.seq).map((r) => r.params.type).sort(),
    ["FirmwareUpdated", "ResetOrReboot", "StartupOfTheDevice"],
  );
  assert.ok(boot.seq < installed.seq);
  assert.deepEqual(csms.invalid, []);
});

Deno.test("TC_081 Secure Firmware Update - Invalid Signature", async () => {
  await using ftp = await startFtp();
  await Deno.writeTextFile(`${ftp.root}/firmware-1.2.0.fwi`, IMAGE);
  await using rig = await startDurableRig({ updates: updates({}) });
  const { csms } = rig;
  const m = csms.mark;
  // Step 1: firmware.signature is an invalid signature (over another image).
  const status = await signedUpdate(
    rig,
    `${ftp.base}/firmware-1.2.0.fwi`,
    await certs.signData("another image", signer.keyFile),
  );
  assert.equal(status, "Accepted");
  await waitFor(rig, "SignedFirmwareStatusNotification", m, (p) => p.status === "InvalidSignature");
  // Steps 3, 5, 7.
  assert.deepEqual(statuses(rig, m), ["Downloading", "Downloaded", "InvalidSignature"]);
  const ev = await csms.next("SecurityEventNotification", m);
  assert.equal(ev.params.type, "InvalidFirmwareSignature");
  // Nothing installed: the same version, no reboot.
  assert.equal(rig.cp.restarts, 0);
  assert.equal(csms.all("BootNotification", m).length, 0);
  assert.deepEqual(csms.invalid, []);
});

Deno.test("SignedUpdateFirmware: a signing certificate of no installed manufacturer root is InvalidCertificate", async () => {
  await using rig = await startDurableRig({ updates: updates({}) });
  const { csms } = rig;
  const m = csms.mark;
  const status = await signedUpdate(
    rig,
    "ftp://127.0.0.1:1/firmware.fwi",
    await certs.signData(IMAGE, stranger.keyFile),
    stranger.pem,
  );
  // L01.FR.24/25.
  assert.equal(status, "InvalidCertificate");
  const ev = await csms.next("SecurityEventNotification", m);
  assert.equal(ev.params.type, "InvalidFirmwareSigningCertificate");
  assert.equal(statuses(rig, m).length, 0);
  assert.equal(rig.cp.restarts, 0);
  // ExtendedTriggerMessage FirmwareStatusNotification: nothing runs.
  const t = csms.mark;
  const trig = await csms.call("ExtendedTriggerMessage", {
    requestedMessage: "FirmwareStatusNotification",
  });
  assert.equal(trig.status, "Accepted");
  const idle = await csms.next("SignedFirmwareStatusNotification", t);
  assert.deepEqual(idle.params, { status: "Idle" });
  assert.equal(csms.all("BootNotification", m).length, 0);
  assert.equal(csms.all("BootNotification")[0]!.params.firmwareVersion, VERSION);
});
