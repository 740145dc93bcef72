import assert from "node:assert/strict";
import { runPilotConformance } from "./pilot_conformance.ts";
import { SimPilot } from "./pilot_sim.ts";

runPilotConformance("SimPilot", () => {
  const driver = new SimPilot();
  return { driver, drive: (state) => driver.set(state) };
}, { drive: true });

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
