/**
 * The conformance suite every {@link Relay} driver should pass.
 *
 * @example A driver's test file (it registers tests, so it is not run as one)
 * ```ts ignore
 * import { runRelayConformance } from "./relay_conformance.ts";
 * import { SimRelay } from "./relay_sim.ts";
 * runRelayConformance("SimRelay", () => {
 *   const driver = new SimRelay();
 *   return { driver, failNextSet: () => driver.failNext() };
 * }, { failures: true });
 * ```
 *
 * @module
 */
import assert from "node:assert/strict";
import type { Relay } from "./relay.ts";
import { type Closable, conformanceCase, control } from "./_conformance.ts";

/** A fresh relay under test, with optional controls. */
export interface RelayHarness extends Closable {
  readonly driver: Relay;
  /** Makes the next `set` fail (needed with `failures`). */
  failNextSet?(): void | Promise<void>;
}

/** Which optional cases apply. */
export interface RelayConformanceOptions {
  /** The harness can make a switch fail (`failNextSet`). */
  readonly failures?: boolean;
}

/**
 * Registers the relay conformance cases as `Deno.test`s.
 *
 * @param name Names the implementation in each test name.
 * @param makeDriver Makes a fresh harness for each case.
 * @param options Which optional cases apply.
 */
export function runRelayConformance(
  name: string,
  makeDriver: () => RelayHarness | Promise<RelayHarness>,
  options: RelayConformanceOptions = {},
): void {
  const failures = options.failures ?? false;
  const test = (title: string, run: boolean, fn: (h: RelayHarness) => void | Promise<void>) =>
    conformanceCase(`${name}: Relay ${title}`, makeDriver, run, fn);

  test("starts open", true, ({ driver }) => {
    assert.equal(driver.closed, false);
  });

  test("set() closes and opens", true, async ({ driver }) => {
    await driver.set(true);
    assert.equal(driver.closed, true);
    await driver.set(false);
    assert.equal(driver.closed, false);
  });

  test("set() with the state it has keeps it", true, async ({ driver }) => {
    await driver.set(true);
    await driver.set(true);
    assert.equal(driver.closed, true);
    await driver.set(false);
    await driver.set(false);
    assert.equal(driver.closed, false);
  });

  test("set() called again before the last settled ends in the last state", true, async (h) => {
    await Promise.all([h.driver.set(true), h.driver.set(false)]);
    assert.equal(h.driver.closed, false);
    await Promise.all([h.driver.set(false), h.driver.set(true)]);
    assert.equal(h.driver.closed, true);
    await h.driver.set(false);
  });

  test("set() that fails rejects with an Error and keeps the state", failures, async (h) => {
    const failNext = control(h.failNextSet, "failNextSet", "failures");
    await h.driver.set(true);
    await failNext();
    await assert.rejects(h.driver.set(false), Error);
    assert.equal(h.driver.closed, true);
    await h.driver.set(false);
  });

  test("switches again after a failed set()", failures, async (h) => {
    const failNext = control(h.failNextSet, "failNextSet", "failures");
    await failNext();
    await assert.rejects(h.driver.set(true), Error);
    assert.equal(h.driver.closed, false);
    await h.driver.set(true);
    assert.equal(h.driver.closed, true);
    await h.driver.set(false);
  });
}
