/**
 * The diagnostics actor while no upload exists: a small gate (`bus.ts`,
 * lazy features) that keeps whether the boot is accepted, answers
 * TriggerMessage DiagnosticsStatusNotification with Idle (section 4.4) and
 * loads the full logic (`diagnostics.ts`) at the first GetDiagnostics, or at
 * boot when an upload is stored.
 *
 * Its state is the full logic's (`DiagnosticsState`, no job), so the full
 * logic starts from it as it is. The types, the receives list and the
 * stored state's parser live here; `diagnostics.ts` imports them.
 *
 * @module
 */
import type { ActorLogic, Effect, TimerFired } from "./bus.ts";
import type { DiagnosticsStatus, MessageOf } from "./messages.ts";
import { emptyOutbox, type StatusOutbox, unsent } from "./_status_outbox.ts";

/** One upload, as GetDiagnostics.req asked for it. */
export interface DiagnosticsJob {
  readonly location: string;
  readonly fileName: string;
  readonly startTime?: number;
  readonly stopTime?: number;
  readonly retries: number;
  readonly retryIntervalS: number;
}

/** The part of the state kept in the store (`store.diag_state`). */
export interface DiagnosticsSaved {
  readonly job?: DiagnosticsJob;
  /** The attempt running or waiting (1-based). */
  readonly attempt: number;
  /** The attempt runs (false: it waits for its retry timer). */
  readonly uploading?: boolean;
  readonly outbox: StatusOutbox<DiagnosticsStatus>;
}

/** The diagnostics actor's state (the gate's too). */
export interface DiagnosticsState extends DiagnosticsSaved {
  readonly online: boolean;
  /** `system.started` was handled (the stored upload resumed once). */
  readonly started?: boolean;
}

/** What the diagnostics actor receives. */
export const DIAGNOSTICS_RECEIVES = [
  "ocpp.request",
  "ocpp.result",
  "ocpp.failed",
  "diag.uploaded",
  "diag.upload_failed",
  "backend.accepted",
  "backend.state",
  "trigger",
  "system.started",
] as const;

/** Messages the diagnostics actor receives. */
export type DiagnosticsMsg = MessageOf<(typeof DIAGNOSTICS_RECEIVES)[number]>;

/** No upload. */
export const NO_DIAGNOSTICS: DiagnosticsSaved = { attempt: 0, outbox: emptyOutbox() };

/** Parses stored state; anything unreadable is no upload (and says so). */
export function restoreDiagnostics(raw: unknown): { saved: DiagnosticsSaved; problem?: string } {
  const s = raw as Partial<DiagnosticsSaved> | null;
  const job = s?.job as Partial<DiagnosticsJob> | undefined;
  if (
    s === null || typeof s !== "object" || typeof s.attempt !== "number" ||
    !Array.isArray(s.outbox?.items) ||
    (job !== undefined &&
      (typeof job.location !== "string" || typeof job.fileName !== "string" ||
        typeof job.retries !== "number" || typeof job.retryIntervalS !== "number"))
  ) {
    return {
      saved: NO_DIAGNOSTICS,
      problem: "stored diagnostics upload state is unreadable: ignored",
    };
  }
  return {
    saved: {
      ...(s.job ? { job: s.job } : {}),
      attempt: s.attempt,
      ...(s.uploading ? { uploading: true } : {}),
      outbox: unsent(s.outbox),
    },
  };
}

/** Whether a stored state has nothing left to do (the gate suffices). */
export function diagnosticsIdle(s: DiagnosticsSaved): boolean {
  return s.job === undefined && s.outbox.items.length === 0;
}

const LOAD: Effect = { type: "actor.load" };

/** One transition of the gate: the full logic's, for no upload. */
export function transitionDiagnosticsGate(
  s: DiagnosticsState,
  msg: DiagnosticsMsg | TimerFired,
): [DiagnosticsState, Effect[]] {
  if (!diagnosticsIdle(s)) return [s, [LOAD]];
  switch (msg.type) {
    case "ocpp.request":
      return msg.action === "GetDiagnostics" ? [s, [LOAD]] : [s, []];
    case "backend.accepted":
      return [{ ...s, online: true }, []];
    case "backend.state":
      return msg.state === "accepted" ? [s, []] : [{ ...s, online: false }, []];
    case "system.started":
      return [{ ...s, started: true }, []];
    case "trigger":
      // Section 4.4: Idle when no upload runs. Not kept: it is an answer.
      return msg.message === "DiagnosticsStatusNotification"
        ? [s, [{ type: "ocpp.call", action: msg.message, payload: { status: "Idle" } }]]
        : [s, []];
    default:
      return [s, []];
  }
}

/** The diagnostics actor as a gate, from the stored state; spawn it with `{ load: !diagnosticsIdle(stored) }`. */
export function diagnosticsGateWith(
  stored: DiagnosticsSaved,
): ActorLogic<DiagnosticsState, DiagnosticsMsg> {
  return {
    name: "diagnostics",
    receives: DIAGNOSTICS_RECEIVES,
    handles: ["GetDiagnostics"],
    initial: () => ({ ...stored, online: false }),
    transition: transitionDiagnosticsGate,
    load: () =>
      import("./diagnostics.ts").then((m) => ({
        logic: m.diagnosticsActorWith(stored),
        from: (gate: DiagnosticsState) => gate,
      })),
  };
}
