/**
 * The conformance suite every {@link Pilot} driver should pass.
 *
 * @example A driver's test file (it registers tests, so it is not run as one)
 * ```ts ignore
 * import { runPilotConformance } from "./pilot_conformance.ts";
 * import { SimPilot } from "./pilot_sim.ts";
 * runPilotConformance("SimPilot", () => {
 *   const driver = new SimPilot();
 *   return { driver, drive: (state) => driver.set(state) };
 * }, { drive: true });
 * ```
 *
 * @module
 */
import assert from "node:assert/strict";
import { type EvState, isEvState, type Pilot } from "./pilot.ts";
import { type Closable, conformanceCase, control } from "./_conformance.ts";

/** A fresh pilot under test, with optional controls. */
export interface PilotHarness extends Closable {
  readonly driver: Pilot;
  /**
   * Brings the vehicle side into `state` (needed with `drive`). The cases
   * only ask for neighbouring states: A-B, B-C, B-E, B-F.
   */
  drive?(state: EvState): void | Promise<void>;
}

/** Which optional cases apply. */
export interface PilotConformanceOptions {
  /** The harness can change the state (`drive`). */
  readonly drive?: boolean;
  /** The driver controls the PWM (`Pilot.offer`). */
  readonly offer?: boolean;
}

/**
 * Registers the pilot conformance cases as `Deno.test`s.
 *
 * @param name Names the implementation in each test name.
 * @param makeDriver Makes a fresh harness for each case.
 * @param options Which optional cases apply.
 */
export function runPilotConformance(
  name: string,
  makeDriver: () => PilotHarness | Promise<PilotHarness>,
  options: PilotConformanceOptions = {},
): void {
  const driving = options.drive ?? false;
  const test = (title: string, run: boolean, fn: (h: PilotHarness) => void | Promise<void>) =>
    conformanceCase(`${name}: Pilot ${title}`, makeDriver, run, fn);

  test("state is one of A, B, C, E, F", true, ({ driver }) => {
    assert.ok(isEvState(driver.state), `got ${JSON.stringify(driver.state)}`);
  });

  test("onChange() returns an unsubscribe that may be called twice", true, ({ driver }) => {
    const off = driver.onChange(() => {});
    assert.equal(typeof off, "function");
    off();
    off();
  });

  test("onChange() reports A, B, C, B, A once each, with state already set", driving, async (h) => {
    const drive = control(h.drive, "drive", "drive");
    await drive("A");
    const seen: [EvState, EvState][] = [];
    h.driver.onChange((state) => seen.push([state, h.driver.state]));
    for (const state of ["B", "C", "B", "A"] as const) await drive(state);
    assert.deepEqual(seen, [["B", "B"], ["C", "C"], ["B", "B"], ["A", "A"]]);
  });

  test("onChange() is silent when the state stays", driving, async (h) => {
    const drive = control(h.drive, "drive", "drive");
    await drive("B");
    const seen: EvState[] = [];
    h.driver.onChange((state) => seen.push(state));
    await drive("B");
    await drive("A");
    await drive("A");
    assert.deepEqual(seen, ["A"]);
  });

  test("onChange() stops after unsubscribe, other listeners go on", driving, async (h) => {
    const drive = control(h.drive, "drive", "drive");
    await drive("A");
    const first: EvState[] = [];
    const second: EvState[] = [];
    const off = h.driver.onChange((state) => first.push(state));
    h.driver.onChange((state) => second.push(state));
    await drive("B");
    off();
    await drive("A");
    assert.deepEqual(first, ["B"]);
    assert.deepEqual(second, ["B", "A"]);
  });

  test(
    "offer() takes 0 to 80 A and changes no state without a vehicle",
    options.offer ?? false,
    async (h) => {
      if (driving) await control(h.drive, "drive", "drive")("A");
      const offer = h.driver.offer;
      assert.equal(typeof offer, "function", "offer() is implemented");
      const seen: EvState[] = [];
      h.driver.onChange((state) => seen.push(state));
      for (const a of [16, 0, 5.9, 6, 32, 80]) await offer!.call(h.driver, a);
      assert.deepEqual(seen, []);
      assert.equal(h.driver.state, driving ? "A" : h.driver.state);
    },
  );

  test("onChange() reports the error states E and F", driving, async (h) => {
    const drive = control(h.drive, "drive", "drive");
    await drive("A");
    await drive("B");
    const seen: EvState[] = [];
    h.driver.onChange((state) => seen.push(state));
    for (const state of ["E", "B", "F", "B"] as const) await drive(state);
    assert.deepEqual(seen, ["E", "B", "F", "B"]);
  });
}
