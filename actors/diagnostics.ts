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
 * - Not kept in the store: an upload cut by a power loss is not resumed
 *   (the Central System asks again).
 *
 * Receives: `ocpp.request` (GetDiagnostics), `ocpp.result`, `ocpp.failed`,
 * `diag.uploaded`, `diag.upload_failed`, `backend.accepted`,
 * `backend.state`, `trigger`. Emits: `ocpp.reply`, `ocpp.call`,
 * `diag.upload`, `log`.
 *
 * @module
 */
import type { ActorLogic, Ctx, Effect, TimerFired } from "./bus.ts";
import { type DiagnosticsStatus, type MessageOf, reply } from "./messages.ts";
import type { V16 } from "../ocpp/types.ts";
import { emptyOutbox, flush, push, settle, type StatusOutbox } from "./_status_outbox.ts";

/** Retries when GetDiagnostics gives none. */
export const DIAG_DEFAULT_RETRIES = 2;
/** Seconds between attempts when GetDiagnostics gives no retryInterval. */
export const DIAG_DEFAULT_RETRY_INTERVAL_S = 60;

const PREFIX = "diag-";
const ACTION = "DiagnosticsStatusNotification";

/** One upload, as GetDiagnostics.req asked for it. */
export interface DiagnosticsJob {
  readonly location: string;
  readonly fileName: string;
  readonly startTime?: number;
  readonly stopTime?: number;
  readonly retries: number;
  readonly retryIntervalS: number;
}

/** The diagnostics actor's state. */
export interface DiagnosticsState {
  readonly job?: DiagnosticsJob;
  /** The attempt running or waiting (1-based). */
  readonly attempt: number;
  readonly outbox: StatusOutbox<DiagnosticsStatus>;
  readonly online: boolean;
}

const RECEIVES = [
  "ocpp.request",
  "ocpp.result",
  "ocpp.failed",
  "diag.uploaded",
  "diag.upload_failed",
  "backend.accepted",
  "backend.state",
  "trigger",
] as const;

/** Messages the diagnostics actor receives. */
export type DiagnosticsMsg = MessageOf<(typeof RECEIVES)[number]>;

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
      {
        type: "log",
        level: "warn",
        text: `GetDiagnostics to ${p.location} refused: an upload to ${s.job.location} runs`,
      },
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
  const outbox = push(s.outbox, "Uploading", s.online, ACTION, PREFIX, effects);
  effects.push(upload(job, 1));
  return [{ ...s, job, attempt: 1, outbox }, effects];
}

function finish(
  s: DiagnosticsState,
  status: DiagnosticsStatus,
  effects: Effect[],
): DiagnosticsState {
  const outbox = push(s.outbox, status, s.online, ACTION, PREFIX, effects);
  return { outbox, online: s.online, attempt: 0 };
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
    case "diag.uploaded":
      if (!s.job) return [s, []];
      effects.push({
        type: "log",
        level: "info",
        text: `Diagnostics ${msg.fileName} uploaded (${msg.bytes} bytes)`,
      });
      return [finish(s, "Uploaded", effects), effects];
    case "diag.upload_failed": {
      const job = s.job;
      if (!job) return [s, []];
      const left = job.retries - (s.attempt - 1);
      if (left > 0) {
        effects.push(
          {
            type: "log",
            level: "warn",
            text:
              `Diagnostics upload attempt ${s.attempt} failed: ${msg.reason}; ${left} retries left`,
          },
          { type: "timer.start", id: "retry", ms: job.retryIntervalS * 1000 },
        );
        return [{ ...s, attempt: s.attempt + 1 }, effects];
      }
      effects.push({
        type: "log",
        level: "error",
        text: `Diagnostics upload failed: ${msg.reason}`,
      });
      return [finish(s, "UploadFailed", effects), effects];
    }
    case "timer.fired":
      if (msg.id === "retry" && s.job) return [s, [upload(s.job, s.attempt)]];
      if (msg.id === "resend" && s.online) {
        return [{ ...s, outbox: flush(s.outbox, ACTION, PREFIX, effects) }, effects];
      }
      return [s, []];
    case "backend.accepted":
      return [{ ...s, online: true, outbox: flush(s.outbox, ACTION, PREFIX, effects) }, effects];
    case "backend.state":
      return msg.state === "accepted" ? [s, []] : [{ ...s, online: false }, []];
    case "ocpp.result":
    case "ocpp.failed": {
      const outbox = settle(s.outbox, msg, PREFIX, effects);
      if (!outbox) return [s, []];
      if (msg.type === "ocpp.failed" && s.online) {
        effects.push({ type: "timer.start", id: "resend", ms: 30_000 });
      }
      return [{ ...s, outbox }, effects];
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

/** The diagnostics actor. */
export const diagnosticsActor: ActorLogic<DiagnosticsState, DiagnosticsMsg> = {
  name: "diagnostics",
  receives: RECEIVES,
  handles: ["GetDiagnostics"],
  initial: () => ({ attempt: 0, outbox: emptyOutbox(), online: false }),
  transition: transitionDiagnostics,
};
