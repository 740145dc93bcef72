/**
 * The diagnostics gate: idle it answers what the full logic would, and
 * GetDiagnostics (or a stored upload) loads the full logic.
 */
import assert from "node:assert/strict";
import { Bus } from "./bus.ts";
import { FakeClock } from "./clock.ts";
import {
  diagnosticsActor,
  type DiagnosticsMsg,
  type DiagnosticsState,
  transitionDiagnostics,
} from "./diagnostics.ts";
import {
  diagnosticsGateWith,
  diagnosticsIdle,
  NO_DIAGNOSTICS,
  transitionDiagnosticsGate,
} from "./diagnostics_gate.ts";
import type { BusMessage } from "./messages.ts";
import { viewOf } from "../config/registry.ts";

const T0 = Date.parse("2026-12-01T10:00:00Z");
const ctx = { now: T0, config: viewOf(new Map([["ChargePointId", "CP1"]])) };

Deno.test("the diagnostics gate, idle, gives the full logic's state and calls", () => {
  const msgs: DiagnosticsMsg[] = [
    { type: "system.started" },
    { type: "backend.accepted", currentTime: "" },
    { type: "trigger", message: "DiagnosticsStatusNotification" },
    { type: "diag.uploaded", fileName: "f", bytes: 1 },
    { type: "backend.state", state: "connecting", since: T0 } as DiagnosticsMsg,
  ];
  let g: DiagnosticsState = diagnosticsGateWith(NO_DIAGNOSTICS).initial(ctx);
  let f: DiagnosticsState = diagnosticsActor.initial(ctx);
  for (const m of msgs) {
    const [g2, ge] = transitionDiagnosticsGate(g, m);
    const [f2, fe] = transitionDiagnostics(f, m, ctx);
    assert.deepEqual(ge, fe, m.type);
    assert.deepEqual(g2, f2, m.type);
    g = g2;
    f = f2;
  }
});

Deno.test("GetDiagnostics loads the full logic, which answers the fileName", async () => {
  const bus = new Bus({ clock: new FakeClock(T0), config: () => ctx.config });
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
