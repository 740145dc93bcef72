/**
 * The current each connector may offer now (private to `smart_charging.ts`),
 * pure: the composite schedule's rules at one instant, in A per phase, with
 * the station-wide limits shared among the connectors that charge.
 *
 * - A connector's own limit: its TxProfile or TxDefaultProfile (rules of
 *   `composite_schedule.ts`) within the installer's rating `maxCurrentA`.
 * - The station's budget, for all connectors together: the lowest of the
 *   ChargePointMaxProfile (section 3.13.3), the installer's rating and the
 *   external limit of the local API.
 * - Connectors with a transaction share the budget: equal shares, a
 *   connector whose own limit is lower keeps only that and the rest goes to
 *   the others (water-filling). IEC 61851-1 offers no less than
 *   {@link MIN_CURRENT_A}: when the shares would fall below it, the
 *   transactions started first keep charging and the later ones pause (0 A).
 *   A connector without a transaction shows what it would get alone.
 * - Values are rounded down to 0.1 A; below 6 A a connector is paused (0).
 *
 * The sharing is `_sc_local.ts`'s, which the gate uses while no profile is
 * installed.
 *
 * @module
 */
import {
  cpMaxAt,
  type Installed,
  type LocalLimit,
  profilesFor,
  txLevelAt,
} from "./composite_schedule.ts";
import { type Capped, externalCap, type LiveLimit, lowest, shareLimits } from "./_sc_local.ts";

export { type LiveLimit, MIN_CURRENT_A, waterFill } from "./_sc_local.ts";

/** What the limits are computed from. */
export interface LiveInput {
  readonly profiles: readonly Installed[];
  readonly now: number;
  readonly connectors: number;
  /** Start (ms) of the transaction on a connector, by connectorId. */
  readonly sessions: ReadonlyMap<number, number>;
  readonly ratingA: number;
  readonly external: LocalLimit | null;
}

/** The limit of every connector now; index = connectorId - 1. */
export function liveLimits(input: LiveInput): LiveLimit[] {
  const { now } = input;
  const rating: Capped = { a: input.ratingA, source: "installer" };
  const own = Array.from({ length: input.connectors }, (_, i) => {
    const roles = profilesFor(input.profiles, i + 1);
    const start = input.sessions.get(i + 1) ?? now;
    return lowest(rating, { a: txLevelAt(roles, now, start, "A"), source: "ocpp" });
  });
  const cpMax = cpMaxAt(profilesFor(input.profiles, 1), now, "A");
  const budget = lowest(rating, externalCap(input.external, now), { a: cpMax, source: "ocpp" });
  return shareLimits(own, budget, input.sessions);
}
