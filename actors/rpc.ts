/**
 * The RPC actor: OCPP-J request/response over the WebSocket.
 *
 * - One outstanding CALL at a time (OCPP-J 1.6 section 4.1.1); the others wait
 *   in order (see `pickNext()` in `_rpc_outbox.ts` for the exceptions). A
 *   CALL unanswered within {@link CALL_TIMEOUT_MS} fails (`_rpc_calls.ts`).
 * - Before BootNotification is Accepted only BootNotification is sent
 *   (OCPP 1.6 section 4.2.1); answers to the Central System's CALLs are
 *   always sent while connected.
 * - Transaction-related messages (section 3.7: StartTransaction,
 *   StopTransaction, MeterValues of a transaction) go through the durable
 *   outbox: `store.outbox_put` is emitted before the message is first sent
 *   and `store.outbox_done` after its CALLRESULT (or when it is given up),
 *   so the shell has it on disk before it leaves and it survives a power
 *   loss; at boot the shell hands the queued ones back ({@link RpcBoot}).
 *   They wait while offline, keep their order, and are retried per
 *   TransactionMessageAttempts / TransactionMessageRetryInterval; a given-up
 *   message is logged and kept (marked) in the store, never silently
 *   dropped. Other CALLs fail at once with `Offline` so their sender can
 *   decide (no stale Heartbeat or StatusNotification).
 * - A message of a transaction started offline is queued with the local
 *   transaction number (`tx`) and gets the transactionId from the
 *   StartTransaction.conf when it is sent; -1 when StartTransaction was
 *   given up (errata 3.18).
 * - The outbox holds at most `outboxLimit` messages ({@link OUTBOX_LIMIT}):
 *   at the limit every second queued MeterValues is removed (logged,
 *   `store.outbox_thin`); StartTransaction and StopTransaction are never
 *   removed.
 * - Inbound CALLs are validated against the schemas: unknown action ->
 *   NotImplemented, known but unhandled -> NotSupported, invalid payload ->
 *   the section 4.2.3 code; non-JSON frames are logged and ignored.
 *
 * Receives: `ocpp.call`, `ocpp.reply`, `ocpp.reply_error`, `ws.opened`,
 * `ws.closed`, `ws.received`, `backend.accepted` (sends what waited for the
 * Accepted boot; whether the boot is Accepted or Rejected it reads from
 * `ctx.backend`, the supervisor's phase). Emits:
 * `ws.send`, `ocpp.result`, `ocpp.failed`, `ocpp.request`, `store.outbox_put`,
 * `store.outbox_done`, `store.outbox_thin`, `log`.
 *
 * @module
 */
import type { ActorLogic, Ctx, Effect, TimerFired } from "./bus.ts";
import type { MessageOf } from "./messages.ts";
import { EMPTY_BOOT, type RpcBoot } from "./boot.ts";
import {
  enqueueDurable,
  fromOutbox,
  isTransactional,
  payloadToSend,
  type PendingCall,
} from "./_rpc_outbox.ts";
import {
  CALL_TIMEOUT_MS,
  failed,
  onReceived,
  pump,
  settleFailure,
  withoutInflight,
} from "./_rpc_calls.ts";
import { errorFrame, resultFrame } from "../ocpp/frame.ts";
import { validatePayload } from "../ocpp/schema.ts";
import { CP_ACTIONS, type CsAction, json } from "../ocpp/types.ts";

export { CALL_TIMEOUT_MS, isTransactional, type PendingCall };

/**
 * The id prefix of a request the local API puts on the bus as if from the
 * Central System (a Reset or ChangeAvailability from the web app), so the
 * same actor handles it; its answer goes back to the API, never to the
 * backend. A NUL character: no backend's message id starts with it.
 */
export const LOCAL_REQUEST_PREFIX = "\u0000local:";

/**
 * Most transaction-related messages the outbox keeps: a day of meter values
 * sampled every 10 s on two connectors fits (17,280), with room to spare.
 */
export const OUTBOX_LIMIT = 20_000;

/** The rpc actor's state. */
export interface RpcState {
  /** The WebSocket is open; whether the boot is Accepted (or Rejected) is `ctx.backend`. */
  readonly online: boolean;
  /** The number of the connection opened last (`ws.opened`). */
  readonly conn?: number;
  /** Prefix that keeps message ids unique across restarts. */
  readonly idPrefix: string;
  readonly seq: number;
  readonly inflight?: { readonly id: string; readonly call: PendingCall };
  /** The head transaction message waits for its retry timer. */
  readonly retryWait: boolean;
  readonly queue: readonly PendingCall[];
  /** How many of `queue` are transaction messages (durable). */
  readonly durable: number;
  /** The next outbox sequence number. */
  readonly nextSeq: number;
  /** Local transaction number -> transactionId (-1: StartTransaction given up). */
  readonly txIds: ReadonlyMap<number, number>;
}

/** Message types the rpc actor receives. */
const RECEIVES = [
  "ocpp.call",
  "ocpp.reply",
  "ocpp.reply_error",
  "ws.opened",
  "ws.closed",
  "ws.received",
  "backend.accepted",
] as const;

/** Messages the rpc actor receives. */
export type RpcMsg = MessageOf<(typeof RECEIVES)[number]>;

/** Options of the rpc actor. */
export interface RpcOptions {
  /** Most messages the outbox keeps (default {@link OUTBOX_LIMIT}). */
  readonly outboxLimit?: number;
}

/** The initial state; `boot` holds the outbox and transaction ids of the durable store. */
export function initialRpc(ctx: Ctx, boot: RpcBoot = EMPTY_BOOT.rpc): RpcState {
  return {
    online: false,
    idPrefix: ctx.now.toString(36),
    seq: 0,
    retryWait: false,
    queue: boot.outbox.map(fromOutbox),
    durable: boot.outbox.length,
    nextSeq: boot.nextSeq,
    txIds: boot.txIds,
  };
}

/** The connection is gone: transaction messages stay queued, the other CALLs fail Offline. */
function closed(state: RpcState, effects: Effect[]): RpcState {
  const next = withoutInflight({ ...state, online: false, retryWait: false });
  effects.push({ type: "timer.cancel", id: "call" }, { type: "timer.cancel", id: "retry" });
  // A send cut off by the connection is not a failure to process it (section 3.7.1).
  const cut = state.inflight &&
    { ...state.inflight.call, attempts: state.inflight.call.attempts - 1 };
  const waiting = cut ? [cut, ...state.queue] : state.queue;
  const keep: PendingCall[] = [];
  for (const call of waiting) {
    if (call.seq !== undefined) keep.push(call);
    else effects.push(failed(call, "Offline", "connection closed"));
  }
  return { ...next, queue: keep, durable: keep.length };
}

/** One transition of the rpc actor. */
export function transitionRpc(
  state: RpcState,
  msg: RpcMsg | TimerFired,
  ctx: Ctx,
  handled: ReadonlySet<CsAction>,
  opts: RpcOptions = {},
): [RpcState, Effect[]] {
  const effects: Effect[] = [];
  switch (msg.type) {
    case "ocpp.call": {
      if (!(CP_ACTIONS as readonly string[]).includes(msg.action)) {
        return [state, [{
          type: "log",
          level: "error",
          text: `Cannot send ${msg.action}: not a Charge Point action`,
        }]];
      }
      const call: PendingCall = {
        action: msg.action,
        payload: json(msg.payload),
        attempts: 0,
        ...(msg.ref !== undefined ? { ref: msg.ref } : {}),
        ...(msg.tx !== undefined ? { tx: msg.tx } : {}),
      };
      // Checked as it will be sent (with a transactionId where one is filled in).
      const bad = validatePayload(msg.action, "Request", payloadToSend(call, state.txIds));
      if (bad) {
        effects.push(
          { type: "log", level: "error", text: `Cannot send ${msg.action}: ${bad.text}` },
          failed(call, "Invalid", bad.text),
        );
        return [state, effects];
      }
      if (isTransactional(msg.action, call.payload, msg.tx)) {
        const next = enqueueDurable(state, call, ctx, opts.outboxLimit ?? OUTBOX_LIMIT, effects);
        return [pump(next, ctx, effects), effects];
      }
      const booted = ctx.backend === "accepted";
      const usable = state.online && (booted || msg.action === "BootNotification");
      if (!usable) return [state, [failed(call, "Offline", "not connected to the Central System")]];
      // BootNotification goes first: nothing else may precede it.
      const queue = msg.action === "BootNotification"
        ? [call, ...state.queue.filter((c) => c.action !== "BootNotification")]
        : [...state.queue, call];
      return [pump({ ...state, queue }, ctx, effects), effects];
    }
    case "ocpp.reply": {
      // A request of the local API (Reset, ChangeAvailability from the web app): no frame.
      if (msg.id.startsWith(LOCAL_REQUEST_PREFIX)) return [state, []];
      if (!state.online) return [state, []];
      const bad = validatePayload(msg.action, "Response", msg.payload);
      if (bad) {
        return [state, [
          {
            type: "log",
            level: "error",
            text: `Invalid ${msg.action}.conf from this Charge Point: ${bad.text}`,
          },
          { type: "ws.send", text: errorFrame(msg.id, "InternalError", "invalid response") },
        ]];
      }
      return [state, [{ type: "ws.send", text: resultFrame(msg.id, msg.payload) }]];
    }
    case "ocpp.reply_error":
      if (msg.id.startsWith(LOCAL_REQUEST_PREFIX)) return [state, []];
      if (!state.online) return [state, []];
      return [state, [{ type: "ws.send", text: errorFrame(msg.id, msg.code, msg.description) }]];
    case "ws.opened": {
      // A new connection while the old one's close is still on its way: the old one is gone.
      const was = state.online && state.conn !== msg.conn ? closed(state, effects) : state;
      return [{ ...was, online: true, conn: msg.conn }, effects];
    }
    case "ws.closed":
      // The late close of a connection replaced by a newer one (as the supervisor ignores it).
      if (state.conn !== undefined && msg.conn !== state.conn) return [state, []];
      return [closed(state, effects), effects];
    case "backend.accepted":
      // The boot is Accepted (ctx.backend says so from now on): what waited goes.
      return [pump(state, ctx, effects), effects];
    case "ws.received":
      return [onReceived(state, msg.text, ctx, handled, effects), effects];
    case "timer.fired":
      if (msg.id === "call" && state.inflight) {
        return [
          settleFailure(
            state,
            "Timeout",
            `no answer within ${CALL_TIMEOUT_MS / 1000} s`,
            ctx,
            effects,
          ),
          effects,
        ];
      }
      if (msg.id === "retry") return [pump({ ...state, retryWait: false }, ctx, effects), effects];
      return [state, []];
    default:
      return [state, []];
  }
}

/**
 * The rpc actor; `handled` are the inbound actions some actor answers, `boot`
 * the outbox the durable store holds.
 */
export function rpcActor(
  handled: ReadonlySet<CsAction>,
  boot: RpcBoot = EMPTY_BOOT.rpc,
  opts: RpcOptions = {},
): ActorLogic<RpcState, RpcMsg> {
  return {
    name: "rpc",
    receives: RECEIVES,
    initial: (ctx) => initialRpc(ctx, boot),
    transition: (s, m, ctx) => transitionRpc(s, m, ctx, handled, opts),
  };
}
