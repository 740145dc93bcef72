/**
 * The relay (contactor) of one connector: the switch that lets energy flow to
 * the EV. Real drivers switch a GPIO or a relay board; {@link SimRelay} in
 * `relay_sim.ts` is the simulation. Every implementation should pass
 * `runRelayConformance` from `relay_conformance.ts`.
 *
 * @module
 */

/**
 * One connector's contactor.
 *
 * @example Close it, then check
 * ```ts
 * import { SimRelay } from "./relay_sim.ts";
 * const relay: Relay = new SimRelay();
 * await relay.set(true);
 * relay.closed; // true
 * ```
 */
export interface Relay {
  /**
   * Closes (`true`, energy flows) or opens (`false`) the contactor. Resolves
   * once it has switched; rejects with an Error naming the cause when it
   * could not, leaving {@link Relay.closed} at the state the relay is really in.
   * A new relay is open.
   */
  set(closed: boolean): Promise<void>;
  /** Whether the contactor is closed now. */
  readonly closed: boolean;
}
