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
   * Smart charging input: offers `currentA` (A per phase), the most the EV
   * may draw now, with the PWM duty cycle of IEC 61851-1 ({@link dutyCycle})
   * or an EVSE board's current register; below {@link MIN_PWM_A} no PWM at
   * all (constant +12 V): the EV pauses. A driver that talks to a board may
   * return a promise; the bridge queues the calls per connector and logs a
   * failure. Drivers without current control leave it out.
   */
  offer?(currentA: number): void | Promise<void>;
}

/** The least current a PWM may offer (IEC 61851-1). */
export const MIN_PWM_A = 6;

/**
 * The PWM duty cycle in % that offers `currentA` (IEC 61851-1 Annex A):
 * 6-51 A is A / 0.6, 51-80 A is A / 2.5 + 64; below 6 A 100 % (no PWM, the
 * EV may not draw); above 80 A, 80 A.
 *
 * @example
 * ```ts
 * dutyCycle(16); // 26.666...
 * dutyCycle(0); // 100
 * ```
 */
export function dutyCycle(currentA: number): number {
  if (!(currentA >= MIN_PWM_A)) return 100;
  const a = Math.min(currentA, 80);
  return a <= 51 ? a / 0.6 : a / 2.5 + 64;
}

/** Whether a value is one of {@link EV_STATES}. */
export function isEvState(value: unknown): value is EvState {
  return typeof value === "string" && (EV_STATES as readonly string[]).includes(value);
}
