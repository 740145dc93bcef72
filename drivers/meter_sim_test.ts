import assert from "node:assert/strict";
import { FakeClock } from "../actors/clock.ts";
import { runMeterConformance } from "./meter_conformance.ts";
import { SimMeter } from "./meter_sim.ts";
import { checkPhases, checkReading } from "./meter.ts";

runMeterConformance("SimMeter", () => {
  const clock = new FakeClock();
  const driver = new SimMeter(clock, { startWh: 12_345 });
  return {
    driver,
    draw: (w) => driver.setPower(w),
    wait: (ms) => clock.advance(ms),
    failReads: (failing) => driver.fail(failing ? "no answer (simulated)" : null),
  };
}, { flow: true, failures: true, phases: true });

Deno.test("SimMeter.read() gives whole Wh rounded down while counting fractions", async () => {
  const clock = new FakeClock();
  const meter = new SimMeter(clock);
  meter.setPower(7400);
  const seen: number[] = [];
  for (let i = 0; i < 4; i++) {
    clock.advance(15_000); // 30.8333... Wh each
    seen.push((await meter.read()).wh);
  }
  assert.deepEqual(seen, [30, 61, 92, 123]);
  clock.advance(3_540_000);
  const r = await meter.read();
  assert.deepEqual([r.wh, r.w], [7400, 7400]);
});

Deno.test("SimMeter.setPower() counts the energy so far at the old power", async () => {
  const clock = new FakeClock();
  const meter = new SimMeter(clock, { startWh: 100 });
  meter.setPower(3600);
  clock.advance(1_800_000);
  meter.setPower(0);
  clock.advance(1_800_000);
  const r = await meter.read();
  assert.deepEqual([r.wh, r.w], [1900, 0]);
  assert.deepEqual(r.phases, { currentA: [0, 0, 0], voltageV: [230, 230, 230] });
});

Deno.test("SimMeter counts nothing when the clock steps back", async () => {
  let now = 1_000_000;
  const clock = { now: () => now, setTimeout: () => 0, clearTimeout: () => {} };
  const meter = new SimMeter(clock);
  meter.setPower(3600);
  now += 1000;
  assert.equal((await meter.read()).wh, 1);
  now -= 60_000;
  assert.equal((await meter.read()).wh, 1);
  now += 1000;
  assert.equal((await meter.read()).wh, 2);
});

Deno.test("SimMeter rejects a negative or non-finite power and start register", () => {
  const clock = new FakeClock();
  assert.throws(() => new SimMeter(clock, { startWh: -1 }), {
    name: "RangeError",
    message: "Cannot create simulated meter: startWh must be >= 0, got -1",
  });
  const meter = new SimMeter(clock);
  assert.throws(() => meter.setPower(NaN), {
    name: "RangeError",
    message: "Cannot set simulated power: expected W >= 0, got NaN",
  });
  assert.equal(meter.power, 0);
});

Deno.test("SimMeter spreads the power on the phases in use: 1, 2 or 3 at 230 V", async () => {
  const meter = new SimMeter(new FakeClock());
  meter.setPower(4600, 1);
  assert.deepEqual((await meter.read()).phases, {
    currentA: [20, 0, 0],
    voltageV: [230, 230, 230],
  });
  meter.setPower(4600, 2);
  assert.deepEqual((await meter.read()).phases!.currentA, [10, 10, 0]);
  meter.setPower(6900);
  assert.deepEqual((await meter.read()).phases!.currentA, [10, 10, 10]);
  assert.throws(() => meter.setPower(1000, 4), {
    name: "RangeError",
    message: "Cannot set simulated power: phases must be 1, 2 or 3, got 4",
  });
});

Deno.test("checkReading() refuses missing or out-of-range phase values with the phase named", () => {
  const ok = { currentA: [10, 10, 10], voltageV: [230, 231, 229] };
  assert.equal(checkReading({ wh: 1, w: 0, phases: ok }), null);
  assert.equal(checkReading({ wh: 1, w: 0 }), null, "phases are optional");
  const bad = (phases: unknown) => checkReading({ wh: 1, w: 0, phases });
  assert.equal(bad(null), "expected phases { currentA, voltageV }, got null");
  assert.equal(bad({ ...ok, currentA: [1, 2] }), "current per phase [1,2] is not 3 values");
  assert.equal(bad({ ...ok, voltageV: "230" }), 'voltage per phase "230" is not 3 values');
  assert.equal(bad({ ...ok, currentA: [1, NaN, 1] }), "current L2 is missing (NaN)");
  assert.equal(bad({ ...ok, voltageV: [230, 230, null] }), "voltage L3 is missing (null)");
  assert.equal(bad({ ...ok, currentA: [-1, 0, 0] }), "current L1 -1 A is out of range (0-100 A)");
  assert.equal(
    checkPhases({ ...ok, voltageV: [230, 420, 230] }),
    "voltage L2 420 V is out of range (0-300 V)",
  );
});
