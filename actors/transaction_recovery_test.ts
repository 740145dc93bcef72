/**
 * Unit tests of the transaction actor at start-up: the journal of the
 * previous run finished on `system.started` (PowerLoss after an unclean
 * stop, resume after power loss, the clean stop's reason, messages that
 * never reached the outbox), and safe mode.
 */
import assert from "node:assert/strict";
import type { Ctx, Effect } from "./bus.ts";
import type { JournaledTx, TxBoot } from "./boot.ts";
import { type Value, viewOf } from "../config/registry.ts";
import {
  initialTransaction,
  LOCK_TIMEOUT_MS,
  type TransactionMsg,
  type TransactionState,
  transitionTransaction,
} from "./transaction.ts";
import { ev, T0 } from "./_tx_testing.ts";

const T1 = T0 + 600_000;
const iso = (ms: number) => new Date(ms).toISOString();

function ctx(values: Record<string, Value> = {}): Ctx {
  return { now: T1 + 60_000, config: viewOf(new Map(Object.entries(values))), backend: "accepted" };
}

function run(
  state: TransactionState,
  msgs: readonly TransactionMsg[],
  c: Ctx,
): [TransactionState, Effect[]] {
  let effects: Effect[] = [];
  for (const m of msgs) [state, effects] = transitionTransaction(state, m, c);
  return [state, effects];
}

/** Local transaction 5 on connector 1, id 42, last journaled at 1800 Wh at T1. */
const interrupted: JournaledTx = {
  tx: 5,
  connectorId: 1,
  idTag: "TAG",
  meterStartWh: 1000,
  startedAt: T0,
  transactionId: 42,
  lastWh: 1800,
  lastAt: T1,
  phase: "active",
  startQueued: true,
  stopQueued: false,
};

function boot(journal: JournaledTx[], extra: Partial<TxBoot> = {}): TxBoot {
  return { journal, nextTx: 6, lastRun: { clean: false }, ...extra };
}

const started: TransactionMsg = { type: "system.started" };

/** The effects that finish transaction 5 with `reason`. */
function finished(reason: string): Effect[] {
  return [
    {
      type: "store.tx_journal",
      entry: { op: "stop", tx: 5, reason, meterStopWh: 1800, timestamp: T1 },
    },
    {
      type: "ocpp.call",
      action: "StopTransaction",
      ref: "stop:5",
      tx: 5,
      payload: { idTag: "TAG", meterStop: 1800, timestamp: iso(T1), reason },
    },
  ] as Effect[];
}

const logs = (effects: Effect[]) => effects.filter((e) => e.type !== "log");

Deno.test("transitionTransaction() stops a transaction interrupted by power loss with PowerLoss at the last journaled reading and releases the cable", () => {
  const c = ctx();
  const [state, effects] = run(initialTransaction(c, boot([interrupted])), [ev("B"), started], c);
  assert.deepEqual(logs(effects), [
    ...finished("PowerLoss"),
    { type: "tx.stopped", connectorId: 1, transactionId: 42, reason: "PowerLoss" },
    { type: "hw.unlock", connectorId: 1 },
  ]);
  assert.deepEqual(effects.find((e) => e.type === "log"), {
    type: "log",
    level: "warn",
    text: `Transaction 42 on connector 1 was interrupted: stopped with PowerLoss at 1800 Wh, ${
      iso(T1)
    }`,
  });
  assert.deepEqual(state.recovery, []);
  assert.equal(state.unsettledStops, 1);
  assert.equal(state.connectors[0]!.tx.phase, "idle");
  // Once only: a second system.started (Reset) finds nothing to do.
  assert.deepEqual(run(state, [started], c)[1], []);
});

Deno.test("transitionTransaction() resumes after power loss for the same idTag when ResumeTransactionAfterPowerLoss is on and the EV is plugged in", () => {
  const c = ctx({ ResumeTransactionAfterPowerLoss: true, ConnectionTimeOut: 0 });
  let [state, effects] = run(initialTransaction(c, boot([interrupted])), [ev("B"), started], c);
  assert.deepEqual(logs(effects), [
    ...finished("PowerLoss"),
    { type: "tx.stopped", connectorId: 1, transactionId: 42, reason: "PowerLoss" },
    { type: "tx.authorized", connectorId: 1, idTag: "TAG" },
    { type: "timer.cancel", id: "timeout:1" },
    { type: "hw.lock", connectorId: 1 },
    { type: "timer.start", id: "lock:1", ms: LOCK_TIMEOUT_MS },
  ]);
  [state, effects] = run(state, [
    { type: "hw.meter", connectorId: 1, wh: 1805, w: 0 },
    { type: "hw.locked", connectorId: 1, ok: true },
  ], c);
  // A new transaction, with a new local number.
  assert.deepEqual(effects.find((e) => e.type === "ocpp.call"), {
    type: "ocpp.call",
    action: "StartTransaction",
    ref: "start:6",
    tx: 6,
    payload: { connectorId: 1, idTag: "TAG", meterStart: 1805, timestamp: iso(c.now) },
  });
  assert.equal(state.nextTx, 7);
});

Deno.test("transitionTransaction() does not resume when the EV is gone, the setting is off, or the stop was clean", () => {
  const on = ctx({ ResumeTransactionAfterPowerLoss: true });
  const unplugged = run(initialTransaction(on, boot([interrupted])), [started], on)[1];
  assert.ok(!unplugged.some((e) => e.type === "tx.authorized"));
  const off = ctx();
  const plugged = run(initialTransaction(off, boot([interrupted])), [ev("B"), started], off)[1];
  assert.ok(!plugged.some((e) => e.type === "tx.authorized"));
  const clean = boot([interrupted], { lastRun: { clean: true, reason: "Reboot" } });
  const rebooted = run(initialTransaction(on, clean), [ev("B"), started], on)[1];
  assert.deepEqual(logs(rebooted), [
    ...finished("Reboot"),
    { type: "tx.stopped", connectorId: 1, transactionId: 42, reason: "Reboot" },
    { type: "hw.unlock", connectorId: 1 },
  ]);
});

Deno.test("transitionTransaction() finishes an interrupted stop with its journaled reason and card", () => {
  const c = ctx();
  const stopping: JournaledTx = {
    ...interrupted,
    phase: "stopping",
    stop: { reason: "Remote" },
  };
  const effects = run(initialTransaction(c, boot([stopping])), [started], c)[1];
  assert.deepEqual(logs(effects).slice(0, 2), finished("Remote"));
});

Deno.test("transitionTransaction() queues StartTransaction from the journal when the crash came before the outbox had it", () => {
  const c = ctx();
  const early: JournaledTx = { ...interrupted, transactionId: null, startQueued: false };
  const effects = logs(run(initialTransaction(c, boot([early])), [started], c)[1]);
  assert.deepEqual(effects.slice(0, 3), [
    {
      type: "ocpp.call",
      action: "StartTransaction",
      ref: "start:5",
      tx: 5,
      payload: { connectorId: 1, idTag: "TAG", meterStart: 1000, timestamp: iso(T0) },
    },
    ...finished("PowerLoss"),
  ]);
  assert.deepEqual(effects[3], {
    type: "tx.stopped",
    connectorId: 1,
    transactionId: null,
    reason: "PowerLoss",
  });
});

Deno.test("transitionTransaction() queues a journaled StopTransaction that never reached the outbox, nothing else", () => {
  const c = ctx();
  const ended: JournaledTx = {
    ...interrupted,
    phase: "stopped",
    stop: { reason: "Local", stopIdTag: "OTHER", meterStopWh: 1700, timestamp: T1 - 5 },
  };
  const effects = logs(run(initialTransaction(c, boot([ended])), [started], c)[1]);
  assert.deepEqual(effects, [{
    type: "ocpp.call",
    action: "StopTransaction",
    ref: "stop:5",
    tx: 5,
    payload: { idTag: "OTHER", meterStop: 1700, timestamp: iso(T1 - 5), reason: "Local" },
  }]);
});

Deno.test("transitionTransaction() starts no session in safe mode", () => {
  const c = ctx();
  const state = initialTransaction(c, boot([], { blocked: "store damaged" }));
  const [, tapped] = run(state, [ev("B"), { type: "hw.rfid", idTag: "TAG" }], c);
  assert.deepEqual(tapped, [{
    type: "log",
    level: "warn",
    text: "Ignored card TAG: charging is disabled (store damaged)",
  }]);
  // Rejected for safe mode, even with the boot Accepted.
  const [, remote] = run(state, [{
    type: "ocpp.request",
    id: "r1",
    action: "RemoteStartTransaction",
    payload: { connectorId: 1, idTag: "TAG" },
  }], c);
  assert.deepEqual(remote, [{
    type: "ocpp.reply",
    id: "r1",
    action: "RemoteStartTransaction",
    payload: { status: "Rejected" },
  }]);
});
