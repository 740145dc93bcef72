/**
 * The small part of smart charging that is loaded at start (the rest loads
 * at first use, see `smart_charging_gate.ts`): units, and how the station's
 * budget is shared among the connectors that charge. Pure.
 *
 * `_sc_limits.ts` computes each connector's own limit and the budget from
 * the charging profiles and shares it with {@link shareLimits};
 * {@link localLimits} is the same with no profile installed (the installer's
 * rating and the external limit of the local API only), so the gate and
 * the full actor publish the same limits.
 *
 * @module
 */
import type { LimitSource } from "./_messages_sc.ts";
import type { LocalLimit } from "./composite_schedule.ts";

/** The nominal line voltage W and A convert with (section 7.12: "230 or 110 volt"). */
export const LINE_VOLTAGE = 230;
/** Phases assumed where none are given (section 7.12). */
export const DEFAULT_PHASES = 3;
/** The smallest current a pilot PWM may offer (IEC 61851-1): below, the EV pauses. */
export const MIN_CURRENT_A = 6;

/** A connector's limit now. */
export interface LiveLimit {
  readonly currentA: number;
  readonly source: LimitSource;
}

/** A limit in A per phase and what sets it. */
export interface Capped {
  readonly a: number;
  readonly source: LimitSource;
}

/** The lowest of the limits (the first of equal ones). */
export function lowest(...xs: Capped[]): Capped {
  return xs.reduce((m, x) => (x.a < m.a ? x : m));
}

/** Rounds down to the schema's 0.1 (never above the limit computed). */
export function roundLimit(x: number): number {
  return Math.max(0, Math.floor(x * 10 + 1e-6) / 10);
}

/** Rounded down to 0.1 A, and 0 below {@link MIN_CURRENT_A}. */
function paused(a: number): number {
  const r = roundLimit(a);
  return r < MIN_CURRENT_A ? 0 : r;
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

/**
 * Every connector's limit from its own limit (`own`, index = connectorId - 1)
 * and the station's budget: connectors with a transaction (`sessions`:
 * start ms by connectorId) share the budget, water-filling; when the shares
 * would fall below {@link MIN_CURRENT_A} the transactions started first keep
 * charging and the later ones pause (0 A). A connector without a
 * transaction shows what it would get alone.
 */
export function shareLimits(
  own: readonly Capped[],
  budget: Capped,
  sessions: ReadonlyMap<number, number>,
): LiveLimit[] {
  const n = own.length;
  const out: LiveLimit[] = own.map((c) => {
    const b = lowest(c, budget);
    return { currentA: paused(b.a), source: b.source };
  });
  // Connectors that charge, first started first; those whose own limit pauses them take nothing.
  const charging = [...sessions.entries()]
    .filter(([id]) => id >= 1 && id <= n)
    .sort((x, y) => x[1] - y[1] || x[0] - y[0])
    .map(([id]) => id)
    .filter((id) => own[id - 1]!.a >= MIN_CURRENT_A);
  for (const id of sessions.keys()) {
    if (id >= 1 && id <= n && !charging.includes(id)) {
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

/** The external limit while it is in force at `now`, or null. */
export function externalAt(external: LocalLimit | null, now: number): LocalLimit | null {
  return external && (external.until === undefined || now < external.until) ? external : null;
}

/** The external limit as a cap (Infinity when there is none in force). */
export function externalCap(external: LocalLimit | null, now: number): Capped {
  const ext = externalAt(external, now);
  return { a: ext ? ext.currentA : Infinity, source: "external" };
}

/**
 * Every connector's limit with no charging profile installed: the
 * installer's rating `ratingA` per connector, the lower of it and the
 * external limit for all together (what `_sc_limits.ts` gives for no profile).
 */
export function localLimits(input: {
  readonly now: number;
  readonly connectors: number;
  readonly sessions: ReadonlyMap<number, number>;
  readonly ratingA: number;
  readonly external: LocalLimit | null;
}): LiveLimit[] {
  const rating: Capped = { a: input.ratingA, source: "installer" };
  const own = Array.from({ length: input.connectors }, () => rating);
  const budget = lowest(rating, externalCap(input.external, input.now));
  return shareLimits(own, budget, input.sessions);
}
