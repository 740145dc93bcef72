import assert from "node:assert/strict";
import { FakeClock } from "../actors/clock.ts";
import { callWithin } from "./call.ts";

Deno.test("callWithin() resolves with the driver's value and clears its timer", async () => {
  const clock = new FakeClock();
  assert.equal(await callWithin(clock, 1000, () => Promise.resolve(42)), 42);
  assert.equal(await callWithin(clock, 1000, () => 7), 7);
  assert.equal(clock.pending, 0);
});

Deno.test("callWithin() turns a synchronous throw into a rejection", async () => {
  const clock = new FakeClock();
  await assert.rejects(
    callWithin(clock, 1000, () => {
      throw new Error("bus fault");
    }),
    { message: "bus fault" },
  );
  assert.equal(clock.pending, 0);
});

Deno.test("callWithin() rejects a call that never answers once the time is up", async () => {
  const clock = new FakeClock();
  const call = callWithin(clock, 1000, () => new Promise<never>(() => {}));
  clock.advance(999);
  let settled = false;
  call.catch(() => settled = true);
  await Promise.resolve();
  assert.equal(settled, false);
  clock.advance(1);
  await assert.rejects(call, { message: "no answer within 1000 ms" });
});

Deno.test("callWithin() rejects when aborted, and at once when aborted already", async () => {
  const clock = new FakeClock();
  const ctl = new AbortController();
  const call = callWithin(clock, 1000, () => new Promise<never>(() => {}), ctl.signal);
  ctl.abort();
  await assert.rejects(call, { message: "call aborted" });
  assert.equal(clock.pending, 0);
  await assert.rejects(callWithin(clock, 1000, () => 1, ctl.signal), { message: "call aborted" });
});
