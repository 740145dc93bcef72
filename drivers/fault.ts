/**
 * The fault source of one connector: hardware supervision (RCD / ground
 * fault, over-current, temperature, voltage) reporting a fault as an OCPP
 * ChargePointErrorCode, and its clearing. {@link SimFaultSource} in
 * `fault_sim.ts` is the simulation. Every implementation should pass
 * `runFaultConformance` from `fault_conformance.ts`.
 *
 * @module
 */
import type { ChargePointErrorCode } from "../actors/messages.ts";

/** An error code that is an error. */
export type FaultCode = Exclude<ChargePointErrorCode, "NoError">;

/** Each {@link FaultCode}, so the compiler sees {@link FAULT_CODES} is complete. */
const CODES: Record<FaultCode, true> = {
  ConnectorLockFailure: true,
  EVCommunicationError: true,
  GroundFailure: true,
  HighTemperature: true,
  InternalError: true,
  LocalListConflict: true,
  OtherError: true,
  OverCurrentFailure: true,
  OverVoltage: true,
  PowerMeterFailure: true,
  PowerSwitchFailure: true,
  ReaderFailure: true,
  ResetFailure: true,
  UnderVoltage: true,
  WeakSignal: true,
};

/** Every {@link FaultCode} (OCPP 1.6 section 7.6). */
export const FAULT_CODES = Object.keys(CODES) as readonly FaultCode[];

/** StatusNotification `info` is a CiString50Type (section 6.47). */
export const FAULT_INFO_MAX_LENGTH = 50;

/** A fault present on a connector. */
export interface Fault {
  readonly errorCode: FaultCode;
  /** Free text for the Central System, at most 50 characters. */
  readonly info?: string;
}

/**
 * One connector's fault supervision.
 *
 * @example Watch for faults
 * ```ts
 * import { SimFaultSource } from "./fault_sim.ts";
 * const faults: FaultSource = new SimFaultSource();
 * faults.onChange((fault) => fault ? fault.errorCode : "cleared");
 * ```
 */
export interface FaultSource {
  /** The fault present now, or `null`. */
  readonly current: Fault | null;
  /**
   * Calls `fn` with the new fault when one appears or changes, and with
   * `null` when it clears; `current` already reads the new value during the call.
   *
   * @returns The unsubscribe function (calling it again does nothing).
   */
  onChange(fn: (fault: Fault | null) => void): () => void;
}

/**
 * Checks a fault a source reported.
 *
 * @returns `null` when usable, else what is wrong with it.
 *
 * @example
 * ```ts
 * checkFault({ errorCode: "GroundFailure" }); // null
 * ```
 */
export function checkFault(value: unknown): string | null {
  if (typeof value !== "object" || value === null) return "expected { errorCode, info? }";
  const { errorCode, info } = value as Record<string, unknown>;
  if (typeof errorCode !== "string" || !(FAULT_CODES as readonly string[]).includes(errorCode)) {
    return `error code ${JSON.stringify(errorCode)} is not an OCPP ChargePointErrorCode`;
  }
  if (info !== undefined && typeof info !== "string") return "info is not a string";
  return null;
}
