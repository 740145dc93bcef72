/**
 * OCTT certificate management cases (test case document 2.24.1 and 2.24.2,
 * Security Whitepaper M03-M05) against the real strict Central System: root
 * certificates made by openssl are installed, listed with hash data the
 * test computes on its own (`openssl ocsp`, as the OCTT "verifies ... based
 * on its own calculation"), deleted, and refused when invalid with the
 * security event; an installed Central System root verifies the backend's
 * TLS certificate and cannot be deleted while the connection depends on it.
 */
import assert from "node:assert/strict";
import { makeTestPki, rpcIdle, startRig } from "./harness.ts";
import { CertMaker } from "./_cert_pki.ts";

const certs = await CertMaker.create();
const pki = await makeTestPki();
// Made before any rig starts: a rig's FakeClock stands still, a certificate made later
// would not be valid yet by the Charge Point's clock.
const ROOTS = await Promise.all(Array.from({ length: 28 }, (_, i) => certs.root(`Root ${i}`)));
let nextRoot = 0;
const oldRoot = ROOTS[27]!;
const successor = await certs.issuedCa("Successor Root", oldRoot);
const freshRoot = () => ROOTS[nextRoot++]!;
globalThis.addEventListener("unload", () => {
  Deno.removeSync(certs.dir, { recursive: true });
  Deno.removeSync(pki.dir, { recursive: true });
});

/** TC_075_1 and TC_075_2: install a root of `certificateType`, find it by its hash data. */
async function installAndList(
  certificateType: "ManufacturerRootCertificate" | "CentralSystemRootCertificate",
): Promise<void> {
  await using r = await startRig();
  const { csms } = r;
  const root = freshRoot();
  // Step 1-2: InstallCertificate with the certificate from the store.
  const installed = await csms.call("InstallCertificate", {
    certificateType,
    certificate: root.pem,
  });
  assert.equal(installed.status, "Accepted");
  // Step 3-4: the list holds it, by the tool's own calculation of the hash data.
  const list = await csms.call("GetInstalledCertificateIds", { certificateType });
  assert.equal(list.status, "Accepted");
  const expected = await certs.hashData(root.file, root.file);
  assert.deepEqual(list.certificateHashData, [expected]);
  // The other type holds nothing.
  const other = certificateType === "CentralSystemRootCertificate"
    ? "ManufacturerRootCertificate"
    : "CentralSystemRootCertificate";
  const none = await csms.call("GetInstalledCertificateIds", { certificateType: other });
  assert.equal(none.status, "NotFound");
  assert.equal(none.certificateHashData, undefined);
  assert.deepEqual(csms.invalid, []);
}

Deno.test(
  "TC_075_1 Install a certificate on the Charge Point - ManufacturerRootCertificate",
  () => installAndList("ManufacturerRootCertificate"),
);

Deno.test(
  "TC_075_2 Install a certificate on the Charge Point - CentralSystemRootCertificate",
  () => installAndList("CentralSystemRootCertificate"),
);

Deno.test("TC_076 Delete a specific certificate from the Charge Point", async () => {
  await using r = await startRig();
  const { csms } = r;
  const root = freshRoot();
  // Memory state CertificateInstalled.
  const kept = freshRoot();
  for (const c of [root, kept]) {
    const a = await csms.call("InstallCertificate", {
      certificateType: "CentralSystemRootCertificate",
      certificate: c.pem,
    });
    assert.equal(a.status, "Accepted");
  }
  // Step 1-2.
  const before = await csms.call("GetInstalledCertificateIds", {
    certificateType: "CentralSystemRootCertificate",
  });
  assert.equal(before.certificateHashData.length, 2);
  const target = await certs.hashData(root.file, root.file);
  assert.deepEqual(before.certificateHashData[0], target);
  // Step 3-4: by the hash data, with the algorithm given at step 2 (M04.FR.07); the hex
  // in upper case, as some backends write it, matches too.
  const del = await csms.call("DeleteCertificate", {
    certificateHashData: { ...target, issuerKeyHash: target.issuerKeyHash.toUpperCase() },
  });
  assert.equal(del.status, "Accepted");
  // Step 5-6: gone, the other one still there.
  const after = await csms.call("GetInstalledCertificateIds", {
    certificateType: "CentralSystemRootCertificate",
  });
  assert.deepEqual(after.certificateHashData, [await certs.hashData(kept.file, kept.file)]);
  // M04.FR.04: unknown hash data.
  const again = await csms.call("DeleteCertificate", { certificateHashData: target });
  assert.equal(again.status, "NotFound");
  // The same certificate with SHA-512 hash data is found by those too.
  const by512 = await csms.call("DeleteCertificate", {
    certificateHashData: await certs.hashData(kept.file, kept.file, "sha512"),
  });
  assert.equal(by512.status, "Accepted");
  assert.deepEqual(csms.invalid, []);
});

Deno.test("TC_078 Invalid CentralSystemCertificate Security Event (InstallCertificate of an expired root)", async () => {
  await using r = await startRig();
  const { csms } = r;
  const expired = await certs.expiredRoot("TC_078 Expired Root");
  const from = csms.mark;
  // Step 1-2.
  const answer = await csms.call("InstallCertificate", {
    certificateType: "CentralSystemRootCertificate",
    certificate: expired.pem,
  });
  assert.equal(answer.status, "Rejected");
  // Step 3-4: the security event.
  const ev = await csms.next("SecurityEventNotification", from);
  assert.equal(ev.params.type, "InvalidCentralSystemCertificate");
  assert.match(ev.params.techInfo, /expired/);
  assert.ok(Date.parse(ev.params.timestamp) > 0);
  // Nothing installed.
  const list = await csms.call("GetInstalledCertificateIds", {
    certificateType: "CentralSystemRootCertificate",
  });
  assert.equal(list.status, "NotFound");
  await rpcIdle(r);
  assert.deepEqual(csms.invalid, []);
});

Deno.test("InstallCertificate refuses what is not a root certificate, changes nothing, never crashes", async () => {
  await using r = await startRig();
  const { csms } = r;
  const leafPem = await Deno.readTextFile(pki.client.certFile);
  for (
    const [certificate, why] of [
      ["not a certificate at all", "no PEM"],
      ["-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n", "not an X.509"],
      [leafPem, "not a CA"],
      [pki.ca.pem + pki.ca.pem, "2 certificates"],
    ] as const
  ) {
    const from = csms.mark;
    const a = await csms.call("InstallCertificate", {
      certificateType: "ManufacturerRootCertificate",
      certificate,
    });
    assert.equal(a.status, "Rejected", why);
    assert.ok(r.logs.some((l) => l.includes(why)), why);
    // A refused manufacturer root is no InvalidCentralSystemCertificate event.
    await rpcIdle(r);
    assert.equal(csms.all("SecurityEventNotification", from).length, 0);
  }
  const list = await csms.call("GetInstalledCertificateIds", {
    certificateType: "ManufacturerRootCertificate",
  });
  assert.equal(list.status, "NotFound");
});

Deno.test("InstallCertificate: the same root twice is kept once; CertificateStoreMaxLength is respected", async () => {
  await using r = await startRig();
  const { csms } = r;
  const max = (await csms.call("GetConfiguration", { key: ["CertificateStoreMaxLength"] }))
    .configurationKey[0];
  assert.equal(max.readonly, true);
  const limit = Number(max.value);
  const first = freshRoot();
  for (let i = 0; i < 2; i++) {
    const a = await csms.call("InstallCertificate", {
      certificateType: "ManufacturerRootCertificate",
      certificate: first.pem,
    });
    assert.equal(a.status, "Accepted");
  }
  for (let i = 1; i < limit; i++) {
    const c = freshRoot();
    const a = await csms.call("InstallCertificate", {
      certificateType: "ManufacturerRootCertificate",
      certificate: c.pem,
    });
    assert.equal(a.status, "Accepted");
  }
  // M05.FR.03: full.
  const one = freshRoot();
  const full = await csms.call("InstallCertificate", {
    certificateType: "ManufacturerRootCertificate",
    certificate: one.pem,
  });
  assert.equal(full.status, "Rejected");
  const list = await csms.call("GetInstalledCertificateIds", {
    certificateType: "ManufacturerRootCertificate",
  });
  assert.equal(list.certificateHashData.length, limit);
});

Deno.test("An installed Central System root verifies the backend's TLS certificate; deleting it while in use is Failed", async () => {
  const KEY = "OCTT-initial-key-0001";
  await using r = await startRig({
    settings: { securityProfile: 2, backendPassword: KEY, tlsCaFile: pki.ca.file },
    csms: { tls: pki.server, passwords: () => [KEY] },
  });
  const { csms } = r;
  const a = await csms.call("InstallCertificate", {
    certificateType: "CentralSystemRootCertificate",
    certificate: pki.ca.pem,
  });
  assert.equal(a.status, "Accepted");
  // Without the CA file, only the installed root can verify the server.
  const connections = csms.connections;
  const from = csms.mark;
  await r.cp.updateSettings({ tlsCaFile: "" });
  await csms.until(() => csms.connections > connections, "the Charge Point to reconnect");
  await csms.next("BootNotification", from);
  // M04.FR.06: it is the root the connection is verified with.
  const hash = await certs.hashData(pki.ca.file, pki.ca.file);
  const del = await csms.call("DeleteCertificate", { certificateHashData: hash });
  assert.equal(del.status, "Failed");
  const list = await csms.call("GetInstalledCertificateIds", {
    certificateType: "CentralSystemRootCertificate",
  });
  assert.deepEqual(list.certificateHashData, [hash]);
  assert.deepEqual(csms.invalid, []);
});

Deno.test("TC_078 (connection part) the refused Central System certificate is a security event, queued until a connection is accepted", async () => {
  const KEY = "OCTT-initial-key-0001";
  // No tlsCaFile: the server's certificate cannot be verified (A00.FR.309/310).
  await using r = await startRig({
    noWait: true,
    settings: { securityProfile: 2, backendPassword: KEY },
    csms: { tls: pki.server, passwords: () => [KEY] },
  });
  const { csms } = r;
  await csms.until(
    () => r.messages.some((m) => m.type === "store.outbox_put"),
    "the security event to be queued in the outbox",
  );
  assert.equal(csms.upgrades, 0);
  assert.equal(r.cp.durability().queued, 1);
  // The operator installs the CA: the queued event is delivered (A04.FR.02).
  await r.cp.updateSettings({ tlsCaFile: pki.ca.file });
  const ev = await csms.next("SecurityEventNotification");
  assert.equal(ev.params.type, "InvalidCentralSystemCertificate");
  assert.match(ev.params.techInfo, /^TLS verification failed/);
  await rpcIdle(r);
  assert.equal(r.cp.durability().queued, 0);
  // A04.FR.04: in the security log too, with the (not sent) change of tlsCaFile.
  const log = r.cp.journal.storage.db.prepare("SELECT event, tech_info FROM security_log").all();
  assert.deepEqual(log.map((l) => l.event), [
    "StartupOfTheDevice",
    "InvalidCentralSystemCertificate",
    "ReconfigurationOfSecurityParameters",
  ]);
  assert.equal(log[2]!.tech_info, "TlsCaFile changed");
  // Each once; the start-up's own event follows the boot's statuses.
  assert.deepEqual(csms.all("SecurityEventNotification").map((x) => x.params.type), [
    "InvalidCentralSystemCertificate",
    "StartupOfTheDevice",
  ]);
  assert.deepEqual(csms.invalid, []);
});

Deno.test("AdditionalRootCertificateCheck: a new Central System root must be signed by the old one, which stays until a connection", async () => {
  await using r = await startRig();
  const { csms } = r;
  // A read-only key: the maker sets it.
  await r.store.set("AdditionalRootCertificateCheck", true);
  const install = (certificate: string) =>
    csms.call("InstallCertificate", {
      certificateType: "CentralSystemRootCertificate",
      certificate,
    });
  assert.equal((await install(oldRoot.pem)).status, "Accepted");
  // M05.FR.10: not signed by the installed root.
  assert.equal((await install(ROOTS[26]!.pem)).status, "Rejected");
  // M05.FR.11: signed by it: installed, the old one kept as fallback.
  assert.equal((await install(successor.pem)).status, "Accepted");
  const list = () =>
    csms.call("GetInstalledCertificateIds", { certificateType: "CentralSystemRootCertificate" });
  assert.equal((await list()).certificateHashData.length, 2);
  // M05.FR.12: after a successful connection the fallback goes.
  const from = csms.mark;
  await csms.drop();
  // The reconnect waits for its backoff on the Charge Point's clock.
  for (let s = 0; s < 120 && csms.all("BootNotification", from).length === 0; s++) {
    await r.advance(1_000);
  }
  await csms.next("BootNotification", from);
  await rpcIdle(r);
  const after = await list();
  assert.deepEqual(after.certificateHashData, [await certs.hashData(successor.file, oldRoot.file)]);
});
