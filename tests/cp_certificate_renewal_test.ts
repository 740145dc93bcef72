/**
 * Security Whitepaper edition 2, A03 "Update Charge Point Certificate
 * initiated by the Charge Point" against the real strict Central System
 * over TLS with client certificates (security profile 3). The OCTT document
 * has no case for it (its TC_074 is A02, by request of the Central System),
 * so the tests are named after the requirements.
 *
 * The test PKI's client certificate (openssl, valid for two days) is within
 * a month of its expiry from the start, and was installed by the settings,
 * so its notAfter is not in the store yet.
 */
import assert from "node:assert/strict";
import { configure, makeTestPki, type Rig, rpcIdle, startRig } from "./harness.ts";
import { CertMaker } from "./_cert_pki.ts";
import { FIRST_CHECK_MS } from "../actors/cert_renewal.ts";

const pki = await makeTestPki();
const certs = await CertMaker.create();
globalThis.addEventListener("unload", () => {
  Deno.removeSync(pki.dir, { recursive: true });
  Deno.removeSync(certs.dir, { recursive: true });
});
const CA = { file: pki.ca.file, keyFile: `${pki.dir}/ca.key` };
const CPO = "OpenWallbox Test CPO";

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

async function openssl(args: string[], stdin: string): Promise<string> {
  const p = new Deno.Command("openssl", { args, stdin: "piped", stdout: "piped" }).spawn();
  const w = p.stdin.getWriter();
  await w.write(new TextEncoder().encode(stdin));
  await w.close();
  return new TextDecoder().decode((await p.output()).stdout).trim();
}

/** notAfter (ms) as openssl reads it. */
async function notAfterOf(pem: string): Promise<number> {
  const line = await openssl(["x509", "-noout", "-enddate"], pem);
  return Date.parse(line.replace(/^notAfter=/, ""));
}

async function serialOf(pem: string): Promise<string> {
  const text = await openssl(["x509", "-noout", "-serial"], pem);
  return text.replace(/^serial=/, "").toLowerCase().replace(/^0+(?=.)/, "");
}

function storedExpiry(r: Rig): { file: string; not_after: number }[] {
  return r.cp.journal.storage.db.prepare("SELECT file, not_after FROM client_certificate").all()
    .map((row) => ({ file: String(row.file), not_after: Number(row.not_after) }));
}

Deno.test("A03.FR.02 A certificate due to expire: the Charge Point sends SignCertificate.req by itself and installs the signed one", async () => {
  await using r = await profile3();
  const { csms } = r;
  // A03's prerequisite: CpoName is set.
  await configure(r, { CpoName: CPO });
  const from = csms.mark;
  // The check runs a minute after the Accepted boot (then daily): nothing before it.
  await r.advance(FIRST_CHECK_MS - 5_000);
  await rpcIdle(r);
  assert.equal(csms.all("SignCertificate", from).length, 0);
  await r.advance(10_000);
  // A03.FR.02/03/13: a new key on the device, its CSR as A02 builds it (PKCS#10, PEM,
  // CN = the serial number, O = CpoName), in SignCertificate.req.
  const sign = await csms.next("SignCertificate", from);
  const csr: string = sign.params.csr;
  assert.match(csr, /^-----BEGIN CERTIFICATE REQUEST-----\n/);
  assert.equal((await certs.csrFacts(csr)).subject, `subject=CN = CP-TEST-1, O = ${CPO}`);
  assert.equal((await Deno.stat(`${r.dataDir}/certs/cp-pending.key`)).mode! & 0o777, 0o600);
  // The certificate in use had no stored notAfter: read once from its file, and kept.
  const installed = await Deno.readTextFile(pki.client.certFile);
  assert.deepEqual(storedExpiry(r), [{
    file: pki.client.certFile,
    not_after: await notAfterOf(installed),
  }]);
  // The Central System forwards the CSR; the CA signs it; CertificateSigned.req.
  const signed = await certs.sign(csr, CA);
  await r.advance(Math.max(0, Date.now() - r.clock.now()) + 2_000);
  const connections = csms.connections;
  const mark = csms.mark;
  const conf = await csms.call("CertificateSigned", { certificateChain: signed });
  assert.equal(conf.status, "Accepted");
  // A03.FR.08: it switches to the new certificate and reconnects with it.
  await csms.until(() => csms.connections > connections, "the Charge Point to reconnect");
  await csms.next("BootNotification", mark);
  assert.equal(csms.lastHandshake?.clientSerial, await serialOf(signed));
  const certFile = String(r.store.get("TlsClientCertFile"));
  assert.ok(certFile.startsWith(`${r.dataDir}/certs/cp-`), certFile);
  // Its notAfter is stored when it is accepted (the check never reads it from the file).
  assert.deepEqual(storedExpiry(r), [{ file: certFile, not_after: await notAfterOf(signed) }]);
  // The new certificate (valid a day) is due too, but one key update a day at most:
  // the check after the reconnect starts none.
  await r.advance(FIRST_CHECK_MS + 5_000);
  await csms.until(
    () => r.messages.some((m) => m.type === "cert.expiry" && m.file === certFile),
    "the check of the new certificate",
  );
  await rpcIdle(r);
  assert.equal(csms.all("SignCertificate", from).length, 1);
  assert.ok(r.logs.some((l) => l.includes("(A03.FR.02)")));
  assert.deepEqual(csms.invalid, []);
});

Deno.test("A03.FR.02 No key update without CpoName (A03's prerequisite), nor for a certificate not due", async () => {
  await using r = await profile3();
  const { csms } = r;
  const from = csms.mark;
  await r.advance(FIRST_CHECK_MS + 5_000);
  await rpcIdle(r);
  assert.equal(csms.all("SignCertificate", from).length, 0);
  await csms.until(() => r.logs.some((l) => l.includes("CpoName is not set")), "the warning");
  // The same file with a notAfter two months ahead stored for its bytes: not due.
  await configure(r, { CpoName: CPO });
  const bytes = await Deno.readFile(pki.client.certFile);
  const digest = [...new Uint8Array(await crypto.subtle.digest("SHA-256", bytes))]
    .map((b) => b.toString(16).padStart(2, "0")).join("");
  assert.deepEqual(storedExpiry(r).map((e) => e.file), [pki.client.certFile]);
  const far = r.clock.now() + 60 * 24 * 3600_000;
  r.cp.journal.storage.db.prepare("UPDATE client_certificate SET digest = ?, not_after = ?")
    .run(digest, far);
  const expiries = () =>
    r.messages.filter((m) => m.type === "cert.expiry" && m.notAfter === far).length;
  const connections = csms.connections;
  r.cp.reconnect();
  await csms.until(() => csms.connections > connections && csms.connected, "a reconnect");
  await r.advance(FIRST_CHECK_MS + 5_000);
  await csms.until(() => expiries() === 1, "the check after the reconnect");
  await rpcIdle(r);
  // The check ran, on the stored notAfter (the file hashed, not parsed), and found it not due.
  assert.equal(expiries(), 1);
  assert.equal(csms.all("SignCertificate", from).length, 0);
  assert.ok(!r.logs.some((l) => l.includes("(A03.FR.02)")));
});
