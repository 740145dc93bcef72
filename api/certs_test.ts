/**
 * Tests of the certificate checks and the file they are written to: PEM of
 * the right type (made by openssl, and hand-made DER for the edge cases),
 * everything else refused with a reason that never quotes the upload.
 */
import assert from "node:assert/strict";
import { makeTestPki } from "../tests/harness.ts";
import { checkPem, saveCert } from "./certs.ts";

const pki = await makeTestPki();
globalThis.addEventListener("unload", () => Deno.removeSync(pki.dir, { recursive: true }));
const clientCert = await Deno.readTextFile(pki.client.certFile);
const clientKey = await Deno.readTextFile(pki.client.keyFile);

/** A PEM block around bytes. */
function pem(label: string, der: number[], headers = ""): string {
  const b64 = btoa(String.fromCharCode(...der));
  return `-----BEGIN ${label}-----\n${headers}${b64}\n-----END ${label}-----\n`;
}
/** The smallest whole DER SEQUENCE (holding INTEGER 0). */
const SEQ = [0x30, 0x03, 0x02, 0x01, 0x00];

Deno.test("checkPem() takes openssl's CA, client certificate and key, re-wrapped", () => {
  const ca = checkPem("ca", pki.ca.pem);
  assert.ok(ca.ok);
  assert.equal(ca.pem, pki.ca.pem);
  assert.equal(ca.blocks, 1);
  const cert = checkPem("client-cert", clientCert);
  assert.ok(cert.ok);
  assert.equal(cert.pem, clientCert);
  const key = checkPem("client-key", clientKey);
  assert.ok(key.ok);
  assert.match(clientKey, /^-----BEGIN PRIVATE KEY-----\n/);
  assert.equal(key.pem, clientKey);
});

Deno.test("checkPem() takes a bundle, CRLF, text around the blocks, RSA and EC keys", () => {
  const bundle = `Test CA\r\n${pki.ca.pem.replace(/\n/g, "\r\n")}subject=CN=x\n${clientCert}`;
  const r = checkPem("ca", bundle);
  assert.ok(r.ok);
  assert.equal(r.pem, pki.ca.pem + clientCert);
  assert.equal(r.blocks, 2);
  for (const label of ["RSA PRIVATE KEY", "EC PRIVATE KEY", "PRIVATE KEY"]) {
    const k = checkPem("client-key", pem(label, SEQ));
    assert.ok(k.ok, label);
  }
  // Long form DER lengths.
  const long = [0x30, 0x81, 0x80, ...new Array(0x80).fill(0x05)];
  assert.ok(checkPem("ca", pem("CERTIFICATE", long)).ok);
});

Deno.test("checkPem() refuses the wrong type, encrypted keys, damaged and non-PEM text", () => {
  const cases: [Parameters<typeof checkPem>[0], string, string][] = [
    ["ca", "", "empty"],
    ["ca", " \n", "empty"],
    ["ca", "hello", "not_pem"],
    ["ca", "-----BEGIN CERTIFICATE-----\nMAMCAQA=\n", "not_pem"],
    ["ca", "-----BEGIN CERTIFICATE-----\nMAMCAQA=\n-----END PRIVATE KEY-----\n", "not_pem"],
    ["ca", pki.ca.pem + "-----BEGIN CERTIFICATE-----\nMAMC", "not_pem"],
    ["ca", clientKey, "wrong_type"],
    ["ca", pki.ca.pem + clientKey, "wrong_type"],
    ["client-cert", clientKey, "wrong_type"],
    ["client-key", clientCert, "wrong_type"],
    ["client-key", clientKey + clientCert, "wrong_type"],
    ["client-key", clientKey + clientKey, "wrong_type"],
    ["client-key", pem("PUBLIC KEY", SEQ), "wrong_type"],
    ["client-key", pem("ENCRYPTED PRIVATE KEY", SEQ), "encrypted"],
    [
      "client-key",
      pem("RSA PRIVATE KEY", SEQ, "Proc-Type: 4,ENCRYPTED\nDEK-Info: AES-128-CBC,00FF\n\n"),
      "encrypted",
    ],
    ["ca", pem("CERTIFICATE", [0x30, 0x04, 0x02, 0x01, 0x00]), "bad_base64"],
    ["ca", pem("CERTIFICATE", [0x31, 0x03, 0x02, 0x01, 0x00]), "bad_base64"],
    ["ca", "-----BEGIN CERTIFICATE-----\nMAMC*QA=\n-----END CERTIFICATE-----\n", "bad_base64"],
    ["ca", "-----BEGIN CERTIFICATE-----\n\n-----END CERTIFICATE-----\n", "bad_base64"],
    ["ca", pem("CERTIFICATE", SEQ).repeat(65), "too_many"],
  ];
  for (const [kind, text, code] of cases) {
    const r = checkPem(kind, text);
    assert.ok(!r.ok, `${kind} ${JSON.stringify(text.slice(0, 40))}`);
    assert.equal(r.code, code, `${kind} ${JSON.stringify(text.slice(0, 40))}: ${r.error}`);
    // The reason names what is wrong, never the content.
    assert.ok(!/MAMC|MIG|[A-Za-z0-9+/]{20}/.test(r.error), r.error);
  }
});

Deno.test("saveCert() writes <dataDir>/certs/<kind>.pem with mode 0600, replacing the old file", async () => {
  const dataDir = await Deno.makeTempDir({ prefix: "cp-certs-" });
  try {
    const path = await saveCert(dataDir, "client-key", "first\n");
    assert.equal(path, `${await Deno.realPath(dataDir)}/certs/client-key.pem`);
    assert.equal((await Deno.stat(path)).mode! & 0o777, 0o600);
    assert.equal((await Deno.stat(`${dataDir}/certs`)).mode! & 0o777, 0o700);
    await Deno.chmod(path, 0o644);
    assert.equal(await saveCert(`${dataDir}/`, "client-key", "second\n"), path);
    assert.equal(await Deno.readTextFile(path), "second\n");
    assert.equal((await Deno.stat(path)).mode! & 0o777, 0o600);
    const names = [];
    for await (const e of Deno.readDir(`${dataDir}/certs`)) names.push(e.name);
    assert.deepEqual(names, ["client-key.pem"], "no temp file left");
  } finally {
    await Deno.remove(dataDir, { recursive: true });
  }
});
