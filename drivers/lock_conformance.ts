/**
 * The conformance suite every {@link ConnectorLock} driver should pass.
 *
 * @example A driver's test file (it registers tests, so it is not run as one)
 * ```ts ignore
 * import { runLockConformance } from "./lock_conformance.ts";
 * import { SimLock } from "./lock_sim.ts";
 * runLockConformance("SimLock", () => {
 *   const driver = new SimLock();
 *   return {
 *     driver,
 *     failNextLock: () => driver.failNextLock(),
 *     failNextUnlock: () => driver.failNextUnlock(),
 *   };
 * }, { fixedCable: false, failures: true });
 * ```
 *
 * @module
 */
import assert from "node:assert/strict";
import type { ConnectorLock } from "./lock.ts";
import { type Closable, conformanceCase, control } from "./_conformance.ts";

/** A fresh lock under test, with optional controls. */
export interface LockHarness extends Closable {
  readonly driver: ConnectorLock;
  /** Makes the next `lock` fail (needed with `failures`). */
  failNextLock?(): void;
  /** Makes the next `unlock` fail (needed with `failures`). */
  failNextUnlock?(): void;
}

/** What the driver is, and which optional cases apply. */
export interface LockConformanceOptions {
  /** Whether the driver is for a tethered cable (it must say so in `fixedCable`). */
  readonly fixedCable: boolean;
  /** The harness can make lock and unlock fail (`failNextLock`, `failNextUnlock`; a socket only). */
  readonly failures?: boolean;
}

/**
 * Registers the lock conformance cases as `Deno.test`s.
 *
 * @param name Names the implementation in each test name.
 * @param makeDriver Makes a fresh harness for each case.
 * @param options What the driver is, and which optional cases apply.
 */
export function runLockConformance(
  name: string,
  makeDriver: () => LockHarness | Promise<LockHarness>,
  options: LockConformanceOptions,
): void {
  const failures = options.failures ?? false;
  const test = (title: string, run: boolean, fn: (h: LockHarness) => Promise<void> | void) =>
    conformanceCase(`${name}: ConnectorLock ${title}`, makeDriver, run, fn);

  test(`says fixedCable: ${options.fixedCable}`, true, ({ driver }) => {
    assert.equal(driver.fixedCable, options.fixedCable);
  });

  test("lock() resolves true, also when locked already", true, async ({ driver }) => {
    assert.equal(await driver.lock(), true);
    assert.equal(await driver.lock(), true);
  });

  // A fixed cable has nothing to unlock: the runtime never calls unlock() there.
  if (options.fixedCable) return;

  test("unlock() after lock() resolves Unlocked", true, async ({ driver }) => {
    assert.equal(await driver.lock(), true);
    assert.equal(await driver.unlock(), "Unlocked");
  });

  test("unlock() when unlocked resolves Unlocked", true, async ({ driver }) => {
    assert.equal(await driver.unlock(), "Unlocked");
    assert.equal(await driver.unlock(), "Unlocked");
  });

  test("lock() that fails resolves false, the next one true", failures, async (h) => {
    control(h.failNextLock, "failNextLock", "failures")();
    assert.equal(await h.driver.lock(), false);
    assert.equal(await h.driver.lock(), true);
    assert.equal(await h.driver.unlock(), "Unlocked");
  });

  test("unlock() that fails resolves UnlockFailed, the next one Unlocked", failures, async (h) => {
    assert.equal(await h.driver.lock(), true);
    control(h.failNextUnlock, "failNextUnlock", "failures")();
    assert.equal(await h.driver.unlock(), "UnlockFailed");
    assert.equal(await h.driver.unlock(), "Unlocked");
  });
}
