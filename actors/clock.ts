/**
 * Time, injected. Every timer in the runtime goes through a {@link Clock}, so
 * tests drive heartbeats, backoff and meter intervals with {@link FakeClock}.
 *
 * @module
 */

/** A handle returned by {@link Clock.setTimeout}. */
export type TimerHandle = unknown;

/** The source of time and timers for the whole runtime. */
export interface Clock {
  /** Milliseconds since the Unix epoch. */
  now(): number;
  setTimeout(fn: () => void, ms: number): TimerHandle;
  clearTimeout(handle: TimerHandle): void;
}

/** The longest delay the platform's setTimeout takes; longer ones would fire at once. */
export const MAX_TIMER_MS = 2 ** 31 - 1;

/** The real clock. Delays beyond {@link MAX_TIMER_MS} (24.8 days) run as a chain of timers. */
export const systemClock: Clock = {
  now: () => Date.now(),
  setTimeout(fn, ms) {
    const handle: { id?: ReturnType<typeof setTimeout> } = {};
    const arm = (left: number) => {
      handle.id = setTimeout(
        () => (left > MAX_TIMER_MS ? arm(left - MAX_TIMER_MS) : fn()),
        Math.min(left, MAX_TIMER_MS),
      );
    };
    arm(ms);
    return handle;
  },
  clearTimeout(h) {
    // Like the platform's clearTimeout, anything that is not a live handle is ignored.
    if (typeof h === "object" && h !== null) {
      clearTimeout((h as { id?: ReturnType<typeof setTimeout> }).id);
    }
  },
};

/**
 * A clock that only moves when told to.
 *
 * @example Fire a timer
 * ```ts
 * const clock = new FakeClock(0);
 * let fired = false;
 * clock.setTimeout(() => fired = true, 1000);
 * clock.advance(1000);
 * ```
 */
export class FakeClock implements Clock {
  #now: number;
  #next = 1;
  #timers = new Map<number, { at: number; fn: () => void }>();

  constructor(start = Date.UTC(2026, 0, 1)) {
    this.#now = start;
  }

  now(): number {
    return this.#now;
  }

  setTimeout(fn: () => void, ms: number): TimerHandle {
    const id: number = this.#next++;
    this.#timers.set(id, { at: this.#now + Math.max(0, ms), fn });
    return id;
  }

  clearTimeout(handle: TimerHandle): void {
    this.#timers.delete(handle as number);
  }

  /** How many timers are waiting. */
  get pending(): number {
    return this.#timers.size;
  }

  /** Moves time forward, firing due timers in order of their due time. */
  advance(ms: number): void {
    const end = this.#now + ms;
    for (;;) {
      let due: [number, { at: number; fn: () => void }] | undefined;
      for (const entry of this.#timers) {
        if (entry[1].at <= end && (!due || entry[1].at < due[1].at)) due = entry;
      }
      if (!due) break;
      this.#timers.delete(due[0]);
      this.#now = due[1].at;
      due[1].fn();
    }
    this.#now = end;
  }
}
