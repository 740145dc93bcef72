/**
 * The life of the Charge Point's CALLs in the rpc actor (private to
 * `rpc.ts`): the next one is sent when the link allows it, an answer
 * settles it, a failed transaction message is retried or given up and any
 * other failure is reported to its sender; and each frame from the Central
 * System is read: an inbound CALL is checked and routed.
 *
 * @module
 */
import type { Ctx, Effect } from "./bus.ts";
import { asFailed, asRequest, asResult, type MessageOf, type OcppMessage } from "./messages.ts";
import { payloadToSend, type PendingCall, pickNext, settle } from "./_rpc_outbox.ts";
import { callFrame, errorFrame, type Frame, parseFrame } from "../ocpp/frame.ts";
import { hasSchema, validatePayload } from "../ocpp/schema.ts";
import { CS_ACTIONS, type CsAction, type Payload } from "../ocpp/types.ts";
import type { RpcState } from "./rpc.ts";

/** How long a CALL waits for its answer. */
export const CALL_TIMEOUT_MS = 30_000;

/** Why a CALL failed: a CALLERROR code, or Offline/Timeout/Invalid when no answer came. */
type FailCode = MessageOf<"ocpp.failed">["code"];

/** The `ocpp.failed` that tells a CALL's sender it failed. */
export function failed(call: PendingCall, code: FailCode, description: string): OcppMessage {
  return asFailed(call.action, call.payload, code, description, call.ref);
}

/** The state with no CALL in flight. */
export function withoutInflight(state: RpcState): RpcState {
  const next: RpcState = { ...state };
  delete (next as { inflight?: unknown }).inflight;
  return next;
}

/** Sends the next CALL when the link allows it. */
export function pump(state: RpcState, ctx: Ctx, effects: Effect[]): RpcState {
  const i = pickNext(state.queue, {
    online: state.online,
    accepted: ctx.backend === "accepted",
    busy: state.inflight !== undefined,
    retryWait: state.retryWait,
  }, state.durable);
  if (i < 0) return state;
  const head = state.queue[i]!;
  const payload = payloadToSend(head, state.txIds);
  if (payload.transactionId === -1 && state.txIds.get(head.tx!) === undefined) {
    effects.push({
      type: "log",
      level: "warn",
      text: `${head.action} of local transaction ${head.tx} goes with transactionId -1: ` +
        "no StartTransaction.conf is known for it",
    });
  }
  const id = `${state.idPrefix}-${state.seq + 1}`;
  effects.push(
    { type: "ws.send", text: callFrame(id, head.action, payload) },
    { type: "timer.start", id: "call", ms: CALL_TIMEOUT_MS },
  );
  return {
    ...state,
    seq: state.seq + 1,
    inflight: { id, call: { ...head, payload, attempts: head.attempts + 1 } },
    queue: i === 0 ? state.queue.slice(1) : state.queue.filter((_, j) => j !== i),
    durable: state.durable - (head.seq !== undefined ? 1 : 0),
  };
}

/** The inflight CALL failed: retry transaction messages, report the others. */
export function settleFailure(
  state: RpcState,
  code: FailCode,
  description: string,
  ctx: Ctx,
  effects: Effect[],
): RpcState {
  const call = state.inflight!.call;
  let base = withoutInflight(state);
  effects.push({ type: "timer.cancel", id: "call" });
  const attempts = ctx.config.int("TransactionMessageAttempts");
  const durable = call.seq !== undefined;
  if (durable && call.attempts < Math.max(1, attempts)) {
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
    // Other messages may go while it waits (section 3.7); transaction messages keep their order.
    const next = {
      ...base,
      retryWait: true,
      queue: [call, ...state.queue],
      durable: state.durable + 1,
    };
    return pump(next, ctx, effects);
  }
  if (durable) {
    // Section 3.7.1: the message is skipped, but kept in the store, marked, for people to see.
    const reason = `${code}: ${description}`;
    effects.push({
      type: "log",
      level: "error",
      text: `${call.action} given up after ${call.attempts} attempts (${reason})`,
    });
    base = settle(base, call, "given_up", effects, {
      reason,
      ...(call.action === "StartTransaction" ? { transactionId: -1 } : {}),
    });
  }
  effects.push(failed(call, code, description));
  return pump(base, ctx, effects);
}

/**
 * A frame of the Central System that is not a valid OCPP message: the
 * InvalidMessages security event (whitepaper chapter 8, not critical: the
 * security log only). `why` names the fault, never the frame's content.
 */
function invalidMessage(why: string): Effect {
  return { type: "sec.event", event: "InvalidMessages", techInfo: why.slice(0, 255) };
}

/**
 * The effects of an inbound CALL: `ocpp.request` when it is valid and
 * handled, else a CALLERROR (unknown action -> NotImplemented, unhandled ->
 * NotSupported, invalid payload -> the OCPP-J 4.2.3 code); nothing but a
 * log while BootNotification is Rejected (section 4.2).
 */
function inboundCall(
  frame: Extract<Frame, { kind: "call" }>,
  rejected: boolean,
  handled: ReadonlySet<CsAction>,
): Effect[] {
  if (rejected) {
    // Section 4.2: "While Rejected, the Charge Point SHALL NOT respond to any Central System initiated message".
    return [{
      type: "log",
      level: "warn",
      text: `Ignored ${frame.action} CALL ${frame.id}: BootNotification was Rejected`,
    }];
  }
  const reply = (code: Parameters<typeof errorFrame>[1], why: string): Effect[] => [
    {
      type: "log",
      level: "warn",
      text: `Rejected ${frame.action} CALL ${frame.id}: ${code}: ${why}`,
    },
    { type: "ws.send", text: errorFrame(frame.id, code, why) },
  ];
  const known = (CS_ACTIONS as readonly string[]).includes(frame.action) &&
    hasSchema(frame.action);
  if (!known) return reply("NotImplemented", `Unknown action ${frame.action}`);
  const action = frame.action as CsAction;
  if (!handled.has(action)) return reply("NotSupported", `${action} is not supported`);
  const bad = validatePayload(action, "Request", frame.payload);
  if (bad) return [...reply(bad.code, bad.text), invalidMessage(`${action}.req: ${bad.text}`)];
  return [asRequest(frame.id, action, frame.payload)];
}

/**
 * One frame from the Central System: a CALL is checked and routed, an
 * answer settles the inflight CALL; anything else is logged.
 */
export function onReceived(
  state: RpcState,
  text: string,
  ctx: Ctx,
  handled: ReadonlySet<CsAction>,
  effects: Effect[],
): RpcState {
  const parsed = parseFrame(text);
  if (!parsed.ok) {
    effects.push(
      { type: "log", level: "warn", text: `${parsed.reason}: ${text.slice(0, 200)}` },
      invalidMessage(parsed.reason),
    );
    if (parsed.id !== undefined && parsed.code) {
      effects.push({ type: "ws.send", text: errorFrame(parsed.id, parsed.code, parsed.reason) });
    }
    return state;
  }
  // OCPP-J 4.2.1 / 4.2.2: a null payload is an empty one.
  const frame = "payload" in parsed.frame && parsed.frame.payload === null
    ? { ...parsed.frame, payload: {} }
    : parsed.frame;
  if (frame.kind === "call") {
    effects.push(...inboundCall(frame, ctx.backend === "rejected", handled));
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
      frame.code as FailCode,
      frame.description,
      ctx,
      effects,
    );
  }
  const bad = validatePayload(call.action, "Response", frame.payload);
  if (bad) {
    effects.push(
      { type: "log", level: "warn", text: `Invalid ${call.action}.conf: ${bad.text}` },
      invalidMessage(`${call.action}.conf: ${bad.text}`),
    );
    return settleFailure(state, "Invalid", bad.text, ctx, effects);
  }
  let next = withoutInflight(state);
  effects.push({ type: "timer.cancel", id: "call" });
  if (call.seq !== undefined) {
    const transactionId = call.action === "StartTransaction"
      ? { transactionId: (frame.payload as Payload).transactionId as number }
      : {};
    next = settle(next, call, "delivered", effects, transactionId);
  }
  // Checked against the action's response schema above.
  effects.push(asResult(call.action, frame.payload, call.payload, call.ref));
  return pump(next, ctx, effects);
}
