/**
 * A simulated fault source: faults are raised and cleared by calling
 * `raise` and `clear`.
 *
 * @module
 */
import type { Fault, FaultCode, FaultSource } from "./fault.ts";

/**
 * A simulated fault source, starting without a fault.
 *
 * @example A ground fault and its clearing
 * ```ts
 * const faults = new SimFaultSource();
 * faults.raise("GroundFailure", "RCD tripped");
 * faults.current; // { errorCode: "GroundFailure", info: "RCD tripped" }
 * faults.clear();
 * ```
 */
export class SimFaultSource implements FaultSource {
  #current: Fault | null = null;
  #listeners = new Set<(fault: Fault | null) => void>();

  /** The fault present now, or `null`. */
  get current(): Fault | null {
    return this.#current;
  }

  /** Calls `fn` at every change; returns the unsubscribe function. */
  onChange(fn: (fault: Fault | null) => void): () => void {
    const listener = (fault: Fault | null) => fn(fault);
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** Raises a fault (replacing any present one). */
  raise(errorCode: FaultCode, info?: string): void {
    const fault: Fault = info === undefined ? { errorCode } : { errorCode, info };
    if (
      this.#current?.errorCode === fault.errorCode && this.#current.info === fault.info
    ) return;
    this.#emit(fault);
  }

  /** Clears the present fault, if any. */
  clear(): void {
    if (this.#current !== null) this.#emit(null);
  }

  #emit(fault: Fault | null): void {
    this.#current = fault;
    for (const fn of [...this.#listeners]) fn(fault);
  }
}
