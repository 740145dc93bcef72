import assert from "node:assert/strict";
import type { Ctx, Effect, TimerFired } from "./bus.ts";
import {
  diagnosticsActor,
  diagnosticsFileName,
  type DiagnosticsMsg,
  type DiagnosticsState,
  transitionDiagnostics,
} from "./diagnostics.ts";
import { viewOf } from "../config/registry.ts";
import { validatePayload } from "../ocpp/schema.ts";
import { json } from "../ocpp/types.ts";

const T0 = Date.parse("2026-12-01T10:00:00.123Z");
const ctx = (): Ctx => ({ now: T0, config: viewOf(new Map([["ChargePointId", "WB 1/x"]])) });

function run(
  state: DiagnosticsState,
  msgs: (DiagnosticsMsg | TimerFired)[],
): [DiagnosticsState, Effect[]] {
  const all: Effect[] = [];
  for (const m of msgs) {
    const [next, effects] = transitionDiagnostics(state, m, ctx());
    state = next;
    all.push(...effects);
  }
  return [state, all];
}

const online = (): DiagnosticsState => ({ ...diagnosticsActor.initial(ctx()), online: true });
const get = (payload: Record<string, unknown> = {}): DiagnosticsMsg => ({
  type: "ocpp.request",
  id: "g1",
  action: "GetDiagnostics",
  payload: { location: "ftp://host/dir/", ...payload },
});
const statuses = (effects: Effect[]) =>
  effects.flatMap((e) => e.type === "ocpp.call" ? [String(json(e.payload).status)] : []);
const uploads = (effects: Effect[]) => effects.filter((e) => e.type === "diag.upload");
const fail: DiagnosticsMsg = { type: "diag.upload_failed", reason: "550" };
const retry: TimerFired = { type: "timer.fired", id: "retry" };

Deno.test("diagnosticsFileName() is a safe name with the Charge Point id and the time", () => {
  assert.equal(diagnosticsFileName("WB 1/x", T0), "diagnostics-WB_1_x-20261201T100000Z.tar.gz");
});

Deno.test("transitionDiagnostics() answers the fileName, sends Uploading, uploads the window", () => {
  const [, e] = run(online(), [
    get({ startTime: "2026-12-01T09:00:00Z", stopTime: "2026-12-01T09:30:00Z" }),
  ]);
  assert.deepEqual(e[0], {
    type: "ocpp.reply",
    id: "g1",
    action: "GetDiagnostics",
    payload: { fileName: "diagnostics-WB_1_x-20261201T100000Z.tar.gz" },
  });
  assert.deepEqual(statuses(e), ["Uploading"]);
  assert.deepEqual(uploads(e), [{
    type: "diag.upload",
    location: "ftp://host/dir/",
    fileName: "diagnostics-WB_1_x-20261201T100000Z.tar.gz",
    attempt: 1,
    startTime: Date.parse("2026-12-01T09:00:00Z"),
    stopTime: Date.parse("2026-12-01T09:30:00Z"),
  }]);
});

Deno.test("transitionDiagnostics() sends Uploading once over every retry, then UploadFailed (libocpp 459)", () => {
  const [s, e] = run(online(), [
    get({ retries: 2, retryInterval: 5 }),
    fail,
    retry,
    fail,
    retry,
    fail,
  ]);
  assert.deepEqual(statuses(e), ["Uploading", "UploadFailed"]);
  assert.deepEqual(uploads(e).map((u) => (u as { attempt: number }).attempt), [1, 2, 3]);
  assert.deepEqual(e.filter((x) => x.type === "timer.start"), [
    { type: "timer.start", id: "retry", ms: 5000 },
    { type: "timer.start", id: "retry", ms: 5000 },
  ]);
  assert.equal(s.job, undefined);
});

Deno.test("transitionDiagnostics() retries 0 is one attempt (errata 3.50)", () => {
  const [, e] = run(online(), [get({ retries: 0 }), fail, retry]);
  assert.deepEqual(statuses(e), ["Uploading", "UploadFailed"]);
  assert.equal(uploads(e).length, 1);
});

Deno.test("transitionDiagnostics() Uploaded after a success; TriggerMessage: Uploading while busy, else Idle", () => {
  const trigger: DiagnosticsMsg = { type: "trigger", message: "DiagnosticsStatusNotification" };
  const [busy, e] = run(online(), [get(), trigger]);
  assert.deepEqual(statuses(e), ["Uploading", "Uploading"]);
  const [, e2] = run(busy, [{ type: "diag.uploaded", fileName: "f", bytes: 10 }, trigger]);
  assert.deepEqual(statuses(e2), ["Uploaded", "Idle"]);
});

Deno.test("transitionDiagnostics() a second GetDiagnostics while uploading gets no fileName", () => {
  const [busy] = run(online(), [get()]);
  const [s, e] = run(busy, [{ ...get(), id: "g2" } as DiagnosticsMsg]);
  assert.deepEqual(e[0], { type: "ocpp.reply", id: "g2", action: "GetDiagnostics", payload: {} });
  assert.deepEqual(uploads(e), []);
  assert.equal(s.job, busy.job);
});

Deno.test("transitionDiagnostics() keeps statuses while offline and sends them after the boot", () => {
  const [s, e] = run(diagnosticsActor.initial(ctx()), [get({ retries: 0 }), fail]);
  assert.deepEqual(statuses(e), []);
  const [, e2] = run(s, [{ type: "backend.accepted", currentTime: "" }]);
  assert.deepEqual(statuses(e2), ["Uploading", "UploadFailed"]);
  for (const x of [...e, ...e2]) {
    if (x.type === "ocpp.call") {
      assert.equal(validatePayload(x.action, "Request", x.payload), undefined);
    }
    if (x.type === "ocpp.reply") {
      assert.equal(validatePayload(x.action, "Response", x.payload), undefined);
    }
  }
});
