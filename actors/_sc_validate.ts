/**
 * Checks of charging profiles a Central System sends (private to
 * `smart_charging.ts` and the transaction actor's RemoteStartTransaction).
 * The schema has already been checked by the rpc actor (a wrong enum is a
 * CALLERROR PropertyConstraintViolation there, errata 3.38); these are the
 * rules the schema cannot say. Each refusal names its reason.
 *
 * @module
 */
import type { ChargingProfile } from "./composite_schedule.ts";
import type { ConfigView } from "../config/registry.ts";

/** Why a profile is refused: answered Rejected, or a CALLERROR where the errata say so. */
export type Refusal = {
  readonly reason: string;
  readonly callError?: "PropertyConstraintViolation";
};

/** The units ChargingScheduleAllowedChargingRateUnit allows (section 9.4.2). */
export function allowedUnits(config: ConfigView): Set<"A" | "W"> {
  const items = config.str("ChargingScheduleAllowedChargingRateUnit").split(",").map((s) =>
    s.trim()
  );
  const out = new Set<"A" | "W">();
  if (items.includes("Current")) out.add("A");
  if (items.includes("Power")) out.add("W");
  return out;
}

/** The rules of a profile itself, wherever it comes from; undefined when it is fine. */
export function checkProfile(
  p: ChargingProfile,
  config: ConfigView,
  now: number,
): string | undefined {
  const s = p.chargingSchedule;
  const periods = s.chargingSchedulePeriod;
  const max = config.int("ChargingScheduleMaxPeriods");
  if (p.stackLevel > config.int("ChargeProfileMaxStackLevel")) {
    return `stackLevel ${p.stackLevel} is above ChargeProfileMaxStackLevel ${
      config.int("ChargeProfileMaxStackLevel")
    }`;
  }
  if (!allowedUnits(config).has(s.chargingRateUnit)) {
    return `chargingRateUnit ${s.chargingRateUnit} is not in ChargingScheduleAllowedChargingRateUnit`;
  }
  if (periods.length > max) {
    return `${periods.length} periods, more than ChargingScheduleMaxPeriods ${max}`;
  }
  if (periods[0]?.startPeriod !== 0) return "the first period must start at 0 (errata 3.45)";
  for (let i = 0; i < periods.length; i++) {
    const x = periods[i]!;
    if (i > 0 && x.startPeriod <= periods[i - 1]!.startPeriod) {
      return `period ${i + 1} starts at ${x.startPeriod}, not after period ${i}`;
    }
    if (!(x.limit >= 0)) return `period ${i + 1} has a negative limit ${x.limit}`;
    if (x.numberPhases !== undefined && (x.numberPhases < 1 || x.numberPhases > 3)) {
      return `period ${i + 1} has numberPhases ${x.numberPhases}, not 1 to 3`;
    }
  }
  if (s.duration !== undefined && s.duration <= 0) return `duration ${s.duration} is not > 0`;
  if (s.minChargingRate !== undefined && s.minChargingRate < 0) return "minChargingRate < 0";
  if (p.chargingProfileKind === "Recurring") {
    if (p.recurrencyKind === undefined) return "a Recurring profile needs a recurrencyKind";
    if (s.startSchedule === undefined) return "a Recurring profile needs a startSchedule";
  }
  const from = p.validFrom === undefined ? undefined : Date.parse(p.validFrom);
  const to = p.validTo === undefined ? undefined : Date.parse(p.validTo);
  if (from !== undefined && to !== undefined && to <= from) return "validTo is not after validFrom";
  if (to !== undefined && to <= now) return "validTo is in the past";
  if (p.transactionId !== undefined && p.chargingProfilePurpose !== "TxProfile") {
    return "only a TxProfile may name a transactionId (section 7.8)";
  }
  return undefined;
}

/** What SetChargingProfile is checked against. */
export interface SetContext {
  readonly config: ConfigView;
  readonly now: number;
  /** The transaction on the profile's connector: its transactionId (null: not yet known). */
  readonly tx: { readonly transactionId: number | null } | undefined;
}

/** SetChargingProfile (section 5.16): the refusal, or undefined when it may be installed. */
export function checkSetProfile(
  connectorId: number,
  p: ChargingProfile,
  ctx: SetContext,
): Refusal | undefined {
  const n = ctx.config.int("NumberOfConnectors");
  if (!Number.isInteger(connectorId) || connectorId < 0 || connectorId > n) {
    // Errata 3.39.
    return {
      reason: `connectorId ${connectorId} is not 0 to ${n}`,
      callError: "PropertyConstraintViolation",
    };
  }
  const purpose = p.chargingProfilePurpose;
  if (purpose === "ChargePointMaxProfile" && connectorId !== 0) {
    return { reason: "a ChargePointMaxProfile is set on connector 0 only (section 3.13.1)" };
  }
  if (purpose === "TxProfile") {
    if (connectorId === 0) return { reason: "a TxProfile is set on a connector > 0 (3.13.1)" };
    if (!ctx.tx) return { reason: `no transaction on connector ${connectorId} (5.16.4)` };
    if (p.transactionId !== undefined && p.transactionId !== ctx.tx.transactionId) {
      return {
        reason: `transactionId ${p.transactionId} is not the one on connector ${connectorId}`,
      };
    }
  }
  const bad = checkProfile(p, ctx.config, ctx.now);
  return bad === undefined ? undefined : { reason: bad };
}

/** A RemoteStartTransaction's chargingProfile (sections 5.11, 5.16.2, errata 3.41). */
export function checkRemoteProfile(
  p: ChargingProfile,
  config: ConfigView,
  now: number,
): string | undefined {
  if (p.chargingProfilePurpose !== "TxProfile") {
    return `its purpose is ${p.chargingProfilePurpose}, not TxProfile (section 5.16.2)`;
  }
  if (p.transactionId !== undefined) return "it names a transactionId (errata 3.41)";
  return checkProfile(p, config, now);
}
