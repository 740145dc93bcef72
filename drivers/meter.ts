/**
 * The energy meter of one connector. Real drivers read a Modbus or S0 meter;
 * {@link SimMeter} in `meter_sim.ts` is the simulation. Every implementation
 * should pass `runMeterConformance` from `meter_conformance.ts`.
 *
 * @module
 */

/** One reading of a meter. */
export interface MeterReading {
  /** Energy.Active.Import.Register in Wh: never decreases. */
  readonly wh: number;
  /** Power.Active.Import in W. */
  readonly w: number;
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
 * `>= 0`, and `wh` not below `previousWh`.
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
