/**
 * Fixtures shared by the transaction actor's unit tests.
 *
 * @module
 */
import type { Ctx, Effect, TimerFired } from "./bus.ts";
import type { BackendState, EvState } from "./messages.ts";
import { type Value, viewOf } from "../config/registry.ts";
import {
  type TransactionMsg,
  type TransactionState,
  transitionTransaction,
} from "./transaction.ts";

/** The tests' time. */
export const T0 = Date.parse("2025-01-01T00:00:00.000Z");

/**
 * A context at T0 with the given configuration values, the boot Accepted
 * (the Central System may start and stop transactions, section 4.2) unless
 * `backend` says otherwise.
 */
export function ctx(values: Record<string, Value> = {}, backend: BackendState = "accepted"): Ctx {
  return { now: T0, config: viewOf(new Map(Object.entries(values))), backend };
}

/** Runs messages through the actor; returns the last state and the last message's effects. */
export function run(
  state: TransactionState,
  msgs: readonly (TransactionMsg | TimerFired)[],
  c: Ctx = ctx(),
): [TransactionState, Effect[]] {
  let effects: Effect[] = [];
  for (const m of msgs) [state, effects] = transitionTransaction(state, m, c);
  return [state, effects];
}

/** The pilot of a connector moved. */
export const ev = (state: EvState, connectorId = 1): TransactionMsg => ({
  type: "hw.ev_state",
  connectorId,
  state,
});

/** A card at the reader. */
export const tap = (idTag: string): TransactionMsg => ({ type: "hw.rfid", idTag });
