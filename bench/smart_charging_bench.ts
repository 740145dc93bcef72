/**
 * Smart charging figures for `deno task bench`: GetCompositeSchedule over
 * 20 stacked profiles (the pure composite, and the actor's whole answer),
 * the 20 profiles written to a store for the idle-RSS run with them, and
 * the memory of the code: what is loaded at start (the gate) beside what
 * loads at first use (the full actor). Runs on its own too:
 * `deno run -A bench/smart_charging_bench.ts`.
 *
 * @module
 */
import { compositeSchedule, type Installed } from "../actors/composite_schedule.ts";
import { initialSmartCharging, transitionSmartCharging } from "../actors/smart_charging.ts";
import { viewOf } from "../config/registry.ts";
import { Storage } from "../runtime/storage.ts";
import { ProfileStore } from "../runtime/profile_store.ts";

const CALLS = Number(Deno.env.get("BENCH_COMPOSITE_CALLS") ?? 500);
const RUNS = Number(Deno.env.get("BENCH_IMPORT_RUNS") ?? 11);
const root = new URL("..", import.meta.url);

/** What the smart charging code needs that is loaded at start anyway. */
const EAGER = [
  "actors/bus.ts",
  "actors/messages.ts",
  "config/registry.ts",
  "actors/auth_decision.ts",
  "actors/_sc_validate.ts",
];
/** Loaded at start: the gate. */
const GATE = ["actors/smart_charging_gate.ts"];
/** Loaded at first use (with composite_schedule.ts, _sc_limits.ts, _sc_profiles.ts). */
const FULL = ["actors/smart_charging.ts"];

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

/** [anonymous RSS, V8 heap in use after a full GC] (MB) of a fresh process that imported `modules`, once idle. */
async function anonRss(modules: readonly string[]): Promise<[number, number]> {
  const url = (p: string) => JSON.stringify(new URL(p, root).href);
  const code = `
    ${modules.map((p) => `await import(${url(p)});`).join("\n")}
    await new Promise((r) => setTimeout(r, 300));
    globalThis.gc();
    await new Promise((r) => setTimeout(r, 100));
    const kb = /RssAnon:\\s+(\\d+)/.exec(Deno.readTextFileSync("/proc/self/status"))[1];
    const heap = Deno.memoryUsage().heapUsed / 1048576;
    Deno.stdout.writeSync(new TextEncoder().encode(JSON.stringify([Number(kb) / 1024, heap])));
  `;
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["eval", "--cached-only", "--v8-flags=--expose-gc", code],
    cwd: root,
    stdout: "piped",
    stderr: "piped",
  }).output();
  if (!out.success) throw new Error(new TextDecoder().decode(out.stderr));
  return JSON.parse(new TextDecoder().decode(out.stdout));
}

/**
 * The memory rows: the gate (the idle cost, loaded at start) and the rest
 * (loaded at first use, or at start with profiles stored), as the idle
 * memory of fresh processes that import them over the modules loaded
 * anyway, the three kinds of process alternating, medians. Anonymous RSS:
 * the process's own pages; the rest of RSS is the pages of the `deno`
 * executable it touched (shared, dropped first under pressure), which vary
 * by 2-3 MB from one process to the next whatever it imports.
 */
async function memoryRows(): Promise<[string, string][]> {
  const kinds = [EAGER, [...EAGER, ...GATE], [...EAGER, ...GATE, ...FULL]];
  const runs: number[][] = kinds.map(() => []);
  const heaps: number[][] = kinds.map(() => []);
  for (let i = 0; i < RUNS; i++) {
    for (const [k, modules] of kinds.entries()) {
      const [anon, heap] = await anonRss(modules);
      runs[k]!.push(anon);
      heaps[k]!.push(heap);
    }
  }
  const [base, gate, full] = runs.map(median) as [number, number, number];
  const [hBase, hGate, hFull] = heaps.map(median) as [number, number, number];
  const spread = Math.max(...runs.flatMap((r) => {
    const m = median(r);
    return r.map((x) => Math.abs(x - m));
  }));
  const mb = (x: number) => `${x < 0 ? "" : "+"}${x.toFixed(2)} MB`;
  return [
    [
      `smart charging at idle: the gate (smart_charging_gate.ts, _sc_local.ts), median of ${RUNS}`,
      `${mb(gate - base)} anonymous RSS (V8 heap ${mb(hGate - hBase)})`,
    ],
    [
      "  loaded at first use: smart_charging.ts, composite_schedule.ts, _sc_limits.ts, _sc_profiles.ts",
      `${mb(full - gate)} anonymous RSS (V8 heap ${mb(hFull - hGate)})`,
    ],
    [
      "  the processes without them (the modules loaded anyway)",
      `${base.toFixed(2)} MB (each run within ${spread.toFixed(2)} MB of its median)`,
    ],
  ];
}

/** The rows of the smart charging figures. */
export async function smartChargingBench(): Promise<[string, string][]> {
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
    ...await memoryRows(),
  ];
}

if (import.meta.main) {
  const rows = await smartChargingBench();
  const width = Math.max(...rows.map(([k]) => k.length));
  const text = rows.map(([k, v]) => `${k.padEnd(width)}  ${v}\n`).join("");
  await Deno.stdout.write(new TextEncoder().encode(text));
}
