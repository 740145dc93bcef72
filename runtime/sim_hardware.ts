/**
 * The simulated station as the runtime's hardware: the default on a
 * development machine.
 *
 * @module
 */
import type { Clock } from "../actors/clock.ts";
import { SimStation, type SimStationOptions } from "../drivers/sim_station.ts";
import { type HardwareOptions, startHardware } from "./hardware.ts";
import type { Hardware } from "./runtime.ts";

/** Simulated hardware, with its station for tests and the developer controls. */
export interface SimHardware extends Hardware {
  readonly station: SimStation;
}

/** Creates simulated hardware on the given clock. */
export function simHardware(
  opts: { clock: Clock; station?: SimStation; bridge?: HardwareOptions } & SimStationOptions,
): SimHardware {
  const station = opts.station ?? new SimStation(opts.clock, opts);
  return {
    station,
    connectorCount: station.connectors.length,
    sim: station,
    start: (bus) => startHardware(bus, station, opts.clock, opts.bridge ?? {}),
  };
}
