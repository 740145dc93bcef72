/**
 * Connection security against real peers on loopback: Basic auth with a
 * wrong password (401, backoff, no storm), the fallback to the last working
 * AuthorizationKey, TLS with a certificate for another host, server
 * verification switched off, the ws:// to wss:// switch of profile 2, and
 * a backend that requires a client certificate the Charge Point lacks.
 */
import assert from "node:assert/strict";
import { FALLBACK_AFTER } from "../actors/connection.ts";
import type { BusMessage } from "../actors/messages.ts";
import { Csms } from "./csms.ts";
import { makeTestPki, type Rig, startRig } from "./harness.ts";

const pki = await makeTestPki();
globalThis.addEventListener("unload", () => Deno.removeSync(pki.dir, { recursive: true }));

const ID = "CP-TEST-1";
const KEY = "the-right-password-01";

type StateMsg = Extract<BusMessage, { type: "backend.state" }>;

/** Backend states reached from bus index `from` on. */
function states(r: Rig, from = 0): StateMsg[] {
  return r.messages.slice(from).filter((m): m is StateMsg => m.type === "backend.state");
}

async function reach(r: Rig, state: string, from = 0): Promise<StateMsg> {
  await r.csms.until(() => states(r, from).some((m) => m.state === state), `state ${state}`);
  return states(r, from).find((m) => m.state === state)!;
}

/** Advances the clock second by second, letting each connection attempt finish before the next step. */
async function advanceSettled(r: Rig, ms: number): Promise<void> {
  for (let left = ms; left > 0; left -= 1000) {
    await r.advance(Math.min(1000, left));
    await r.csms.until(
      () => r.cp.bus.snapshot("connection").phase !== "connecting",
      "the connection attempt to finish",
    );
  }
}

Deno.test("connection: a wrong Basic auth password is refused (401), reported and retried with backoff, no storm", async () => {
  await using r = await startRig({
    noWait: true,
    settings: { securityProfile: 1, backendPassword: "a-wrong-password-001" },
    csms: { passwords: () => [KEY] },
  });
  const failed = await reach(r, "backoff");
  assert.match(failed.reason ?? "", /^HTTP 401 Unauthorized/);
  assert.equal(r.cp.status().backend.state, "backoff");
  assert.match(r.cp.status().backend.reason ?? "", /^HTTP 401/);
  await advanceSettled(r, 60_000);
  // Backoff 2, 4, 8, 16, 32 s (+-25 %): the first attempt and 4 or 5 more in a minute.
  const attempts = r.csms.refused.length;
  assert.ok(attempts >= 5 && attempts <= 6, `${attempts} attempts in 60 s`);
  assert.equal(r.csms.upgrades, 0);
  assert.ok(!r.logs.some((l) => l.includes("a-wrong-password-001")));
});

Deno.test("connection: a new AuthorizationKey the backend refuses falls back to the last working one", async () => {
  await using r = await startRig({
    settings: { securityProfile: 1, backendPassword: KEY },
    csms: { passwords: () => [KEY] },
  });
  const { csms } = r;
  const from = r.messages.length;
  const conf = await csms.call("ChangeConfiguration", {
    key: "AuthorizationKey",
    value: "a-key-nobody-knows-01",
  });
  assert.equal(conf.status, "Accepted");
  await csms.until(() => csms.refused.length === 1, "the first refusal");
  await advanceSettled(r, 20_000);
  assert.equal(csms.refused.length, FALLBACK_AFTER);
  await reach(r, "accepted", from);
  assert.equal(r.store.get("AuthorizationKey"), KEY);
  assert.equal(csms.lastHandshake?.authorization, `Basic ${btoa(`${ID}:${KEY}`)}`);
  assert.ok(r.logs.some((l) => /falling back to security profile 1 and the previous/.test(l)));
  assert.ok(!r.logs.some((l) => l.includes("a-key-nobody-knows-01")));
});

Deno.test("connection: TLS refuses a server certificate made out for another host name", async () => {
  await using r = await startRig({
    noWait: true,
    settings: { securityProfile: 2, backendPassword: KEY, tlsCaFile: pki.ca.file },
    csms: { tls: pki.wrongHost, passwords: () => [KEY] },
  });
  const failed = await reach(r, "backoff");
  assert.match(failed.reason ?? "", /^TLS verification failed: .*not valid for name/);
  assert.equal(r.csms.upgrades, 0);
});

Deno.test("connection: with tlsVerifyServer off the same certificate is accepted, warned and shown", async () => {
  await using r = await startRig({
    settings: {
      securityProfile: 2,
      backendPassword: KEY,
      tlsCaFile: pki.ca.file,
      tlsVerifyServer: false,
    },
    csms: { tls: pki.wrongHost, passwords: () => [KEY] },
  });
  assert.equal(r.cp.status().backend.state, "accepted");
  assert.match(r.cp.status().backend.reason ?? "", /without verifying the server certificate/);
  assert.ok(r.logs.some((l) => l.startsWith("warn") && l.includes("WITHOUT verifying")));
});

Deno.test("connection: security profile 2 connects with wss:// to the host and port of a ws:// URL", async () => {
  const csms = await Csms.start({ tls: pki.server, passwords: () => [KEY] });
  try {
    await using r = await startRig({
      noWait: true,
      settings: {
        backendUrl: csms.url.replace(/^wss:/, "ws:"),
        securityProfile: 1,
        backendPassword: KEY,
        tlsCaFile: pki.ca.file,
      },
    });
    // Profile 1 speaks plain HTTP to the TLS port: refused.
    const failed = await reach(r, "backoff");
    assert.ok(!/^HTTP 101/.test(failed.reason ?? ""), failed.reason);
    assert.equal(csms.upgrades, 0);
    // The installer raises the profile in the app: wss:// on the same port.
    await r.cp.updateSettings({ securityProfile: 2 });
    await csms.next("BootNotification");
    assert.match(csms.lastHandshake?.tlsVersion ?? "", /^TLSv1\.[23]$/);
  } finally {
    await csms.close();
  }
});

Deno.test("connection: a backend that requires a client certificate refuses a Charge Point without one", async () => {
  await using r = await startRig({
    noWait: true,
    settings: { securityProfile: 2, backendPassword: KEY, tlsCaFile: pki.ca.file },
    csms: { tls: { ...pki.server, ca: pki.ca.pem, clientCert: "required" } },
  });
  const failed = await reach(r, "backoff");
  assert.match(failed.reason ?? "", /^(TLS handshake failed|Handshake failed|Connection lost)/);
  assert.match(failed.reason ?? "", /CertificateRequired|closed|reset/i);
  assert.equal(r.csms.upgrades, 0);
});

Deno.test("connection: security profile 3 without certificate files says which settings are missing", async () => {
  await using r = await startRig({
    noWait: true,
    settings: { securityProfile: 3, tlsCaFile: pki.ca.file },
    csms: { tls: { ...pki.server, ca: pki.ca.pem, clientCert: "required" } },
  });
  const failed = await reach(r, "backoff");
  assert.match(failed.reason ?? "", /^Settings incomplete: security profile 3 needs a client/);
  assert.equal(r.csms.upgrades, 0);
});
