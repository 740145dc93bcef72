import assert from "node:assert/strict";
import type { Ctx, Effect, TimerFired } from "./bus.ts";
import {
  CALL_TIMEOUT_MS,
  initialRpc,
  isTransactional,
  LOCAL_REQUEST_PREFIX,
  rpcActor,
  type RpcMsg,
  type RpcState,
  transitionRpc,
} from "./rpc.ts";
import { type Value, viewOf } from "../config/registry.ts";
import { type CpAction, type CsAction, json, type Payload } from "../ocpp/types.ts";

const NOW = Date.UTC(2026, 0, 1, 12);
const PREFIX = NOW.toString(36);
const HANDLED: ReadonlySet<CsAction> = new Set(["Reset", "ChangeConfiguration"]);

const TIME = "2026-01-01T12:00:00Z";
const BOOT = { chargePointVendor: "Acme", chargePointModel: "W1" };
const BOOT_CONF = { status: "Accepted", currentTime: TIME, interval: 300 };
const STATUS = { connectorId: 1, errorCode: "NoError", status: "Available" };
const AUTH = { idTag: "TAG1" };
const AUTH_CONF = { idTagInfo: { status: "Accepted" } };
const START = { connectorId: 1, idTag: "TAG1", meterStart: 0, timestamp: TIME };
const START_CONF = { idTagInfo: { status: "Accepted" }, transactionId: 7 };
const STOP = { transactionId: 7, meterStop: 1200, timestamp: TIME };
const SAMPLES = [{ timestamp: TIME, sampledValue: [{ value: "600" }] }];
const METER_TX = { connectorId: 1, transactionId: 7, meterValue: SAMPLES };
const METER = { connectorId: 1, meterValue: SAMPLES };
/** Clock-aligned values without a transaction (section 3.7: transaction-related all the same). */
const METER_CLOCK = {
  connectorId: 0,
  meterValue: [{ timestamp: TIME, sampledValue: [{ value: "600", context: "Sample.Clock" }] }],
};
/** A StopTransaction of a local transaction: the rpc actor adds the transactionId. */
const STOP_LOCAL = { idTag: "TAG1", meterStop: 1200, timestamp: TIME, reason: "Local" };

/** Message id of the n-th CALL sent. */
function id(n: number): string {
  return `${PREFIX}-${n}`;
}

/** Effects with each sent frame parsed, so frames compare as JSON. */
function wire(effects: readonly Effect[]): unknown[] {
  return effects.map((e) =>
    e.type === "ws.send" ? { type: "ws.send", frame: JSON.parse(e.text) } : e
  );
}

function send(frame: unknown[]): unknown {
  return { type: "ws.send", frame };
}

const CALL_TIMER = { type: "timer.start", id: "call", ms: CALL_TIMEOUT_MS };
const CANCEL_CALL = { type: "timer.cancel", id: "call" };
const CANCEL_RETRY = { type: "timer.cancel", id: "retry" };

/** A CALL as raw JSON: these tests also send payloads the schema refuses. */
function call(action: CpAction, payload: Payload, ref?: string, tx?: number): RpcMsg {
  return {
    type: "ocpp.call",
    action,
    payload,
    ...(ref !== undefined ? { ref } : {}),
    ...(tx !== undefined ? { tx } : {}),
  } as RpcMsg;
}

/** The outbox write of a transaction message queued at NOW. */
function put(
  seq: number,
  action: "StartTransaction" | "StopTransaction" | "MeterValues",
  payload: Payload,
  extra: { ref?: string; tx?: number } = {},
): unknown {
  return { type: "store.outbox_put", entry: { seq, action, payload, at: NOW, ...extra } };
}

/** The outbox settlement of a transaction message. */
function done(
  seq: number,
  action: "StartTransaction" | "StopTransaction" | "MeterValues",
  extra: Record<string, unknown> = {},
): unknown {
  return { type: "store.outbox_done", seq, action, outcome: "delivered", ...extra };
}

function received(frame: unknown[]): RpcMsg {
  return { type: "ws.received", text: JSON.stringify(frame) };
}

/** Drives transitionRpc, keeping the state between steps. */
class Rig {
  state: RpcState;
  /** Its `backend` follows the connection supervisor's phase as the messages imply. */
  ctx: Ctx;
  constructor(values: Record<string, Value> = {}) {
    this.ctx = { now: NOW, config: viewOf(new Map(Object.entries(values))) };
    this.state = initialRpc(this.ctx);
  }
  /** Applies one message; returns its effects with frames parsed. */
  on(msg: RpcMsg | TimerFired): unknown[] {
    // What the supervisor's phase is when the message reaches the rpc actor.
    const phase = msg.type === "ws.opened"
      ? "booting"
      : msg.type === "ws.closed"
      ? "backoff"
      : msg.type === "backend.accepted"
      ? "accepted"
      : undefined;
    if (phase) this.ctx = { ...this.ctx, backend: phase };
    const [next, effects] = transitionRpc(this.state, msg, this.ctx, HANDLED);
    this.state = next;
    return wire(effects);
  }
  /** Connected, BootNotification sent and accepted; returns the number of the next CALL. */
  accepted(): number {
    this.on({ type: "ws.opened", conn: 1 });
    this.on(call("BootNotification", BOOT));
    this.on(received([3, this.state.inflight!.id, BOOT_CONF]));
    this.on({ type: "backend.accepted", currentTime: TIME });
    return this.state.seq + 1;
  }
}

Deno.test("initialRpc() starts offline with an id prefix from the clock", () => {
  const ctx: Ctx = { now: NOW, config: viewOf(new Map()) };
  assert.deepEqual(initialRpc(ctx), {
    online: false,
    idPrefix: PREFIX,
    seq: 0,
    retryWait: false,
    queue: [],
    durable: 0,
    nextSeq: 1,
    txIds: new Map(),
  });
});

Deno.test("initialRpc() queues the outbox of the store in order, with the known transaction ids", () => {
  const ctx: Ctx = { now: NOW, config: viewOf(new Map()) };
  const state = initialRpc(ctx, {
    outbox: [
      { seq: 4, action: "MeterValues", payload: METER, tx: 2, at: NOW },
      { seq: 5, action: "StopTransaction", payload: STOP_LOCAL, tx: 2, ref: "stop:2", at: NOW },
    ],
    txIds: new Map([[2, 7]]),
    nextSeq: 6,
  });
  assert.deepEqual(state.queue, [
    { action: "MeterValues", payload: METER, tx: 2, attempts: 0, seq: 4 },
    { action: "StopTransaction", payload: STOP_LOCAL, tx: 2, ref: "stop:2", attempts: 0, seq: 5 },
  ]);
  assert.equal(state.durable, 2);
  assert.equal(state.nextSeq, 6);
});

Deno.test("isTransactional() is true for Start/StopTransaction, MeterValues of a transaction and clock-aligned MeterValues", () => {
  assert.equal(isTransactional("StartTransaction", START), true);
  assert.equal(isTransactional("StopTransaction", STOP), true);
  assert.equal(isTransactional("MeterValues", METER_TX), true);
  assert.equal(isTransactional("MeterValues", METER), false);
  assert.equal(isTransactional("MeterValues", METER_CLOCK), true);
  assert.equal(isTransactional("StatusNotification", STATUS), false);
  assert.equal(isTransactional("Authorize", AUTH), false);
});

Deno.test("transitionRpc() sends BootNotification before BootNotification is accepted", () => {
  const rig = new Rig();
  assert.deepEqual(rig.on({ type: "ws.opened", conn: 1 }), []);
  assert.deepEqual(rig.on(call("BootNotification", BOOT)), [
    send([2, id(1), "BootNotification", BOOT]),
    CALL_TIMER,
  ]);
  assert.deepEqual(rig.on(received([3, id(1), BOOT_CONF])), [
    CANCEL_CALL,
    { type: "ocpp.result", action: "BootNotification", payload: BOOT_CONF, request: BOOT },
  ]);
});

Deno.test("transitionRpc() sends no StatusNotification before BootNotification is accepted", () => {
  const rig = new Rig();
  rig.on({ type: "ws.opened", conn: 1 });
  // Not a transaction message: its sender hears at once that it cannot go out.
  assert.deepEqual(rig.on(call("StatusNotification", STATUS, "s1")), [{
    type: "ocpp.failed",
    action: "StatusNotification",
    request: STATUS,
    ref: "s1",
    code: "Offline",
    description: "not connected to the Central System",
  }]);
  assert.deepEqual(rig.on(call("BootNotification", BOOT)), [
    send([2, id(1), "BootNotification", BOOT]),
    CALL_TIMER,
  ]);
});

Deno.test("transitionRpc() holds StartTransaction until BootNotification is accepted", () => {
  const rig = new Rig();
  rig.on({ type: "ws.opened", conn: 1 });
  assert.deepEqual(rig.on(call("StartTransaction", START, "start:1")), [
    put(1, "StartTransaction", START, { ref: "start:1" }),
  ]);
  // BootNotification overtakes the held transaction message.
  assert.deepEqual(rig.on(call("BootNotification", BOOT)), [
    send([2, id(1), "BootNotification", BOOT]),
    CALL_TIMER,
  ]);
  const pending = { ...BOOT_CONF, status: "Pending" };
  assert.deepEqual(rig.on(received([3, id(1), pending])), [
    CANCEL_CALL,
    { type: "ocpp.result", action: "BootNotification", payload: pending, request: BOOT },
  ]);
  assert.deepEqual(rig.state.queue, [{
    action: "StartTransaction",
    payload: START,
    ref: "start:1",
    attempts: 0,
    seq: 1,
  }]);
  assert.deepEqual(rig.on({ type: "backend.accepted", currentTime: TIME }), [
    send([2, id(2), "StartTransaction", START]),
    CALL_TIMER,
  ]);
});

Deno.test("transitionRpc() fails a non-transactional CALL with Offline while disconnected", () => {
  const rig = new Rig();
  for (
    const [action, payload] of [
      ["Authorize", AUTH],
      ["Heartbeat", {}],
      ["MeterValues", METER],
      ["BootNotification", BOOT],
    ] as const
  ) {
    assert.deepEqual(rig.on(call(action, payload, "r")), [{
      type: "ocpp.failed",
      action,
      request: payload,
      ref: "r",
      code: "Offline",
      description: "not connected to the Central System",
    }], action);
  }
  assert.deepEqual(rig.state, initialRpc(rig.ctx));
});

Deno.test("transitionRpc() keeps one CALL outstanding and sends the others in FIFO order", () => {
  const rig = new Rig();
  let n = rig.accepted();
  assert.deepEqual(rig.on(call("Heartbeat", {})), [send([2, id(n), "Heartbeat", {}]), CALL_TIMER]);
  assert.deepEqual(rig.on(call("Authorize", AUTH, "a")), []);
  assert.deepEqual(rig.on(call("StatusNotification", STATUS)), []);
  assert.equal(rig.state.queue.length, 2);
  const hb = { currentTime: TIME };
  assert.deepEqual(rig.on(received([3, id(n), hb])), [
    CANCEL_CALL,
    { type: "ocpp.result", action: "Heartbeat", payload: hb, request: {} },
    send([2, id(n + 1), "Authorize", AUTH]),
    CALL_TIMER,
  ]);
  n++;
  assert.deepEqual(rig.on(received([3, id(n), AUTH_CONF])), [
    CANCEL_CALL,
    { type: "ocpp.result", action: "Authorize", payload: AUTH_CONF, request: AUTH, ref: "a" },
    send([2, id(n + 1), "StatusNotification", STATUS]),
    CALL_TIMER,
  ]);
  n++;
  assert.deepEqual(rig.on(received([3, id(n), {}])), [
    CANCEL_CALL,
    { type: "ocpp.result", action: "StatusNotification", payload: {}, request: STATUS },
  ]);
  assert.equal(rig.state.inflight, undefined);
  assert.deepEqual(rig.state.queue, []);
});

Deno.test("transitionRpc() puts a triggered BootNotification ahead of queued CALLs", () => {
  const rig = new Rig();
  const n = rig.accepted();
  rig.on(call("Heartbeat", {}));
  rig.on(call("StatusNotification", STATUS));
  assert.deepEqual(rig.on(call("BootNotification", BOOT)), []);
  assert.deepEqual(rig.on(call("BootNotification", BOOT)), []);
  assert.deepEqual(rig.state.queue.map((c) => c.action), [
    "BootNotification",
    "StatusNotification",
  ]);
  assert.deepEqual(rig.on(received([3, id(n), { currentTime: TIME }])), [
    CANCEL_CALL,
    { type: "ocpp.result", action: "Heartbeat", payload: { currentTime: TIME }, request: {} },
    send([2, id(n + 1), "BootNotification", BOOT]),
    CALL_TIMER,
  ]);
});

Deno.test("transitionRpc() keeps transaction messages while offline and sends them after ws.opened and backend.accepted", () => {
  const rig = new Rig();
  const meterLocal = { connectorId: 1, meterValue: SAMPLES };
  // A transaction started offline: local number 3, no transactionId yet.
  assert.deepEqual(rig.on(call("StartTransaction", START, "start:3", 3)), [
    put(1, "StartTransaction", START, { ref: "start:3", tx: 3 }),
  ]);
  assert.deepEqual(rig.on(call("MeterValues", meterLocal, undefined, 3)), [
    put(2, "MeterValues", meterLocal, { tx: 3 }),
  ]);
  assert.deepEqual(rig.on(call("StopTransaction", STOP_LOCAL, "stop:3", 3)), [
    put(3, "StopTransaction", STOP_LOCAL, { ref: "stop:3", tx: 3 }),
  ]);
  assert.deepEqual(rig.on({ type: "ws.opened", conn: 1 }), []);
  assert.deepEqual(rig.on(call("BootNotification", BOOT)), [
    send([2, id(1), "BootNotification", BOOT]),
    CALL_TIMER,
  ]);
  assert.deepEqual(rig.on(received([3, id(1), BOOT_CONF])), [
    CANCEL_CALL,
    { type: "ocpp.result", action: "BootNotification", payload: BOOT_CONF, request: BOOT },
  ]);
  assert.deepEqual(rig.on({ type: "backend.accepted", currentTime: TIME }), [
    send([2, id(2), "StartTransaction", START]),
    CALL_TIMER,
  ]);
  // The StartTransaction.conf's id is recorded before anyone hears of the result...
  assert.deepEqual(rig.on(received([3, id(2), START_CONF])), [
    CANCEL_CALL,
    done(1, "StartTransaction", { tx: 3, transactionId: 7 }),
    {
      type: "ocpp.result",
      action: "StartTransaction",
      payload: START_CONF,
      request: START,
      ref: "start:3",
    },
    // ...and the messages queued behind it carry it.
    send([2, id(3), "MeterValues", { ...meterLocal, transactionId: 7 }]),
    CALL_TIMER,
  ]);
  assert.deepEqual(rig.on(received([3, id(3), {}])), [
    CANCEL_CALL,
    done(2, "MeterValues", { tx: 3 }),
    {
      type: "ocpp.result",
      action: "MeterValues",
      payload: {},
      request: { ...meterLocal, transactionId: 7 },
    },
    send([2, id(4), "StopTransaction", { ...STOP_LOCAL, transactionId: 7 }]),
    CALL_TIMER,
  ]);
  assert.deepEqual(rig.on(received([3, id(4), {}])), [
    CANCEL_CALL,
    done(3, "StopTransaction", { tx: 3 }),
    {
      type: "ocpp.result",
      action: "StopTransaction",
      payload: {},
      request: { ...STOP_LOCAL, transactionId: 7 },
      ref: "stop:3",
    },
  ]);
  assert.deepEqual(rig.state.txIds, new Map());
  assert.equal(rig.state.durable, 0);
});

Deno.test("transitionRpc() sends the messages of a transaction whose StartTransaction was given up with transactionId -1 (errata 3.18)", () => {
  const rig = new Rig({ TransactionMessageAttempts: 1 });
  const n = rig.accepted();
  rig.on(call("StartTransaction", START, "start:3", 3));
  rig.on(call("StopTransaction", STOP_LOCAL, "stop:3", 3));
  const effects = rig.on(received([4, id(n), "InternalError", "no", {}]));
  assert.deepEqual(effects.slice(2, 3), [{
    type: "store.outbox_done",
    seq: 1,
    action: "StartTransaction",
    outcome: "given_up",
    tx: 3,
    reason: "InternalError: no",
    transactionId: -1,
  }]);
  assert.deepEqual(effects.slice(-2), [
    send([2, id(n + 1), "StopTransaction", { ...STOP_LOCAL, transactionId: -1 }]),
    CALL_TIMER,
  ]);
});

Deno.test("transitionRpc() sends Authorize before queued transaction messages, which keep their order", () => {
  const rig = new Rig();
  rig.accepted();
  const sent: string[] = [];
  const take = (effects: unknown[]) => {
    const e = effects.find((x) => (x as { type: string }).type === "ws.send");
    return e === undefined ? undefined : (e as { frame: unknown[] }).frame;
  };
  let frame = take(rig.on(call("StartTransaction", START, "start:1", 1)));
  rig.on(call("MeterValues", METER, undefined, 1));
  rig.on(call("StatusNotification", STATUS));
  rig.on(call("Authorize", AUTH, "a"));
  while (frame) {
    sent.push(frame[2] as string);
    const conf = frame[2] === "Authorize"
      ? AUTH_CONF
      : frame[2] === "StartTransaction"
      ? START_CONF
      : {};
    frame = take(rig.on(received([3, frame[1], conf])));
  }
  // Section 3.7: the customer's Authorize need not wait; the rest is FIFO.
  assert.deepEqual(sent, ["StartTransaction", "Authorize", "MeterValues", "StatusNotification"]);
});

Deno.test("transitionRpc() thins queued MeterValues at the outbox limit, never StartTransaction or StopTransaction", () => {
  const rig = new Rig();
  const on = (msg: RpcMsg) => transitionRpc(rig.state, msg, rig.ctx, HANDLED, { outboxLimit: 6 });
  const step = (msg: RpcMsg) => {
    const [next, effects] = on(msg);
    rig.state = next;
    return effects;
  };
  step(call("StartTransaction", START, "start:1", 1));
  for (let i = 0; i < 5; i++) step(call("MeterValues", METER, undefined, 1));
  assert.equal(rig.state.durable, 6);
  // The seventh: every second queued MeterValues goes (seq 3 and 5).
  const effects = step(call("StopTransaction", STOP_LOCAL, "stop:1", 1));
  assert.deepEqual(effects.slice(0, 2), [
    {
      type: "log",
      level: "warn",
      text: "Outbox full (6 messages): removed 2 queued MeterValues, every second one",
    },
    { type: "store.outbox_thin", seqs: [3, 5] },
  ]);
  assert.deepEqual(rig.state.queue.map((c) => [c.seq, c.action]), [
    [1, "StartTransaction"],
    [2, "MeterValues"],
    [4, "MeterValues"],
    [6, "MeterValues"],
    [7, "StopTransaction"],
  ]);
  // Only starts and stops left: a MeterValues is not queued, a stop always is.
  rig.state = { ...rig.state, queue: rig.state.queue.filter((c) => c.action !== "MeterValues") };
  rig.state = { ...rig.state, durable: 2 };
  const tiny = (msg: RpcMsg) => transitionRpc(rig.state, msg, rig.ctx, HANDLED, { outboxLimit: 2 });
  assert.deepEqual(tiny(call("MeterValues", METER, undefined, 1))[1], [{
    type: "log",
    level: "error",
    text: "Outbox full (2 messages, only transaction starts and stops): MeterValues not queued",
  }]);
  assert.deepEqual(tiny(call("StopTransaction", STOP_LOCAL, "stop:1", 1))[1], [
    put(8, "StopTransaction", STOP_LOCAL, { ref: "stop:1", tx: 1 }),
  ]);
});

Deno.test("transitionRpc() ignores an answer whose id is not the outstanding CALL", () => {
  const rig = new Rig();
  const n = rig.accepted();
  rig.on(call("Heartbeat", {}));
  const before = rig.state;
  assert.deepEqual(rig.on(received([3, "other", { currentTime: TIME }])), [
    { type: "log", level: "warn", text: "Ignored answer to unknown CALL other" },
  ]);
  assert.deepEqual(rig.on(received([4, id(n - 1), "GenericError", "late", {}])), [
    { type: "log", level: "warn", text: `Ignored answer to unknown CALL ${id(n - 1)}` },
  ]);
  assert.equal(rig.state, before);
});

Deno.test("transitionRpc() fails a CALL whose CALLRESULT payload is invalid", () => {
  const rig = new Rig();
  const n = rig.accepted();
  rig.on(call("Authorize", AUTH, "a"));
  rig.on(call("Heartbeat", {}));
  assert.deepEqual(rig.on(received([3, id(n), { idTagInfo: { status: "Maybe" } }])), [
    {
      type: "log",
      level: "warn",
      text: "Invalid Authorize.conf: idTagInfo.status must be one of " +
        "Accepted, Blocked, Expired, Invalid, ConcurrentTx",
    },
    {
      type: "sec.event",
      event: "InvalidMessages",
      techInfo: "Authorize.conf: idTagInfo.status must be one of " +
        "Accepted, Blocked, Expired, Invalid, ConcurrentTx",
    },
    CANCEL_CALL,
    {
      type: "ocpp.failed",
      action: "Authorize",
      request: AUTH,
      ref: "a",
      code: "Invalid",
      description:
        "idTagInfo.status must be one of Accepted, Blocked, Expired, Invalid, ConcurrentTx",
    },
    send([2, id(n + 1), "Heartbeat", {}]),
    CALL_TIMER,
  ]);
});

Deno.test("transitionRpc() fails a non-transactional CALL on CALLERROR without retrying", () => {
  const rig = new Rig();
  const n = rig.accepted();
  rig.on(call("Authorize", AUTH, "a"));
  assert.deepEqual(rig.on(received([4, id(n), "NotSupported", "no Authorize here", {}])), [
    CANCEL_CALL,
    {
      type: "ocpp.failed",
      action: "Authorize",
      request: AUTH,
      ref: "a",
      code: "NotSupported",
      description: "no Authorize here",
    },
  ]);
  assert.deepEqual(rig.state.queue, []);
  assert.equal(rig.state.retryWait, false);
});

Deno.test("transitionRpc() retries a transaction message per TransactionMessageAttempts and TransactionMessageRetryInterval", () => {
  // Section 3.7.1's example: 3 attempts, 60 s: wait 60 s, then 120 s, then give up.
  const rig = new Rig({ TransactionMessageAttempts: 3, TransactionMessageRetryInterval: 60 });
  let n = rig.accepted();
  assert.deepEqual(rig.on(call("StopTransaction", STOP, "stop:1")), [
    put(1, "StopTransaction", STOP, { ref: "stop:1" }),
    send([2, id(n), "StopTransaction", STOP]),
    CALL_TIMER,
  ]);
  // Another message waits for the CALL outstanding...
  assert.deepEqual(rig.on(call("StatusNotification", STATUS)), []);
  // ...but not for the retries of a transaction message (section 3.7 allows it).
  assert.deepEqual(rig.on(received([4, id(n), "InternalError", "db down", {}])), [
    CANCEL_CALL,
    {
      type: "log",
      level: "warn",
      text: "StopTransaction failed (InternalError: db down); retry 1 in 60 s",
    },
    { type: "timer.start", id: "retry", ms: 60_000 },
    send([2, id(++n), "StatusNotification", STATUS]),
    CALL_TIMER,
  ]);
  assert.equal(rig.state.retryWait, true);
  assert.deepEqual(rig.on(received([3, id(n), {}])), [
    CANCEL_CALL,
    { type: "ocpp.result", action: "StatusNotification", payload: {}, request: STATUS },
  ]);
  assert.deepEqual(rig.on({ type: "timer.fired", id: "retry" }), [
    send([2, id(++n), "StopTransaction", STOP]),
    CALL_TIMER,
  ]);
  assert.deepEqual(rig.on(received([4, id(n), "InternalError", "db down", {}])), [
    CANCEL_CALL,
    {
      type: "log",
      level: "warn",
      text: "StopTransaction failed (InternalError: db down); retry 2 in 120 s",
    },
    { type: "timer.start", id: "retry", ms: 120_000 },
  ]);
  assert.deepEqual(rig.on({ type: "timer.fired", id: "retry" }), [
    send([2, id(++n), "StopTransaction", STOP]),
    CALL_TIMER,
  ]);
  assert.deepEqual(rig.on(received([4, id(n), "InternalError", "db down", {}])), [
    CANCEL_CALL,
    {
      type: "log",
      level: "error",
      text: "StopTransaction given up after 3 attempts (InternalError: db down)",
    },
    // Kept in the store, marked: never silently dropped.
    {
      type: "store.outbox_done",
      seq: 1,
      action: "StopTransaction",
      outcome: "given_up",
      reason: "InternalError: db down",
    },
    {
      type: "ocpp.failed",
      action: "StopTransaction",
      request: STOP,
      ref: "stop:1",
      code: "InternalError",
      description: "db down",
    },
  ]);
});

Deno.test("transitionRpc() gives a transaction message up at once when TransactionMessageAttempts is 0 or 1", () => {
  for (const attempts of [0, 1]) {
    const rig = new Rig({ TransactionMessageAttempts: attempts });
    const n = rig.accepted();
    rig.on(call("StartTransaction", START));
    assert.deepEqual(rig.on(received([4, id(n), "GenericError", "", {}])), [
      CANCEL_CALL,
      {
        type: "log",
        level: "error",
        text: "StartTransaction given up after 1 attempts (GenericError: )",
      },
      {
        type: "store.outbox_done",
        seq: 1,
        action: "StartTransaction",
        outcome: "given_up",
        reason: "GenericError: ",
        transactionId: -1,
      },
      {
        type: "ocpp.failed",
        action: "StartTransaction",
        request: START,
        code: "GenericError",
        description: "",
      },
    ], `attempts ${attempts}`);
  }
});

Deno.test("transitionRpc() retries a transaction message whose CALLRESULT is invalid", () => {
  const rig = new Rig({ TransactionMessageRetryInterval: 10 });
  const n = rig.accepted();
  rig.on(call("StartTransaction", START));
  assert.deepEqual(rig.on(received([3, id(n), { transactionId: 7 }])), [
    { type: "log", level: "warn", text: "Invalid StartTransaction.conf: idTagInfo is required" },
    {
      type: "sec.event",
      event: "InvalidMessages",
      techInfo: "StartTransaction.conf: idTagInfo is required",
    },
    CANCEL_CALL,
    {
      type: "log",
      level: "warn",
      text: "StartTransaction failed (Invalid: idTagInfo is required); retry 1 in 10 s",
    },
    { type: "timer.start", id: "retry", ms: 10_000 },
  ]);
});

Deno.test("transitionRpc() fails an unanswered CALL with Timeout when the call timer fires", () => {
  const rig = new Rig();
  const n = rig.accepted();
  rig.on(call("Heartbeat", {}));
  rig.on(call("Authorize", AUTH, "a"));
  assert.deepEqual(rig.on({ type: "timer.fired", id: "call" }), [
    CANCEL_CALL,
    {
      type: "ocpp.failed",
      action: "Heartbeat",
      request: {},
      code: "Timeout",
      description: `no answer within ${CALL_TIMEOUT_MS / 1000} s`,
    },
    send([2, id(n + 1), "Authorize", AUTH]),
    CALL_TIMER,
  ]);
  // The late answer to the first CALL is no longer matched.
  assert.deepEqual(rig.on(received([3, id(n), { currentTime: TIME }])), [
    { type: "log", level: "warn", text: `Ignored answer to unknown CALL ${id(n)}` },
  ]);
});

Deno.test("transitionRpc() retries a transaction message after a Timeout", () => {
  const rig = new Rig();
  rig.accepted();
  rig.on(call("MeterValues", METER_TX));
  assert.deepEqual(rig.on({ type: "timer.fired", id: "call" }), [
    CANCEL_CALL,
    {
      type: "log",
      level: "warn",
      text: "MeterValues failed (Timeout: no answer within 30 s); retry 1 in 60 s",
    },
    { type: "timer.start", id: "retry", ms: 60_000 },
  ]);
});

Deno.test("transitionRpc() ignores a call timer with nothing outstanding", () => {
  const rig = new Rig();
  rig.accepted();
  const before = rig.state;
  assert.deepEqual(rig.on({ type: "timer.fired", id: "call" }), []);
  assert.deepEqual(rig.on({ type: "timer.fired", id: "other" }), []);
  assert.equal(rig.state, before);
});

Deno.test("transitionRpc() on ws.closed fails non-transactional CALLs and keeps transaction messages", () => {
  const rig = new Rig();
  rig.accepted();
  rig.on(call("Heartbeat", {}));
  rig.on(call("StartTransaction", START, "start:1"));
  rig.on(call("Authorize", AUTH, "a"));
  rig.on(call("MeterValues", METER));
  rig.on(call("StopTransaction", STOP, "stop:1"));
  assert.deepEqual(rig.on({ type: "ws.closed", conn: 1, reason: "gone" }), [
    CANCEL_CALL,
    CANCEL_RETRY,
    {
      type: "ocpp.failed",
      action: "Heartbeat",
      request: {},
      code: "Offline",
      description: "connection closed",
    },
    {
      type: "ocpp.failed",
      action: "Authorize",
      request: AUTH,
      ref: "a",
      code: "Offline",
      description: "connection closed",
    },
    {
      type: "ocpp.failed",
      action: "MeterValues",
      request: METER,
      code: "Offline",
      description: "connection closed",
    },
  ]);
  assert.deepEqual(rig.state, {
    online: false,
    conn: 1,
    idPrefix: PREFIX,
    seq: 2,
    retryWait: false,
    queue: [
      { action: "StartTransaction", payload: START, ref: "start:1", attempts: 0, seq: 1 },
      { action: "StopTransaction", payload: STOP, ref: "stop:1", attempts: 0, seq: 2 },
    ],
    durable: 2,
    nextSeq: 3,
    txIds: new Map(),
  });
});

Deno.test("transitionRpc() does not count a send cut off by ws.closed as a failed attempt", () => {
  // Section 3.7.1: a transaction message may be dropped only after TransactionMessageAttempts
  // failures to process it; a lost connection is not the Central System failing to process it.
  const rig = new Rig({ TransactionMessageAttempts: 2 });
  rig.accepted();
  rig.on(call("StopTransaction", STOP, "stop:1"));
  for (let i = 0; i < 3; i++) {
    rig.on({ type: "ws.closed", conn: 1, reason: "flaky" });
    rig.accepted();
    assert.equal(rig.state.inflight?.call.action, "StopTransaction");
  }
  // The first real failure is retried, not the end of the message.
  const effects = rig.on(received([4, rig.state.inflight!.id, "InternalError", "busy", {}]));
  assert.deepEqual(effects.slice(-1), [{ type: "timer.start", id: "retry", ms: 60_000 }]);
});

Deno.test("transitionRpc() answers an unknown inbound action with NotImplemented", () => {
  const rig = new Rig();
  rig.accepted();
  for (const action of ["FooBar", "Heartbeat", "definitions"]) {
    assert.deepEqual(rig.on(received([2, "cs-1", action, {}])), [
      {
        type: "log",
        level: "warn",
        text: `Rejected ${action} CALL cs-1: NotImplemented: Unknown action ${action}`,
      },
      send([4, "cs-1", "NotImplemented", `Unknown action ${action}`, {}]),
    ], action);
  }
});

Deno.test("transitionRpc() answers a known inbound action no actor handles with NotSupported", () => {
  const rig = new Rig();
  rig.accepted();
  assert.deepEqual(rig.on(received([2, "cs-2", "UnlockConnector", { connectorId: 1 }])), [
    {
      type: "log",
      level: "warn",
      text: "Rejected UnlockConnector CALL cs-2: NotSupported: UnlockConnector is not supported",
    },
    send([4, "cs-2", "NotSupported", "UnlockConnector is not supported", {}]),
  ]);
});

Deno.test("transitionRpc() answers an invalid inbound payload with the section 4.2.3 code", () => {
  const rig = new Rig();
  rig.accepted();
  const cases: [unknown, string, string][] = [
    [{}, "OccurenceConstraintViolation", "type is required"],
    [{ type: 1 }, "TypeConstraintViolation", "type must be string"],
    [{ type: "Warm" }, "PropertyConstraintViolation", "type must be one of Hard, Soft"],
    [{ type: "Soft", when: "now" }, "FormationViolation", "when is not a known field"],
    // OCPP-J 4.2.1: null is an empty payload, so the required field is missing.
    [null, "OccurenceConstraintViolation", "type is required"],
    [[], "FormationViolation", "Reset.req payload must be an object"],
  ];
  for (const [payload, code, why] of cases) {
    assert.deepEqual(rig.on(received([2, "cs-3", "Reset", payload])), [
      { type: "log", level: "warn", text: `Rejected Reset CALL cs-3: ${code}: ${why}` },
      send([4, "cs-3", code, why, {}]),
      // A frame that is not a valid OCPP message: logged as a security event (chapter 8).
      { type: "sec.event", event: "InvalidMessages", techInfo: `Reset.req: ${why}` },
    ], JSON.stringify(payload));
  }
});

Deno.test("transitionRpc() turns a valid inbound CALL into ocpp.request", () => {
  const rig = new Rig();
  rig.on({ type: "ws.opened", conn: 1 });
  // Also before acceptance: a Pending Central System configures the Charge Point (TC_002).
  const payload = { key: "MeterValueSampleInterval", value: "30" };
  assert.deepEqual(rig.on(received([2, "cs-4", "ChangeConfiguration", payload])), [
    { type: "ocpp.request", id: "cs-4", action: "ChangeConfiguration", payload },
  ]);
});

Deno.test("transitionRpc() answers a misshapen inbound CALL with FormationViolation", () => {
  const rig = new Rig();
  rig.accepted();
  const text = JSON.stringify([2, "cs-5", "Reset"]);
  assert.deepEqual(rig.on({ type: "ws.received", text }), [
    {
      type: "log",
      level: "warn",
      text: `Cannot parse CALL: expected [2, id, action, payload]: ${text}`,
    },
    {
      type: "sec.event",
      event: "InvalidMessages",
      techInfo: "Cannot parse CALL: expected [2, id, action, payload]",
    },
    send([
      4,
      "cs-5",
      "FormationViolation",
      "Cannot parse CALL: expected [2, id, action, payload]",
      {},
    ]),
  ]);
});

Deno.test("transitionRpc() logs a garbage frame and sends nothing", () => {
  const rig = new Rig();
  const n = rig.accepted();
  rig.on(call("Heartbeat", {}));
  const before = rig.state;
  for (
    const [text, reason] of [
      ["hello", "Cannot parse frame: not JSON"],
      ['{"a":1}', "Cannot parse frame: not an OCPP-J message array"],
      ['[3,"",{}]', "Cannot parse frame: message id must be a string of 1-36 characters"],
      [`[7,"${id(n)}",{}]`, "Cannot parse frame: unknown message type 7"],
      [`[3,"${id(n)}",{},1]`, "Cannot parse CALLRESULT: expected [3, id, payload]"],
    ]
  ) {
    assert.deepEqual(rig.on({ type: "ws.received", text: text! }), [
      { type: "log", level: "warn", text: `${reason}: ${text}` },
      // The reason only: never the frame's content.
      { type: "sec.event", event: "InvalidMessages", techInfo: reason },
    ], text);
  }
  assert.equal(rig.state, before);
});

Deno.test("transitionRpc() sends ocpp.reply as a CALLRESULT", () => {
  const rig = new Rig();
  rig.accepted();
  assert.deepEqual(
    rig.on({ type: "ocpp.reply", id: "cs-6", action: "Reset", payload: { status: "Accepted" } }),
    [send([3, "cs-6", { status: "Accepted" }])],
  );
});

Deno.test("transitionRpc() replaces an invalid ocpp.reply with an InternalError CALLERROR", () => {
  const rig = new Rig();
  rig.accepted();
  assert.deepEqual(
    // An answer the types would refuse: the schema check is the last line of defence.
    rig.on(
      {
        type: "ocpp.reply",
        id: "cs-7",
        action: "Reset",
        payload: json({ status: "Maybe" }),
      } as unknown as RpcMsg,
    ),
    [
      {
        type: "log",
        level: "error",
        text: "Invalid Reset.conf from this Charge Point: status must be one of Accepted, Rejected",
      },
      send([4, "cs-7", "InternalError", "invalid response", {}]),
    ],
  );
});

Deno.test("transitionRpc() sends ocpp.reply_error as a CALLERROR", () => {
  const rig = new Rig();
  rig.accepted();
  assert.deepEqual(
    rig.on({ type: "ocpp.reply_error", id: "cs-8", code: "GenericError", description: "busy" }),
    [send([4, "cs-8", "GenericError", "busy", {}])],
  );
});

Deno.test("transitionRpc() drops replies while disconnected", () => {
  const rig = new Rig();
  assert.deepEqual(
    rig.on({ type: "ocpp.reply", id: "cs-9", action: "Reset", payload: { status: "Accepted" } }),
    [],
  );
  assert.deepEqual(
    rig.on({ type: "ocpp.reply_error", id: "cs-9", code: "GenericError", description: "x" }),
    [],
  );
});

Deno.test("transitionRpc() never sends the answer to a request of the local API to the backend", () => {
  const rig = new Rig();
  rig.accepted();
  const id = `${LOCAL_REQUEST_PREFIX}1`;
  assert.deepEqual(
    rig.on({ type: "ocpp.reply", id, action: "Reset", payload: { status: "Accepted" } }),
    [],
  );
  assert.deepEqual(
    rig.on({ type: "ocpp.reply_error", id, code: "GenericError", description: "x" }),
    [],
  );
  // A backend's request is still answered.
  assert.equal(
    rig.on({ type: "ocpp.reply", id: "cs-9", action: "Reset", payload: { status: "Accepted" } })
      .length,
    1,
  );
});

Deno.test("transitionRpc() refuses to send an invalid payload or a Central System action", () => {
  const rig = new Rig();
  rig.accepted();
  assert.deepEqual(rig.on(call("Authorize", { idTag: "X".repeat(21) }, "a")), [
    {
      type: "log",
      level: "error",
      text: "Cannot send Authorize: idTag must be at most 20 characters",
    },
    {
      type: "ocpp.failed",
      action: "Authorize",
      request: { idTag: "X".repeat(21) },
      ref: "a",
      code: "Invalid",
      description: "idTag must be at most 20 characters",
    },
  ]);
  assert.deepEqual(rig.on(call("Reset" as CpAction, { type: "Soft" })), [
    { type: "log", level: "error", text: "Cannot send Reset: not a Charge Point action" },
  ]);
  assert.equal(rig.state.inflight, undefined);
});

Deno.test("rpcActor() receives the rpc messages and answers with the given handled actions", () => {
  const actor = rpcActor(HANDLED);
  assert.equal(actor.name, "rpc");
  assert.deepEqual([...actor.receives].sort(), [
    "backend.accepted",
    "ocpp.call",
    "ocpp.reply",
    "ocpp.reply_error",
    "ws.closed",
    "ws.opened",
    "ws.received",
  ]);
  const ctx: Ctx = { now: NOW, config: viewOf(new Map()) };
  const [online] = actor.transition(actor.initial(ctx), { type: "ws.opened", conn: 1 }, ctx);
  const [, effects] = actor.transition(
    online,
    received([2, "cs-1", "Reset", { type: "Soft" }]),
    ctx,
  );
  assert.deepEqual(effects, [
    { type: "ocpp.request", id: "cs-1", action: "Reset", payload: { type: "Soft" } },
  ]);
});

Deno.test("transitionRpc() does not answer Central System CALLs while BootNotification is Rejected (section 4.2)", () => {
  // Rejected or not is the supervisor's phase, read from the context.
  const ctx: Ctx = { now: 0, config: viewOf(new Map()), backend: "rejected" };
  const handled = new Set<CsAction>(["Reset"]);
  const [s] = transitionRpc(initialRpc(ctx), { type: "ws.opened", conn: 1 }, ctx, handled);
  const [s2, effects] = transitionRpc(
    s,
    { type: "ws.received", text: '[2,"a","Reset",{"type":"Soft"}]' },
    ctx,
    handled,
  );
  assert.deepEqual(effects.map((e) => e.type), ["log"]);
  const [, again] = transitionRpc(
    s2,
    { type: "ws.received", text: '[2,"b","Reset",{"type":"Soft"}]' },
    { ...ctx, backend: "accepted" },
    handled,
  );
  assert.deepEqual(again, [{
    type: "ocpp.request",
    id: "b",
    action: "Reset",
    payload: { type: "Soft" },
  }]);
});

Deno.test("transitionRpc() treats a null CALL payload as an empty object (OCPP-J 4.2.1)", () => {
  const ctx = { now: 0, config: viewOf(new Map()) };
  const handled = new Set<CsAction>(["ClearCache"]);
  const [s] = transitionRpc(initialRpc(ctx), { type: "ws.opened", conn: 1 }, ctx, handled);
  const [, effects] = transitionRpc(
    s,
    { type: "ws.received", text: '[2,"n","ClearCache",null]' },
    ctx,
    handled,
  );
  assert.deepEqual(effects, [{ type: "ocpp.request", id: "n", action: "ClearCache", payload: {} }]);
});

Deno.test("transitionRpc() keeps clock-aligned MeterValues without a transaction in the outbox while offline (section 3.7)", () => {
  const rig = new Rig();
  assert.deepEqual(rig.on(call("MeterValues", METER_CLOCK)), [put(1, "MeterValues", METER_CLOCK)]);
  assert.equal(rig.state.durable, 1);
  rig.on({ type: "ws.opened", conn: 1 });
  rig.on(call("BootNotification", BOOT));
  rig.on(received([3, id(1), BOOT_CONF]));
  // Sent as queued: no transactionId is added to values of no transaction.
  assert.deepEqual(rig.on({ type: "backend.accepted", currentTime: TIME }), [
    send([2, id(2), "MeterValues", METER_CLOCK]),
    CALL_TIMER,
  ]);
  assert.deepEqual(rig.on(received([3, id(2), {}])), [
    CANCEL_CALL,
    done(1, "MeterValues"),
    { type: "ocpp.result", action: "MeterValues", payload: {}, request: METER_CLOCK },
  ]);
  assert.equal(rig.state.durable, 0);
});

Deno.test("transitionRpc() takes a new connection whose old one has not reported its close: the old CALL fails, the new boot goes, the late close is ignored", () => {
  const rig = new Rig();
  rig.accepted();
  rig.on(call("Heartbeat", {}));
  assert.equal(rig.state.inflight?.call.action, "Heartbeat");
  // Reconnect: connection 2 opens before connection 1's close event arrives.
  assert.deepEqual(rig.on({ type: "ws.opened", conn: 2 }), [
    CANCEL_CALL,
    CANCEL_RETRY,
    {
      type: "ocpp.failed",
      action: "Heartbeat",
      request: {},
      code: "Offline",
      description: "connection closed",
    },
  ]);
  assert.deepEqual(rig.on(call("BootNotification", BOOT)), [
    send([2, id(3), "BootNotification", BOOT]),
    CALL_TIMER,
  ]);
  assert.deepEqual(rig.on({ type: "ws.closed", conn: 1, reason: "closed (1000)" }), []);
  assert.equal(rig.state.online, true);
  assert.equal(rig.state.inflight?.call.action, "BootNotification");
});
