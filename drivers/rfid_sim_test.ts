import assert from "node:assert/strict";
import { runRfidConformance } from "./rfid_conformance.ts";
import { SimRfidReader } from "./rfid_sim.ts";

runRfidConformance("SimRfidReader", () => {
  const driver = new SimRfidReader();
  return { driver, present: (idTag) => driver.present(idTag) };
}, { present: true });

Deno.test("SimRfidReader passes a bad tag on as it is, for the bridge to reject", () => {
  const reader = new SimRfidReader();
  const seen: string[] = [];
  reader.onTap((idTag) => seen.push(idTag));
  reader.present("");
  assert.deepEqual(seen, [""]);
});
