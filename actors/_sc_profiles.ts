/**
 * The installed charging profiles as data (private to `smart_charging.ts`):
 * what a new profile replaces, what ClearChargingProfile matches, how a
 * stored change applies.
 *
 * @module
 */
import type { ProfileChange } from "./messages.ts";
import type { V16 } from "../ocpp/types.ts";
import type { Installed } from "./composite_schedule.ts";

/** Applies a stored change to the installed profiles. */
export function applyChange(profiles: readonly Installed[], c: ProfileChange): Installed[] {
  const gone = new Set(c.kind === "put" ? c.replaces : c.ids);
  const kept = profiles.filter((i) => !gone.has(i.profile.chargingProfileId));
  return c.kind === "put" ? [...kept, c.installed] : kept;
}

/** The profiles a new one replaces (sections 3.13.2, 5.16.3). */
export function replacedBy(profiles: readonly Installed[], next: Installed): number[] {
  const p = next.profile;
  return profiles.filter((i) =>
    i.profile.chargingProfileId === p.chargingProfileId ||
    (i.connectorId === next.connectorId && i.profile.stackLevel === p.stackLevel &&
      i.profile.chargingProfilePurpose === p.chargingProfilePurpose)
  ).map((i) => i.profile.chargingProfileId);
}

/** The profiles ClearChargingProfile matches (errata 3.25, 3.26). */
export function matching(
  profiles: readonly Installed[],
  req: V16.ClearChargingProfileRequest,
): Installed[] {
  if (req.id !== undefined) return profiles.filter((i) => i.profile.chargingProfileId === req.id);
  return profiles.filter((i) =>
    (req.connectorId === undefined || i.connectorId === req.connectorId) &&
    (req.chargingProfilePurpose === undefined ||
      i.profile.chargingProfilePurpose === req.chargingProfilePurpose) &&
    (req.stackLevel === undefined || i.profile.stackLevel === req.stackLevel)
  );
}

/** Start (ms) of the transaction on each connector that has one, by connectorId. */
export function sessionsMap(
  s: { readonly sessions: readonly ({ readonly startedAt: number } | null)[] },
): Map<number, number> {
  const m = new Map<number, number>();
  s.sessions.forEach((x, i) => x && m.set(i + 1, x.startedAt));
  return m;
}
