/**
 * The firmware and diagnostics actors while no job exists: two small gates
 * (`bus.ts`, lazy features). They keep what the full logic needs from the
 * start (the connectors with a running transaction, the running version;
 * whether the boot is Accepted is `ctx.backend`, the supervisor's phase,
 * for gate and full logic alike), answer TriggerMessage
 * FirmwareStatusNotification / DiagnosticsStatusNotification with Idle
 * (sections 4.5, 4.4) themselves, and load the full logic (`firmware.ts`,
 * `diagnostics.ts`, by `import()`) at the first UpdateFirmware /
 * GetDiagnostics, or at boot when a job is stored.
 *
 * Each gate's state is its full logic's (the job idle), so the full logic
 * starts from it as it is. The state types, the receives lists and the
 * stored states' parsers live here, and the two helpers of the status
 * outbox they need; the full modules import them, never the other way
 * round. This module loads nothing else at run time (type imports only):
 * idle, Firmware Management costs it and `runtime/updates.ts`.
 *
 * @module
 */
import type { ActorLogic, Effect, TimerFired } from "./bus.ts";
import type { DiagnosticsStatus, FirmwareStatus, MessageOf } from "./messages.ts";
import type { StatusOutbox } from "./_status_outbox.ts";

const LOAD: Effect = { type: "actor.load" };

/** An empty outbox. */
export function emptyOutbox<S extends string>(): StatusOutbox<S> {
  return { items: [], nextSeq: 1 };
}

/** After a restart nothing is in flight any more. */
export function unsent<S extends string>(box: StatusOutbox<S>): StatusOutbox<S> {
  return { ...box, items: box.items.map((p) => ({ ...p, sent: false })) };
}

// --- The firmware gate ---

/** One update, as UpdateFirmware.req asked for it. */
export interface FirmwareJob {
  readonly location: string;
  /** ms since the epoch. */
  readonly retrieveAt: number;
  readonly retries: number;
  readonly retryIntervalS: number;
  /** The version that ran when the update was asked for. */
  readonly previous: string;
}

/** Where an update is. */
export type FirmwarePhase =
  | { readonly phase: "idle" }
  | { readonly phase: "waiting"; readonly job: FirmwareJob }
  | { readonly phase: "downloading"; readonly job: FirmwareJob; readonly attempt: number }
  | { readonly phase: "retry_wait"; readonly job: FirmwareJob; readonly attempt: number }
  | { readonly phase: "downloaded"; readonly job: FirmwareJob; readonly file: string }
  | { readonly phase: "installing"; readonly job: FirmwareJob; readonly file: string }
  /** Installed; the reboot was asked for (`asked`) or waits for Installing to be delivered. */
  | {
    readonly phase: "rebooting";
    readonly job: FirmwareJob;
    readonly expect?: string;
    readonly scope: "runtime" | "process";
    readonly asked: boolean;
  };

/** The part of the state kept in the store. */
export interface FirmwareSaved {
  readonly update: FirmwarePhase;
  readonly outbox: StatusOutbox<FirmwareStatus>;
  /** The last status reported for the running update (TriggerMessage). */
  readonly last: FirmwareStatus;
}

/** The firmware actor's state (the gate's too). */
export interface FirmwareState extends FirmwareSaved {
  /** Connectors with a running transaction. */
  readonly busy: readonly number[];
  /** The version running now (BootNotification firmwareVersion). */
  readonly running: string;
  /** `system.started` was handled (the stored update resumed once). */
  readonly started: boolean;
  /**
   * The connectors not in use were made Unavailable (`fw.hold`, holder
   * `firmware`) while the install waits.
   */
  readonly held?: boolean;
}

/** What the firmware actor receives. */
export const FIRMWARE_RECEIVES = [
  "ocpp.request",
  "ocpp.result",
  "ocpp.failed",
  "fw.downloaded",
  "fw.download_failed",
  "fw.installed",
  "fw.install_failed",
  "tx.started",
  "tx.stopped",
  "backend.accepted",
  "trigger",
  "system.started",
] as const;

/** Messages the firmware actor receives. */
export type FirmwareMsg = MessageOf<(typeof FIRMWARE_RECEIVES)[number]>;

/** Nothing running. */
export const IDLE: FirmwareSaved = {
  update: { phase: "idle" },
  outbox: emptyOutbox(),
  last: "Idle",
};

const PHASES = [
  "idle",
  "waiting",
  "downloading",
  "retry_wait",
  "downloaded",
  "installing",
  "rebooting",
];

/** Parses stored state; anything unreadable is no update (and says so). */
export function restoreFirmware(raw: unknown): { saved: FirmwareSaved; problem?: string } {
  const s = raw as Partial<FirmwareSaved> | null;
  if (
    s === null || typeof s !== "object" || typeof s.update?.phase !== "string" ||
    !PHASES.includes(s.update.phase) || !Array.isArray(s.outbox?.items) ||
    typeof s.last !== "string"
  ) {
    return { saved: IDLE, problem: "stored firmware update state is unreadable: ignored" };
  }
  return { saved: { update: s.update, outbox: unsent(s.outbox), last: s.last } };
}

/** Whether a stored state has nothing left to do (the gate suffices). */
export function firmwareIdle(s: FirmwareSaved): boolean {
  return s.update.phase === "idle" && s.outbox.items.length === 0 && s.last === "Idle";
}

/** One transition of the gate: the full logic's, for an update that is idle. */
export function transitionFirmwareGate(
  s: FirmwareState,
  msg: FirmwareMsg | TimerFired,
): [FirmwareState, Effect[]] {
  // Anything to do for an update: the full logic takes it (and every message after it).
  if (!firmwareIdle(s)) return [s, [LOAD]];
  switch (msg.type) {
    case "ocpp.request":
      return msg.action === "UpdateFirmware" ? [s, [LOAD]] : [s, []];
    case "tx.started":
      return [
        { ...s, busy: [...s.busy.filter((c) => c !== msg.connectorId), msg.connectorId] },
        [],
      ];
    case "tx.stopped":
      return [{ ...s, busy: s.busy.filter((c) => c !== msg.connectorId) }, []];
    case "system.started":
      return [{ ...s, started: true }, []];
    case "trigger":
      // Section 4.5: Idle when no update runs. Not kept: it is an answer.
      return msg.message === "FirmwareStatusNotification"
        ? [s, [{ type: "ocpp.call", action: msg.message, payload: { status: "Idle" } }]]
        : [s, []];
    default:
      // Results of transfers and answers of CALLs of no update: nothing to do (as the full logic).
      return [s, []];
  }
}

/**
 * The firmware actor as a gate, from the stored state and the version that
 * runs now; spawn it with `{ load: !firmwareIdle(stored) }`.
 */
export function firmwareGateWith(
  stored: FirmwareSaved,
  running: string,
): ActorLogic<FirmwareState, FirmwareMsg> {
  return {
    name: "firmware",
    receives: FIRMWARE_RECEIVES,
    handles: ["UpdateFirmware"],
    initial: () => ({ ...stored, busy: [], running, started: false }),
    transition: transitionFirmwareGate,
    load: () =>
      import("./firmware.ts").then((m) => ({
        logic: m.firmwareActorWith(stored, running),
        from: (gate: FirmwareState) => gate,
      })),
  };
}

// --- The diagnostics gate ---

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

/** One transition of the gate: the full logic's, for no upload. */
export function transitionDiagnosticsGate(
  s: DiagnosticsState,
  msg: DiagnosticsMsg | TimerFired,
): [DiagnosticsState, Effect[]] {
  if (!diagnosticsIdle(s)) return [s, [LOAD]];
  switch (msg.type) {
    case "ocpp.request":
      return msg.action === "GetDiagnostics" ? [s, [LOAD]] : [s, []];
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
    initial: () => ({ ...stored }),
    transition: transitionDiagnosticsGate,
    load: () =>
      import("./diagnostics.ts").then((m) => ({
        logic: m.diagnosticsActorWith(stored),
        from: (gate: DiagnosticsState) => gate,
      })),
  };
}
