/**
 * The composite charging schedule (OCPP 1.6 sections 3.13, 5.7): one pure
 * function of the installed profiles, the time, the connector, the window,
 * the unit and the local limits. No I/O, no clock: the smart charging actor
 * (`smart_charging.ts`) answers GetCompositeSchedule and drives the
 * hardware limit with it.
 *
 * The rules, where the spec leaves room they are our reading (README,
 * "Smart charging"):
 *
 * 1. A profile counts at instant t when validFrom <= t < validTo (absent:
 *    unbounded) and its schedule runs at t: from its start for `duration`
 *    seconds (absent: forever), the period in force being the last one
 *    whose startPeriod has passed.
 * 2. Its start: `startSchedule` (Absolute); the latest occurrence of
 *    startSchedule every 24 h / 7 days (Recurring: from startSchedule's
 *    time of day, not midnight; a duration longer than the recurrence is cut
 *    there, errata 3.44); the start of the connector's transaction
 *    (Relative, and Absolute without startSchedule, section 7.13), or the
 *    window's start when none runs (the schedule a transaction starting now
 *    would get, so a TxDefaultProfile shows without a transaction, OCTT
 *    TC_056); a Relative ChargePointMaxProfile starts when it was installed.
 * 3. Within one purpose the highest stackLevel that counts at t wins; when
 *    its schedule ends the next lower one takes over (section 3.13.2, OCTT
 *    TC_072).
 * 4. For a connector: TxProfile overrules TxDefaultProfile for as long as a
 *    TxProfile of the connector is valid (validFrom/validTo), even after its
 *    schedule ended (section 3.13.1 "for the duration of the transaction";
 *    OCTT TC_066 expects 10, not the TxDefault's 8, after the TxProfile's
 *    260 s). A connector's TxDefaultProfile hides the connector-0 one of the
 *    same stackLevel on that connector only (section 3.13.1).
 * 5. The minimum of that, the ChargePointMaxProfile and the local limits
 *    (installer rating, external limit) at every instant (section 3.13.3).
 *    For connector 0: the sum over all connectors of their TxProfile /
 *    TxDefaultProfile levels (each within the rating), then the same
 *    minimum: what the Charge Point may draw from the grid (errata 3.30).
 * 6. Units: W = A x {@link LINE_VOLTAGE} x phases, the phases being the
 *    period's numberPhases (3 when absent, section 7.12); local limits are
 *    in A on {@link DEFAULT_PHASES} phases. The answer is in the requested
 *    unit, limits rounded down to 0.1 (the schema's resolution), periods on
 *    whole seconds from the window's start, equal neighbours merged.
 *
 * @module
 */
import type { V16 } from "../ocpp/types.ts";
import { DEFAULT_PHASES, LINE_VOLTAGE, roundLimit } from "./_sc_local.ts";

export { DEFAULT_PHASES, LINE_VOLTAGE, roundLimit };

/** A charging profile as OCPP 1.6 sends it (section 7.8). */
export type ChargingProfile = V16.SetChargingProfileRequest["csChargingProfiles"];
/** A ChargingSchedule (section 7.13). */
export type ChargingSchedule = ChargingProfile["chargingSchedule"];
/** A ChargingSchedulePeriod (section 7.14). */
export type SchedulePeriod = ChargingSchedule["chargingSchedulePeriod"][number];
/** ChargingRateUnitType (section 7.12). */
export type RateUnit = ChargingSchedule["chargingRateUnit"];
/** ChargingProfilePurposeType (section 7.10). */
export type Purpose = ChargingProfile["chargingProfilePurpose"];

const DAY_MS = 86_400_000;

/** A profile installed on a connector. */
export interface Installed {
  /** 0 for the whole Charge Point. */
  readonly connectorId: number;
  readonly profile: ChargingProfile;
  /** When it was installed, ms since the epoch. */
  readonly installedAt: number;
}

/** A limit of the Charge Point itself, in A per phase, for all connectors together. */
export interface LocalLimit {
  readonly currentA: number;
  /** Ends at this instant (ms), or never. */
  readonly until?: number;
}

/** What the composite is asked for. */
export interface CompositeRequest {
  readonly profiles: readonly Installed[];
  /** Start of the window, ms (rounded down to the second). */
  readonly now: number;
  /** 0: the whole Charge Point. */
  readonly connectorId: number;
  readonly durationS: number;
  readonly unit: RateUnit;
  /** Number of connectors (1..N). */
  readonly connectors: number;
  /** Start (ms) of the transaction running on a connector, by connectorId. */
  readonly sessions: ReadonlyMap<number, number>;
  /** The installation's rating in A per phase: the limit when nothing else limits. */
  readonly ratingA: number;
  /** Further local limits (an external limit from the local API). */
  readonly local?: readonly LocalLimit[];
}

/** A composite schedule: periods relative to `start`. */
export interface Composite {
  /** ms since the epoch, whole seconds. */
  readonly start: number;
  readonly durationS: number;
  readonly unit: RateUnit;
  readonly periods: readonly { readonly startPeriod: number; readonly limit: number }[];
}

/** A value in force: a limit in its unit on some phases. */
interface Level {
  readonly limit: number;
  readonly unit: RateUnit;
  readonly phases: number;
}

/** Converts a level into `unit` (section 7.12). */
export function convert(level: Level, unit: RateUnit): number {
  if (level.unit === unit) return level.limit;
  const va = LINE_VOLTAGE * level.phases;
  return unit === "W" ? level.limit * va : level.limit / va;
}

const ms = (iso: string | undefined): number | undefined =>
  iso === undefined ? undefined : Date.parse(iso);

function recurrenceMs(p: ChargingProfile): number {
  return p.recurrencyKind === "Weekly" ? 7 * DAY_MS : DAY_MS;
}

/** The schedule's start in force at t (rule 2), or undefined before its first start. */
function anchorAt(i: Installed, t: number, relative: number): number | undefined {
  const p = i.profile;
  const start = ms(p.chargingSchedule.startSchedule);
  if (p.chargingProfileKind === "Recurring") {
    if (start === undefined || t < start) return undefined;
    const period = recurrenceMs(p);
    return start + Math.floor((t - start) / period) * period;
  }
  if (p.chargingProfileKind === "Absolute" && start !== undefined) return start;
  return p.chargingProfilePurpose === "ChargePointMaxProfile" ? i.installedAt : relative;
}

/** How long one run of the schedule lasts, ms (Infinity: forever). */
function runMs(p: ChargingProfile): number {
  const d = p.chargingSchedule.duration;
  const own = d === undefined ? Infinity : d * 1000;
  return p.chargingProfileKind === "Recurring" ? Math.min(own, recurrenceMs(p)) : own;
}

/** Whether validFrom <= t < validTo. */
function valid(p: ChargingProfile, t: number): boolean {
  const from = ms(p.validFrom);
  const to = ms(p.validTo);
  return (from === undefined || from <= t) && (to === undefined || t < to);
}

/** The level a profile sets at t (rule 1), or undefined. */
function levelOf(i: Installed, t: number, relative: number): Level | undefined {
  const p = i.profile;
  if (!valid(p, t)) return undefined;
  const anchor = anchorAt(i, t, relative);
  if (anchor === undefined || t < anchor || t >= anchor + runMs(p)) return undefined;
  const offset = (t - anchor) / 1000;
  let found: SchedulePeriod | undefined;
  for (const period of p.chargingSchedule.chargingSchedulePeriod) {
    if (period.startPeriod <= offset) found = period;
  }
  if (!found) return undefined;
  return {
    limit: found.limit,
    unit: p.chargingSchedule.chargingRateUnit,
    phases: found.numberPhases ?? DEFAULT_PHASES,
  };
}

/** The highest stackLevel's level at t (rule 3). */
function stackAt(list: readonly Installed[], t: number, relative: number): Level | undefined {
  let best: { level: Level; stack: number } | undefined;
  for (const i of list) {
    if (best && i.profile.stackLevel <= best.stack) continue;
    const level = levelOf(i, t, relative);
    if (level) best = { level, stack: i.profile.stackLevel };
  }
  return best?.level;
}

/** The profiles that may limit one connector, by role. */
export interface ConnectorProfiles {
  readonly cpMax: readonly Installed[];
  readonly tx: readonly Installed[];
  readonly txDefault: readonly Installed[];
}

/** Sorts the profiles for connector `c` (> 0) into their roles (rule 4). */
export function profilesFor(profiles: readonly Installed[], c: number): ConnectorProfiles {
  const own = profiles.filter((i) =>
    i.connectorId === c && i.profile.chargingProfilePurpose === "TxDefaultProfile"
  );
  const levels = new Set(own.map((i) => i.profile.stackLevel));
  return {
    cpMax: profiles.filter((i) => i.profile.chargingProfilePurpose === "ChargePointMaxProfile"),
    tx: profiles.filter((i) =>
      i.connectorId === c && i.profile.chargingProfilePurpose === "TxProfile"
    ),
    txDefault: [
      ...own,
      ...profiles.filter((i) =>
        i.connectorId === 0 && i.profile.chargingProfilePurpose === "TxDefaultProfile" &&
        !levels.has(i.profile.stackLevel)
      ),
    ],
  };
}

/** The TxProfile or TxDefaultProfile level of a connector at t (rule 4), in `unit`. */
export function txLevelAt(
  roles: ConnectorProfiles,
  t: number,
  relative: number,
  unit: RateUnit,
): number {
  const txValid = roles.tx.some((i) => valid(i.profile, t));
  const level = stackAt(txValid ? roles.tx : roles.txDefault, t, relative);
  return level ? convert(level, unit) : Infinity;
}

/** The ChargePointMaxProfile level at t, in `unit`. */
export function cpMaxAt(roles: ConnectorProfiles, t: number, unit: RateUnit): number {
  const level = stackAt(roles.cpMax, t, t);
  return level ? convert(level, unit) : Infinity;
}

/** The lowest local limit at t (the rating included), in `unit`. */
export function localAt(ratingA: number, local: readonly LocalLimit[], t: number, unit: RateUnit) {
  let a = ratingA;
  for (const l of local) if (l.until === undefined || t < l.until) a = Math.min(a, l.currentA);
  return convert({ limit: a, unit: "A", phases: DEFAULT_PHASES }, unit);
}

/** Every instant in (from, to) where a profile's level may change. */
export function changesIn(i: Installed, from: number, to: number, relative: number): number[] {
  const p = i.profile;
  const out: number[] = [];
  const add = (t: number | undefined) => {
    if (t !== undefined && t > from && t < to) out.push(t);
  };
  add(ms(p.validFrom));
  add(ms(p.validTo));
  const periods = p.chargingSchedule.chargingSchedulePeriod;
  const run = runMs(p);
  const starts: number[] = [];
  if (p.chargingProfileKind === "Recurring") {
    const start = ms(p.chargingSchedule.startSchedule);
    if (start !== undefined) {
      const period = recurrenceMs(p);
      const first = Math.max(0, Math.floor((from - start) / period));
      for (let k = first; start + k * period < to; k++) starts.push(start + k * period);
    }
  } else {
    const a = anchorAt(i, from, relative);
    if (a !== undefined) starts.push(a);
  }
  for (const s of starts) {
    for (const period of periods) {
      if (period.startPeriod * 1000 < run) add(s + period.startPeriod * 1000);
    }
    add(s + run);
  }
  return out;
}

/** The limit of connector `c` at t in `unit`, with everything (rule 5). */
function connectorAt(
  req: CompositeRequest,
  roles: ConnectorProfiles,
  t: number,
): number {
  const relative = req.sessions.get(req.connectorId) ?? req.now;
  return Math.min(
    txLevelAt(roles, t, relative, req.unit),
    cpMaxAt(roles, t, req.unit),
    localAt(req.ratingA, req.local ?? [], t, req.unit),
  );
}

/** The whole Charge Point at t (rule 5, connector 0). */
function stationAt(req: CompositeRequest, all: readonly ConnectorProfiles[], t: number): number {
  const rating = localAt(req.ratingA, [], t, req.unit);
  let sum = 0;
  all.forEach((roles, i) => {
    const relative = req.sessions.get(i + 1) ?? req.now;
    sum += Math.min(txLevelAt(roles, t, relative, req.unit), rating);
  });
  return Math.min(
    sum,
    cpMaxAt(all[0]!, t, req.unit),
    localAt(req.ratingA, req.local ?? [], t, req.unit),
  );
}

/**
 * The composite schedule of a connector (or of the Charge Point, 0) for
 * [now, now + duration).
 *
 * @example TxDefaultProfile of 6 A, no transaction (OCTT TC_056)
 * ```ts
 * const now = Date.parse("2026-01-01T12:00:00Z");
 * compositeSchedule({
 *   now, connectorId: 1, durationS: 300, unit: "A", connectors: 1, sessions: new Map(), ratingA: 32,
 *   profiles: [{ connectorId: 1, installedAt: now, profile: {
 *     chargingProfileId: 1, stackLevel: 0, chargingProfilePurpose: "TxDefaultProfile",
 *     chargingProfileKind: "Absolute", chargingSchedule: { duration: 300,
 *       startSchedule: "2026-01-01T12:00:00Z", chargingRateUnit: "A",
 *       chargingSchedulePeriod: [{ startPeriod: 0, limit: 6 }] } } }],
 * }).periods; // [{ startPeriod: 0, limit: 6 }]
 * ```
 */
export function compositeSchedule(req: CompositeRequest): Composite {
  const start = Math.floor(req.now / 1000) * 1000;
  const end = start + Math.max(0, req.durationS) * 1000;
  const r: CompositeRequest = { ...req, now: start };
  const all = Array.from({ length: req.connectors }, (_, i) => profilesFor(req.profiles, i + 1));
  const roles = req.connectorId === 0 ? undefined : profilesFor(req.profiles, req.connectorId);
  const relevant = roles ? [...roles.cpMax, ...roles.tx, ...roles.txDefault] : req.profiles;
  const instants = new Set<number>([start]);
  for (const i of relevant) {
    const relative = i.connectorId === 0 && req.connectorId === 0
      ? start
      : r.sessions.get(i.connectorId === 0 ? req.connectorId : i.connectorId) ?? start;
    if (req.connectorId === 0 && i.connectorId === 0) {
      // A connector-0 TxDefaultProfile runs from each connector's own start.
      for (let c = 1; c <= req.connectors; c++) {
        for (const t of changesIn(i, start, end, r.sessions.get(c) ?? start)) instants.add(t);
      }
    } else for (const t of changesIn(i, start, end, relative)) instants.add(t);
  }
  for (const l of req.local ?? []) {
    if (l.until !== undefined && l.until > start && l.until < end) {
      instants.add(l.until);
    }
  }
  const periods: { startPeriod: number; limit: number }[] = [];
  for (const t of [...instants].sort((a, b) => a - b)) {
    const value = roundLimit(roles ? connectorAt(r, roles, t) : stationAt(r, all, t));
    const startPeriod = Math.floor((t - start) / 1000);
    const last = periods.at(-1);
    if (last && last.startPeriod === startPeriod) periods.pop();
    if (periods.at(-1)?.limit === value) continue;
    periods.push({ startPeriod, limit: value });
  }
  return { start, durationS: Math.max(0, req.durationS), unit: req.unit, periods };
}

/**
 * The first instant after `after` and before `horizon` where any profile or
 * local limit may change the limits, or undefined.
 */
export function nextChange(
  profiles: readonly Installed[],
  sessions: ReadonlyMap<number, number>,
  local: readonly LocalLimit[],
  after: number,
  horizon: number,
): number | undefined {
  let best: number | undefined;
  const take = (t: number) => {
    if (t > after && t < horizon && (best === undefined || t < best)) best = t;
  };
  for (const i of profiles) {
    const own = i.connectorId === 0 ? [...sessions.values()] : [sessions.get(i.connectorId)];
    const starts = own.filter((s): s is number => s !== undefined);
    // Without a transaction a relative schedule always starts "now": only validity changes it.
    if (starts.length === 0) {
      if (isRelative(i)) {
        for (const t of [ms(i.profile.validFrom), ms(i.profile.validTo)]) if (t) take(t);
        continue;
      }
      starts.push(after);
    }
    for (const s of starts) for (const t of changesIn(i, after, horizon, s)) take(t);
  }
  for (const l of local) if (l.until !== undefined) take(l.until);
  return best;
}

/** Whether a profile's schedule starts with the transaction (rule 2). */
function isRelative(i: Installed): boolean {
  const p = i.profile;
  if (p.chargingProfilePurpose === "ChargePointMaxProfile") return false;
  return p.chargingProfileKind === "Relative" ||
    (p.chargingProfileKind === "Absolute" && p.chargingSchedule.startSchedule === undefined);
}
