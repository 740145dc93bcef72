/**
 * The diagnostics actor: GetDiagnostics (OCPP 1.6 section 5.9) and its
 * DiagnosticsStatusNotifications (section 4.4), pure.
 *
 * - GetDiagnostics.conf names the file that will be uploaded
 *   (`diagnostics-<ChargePointId>-<time>.tar.gz`, one archive of the logs in
 *   the startTime/stopTime window); the shell collects and uploads it
 *   (`diag.upload`).
 * - Uploading is sent once per request, not per attempt (EVerest/libocpp
 *   issue 459 reports a flood); a failed attempt is retried `retries` times
 *   (errata 3.50: 0 is one attempt) every `retryInterval` seconds; then
 *   Uploaded or UploadFailed.
 * - A GetDiagnostics while an upload runs is answered without a fileName
 *   (no new file will be uploaded) and the running upload goes on.
 * - TriggerMessage DiagnosticsStatusNotification: Uploading while an upload
 *   runs, else Idle (section 4.4).
 * - Every change of the job is written to the store (`store.diag_state`)
 *   before its effects (no fileName is answered for a job that is not on
 *   disk). After a power loss or restart (`system.started`): an attempt
 *   that was cut counts as a failed attempt, so the next one starts at once
 *   when retries are left, else UploadFailed is reported; a retry that was
 *   waiting waits `retryInterval` again. Uploading is not sent again.
 *
 * Receives: `ocpp.request` (GetDiagnostics), `ocpp.result`, `ocpp.failed`,
 * `diag.uploaded`, `diag.upload_failed`, `backend.accepted` (sends the
 * statuses kept while the boot was not Accepted; whether it is, is
 * `ctx.backend`, the supervisor's phase), `trigger`, `system.started`. Emits: `ocpp.reply`,
 * `ocpp.call`, `diag.upload`, `store.diag_state`, `log`.
 *
 * @module
 */
import { type ActorLogic, type Ctx, type Effect, fullLogic, type TimerFired } from "./bus.ts";
import { type DiagnosticsStatus, type MessageOf, reply } from "./messages.ts";
import type { V16 } from "../ocpp/types.ts";
import { flush, push, settle } from "./_status_outbox.ts";
import {
  diagnosticsGateWith,
  type DiagnosticsJob,
  type DiagnosticsMsg,
  type DiagnosticsSaved,
  type DiagnosticsState,
  NO_DIAGNOSTICS,
} from "./update_gates.ts";

export {
  type DiagnosticsJob,
  type DiagnosticsMsg,
  type DiagnosticsSaved,
  type DiagnosticsState,
  restoreDiagnostics,
} from "./update_gates.ts";

/** Retries when GetDiagnostics gives none. */
export const DIAG_DEFAULT_RETRIES = 2;
/** Seconds between attempts when GetDiagnostics gives no retryInterval. */
export const DIAG_DEFAULT_RETRY_INTERVAL_S = 60;

const PREFIX = "diag-";
const ACTION = "DiagnosticsStatusNotification";

/** `YYYYMMDDTHHMMSSZ`. */
function compactTime(ms: number): string {
  return new Date(ms).toISOString().replace(/[-:]/g, "").replace(/\.\d+Z$/, "Z");
}

/** The archive's file name: safe characters only (CiString255). */
export function diagnosticsFileName(chargePointId: string, now: number): string {
  const id = chargePointId.replace(/[^A-Za-z0-9._-]/g, "_").slice(0, 48) || "wallbox";
  return `diagnostics-${id}-${compactTime(now)}.tar.gz`;
}

function time(text: unknown): number | undefined {
  if (typeof text !== "string") return undefined;
  const t = Date.parse(text);
  return Number.isFinite(t) ? t : undefined;
}

function upload(job: DiagnosticsJob, attempt: number): Effect {
  return {
    type: "diag.upload",
    location: job.location,
    fileName: job.fileName,
    attempt,
    ...(job.startTime !== undefined ? { startTime: job.startTime } : {}),
    ...(job.stopTime !== undefined ? { stopTime: job.stopTime } : {}),
  };
}

function saved(s: DiagnosticsState): DiagnosticsSaved {
  return {
    ...(s.job ? { job: s.job } : {}),
    attempt: s.attempt,
    ...(s.uploading ? { uploading: true } : {}),
    outbox: s.outbox,
  };
}

/** Persists `next` (first effect) and returns it with the effects. */
function commit(next: DiagnosticsState, effects: Effect[]): [DiagnosticsState, Effect[]] {
  return [next, [{ type: "store.diag_state", state: saved(next) }, ...effects]];
}

function log(level: "info" | "warn" | "error", text: string): Effect {
  return { type: "log", level, text };
}

function getDiagnostics(
  s: DiagnosticsState,
  msg: MessageOf<"ocpp.request">,
  ctx: Ctx,
): [DiagnosticsState, Effect[]] {
  // Validated against the schema by the rpc actor.
  const p = msg.payload as unknown as V16.GetDiagnosticsRequest;
  if (s.job) {
    return [s, [
      // No fileName: no new file will be uploaded (section 6.26).
      reply(msg.id, "GetDiagnostics", {}),
      log("warn", `GetDiagnostics to ${p.location} refused: an upload to ${s.job.location} runs`),
    ]];
  }
  const startTime = time(p.startTime);
  const stopTime = time(p.stopTime);
  const job: DiagnosticsJob = {
    location: p.location,
    fileName: diagnosticsFileName(ctx.config.str("ChargePointId"), ctx.now),
    retries: Math.max(0, Math.floor(p.retries ?? DIAG_DEFAULT_RETRIES)),
    retryIntervalS: Math.max(0, Math.floor(p.retryInterval ?? DIAG_DEFAULT_RETRY_INTERVAL_S)),
    ...(startTime !== undefined ? { startTime } : {}),
    ...(stopTime !== undefined ? { stopTime } : {}),
  };
  const effects: Effect[] = [reply(msg.id, "GetDiagnostics", { fileName: job.fileName })];
  const outbox = push(s.outbox, "Uploading", ctx.backend === "accepted", ACTION, PREFIX, effects);
  effects.push(upload(job, 1));
  return commit({ ...s, job, attempt: 1, uploading: true, outbox }, effects);
}

function finish(
  s: DiagnosticsState,
  status: DiagnosticsStatus,
  effects: Effect[],
  ctx: Ctx,
): DiagnosticsState {
  const outbox = push(s.outbox, status, ctx.backend === "accepted", ACTION, PREFIX, effects);
  return { outbox, attempt: 0, ...(s.started ? { started: true } : {}) };
}

/** The attempt `s.attempt` failed (`reason`): the next one after `delayMs`, or UploadFailed. */
function failed(
  s: DiagnosticsState,
  job: DiagnosticsJob,
  reason: string,
  delayMs: number,
  ctx: Ctx,
): [DiagnosticsState, Effect[]] {
  const effects: Effect[] = [];
  const left = job.retries - (s.attempt - 1);
  if (left <= 0) {
    effects.push(log("error", `Diagnostics upload failed: ${reason}`));
    return commit(finish(s, "UploadFailed", effects, ctx), effects);
  }
  effects.push(log(
    "warn",
    `Diagnostics upload attempt ${s.attempt} failed: ${reason}; ${left} retries left`,
  ));
  const next = { ...s, attempt: s.attempt + 1 };
  if (delayMs > 0) {
    effects.push({ type: "timer.start", id: "retry", ms: delayMs });
    return commit({ ...next, uploading: false }, effects);
  }
  effects.push(upload(job, next.attempt));
  return commit({ ...next, uploading: true }, effects);
}

/** After a start: what the stored upload still has to do. */
function resume(s: DiagnosticsState, ctx: Ctx): [DiagnosticsState, Effect[]] {
  const job = s.job;
  if (!job) return [s, []];
  if (!s.uploading) {
    return [s, [{ type: "timer.start", id: "retry", ms: job.retryIntervalS * 1000 }]];
  }
  // The attempt was cut (power loss, crash, restart): it failed; the next one goes at once.
  return failed(s, job, "interrupted by a restart", 0, ctx);
}

/** One transition of the diagnostics actor. */
export function transitionDiagnostics(
  s: DiagnosticsState,
  msg: DiagnosticsMsg | TimerFired,
  ctx: Ctx,
): [DiagnosticsState, Effect[]] {
  const effects: Effect[] = [];
  switch (msg.type) {
    case "ocpp.request":
      return msg.action === "GetDiagnostics" ? getDiagnostics(s, msg, ctx) : [s, []];
    case "system.started":
      return s.started ? [s, []] : resume({ ...s, started: true }, ctx);
    case "diag.uploaded":
      if (!s.job) return [s, []];
      effects.push(log("info", `Diagnostics ${msg.fileName} uploaded (${msg.bytes} bytes)`));
      return commit(finish(s, "Uploaded", effects, ctx), effects);
    case "diag.upload_failed":
      if (!s.job || !s.uploading) return [s, []];
      return failed(s, s.job, msg.reason, s.job.retryIntervalS * 1000, ctx);
    case "timer.fired":
      if (msg.id === "retry" && s.job) {
        return commit({ ...s, uploading: true }, [upload(s.job, s.attempt)]);
      }
      if (msg.id === "resend" && ctx.backend === "accepted") {
        return commit({ ...s, outbox: flush(s.outbox, ACTION, PREFIX, effects) }, effects);
      }
      return [s, []];
    case "backend.accepted": {
      // The boot is Accepted (ctx.backend says so from now on): what waited goes, in order.
      const outbox = flush(s.outbox, ACTION, PREFIX, effects);
      return effects.length > 0 ? commit({ ...s, outbox }, effects) : [s, []];
    }
    case "ocpp.result":
    case "ocpp.failed": {
      const outbox = settle(s.outbox, msg, PREFIX, effects);
      if (!outbox) return [s, []];
      if (msg.type === "ocpp.failed" && ctx.backend === "accepted") {
        effects.push({ type: "timer.start", id: "resend", ms: 30_000 });
      }
      return commit({ ...s, outbox }, effects);
    }
    case "trigger": {
      if (msg.message !== ACTION) return [s, []];
      const payload = {
        status: s.job ? "Uploading" : "Idle",
      } satisfies V16.DiagnosticsStatusNotificationRequest;
      return [s, [{ type: "ocpp.call", action: ACTION, payload }]];
    }
    default:
      return [s, []];
  }
}

/** The diagnostics actor, starting from the stored state. */
export function diagnosticsActorWith(
  stored: DiagnosticsSaved,
): ActorLogic<DiagnosticsState, DiagnosticsMsg> {
  return fullLogic(diagnosticsGateWith(stored), transitionDiagnostics);
}

/** The diagnostics actor with no stored upload. */
export const diagnosticsActor: ActorLogic<DiagnosticsState, DiagnosticsMsg> = diagnosticsActorWith(
  NO_DIAGNOSTICS,
);
