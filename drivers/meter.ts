/**
 * The energy meter of one connector. Real drivers read a Modbus or S0 meter;
 * {@link SimMeter} in `meter_sim.ts` is the simulation. Every implementation
 * should pass `runMeterConformance` from `meter_conformance.ts`.
 *
 * @module
 */

/** Three values, one per phase, L1 first. */
export type Phases = readonly [number, number, number];

/** The per-phase part of a reading (meters that measure it). */
export interface PhaseReading {
  /** Current.Import per phase, A (0 on a phase the EV does not use). */
  readonly currentA: Phases;
  /** Voltage per phase against neutral, V. */
  readonly voltageV: Phases;
}

/** The largest plausible voltage of a phase against neutral, V (230 V + 30 %). */
export const MAX_PHASE_V = 300;
/** The largest plausible current of a phase, A (the usual meters' rating). */
export const MAX_PHASE_A = 100;

/** One reading of a meter. */
export interface MeterReading {
  /** Energy.Active.Import.Register in Wh: never decreases. */
  readonly wh: number;
  /** Power.Active.Import in W. */
  readonly w: number;
  /** Current and voltage per phase, when the meter measures them. */
  readonly phases?: PhaseReading;
}

/**
 * One connector's energy meter.
 *
 * @example Read it
 * ```ts
 * import { SimMeter } from "./meter_sim.ts";
 * import { FakeClock } from "../actors/clock.ts";
 * const meter: EnergyMeter = new SimMeter(new FakeClock());
 * const { wh, w } = await meter.read();
 * ```
 */
export interface EnergyMeter {
  /** Reads register and power; rejects with an Error naming the cause when it cannot. */
  read(): Promise<MeterReading>;
}

/**
 * Checks a value a meter returned: an object with finite `wh` and `w`, both
 * `>= 0`, `wh` not below `previousWh`, and good `phases` if it has them
 * ({@link checkPhases}).
 *
 * @param value What `read()` resolved to.
 * @param previousWh The register of the last good reading, if any.
 * @returns `null` for a good reading, else what is wrong with it.
 *
 * @example A register that went down
 * ```ts
 * checkReading({ wh: 5, w: 0 }, 10); // "energy register went down from 10 Wh to 5 Wh"
 * ```
 */
export function checkReading(value: unknown, previousWh?: number): string | null {
  if (typeof value !== "object" || value === null) {
    return `expected { wh, w }, got ${describe(value)}`;
  }
  const { wh, w } = value as Record<string, unknown>;
  if (typeof wh !== "number" || !Number.isFinite(wh) || wh < 0) {
    return `energy register ${describe(wh)} is not a finite number of Wh >= 0`;
  }
  if (typeof w !== "number" || !Number.isFinite(w) || w < 0) {
    return `power ${describe(w)} is not a finite number of W >= 0`;
  }
  if (previousWh !== undefined && wh < previousWh) {
    return `energy register went down from ${previousWh} Wh to ${wh} Wh`;
  }
  const { phases } = value as { phases?: unknown };
  return phases === undefined ? null : checkPhases(phases);
}

/**
 * Checks the per-phase part of a reading: three finite currents in
 * 0-{@link MAX_PHASE_A} A and three voltages in 0-{@link MAX_PHASE_V} V.
 *
 * @param value The `phases` of a reading.
 * @returns `null` when good, else what is wrong with it.
 *
 * @example A voltage out of range
 * ```ts
 * checkPhases({ currentA: [0, 0, 0], voltageV: [230, 420, 230] });
 * // "voltage L2 420 V is out of range (0-300 V)"
 * ```
 */
export function checkPhases(value: unknown): string | null {
  if (typeof value !== "object" || value === null) {
    return `expected phases { currentA, voltageV }, got ${describe(value)}`;
  }
  const p = value as Record<string, unknown>;
  const three = (name: string, v: unknown) =>
    Array.isArray(v) && v.length === 3 ? null : `${name} per phase ${describe(v)} is not 3 values`;
  const shape = three("current", p.currentA) ?? three("voltage", p.voltageV);
  if (shape) return shape;
  for (let i = 0; i < 3; i++) {
    const a = (p.currentA as unknown[])[i];
    const v = (p.voltageV as unknown[])[i];
    if (typeof a !== "number" || !Number.isFinite(a)) {
      return `current L${i + 1} is missing (${describe(a)})`;
    }
    if (typeof v !== "number" || !Number.isFinite(v)) {
      return `voltage L${i + 1} is missing (${describe(v)})`;
    }
    if (a < 0 || a > MAX_PHASE_A) {
      return `current L${i + 1} ${a} A is out of range (0-${MAX_PHASE_A} A)`;
    }
    if (v < 0 || v > MAX_PHASE_V) {
      return `voltage L${i + 1} ${v} V is out of range (0-${MAX_PHASE_V} V)`;
    }
  }
  return null;
}

/** A short description of any value, for error messages. */
export function describe(value: unknown): string {
  if (typeof value === "string") return JSON.stringify(value);
  if (typeof value === "number" || typeof value === "boolean" || value == null) {
    return String(value);
  }
  try {
    return JSON.stringify(value) ?? typeof value;
  } catch {
    return typeof value;
  }
}
