/**
 * Unit tests of the transaction actor, the stop side: every stop reason,
 * the relay-open handshake, StopTransaction before the transactionId,
 * RemoteStopTransaction, UnlockConnector and the cable kept locked; the
 * journal entries that go before each effect.
 */
import assert from "node:assert/strict";
import type { Ctx, Effect } from "./bus.ts";
import { asRequest, type IdTagInfo, type StopReason } from "./messages.ts";
import type { CsRequest } from "../ocpp/types.ts";
import {
  initialTransaction,
  RELAY_CONFIRM_MS,
  type TransactionMsg,
  type TransactionState,
} from "./transaction.ts";
import { ctx, ev, run, T0, tap } from "./_tx_testing.ts";

const ISO0 = "2025-01-01T00:00:00.000Z";

const relayOpened: TransactionMsg = { type: "hw.relay", connectorId: 1, closed: false };
const req = <A extends "RemoteStartTransaction" | "RemoteStopTransaction" | "UnlockConnector">(
  action: A,
  payload: CsRequest<A>,
  id = "r1",
) => asRequest(id, action, payload);
const startResult = (transactionId: number, info: IdTagInfo): TransactionMsg => ({
  type: "ocpp.result",
  action: "StartTransaction",
  ref: "start:1",
  payload: { transactionId, idTagInfo: info },
  request: { connectorId: 1, idTag: "TAG", meterStart: 0, timestamp: ISO0 },
});
const reply = (action: string, status: string, id = "r1"): Effect =>
  ({ type: "ocpp.reply", id, action, payload: { status } }) as Effect;

/** Connector 1 charging: transaction 7 for TAG, relay closed, meter at 1500 Wh. */
function charging(c: Ctx = ctx(), info: IdTagInfo = { status: "Accepted" }): TransactionState {
  return run(initialTransaction(c), [
    ev("B"),
    req("RemoteStartTransaction", { connectorId: 1, idTag: "TAG" }),
    { type: "hw.locked", connectorId: 1, ok: true },
    startResult(7, info),
    { type: "hw.relay", connectorId: 1, closed: true },
    ev("C"),
    { type: "hw.meter", connectorId: 1, wh: 1500.9, w: 7400 },
  ], c)[0];
}

/** The effects of beginning a stop; `by`: the card that stopped it. */
const stopping = (reason: StopReason, by?: string): Effect[] => [
  {
    type: "store.tx_journal",
    entry: { op: "stopping", tx: 1, reason, ...(by ? { stopIdTag: by } : {}) },
  },
  { type: "tx.stopping", connectorId: 1, reason },
  { type: "timer.start", id: "stop:1", ms: RELAY_CONFIRM_MS },
];
/** The effects of finishing a stop of local transaction 1 (transactionId 7). */
const stopped = (
  reason: StopReason,
  opts: { by?: string; unlock?: boolean; transactionId?: number | null } = {},
): Effect[] => [
  { type: "timer.cancel", id: "stop:1" },
  {
    type: "store.tx_journal",
    entry: {
      op: "stop",
      tx: 1,
      reason,
      meterStopWh: 1500,
      timestamp: T0,
      ...(opts.by ? { stopIdTag: opts.by } : {}),
    },
  },
  {
    type: "ocpp.call",
    action: "StopTransaction",
    ref: "stop:1",
    tx: 1,
    payload: { idTag: opts.by ?? "TAG", meterStop: 1500, timestamp: ISO0, reason },
  },
  {
    type: "tx.stopped",
    connectorId: 1,
    transactionId: opts.transactionId === undefined ? 7 : opts.transactionId,
    reason,
  },
  ...(opts.unlock === false ? [] : [{ type: "hw.unlock", connectorId: 1 } as const]),
];

Deno.test("transitionTransaction() stops with Local when the start card comes again, StopTransaction after the relay opened", () => {
  let [state, effects] = run(charging(), [tap("TAG")]);
  assert.deepEqual(effects, stopping("Local", "TAG"));
  [state, effects] = run(state, [relayOpened]);
  assert.deepEqual(effects, stopped("Local", { by: "TAG" }));
  assert.deepEqual(state.connectors[0]!.tx, { phase: "idle" });
  assert.equal(state.unsettledStops, 1);
});

Deno.test("transitionTransaction() sends StopTransaction anyway when the relay does not confirm", () => {
  const [, effects] = run(charging(), [tap("TAG"), { type: "timer.fired", id: "stop:1" }]);
  assert.deepEqual(effects, stopped("Local", { by: "TAG" }));
});

Deno.test("transitionTransaction() ignores a different card when the transaction has no parentIdTag (OCTT TC_068)", () => {
  const state = charging();
  const [after, effects] = run(state, [tap("OTHER")]);
  assert.deepEqual(effects, [
    { type: "log", level: "info", text: "Ignored card OTHER: no connector is free" },
  ]);
  assert.deepEqual(after, state);
});

Deno.test("transitionTransaction() stops with Local and the new idTag when a card of the same parentIdTag is accepted (OCTT TC_069)", () => {
  const state = charging(ctx(), { status: "Accepted", parentIdTag: "GROUP" });
  let [after, effects] = run(state, [tap("OTHER")]);
  assert.deepEqual(effects, [
    { type: "auth.request", idTag: "OTHER", connectorId: 1, purpose: "stop" },
  ]);
  const result = (parentIdTag: string): TransactionMsg => ({
    type: "auth.result",
    idTag: "OTHER",
    connectorId: 1,
    purpose: "stop",
    info: { status: "Accepted", parentIdTag },
    source: "backend",
  });
  // Another group changes nothing.
  assert.deepEqual(run(after, [result("ELSE")]), [after, []]);
  [after, effects] = run(after, [result("GROUP")]);
  assert.deepEqual(effects, stopping("Local", "OTHER"));
  assert.deepEqual(run(after, [relayOpened])[1], stopped("Local", { by: "OTHER" }));
});

Deno.test("transitionTransaction() stops with EVDisconnected when the EV unplugs and StopTransactionOnEVSideDisconnect is true", () => {
  const c = ctx({ StopTransactionOnEVSideDisconnect: true });
  let [state, effects] = run(charging(c), [ev("A")], c);
  assert.deepEqual(effects, stopping("EVDisconnected"));
  [state, effects] = run(state, [relayOpened], c);
  assert.deepEqual(effects, stopped("EVDisconnected"));
  assert.equal(state.connectors[0]!.lockedFor, null);
});

Deno.test("transitionTransaction() keeps the cable locked for its card after EVDisconnected when UnlockConnectorOnEVSideDisconnect is false", () => {
  const c = ctx({ UnlockConnectorOnEVSideDisconnect: false });
  let [state, effects] = run(charging(c), [ev("A"), relayOpened], c);
  assert.deepEqual(effects, stopped("EVDisconnected", { unlock: false }));
  assert.deepEqual(state.connectors[0]!.lockedFor, { idTag: "TAG" });
  // Another card does not release it; the owner's does.
  [state, effects] = run(state, [tap("OTHER")], c);
  assert.deepEqual(effects, [
    { type: "log", level: "info", text: "Ignored card OTHER: no connector is free" },
  ]);
  [state, effects] = run(state, [tap("TAG")], c);
  assert.deepEqual(effects, [{ type: "hw.unlock", connectorId: 1 }]);
  assert.equal(state.connectors[0]!.lockedFor, null);
});

Deno.test("transitionTransaction() lets the transaction go on when the EV unplugs and StopTransactionOnEVSideDisconnect is false", () => {
  const c = ctx({ StopTransactionOnEVSideDisconnect: false });
  const [state, effects] = run(charging(c), [ev("A"), relayOpened], c);
  assert.deepEqual(effects, []);
  assert.equal(state.connectors[0]!.tx.phase, "active");
});

Deno.test("transitionTransaction() stops with Remote on RemoteStopTransaction of the running transaction", () => {
  let [state, effects] = run(charging(), [req("RemoteStopTransaction", { transactionId: 7 })]);
  assert.deepEqual(effects, [reply("RemoteStopTransaction", "Accepted"), ...stopping("Remote")]);
  [state, effects] = run(state, [relayOpened]);
  assert.deepEqual(effects, stopped("Remote"));
});

Deno.test("transitionTransaction() rejects RemoteStopTransaction of an unknown transaction (OCTT TC_028)", () => {
  const state = charging();
  const [after, effects] = run(state, [req("RemoteStopTransaction", { transactionId: 8 })]);
  assert.deepEqual(effects, [reply("RemoteStopTransaction", "Rejected")]);
  assert.deepEqual(after, state);
});

Deno.test("transitionTransaction() stops with UnlockCommand on UnlockConnector and answers once the lock released", () => {
  let [state, effects] = run(charging(), [req("UnlockConnector", { connectorId: 1 }, "u1")]);
  assert.deepEqual(effects, stopping("UnlockCommand"));
  [state, effects] = run(state, [relayOpened]);
  assert.deepEqual(effects, stopped("UnlockCommand"));
  [state, effects] = run(state, [{ type: "hw.unlocked", connectorId: 1, result: "Unlocked" }]);
  assert.deepEqual(effects, [reply("UnlockConnector", "Unlocked", "u1")]);
  assert.deepEqual(state.connectors[0]!.unlockRequests, []);
});

Deno.test("transitionTransaction() unlocks at once on UnlockConnector without a transaction and passes the hardware's answer on", () => {
  const c = ctx();
  let [state, effects] = run(initialTransaction(c), [req("UnlockConnector", { connectorId: 1 })]);
  assert.deepEqual(effects, [{ type: "hw.unlock", connectorId: 1 }]);
  [state, effects] = run(state, [{ type: "hw.unlocked", connectorId: 1, result: "UnlockFailed" }]);
  assert.deepEqual(effects, [reply("UnlockConnector", "UnlockFailed")]);
  assert.equal(state.connectors[0]!.fixedCable, false);
});

Deno.test("transitionTransaction() answers NotSupported to UnlockConnector for an unknown connector (errata 3.85)", () => {
  const state = initialTransaction(ctx());
  for (const connectorId of [0, 2, -1]) {
    const [after, effects] = run(state, [req("UnlockConnector", { connectorId })]);
    assert.deepEqual(effects, [reply("UnlockConnector", "NotSupported")]);
    assert.deepEqual(after, state);
  }
});

Deno.test("transitionTransaction() keeps the transaction of a connector known to have a fixed cable on UnlockConnector", () => {
  // The hardware answered NotSupported once: a fixed cable.
  let [state] = run(initialTransaction(ctx()), [
    req("UnlockConnector", { connectorId: 1 }),
    { type: "hw.unlocked", connectorId: 1, result: "NotSupported" },
  ]);
  assert.equal(state.connectors[0]!.fixedCable, true);
  [state] = run(state, [
    ev("B"),
    req("RemoteStartTransaction", { connectorId: 1, idTag: "TAG" }),
    { type: "hw.locked", connectorId: 1, ok: true },
    startResult(7, { status: "Accepted" }),
  ]);
  const [after, effects] = run(state, [req("UnlockConnector", { connectorId: 1 }, "u2")]);
  assert.deepEqual(effects, [reply("UnlockConnector", "NotSupported", "u2")]);
  assert.deepEqual(after, state);
});

for (const reason of ["SoftReset", "HardReset"] as const) {
  Deno.test(`transitionTransaction() stops with ${reason} on tx.stop_all and reports tx.all_stopped once StopTransaction is answered`, () => {
    let [state, effects] = run(charging(), [{ type: "tx.stop_all", reason }, relayOpened]);
    assert.deepEqual(effects, stopped(reason));
    assert.equal(state.stoppingAll, true);
    [state, effects] = run(state, [{
      type: "ocpp.result",
      action: "StopTransaction",
      ref: "stop:1",
      payload: { idTagInfo: { status: "Accepted" } },
      request: { transactionId: 7, idTag: "TAG", meterStop: 1500, timestamp: ISO0, reason },
    }]);
    assert.deepEqual(effects, [
      { type: "auth.info", idTag: "TAG", info: { status: "Accepted" } },
      { type: "tx.all_stopped" },
    ]);
    assert.equal(state.stoppingAll, false);
  });
}

Deno.test("transitionTransaction() reports tx.all_stopped at once on tx.stop_all when nothing runs", () => {
  const [state, effects] = run(initialTransaction(ctx()), [
    { type: "tx.stop_all", reason: "HardReset" },
  ]);
  assert.deepEqual(effects, [{ type: "tx.all_stopped" }]);
  assert.equal(state.stoppingAll, false);
});

Deno.test("transitionTransaction() stops with DeAuthorized and keeps the cable locked when StartTransaction.conf is not Accepted and StopTransactionOnInvalidId is true", () => {
  const c = ctx();
  // Started offline: the relay is closed when the Central System answers.
  let [state, effects] = run(initialTransaction(c), [
    ev("B"),
    req("RemoteStartTransaction", { connectorId: 1, idTag: "TAG" }),
    { type: "hw.locked", connectorId: 1, ok: true },
    { type: "hw.relay", connectorId: 1, closed: true },
    { type: "hw.meter", connectorId: 1, wh: 1500, w: 7400 },
    startResult(7, { status: "Blocked" }),
  ], c);
  assert.deepEqual(effects, [
    { type: "auth.info", idTag: "TAG", info: { status: "Blocked" } },
    { type: "tx.confirmed", connectorId: 1, transactionId: 7 },
    ...stopping("DeAuthorized"),
  ]);
  [state, effects] = run(state, [relayOpened], c);
  assert.deepEqual(effects, stopped("DeAuthorized", { unlock: false }));
  assert.deepEqual(state.connectors[0]!.lockedFor, { idTag: "TAG" });
  // UnlockConnector releases it.
  [state, effects] = run(state, [req("UnlockConnector", { connectorId: 1 })], c);
  assert.deepEqual(effects, [{ type: "hw.unlock", connectorId: 1 }]);
  assert.equal(state.connectors[0]!.lockedFor, null);
});

Deno.test("transitionTransaction() only stops the energy when StartTransaction.conf is not Accepted and StopTransactionOnInvalidId is false", () => {
  const c = ctx({ StopTransactionOnInvalidId: false });
  const [state] = run(initialTransaction(c), [
    ev("B"),
    req("RemoteStartTransaction", { connectorId: 1, idTag: "TAG" }),
    { type: "hw.locked", connectorId: 1, ok: true },
  ], c);
  const [after, effects] = run(state, [startResult(7, { status: "Invalid" })], c);
  assert.deepEqual(effects, [
    { type: "auth.info", idTag: "TAG", info: { status: "Invalid" } },
    { type: "tx.confirmed", connectorId: 1, transactionId: 7 },
    { type: "tx.deauthorized", connectorId: 1 },
  ]);
  assert.equal(after.connectors[0]!.tx.phase, "active");
});

Deno.test("transitionTransaction() stops with Other on a fault of connector 0, the whole charge point (section 4.9)", () => {
  const [state, effects] = run(charging(), [
    { type: "hw.fault", connectorId: 0, errorCode: "InternalError" },
    relayOpened,
  ]);
  assert.deepEqual(effects, stopped("Other"));
  assert.equal(state.connectors[0]!.cpFaulted, true);
  // Nothing starts while the charge point is faulted, and again once it is cleared.
  assert.deepEqual(run(state, [tap("TAG2")])[1], [
    { type: "log", level: "info", text: "Ignored card TAG2: no connector is free" },
  ]);
  const [cleared] = run(state, [{ type: "hw.fault_cleared", connectorId: 0 }]);
  assert.equal(cleared.connectors[0]!.cpFaulted, false);
  assert.equal(cleared.connectors[0]!.faulted, false);
});

Deno.test("transitionTransaction() stops with Other on a hardware fault", () => {
  const [, effects] = run(charging(), [
    { type: "hw.fault", connectorId: 1, errorCode: "GroundFailure" },
    relayOpened,
  ]);
  assert.deepEqual(effects, stopped("Other"));
});

Deno.test("transitionTransaction() queues StopTransaction at once when the transactionId has not arrived, and frees the connector", () => {
  const c = ctx();
  let [state, effects] = run(initialTransaction(c), [
    ev("B"),
    req("RemoteStartTransaction", { connectorId: 1, idTag: "TAG" }),
    { type: "hw.locked", connectorId: 1, ok: true },
    { type: "hw.meter", connectorId: 1, wh: 1500, w: 0 },
    tap("TAG"),
  ]);
  // The relay never closed: the stop completes at once; the rpc actor adds the id later.
  assert.deepEqual(effects, [
    {
      type: "store.tx_journal",
      entry: { op: "stopping", tx: 1, reason: "Local", stopIdTag: "TAG" },
    },
    { type: "tx.stopping", connectorId: 1, reason: "Local" },
    ...stopped("Local", { by: "TAG", transactionId: null }),
  ]);
  assert.deepEqual(state.connectors[0]!.tx, { phase: "idle" });
  // A new session starts on the connector while the first StartTransaction is unanswered.
  [state, effects] = run(state, [
    req("RemoteStartTransaction", { connectorId: 1, idTag: "NEXT" }, "r2"),
    { type: "hw.locked", connectorId: 1, ok: true },
  ]);
  assert.equal(state.connectors[0]!.tx.phase, "active");
  assert.deepEqual(effects.filter((e) => e.type === "ocpp.call"), [{
    type: "ocpp.call",
    action: "StartTransaction",
    ref: "start:2",
    tx: 2,
    payload: { connectorId: 1, idTag: "NEXT", meterStart: 1500, timestamp: ISO0 },
  }]);
  // The late answer to the first StartTransaction only feeds the cache.
  [state, effects] = run(state, [startResult(7, { status: "Accepted" })]);
  assert.deepEqual(effects, [{ type: "auth.info", idTag: "TAG", info: { status: "Accepted" } }]);
  assert.deepEqual(state.connectors[0]!.tx, {
    phase: "active",
    idTag: "NEXT",
    tx: 2,
    transactionId: null,
    startPending: true,
    meterStartWh: 1500,
    startedAt: T0,
  });
  // The second one's answer is matched by its local number, not by the connector.
  [state, effects] = run(state, [{
    ...startResult(8, { status: "Accepted" }),
    ref: "start:2",
  } as TransactionMsg]);
  assert.deepEqual(effects.at(-1), { type: "tx.confirmed", connectorId: 1, transactionId: 8 });
  assert.equal((state.connectors[0]!.tx as { transactionId: number }).transactionId, 8);
});

Deno.test("transitionTransaction() stops with Local when the start card comes again in other letter case (idTags are case-insensitive, section 7.28)", () => {
  const [, effects] = run(charging(), [tap("tag")]);
  assert.deepEqual(effects, stopping("Local", "tag"));
});

Deno.test("transitionTransaction() lets a group card answered ConcurrentTx stop the group's transaction", () => {
  const state = charging(ctx(), { status: "Accepted", parentIdTag: "GROUP" });
  const [after] = run(state, [tap("OTHER")]);
  const [, effects] = run(after, [{
    type: "auth.result",
    idTag: "OTHER",
    connectorId: 1,
    purpose: "stop",
    info: { status: "ConcurrentTx", parentIdTag: "GROUP" },
    source: "backend",
  }]);
  assert.deepEqual(effects, stopping("Local", "OTHER"));
});

Deno.test("transitionTransaction() rejects RemoteStartTransaction on a connector whose cable is held for its owner", () => {
  const c = ctx({ UnlockConnectorOnEVSideDisconnect: false });
  const [held] = run(charging(c), [ev("A"), relayOpened], c);
  assert.deepEqual(held.connectors[0]!.lockedFor, { idTag: "TAG" });
  const [after, effects] = run(held, [
    req("RemoteStartTransaction", { connectorId: 1, idTag: "OTHER" }),
  ], c);
  assert.deepEqual(effects, [reply("RemoteStartTransaction", "Rejected")]);
  assert.deepEqual(after.connectors[0]!.lockedFor, { idTag: "TAG" });
});
