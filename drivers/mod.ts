/**
 * The hardware of a station, as the runtime sees it: per connector a relay,
 * a meter, a control pilot, a cable lock and a fault source, plus one RFID
 * reader. `runtime/hardware.ts` bridges it to the bus; `sim_station.ts`
 * simulates a whole station.
 *
 * To add real hardware: implement the interfaces below (one file per driver,
 * e.g. `relay_gpio.ts`), run each conformance suite against your driver in
 * its `*_test.ts`, and hand a {@link Hardware} to `startHardware`.
 *
 * @module
 */
import type { Relay } from "./relay.ts";
import type { EnergyMeter } from "./meter.ts";
import type { Pilot } from "./pilot.ts";
import type { ConnectorLock } from "./lock.ts";
import type { FaultSource } from "./fault.ts";
import type { RfidReader } from "./rfid.ts";

export type { Relay } from "./relay.ts";
export type { EnergyMeter, MeterReading } from "./meter.ts";
export type { Pilot } from "./pilot.ts";
export type { ConnectorLock } from "./lock.ts";
export type { Fault, FaultCode, FaultSource } from "./fault.ts";
export type { RfidReader } from "./rfid.ts";
export { SimStation, type SimStationOptions } from "./sim_station.ts";

/** The drivers of one connector. */
export interface ConnectorHardware {
  readonly relay: Relay;
  readonly meter: EnergyMeter;
  readonly pilot: Pilot;
  readonly lock: ConnectorLock;
  readonly faults: FaultSource;
}

/**
 * A station's hardware.
 *
 * @example The simulated station
 * ```ts
 * import { FakeClock } from "../actors/clock.ts";
 * import { SimStation } from "./sim_station.ts";
 * const hw: Hardware = new SimStation(new FakeClock(), { connectors: 2 });
 * ```
 */
export interface Hardware {
  /** Connector 1 is `connectors[0]`. */
  readonly connectors: readonly ConnectorHardware[];
  /** The station's one card reader. */
  readonly rfid: RfidReader;
  /**
   * Supervision of the whole charge point (not one connector), reported as
   * connector 0 (OCPP 1.6 section 4.9): a fault here stops every connector.
   */
  readonly faults?: FaultSource;
}
