/**
 * The system actor: Reset (OCPP 1.6 section 5.14), DataTransfer (5.6) and
 * TriggerMessage (5.17).
 *
 * - Reset: answers Accepted, stops every transaction (`tx.stop_all` with
 *   reason SoftReset or HardReset, errata 3.36: "the Charge Point SHALL send
 *   a StopTransaction.req for any ongoing transaction before performing the
 *   reset"), waits for `tx.all_stopped` or {@link RESET_STOP_TIMEOUT_MS},
 *   then asks the shell for `system.restart`.
 * - DataTransfer: no vendor extension exists, so UnknownVendorId.
 * - TriggerMessage: answers first, then asks for the message: `trigger` for
 *   the actors that own BootNotification, Heartbeat, MeterValues and
 *   StatusNotification, and the diagnostics and firmware actors for
 *   DiagnosticsStatusNotification and FirmwareStatusNotification (they
 *   report the current state: Idle when nothing runs).
 *
 * Receives: `ocpp.request` (Reset, DataTransfer, TriggerMessage),
 * `tx.all_stopped`; whether the boot is Accepted it reads from `ctx.backend`. Emits: `ocpp.reply`, `ocpp.call`,
 * `tx.stop_all`, `trigger`, `system.restart`, `log`.
 *
 * @module
 */
import type { ActorLogic, Ctx, Effect, TimerFired } from "./bus.ts";
import { type MessageOf, type OcppRequest, reply, type TriggerableMessage } from "./messages.ts";
import type { CsAction, CsResponse } from "../ocpp/types.ts";

/** How long a Reset waits for every transaction to stop before restarting anyway. */
export const RESET_STOP_TIMEOUT_MS = 30_000;

/** The inbound actions this actor answers. */
export const SYSTEM_ACTIONS: readonly CsAction[] = ["Reset", "DataTransfer", "TriggerMessage"];

/** OCPP 1.6 ResetType (section 7.42). */
export type ResetKind = "Soft" | "Hard";

/** Where a Reset is. */
export type ResetPhase =
  | { readonly phase: "none" }
  /** Transactions are being stopped; `since` is when the Reset came. */
  | { readonly phase: "stopping"; readonly kind: ResetKind; readonly since: number }
  /** `system.restart` was emitted; the shell is restarting. */
  | { readonly phase: "restarting"; readonly kind: ResetKind };

/** The system actor's state. */
export interface SystemState {
  readonly reset: ResetPhase;
}

/** Message types the system actor receives. */
const RECEIVES = ["ocpp.request", "tx.all_stopped"] as const;

/** Messages the system actor receives. */
export type SystemMsg = MessageOf<(typeof RECEIVES)[number]>;

const TRIGGERABLE: readonly TriggerableMessage[] = [
  "BootNotification",
  "DiagnosticsStatusNotification",
  "FirmwareStatusNotification",
  "Heartbeat",
  "MeterValues",
  "StatusNotification",
];

/** Messages for which a TriggerMessage connectorId means something (section 5.17). */
const PER_CONNECTOR: readonly TriggerableMessage[] = ["MeterValues", "StatusNotification"];

/** The initial state. */
export function initialSystem(_ctx: Ctx): SystemState {
  return { reset: { phase: "none" } };
}

/** An inbound request of one action. */
type Request<A extends CsAction> = Extract<OcppRequest, { action: A }>;

/** The answer to `msg`, typed by its action. */
function answer<A extends CsAction>(msg: Request<A>, payload: CsResponse<A>): Effect {
  return reply(msg.id, msg.action, payload);
}

function log(level: "debug" | "info" | "warn", text: string): Effect {
  return { type: "log", level, text };
}

function reset(
  state: SystemState,
  msg: Request<"Reset">,
  ctx: Ctx,
): [SystemState, Effect[]] {
  const kind: ResetKind = msg.payload.type;
  const accepted = answer(msg, { status: "Accepted" });
  switch (state.reset.phase) {
    case "none":
      return [{ ...state, reset: { phase: "stopping", kind, since: ctx.now } }, [
        accepted,
        log("info", `${kind} reset requested by the Central System: stopping transactions`),
        { type: "tx.stop_all", reason: kind === "Hard" ? "HardReset" : "SoftReset" },
        { type: "timer.start", id: "reset", ms: RESET_STOP_TIMEOUT_MS },
      ]];
    case "stopping": {
      // Reset.conf says "whether the Charge Point will attempt to reset itself" (5.14):
      // it will, so Accepted; one restart only. A Hard reset, the last resort (errata
      // 3.36), upgrades a pending Soft one.
      const upgraded: ResetKind = kind === "Hard" ? "Hard" : state.reset.kind;
      return [{ ...state, reset: { ...state.reset, kind: upgraded } }, [
        accepted,
        log("info", `${kind} reset requested while a ${state.reset.kind} reset is pending`),
      ]];
    }
    case "restarting":
      return [state, [
        accepted,
        log("info", `${kind} reset requested while restarting`),
      ]];
    default:
      return state.reset satisfies never;
  }
}

function restart(state: SystemState, effects: Effect[]): SystemState {
  if (state.reset.phase !== "stopping") return state;
  const kind = state.reset.kind;
  effects.push({ type: "system.restart", kind });
  return { ...state, reset: { phase: "restarting", kind } };
}

function dataTransfer(msg: Request<"DataTransfer">): Effect[] {
  // Sections 5.6 and 4.3: "If the recipient of the request has no implementation for
  // the specific vendorId it SHALL return a status 'UnknownVendor' and the data element
  // SHALL not be present" (the schema spells it UnknownVendorId). This Charge Point
  // implements no vendor extension, so every vendorId is unknown.
  const messageId = msg.payload.messageId === undefined
    ? ""
    : ` (messageId ${msg.payload.messageId})`;
  return [
    answer(msg, { status: "UnknownVendorId" }),
    log("info", `DataTransfer for vendor ${msg.payload.vendorId}${messageId}: unknown`),
  ];
}

function triggerMessage(msg: Request<"TriggerMessage">, ctx: Ctx): Effect[] {
  const { requestedMessage: requested, connectorId } = msg.payload;
  const rejected = (why: string): Effect[] => [
    answer(msg, { status: "Rejected" }),
    log("info", `TriggerMessage ${requested} rejected: ${why}`),
  ];
  if (!TRIGGERABLE.includes(requested)) return [answer(msg, { status: "NotImplemented" })];
  // Whether the boot is Accepted: the supervisor's phase (ctx.backend), as every actor reads it.
  const booted = ctx.backend === "accepted";
  if (requested === "BootNotification" && booted) {
    // Errata 3.35: after BootNotification.conf(Accepted), until the next
    // reset/reboot/reconnect, the Charge Point is RECOMMENDED to Reject this request.
    return rejected("already accepted by the Central System");
  }
  if (requested !== "BootNotification" && !booted) {
    // Section 4.2 lets a Pending Charge Point send triggered messages, but this
    // runtime sends nothing but BootNotification until Accepted: say so honestly
    // rather than answer Accepted and send nothing.
    return rejected("BootNotification is not accepted yet");
  }
  // Section 5.17: "if the specified connectorId is not relevant to the message, it should
  // be ignored. In such cases the requested message should still be sent."
  const relevant = PER_CONNECTOR.includes(requested) && connectorId !== undefined;
  if (relevant) {
    const count = ctx.config.int("NumberOfConnectors");
    if (connectorId < 0 || connectorId > count) {
      return rejected(`connector ${connectorId} does not exist (0-${count})`);
    }
  }
  // Section 5.17: "The Charge Point SHALL first send the TriggerMessage response,
  // before sending the requested message": the reply is the first effect.
  return [
    answer(msg, { status: "Accepted" }),
    { type: "trigger", message: requested, ...(relevant ? { connectorId } : {}) },
  ];
}

/** One transition of the system actor. */
export function transitionSystem(
  state: SystemState,
  msg: SystemMsg | TimerFired,
  ctx: Ctx,
): [SystemState, Effect[]] {
  switch (msg.type) {
    case "ocpp.request":
      switch (msg.action) {
        case "Reset":
          return reset(state, msg, ctx);
        case "DataTransfer":
          return [state, dataTransfer(msg)];
        case "TriggerMessage":
          return [state, triggerMessage(msg, ctx)];
        default:
          return [state, [log("debug", `Ignored ${msg.action} in actor system: not handled here`)]];
      }
    case "tx.all_stopped": {
      if (state.reset.phase !== "stopping") return [state, []];
      const effects: Effect[] = [{ type: "timer.cancel", id: "reset" }];
      return [restart(state, effects), effects];
    }
    case "timer.fired": {
      if (msg.id !== "reset" || state.reset.phase !== "stopping") return [state, []];
      const effects: Effect[] = [
        log(
          "warn",
          `Cannot stop every transaction within ${
            RESET_STOP_TIMEOUT_MS / 1000
          } s: restarting anyway`,
        ),
      ];
      return [restart(state, effects), effects];
    }
    default:
      return [state, []];
  }
}

/** The system actor. */
export const systemActor: ActorLogic<SystemState, SystemMsg> = {
  name: "system",
  receives: RECEIVES,
  handles: SYSTEM_ACTIONS,
  initial: initialSystem,
  transition: transitionSystem,
};
