import assert from "node:assert/strict";
import type { Ctx, Effect } from "./bus.ts";
import {
  signedFirmwareActorWith,
  type SignedFirmwareMsg,
  type SignedFirmwareState,
  transitionSignedFirmware,
} from "./signed_firmware.ts";
import { viewOf } from "../config/registry.ts";
import { validatePayload } from "../ocpp/schema.ts";

const NOW = Date.UTC(2026, 11, 1);
const ctx: Ctx = { now: NOW, config: viewOf(new Map()) };

function start(stored?: unknown, running = "1.0.0"): SignedFirmwareState {
  return signedFirmwareActorWith(stored, running).initial(ctx);
}

function step(s: SignedFirmwareState, m: SignedFirmwareMsg): [SignedFirmwareState, Effect[]] {
  const [next, effects] = transitionSignedFirmware(s, m, ctx);
  for (const e of effects) {
    if (e.type === "ocpp.call" || e.type === "ocpp.reply") {
      assert.equal(
        validatePayload(e.action, e.type === "ocpp.call" ? "Request" : "Response", e.payload),
        undefined,
      );
    }
  }
  return [next, effects];
}

const statuses = (effects: Effect[]) =>
  effects.flatMap((e) =>
    e.type === "ocpp.call" && e.action === "SignedFirmwareStatusNotification"
      ? [e.payload.status]
      : []
  );

const REQUEST: SignedFirmwareMsg = {
  type: "ocpp.request",
  id: "m1",
  action: "SignedUpdateFirmware",
  payload: {
    requestId: 9,
    firmware: {
      location: "ftp://127.0.0.1/fw",
      retrieveDateTime: new Date(NOW).toISOString(),
      signingCertificate: "PEM",
      signature: "SIG",
    },
  },
};

Deno.test("transitionSignedFirmware() checks the certificate before answering, then downloads, verifies, installs", () => {
  let [s, e] = step(start(), { type: "system.started" });
  [s, e] = step(s, REQUEST);
  assert.deepEqual(e, [{
    type: "cert.job",
    ref: "sfw-cert",
    job: { kind: "fw_certificate", certificate: "PEM" },
  }]);
  [s, e] = step(s, {
    type: "cert.done",
    ref: "sfw-cert",
    outcome: { kind: "fw_certificate", ok: true },
  });
  assert.equal(e[0]!.type, "store.signed_fw");
  assert.ok(
    e.some((x) =>
      x.type === "ocpp.reply" && (x.payload as { status?: string }).status === "Accepted"
    ),
  );
  assert.deepEqual(statuses(e), ["Downloading"]);
  assert.ok(e.some((x) => x.type === "fw.download"));
  [s, e] = step(s, { type: "fw.downloaded", file: "/d/image.bin", bytes: 10 });
  assert.deepEqual(statuses(e), ["Downloaded"]);
  assert.ok(e.some((x) => x.type === "cert.job" && x.job.kind === "fw_signature"));
  // A transaction runs: the install waits for it (L01.FR.06).
  [s] = step(
    s,
    {
      type: "tx.started",
      connectorId: 1,
      idTag: "A",
      meterStartWh: 0,
      timestamp: NOW,
      tx: 1,
    } as SignedFirmwareMsg,
  );
  [s, e] = step(s, {
    type: "cert.done",
    ref: "sfw-sig",
    outcome: { kind: "fw_signature", ok: true },
  });
  assert.deepEqual(statuses(e), ["SignatureVerified"]);
  assert.ok(!e.some((x) => x.type === "fw.install"));
  [s, e] = step(s, { type: "tx.stopped", connectorId: 1 } as SignedFirmwareMsg);
  assert.deepEqual(statuses(e), ["Installing"]);
  assert.ok(e.some((x) => x.type === "fw.install"));
  [s, e] = step(s, { type: "fw.installed", reboot: "runtime", version: "1.2.0" });
  assert.ok(
    !e.some((x) => x.type === "fw.reboot"),
    "the reboot waits for Installing to be answered",
  );
  [s, e] = step(s, {
    type: "ocpp.result",
    action: "SignedFirmwareStatusNotification",
    payload: {},
    request: { status: "Installing", requestId: 9 },
    ref: "sfw-installing",
  });
  assert.ok(e.some((x) => x.type === "fw.reboot"));
  // After the reboot, with the stored state: Installed and FirmwareUpdated.
  const after = start(s.update, "1.2.0");
  const [, done] = step(after, { type: "system.started" });
  assert.deepEqual(statuses(done), ["Installed"]);
  assert.ok(done.some((x) => x.type === "sec.event" && x.event === "FirmwareUpdated"));
  const [, failed] = step(start(s.update, "1.0.0"), { type: "system.started" });
  assert.deepEqual(statuses(failed), ["InstallationFailed"]);
});

Deno.test("transitionSignedFirmware() refusals: InvalidCertificate, InvalidSignature, a second request", () => {
  let [s, e] = step(start(), REQUEST);
  [, e] = step(s, {
    type: "cert.done",
    ref: "sfw-cert",
    outcome: { kind: "fw_certificate", ok: false, reason: "expired" },
  });
  assert.ok(
    e.some((x) =>
      x.type === "ocpp.reply" && (x.payload as { status?: string }).status === "InvalidCertificate"
    ),
  );
  assert.ok(
    e.some((x) => x.type === "sec.event" && x.event === "InvalidFirmwareSigningCertificate"),
  );
  [s] = step(start(), REQUEST);
  [, e] = step(s, REQUEST);
  assert.ok(
    e.some((x) =>
      x.type === "ocpp.reply" && (x.payload as { status?: string }).status === "Rejected"
    ),
  );
  [s] = step(s, {
    type: "cert.done",
    ref: "sfw-cert",
    outcome: { kind: "fw_certificate", ok: true },
  });
  [s] = step(s, { type: "fw.downloaded", file: "/d/image.bin", bytes: 10 });
  [s, e] = step(s, {
    type: "cert.done",
    ref: "sfw-sig",
    outcome: { kind: "fw_signature", ok: false, reason: "no match" },
  });
  assert.deepEqual(statuses(e), ["InvalidSignature"]);
  assert.ok(e.some((x) => x.type === "sec.event" && x.event === "InvalidFirmwareSignature"));
  assert.equal(s.update.phase, "idle");
});

const holds = (effects: Effect[]) =>
  effects.filter((e) => e.type === "fw.hold").map((e) => e.type === "fw.hold" && e.hold);

const TX_STARTED = {
  type: "tx.started",
  connectorId: 1,
  idTag: "A",
  meterStartWh: 0,
  timestamp: NOW,
  tx: 1,
} as SignedFirmwareMsg;
const TX_STOPPED = { type: "tx.stopped", connectorId: 1 } as SignedFirmwareMsg;

/** A verified update waiting for the transaction on connector 1; the effects of the verification. */
function waitingForSession(): [SignedFirmwareState, Effect[]] {
  let [s] = step(start(), { type: "system.started" });
  [s] = step(s, TX_STARTED);
  [s] = step(s, REQUEST);
  [s] = step(s, {
    type: "cert.done",
    ref: "sfw-cert",
    outcome: { kind: "fw_certificate", ok: true },
  });
  [s] = step(s, { type: "fw.downloaded", file: "/d/image.bin", bytes: 10 });
  return step(s, {
    type: "cert.done",
    ref: "sfw-sig",
    outcome: { kind: "fw_signature", ok: true },
  });
}

Deno.test("transitionSignedFirmware() holds the connectors not in use while the install waits, until it failed (L01.FR.07)", () => {
  let [s, e] = waitingForSession();
  assert.deepEqual(statuses(e), ["SignatureVerified"]);
  assert.deepEqual(e.filter((x) => x.type === "fw.hold"), [
    { type: "fw.hold", hold: true, holder: "signed_firmware" },
  ]);
  assert.equal(s.held, true);
  // Another session starting and ending elsewhere, a timer: held once, not again.
  [s, e] = step(s, { ...TX_STARTED, connectorId: 2 } as SignedFirmwareMsg);
  assert.deepEqual(holds(e), []);
  [s, e] = step(s, { ...TX_STOPPED, connectorId: 2 } as SignedFirmwareMsg);
  assert.deepEqual(holds(e), []);
  // The session ends: Installing, still held ("until the firmware is installed").
  [s, e] = step(s, TX_STOPPED);
  assert.deepEqual(statuses(e), ["Installing"]);
  assert.deepEqual(holds(e), []);
  [s, e] = step(s, { type: "fw.install_failed", reason: "bad image" });
  assert.deepEqual(statuses(e), ["InstallationFailed"]);
  assert.deepEqual(e.filter((x) => x.type === "fw.hold"), [
    { type: "fw.hold", hold: false, holder: "signed_firmware" },
  ]);
  assert.equal(s.held, undefined);
  assert.equal(s.update.phase, "idle");
});

Deno.test("transitionSignedFirmware() keeps the hold through the reboot; after it nothing is held, Installed releases nothing", () => {
  let [s] = waitingForSession();
  [s] = step(s, TX_STOPPED);
  [s] = step(s, { type: "fw.installed", reboot: "runtime", version: "1.2.0" });
  let e: Effect[];
  [s, e] = step(s, {
    type: "ocpp.result",
    action: "SignedFirmwareStatusNotification",
    payload: {},
    request: { status: "Installing", requestId: 9 },
    ref: "sfw-installing",
  });
  assert.ok(e.some((x) => x.type === "fw.reboot"));
  assert.deepEqual(holds(e), [], "held until the reboot starts the connectors afresh");
  assert.equal(s.held, true);
  // The reboot: a new state from the store (the hold is not stored).
  const [after, done] = step(start(JSON.parse(JSON.stringify(s.update)), "1.2.0"), {
    type: "system.started",
  });
  assert.deepEqual(statuses(done), ["Installed"]);
  assert.deepEqual(holds(done), []);
  assert.equal(after.held, undefined);
});

Deno.test("transitionSignedFirmware() holds nothing when no transaction runs at SignatureVerified, and holds again after a restart with one", () => {
  let [s] = step(start(), { type: "system.started" });
  [s] = step(s, REQUEST);
  [s] = step(s, {
    type: "cert.done",
    ref: "sfw-cert",
    outcome: { kind: "fw_certificate", ok: true },
  });
  [s] = step(s, { type: "fw.downloaded", file: "/d/image.bin", bytes: 10 });
  const [, e] = step(s, {
    type: "cert.done",
    ref: "sfw-sig",
    outcome: { kind: "fw_signature", ok: true },
  });
  assert.deepEqual(statuses(e), ["SignatureVerified", "Installing"]);
  assert.deepEqual(holds(e), []);
  // A restart while the verified install waited: the recovered session is known first, then it holds again.
  const [waiting] = waitingForSession();
  let [r] = step(start(JSON.parse(JSON.stringify(waiting.update))), TX_STARTED);
  let e2: Effect[];
  [r, e2] = step(r, { type: "system.started" });
  assert.deepEqual(holds(e2), [true]);
  assert.equal(r.update.phase, "verified");
});
