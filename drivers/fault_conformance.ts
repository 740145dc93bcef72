/**
 * The conformance suite every {@link FaultSource} driver should pass.
 *
 * @example A driver's test file (it registers tests, so it is not run as one)
 * ```ts ignore
 * import { runFaultConformance } from "./fault_conformance.ts";
 * import { SimFaultSource } from "./fault_sim.ts";
 * runFaultConformance("SimFaultSource", () => {
 *   const driver = new SimFaultSource();
 *   return {
 *     driver,
 *     raise: (code, info) => driver.raise(code, info),
 *     clear: () => driver.clear(),
 *   };
 * }, { inject: true });
 * ```
 *
 * @module
 */
import assert from "node:assert/strict";
import { checkFault, type Fault, type FaultCode, type FaultSource } from "./fault.ts";
import { type Closable, conformanceCase, control } from "./_conformance.ts";

/** A fresh fault source under test, with optional controls. */
export interface FaultHarness extends Closable {
  readonly driver: FaultSource;
  /** Brings about a fault of that code (needed with `inject`). */
  raise?(errorCode: FaultCode, info?: string): void | Promise<void>;
  /** Removes its cause (needed with `inject`). */
  clear?(): void | Promise<void>;
}

/** Which optional cases apply. */
export interface FaultConformanceOptions {
  /** The harness can raise and clear faults (`raise`, `clear`). */
  readonly inject?: boolean;
  /**
   * Two codes the harness can raise (default GroundFailure and
   * OverCurrentFailure), for hardware that detects only some faults.
   */
  readonly codes?: readonly [FaultCode, FaultCode];
}

/**
 * Registers the fault source conformance cases as `Deno.test`s.
 *
 * @param name Names the implementation in each test name.
 * @param makeDriver Makes a fresh harness for each case.
 * @param options Which optional cases apply.
 */
export function runFaultConformance(
  name: string,
  makeDriver: () => FaultHarness | Promise<FaultHarness>,
  options: FaultConformanceOptions = {},
): void {
  const inject = options.inject ?? false;
  const [first, second] = options.codes ?? ["GroundFailure", "OverCurrentFailure"];
  const test = (title: string, run: boolean, fn: (h: FaultHarness) => Promise<void> | void) =>
    conformanceCase(`${name}: FaultSource ${title}`, makeDriver, run, fn);

  test("current is null or a valid fault", true, ({ driver }) => {
    const fault = driver.current;
    if (fault !== null) assert.equal(checkFault(fault), null);
  });

  test("onChange() returns an unsubscribe that may be called twice", true, ({ driver }) => {
    const off = driver.onChange(() => {});
    assert.equal(typeof off, "function");
    off();
    off();
  });

  test(
    "onChange() reports a fault and its clearing, with current already set",
    inject,
    async (h) => {
      const raise = control(h.raise, "raise", "inject");
      const clear = control(h.clear, "clear", "inject");
      await clear();
      const seen: [Fault | null, Fault | null][] = [];
      h.driver.onChange((fault) => seen.push([fault, h.driver.current]));
      await raise(first);
      await clear();
      assert.equal(seen.length, 2, `expected 2 changes, got ${JSON.stringify(seen)}`);
      const [[raised, during], [cleared, after]] = seen as [typeof seen[0], typeof seen[0]];
      assert.equal(raised?.errorCode, first);
      assert.equal(checkFault(raised), null);
      assert.deepEqual(during, raised);
      assert.deepEqual([cleared, after], [null, null]);
    },
  );

  test("onChange() stops after unsubscribe", inject, async (h) => {
    const raise = control(h.raise, "raise", "inject");
    const clear = control(h.clear, "clear", "inject");
    await clear();
    const seen: (FaultCode | null)[] = [];
    const off = h.driver.onChange((fault) => seen.push(fault?.errorCode ?? null));
    await raise(second);
    off();
    await clear();
    assert.deepEqual(seen, [second]);
    assert.equal(h.driver.current, null);
  });
}
