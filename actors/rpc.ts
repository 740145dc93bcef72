/**
 * The RPC actor: OCPP-J request/response over the WebSocket.
 *
 * - One outstanding CALL at a time (OCPP-J 1.6 section 4.1.1); the others wait
 *   in order. A CALL unanswered within {@link CALL_TIMEOUT_MS} fails.
 * - Before BootNotification is Accepted only BootNotification is sent
 *   (OCPP 1.6 section 4.2.1); answers to the Central System's CALLs are
 *   always sent while connected.
 * - Transaction-related messages (section 3.7: StartTransaction,
 *   StopTransaction, MeterValues of a transaction) wait while offline and are
 *   retried per TransactionMessageAttempts / TransactionMessageRetryInterval;
 *   other CALLs fail at once with `Offline` so their sender can decide.
 * - Inbound CALLs are validated against the schemas: unknown action ->
 *   NotImplemented, known but unhandled -> NotSupported, invalid payload ->
 *   the section 4.2.3 code; non-JSON frames are logged and ignored.
 *
 * Receives: `ocpp.call`, `ocpp.reply`, `ocpp.reply_error`, `ws.opened`,
 * `ws.closed`, `ws.received`, `backend.accepted`. Emits: `ws.send`,
 * `ocpp.result`, `ocpp.failed`, `ocpp.request`, `log`.
 *
 * @module
 */
import type { ActorLogic, Ctx, Effect, TimerFired } from "./bus.ts";
import type { MessageOf, OcppMessage } from "./messages.ts";
import { callFrame, errorFrame, parseFrame, resultFrame } from "../ocpp/frame.ts";
import { hasSchema, validatePayload } from "../ocpp/schema.ts";
import {
  CP_ACTIONS,
  type CpAction,
  CS_ACTIONS,
  type CsAction,
  type Payload,
} from "../ocpp/types.ts";

/** How long a CALL waits for its answer. */
export const CALL_TIMEOUT_MS = 30_000;

/** A CALL waiting to be sent or answered. */
export interface PendingCall {
  readonly action: CpAction;
  readonly payload: Payload;
  readonly ref?: string;
  /** Sending attempts made so far. */
  readonly attempts: number;
}

/** The rpc actor's state. */
export interface RpcState {
  readonly online: boolean;
  readonly accepted: boolean;
  /** BootNotification was Rejected: Central System CALLs get no answer (section 4.2). */
  readonly rejected?: boolean;
  /** Prefix that keeps message ids unique across restarts. */
  readonly idPrefix: string;
  readonly seq: number;
  readonly inflight?: { readonly id: string; readonly call: PendingCall };
  /** Waiting for a retry timer before the head of the queue may be sent. */
  readonly retryWait: boolean;
  readonly queue: readonly PendingCall[];
}

/** Messages the rpc actor receives. */
export type RpcMsg =
  | MessageOf<"ocpp.call">
  | MessageOf<"ocpp.reply">
  | MessageOf<"ocpp.reply_error">
  | MessageOf<"ws.opened">
  | MessageOf<"ws.closed">
  | MessageOf<"ws.received">
  | MessageOf<"backend.accepted">
  | MessageOf<"backend.state">;

/** True for the transaction-related messages of OCPP 1.6 section 3.7. */
export function isTransactional(action: string, payload: Payload): boolean {
  return action === "StartTransaction" || action === "StopTransaction" ||
    (action === "MeterValues" && payload.transactionId !== undefined);
}

/** The initial state. */
export function initialRpc(ctx: Ctx): RpcState {
  return {
    online: false,
    accepted: false,
    idPrefix: ctx.now.toString(36),
    seq: 0,
    retryWait: false,
    queue: [],
  };
}

function failed(
  call: PendingCall,
  code: MessageOf<"ocpp.failed">["code"],
  description: string,
): OcppMessage {
  return {
    type: "ocpp.failed",
    action: call.action,
    request: call.payload,
    code,
    description,
    ...(call.ref !== undefined ? { ref: call.ref } : {}),
  };
}

/** Sends the head of the queue when the link allows it. */
function pump(state: RpcState, effects: Effect[]): RpcState {
  if (!state.online || state.inflight || state.retryWait) return state;
  const head = state.queue[0];
  if (!head) return state;
  if (!state.accepted && head.action !== "BootNotification") return state;
  const id = `${state.idPrefix}-${state.seq + 1}`;
  effects.push(
    { type: "ws.send", text: callFrame(id, head.action, head.payload) },
    { type: "timer.start", id: "call", ms: CALL_TIMEOUT_MS },
  );
  return {
    ...state,
    seq: state.seq + 1,
    inflight: { id, call: { ...head, attempts: head.attempts + 1 } },
    queue: state.queue.slice(1),
  };
}

/** The inflight CALL failed: retry transaction messages, report the others. */
function settleFailure(
  state: RpcState,
  code: MessageOf<"ocpp.failed">["code"],
  description: string,
  ctx: Ctx,
  effects: Effect[],
): RpcState {
  const call = state.inflight!.call;
  const base: RpcState = { ...state };
  delete (base as { inflight?: unknown }).inflight;
  effects.push({ type: "timer.cancel", id: "call" });
  const attempts = ctx.config.int("TransactionMessageAttempts");
  if (isTransactional(call.action, call.payload) && call.attempts < Math.max(1, attempts)) {
    const ms = ctx.config.int("TransactionMessageRetryInterval") * 1000 * call.attempts;
    effects.push(
      {
        type: "log",
        level: "warn",
        text: `${call.action} failed (${code}: ${description}); retry ${call.attempts} in ${
          ms / 1000
        } s`,
      },
      { type: "timer.start", id: "retry", ms },
    );
    return { ...base, retryWait: true, queue: [call, ...state.queue] };
  }
  if (isTransactional(call.action, call.payload)) {
    effects.push({
      type: "log",
      level: "error",
      text: `${call.action} given up after ${call.attempts} attempts (${code}: ${description})`,
    });
  }
  effects.push(failed(call, code, description));
  return pump(base, effects);
}

function onReceived(
  state: RpcState,
  text: string,
  ctx: Ctx,
  handled: ReadonlySet<CsAction>,
  effects: Effect[],
): RpcState {
  const parsed = parseFrame(text);
  if (!parsed.ok) {
    effects.push({ type: "log", level: "warn", text: `${parsed.reason}: ${text.slice(0, 200)}` });
    if (parsed.id !== undefined && parsed.code) {
      effects.push({ type: "ws.send", text: errorFrame(parsed.id, parsed.code, parsed.reason) });
    }
    return state;
  }
  // OCPP-J 4.2.1 / 4.2.2: a null payload is an empty one.
  const frame = "payload" in parsed.frame && parsed.frame.payload === null
    ? { ...parsed.frame, payload: {} }
    : parsed.frame;
  if (frame.kind === "call" && state.rejected) {
    // Section 4.2: "While Rejected, the Charge Point SHALL NOT respond to any Central System initiated message".
    effects.push({
      type: "log",
      level: "warn",
      text: `Ignored ${frame.action} CALL ${frame.id}: BootNotification was Rejected`,
    });
    return state;
  }
  if (frame.kind === "call") {
    const reply = (code: Parameters<typeof errorFrame>[1], why: string) => {
      effects.push(
        {
          type: "log",
          level: "warn",
          text: `Rejected ${frame.action} CALL ${frame.id}: ${code}: ${why}`,
        },
        { type: "ws.send", text: errorFrame(frame.id, code, why) },
      );
      return state;
    };
    const known = (CS_ACTIONS as readonly string[]).includes(frame.action) &&
      hasSchema(frame.action);
    if (!known) return reply("NotImplemented", `Unknown action ${frame.action}`);
    const action = frame.action as CsAction;
    if (!handled.has(action)) return reply("NotSupported", `${action} is not supported`);
    const bad = validatePayload(action, "Request", frame.payload);
    if (bad) return reply(bad.code, bad.text);
    effects.push({ type: "ocpp.request", id: frame.id, action, payload: frame.payload as Payload });
    return state;
  }
  if (!state.inflight || state.inflight.id !== frame.id) {
    effects.push({
      type: "log",
      level: "warn",
      text: `Ignored answer to unknown CALL ${frame.id}`,
    });
    return state;
  }
  const call = state.inflight.call;
  if (frame.kind === "error") {
    return settleFailure(
      state,
      frame.code as MessageOf<"ocpp.failed">["code"],
      frame.description,
      ctx,
      effects,
    );
  }
  const bad = validatePayload(call.action, "Response", frame.payload);
  if (bad) {
    effects.push({ type: "log", level: "warn", text: `Invalid ${call.action}.conf: ${bad.text}` });
    return settleFailure(state, "Invalid", bad.text, ctx, effects);
  }
  const next: RpcState = { ...state };
  delete (next as { inflight?: unknown }).inflight;
  effects.push({ type: "timer.cancel", id: "call" }, {
    type: "ocpp.result",
    action: call.action,
    payload: frame.payload as Payload,
    request: call.payload,
    ...(call.ref !== undefined ? { ref: call.ref } : {}),
  });
  return pump(next, effects);
}

/** One transition of the rpc actor. */
export function transitionRpc(
  state: RpcState,
  msg: RpcMsg | TimerFired,
  ctx: Ctx,
  handled: ReadonlySet<CsAction>,
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
      const bad = validatePayload(msg.action, "Request", msg.payload);
      const call: PendingCall = {
        action: msg.action,
        payload: msg.payload,
        attempts: 0,
        ...(msg.ref !== undefined ? { ref: msg.ref } : {}),
      };
      if (bad) {
        effects.push(
          { type: "log", level: "error", text: `Cannot send ${msg.action}: ${bad.text}` },
          failed(call, "Invalid", bad.text),
        );
        return [state, effects];
      }
      const mayWait = isTransactional(msg.action, msg.payload);
      const usable = state.online && (state.accepted || msg.action === "BootNotification");
      if (!usable && !mayWait) {
        return [state, [failed(call, "Offline", "not connected to the Central System")]];
      }
      // BootNotification goes first: nothing else may precede it.
      const queue = msg.action === "BootNotification"
        ? [call, ...state.queue.filter((c) => c.action !== "BootNotification")]
        : [...state.queue, call];
      return [pump({ ...state, queue }, effects), effects];
    }
    case "ocpp.reply": {
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
      if (!state.online) return [state, []];
      return [state, [{ type: "ws.send", text: errorFrame(msg.id, msg.code, msg.description) }]];
    case "ws.opened":
      return [{ ...state, online: true, accepted: false }, []];
    case "ws.closed": {
      let next: RpcState = { ...state, online: false, accepted: false, retryWait: false };
      delete (next as { inflight?: unknown }).inflight;
      effects.push({ type: "timer.cancel", id: "call" }, { type: "timer.cancel", id: "retry" });
      // A send cut off by the connection is not a failure to process it (section 3.7.1).
      const cut = state.inflight &&
        { ...state.inflight.call, attempts: state.inflight.call.attempts - 1 };
      const waiting = cut ? [cut, ...state.queue] : [...state.queue];
      const keep: PendingCall[] = [];
      for (const call of waiting) {
        if (isTransactional(call.action, call.payload)) keep.push(call);
        else effects.push(failed(call, "Offline", "connection closed"));
      }
      next = { ...next, queue: keep };
      return [next, effects];
    }
    case "backend.accepted":
      return [pump({ ...state, accepted: true }, effects), effects];
    case "backend.state": {
      const rejected = msg.state === "rejected";
      if (rejected === (state.rejected ?? false)) return [state, []];
      const next: RpcState = { ...state };
      if (rejected) (next as { rejected?: boolean }).rejected = true;
      else delete (next as { rejected?: boolean }).rejected;
      return [next, []];
    }
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
      if (msg.id === "retry") return [pump({ ...state, retryWait: false }, effects), effects];
      return [state, []];
    default:
      return [state, []];
  }
}

/** The rpc actor; `handled` are the inbound actions some actor answers. */
export function rpcActor(handled: ReadonlySet<CsAction>): ActorLogic<RpcState, RpcMsg> {
  return {
    name: "rpc",
    receives: [
      "ocpp.call",
      "ocpp.reply",
      "ocpp.reply_error",
      "ws.opened",
      "ws.closed",
      "ws.received",
      "backend.accepted",
      "backend.state",
    ],
    initial: initialRpc,
    transition: (s, m, ctx) => transitionRpc(s, m, ctx, handled),
  };
}
