/**
 * Smart charging figures for `deno task bench`: GetCompositeSchedule over
 * 20 stacked profiles (the pure composite, and the actor's whole answer),
 * and the 20 profiles written to a store for the idle-RSS run with them.
 *
 * @module
 */
import { compositeSchedule, type Installed } from "../actors/composite_schedule.ts";
import { initialSmartCharging, transitionSmartCharging } from "../actors/smart_charging.ts";
import { viewOf } from "../config/registry.ts";
import { Storage } from "../runtime/storage.ts";
import { ProfileStore } from "../runtime/profile_store.ts";

const CALLS = Number(Deno.env.get("BENCH_COMPOSITE_CALLS") ?? 500);

/** 20 TxDefaultProfiles stacked on connector 1, 12 periods each, mixed kinds, plus a CPMax. */
export function stackedProfiles(now: number): Installed[] {
  const out: Installed[] = [];
  for (let level = 0; level < 20; level++) {
    const start = new Date(now - level * 600_000).toISOString();
    out.push({
      connectorId: level === 19 ? 0 : 1,
      installedAt: now,
      profile: {
        chargingProfileId: level + 1,
        stackLevel: level,
        chargingProfilePurpose: level === 19 ? "ChargePointMaxProfile" : "TxDefaultProfile",
        chargingProfileKind: level % 3 === 0 ? "Recurring" : "Absolute",
        ...(level % 3 === 0 ? { recurrencyKind: "Daily" as const } : {}),
        validFrom: new Date(now - 3_600_000).toISOString(),
        chargingSchedule: {
          startSchedule: start,
          duration: 3600 * (1 + (level % 5)),
          chargingRateUnit: level % 2 ? "W" : "A",
          chargingSchedulePeriod: Array.from({ length: 12 }, (_, i) => ({
            startPeriod: i * 300,
            limit: level % 2 ? 4000 + 500 * i : 6 + i,
            numberPhases: 1 + (i % 3),
          })),
        },
      },
    });
  }
  return out;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

/** Writes the 20 profiles to the store of `dataDir` (state.db), as SetChargingProfile would. */
export function storeProfiles(dataDir: string): void {
  const storage = Storage.open(`${dataDir}/state.db`);
  const store = new ProfileStore(storage);
  for (const installed of stackedProfiles(Date.now())) {
    store.apply({ kind: "put", installed, replaces: [] });
  }
  storage.close();
}

/** The rows of the smart charging figures. */
export function smartChargingBench(): [string, string][] {
  const now = Date.now();
  const profiles = stackedProfiles(now);
  const pure: number[] = [];
  let periods = 0;
  for (let i = 0; i < CALLS; i++) {
    const t0 = performance.now();
    const c = compositeSchedule({
      profiles,
      now,
      connectorId: 1,
      durationS: 86400,
      unit: "A",
      connectors: 2,
      sessions: new Map([[1, now - 60_000]]),
      ratingA: 32,
    });
    pure.push(performance.now() - t0);
    periods = c.periods.length;
  }
  const ctx = { now, config: viewOf(new Map([["NumberOfConnectors", 2]])) };
  const state = { ...initialSmartCharging(ctx), profiles };
  const actor: number[] = [];
  for (let i = 0; i < CALLS; i++) {
    const t0 = performance.now();
    transitionSmartCharging(state, {
      type: "ocpp.request",
      id: `g${i}`,
      action: "GetCompositeSchedule",
      payload: { connectorId: 1, duration: 86400, chargingRateUnit: "W" },
    }, ctx);
    actor.push(performance.now() - t0);
  }
  const ms = (n: number) => `${n.toFixed(3)} ms`;
  return [
    [
      `GetCompositeSchedule, 20 stacked profiles, 24 h (${periods} periods): composite, median of ${CALLS}`,
      ms(median(pure)),
    ],
    ["  through the smart charging actor (answer built), median", ms(median(actor))],
  ];
}
