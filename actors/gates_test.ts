/**
 * The Security Whitepaper gates (`security_gate.ts`, `signed_firmware_gate.ts`,
 * `log_upload_gate.ts`) on a bus: what they answer without loading, what
 * loads their full logic, and that the loaded logic answers as if it had run
 * from the start.
 */
import assert from "node:assert/strict";
import { Bus } from "./bus.ts";
import { FakeClock } from "./clock.ts";
import { asRequest, type BackendState, type BusMessage } from "./messages.ts";
import { viewOf } from "../config/registry.ts";
import { securityGateWith } from "./security_gate.ts";
import { signedFirmwareGate } from "./signed_firmware_gate.ts";
import { logUploadGate } from "./log_upload_gate.ts";

function setup(): { bus: Bus; seen: BusMessage[] } {
  const bus = new Bus({
    clock: new FakeClock(Date.UTC(2026, 11, 1)),
    config: () => viewOf(new Map([["CpoName", "Acme CPO"], ["BackendConnectionType", "ethernet"]])),
    // The supervisor's phase (runtime.ts reads the connection actor's): Accepted once told so.
    backend: () => phase,
  });
  let phase: BackendState = "disabled";
  bus.subscribe("backend.state", (m) => phase = m.state);
  const seen: BusMessage[] = [];
  bus.inspect((m) => seen.push(m));
  return { bus, seen };
}

const calls = (seen: BusMessage[]) =>
  seen.flatMap((m) => m.type === "ocpp.call" ? [[m.action, m.payload]] : []);

Deno.test("security gate: events and ExtendedTriggerMessage without loading; a certificate message loads", async () => {
  const { bus, seen } = setup();
  bus.spawn(securityGateWith({ clean: true, first: true }));
  bus.publish({ type: "system.started" });
  bus.publish({ type: "backend.state", state: "accepted", since: 0 });
  bus.publish({ type: "backend.accepted", currentTime: new Date(0).toISOString() });
  bus.publish(
    asRequest("t1", "ExtendedTriggerMessage", { requestedMessage: "SignChargePointCertificate" }),
  );
  bus.publish({ type: "sec.event", event: "TamperDetectionActivated" });
  await bus.loaded();
  assert.equal(bus.isLoaded("security"), false);
  assert.deepEqual(calls(seen).map(([a]) => a), [
    "SecurityEventNotification",
    "SecurityEventNotification",
  ]);
  assert.ok(seen.some((m) => m.type === "cert.job" && m.job.kind === "csr"));
  // The CSR's outcome is the full logic's: it loads and sends SignCertificate.
  bus.publish({ type: "cert.done", ref: "t1", outcome: { kind: "csr", csr: "PEM" } });
  await bus.loaded();
  assert.equal(bus.isLoaded("security"), true);
  assert.deepEqual(calls(seen).at(-1), ["SignCertificate", { csr: "PEM" }]);
});

Deno.test("security gate: InstallCertificate loads the full logic, which hands it to the service", async () => {
  const { bus, seen } = setup();
  bus.spawn(securityGateWith());
  bus.publish(asRequest("i1", "InstallCertificate", {
    certificateType: "CentralSystemRootCertificate",
    certificate: "PEM",
  }));
  assert.equal(seen.some((m) => m.type === "cert.job"), false);
  await bus.loaded();
  assert.ok(seen.some((m) => m.type === "cert.job" && m.ref === "i1" && m.job.kind === "install"));
  // The firmware's certificate outcomes are not the security actor's: no load for them.
  const other = setup();
  other.bus.spawn(securityGateWith());
  other.bus.publish({
    type: "cert.done",
    ref: "sfw-cert",
    outcome: { kind: "fw_certificate", ok: true },
  });
  await other.bus.loaded();
  assert.equal(other.bus.isLoaded("security"), false);
});

Deno.test("signed firmware gate: Idle without loading; SignedUpdateFirmware loads; a stored update loads at boot", async () => {
  const { bus, seen } = setup();
  const gate = signedFirmwareGate(undefined, "1.0.0");
  assert.equal(gate.stored, false);
  bus.spawn(gate.logic, { load: gate.stored });
  bus.publish({ type: "tx.started", connectorId: 1, tx: 1 } as BusMessage);
  bus.publish({ type: "sfw.status_requested" });
  await bus.loaded();
  assert.equal(bus.isLoaded("signed_firmware"), false);
  assert.deepEqual(calls(seen), [["SignedFirmwareStatusNotification", { status: "Idle" }]]);
  bus.publish(asRequest("u1", "SignedUpdateFirmware", {
    requestId: 7,
    firmware: {
      location: "ftp://x/fw",
      retrieveDateTime: new Date(Date.UTC(2026, 11, 1)).toISOString(),
      signingCertificate: "PEM",
      signature: "c2ln",
    },
  }));
  await bus.loaded();
  assert.equal(bus.isLoaded("signed_firmware"), true);
  assert.ok(seen.some((m) => m.type === "cert.job" && m.job.kind === "fw_certificate"));
  // The transaction the gate saw is the full logic's too.
  assert.deepEqual(
    (bus.snapshot("signed_firmware") as { busy: number[] }).busy,
    [1],
  );
  const stored = signedFirmwareGate({ phase: "waiting", job: {} }, "1.0.0");
  assert.equal(stored.stored, true);
  assert.equal(signedFirmwareGate({ phase: "bogus" }, "1.0.0").stored, false);
});

Deno.test("log upload gate: Idle without loading; GetLog loads and is Accepted", async () => {
  const { bus, seen } = setup();
  bus.spawn(logUploadGate);
  bus.publish({ type: "log.status_requested" });
  await bus.loaded();
  assert.equal(bus.isLoaded("log_upload"), false);
  assert.deepEqual(calls(seen), [["LogStatusNotification", { status: "Idle" }]]);
  bus.publish(asRequest("g1", "GetLog", {
    logType: "SecurityLog",
    requestId: 3,
    log: { remoteLocation: "ftp://x/" },
  }));
  await bus.loaded();
  assert.equal(bus.isLoaded("log_upload"), true);
  const answer = seen.find((m) => m.type === "ocpp.reply" && m.id === "g1");
  assert.equal((answer as { payload: { status: string } }).payload.status, "Accepted");
  assert.ok(seen.some((m) => m.type === "log.upload"));
});
