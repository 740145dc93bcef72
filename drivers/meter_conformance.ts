/**
 * The conformance suite every {@link EnergyMeter} driver should pass: the
 * register never decreases, register and power are finite and `>= 0`,
 * (with a load the harness controls) energy is counted as power times time,
 * and (meters that measure per phase) current and voltage of L1-L3 are in
 * range and add up to the power.
 *
 * @example A driver's test file (it registers tests, so it is not run as one)
 * ```ts ignore
 * import { FakeClock } from "../actors/clock.ts";
 * import { runMeterConformance } from "./meter_conformance.ts";
 * import { SimMeter } from "./meter_sim.ts";
 * runMeterConformance("SimMeter", () => {
 *   const clock = new FakeClock();
 *   const driver = new SimMeter(clock);
 *   return { driver, draw: (w) => driver.setPower(w), wait: (ms) => clock.advance(ms) };
 * }, { flow: true });
 * ```
 *
 * @module
 */
import assert from "node:assert/strict";
import { checkPhases, checkReading, type EnergyMeter, type MeterReading } from "./meter.ts";
import { type Closable, conformanceCase, control } from "./_conformance.ts";

/** A fresh meter under test, with optional controls. */
export interface MeterHarness extends Closable {
  readonly driver: EnergyMeter;
  /** Puts a load of `w` watts on the meter (needed with `flow`). */
  draw?(w: number): void | Promise<void>;
  /** Lets `ms` milliseconds pass (needed with `flow`). */
  wait?(ms: number): void | Promise<void>;
  /** Makes reads fail (`true`) or work again (`false`) (needed with `failures`). */
  failReads?(failing: boolean): void | Promise<void>;
}

/** Which optional cases apply. */
export interface MeterConformanceOptions {
  /** The harness controls load and time (`draw`, `wait`). */
  readonly flow?: boolean;
  /** The harness can make reads fail (`failReads`). */
  readonly failures?: boolean;
  /** The meter measures current and voltage per phase (`phases` on every reading). */
  readonly phases?: boolean;
}

/** Load and duration of the flow cases: 7.4 kW for one minute is 123.3 Wh. */
const LOAD_W = 7400;
const MINUTE_MS = 60_000;

/**
 * Registers the meter conformance cases as `Deno.test`s.
 *
 * @param name Names the implementation in each test name.
 * @param makeDriver Makes a fresh harness for each case.
 * @param options Which optional cases apply.
 */
export function runMeterConformance(
  name: string,
  makeDriver: () => MeterHarness | Promise<MeterHarness>,
  options: MeterConformanceOptions = {},
): void {
  const flow = options.flow ?? false;
  const failures = options.failures ?? false;
  const phases = options.phases ?? false;
  const test = (title: string, run: boolean, fn: (h: MeterHarness) => Promise<void>) =>
    conformanceCase(`${name}: EnergyMeter ${title}`, makeDriver, run, fn);

  test("read() gives a finite register and power >= 0", true, async ({ driver }) => {
    const reading = await driver.read();
    assert.equal(checkReading(reading), null);
  });

  test("read() repeated never gives a lower register", true, async ({ driver }) => {
    let last = await good(driver);
    for (let i = 0; i < 10; i++) {
      const next = await good(driver, last.wh);
      last = next;
    }
  });

  test("register holds still without load", flow, async (h) => {
    await control(h.draw, "draw", "flow")(0);
    const before = await good(h.driver);
    await control(h.wait, "wait", "flow")(MINUTE_MS);
    const after = await good(h.driver, before.wh);
    assert.deepEqual([after.wh, after.w], [before.wh, 0]);
  });

  test("register grows by power times time under load", flow, async (h) => {
    await control(h.draw, "draw", "flow")(LOAD_W);
    const before = await good(h.driver);
    await control(h.wait, "wait", "flow")(MINUTE_MS);
    const after = await good(h.driver, before.wh);
    const expected = LOAD_W * MINUTE_MS / 3_600_000;
    const grown = after.wh - before.wh;
    assert.ok(
      Math.abs(grown - expected) <= Math.max(2, expected * 0.05),
      `expected about ${expected.toFixed(1)} Wh in one minute at ${LOAD_W} W, got ${grown} Wh`,
    );
    assert.ok(
      Math.abs(after.w - LOAD_W) <= LOAD_W * 0.05,
      `expected about ${LOAD_W} W, got ${after.w} W`,
    );
  });

  test("read() gives current and voltage per phase, in range", phases, async ({ driver }) => {
    const { phases: p } = await good(driver);
    assert.ok(p, "expected phases { currentA, voltageV } on the reading");
    assert.equal(checkPhases(p), null);
  });

  test(
    "per-phase current times voltage adds up to the power under load",
    phases && flow,
    async (h) => {
      await control(h.draw, "draw", "flow")(LOAD_W);
      await control(h.wait, "wait", "flow")(1000);
      const r = await good(h.driver);
      const p = r.phases!;
      assert.ok(p, "expected phases on the reading");
      const sum = p.currentA.reduce((s, a, i) => s + a * p.voltageV[i]!, 0);
      assert.ok(
        Math.abs(sum - LOAD_W) <= LOAD_W * 0.05,
        `current x voltage over L1-L3 is ${sum.toFixed(0)} W, expected about ${LOAD_W} W`,
      );
      for (const v of p.voltageV) assert.ok(v > 180 && v < 270, `voltage ${v} V under load`);
      await control(h.draw, "draw", "flow")(0);
      await control(h.wait, "wait", "flow")(1000);
      const idle = (await good(h.driver)).phases!;
      assert.ok(idle.currentA.every((a) => a < 0.5), `no load, currents ${idle.currentA}`);
    },
  );

  test(
    "read() that fails rejects with an Error, and the register survives",
    failures,
    async (h) => {
      const failReads = control(h.failReads, "failReads", "failures");
      const before = await good(h.driver);
      await failReads(true);
      await assert.rejects(h.driver.read(), Error);
      await failReads(false);
      await good(h.driver, before.wh);
    },
  );
}

/** Reads and checks one reading, not below `previousWh`. */
async function good(driver: EnergyMeter, previousWh?: number): Promise<MeterReading> {
  const reading = await driver.read();
  assert.equal(checkReading(reading, previousWh), null, `bad reading ${JSON.stringify(reading)}`);
  return reading;
}
