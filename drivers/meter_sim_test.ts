import assert from "node:assert/strict";
import { FakeClock } from "../actors/clock.ts";
import { runMeterConformance } from "./meter_conformance.ts";
import { SimMeter } from "./meter_sim.ts";

runMeterConformance("SimMeter", () => {
  const clock = new FakeClock();
  const driver = new SimMeter(clock, { startWh: 12_345 });
  return {
    driver,
    draw: (w) => driver.setPower(w),
    wait: (ms) => clock.advance(ms),
    failReads: (failing) => driver.fail(failing ? "no answer (simulated)" : null),
  };
}, { flow: true, failures: true });

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
  assert.deepEqual(await meter.read(), { wh: 7400, w: 7400 });
});

Deno.test("SimMeter.setPower() counts the energy so far at the old power", async () => {
  const clock = new FakeClock();
  const meter = new SimMeter(clock, { startWh: 100 });
  meter.setPower(3600);
  clock.advance(1_800_000);
  meter.setPower(0);
  clock.advance(1_800_000);
  assert.deepEqual(await meter.read(), { wh: 1900, w: 0 });
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
