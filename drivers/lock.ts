/**
 * The cable lock of one socket connector. A tethered (fixed cable) connector
 * has none: its driver says `fixedCable: true`, `lock()` resolves `true`
 * without doing anything and the runtime answers UnlockConnector with
 * NotSupported (OCPP 1.6 section 5.18) without calling `unlock()`.
 * {@link SimLock} in `lock_sim.ts` is the simulation. Every implementation
 * should pass `runLockConformance` from `lock_conformance.ts`.
 *
 * @module
 */

/**
 * One connector's cable lock.
 *
 * @example Lock before charging
 * ```ts
 * import { SimLock } from "./lock_sim.ts";
 * const lock: ConnectorLock = new SimLock();
 * if (!(await lock.lock())) throw new Error("Cannot lock connector 1: lock did not engage");
 * ```
 */
export interface ConnectorLock {
  /** `true` for a tethered cable: nothing to lock or unlock. */
  readonly fixedCable: boolean;
  /** Engages the lock; resolves `false` when it did not engage (ConnectorLockFailure). */
  lock(): Promise<boolean>;
  /** Releases the lock (OCPP UnlockConnector). */
  unlock(): Promise<"Unlocked" | "UnlockFailed">;
}
