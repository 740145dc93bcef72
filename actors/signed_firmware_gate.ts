/**
 * The signed firmware actor as it starts: its gate (see `bus.ts`, lazy
 * features). While no signed update runs it keeps what the full logic
 * (`signed_firmware.ts`) needs at load (the connectors with a transaction,
 * the version that runs, whether the actors started) and answers
 * ExtendedTriggerMessage FirmwareStatusNotification with Idle (L01.FR.21);
 * SignedUpdateFirmware loads the full logic. A stored update (one that ran
 * when the process stopped) loads it at boot (`spawn(…, { load: true })`,
 * {@link SignedFirmwareGate.stored}).
 *
 * @module
 */
import type { ActorLogic, Effect } from "./bus.ts";
import { call, type MessageOf } from "./messages.ts";
import type { SignedFirmwareState, SignedPhase } from "./signed_firmware.ts";

/** Messages the signed firmware actor receives. */
export const SIGNED_FIRMWARE_RECEIVES = [
  "ocpp.request",
  "ocpp.result",
  "cert.done",
  "fw.downloaded",
  "fw.download_failed",
  "fw.installed",
  "fw.install_failed",
  "tx.started",
  "tx.stopped",
  "system.started",
  "sfw.status_requested",
] as const;

/** Messages the signed firmware actor receives. */
export type SignedFirmwareMsg = MessageOf<(typeof SIGNED_FIRMWARE_RECEIVES)[number]>;

const PHASES = [
  "idle",
  "checking",
  "waiting",
  "downloading",
  "retry_wait",
  "verifying",
  "verified",
  "installing",
  "rebooting",
];

/** The stored phase when it is one (else idle). */
export function storedPhase(stored: unknown): SignedPhase {
  return stored && typeof stored === "object" &&
      PHASES.includes(String((stored as { phase?: unknown }).phase))
    ? stored as SignedPhase
    : { phase: "idle" };
}

/** The gate's transition: the state stays the full logic's shape, with no update. */
function transitionGate(
  s: SignedFirmwareState,
  msg: SignedFirmwareMsg,
): [SignedFirmwareState, Effect[]] {
  switch (msg.type) {
    case "ocpp.request":
      return [s, msg.action === "SignedUpdateFirmware" ? [{ type: "actor.load" }] : []];
    case "system.started":
      return [{ ...s, started: true }, []];
    case "tx.started":
      return [
        { ...s, busy: [...s.busy.filter((c) => c !== msg.connectorId), msg.connectorId] },
        [],
      ];
    case "tx.stopped":
      return [{ ...s, busy: s.busy.filter((c) => c !== msg.connectorId) }, []];
    case "sfw.status_requested":
      return [s, [call("SignedFirmwareStatusNotification", { status: "Idle" })]];
    default:
      // Downloads, installs and certificate outcomes of no signed update: the full logic ignores them too.
      return [s, []];
  }
}

/** The gate and whether a stored update makes it load at once. */
export interface SignedFirmwareGate {
  readonly logic: ActorLogic<SignedFirmwareState, SignedFirmwareMsg>;
  /** A stored update goes on: spawn with `{ load: true }`. */
  readonly stored: boolean;
}

/** The signed firmware actor from the stored phase, with the version that runs now. */
export function signedFirmwareGate(stored: unknown, running: string): SignedFirmwareGate {
  const update = storedPhase(stored);
  return {
    stored: update.phase !== "idle",
    logic: {
      name: "signed_firmware",
      receives: SIGNED_FIRMWARE_RECEIVES,
      handles: ["SignedUpdateFirmware"],
      initial: () => ({ update, busy: [], running, started: false }),
      transition: transitionGate,
      load: () =>
        import("./signed_firmware.ts").then((m) => ({
          logic: m.signedFirmwareActorWith(undefined, running),
          from: (gate: SignedFirmwareState) => gate,
        })),
    },
  };
}
