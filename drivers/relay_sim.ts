/**
 * A simulated relay: switches at once, can be told to fail its next switch.
 *
 * @module
 */
import type { Relay } from "./relay.ts";

/**
 * A simulated contactor. `onSwitch` (used by the simulated station) hears
 * every successful switch.
 *
 * @example Make the next switch fail
 * ```ts
 * const relay = new SimRelay();
 * relay.failNext();
 * await relay.set(true).catch((err) => err.message); // "contactor did not switch (simulated)"
 * ```
 */
export class SimRelay implements Relay {
  #closed = false;
  #failNext: string | null = null;
  #onSwitch: ((closed: boolean) => void) | undefined;

  /** @param onSwitch Called after each successful `set`, with the new state. */
  constructor(onSwitch?: (closed: boolean) => void) {
    this.#onSwitch = onSwitch;
  }

  /** Whether the contactor is closed now. */
  get closed(): boolean {
    return this.#closed;
  }

  /** Switches the contactor, or rejects once after {@link SimRelay.failNext}. */
  set(closed: boolean): Promise<void> {
    const reason = this.#failNext;
    if (reason !== null) {
      this.#failNext = null;
      return Promise.reject(new Error(reason));
    }
    this.#closed = closed;
    this.#onSwitch?.(closed);
    return Promise.resolve();
  }

  /** Makes the next `set` reject with `reason`, leaving the state as it is. */
  failNext(reason = "contactor did not switch (simulated)"): void {
    this.#failNext = reason;
  }
}
