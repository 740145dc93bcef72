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
