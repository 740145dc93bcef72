import assert from "node:assert/strict";
import { runRelayConformance } from "./relay_conformance.ts";
import { SimRelay } from "./relay_sim.ts";

runRelayConformance("SimRelay", () => {
  const driver = new SimRelay();
  return { driver, failNextSet: () => driver.failNext() };
}, { failures: true });

Deno.test("SimRelay calls onSwitch after each successful set, not after a failed one", async () => {
  const switched: boolean[] = [];
  const relay = new SimRelay((closed) => switched.push(closed));
  await relay.set(true);
  relay.failNext("contactor welded");
  await assert.rejects(relay.set(false), { message: "contactor welded" });
  await relay.set(false);
  assert.deepEqual(switched, [true, false]);
});
