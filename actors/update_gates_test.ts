/**
 * The firmware and diagnostics gates: idle they answer what the full logic
 * would, keep the busy connectors (the connection state is the
 * supervisor's, `ctx.backend`), and
 * UpdateFirmware / GetDiagnostics (or a stored job) loads the full logic,
 * which starts from the gate's state.
 */
import assert from "node:assert/strict";
import { Bus } from "./bus.ts";
import { FakeClock } from "./clock.ts";
import {
  firmwareActorWith,
  type FirmwareMsg,
  type FirmwareState,
  IDLE,
  transitionFirmware,
} from "./firmware.ts";
import {
  diagnosticsActor,
  type DiagnosticsMsg,
  type DiagnosticsState,
  transitionDiagnostics,
} from "./diagnostics.ts";
import {
  diagnosticsGateWith,
  diagnosticsIdle,
  firmwareGateWith,
  firmwareIdle,
  NO_DIAGNOSTICS,
  transitionDiagnosticsGate,
  transitionFirmwareGate,
} from "./update_gates.ts";
import type { BackendState, BusMessage } from "./messages.ts";
import { viewOf } from "../config/registry.ts";

const T0 = Date.parse("2026-12-01T10:00:00Z");
const ctx = { now: T0, config: viewOf(new Map()) };

/** Messages an idle firmware actor sees at boot and during a session. */
const idleDay: FirmwareMsg[] = [
  { type: "system.started" },
  { type: "backend.accepted", currentTime: "" },
  { type: "tx.started", connectorId: 2, idTag: "T", meterStartWh: 0, timestamp: T0 },
  { type: "trigger", message: "FirmwareStatusNotification" },
  { type: "trigger", message: "Heartbeat" },
  { type: "fw.downloaded", file: "x", bytes: 1 },
  { type: "backend.accepted", currentTime: "" },
];

Deno.test("the firmware gate, idle, gives the full logic's state and calls (without its store writes)", () => {
  let g: FirmwareState = firmwareGateWith(IDLE, "1.0.0").initial(ctx);
  let f: FirmwareState = firmwareActorWith(IDLE, "1.0.0").initial(ctx);
  for (const m of idleDay) {
    const [g2, ge] = transitionFirmwareGate(g, m);
    const [f2, fe] = transitionFirmware(f, m, ctx);
    assert.deepEqual(ge, fe.filter((e) => e.type !== "store.fw_state"), m.type);
    assert.deepEqual(g2, f2, m.type);
    g = g2;
    f = f2;
  }
  assert.deepEqual(g.busy, [2]);
  assert.equal(firmwareIdle(IDLE), true);
});

Deno.test("UpdateFirmware loads the full logic, which starts from the gate's state and answers", async () => {
  const bus = new Bus({ clock: new FakeClock(T0), config: () => viewOf(new Map()) });
  const seen: BusMessage[] = [];
  bus.inspect((m) => seen.push(m));
  bus.spawn(firmwareGateWith(IDLE, "1.0.0"));
  for (const m of idleDay.slice(0, 3)) bus.publish(m);
  assert.equal(bus.isLoaded("firmware"), false);
  bus.publish({
    type: "ocpp.request",
    id: "u1",
    action: "UpdateFirmware",
    payload: { location: "http://h/fw", retrieveDate: new Date(T0 + 60_000).toISOString() },
  });
  await bus.loaded();
  assert.equal(bus.isLoaded("firmware"), true);
  const s = bus.snapshot("firmware");
  assert.equal(s.update.phase, "waiting");
  assert.deepEqual(s.busy, [2], "the session that ran before the load is known");
  assert.ok(seen.some((m) => m.type === "ocpp.reply" && m.id === "u1"));
});

Deno.test("a stored update: the gate spawned with load resumes it in the full logic", async () => {
  const job = {
    location: "http://h/fw",
    retrieveAt: T0,
    retries: 0,
    retryIntervalS: 0,
    previous: "1.0.0",
  };
  const stored = {
    ...IDLE,
    update: { phase: "downloading" as const, job, attempt: 1 },
    last: "Downloading" as const,
  };
  assert.equal(firmwareIdle(stored), false);
  const bus = new Bus({ clock: new FakeClock(T0), config: () => viewOf(new Map()) });
  const seen: BusMessage[] = [];
  bus.inspect((m) => seen.push(m));
  bus.spawn(firmwareGateWith(stored, "1.0.0"), { load: true });
  bus.publish({ type: "system.started" });
  await bus.loaded();
  assert.ok(seen.some((m) => m.type === "fw.download"), "the download starts again");
});

const dctx = { now: T0, config: viewOf(new Map([["ChargePointId", "CP1"]])) };

Deno.test("the diagnostics gate, idle, gives the full logic's state and calls", () => {
  const msgs: DiagnosticsMsg[] = [
    { type: "system.started" },
    { type: "backend.accepted", currentTime: "" },
    { type: "trigger", message: "DiagnosticsStatusNotification" },
    { type: "diag.uploaded", fileName: "f", bytes: 1 },
  ];
  let g: DiagnosticsState = diagnosticsGateWith(NO_DIAGNOSTICS).initial(dctx);
  let f: DiagnosticsState = diagnosticsActor.initial(dctx);
  for (const m of msgs) {
    const [g2, ge] = transitionDiagnosticsGate(g, m);
    const [f2, fe] = transitionDiagnostics(f, m, dctx);
    assert.deepEqual(ge, fe, m.type);
    assert.deepEqual(g2, f2, m.type);
    g = g2;
    f = f2;
  }
});

Deno.test("GetDiagnostics loads the full logic, which answers the fileName", async () => {
  const bus = new Bus({ clock: new FakeClock(T0), config: () => dctx.config });
  const seen: BusMessage[] = [];
  bus.inspect((m) => seen.push(m));
  bus.spawn(diagnosticsGateWith(NO_DIAGNOSTICS));
  bus.publish({ type: "backend.accepted", currentTime: "" });
  bus.publish({
    type: "ocpp.request",
    id: "g1",
    action: "GetDiagnostics",
    payload: { location: "ftp://h/" },
  });
  await bus.loaded();
  assert.equal(bus.isLoaded("diagnostics"), true);
  const reply = seen.find((m) => m.type === "ocpp.reply" && m.id === "g1");
  assert.ok(reply && reply.type === "ocpp.reply");
  assert.match(String((reply.payload as { fileName?: string }).fileName), /^diagnostics-CP1-/);
  assert.ok(seen.some((m) => m.type === "diag.upload"));
  assert.equal(diagnosticsIdle(bus.snapshot("diagnostics")), false);
});

/**
 * A bus whose supervisor's phase is `phase.now`, with the firmware and
 * diagnostics gates; records the statuses they send.
 */
function phasedBus() {
  const phase: { now: BackendState } = { now: "accepted" };
  const bus = new Bus({
    clock: new FakeClock(T0),
    config: () => dctx.config,
    backend: () => phase.now,
  });
  const sent: string[] = [];
  bus.inspect((m) => {
    if (m.type === "ocpp.call" && m.action.endsWith("StatusNotification")) {
      sent.push(`${m.action}:${(m.payload as { status: string }).status}`);
    }
  });
  bus.spawn(firmwareGateWith(IDLE, "1.0.0"));
  bus.spawn(diagnosticsGateWith(NO_DIAGNOSTICS));
  return { bus, phase, sent };
}

Deno.test("the gates hand over no connection state of their own: after a reconnect with a Pending boot the loaded logic keeps its statuses until the boot is Accepted", async () => {
  const { bus, phase, sent } = phasedBus();
  bus.publish({ type: "system.started" });
  bus.publish({ type: "backend.accepted", currentTime: "" });
  // Reconnected; the new boot is Pending (the supervisor's phase; no message to the gates).
  phase.now = "pending";
  bus.publish({
    type: "ocpp.request",
    id: "u1",
    action: "UpdateFirmware",
    payload: { location: "http://h/fw", retrieveDate: new Date(T0).toISOString() },
  });
  bus.publish({
    type: "ocpp.request",
    id: "g1",
    action: "GetDiagnostics",
    payload: { location: "ftp://h/" },
  });
  await bus.loaded();
  assert.equal(bus.isLoaded("firmware"), true);
  assert.equal(bus.isLoaded("diagnostics"), true);
  assert.deepEqual(sent, [], "no CALL while the boot is Pending (section 4.2)");
  phase.now = "accepted";
  bus.publish({ type: "backend.accepted", currentTime: "" });
  assert.deepEqual(sent.sort(), [
    "DiagnosticsStatusNotification:Uploading",
    "FirmwareStatusNotification:Downloading",
  ]);
});
