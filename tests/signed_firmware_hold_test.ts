/**
 * Security Whitepaper L01.FR.06/07: a signed update waits for the
 * transaction to end before installing, and meanwhile every connector not
 * in use is Unavailable, and one whose session ends becomes so, until the
 * firmware is installed. Two connectors on a durable store, against the
 * strict Central System and an HTTP server on 127.0.0.1; the image signed by
 * openssl with a signing certificate of an installed
 * ManufacturerRootCertificate.
 *
 * @module
 */
import assert from "node:assert/strict";
import { simImage } from "../drivers/installer_sim.ts";
import { type DurableRig, startDurableRig } from "./_durability_rig.ts";
import { startHttp } from "./_transfer_peers.ts";
import { updates, waitFor } from "./_update_rig.ts";
import { CertMaker } from "./_cert_pki.ts";
import { OCTT, reachCharging, rpcIdle } from "./harness.ts";

const certs = await CertMaker.create();
const maker = await certs.root("Manufacturer Root");
const signer = await certs.signingCertificate(maker);
globalThis.addEventListener("unload", () => Deno.removeSync(certs.dir, { recursive: true }));

const now = (rig: DurableRig) => new Date(rig.clock.now()).toISOString();

Deno.test("signed firmware: while the install waits for a session, the idle connector is Unavailable and takes no session, until installed (L01.FR.07)", async () => {
  const image = simImage("1.3.0", "signed image body");
  await using http = startHttp();
  http.files.set("/fw.bin", new TextEncoder().encode(image));
  await using rig = await startDurableRig({ connectors: 2, updates: updates({}) });
  const { csms, station } = rig;
  const { transactionId } = await reachCharging(rig, { connectorId: 1 });
  const installed = await csms.call("InstallCertificate", {
    certificateType: "ManufacturerRootCertificate",
    certificate: maker.pem,
  });
  assert.equal(installed.status, "Accepted");
  const m = csms.mark;
  const answer = await csms.call("SignedUpdateFirmware", {
    requestId: 7,
    firmware: {
      location: `${http.base}/fw.bin`,
      retrieveDateTime: now(rig),
      signingCertificate: signer.pem,
      signature: await certs.signData(image, signer.keyFile),
    },
  });
  assert.equal(answer.status, "Accepted");
  await waitFor(
    rig,
    "SignedFirmwareStatusNotification",
    m,
    (p) => p.status === "SignatureVerified",
  );
  await csms.next("StatusNotification", m, (p) => p.connectorId === 2);
  await rpcIdle(rig);
  const statuses = (from: number, id: number) =>
    csms.all("StatusNotification", from).filter((r) => r.params.connectorId === id).map((r) =>
      r.params.status
    );
  const signed = (from: number) =>
    csms.all("SignedFirmwareStatusNotification", from).map((r) => r.params.status);
  assert.deepEqual(statuses(m, 2), ["Unavailable"]);
  assert.deepEqual(statuses(m, 1), [], "the session goes on: still Charging (L01.FR.06)");
  // No new session on the held connector, from the backend or from a card.
  const h = csms.mark;
  assert.equal(
    (await csms.call("RemoteStartTransaction", { connectorId: 2, idTag: OCTT.validIdTag2 }))
      .status,
    "Rejected",
  );
  station.plug(2);
  station.tap(OCTT.validIdTag2);
  await rig.advance(5_000);
  await rpcIdle(rig);
  assert.deepEqual(csms.all("StartTransaction", h), []);
  assert.deepEqual(signed(m), ["Downloading", "Downloaded", "SignatureVerified"]);
  // The session ends: its connector becomes Unavailable too, the install runs.
  const r = csms.mark;
  station.unplug(2);
  assert.equal((await csms.call("RemoteStopTransaction", { transactionId })).status, "Accepted");
  await waitFor(rig, "SignedFirmwareStatusNotification", r, (p) => p.status === "Installed");
  const boot = csms.all("BootNotification", r)[0]!;
  assert.equal(boot.params.firmwareVersion, "1.3.0");
  assert.ok(
    csms.all("StatusNotification", r).some((x) =>
      x.seq < boot.seq && x.params.connectorId === 1 && x.params.status === "Unavailable"
    ),
    "connector 1, free again before the install, is Unavailable (L01.FR.07)",
  );
  assert.ok(
    csms.all("StatusNotification", r).every((x) =>
      x.seq > boot.seq || x.params.connectorId !== 2 || x.params.status === "Unavailable"
    ),
    "connector 2 stays Unavailable until the reboot",
  );
  // After the reboot into the new version both connectors take sessions again.
  await csms.next("StatusNotification", boot.seq, (p) => p.connectorId === 2);
  await csms.next("StatusNotification", boot.seq, (p) => p.connectorId === 1);
  assert.equal(statuses(boot.seq, 2)[0], "Available");
  assert.equal(statuses(boot.seq, 1)[0], "Preparing", "the EV is still plugged in");
  assert.ok(
    csms.all("SignedFirmwareStatusNotification", m).every((x) => x.params.requestId === 7),
  );
  assert.deepEqual(csms.invalid, []);
});
