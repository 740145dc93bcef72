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
 * @module
 */
import {
  cpMaxAt,
  type Installed,
  type LocalLimit,
  profilesFor,
  roundLimit,
  txLevelAt,
} from "./composite_schedule.ts";
import type { LimitSource } from "./_messages_sc.ts";

/** The smallest current a pilot PWM may offer (IEC 61851-1): below, the EV pauses. */
export const MIN_CURRENT_A = 6;

/** A connector's limit now. */
export interface LiveLimit {
  readonly currentA: number;
  readonly source: LimitSource;
}

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

interface Capped {
  readonly a: number;
  readonly source: LimitSource;
}

function lowest(...xs: Capped[]): Capped {
  return xs.reduce((m, x) => (x.a < m.a ? x : m));
}

/** Shares `budget` among `caps` (water-filling); returns each one's share. */
export function waterFill(caps: readonly number[], budget: number): number[] {
  const order = caps.map((a, i) => ({ a, i })).sort((x, y) => x.a - y.a);
  const out = caps.map(() => 0);
  let left = Math.max(0, budget);
  order.forEach(({ a, i }, k) => {
    const give = Math.min(a, left / (order.length - k));
    out[i] = give;
    left -= give;
  });
  return out;
}

/** The limit of every connector now; index = connectorId - 1. */
export function liveLimits(input: LiveInput): LiveLimit[] {
  const { now } = input;
  const rating: Capped = { a: input.ratingA, source: "installer" };
  const ext = input.external;
  const external: Capped = ext && (ext.until === undefined || now < ext.until)
    ? { a: ext.currentA, source: "external" }
    : { a: Infinity, source: "external" };
  const own = Array.from({ length: input.connectors }, (_, i) => {
    const roles = profilesFor(input.profiles, i + 1);
    const start = input.sessions.get(i + 1) ?? now;
    return lowest(rating, { a: txLevelAt(roles, now, start, "A"), source: "ocpp" });
  });
  const cpMax = cpMaxAt(profilesFor(input.profiles, 1), now, "A");
  const budget = lowest(rating, external, { a: cpMax, source: "ocpp" });
  const out: LiveLimit[] = own.map((c) => {
    const b = lowest(c, budget);
    return { currentA: paused(b.a), source: b.source };
  });
  // Connectors that charge, first started first; those whose own limit pauses them take nothing.
  const charging = [...input.sessions.entries()]
    .filter(([id]) => id >= 1 && id <= input.connectors)
    .sort((x, y) => x[1] - y[1] || x[0] - y[0])
    .map(([id]) => id)
    .filter((id) => own[id - 1]!.a >= MIN_CURRENT_A);
  for (const id of input.sessions.keys()) {
    if (id >= 1 && id <= input.connectors && !charging.includes(id)) {
      out[id - 1] = { currentA: 0, source: own[id - 1]!.source };
    }
  }
  for (let k = charging.length; k > 0; k--) {
    const ids = charging.slice(0, k);
    const shares = waterFill(ids.map((id) => own[id - 1]!.a), budget.a);
    if (k > 1 && shares.some((s) => s < MIN_CURRENT_A)) continue;
    ids.forEach((id, j) => {
      const c = own[id - 1]!;
      const share = shares[j]!;
      out[id - 1] = { currentA: paused(share), source: share < c.a ? budget.source : c.source };
    });
    for (const id of charging.slice(k)) out[id - 1] = { currentA: 0, source: budget.source };
    break;
  }
  return out;
}

/** Rounded down to 0.1 A, and 0 below {@link MIN_CURRENT_A}. */
function paused(a: number): number {
  const r = roundLimit(a);
  return r < MIN_CURRENT_A ? 0 : r;
}
