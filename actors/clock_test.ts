import assert from "node:assert/strict";
import { FakeClock, MAX_TIMER_MS, systemClock } from "./clock.ts";

Deno.test("FakeClock.now() starts at the given time and stays until advanced", () => {
  const clock = new FakeClock(1_000);
  assert.equal(clock.now(), 1_000);
  assert.equal(clock.now(), 1_000);
  clock.advance(250);
  assert.equal(clock.now(), 1_250);
});

Deno.test("FakeClock.advance() fires timers in due order, not creation order", () => {
  const clock = new FakeClock(0);
  const fired: [string, number][] = [];
  clock.setTimeout(() => fired.push(["c", clock.now()]), 300);
  clock.setTimeout(() => fired.push(["a", clock.now()]), 100);
  clock.setTimeout(() => fired.push(["b", clock.now()]), 200);
  clock.advance(1_000);
  assert.deepEqual(fired, [["a", 100], ["b", 200], ["c", 300]]);
  assert.equal(clock.now(), 1_000);
  assert.equal(clock.pending, 0);
});

Deno.test("FakeClock.advance() fires timers due at the same time in creation order", () => {
  const clock = new FakeClock(0);
  const fired: string[] = [];
  clock.setTimeout(() => fired.push("first"), 50);
  clock.setTimeout(() => fired.push("second"), 50);
  clock.advance(50);
  assert.deepEqual(fired, ["first", "second"]);
});

Deno.test("FakeClock.advance() leaves timers due later waiting", () => {
  const clock = new FakeClock(0);
  const fired: number[] = [];
  clock.setTimeout(() => fired.push(1), 100);
  clock.setTimeout(() => fired.push(2), 500);
  clock.advance(499);
  assert.deepEqual(fired, [1]);
  assert.equal(clock.pending, 1);
  clock.advance(1);
  assert.deepEqual(fired, [1, 2]);
  assert.equal(clock.pending, 0);
});

Deno.test("FakeClock.advance() fires a timer started by a timer when it falls due in the same advance", () => {
  const clock = new FakeClock(0);
  const fired: number[] = [];
  clock.setTimeout(() => {
    fired.push(clock.now());
    clock.setTimeout(() => fired.push(clock.now()), 100);
  }, 100);
  clock.advance(250);
  assert.deepEqual(fired, [100, 200]);
  assert.equal(clock.now(), 250);
});

Deno.test("FakeClock.clearTimeout() stops a timer from firing", () => {
  const clock = new FakeClock(0);
  const fired: string[] = [];
  const a = clock.setTimeout(() => fired.push("a"), 100);
  clock.setTimeout(() => fired.push("b"), 100);
  clock.clearTimeout(a);
  assert.equal(clock.pending, 1);
  clock.advance(100);
  assert.deepEqual(fired, ["b"]);
});

Deno.test("FakeClock.clearTimeout() from inside a firing timer cancels a later one", () => {
  const clock = new FakeClock(0);
  const fired: string[] = [];
  const handles: unknown[] = [];
  clock.setTimeout(() => {
    fired.push("a");
    clock.clearTimeout(handles[0]);
  }, 100);
  handles.push(clock.setTimeout(() => fired.push("b"), 200));
  clock.advance(1_000);
  assert.deepEqual(fired, ["a"]);
});

Deno.test("FakeClock.setTimeout() treats a negative delay as zero", () => {
  const clock = new FakeClock(500);
  const fired: number[] = [];
  clock.setTimeout(() => fired.push(clock.now()), -100);
  clock.advance(0);
  assert.deepEqual(fired, [500]);
});

Deno.test("systemClock.setTimeout() runs an over-long delay as a chain instead of firing at once", async () => {
  let fired = false;
  const h = systemClock.setTimeout(() => fired = true, MAX_TIMER_MS * 3);
  // The platform fires a delay above MAX_TIMER_MS after 1 ms, and timers fire in order of
  // their due time: a clamped timer would fire before this 50 ms one, whatever the load.
  await new Promise((r) => setTimeout(r, 50));
  assert.equal(fired, false);
  systemClock.clearTimeout(h);
  let short = false;
  await new Promise<void>((r) => systemClock.setTimeout(() => (short = true, r()), 1));
  assert.equal(short, true);
});

Deno.test("systemClock.clearTimeout() ignores a handle that is not one, as the platform does", async () => {
  const fired: string[] = [];
  const done = Promise.withResolvers<void>();
  // A platform timer: its number must not be mistaken for a systemClock handle.
  const platform = setTimeout(() => fired.push("platform"), 0);
  systemClock.setTimeout(() => (fired.push("clock"), done.resolve()), 1);
  for (const bogus of [undefined, null, 42, "x", platform, {}]) {
    assert.doesNotThrow(() => systemClock.clearTimeout(bogus));
  }
  await done.promise;
  assert.deepEqual(fired, ["platform", "clock"]);
});
