import assert from "node:assert/strict";
import { checkCaCertificate, checkSignedChain, generateCsr, parsePem, serialHex } from "./x509.ts";
import { CertMaker } from "../tests/_cert_pki.ts";

const certs = await CertMaker.create();
const ca = await certs.root("Unit CPO Root");
globalThis.addEventListener("unload", () => Deno.removeSync(certs.dir, { recursive: true }));
const DAY = 86_400_000;

Deno.test("serialHex() is lower case without leading zeros", () => {
  assert.equal(serialHex("00AB01"), "ab01");
  assert.equal(serialHex("0000"), "0");
});

Deno.test("generateCsr() makes a P-256 key and a CSR with CN and O that openssl verifies", async () => {
  const key = await generateCsr("CP-UNIT-1", "Unit CPO, Inc.");
  assert.match(key.keyPem, /^-----BEGIN PRIVATE KEY-----\n/);
  const facts = await certs.csrFacts(key.csrPem);
  assert.equal(facts.subject, 'subject=CN = CP-UNIT-1, O = "Unit CPO, Inc."');
});

Deno.test("checkSignedChain() refuses each wrong property with its reason", async () => {
  const key = await generateCsr("CP-UNIT-1", "Unit CPO");
  const good = await certs.sign(key.csrPem, ca);
  const now = Date.now() + 5_000;
  const expect = { spki: key.spki, commonName: "CP-UNIT-1", now, roots: [ca.pem] };
  assert.equal((await checkSignedChain(good, expect)).ok, true);
  const other = await generateCsr("CP-UNIT-1", "Unit CPO");
  const cases: [string, Parameters<typeof checkSignedChain>[1], RegExp][] = [
    [good, { ...expect, spki: other.spki }, /not for the key of the last CSR/],
    [good, { ...expect, commonName: "CP-UNIT-2" }, /CN is not CP-UNIT-2/],
    [good, { ...expect, now: now + 3 * DAY }, /certificate 1 of the chain is expired/],
    [good, { ...expect, now: now - 3 * DAY }, /not valid before/],
    [good, { ...expect, roots: [] }, /does not lead to an installed Central System root/],
    [await certs.sign(key.csrPem, ca, "/CN=CP-UNIT-1"), expect, /no organizationName/],
    ["-----BEGIN CERTIFICATE-----\n!!\n-----END CERTIFICATE-----", expect, /not an X.509/],
    ["", expect, /no PEM CERTIFICATE block/],
  ];
  for (const [chain, e, reason] of cases) {
    const checked = await checkSignedChain(chain, e);
    assert.equal(checked.ok, false, String(reason));
    assert.match(checked.ok ? "" : checked.reason, reason);
  }
});

Deno.test("checkCaCertificate() gives the facts of a root and refuses it outside its validity", async () => {
  const ok = await checkCaCertificate(ca.pem, Date.now() + 5_000, []);
  assert.equal(ok.ok, true);
  if (ok.ok) {
    assert.deepEqual(ok.value.hashes.map((h) => h.hashAlgorithm), ["SHA256", "SHA384", "SHA512"]);
    assert.equal(ok.value.hashes[0]!.serialNumber, serialHex(parsePem(ca.pem)[0]!.serialNumber));
  }
  const late = await checkCaCertificate(ca.pem, Date.now() + 5 * DAY, []);
  assert.match(late.ok ? "" : late.reason, /expired/);
});
