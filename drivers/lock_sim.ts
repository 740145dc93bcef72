/**
 * A simulated cable lock: engages and releases at once, can be told to fail
 * its next lock or unlock.
 *
 * @module
 */
import type { ConnectorLock } from "./lock.ts";

/** Options for {@link SimLock}. */
export interface SimLockOptions {
  /** A tethered cable: nothing to lock (default false). */
  readonly fixedCable?: boolean;
}

/**
 * A simulated lock.
 *
 * @example A lock that fails once
 * ```ts
 * const lock = new SimLock();
 * lock.failNextLock();
 * await lock.lock(); // false
 * await lock.lock(); // true
 * ```
 */
export class SimLock implements ConnectorLock {
  readonly fixedCable: boolean;
  #locked = false;
  #failLock = false;
  #failUnlock = false;

  constructor(options: SimLockOptions = {}) {
    this.fixedCable = options.fixedCable ?? false;
  }

  /** Whether the lock is engaged now (always false for a fixed cable). */
  get locked(): boolean {
    return this.#locked;
  }

  /** Engages the lock; `false` once after {@link SimLock.failNextLock}. */
  lock(): Promise<boolean> {
    if (this.fixedCable) return Promise.resolve(true);
    if (this.#failLock) {
      this.#failLock = false;
      return Promise.resolve(false);
    }
    this.#locked = true;
    return Promise.resolve(true);
  }

  /** Releases the lock; `UnlockFailed` once after {@link SimLock.failNextUnlock}, and for a fixed cable. */
  unlock(): Promise<"Unlocked" | "UnlockFailed"> {
    if (this.fixedCable) return Promise.resolve("UnlockFailed");
    if (this.#failUnlock) {
      this.#failUnlock = false;
      return Promise.resolve("UnlockFailed");
    }
    this.#locked = false;
    return Promise.resolve("Unlocked");
  }

  /** Makes the next `lock` resolve `false` without engaging. */
  failNextLock(): void {
    this.#failLock = true;
  }

  /** Makes the next `unlock` resolve `UnlockFailed` without releasing. */
  failNextUnlock(): void {
    this.#failUnlock = true;
  }
}
