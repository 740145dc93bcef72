import assert from "node:assert/strict";
import { runLockConformance } from "./lock_conformance.ts";
import { SimLock } from "./lock_sim.ts";

runLockConformance("SimLock socket", () => {
  const driver = new SimLock();
  return {
    driver,
    failNextLock: () => driver.failNextLock(),
    failNextUnlock: () => driver.failNextUnlock(),
  };
}, { fixedCable: false, failures: true });

runLockConformance("SimLock fixed cable", () => ({
  driver: new SimLock({ fixedCable: true }),
}), { fixedCable: true });

Deno.test("SimLock.locked follows lock, unlock and their failures", async () => {
  const lock = new SimLock();
  lock.failNextLock();
  await lock.lock();
  assert.equal(lock.locked, false);
  await lock.lock();
  assert.equal(lock.locked, true);
  lock.failNextUnlock();
  await lock.unlock();
  assert.equal(lock.locked, true);
  await lock.unlock();
  assert.equal(lock.locked, false);
});

Deno.test("SimLock with a fixed cable never engages and cannot unlock", async () => {
  const lock = new SimLock({ fixedCable: true });
  assert.equal(await lock.lock(), true);
  assert.equal(lock.locked, false);
  assert.equal(await lock.unlock(), "UnlockFailed");
});
