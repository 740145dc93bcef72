/**
 * OCTT security cases (test case document section 2.24.1) against the real
 * Central System over loopback: HTTP Basic authentication, TLS with the
 * server's certificate (made at test time with openssl) and with the
 * Charge Point's, the password update, the security profile upgrade and the
 * refused downgrade, and the refusal of an untrusted Central System
 * certificate.
 */
import assert from "node:assert/strict";
import type { BusMessage } from "../actors/messages.ts";
import { makeTestPki, type Rig, startRig } from "./harness.ts";
import { startHelloTap } from "./_net_peers.ts";

const pki = await makeTestPki();
globalThis.addEventListener("unload", () => Deno.removeSync(pki.dir, { recursive: true }));

const ID = "CP-TEST-1";
const KEY = "OCTT-initial-key-0001";
/** TC_073's new value: "OCA_OCTT_admin_test" hex-encoded. */
const NEW_KEY = "4F43415F4F4354545F61646D696E5F74657374";

function basic(password: string): string {
  return `Basic ${btoa(`${ID}:${password}`)}`;
}

/** Waits until the backend state reaches `state`; returns the bus message. */
async function backendState(
  r: Rig,
  state: string,
  from = 0,
): Promise<Extract<BusMessage, { type: "backend.state" }>> {
  let found: Extract<BusMessage, { type: "backend.state" }> | undefined;
  await r.csms.until(() => {
    found = r.messages.slice(from).find((m): m is Extract<BusMessage, { type: "backend.state" }> =>
      m.type === "backend.state" && m.state === state
    );
    return found !== undefined;
  }, `backend state ${state}`);
  return found!;
}

/** The StatusNotifications of a boot: connector 0 and connector 1, Available. */
async function statusesAfterBoot(r: Rig, from: number): Promise<void> {
  for (const connectorId of [0, 1]) {
    await r.csms.next(
      "StatusNotification",
      from,
      (p) => p.connectorId === connectorId && p.status === "Available",
    );
  }
}

Deno.test("TC_085 Basic Authentication - valid username/password combination", async () => {
  await using r = await startRig({
    settings: { securityProfile: 1, backendPassword: KEY },
    csms: { passwords: () => [KEY] },
  });
  const { csms } = r;
  // "The Charge Point is triggered to reset."
  const from = csms.mark;
  assert.equal((await csms.call("Reset", { type: "Hard" })).status, "Accepted");
  await csms.next("BootNotification", from);
  await statusesAfterBoot(r, from);
  assert.equal(csms.lastHandshake?.identity, ID);
  assert.equal(csms.lastHandshake?.authorization, basic(KEY));
  assert.deepEqual(csms.refused, []);
  assert.deepEqual(csms.invalid, []);
});

Deno.test("TC_086 TLS - server-side certificate - valid certificate", async () => {
  await using r = await startRig({
    settings: { securityProfile: 2, backendPassword: KEY, tlsCaFile: pki.ca.file },
    csms: { tls: pki.server, passwords: () => [KEY] },
  });
  const { csms } = r;
  assert.match(csms.url, /^wss:/);
  const from = csms.mark;
  assert.equal((await csms.call("Reset", { type: "Hard" })).status, "Accepted");
  await csms.next("BootNotification", from);
  await statusesAfterBoot(r, from);
  assert.match(csms.lastHandshake?.tlsVersion ?? "", /^TLSv1\.[23]$/);
  assert.equal(csms.lastHandshake?.authorization, basic(KEY));
  assert.deepEqual(csms.invalid, []);
});

/** SHA-256 fingerprint of a PEM certificate, as node:tls writes it ("AB:CD:..."). */
async function fingerprint256(pemFile: string): Promise<string> {
  const pem = await Deno.readTextFile(pemFile);
  const b64 = pem.replace(/-----(BEGIN|END) CERTIFICATE-----|\s+/g, "");
  const der = Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
  const hash = new Uint8Array(await crypto.subtle.digest("SHA-256", der));
  return [...hash].map((b) => b.toString(16).padStart(2, "0").toUpperCase()).join(":");
}

/**
 * TC_087 step by step: the reset, the handshake with the configured client
 * certificate, the upgrade, BootNotification and the StatusNotifications of
 * connector 0 and every connector. Returns the negotiated cipher suite.
 */
async function tc087(): Promise<string> {
  await using r = await startRig({
    settings: {
      securityProfile: 3,
      tlsCaFile: pki.ca.file,
      tlsClientCertFile: pki.client.certFile,
      tlsClientKeyFile: pki.client.keyFile,
    },
    csms: { tls: { ...pki.server, ca: pki.ca.pem, clientCert: "required" } },
  });
  const { csms } = r;
  // Reusable state: "The Charge Point is triggered to reset."
  const from = csms.mark;
  const upgrades = csms.upgrades;
  assert.equal((await csms.call("Reset", { type: "Hard" })).status, "Accepted");
  // Steps 7-8: BootNotification on the new connection.
  await csms.next("BootNotification", from);
  const hs = csms.lastHandshake!;
  // Steps 1-4: the handshake. TLS 1.2 or above.
  assert.match(hs.tlsVersion ?? "", /^TLSv1\.[23]$/);
  // Step 3: the configured client certificate was sent, and the server verified it
  // against the CA (not only a CN: the very certificate of tlsClientCertFile).
  assert.ok(hs.clientCert, "a client certificate was presented");
  assert.equal(hs.clientCert.verified, true);
  assert.equal(hs.clientCert.fingerprint256, await fingerprint256(pki.client.certFile));
  assert.equal(hs.clientCn, ID);
  // "when using elliptic curve cryptography the key must be at least 224 bits long".
  assert.ok(hs.clientCert.keyBits >= 224, `${hs.clientCert.keyBits} bits`);
  assert.equal(hs.clientCert.curve, "prime256v1");
  // Steps 5-6: the HTTP upgrade to a secured WebSocket; profile 3 sends no Basic header.
  assert.equal(csms.upgrades, upgrades + 1);
  assert.match(csms.url, /^wss:/);
  assert.equal(hs.authorization, undefined);
  // Steps 9-10: StatusNotification for connectorId 0 and every connector.
  await statusesAfterBoot(r, from);
  assert.deepEqual(csms.invalid, []);
  return hs.cipher ?? "";
}

Deno.test("TC_087 TLS - client-side certificate - valid certificate", async () => {
  const cipher = await tc087();
  assert.notEqual(cipher, "");
});

Deno.test("TC_087 TLS - client-side certificate - step 4: TLS 1.2 or above, the required cipher suites offered", async () => {
  await using r = await startRig({
    settings: {
      securityProfile: 3,
      tlsCaFile: pki.ca.file,
      tlsClientCertFile: pki.client.certFile,
      tlsClientKeyFile: pki.client.keyFile,
    },
    csms: { tls: { ...pki.server, ca: pki.ca.pem, clientCert: "required" } },
  });
  // The next connection goes through a relay that reads the Client Hello (step 1).
  await using tap = startHelloTap(r.csms.port);
  const from = r.csms.mark;
  await r.cp.updateSettings({ backendUrl: `wss://127.0.0.1:${tap.port}` });
  await r.csms.next("BootNotification", from);
  const hello = tap.hellos[0];
  assert.ok(hello, "a Client Hello went through the relay");
  // "The Charge Point must use TLS version 1.2 or above": nothing older is offered.
  assert.ok(
    hello.versions.length > 0 && hello.versions.every((v) => v >= 0x0303),
    String(hello.versions),
  );
  // "(TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256 AND TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384)
  // OR (TLS_RSA_WITH_AES_128_GCM_SHA256 AND TLS_RSA_WITH_AES_256_GCM_SHA384)".
  const ecdsa = [0xc02b, 0xc02c].every((s) => hello.suites.includes(s));
  const rsa = [0x009c, 0x009d].every((s) => hello.suites.includes(s));
  assert.ok(ecdsa || rsa, hello.suites.map((s) => s.toString(16)).join(" "));
  assert.ok(ecdsa, "the ECDSA pair (the certificates here are ECDSA)");
  assert.deepEqual(r.csms.invalid, []);
});

Deno.test("TC_078 (connection part) Invalid CentralSystemCertificate: an untrusted server certificate is refused", async () => {
  // No tlsCaFile: the test CA is not in the system store, so the certificate is untrusted.
  await using r = await startRig({
    noWait: true,
    settings: { securityProfile: 2, backendPassword: KEY },
    csms: { tls: pki.server, passwords: () => [KEY] },
  });
  const failed = await backendState(r, "backoff");
  assert.match(failed.reason ?? "", /^TLS verification failed: .*UnknownIssuer/);
  // A00.FR.310: the connection is terminated; no OCPP message was exchanged.
  assert.equal(r.csms.upgrades, 0);
  assert.deepEqual(r.csms.received, []);
});

Deno.test("TC_073 Update Charge Point Password for HTTP Basic Authentication", async () => {
  let accepted = [KEY];
  await using r = await startRig({
    settings: { securityProfile: 1, backendPassword: KEY },
    csms: { passwords: () => accepted },
  });
  const { csms } = r;
  const connections = csms.connections;
  const from = csms.mark;
  const conf = await csms.call("ChangeConfiguration", { key: "AuthorizationKey", value: NEW_KEY });
  assert.equal(conf.status, "Accepted");
  // A01.FR.03: the Central System no longer accepts the previous credentials.
  accepted = [NEW_KEY];
  await csms.until(() => csms.connections > connections, "the Charge Point to reconnect");
  await csms.next("BootNotification", from);
  assert.equal(csms.lastHandshake?.authorization, basic(NEW_KEY));
  assert.deepEqual(csms.refused, []);
  assert.equal(r.store.get("AuthorizationKey"), NEW_KEY);
  // A01.FR.12: the key is in no log line.
  assert.ok(!r.logs.some((l) => l.includes(NEW_KEY) || l.includes(KEY)));
});

Deno.test("TC_083 Upgrade security profile (2 to 3)", async () => {
  await using r = await startRig({
    settings: {
      securityProfile: 2,
      backendPassword: KEY,
      tlsCaFile: pki.ca.file,
      // Memory state RenewChargePointCertificate: the Charge Point has its certificate.
      tlsClientCertFile: pki.client.certFile,
      tlsClientKeyFile: pki.client.keyFile,
    },
    csms: {
      tls: { ...pki.server, ca: pki.ca.pem, clientCert: "optional" },
      passwords: () => [KEY],
    },
  });
  const { csms } = r;
  assert.equal(csms.lastHandshake?.authorization, basic(KEY));
  const connections = csms.connections;
  const from = csms.mark;
  const conf = await csms.call("ChangeConfiguration", { key: "SecurityProfile", value: "3" });
  assert.ok(conf.status === "Accepted" || conf.status === "RebootRequired", conf.status);
  // The Charge Point reconnects by itself (steps 3-8 of the case are not needed).
  await csms.until(() => csms.connections > connections, "the Charge Point to reconnect");
  await csms.next("BootNotification", from);
  await statusesAfterBoot(r, from);
  assert.equal(csms.lastHandshake?.clientCn, ID);
  assert.equal(csms.lastHandshake?.authorization, undefined);
  const get = await csms.call("GetConfiguration", { key: ["SecurityProfile"] });
  assert.equal(get.configurationKey[0].value, "3");
});

Deno.test("TC_084 Downgrade security profile - Rejected", async () => {
  await using r = await startRig({
    settings: { securityProfile: 2, backendPassword: KEY, tlsCaFile: pki.ca.file },
    csms: { tls: pki.server, passwords: () => [KEY] },
  });
  const { csms } = r;
  const connections = csms.connections;
  const conf = await csms.call("ChangeConfiguration", { key: "SecurityProfile", value: "1" });
  assert.equal(
    conf.status,
    "Rejected",
    "a downgrade must be Rejected (needs the checkChange call in actors/configuration.ts)",
  );
  // A05.FR.01: the value is not changed and the Charge Point does not reconnect.
  assert.equal(r.store.get("SecurityProfile"), 2);
  await r.advance(5_000);
  const get = await csms.call("GetConfiguration", { key: ["SecurityProfile"] });
  assert.equal(get.configurationKey[0].value, "2");
  assert.equal(csms.connections, connections);
});
