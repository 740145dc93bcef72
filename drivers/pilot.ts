/**
 * The control pilot of one connector (IEC 61851-1): whether a vehicle is
 * plugged in and whether it asks for energy. Real drivers sample the pilot
 * voltage; {@link SimPilot} in `pilot_sim.ts` is the simulation. Every
 * implementation should pass `runPilotConformance` from `pilot_conformance.ts`.
 *
 * States: A no vehicle, B vehicle connected (not charging), C vehicle asks to
 * charge, E pilot shorted / EVSE error, F EVSE not available. State D
 * (charging with ventilation) is not supported by this runtime: a driver
 * should report it as E.
 *
 * @module
 */
import type { EvState } from "../actors/messages.ts";

export type { EvState };

/** Each state, so the compiler sees {@link EV_STATES} is complete. */
const STATES: Record<EvState, true> = { A: true, B: true, C: true, E: true, F: true };

/** Every pilot state, in order. */
export const EV_STATES = Object.keys(STATES) as readonly EvState[];

/**
 * One connector's control pilot.
 *
 * @example Follow the cable
 * ```ts
 * import { SimPilot } from "./pilot_sim.ts";
 * const pilot: Pilot = new SimPilot();
 * const off = pilot.onChange((state) => state === "A" && off());
 * ```
 */
export interface Pilot {
  /** The state now. */
  readonly state: EvState;
  /**
   * Calls `fn` with the new state at every change (never twice with the same
   * state); `state` already reads the new value during the call.
   *
   * @returns The unsubscribe function (calling it again does nothing).
   */
  onChange(fn: (state: EvState) => void): () => void;
  /**
   * Smart charging input, for pilots that offer the vehicle a current (a
   * PWM duty cycle, an EVSE board): the most the vehicle may draw now, A
   * per phase, or `null` for the installation's maximum. Below 6 A the
   * vehicle waits. Optional: a pilot without it cannot limit the current.
   */
  setCurrentLimit?(amps: number | null): Promise<void>;
}

/** Whether a value is one of {@link EV_STATES}. */
export function isEvState(value: unknown): value is EvState {
  return typeof value === "string" && (EV_STATES as readonly string[]).includes(value);
}
