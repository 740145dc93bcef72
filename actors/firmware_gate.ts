/**
 * The firmware actor while no update exists: a small gate (`bus.ts`, lazy
 * features) that keeps what the full logic (`firmware.ts`, loaded by
 * `import()` at the first UpdateFirmware, or at boot when an update is
 * stored) needs from the start: whether the boot is accepted, the
 * connectors with a running transaction, the running version. It answers
 * TriggerMessage FirmwareStatusNotification with Idle (section 4.5) itself.
 *
 * Its state is the full logic's (`FirmwareState`, the update idle), so the
 * full logic starts from it as it is. The types, the receives list and the
 * stored state's parser live here; `firmware.ts` imports them, never the
 * other way round.
 *
 * @module
 */
import type { ActorLogic, Effect, TimerFired } from "./bus.ts";
import type { FirmwareStatus, MessageOf } from "./messages.ts";
import { emptyOutbox, type StatusOutbox, unsent } from "./_status_outbox.ts";

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
  /** The boot is accepted: CALLs can be sent. */
  readonly online: boolean;
  /** Connectors with a running transaction. */
  readonly busy: readonly number[];
  /** The version running now (BootNotification firmwareVersion). */
  readonly running: string;
  /** `system.started` was handled (the stored update resumed once). */
  readonly started: boolean;
  /** The connectors not in use were made Unavailable (`fw.hold`) while the install waits. */
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
  "backend.state",
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

const LOAD: Effect = { type: "actor.load" };

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
    case "backend.accepted":
      return [{ ...s, online: true }, []];
    case "backend.state":
      return msg.state === "accepted" ? [s, []] : [{ ...s, online: false }, []];
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
    initial: () => ({ ...stored, online: false, busy: [], running, started: false }),
    transition: transitionFirmwareGate,
    load: () =>
      import("./firmware.ts").then((m) => ({
        logic: m.firmwareActorWith(stored, running),
        from: (gate: FirmwareState) => gate,
      })),
  };
}
