/**
 * Unit tests of the relay actor: the contactor is closed only while a
 * transaction wants energy, the EV is plugged in and nothing is faulted;
 * after an invalidated idTag, up to MaxEnergyOnInvalidId Wh.
 */
import assert from "node:assert/strict";
import type { Ctx, Effect } from "./bus.ts";
import type { EvState } from "./messages.ts";
import { type Value, viewOf } from "../config/registry.ts";
import {
  initialRelay,
  type RelayConnector,
  type RelayMsg,
  type RelayState,
  shouldClose,
  transitionRelay,
} from "./relay.ts";

function ctx(values: Record<string, Value> = {}): Ctx {
  return { now: 0, config: viewOf(new Map(Object.entries(values))) };
}

function run(state: RelayState, msgs: readonly RelayMsg[]): [RelayState, Effect[]] {
  let effects: Effect[] = [];
  for (const m of msgs) [state, effects] = transitionRelay(state, m, ctx());
  return [state, effects];
}

const ev = (state: EvState, connectorId = 1): RelayMsg => ({
  type: "hw.ev_state",
  connectorId,
  state,
});
const started = (connectorId = 1): RelayMsg => ({
  type: "tx.started",
  connectorId,
  idTag: "TAG",
  meterStartWh: 0,
  timestamp: 0,
});
const fault: RelayMsg = { type: "hw.fault", connectorId: 1, errorCode: "GroundFailure" };
const set = (closed: boolean, connectorId = 1): Effect => ({
  type: "hw.set_relay",
  connectorId,
  closed,
});

Deno.test("shouldClose() is true only when energize && EV plugged (B or C) && not faulted", () => {
  const evs: EvState[] = ["A", "B", "C", "E", "F"];
  for (const energize of [false, true]) {
    for (const ev of evs) {
      for (const faulted of [false, true]) {
        const c: RelayConnector = { energize, ev, faulted, closed: false };
        const want = energize && (ev === "B" || ev === "C") && !faulted;
        assert.equal(shouldClose(c), want, JSON.stringify(c));
      }
    }
  }
});

Deno.test("transitionRelay() closes when a transaction starts on a plugged connector, not before", () => {
  let [state, effects] = run(initialRelay(ctx()), [ev("B")]);
  assert.deepEqual(effects, []);
  [state, effects] = run(state, [started()]);
  assert.deepEqual(effects, [set(true)]);
  assert.equal(state.connectors[0]!.closed, true);
  // B -> C is still plugged: nothing to do.
  assert.deepEqual(run(state, [ev("C")])[1], []);
});

Deno.test("transitionRelay() waits for the cable when the transaction starts first", () => {
  let [state, effects] = run(initialRelay(ctx()), [started()]);
  assert.deepEqual(effects, []);
  [state, effects] = run(state, [ev("B")]);
  assert.deepEqual(effects, [set(true)]);
});

Deno.test("transitionRelay() opens when the EV unplugs and closes again when it comes back during the transaction", () => {
  let [state, effects] = run(initialRelay(ctx()), [ev("B"), started(), ev("A")]);
  assert.deepEqual(effects, [set(false)]);
  [state, effects] = run(state, [ev("B")]);
  assert.deepEqual(effects, [set(true)]);
});

Deno.test("transitionRelay() opens on a fault and closes again when it clears", () => {
  let [state, effects] = run(initialRelay(ctx()), [ev("B"), started(), fault]);
  assert.deepEqual(effects, [set(false)]);
  [state, effects] = run(state, [{ type: "hw.fault_cleared", connectorId: 1 }]);
  assert.deepEqual(effects, [set(true)]);
  // An error pilot state (E) opens it too.
  assert.deepEqual(run(state, [ev("E")])[1], [set(false)]);
});

Deno.test("transitionRelay() opens every contactor on a fault of connector 0, the whole charge point (section 4.9)", () => {
  const c = ctx({ NumberOfConnectors: 2 });
  let state = initialRelay(c);
  let effects: Effect[] = [];
  for (const m of [ev("B"), started(), ev("B", 2), started(2)]) {
    [state, effects] = transitionRelay(state, m, c);
  }
  assert.deepEqual(state.connectors.map((x) => x.closed), [true, true]);
  [state, effects] = transitionRelay(
    state,
    { type: "hw.fault", connectorId: 0, errorCode: "InternalError" },
    c,
  );
  assert.deepEqual(effects, [set(false, 1), set(false, 2)]);
  // A connector's own fault clearing does not clear the charge point's.
  [state, effects] = transitionRelay(state, { type: "hw.fault_cleared", connectorId: 1 }, c);
  assert.deepEqual(effects, []);
  [state, effects] = transitionRelay(state, { type: "hw.fault_cleared", connectorId: 0 }, c);
  assert.deepEqual(effects, [set(true, 1), set(true, 2)]);
});

Deno.test("transitionRelay() always commands open on tx.stopping, so the transaction actor gets its confirmation", () => {
  let [state, effects] = run(initialRelay(ctx()), [ev("B"), started(), {
    type: "tx.stopping",
    connectorId: 1,
    reason: "Local",
  }]);
  assert.deepEqual(effects, [set(false)]);
  // Already open (EV gone): commanded again all the same.
  [state, effects] = run(state, [started(), ev("A"), {
    type: "tx.stopping",
    connectorId: 1,
    reason: "Remote",
  }]);
  assert.deepEqual(effects, [set(false)]);
  assert.equal(state.connectors[0]!.energize, false);
});

Deno.test("transitionRelay() opens on tx.deauthorized (StopTransactionOnInvalidId false) and on tx.stopped", () => {
  const [, deauthorized] = run(initialRelay(ctx()), [ev("B"), started(), {
    type: "tx.deauthorized",
    connectorId: 1,
  }]);
  assert.deepEqual(deauthorized, [set(false)]);
  const [, stopped] = run(initialRelay(ctx()), [ev("B"), started(), {
    type: "tx.stopped",
    connectorId: 1,
    transactionId: 1,
    reason: "Other",
  }]);
  assert.deepEqual(stopped, [set(false)]);
});

Deno.test("transitionRelay() keeps connectors apart and ignores unknown ones", () => {
  const c = ctx({ NumberOfConnectors: 2 });
  let [state, effects] = run(initialRelay(c), [ev("B", 2), started(2)]);
  assert.deepEqual(effects, [set(true, 2)]);
  assert.equal(state.connectors[0]!.closed, false);
  const before = state;
  [state, effects] = run(state, [started(3), ev("B", 0)]);
  assert.deepEqual([state, effects], [before, []]);
});

const meter = (wh: number): RelayMsg => ({ type: "hw.meter", connectorId: 1, wh, w: 7400 });
const deauthorized: RelayMsg = { type: "tx.deauthorized", connectorId: 1 };
const startedAt = (meterStartWh: number): RelayMsg => ({
  type: "tx.started",
  connectorId: 1,
  idTag: "TAG",
  meterStartWh,
  timestamp: 0,
});

function runWith(c: Ctx, state: RelayState, msgs: readonly RelayMsg[]): [RelayState, Effect[]] {
  const all: Effect[] = [];
  for (const m of msgs) {
    const [next, effects] = transitionRelay(state, m, c);
    state = next;
    all.push(...effects);
  }
  return [state, all];
}

Deno.test("transitionRelay() MaxEnergyOnInvalidId: energy goes on until the transaction reached it (9.1.14)", () => {
  const c = ctx({ MaxEnergyOnInvalidId: 500 });
  let [state, effects] = runWith(c, initialRelay(c), [
    ev("C"),
    meter(10_000),
    startedAt(10_000),
    meter(10_100),
    deauthorized,
  ]);
  assert.deepEqual(effects, [set(true)], "closed, and still closed after the invalid id");
  [state, effects] = runWith(c, state, [meter(10_499)]);
  assert.deepEqual(effects, []);
  [state, effects] = runWith(c, state, [meter(10_500)]);
  assert.deepEqual(effects, [set(false)], "opens at meterStart + 500 Wh");
  assert.equal(state.connectors[0]!.energize, false);
  // A new transaction has no limit.
  [state, effects] = runWith(c, state, [
    { type: "tx.stopped", connectorId: 1, transactionId: 1, reason: "Local" },
    startedAt(11_000),
    meter(20_000),
  ]);
  assert.deepEqual(effects, [set(true)]);
});

Deno.test("transitionRelay() MaxEnergyOnInvalidId: a transaction already past it, or 0, stops energy at once", () => {
  const c = ctx({ MaxEnergyOnInvalidId: 500 });
  const [, past] = runWith(c, initialRelay(c), [ev("C"), startedAt(0), meter(600), deauthorized]);
  assert.deepEqual(past, [set(true), set(false)]);
  const zero = ctx({ MaxEnergyOnInvalidId: 0 });
  const [, none] = runWith(zero, initialRelay(zero), [ev("C"), startedAt(0), deauthorized]);
  assert.deepEqual(none, [set(true), set(false)]);
  // A refusal on a connector without a transaction closes nothing.
  const [, idle] = runWith(c, initialRelay(c), [ev("B"), deauthorized, meter(5)]);
  assert.deepEqual(idle, []);
});
