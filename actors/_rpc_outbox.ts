/**
 * The rpc actor's queue rules (private to `rpc.ts`): which CALL goes next,
 * how a transaction-related message gets its transactionId when sent, and
 * how the durable outbox is kept within its limit.
 *
 * @module
 */
import type { Ctx, Effect } from "./bus.ts";
import type { OutboxEntry } from "./messages.ts";
import type { CpAction, Payload } from "../ocpp/types.ts";

/** A CALL waiting to be sent or answered. */
export interface PendingCall {
  readonly action: CpAction;
  readonly payload: Payload;
  readonly ref?: string;
  /** Sending attempts made so far. */
  readonly attempts: number;
  /** Outbox position: set for transaction-related messages, which are durable. */
  readonly seq?: number;
  /** Local transaction number whose transactionId the message carries when sent. */
  readonly tx?: number;
}

/**
 * True for the transaction-related messages of OCPP 1.6 section 3.7:
 * StartTransaction, StopTransaction, MeterValues of a transaction (one
 * with a local transaction number or a transactionId) and clock-aligned
 * MeterValues (context `Sample.Clock`), with or without a transaction; and
 * SecurityEventNotification, which the Security Whitepaper (A04.FR.02)
 * wants queued with guaranteed delivery, and SignedFirmwareStatusNotification
 * (the signed update's statuses, delivered in order after a reboot).
 */
export function isTransactional(action: string, payload: Payload, tx?: number): boolean {
  return action === "StartTransaction" || action === "StopTransaction" ||
    action === "SecurityEventNotification" || action === "SignedFirmwareStatusNotification" ||
    (action === "MeterValues" &&
      (tx !== undefined || payload.transactionId !== undefined || isClockAligned(payload)));
}

/** Whether a MeterValues payload holds a clock-aligned sample (context `Sample.Clock`). */
function isClockAligned(payload: Payload): boolean {
  const values = Array.isArray(payload.meterValue) ? payload.meterValue : [];
  return values.some((mv: unknown) => {
    const sampled = (mv as { sampledValue?: unknown })?.sampledValue;
    return Array.isArray(sampled) &&
      sampled.some((sv: unknown) => (sv as { context?: unknown })?.context === "Sample.Clock");
  });
}

/**
 * The payload as sent: a MeterValues or StopTransaction of local
 * transaction `tx` carries the transactionId the Central System assigned,
 * or -1 when StartTransaction could not be delivered (errata 3.18).
 */
export function payloadToSend(call: PendingCall, txIds: ReadonlyMap<number, number>): Payload {
  if (call.tx === undefined || call.action === "StartTransaction") return call.payload;
  return { ...call.payload, transactionId: txIds.get(call.tx) ?? -1 };
}

/** What the pump may send now. */
export interface LinkState {
  readonly online: boolean;
  readonly accepted: boolean;
  readonly busy: boolean;
  /** The head transaction message waits for its retry timer. */
  readonly retryWait: boolean;
}

/**
 * Index of the CALL to send next, or -1. Order is FIFO, with three
 * exceptions: only BootNotification before the boot is Accepted (section
 * 4.2.1); Authorize goes before queued transaction messages so customers
 * are not kept waiting, and other messages pass transaction messages that
 * wait for a retry (section 3.7 allows both). Transaction messages keep
 * their order among themselves.
 */
export function pickNext(queue: readonly PendingCall[], link: LinkState, durable: number): number {
  if (!link.online || link.busy || queue.length === 0) return -1;
  if (queue[0]!.action === "BootNotification") return 0;
  if (!link.accepted) return -1;
  // Fast path: only transaction messages queued (a drain after an outage).
  if (durable === queue.length) return link.retryWait ? -1 : 0;
  const others = queue.length - durable;
  let first = -1;
  let seen = 0;
  for (let i = 0; i < queue.length; i++) {
    const c = queue[i]!;
    if (c.action === "Authorize") return i;
    if (first < 0 && (c.seq === undefined || !link.retryWait)) first = i;
    if (c.seq === undefined) seen++;
    // Every non-transaction message seen: no Authorize further on.
    if (first >= 0 && seen === others) break;
  }
  return first;
}

/** The result of {@link thinOutbox}. */
interface Thinned {
  readonly queue: readonly PendingCall[];
  /** Outbox positions removed. */
  readonly removed: readonly number[];
}

/**
 * Removes every second queued MeterValues of the outbox (by queue order),
 * never StartTransaction or StopTransaction: a long outage keeps meter
 * values at half the density each time the limit is reached.
 */
function thinOutbox(queue: readonly PendingCall[]): Thinned {
  const removed: number[] = [];
  let n = 0;
  const kept = queue.filter((c) => {
    if (c.seq === undefined || c.action !== "MeterValues") return true;
    if (n++ % 2 === 1) {
      removed.push(c.seq);
      return false;
    }
    return true;
  });
  return { queue: kept, removed };
}

/** The part of the rpc state the outbox rules use. */
export interface OutboxState {
  readonly queue: readonly PendingCall[];
  readonly durable: number;
  readonly nextSeq: number;
  readonly inflight?: { readonly call: PendingCall };
}

/** A queued call from an outbox entry of the store. */
export function fromOutbox(e: OutboxEntry): PendingCall {
  return {
    action: e.action,
    payload: e.payload,
    attempts: 0,
    seq: e.seq,
    ...(e.ref !== undefined ? { ref: e.ref } : {}),
    ...(e.tx !== undefined ? { tx: e.tx } : {}),
  };
}

/** Queues a transaction message in the outbox, thinning MeterValues at the limit. */
export function enqueueDurable<S extends OutboxState>(
  state: S,
  call: PendingCall,
  ctx: Ctx,
  limit: number,
  effects: Effect[],
): S {
  let { queue, durable } = state;
  const inflight = state.inflight?.call.seq !== undefined ? 1 : 0;
  if (durable + inflight >= limit) {
    const thinned = thinOutbox(queue);
    if (thinned.removed.length > 0) {
      effects.push(
        {
          type: "log",
          level: "warn",
          text: `Outbox full (${limit} messages): removed ${thinned.removed.length} ` +
            "queued MeterValues, every second one",
        },
        { type: "store.outbox_thin", seqs: thinned.removed },
      );
      queue = thinned.queue;
      durable -= thinned.removed.length;
    }
    if (durable + inflight >= limit && call.action === "MeterValues") {
      effects.push({
        type: "log",
        level: "error",
        text: `Outbox full (${limit} messages, only transaction starts and stops): ` +
          "MeterValues not queued",
      });
      return { ...state, queue, durable };
    }
  }
  const seq = state.nextSeq;
  const entry: OutboxEntry = {
    seq,
    action: call.action as OutboxEntry["action"],
    payload: call.payload,
    at: ctx.now,
    ...(call.ref !== undefined ? { ref: call.ref } : {}),
    ...(call.tx !== undefined ? { tx: call.tx } : {}),
  };
  effects.push({ type: "store.outbox_put", entry });
  return { ...state, queue: [...queue, { ...call, seq }], durable: durable + 1, nextSeq: seq + 1 };
}

/** Records that an outbox message is settled; a StartTransaction's id goes to `txIds`. */
export function settle<S extends { readonly txIds: ReadonlyMap<number, number> }>(
  state: S,
  call: PendingCall,
  outcome: "delivered" | "given_up",
  effects: Effect[],
  extra: { transactionId?: number; reason?: string } = {},
): S {
  if (call.seq === undefined) return state;
  effects.push({
    type: "store.outbox_done",
    seq: call.seq,
    action: call.action as OutboxEntry["action"],
    outcome,
    ...(call.tx !== undefined ? { tx: call.tx } : {}),
    ...extra,
  });
  if (call.tx === undefined) return state;
  const txIds = new Map(state.txIds);
  if (call.action === "StartTransaction") txIds.set(call.tx, extra.transactionId ?? -1);
  else if (call.action === "StopTransaction") txIds.delete(call.tx);
  else return state;
  return { ...state, txIds };
}
