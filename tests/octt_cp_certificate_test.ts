/**
 * OCTT cases of the Charge Point's own certificate (Security Whitepaper A02)
 * against the real strict Central System over TLS with client certificates
 * (security profile 3): ExtendedTriggerMessage SignChargePointCertificate, the
 * CSR the Charge Point makes with a key generated on the device, the
 * certificate signed by the test's CA (openssl), the switch to it and the
 * reconnect (TC_074), an invalid one refused with the security event
 * (TC_077), the other messages ExtendedTriggerMessage names, and the private
 * key never leaving the data directory.
 */
import assert from "node:assert/strict";
import { createApi } from "../api/api.ts";
import { configure, makeTestPki, type Rig, rpcIdle, startRig } from "./harness.ts";
import { CertMaker } from "./_cert_pki.ts";
import { startHttp } from "./_transfer_peers.ts";

const pki = await makeTestPki();
const certs = await CertMaker.create();
const untrusted = await certs.root("Not the CPO's CA");
const subCa = await certs.issuedCa("CPO Sub-CA", {
  file: pki.ca.file,
  keyFile: `${pki.dir}/ca.key`,
});
globalThis.addEventListener("unload", () => {
  Deno.removeSync(pki.dir, { recursive: true });
  Deno.removeSync(certs.dir, { recursive: true });
});
const CA = { file: pki.ca.file, keyFile: `${pki.dir}/ca.key` };
const CPO = "OpenWallbox Test CPO";

/** A Charge Point on security profile 3 with the client certificate of the test PKI. */
function profile3(): Promise<Rig> {
  return startRig({
    settings: {
      securityProfile: 3,
      tlsCaFile: pki.ca.file,
      tlsClientCertFile: pki.client.certFile,
      tlsClientKeyFile: pki.client.keyFile,
    },
    csms: { tls: { ...pki.server, ca: pki.ca.pem, clientCert: "required" } },
  });
}

/** Steps 1-4: ExtendedTriggerMessage, SignCertificate with the CSR (Accepted); returns the CSR. */
async function requestCsr(r: Rig): Promise<string> {
  const { csms } = r;
  const from = csms.mark;
  const ext = await csms.call("ExtendedTriggerMessage", {
    requestedMessage: "SignChargePointCertificate",
  });
  assert.equal(ext.status, "Accepted");
  const sign = await csms.next("SignCertificate", from);
  return sign.params.csr;
}

/** The Charge Point's clock catches up with real time, so a certificate made now is valid. */
async function catchUp(r: Rig): Promise<void> {
  await r.advance(Math.max(0, Date.now() - r.clock.now()) + 2_000);
}

async function serialOf(pem: string): Promise<string> {
  const out = await new Deno.Command("openssl", {
    args: ["x509", "-noout", "-serial"],
    stdin: "piped",
    stdout: "piped",
  }).spawn();
  const w = out.stdin.getWriter();
  await w.write(new TextEncoder().encode(pem));
  await w.close();
  const text = new TextDecoder().decode((await out.output()).stdout);
  return text.trim().replace(/^serial=/, "").toLowerCase().replace(/^0+(?=.)/, "");
}

Deno.test("TC_074 Update Charge Point Certificate by request of Central System", async () => {
  await using r = await profile3();
  const { csms } = r;
  // Before: CpoName is the configured vendor name.
  await configure(r, { CpoName: CPO });
  const csr = await requestCsr(r);
  // A02.FR.03/13, A00.FR.511: a PKCS#10 CSR, PEM, signed by its key, O = CpoName, CN = the
  // serial number (none set here: the Charge Point id stands for it).
  assert.match(csr, /^-----BEGIN CERTIFICATE REQUEST-----\n/);
  const facts = await certs.csrFacts(csr);
  assert.equal(facts.subject, `subject=CN = CP-TEST-1, O = ${CPO}`);
  // The Certificate Authority Server signs it.
  const signed = await certs.sign(csr, CA);
  await catchUp(r);
  const connections = csms.connections;
  const from = csms.mark;
  // Steps 5-6.
  const conf = await csms.call("CertificateSigned", { certificateChain: signed });
  assert.equal(conf.status, "Accepted");
  // Step 7: it reconnects with the new certificate.
  await csms.until(() => csms.connections > connections, "the Charge Point to reconnect");
  await csms.next("BootNotification", from);
  assert.equal(csms.lastHandshake?.clientCn, "CP-TEST-1");
  assert.equal(csms.lastHandshake?.clientSerial, await serialOf(signed));
  // The key was made on the device, in its data directory, readable by the owner only.
  const keyFile = String(r.store.get("TlsClientKeyFile"));
  assert.ok(keyFile.startsWith(`${r.dataDir}/certs/cp-`), keyFile);
  assert.equal((await Deno.stat(keyFile)).mode! & 0o777, 0o600);
  assert.equal((await Deno.stat(`${r.dataDir}/certs`)).mode! & 0o777, 0o700);
  await rpcIdle(r);
  assert.deepEqual(csms.invalid, []);
});

Deno.test("TC_077 Invalid ChargePointCertificate Security Event", async () => {
  await using r = await profile3();
  const { csms } = r;
  await configure(r, { CpoName: CPO });
  const csr = await requestCsr(r);
  // Step 5: an invalid certificate: signed by a CA outside the operator's hierarchy.
  const invalid = await certs.sign(csr, untrusted);
  await catchUp(r);
  const connections = csms.connections;
  const from = csms.mark;
  const conf = await csms.call("CertificateSigned", { certificateChain: invalid });
  // Step 6.
  assert.equal(conf.status, "Rejected");
  // Step 7-8.
  const ev = await csms.next("SecurityEventNotification", from);
  assert.equal(ev.params.type, "InvalidChargePointCertificate");
  assert.match(ev.params.techInfo, /Central System root/);
  // A02.FR.07: discarded; the Charge Point goes on with its certificate.
  assert.equal(r.store.get("TlsClientCertFile"), pki.client.certFile);
  assert.equal(r.store.get("TlsClientKeyFile"), pki.client.keyFile);
  assert.equal(csms.connections, connections);
  // Garbage and a certificate for another key are refused the same way.
  for (const chain of ["garbage", pki.ca.pem]) {
    const mark = csms.mark;
    const again = await csms.call("CertificateSigned", { certificateChain: chain });
    assert.equal(again.status, "Rejected");
    await csms.next("SecurityEventNotification", mark);
  }
  await rpcIdle(r);
  assert.deepEqual(csms.invalid, []);
});

Deno.test("ExtendedTriggerMessage: SignChargePointCertificate without a CpoName is Rejected", async () => {
  await using r = await profile3();
  const from = r.csms.mark;
  const ext = await r.csms.call("ExtendedTriggerMessage", {
    requestedMessage: "SignChargePointCertificate",
  });
  assert.equal(ext.status, "Rejected");
  await rpcIdle(r);
  assert.equal(r.csms.all("SignCertificate", from).length, 0);
});

Deno.test("ExtendedTriggerMessage sends every message it names", async () => {
  await using r = await startRig();
  const { csms } = r;
  const cases = [
    ["Heartbeat", "Heartbeat", {}],
    ["StatusNotification", "StatusNotification", { connectorId: 1 }],
    ["MeterValues", "MeterValues", { connectorId: 1 }],
    ["LogStatusNotification", "LogStatusNotification", {}],
    ["FirmwareStatusNotification", "SignedFirmwareStatusNotification", {}],
  ] as const;
  for (const [requestedMessage, action, extra] of cases) {
    const from = csms.mark;
    const ext = await csms.call("ExtendedTriggerMessage", { requestedMessage, ...extra });
    assert.equal(ext.status, "Accepted", requestedMessage);
    const sent = await csms.next(action, from);
    if (action === "LogStatusNotification" || action === "SignedFirmwareStatusNotification") {
      assert.deepEqual(sent.params, { status: "Idle" });
    }
    if (action === "StatusNotification") assert.equal(sent.params.connectorId, 1);
  }
  // After an accepted boot, BootNotification is Rejected (as TriggerMessage, errata 3.35).
  const boot = await csms.call("ExtendedTriggerMessage", { requestedMessage: "BootNotification" });
  assert.equal(boot.status, "Rejected");
  const bad = await csms.call("ExtendedTriggerMessage", {
    requestedMessage: "StatusNotification",
    connectorId: 9,
  });
  assert.equal(bad.status, "Rejected");
  await rpcIdle(r);
  assert.deepEqual(csms.invalid, []);
});

Deno.test("The Charge Point's private key is in no log, frame, GetConfiguration, API answer, security log or uploaded log", async () => {
  await using r = await profile3();
  const { csms } = r;
  await configure(r, { CpoName: CPO });
  const csr = await requestCsr(r);
  const pending = await Deno.readTextFile(`${r.dataDir}/certs/cp-pending.key`);
  assert.equal((await Deno.stat(`${r.dataDir}/certs/cp-pending.key`)).mode! & 0o777, 0o600);
  const signed = await certs.sign(csr, CA);
  await catchUp(r);
  const from = csms.mark;
  assert.equal(
    (await csms.call("CertificateSigned", { certificateChain: signed })).status,
    "Accepted",
  );
  await csms.next("BootNotification", from);
  const key = await Deno.readTextFile(String(r.store.get("TlsClientKeyFile")));
  assert.equal(key, pending);
  // The whole PEM body, and the private scalar d in base64url, base64 and hex. (Pieces of
  // the body would also match the public key, which PKCS#8 carries and the CSR shows.)
  const body = key.replace(/-----[^-]+-----/g, "").replace(/\s+/g, "");
  const der = Uint8Array.from(atob(body), (c) => c.charCodeAt(0));
  const ecdsa = { name: "ECDSA", namedCurve: "P-256" };
  const jwk = await crypto.subtle.exportKey(
    "jwk",
    await crypto.subtle.importKey("pkcs8", der, ecdsa, true, ["sign"]),
  );
  const d = Uint8Array.from(
    atob(jwk.d!.replace(/-/g, "+").replace(/_/g, "/")),
    (c) => c.charCodeAt(0),
  );
  const forms = [
    body,
    jwk.d!,
    btoa(String.fromCharCode(...d)).replace(/=+$/, ""),
    [...d].map((b) => b.toString(16).padStart(2, "0")).join(""),
  ];
  const leaks = (text: string) => {
    const flat = text.replace(/\\n|\s/g, "");
    return forms.some((f) => flat.includes(f) || flat.toLowerCase().includes(f.toLowerCase()));
  };
  const everything = (await csms.call("GetConfiguration", {})).configurationKey;
  const api = createApi(r.cp, { token: "t" });
  const auth = { headers: { authorization: "Bearer t" } };
  const answers = [
    await (await api.request("/api/settings", auth)).text(),
    await (await api.request("/api/status", auth)).text(),
  ];
  const securityLog = JSON.stringify(
    r.cp.journal.storage.db.prepare("SELECT * FROM security_log").all(),
  );
  // The logs GetLog uploads (N01): the security log and the diagnostics log.
  await using http = startHttp();
  for (const [requestId, logType] of [[1, "SecurityLog"], [2, "DiagnosticsLog"]] as const) {
    const mark = csms.mark;
    const got = await csms.call("GetLog", {
      logType,
      requestId,
      log: { remoteLocation: `${http.base}/logs` },
    });
    assert.equal(got.status, "Accepted");
    await csms.next("LogStatusNotification", mark, (p) => p.status === "Uploaded");
  }
  assert.equal(http.uploads.length, 2);
  const uploaded = await Promise.all(http.uploads.map(async (u) =>
    await new Response(
      new Blob([new Uint8Array(u.bytes)]).stream().pipeThrough(new DecompressionStream("gzip")),
    ).text()
  ));
  assert.ok(uploaded[0]!.includes("ReconfigurationOfSecurityParameters"), "the security log");
  assert.ok(!uploaded.some(leaks), "an uploaded log holds the key");
  assert.ok(r.logs.length > 0 && !r.logs.some(leaks), "a log line holds the key");
  assert.ok(!csms.frames.some((f) => leaks(f.text)), "a frame holds the key");
  assert.ok(!leaks(JSON.stringify(everything)), "GetConfiguration holds the key");
  assert.ok(!answers.some(leaks), "an API answer holds the key");
  assert.ok(!leaks(securityLog), "the security log holds the key");
  assert.ok(!leaks(JSON.stringify(r.messages)), "a bus message holds the key");
});

Deno.test("A new Charge Point certificate the Central System refuses: back to the previous one (A02.FR.10)", async () => {
  await using r = await profile3();
  const { csms } = r;
  await configure(r, { CpoName: CPO });
  // A root the Charge Point trusts but the Central System does not accept clients of.
  const a = await csms.call("InstallCertificate", {
    certificateType: "CentralSystemRootCertificate",
    certificate: untrusted.pem,
  });
  assert.equal(a.status, "Accepted");
  const csr = await requestCsr(r);
  const signed = await certs.sign(csr, untrusted);
  await catchUp(r);
  const from = csms.mark;
  const conf = await csms.call("CertificateSigned", { certificateChain: signed });
  assert.equal(conf.status, "Accepted");
  // The new pair's handshake fails; the previous pair comes back and connects.
  await csms.until(
    () => r.store.get("TlsClientKeyFile") === pki.client.keyFile && csms.connected,
    "the Charge Point to fall back to its previous certificate",
  );
  await csms.next("BootNotification", from);
  assert.equal(r.store.get("TlsClientCertFile"), pki.client.certFile);
  assert.equal(
    csms.lastHandshake?.clientSerial,
    await serialOf(await Deno.readTextFile(pki.client.certFile)),
  );
  assert.ok(r.logs.some((l) => l.includes("back to the previous one")));
});

Deno.test("CertificateSigned with a sub-CA: the whole chain is checked and kept", async () => {
  await using r = await profile3();
  const { csms } = r;
  await configure(r, { CpoName: CPO });
  const csr = await requestCsr(r);
  const leaf = await certs.sign(csr, subCa);
  await catchUp(r);
  // Without the sub-CA the leaf does not lead to the root.
  const alone = await csms.call("CertificateSigned", { certificateChain: leaf });
  assert.equal(alone.status, "Rejected");
  const from = csms.mark;
  const conf = await csms.call("CertificateSigned", { certificateChain: leaf + subCa.pem });
  assert.equal(conf.status, "Accepted");
  await csms.next("BootNotification", from);
  assert.equal(csms.lastHandshake?.clientSerial, await serialOf(leaf));
  const kept = await Deno.readTextFile(String(r.store.get("TlsClientCertFile")));
  assert.equal(kept.match(/BEGIN CERTIFICATE/g)?.length, 2);
});
