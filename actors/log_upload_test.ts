import assert from "node:assert/strict";
import type { Ctx, Effect } from "./bus.ts";
import { type LogUploadState, transitionLogUpload } from "./log_upload.ts";
import { type Value, viewOf } from "../config/registry.ts";
import { validatePayload } from "../ocpp/schema.ts";

const NOW = Date.UTC(2026, 11, 1, 12, 0, 0);
const ctx: Ctx = { now: NOW, config: viewOf(new Map<string, Value>([["ChargePointId", "CP-1"]])) };

function getLog(requestId: number, extra: Record<string, unknown> = {}) {
  return {
    type: "ocpp.request",
    id: `m${requestId}`,
    action: "GetLog",
    payload: {
      logType: "SecurityLog",
      requestId,
      log: { remoteLocation: "ftp://127.0.0.1/logs" },
      ...extra,
    },
  } as const;
}

/** The LogStatusNotification payloads among the effects, each checked by the schema. */
function statuses(effects: Effect[]): unknown[] {
  return effects.flatMap((e) => {
    if (e.type !== "ocpp.call" || e.action !== "LogStatusNotification") return [];
    assert.equal(validatePayload(e.action, "Request", e.payload), undefined);
    return [e.payload];
  });
}

Deno.test("transitionLogUpload() GetLog: Accepted with the file name, Uploading, the upload, Uploaded", () => {
  let [s, effects] = transitionLogUpload({}, getLog(7), ctx);
  const reply = effects[0]!;
  assert.equal(reply.type, "ocpp.reply");
  if (reply.type === "ocpp.reply") {
    assert.deepEqual(reply.payload, {
      status: "Accepted",
      filename: "SecurityLog-CP-1-20261201T120000Z.tar.gz",
    });
    assert.equal(validatePayload("GetLog", "Response", reply.payload), undefined);
  }
  assert.deepEqual(statuses(effects), [{ status: "Uploading", requestId: 7 }]);
  assert.deepEqual(effects.at(-1), {
    type: "log.upload",
    job: {
      requestId: 7,
      logType: "SecurityLog",
      remoteLocation: "ftp://127.0.0.1/logs",
      fileName: "SecurityLog-CP-1-20261201T120000Z.tar.gz",
    },
  });
  [s, effects] = transitionLogUpload(s, { type: "log.uploaded", requestId: 7, ok: true }, ctx);
  assert.deepEqual(statuses(effects), [{ status: "Uploaded", requestId: 7 }]);
  assert.deepEqual(s, {});
});

Deno.test("transitionLogUpload() a new GetLog while one runs: AcceptedCanceled, the old one cancelled and its result dropped", () => {
  let [s] = transitionLogUpload({}, getLog(1), ctx);
  let effects: Effect[];
  [s, effects] = transitionLogUpload(s, getLog(2), ctx);
  const answer = effects[0]!;
  assert.equal(
    answer.type === "ocpp.reply" && (answer.payload as { status?: string }).status,
    "AcceptedCanceled",
  );
  assert.ok(effects.some((e) => e.type === "log.cancel" && e.requestId === 1));
  assert.deepEqual(statuses(effects), [{ status: "Uploading", requestId: 2 }]);
  [s, effects] = transitionLogUpload(s, { type: "log.uploaded", requestId: 1, ok: true }, ctx);
  assert.deepEqual(effects, []);
  [, effects] = transitionLogUpload(s, { type: "log.uploaded", requestId: 2, ok: true }, ctx);
  assert.deepEqual(statuses(effects), [{ status: "Uploaded", requestId: 2 }]);
});

Deno.test("transitionLogUpload() retries as GetLog asks, then UploadFailure", () => {
  let [s, effects] = transitionLogUpload({}, getLog(3, { retries: 1, retryInterval: 30 }), ctx);
  [s, effects] = transitionLogUpload(s, {
    type: "log.uploaded",
    requestId: 3,
    ok: false,
    reason: "refused",
  }, ctx);
  assert.deepEqual(effects.at(-1), { type: "timer.start", id: "retry", ms: 30_000 });
  assert.deepEqual(statuses(effects), []);
  // A result while waiting for the timer is not the retry's.
  assert.deepEqual(
    transitionLogUpload(s, { type: "log.uploaded", requestId: 3, ok: true }, ctx)[1],
    [],
  );
  [s, effects] = transitionLogUpload(s, { type: "timer.fired", id: "retry" }, ctx);
  assert.equal(effects[0]!.type, "log.upload");
  [s, effects] = transitionLogUpload(s, {
    type: "log.uploaded",
    requestId: 3,
    ok: false,
    reason: "refused",
  }, ctx);
  assert.deepEqual(statuses(effects), [{ status: "UploadFailure", requestId: 3 }]);
  assert.deepEqual(s, {});
});

Deno.test("transitionLogUpload() the status on request: Uploading with the requestId while one runs, else Idle", () => {
  const idle: LogUploadState = {};
  assert.deepEqual(statuses(transitionLogUpload(idle, { type: "log.status_requested" }, ctx)[1]), [
    { status: "Idle" },
  ]);
  const [s] = transitionLogUpload(idle, getLog(5), ctx);
  assert.deepEqual(statuses(transitionLogUpload(s, { type: "log.status_requested" }, ctx)[1]), [
    { status: "Uploading", requestId: 5 },
  ]);
});
