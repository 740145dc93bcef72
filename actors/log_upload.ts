/**
 * The log upload actor: GetLog (Security Whitepaper N01, section 5.9) and
 * its LogStatusNotifications.
 *
 * - GetLog is Accepted with the name of the file that will be uploaded
 *   (`<SecurityLog|DiagnosticsLog>-<ChargePointId>-<time>.tar.gz`); while an
 *   upload runs, the new request is answered AcceptedCanceled and the
 *   running one is cancelled (N01.FR.11, `log.cancel`).
 * - Then LogStatusNotification Uploading (N01.FR.08), the upload itself
 *   (`log.upload` for the shell), Uploaded (N01.FR.09) or, once
 *   `retries` more attempts `retryInterval` seconds apart failed too,
 *   UploadFailure (N01.FR.10). Every LogStatusNotification carries the
 *   GetLog's requestId (N01.FR.07/12); results of a cancelled upload are
 *   dropped.
 * - ExtendedTriggerMessage LogStatusNotification (`log.status_requested`):
 *   Uploading with the requestId while an upload runs, else Idle.
 *
 * Receives: `ocpp.request` (GetLog), `log.uploaded`, `log.status_requested`.
 * Emits: `ocpp.reply`, `ocpp.call`, `log.upload`, `log.cancel`, `log`.
 *
 * @module
 */
import { type ActorLogic, type Ctx, type Effect, fullLogic, type TimerFired } from "./bus.ts";
import { call, type LogJob, type MessageOf, reply } from "./messages.ts";
import type { V16 } from "../ocpp/types.ts";
import { logUploadGate, type LogUploadMsg } from "./log_upload_gate.ts";

export { LOG_ACTIONS, type LogUploadMsg } from "./log_upload_gate.ts";

/** Attempts after the first when GetLog gives no `retries`. */
export const DEFAULT_RETRIES = 2;
/** Seconds between attempts when GetLog gives no `retryInterval`. */
export const DEFAULT_RETRY_INTERVAL_S = 60;

/** The log upload actor's state. */
export interface LogUploadState {
  readonly running?: {
    readonly job: LogJob;
    /** Attempts left after the one that runs. */
    readonly retriesLeft: number;
    readonly retryIntervalS: number;
    /** Waiting for the retry timer. */
    readonly waiting: boolean;
  };
}

function status(
  s: V16.LogStatusNotificationRequest["status"],
  requestId?: number,
): Effect {
  return call(
    "LogStatusNotification",
    {
      status: s,
      ...(requestId !== undefined ? { requestId } : {}),
    } satisfies V16.LogStatusNotificationRequest,
  );
}

function stamp(ms: number): string {
  return new Date(ms).toISOString().replace(/[-:]/g, "").replace(/\.\d+Z$/, "Z");
}

function getLog(
  state: LogUploadState,
  msg: MessageOf<"ocpp.request">,
  ctx: Ctx,
): [LogUploadState, Effect[]] {
  const p = msg.payload as unknown as V16.GetLogRequest;
  const oldest = p.log.oldestTimestamp ? Date.parse(p.log.oldestTimestamp) : undefined;
  const latest = p.log.latestTimestamp ? Date.parse(p.log.latestTimestamp) : undefined;
  const fileName = `${p.logType}-${ctx.config.str("ChargePointId")}-${stamp(ctx.now)}.tar.gz`;
  const job: LogJob = {
    requestId: p.requestId,
    logType: p.logType,
    remoteLocation: p.log.remoteLocation,
    fileName,
    ...(oldest !== undefined ? { oldest } : {}),
    ...(latest !== undefined ? { latest } : {}),
  };
  const effects: Effect[] = [];
  const replaced = state.running;
  effects.push(reply(msg.id, "GetLog", {
    status: replaced ? "AcceptedCanceled" : "Accepted",
    filename: fileName,
  }));
  if (replaced) {
    effects.push(
      { type: "log.cancel", requestId: replaced.job.requestId },
      { type: "timer.cancel", id: "retry" },
      {
        type: "log",
        level: "info",
        text: `GetLog ${replaced.job.requestId} cancelled by GetLog ${p.requestId}`,
      },
    );
  }
  effects.push(status("Uploading", p.requestId), { type: "log.upload", job });
  return [{
    running: {
      job,
      retriesLeft: p.retries ?? DEFAULT_RETRIES,
      retryIntervalS: p.retryInterval ?? DEFAULT_RETRY_INTERVAL_S,
      waiting: false,
    },
  }, effects];
}

/** One transition of the log upload actor. */
export function transitionLogUpload(
  state: LogUploadState,
  msg: LogUploadMsg | TimerFired,
  ctx: Ctx,
): [LogUploadState, Effect[]] {
  const run = state.running;
  switch (msg.type) {
    case "ocpp.request":
      return msg.action === "GetLog" ? getLog(state, msg, ctx) : [state, []];
    case "log.uploaded": {
      if (!run || run.waiting || msg.requestId !== run.job.requestId) return [state, []];
      if (msg.ok) return [{}, [status("Uploaded", run.job.requestId)]];
      const why = `Cannot upload the ${run.job.logType} of GetLog ${run.job.requestId}: ${
        msg.reason ?? "failed"
      }`;
      if (run.retriesLeft > 0) {
        return [{ running: { ...run, retriesLeft: run.retriesLeft - 1, waiting: true } }, [
          { type: "log", level: "warn", text: `${why}; trying again in ${run.retryIntervalS} s` },
          { type: "timer.start", id: "retry", ms: run.retryIntervalS * 1000 },
        ]];
      }
      return [{}, [
        { type: "log", level: "warn", text: why },
        status("UploadFailure", run.job.requestId),
      ]];
    }
    case "timer.fired":
      if (msg.id !== "retry" || !run?.waiting) return [state, []];
      return [{ running: { ...run, waiting: false } }, [{ type: "log.upload", job: run.job }]];
    case "log.status_requested":
      return [state, [run ? status("Uploading", run.job.requestId) : status("Idle")]];
    default:
      return [state, []];
  }
}

/** The log upload actor, all of it (the full logic of `log_upload_gate.ts`). */
export const logUploadActor: ActorLogic<LogUploadState, LogUploadMsg> = fullLogic(
  logUploadGate,
  transitionLogUpload,
);
