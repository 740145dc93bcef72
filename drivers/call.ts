/**
 * Calling a driver safely: whatever it does (throw, return a plain value,
 * never answer), the caller gets a promise that settles in bounded time.
 *
 * @module
 */
import type { Clock } from "../actors/clock.ts";

/**
 * Calls `fn` and settles with its result, or rejects with
 * `no answer within <ms> ms` once `ms` have passed on `clock`, or with
 * `call aborted` when `signal` aborts first. A synchronous throw becomes a
 * rejection.
 *
 * @param clock The clock that times the call.
 * @param ms How long the call may take.
 * @param fn The driver call.
 * @param signal Aborts the wait (the timer is cleared).
 * @returns The call's result.
 *
 * @example A meter read that may hang
 * ```ts
 * import { FakeClock } from "../actors/clock.ts";
 * import { SimMeter } from "./meter_sim.ts";
 * const clock = new FakeClock();
 * const meter = new SimMeter(clock);
 * const reading = await callWithin(clock, 10_000, () => meter.read());
 * ```
 */
export function callWithin<T>(
  clock: Clock,
  ms: number,
  fn: () => Promise<T> | T,
  signal?: AbortSignal,
): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    if (signal?.aborted) return reject(new Error("call aborted"));
    const timer = clock.setTimeout(() => done(new Error(`no answer within ${ms} ms`)), ms);
    const abort = () => done(new Error("call aborted"));
    signal?.addEventListener("abort", abort, { once: true });
    function done(err: unknown, value?: T): void {
      clock.clearTimeout(timer);
      signal?.removeEventListener("abort", abort);
      if (err === undefined) resolve(value as T);
      else reject(err);
    }
    new Promise<T>((r) => r(fn())).then(
      (v) => done(undefined, v),
      (e) => done(e ?? new Error("rejected without a reason")),
    );
  });
}
