import assert from "node:assert/strict";
import { runPilotConformance } from "./pilot_conformance.ts";
import { SimPilot } from "./pilot_sim.ts";
import { dutyCycle } from "./pilot.ts";

runPilotConformance("SimPilot", () => {
  const driver = new SimPilot();
  return { driver, drive: (state) => driver.set(state) };
}, { drive: true, offer: true });

Deno.test("SimPilot lets a listener unsubscribe while being called", () => {
  const pilot = new SimPilot("B");
  const seen: string[] = [];
  const off = pilot.onChange((s) => {
    seen.push(`first ${s}`);
    off();
  });
  pilot.onChange((s) => seen.push(`second ${s}`));
  pilot.set("C");
  pilot.set("B");
  assert.deepEqual(seen, ["first C", "second C", "second B"]);
});

Deno.test("dutyCycle() follows IEC 61851-1: A / 0.6 to 51 A, A / 2.5 + 64 above, no PWM below 6 A", () => {
  assert.equal(dutyCycle(6), 10);
  assert.equal(Math.round(dutyCycle(16) * 100) / 100, 26.67);
  assert.equal(dutyCycle(51), 85);
  assert.equal(dutyCycle(80), 96);
  assert.equal(dutyCycle(100), 96);
  for (const a of [0, 5.9, -1, NaN]) assert.equal(dutyCycle(a), 100);
});

Deno.test("SimPilot.offer() keeps the current and tells the EV once per change; bad input throws", () => {
  const pilot = new SimPilot();
  let told = 0;
  pilot.onOffer(() => told++);
  assert.equal(pilot.offered, Infinity);
  pilot.offer(16);
  pilot.offer(16);
  pilot.offer(0);
  assert.deepEqual([pilot.offered, told], [0, 2]);
  assert.throws(() => pilot.offer(-1), RangeError);
  assert.throws(() => pilot.offer(NaN), RangeError);
  assert.equal(pilot.offered, 0);
});
