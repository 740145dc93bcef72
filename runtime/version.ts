/**
 * What this Charge Point says of itself in BootNotification.
 *
 * @module
 */
import type { BootInfo } from "../actors/connection.ts";

/** The runtime's version. */
export const VERSION = "0.1.0";

/** BootNotification.req fields (OCPP 1.6 section 6.2; CiString20/25/50 limits). */
export const BOOT_INFO: BootInfo = {
  chargePointVendor: "OpenWallbox",
  chargePointModel: "DenoCP-Sim",
  firmwareVersion: VERSION,
  meterType: "Simulated",
};
