/**
 * The log upload actor as it starts: its gate (see `bus.ts`, lazy
 * features). With no upload running it answers ExtendedTriggerMessage
 * LogStatusNotification with Idle (N01.FR.12's "no upload"); GetLog loads
 * the full logic (`log_upload.ts`).
 *
 * @module
 */
import type { ActorLogic, Effect } from "./bus.ts";
import { call, type MessageOf } from "./messages.ts";
import type { CsAction } from "../ocpp/types.ts";
import type { LogUploadState } from "./log_upload.ts";

/** The inbound actions this actor answers. */
export const LOG_ACTIONS: readonly CsAction[] = ["GetLog"];

/** Messages the log upload actor receives. */
export const LOG_UPLOAD_RECEIVES = [
  "ocpp.request",
  "log.uploaded",
  "log.status_requested",
] as const;

/** Messages the log upload actor receives. */
export type LogUploadMsg = MessageOf<(typeof LOG_UPLOAD_RECEIVES)[number]>;

function transitionGate(state: LogUploadState, msg: LogUploadMsg): [LogUploadState, Effect[]] {
  switch (msg.type) {
    case "ocpp.request":
      return [state, msg.action === "GetLog" ? [{ type: "actor.load" }] : []];
    case "log.status_requested":
      return [state, [call("LogStatusNotification", { status: "Idle" })]];
    default:
      // No upload ran: nothing to report.
      return [state, []];
  }
}

/** The log upload actor as the runtime starts it. */
export const logUploadGate: ActorLogic<LogUploadState, LogUploadMsg> = {
  name: "log_upload",
  receives: LOG_UPLOAD_RECEIVES,
  handles: LOG_ACTIONS,
  initial: () => ({}),
  transition: transitionGate,
  load: () =>
    import("./log_upload.ts").then((m) => ({
      logic: m.logUploadActor,
      from: (gate: LogUploadState) => gate,
    })),
};
