/**
 * A simulated energy meter: integrates the power it is told over the time of
 * the injected clock, so a FakeClock drives it deterministically.
 *
 * @module
 */
import type { Clock } from "../actors/clock.ts";
import type { EnergyMeter, MeterReading, Phases } from "./meter.ts";

/** The voltage of every simulated phase, V. */
export const SIM_PHASE_V = 230;

/** Options for {@link SimMeter}. */
export interface SimMeterOptions {
  /** The register at start, Wh (default 0). */
  readonly startWh?: number;
}

/**
 * A simulated meter. The register is kept exactly (fractional Wh) and read as
 * whole Wh, rounded down, so it never decreases.
 *
 * @example One hour at 7.4 kW
 * ```ts
 * import { FakeClock } from "../actors/clock.ts";
 * const clock = new FakeClock();
 * const meter = new SimMeter(clock);
 * meter.setPower(7400);
 * clock.advance(3_600_000);
 * await meter.read(); // { wh: 7400, w: 7400, phases: { currentA: [10.7.., ...], voltageV: [230, 230, 230] } }
 * ```
 */
export class SimMeter implements EnergyMeter {
  #clock: Clock;
  #wh: number;
  #w = 0;
  #phases = 3;
  #since: number;
  #failure: string | null = null;

  constructor(clock: Clock, options: SimMeterOptions = {}) {
    const startWh = options.startWh ?? 0;
    if (!Number.isFinite(startWh) || startWh < 0) {
      throw new RangeError(`Cannot create simulated meter: startWh must be >= 0, got ${startWh}`);
    }
    this.#clock = clock;
    this.#wh = startWh;
    this.#since = clock.now();
  }

  /** The power drawn from now on, W. */
  get power(): number {
    return this.#w;
  }

  /**
   * Sets the power drawn from now on, W (energy up to now is counted at the
   * old power), spread evenly on the first `phases` phases (default 3).
   */
  setPower(w: number, phases = 3): void {
    if (!Number.isFinite(w) || w < 0) {
      throw new RangeError(`Cannot set simulated power: expected W >= 0, got ${w}`);
    }
    if (phases !== 1 && phases !== 2 && phases !== 3) {
      throw new RangeError(`Cannot set simulated power: phases must be 1, 2 or 3, got ${phases}`);
    }
    this.#settle();
    this.#w = w;
    this.#phases = phases;
  }

  /** Makes every `read` reject with `reason` until called with `null`. */
  fail(reason: string | null = "no answer from meter (simulated)"): void {
    this.#failure = reason;
  }

  /**
   * Reads the register (whole Wh, rounded down), the power, and per phase
   * the current (power / (230 V x phases) on the phases in use, else 0) and
   * the voltage (230 V).
   */
  read(): Promise<MeterReading> {
    if (this.#failure !== null) return Promise.reject(new Error(this.#failure));
    this.#settle();
    const perPhase = this.#w / (SIM_PHASE_V * this.#phases);
    const currentA = [0, 1, 2].map((i) => i < this.#phases ? perPhase : 0) as unknown as Phases;
    const voltageV: Phases = [SIM_PHASE_V, SIM_PHASE_V, SIM_PHASE_V];
    return Promise.resolve({
      wh: Math.floor(this.#wh),
      w: this.#w,
      phases: { currentA, voltageV },
    });
  }

  #settle(): void {
    const now = this.#clock.now();
    // A clock stepping back (NTP) counts as no time passing, never as negative energy.
    if (now > this.#since) this.#wh += this.#w * (now - this.#since) / 3_600_000;
    this.#since = now;
  }
}
