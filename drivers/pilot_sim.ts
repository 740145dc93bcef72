/**
 * A simulated control pilot: its state is set by whoever simulates the EV
 * (the simulated station, or a test).
 *
 * @module
 */
import type { EvState, Pilot } from "./pilot.ts";

/**
 * A simulated pilot, starting in state A.
 *
 * @example Plug in
 * ```ts
 * const pilot = new SimPilot();
 * pilot.onChange((state) => state); // "B"
 * pilot.set("B");
 * ```
 */
export class SimPilot implements Pilot {
  #state: EvState;
  #listeners = new Set<(state: EvState) => void>();
  #offered = Infinity;
  #onOffer: () => void = () => {};

  constructor(initial: EvState = "A") {
    this.#state = initial;
  }

  /** The state now. */
  get state(): EvState {
    return this.#state;
  }

  /** Calls `fn` at every change; returns the unsubscribe function. */
  onChange(fn: (state: EvState) => void): () => void {
    const listener = (state: EvState) => fn(state);
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** The current the PWM offers, A per phase (Infinity until the first offer). */
  get offered(): number {
    return this.#offered;
  }

  /** Offers `currentA` to the EV (see {@link Pilot.offer}). */
  offer(currentA: number): void {
    if (!Number.isFinite(currentA) || currentA < 0) {
      throw new RangeError(`Cannot offer ${currentA} A: must be a number >= 0`);
    }
    if (currentA === this.#offered) return;
    this.#offered = currentA;
    this.#onOffer();
  }

  /** Calls `fn` after every change of the offered current (the simulated EV). */
  onOffer(fn: () => void): void {
    this.#onOffer = fn;
  }

  /** Moves to `state`, telling every listener if it changed. */
  set(state: EvState): void {
    if (state === this.#state) return;
    this.#state = state;
    for (const fn of [...this.#listeners]) fn(state);
  }
}
