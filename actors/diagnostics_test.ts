import assert from "node:assert/strict";
import type { Ctx, Effect, TimerFired } from "./bus.ts";
import {
  diagnosticsActor,
  diagnosticsActorWith,
  diagnosticsFileName,
  type DiagnosticsMsg,
  type DiagnosticsState,
  restoreDiagnostics,
  transitionDiagnostics,
} from "./diagnostics.ts";
import { viewOf } from "../config/registry.ts";
import type { BackendState } from "./messages.ts";
import { validatePayload } from "../ocpp/schema.ts";
import { json } from "../ocpp/types.ts";

const T0 = Date.parse("2026-12-01T10:00:00.123Z");
/** A context; the boot Accepted (the supervisor's phase, `ctx.backend`) unless `backend` says otherwise. */
const ctx = (backend: BackendState = "accepted"): Ctx => ({
  now: T0,
  config: viewOf(new Map([["ChargePointId", "WB 1/x"]])),
  backend,
});

function run(
  state: DiagnosticsState,
  msgs: (DiagnosticsMsg | TimerFired)[],
  backend: BackendState = "accepted",
): [DiagnosticsState, Effect[]] {
  const all: Effect[] = [];
  for (const m of msgs) {
    const [next, effects] = transitionDiagnostics(state, m, ctx(backend));
    state = next;
    all.push(...effects);
  }
  return [state, all];
}

const online = (): DiagnosticsState => diagnosticsActor.initial(ctx());
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
  // The job is on disk before the answer names its file.
  assert.equal(e[0]!.type, "store.diag_state");
  assert.deepEqual(e[1], {
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
  const [s, e] = run(diagnosticsActor.initial(ctx()), [get({ retries: 0 }), fail], "connecting");
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

/** The state the store holds after `effects` (the last `store.diag_state`), as a new boot reads it. */
function reboot(effects: Effect[]): DiagnosticsState {
  const last = effects.findLast((e) => e.type === "store.diag_state");
  assert.ok(last && last.type === "store.diag_state", "the job was stored");
  const { saved, problem } = restoreDiagnostics(JSON.parse(JSON.stringify(last.state)));
  assert.equal(problem, undefined);
  return diagnosticsActorWith(saved).initial(ctx());
}
const started: DiagnosticsMsg = { type: "system.started" };

Deno.test("transitionDiagnostics() after a restart cut an attempt: the next one at once, Uploading not sent again", () => {
  const [, e] = run(online(), [get({ retries: 1 })]);
  // At start the boot is not Accepted yet.
  const [s, e2] = run(reboot(e), [started], "connecting");
  assert.deepEqual(statuses(e2), []);
  assert.deepEqual(uploads(e2).map((u) => (u as { attempt: number }).attempt), [2]);
  assert.equal(s.attempt, 2);
  // system.started again (a second hardware start) does nothing more.
  assert.deepEqual(run(s, [started])[1], []);
  // The Uploading unanswered at the cut goes again once after the boot (at least once), not per attempt.
  const [s2, e2b] = run(s, [{ type: "backend.accepted", currentTime: "" }]);
  assert.deepEqual(statuses(e2b), ["Uploading"]);
  const [, e3] = run(s2, [{ type: "diag.uploaded", fileName: "f", bytes: 1 }]);
  assert.deepEqual(statuses(e3), ["Uploaded"]);
});

Deno.test("transitionDiagnostics() after a restart cut the last attempt: UploadFailed", () => {
  const [, e] = run(online(), [get({ retries: 0 })]);
  const [s, e2] = run(reboot(e), [started], "connecting");
  assert.deepEqual(statuses(e2), [], "kept until the boot is Accepted");
  assert.deepEqual(uploads(e2), []);
  assert.equal(s.job, undefined);
  assert.equal(e2[0]!.type, "store.diag_state");
  const [, e3] = run(s, [{ type: "backend.accepted", currentTime: "" }]);
  assert.deepEqual(statuses(e3), ["Uploading", "UploadFailed"]);
});

Deno.test("transitionDiagnostics() after a restart while a retry waited: it waits retryInterval again", () => {
  const [, e] = run(online(), [get({ retries: 2, retryInterval: 30 }), fail]);
  const [s, e2] = run(reboot(e), [started]);
  assert.deepEqual(e2, [{ type: "timer.start", id: "retry", ms: 30_000 }]);
  const [, e3] = run(s, [retry]);
  assert.deepEqual(uploads(e3).map((u) => (u as { attempt: number }).attempt), [2]);
});

Deno.test("restoreDiagnostics() turns an unreadable stored state into no upload, and says so", () => {
  assert.equal(restoreDiagnostics({ attempt: "x" }).saved.job, undefined);
  assert.match(restoreDiagnostics(null).problem ?? "", /unreadable/);
  assert.match(
    restoreDiagnostics({ attempt: 1, outbox: { items: [] }, job: { location: 3 } }).problem ?? "",
    /unreadable/,
  );
});

Deno.test("transitionDiagnostics() sends by the supervisor's phase (ctx.backend), not by the messages it saw: a reconnect whose boot is Pending", () => {
  const [s] = run(online(), [{ type: "backend.accepted", currentTime: "" }]);
  // Reconnected; the new BootNotification is Pending. No backend.* message says so to this actor.
  const [s1, e1] = run(s, [get()], "pending");
  assert.deepEqual(statuses(e1), [], "kept: the Central System may not get CALLs yet (4.2)");
  assert.equal(uploads(e1).length, 1, "the upload itself goes on");
  // Accepted, before backend.accepted reached the actor: a new status goes after the kept one.
  const [s2, e2] = run(s1, [{ type: "diag.uploaded", fileName: "f", bytes: 1 }]);
  assert.deepEqual(statuses(e2), ["Uploading", "Uploaded"]);
  const [, e3] = run(s2, [{ type: "backend.accepted", currentTime: "" }]);
  assert.deepEqual(statuses(e3), []);
});
