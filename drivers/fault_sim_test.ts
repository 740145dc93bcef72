import assert from "node:assert/strict";
import type { Fault } from "./fault.ts";
import { runFaultConformance } from "./fault_conformance.ts";
import { SimFaultSource } from "./fault_sim.ts";

runFaultConformance("SimFaultSource", () => {
  const driver = new SimFaultSource();
  return { driver, raise: (code, info) => driver.raise(code, info), clear: () => driver.clear() };
}, { inject: true });

Deno.test("SimFaultSource reports a replaced fault, not the same one twice", () => {
  const faults = new SimFaultSource();
  const seen: (Fault | null)[] = [];
  faults.onChange((f) => seen.push(f));
  faults.raise("GroundFailure", "RCD tripped");
  faults.raise("GroundFailure", "RCD tripped");
  faults.raise("HighTemperature");
  faults.clear();
  faults.clear();
  assert.deepEqual(seen, [
    { errorCode: "GroundFailure", info: "RCD tripped" },
    { errorCode: "HighTemperature" },
    null,
  ]);
});
