/**
 * The notifications of a long job (FirmwareStatusNotification,
 * DiagnosticsStatusNotification) kept until the Central System answered
 * them: the rpc actor fails a CALL that is not transaction-related at once
 * when offline, so the job's actor keeps its statuses here, sends them in
 * order while the boot is accepted (`ctx.backend`) and again after a
 * reconnect. Pure.
 *
 * Private to `firmware.ts`, `diagnostics.ts` and their gates (`update_gates.ts`).
 *
 * @module
 */
import type { Effect } from "./bus.ts";
import { call as ocppCall, type MessageOf } from "./messages.ts";
import type { CpRequest, V16 } from "../ocpp/types.ts";

/** One status to report. */
export interface PendingStatus<S extends string> {
  readonly seq: number;
  readonly status: S;
  /** Handed to the rpc actor and not failed yet. */
  readonly sent: boolean;
}

/** The outbox. */
export interface StatusOutbox<S extends string> {
  readonly items: readonly PendingStatus<S>[];
  readonly nextSeq: number;
}

// The two the gates need at start live with them (`update_gates.ts` loads nothing else).
export { emptyOutbox, unsent } from "./update_gates.ts";

type Action = "FirmwareStatusNotification" | "DiagnosticsStatusNotification";

/** The statuses of both notifications. */
type NotificationStatus =
  | V16.FirmwareStatusNotificationRequest["status"]
  | V16.DiagnosticsStatusNotificationRequest["status"];

function call<S extends NotificationStatus>(
  action: Action,
  prefix: string,
  p: PendingStatus<S>,
): Effect {
  // The payload is exactly the schema's request: { status } (of this action's statuses).
  const payload = { status: p.status } as CpRequest<Action>;
  return ocppCall(action, payload, { ref: `${prefix}${p.seq}` });
}

/**
 * Adds a status; when `online` (the boot is Accepted) sends it at once,
 * after any earlier one not sent yet, so the order stays (the boot can be
 * Accepted before `backend.accepted` reached the actor and flushed).
 */
export function push<S extends NotificationStatus>(
  box: StatusOutbox<S>,
  status: S,
  online: boolean,
  action: Action,
  prefix: string,
  effects: Effect[],
): StatusOutbox<S> {
  const item: PendingStatus<S> = { seq: box.nextSeq, status, sent: false };
  const next = { items: [...box.items, item], nextSeq: box.nextSeq + 1 };
  return online ? flush(next, action, prefix, effects) : next;
}

/** Sends every status not sent yet, in order (after a reconnect). */
export function flush<S extends NotificationStatus>(
  box: StatusOutbox<S>,
  action: Action,
  prefix: string,
  effects: Effect[],
): StatusOutbox<S> {
  const items = box.items.map((p) => {
    if (p.sent) return p;
    effects.push(call(action, prefix, p));
    return { ...p, sent: true };
  });
  return { ...box, items };
}

/**
 * Applies the answer to one of our CALLs: a result removes it; no answer
 * (offline, timeout) leaves it to be sent again; a CALLERROR of the
 * Central System drops it with a log line. Undefined when `msg` is not ours.
 */
export function settle<S extends string>(
  box: StatusOutbox<S>,
  msg: MessageOf<"ocpp.result"> | MessageOf<"ocpp.failed">,
  prefix: string,
  effects: Effect[],
): StatusOutbox<S> | undefined {
  if (!msg.ref?.startsWith(prefix)) return undefined;
  const seq = Number(msg.ref.slice(prefix.length));
  const item = box.items.find((p) => p.seq === seq);
  if (!item) return box;
  const rest = box.items.filter((p) => p.seq !== seq);
  if (msg.type === "ocpp.result") return { ...box, items: rest };
  if (msg.code === "Offline" || msg.code === "Timeout") {
    return { ...box, items: box.items.map((p) => (p.seq === seq ? { ...p, sent: false } : p)) };
  }
  effects.push({
    type: "log",
    level: "warn",
    text: `${msg.action} ${item.status} not delivered: ${msg.code} ${msg.description}`,
  });
  return { ...box, items: rest };
}
