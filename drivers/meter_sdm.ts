/**
 * Eastron SDM630 and SDM72 energy meters over Modbus (RTU on the RS485
 * line, or through a Modbus TCP gateway). One request per reading: input
 * registers 0x00-0x4B (float32, high word first): voltage, current and
 * power per phase (0x00-0x10), total power (0x34), import energy (0x48).
 * Each reading carries current and voltage per phase (`phases`).
 * The SDM72D-M (v2) has the same registers at the same addresses; the
 * original SDM72D has only total power and energy, so it is not supported.
 *
 * A reading that is missing (NaN, an exception, no answer), out of range or
 * lower than the last good one (a meter reset to zero, a replaced meter) is
 * rejected with an Error naming the cause, so the hardware bridge raises
 * PowerMeterFailure and keeps the last good register: it never counts as
 * energy. The register is good again once it is back at or above the last
 * good one.
 *
 * @module
 */
import type { EnergyMeter, MeterReading, Phases } from "./meter.ts";
import { float32 } from "./modbus_frame.ts";
import type { ModbusClient } from "./modbus_client.ts";

/** Options of an {@link SdmMeter}. */
export interface SdmMeterOptions {
  /** Modbus unit address (default 1, the meters' factory setting). */
  readonly unit?: number;
  /** Names the model in messages (default `sdm630`). */
  readonly model?: "sdm630" | "sdm72";
  /** The largest plausible power, W (default 44,000: 3 x 63 A at 230 V). */
  readonly maxPowerW?: number;
  /** The largest plausible current per phase, A (default 100, the meters' rating). */
  readonly maxCurrentA?: number;
}

export type { Phases };

/** Everything one reading holds. */
export interface SdmReading extends MeterReading {
  readonly voltageV: Phases;
  readonly currentA: Phases;
  readonly powerW: Phases;
}

const FIRST = 0x00;
const COUNT = 0x4c;
/** Register addresses, relative to {@link FIRST}. */
const REG = { voltage: 0x00, current: 0x06, phasePower: 0x0c, power: 0x34, importKwh: 0x48 };
/** The meters show at most 8 digits of kWh. */
const MAX_KWH = 99_999_999;
/** Small negative power (no load, measuring noise) is read as 0 W. */
const NOISE_W = 100;

/**
 * The driver.
 *
 * @example On a Modbus TCP gateway
 * ```ts ignore
 * import { systemClock as clock } from "../actors/clock.ts";
 * import { ModbusClient } from "./modbus_client.ts";
 * const meter = new SdmMeter(new ModbusClient({ kind: "tcp", host: "10.0.0.5", port: 502 }, { clock }));
 * const { wh, w, phases } = await meter.read(); // phases: current and voltage L1-L3
 * ```
 */
export class SdmMeter implements EnergyMeter {
  readonly unit: number;
  #client: ModbusClient;
  #model: string;
  #maxW: number;
  #maxA: number;
  #latest: SdmReading | null = null;

  constructor(client: ModbusClient, opts: SdmMeterOptions = {}) {
    this.#client = client;
    this.unit = opts.unit ?? 1;
    this.#model = (opts.model ?? "sdm630").toUpperCase();
    this.#maxW = opts.maxPowerW ?? 44_000;
    this.#maxA = opts.maxCurrentA ?? 100;
  }

  /** The last good reading with its phase values, or `null` before the first. */
  get latest(): SdmReading | null {
    return this.#latest;
  }

  async read(): Promise<MeterReading> {
    const where = `${this.#model} at unit ${this.unit}`;
    let regs: number[];
    try {
      regs = await this.#client.readInput(this.unit, FIRST, COUNT);
    } catch (err) {
      throw new Error(`${where}: ${(err as Error).message}`);
    }
    const at = (offset: number) => float32(regs[offset]!, regs[offset + 1]!);
    const phases = (offset: number): Phases => [at(offset), at(offset + 2), at(offset + 4)];
    const reading = {
      kwh: at(REG.importKwh),
      w: at(REG.power),
      voltageV: phases(REG.voltage),
      currentA: phases(REG.current),
      powerW: phases(REG.phasePower),
    };
    const problem = this.#check(reading);
    if (problem) throw new Error(`${where}: ${problem}; reading not used`);
    const wh = Math.round(reading.kwh * 1000);
    const last = this.#latest?.wh;
    if (last !== undefined && wh < last) {
      throw new Error(
        `${where}: energy register went down from ${last} Wh to ${wh} Wh (meter reset or replaced?); reading not used`,
      );
    }
    const w = Math.max(0, Math.round(reading.w));
    this.#latest = { ...reading, wh, w };
    return { wh, w, phases: { currentA: reading.currentA, voltageV: reading.voltageV } };
  }

  #check(r: { kwh: number; w: number; voltageV: Phases; currentA: Phases; powerW: Phases }) {
    const missing = (v: number) => !Number.isFinite(v);
    const fields: [string, number][] = [
      ["import energy", r.kwh],
      ["total power", r.w],
      ...r.voltageV.map((v, i) => [`voltage L${i + 1}`, v] as [string, number]),
      ...r.currentA.map((v, i) => [`current L${i + 1}`, v] as [string, number]),
    ];
    const gone = fields.find(([, v]) => missing(v));
    if (gone) return `${gone[0]} is missing (${gone[1]})`;
    if (r.kwh < 0 || r.kwh > MAX_KWH) return `import energy ${r.kwh} kWh is out of range`;
    if (r.w < -this.#maxW || r.w > this.#maxW) {
      return `total power ${r.w} W is out of range (max ${this.#maxW} W)`;
    }
    if (r.w < -NOISE_W) return `total power ${r.w} W: energy flows out, not into the vehicle`;
    for (let i = 0; i < 3; i++) {
      const v = r.voltageV[i]!;
      const a = r.currentA[i]!;
      if (v < 0 || v > 300) return `voltage L${i + 1} ${v} V is out of range (0-300 V)`;
      if (a < 0 || a > this.#maxA) {
        return `current L${i + 1} ${a} A is out of range (0-${this.#maxA} A)`;
      }
    }
    return null;
  }
}
