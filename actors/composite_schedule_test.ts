import assert from "node:assert/strict";
import {
  type ChargingProfile,
  type Composite,
  type CompositeRequest,
  compositeSchedule,
  type Installed,
  nextChange,
  type RateUnit,
  roundLimit,
} from "./composite_schedule.ts";

const T0 = Date.parse("2026-03-02T10:00:00Z");
const iso = (t: number) => new Date(t).toISOString();
/** The OCTT's "Configured max time deviation". */
const DEV = 5_000;

function profile(
  id: number,
  purpose: ChargingProfile["chargingProfilePurpose"],
  stackLevel: number,
  periods: [number, number][],
  more: Partial<ChargingProfile> & { duration?: number; start?: number; unit?: RateUnit } = {},
): ChargingProfile {
  const { duration, start, unit, ...rest } = more;
  return {
    chargingProfileId: id,
    stackLevel,
    chargingProfilePurpose: purpose,
    chargingProfileKind: "Absolute",
    chargingSchedule: {
      ...(duration !== undefined ? { duration } : {}),
      ...(start !== undefined ? { startSchedule: iso(start) } : {}),
      chargingRateUnit: unit ?? "A",
      chargingSchedulePeriod: periods.map(([startPeriod, limit]) => ({
        startPeriod,
        limit: unit === "W" ? limit * 1000 : limit,
      })),
    },
    ...rest,
  };
}

const on = (connectorId: number, p: ChargingProfile, installedAt = T0): Installed => ({
  connectorId,
  profile: p,
  installedAt,
});

function ask(profiles: Installed[], over: Partial<CompositeRequest> = {}): Composite {
  return compositeSchedule({
    profiles,
    now: T0,
    connectorId: 1,
    durationS: 400,
    unit: "A",
    connectors: 1,
    sessions: new Map(),
    ratingA: 32,
    ...over,
  });
}

/** The OCTT's profiles of TC_066, startSchedule = set time - deviation. */
function tc066(unit: RateUnit, set: number): Installed[] {
  const s = set - DEV;
  const window = { validFrom: iso(s), validTo: iso(s + 401_000), start: s, unit };
  return [
    on(0, profile(1, "ChargePointMaxProfile", 0, [[0, 10]], { duration: 86400, start: s, unit })),
    on(
      1,
      profile(2, "TxDefaultProfile", 0, [[0, 6], [60, 10], [120, 8], [180, 15], [260, 8]], {
        duration: 300,
        ...window,
      }),
    ),
    on(
      1,
      profile(3, "TxProfile", 0, [[0, 8], [50, 11], [140, 16], [200, 6], [240, 12]], {
        duration: 260,
        ...window,
      }),
    ),
  ];
}

for (const unit of ["A", "W"] as const) {
  const k = unit === "W" ? 1000 : 1;
  Deno.test(`compositeSchedule() TC_066 values in ${unit}: 0:8, 50-x:10, 200-x:6, 240-x:10`, () => {
    // x: from the second SetChargingProfile to scheduleStart (here 3 s + the deviation).
    const set = T0 - 3_000;
    const c = ask(tc066(unit, set), { unit, sessions: new Map([[1, T0 - 60_000]]) });
    const x = (T0 - (set - DEV)) / 1000;
    assert.equal(c.start, T0);
    assert.equal(c.durationS, 400);
    assert.equal(c.unit, unit);
    assert.deepEqual(c.periods, [
      { startPeriod: 0, limit: 8 * k },
      { startPeriod: 50 - x, limit: 10 * k },
      { startPeriod: 200 - x, limit: 6 * k },
      { startPeriod: 240 - x, limit: 10 * k },
    ]);
  });

  Deno.test(`compositeSchedule() TC_072 stacked TxDefaultProfiles in ${unit}: 7, 9, 8, 10`, () => {
    const s = T0 - 2_000 - DEV;
    const valid = { validFrom: iso(s), validTo: iso(s + 401_000), start: s, unit };
    const c = ask([
      on(
        1,
        profile(1, "TxDefaultProfile", 0, [[0, 6], [100, 8], [200, 10]], {
          duration: 400,
          ...valid,
        }),
      ),
      on(1, profile(2, "TxDefaultProfile", 1, [[0, 7], [100, 9]], { duration: 150, ...valid })),
    ], { unit, durationS: 350 });
    const x = (T0 - s) / 1000;
    assert.deepEqual(c.periods, [
      { startPeriod: 0, limit: 7 * k },
      { startPeriod: 100 - x, limit: 9 * k },
      { startPeriod: 150 - x, limit: 8 * k },
      { startPeriod: 200 - x, limit: 10 * k },
    ]);
  });
}

Deno.test("compositeSchedule() TC_067 after each clear: 7/9, then 11/12, then the local limit", () => {
  const s = T0 - 4_000 - DEV;
  const valid = { validFrom: iso(s), validTo: iso(s + 401_000), start: s };
  const p1 = on(
    1,
    profile(1, "TxDefaultProfile", 1, [[0, 6], [60, 8], [200, 10]], {
      duration: 400,
      start: s,
    }),
  );
  const p2 = on(
    1,
    profile(2, "TxDefaultProfile", 0, [[0, 7], [100, 9]], {
      duration: 400,
      ...valid,
    }),
  );
  const p3 = on(
    0,
    profile(3, "ChargePointMaxProfile", 0, [[0, 11], [200, 12]], {
      duration: 86400,
      ...valid,
    }),
  );
  const x = (T0 - s) / 1000;
  assert.deepEqual(ask([p2, p3], { durationS: 350 }).periods, [
    { startPeriod: 0, limit: 7 },
    { startPeriod: 100 - x, limit: 9 },
  ]);
  assert.deepEqual(ask([p3], { durationS: 350 }).periods, [
    { startPeriod: 0, limit: 11 },
    { startPeriod: 200 - x, limit: 12 },
  ]);
  assert.deepEqual(ask([], { durationS: 350 }).periods, [{ startPeriod: 0, limit: 32 }]);
  // With p1 still there, it wins over p2 (stack level 1).
  assert.deepEqual(ask([p1, p2, p3], { durationS: 350 }).periods[0], { startPeriod: 0, limit: 6 });
});

Deno.test("compositeSchedule() TC_056 TxDefaultProfile counts without a transaction", () => {
  const p = on(1, profile(1, "TxDefaultProfile", 0, [[0, 6]], { duration: 300, unit: "W" }));
  // Absolute without startSchedule: from the start of charging, here "now".
  const c = ask([p], { unit: "W", durationS: 300 });
  assert.deepEqual(c.periods, [{ startPeriod: 0, limit: 6000 }]);
});

Deno.test("compositeSchedule() converts A and W with numberPhases and 230 V", () => {
  const w1 = profile(1, "TxDefaultProfile", 0, [], { unit: "W", start: T0 });
  w1.chargingSchedule.chargingSchedulePeriod.push({ startPeriod: 0, limit: 6900, numberPhases: 3 });
  assert.deepEqual(ask([on(1, w1)]).periods, [{ startPeriod: 0, limit: 10 }]);
  const w2 = profile(1, "TxDefaultProfile", 0, [], { unit: "W", start: T0 });
  w2.chargingSchedule.chargingSchedulePeriod.push({ startPeriod: 0, limit: 2300, numberPhases: 1 });
  assert.deepEqual(ask([on(1, w2)]).periods, [{ startPeriod: 0, limit: 10 }]);
  // 6000 W on 3 phases is 8.695... A: rounded down, never above.
  const w3 = profile(1, "TxDefaultProfile", 0, [[0, 6]], { unit: "W", start: T0 });
  assert.deepEqual(ask([on(1, w3)]).periods, [{ startPeriod: 0, limit: 8.6 }]);
  // An A profile asked in W: 16 A x 230 V x 3; the rating 32 A is 22,080 W.
  const a = profile(1, "TxDefaultProfile", 0, [[0, 16], [60, 40]], { start: T0 });
  assert.deepEqual(ask([on(1, a)], { unit: "W" }).periods, [
    { startPeriod: 0, limit: 11040 },
    { startPeriod: 60, limit: 22080 },
  ]);
  assert.equal(roundLimit(-1), 0);
});

Deno.test("compositeSchedule() recurs daily from startSchedule's time, not midnight", () => {
  // Every day from 18:00 for 2 h: 6 A. Asked at 17:00 of a later day for 4 h.
  const start = Date.parse("2026-02-01T18:00:00Z");
  const p = profile(1, "TxDefaultProfile", 0, [[0, 6]], { duration: 7200, start });
  p.chargingProfileKind = "Recurring";
  p.recurrencyKind = "Daily";
  const now = Date.parse("2026-03-02T17:00:00Z");
  assert.deepEqual(ask([on(1, p)], { now, durationS: 4 * 3600 }).periods, [
    { startPeriod: 0, limit: 32 },
    { startPeriod: 3600, limit: 6 },
    { startPeriod: 3 * 3600, limit: 32 },
  ]);
  // Weekly: a week later only.
  p.recurrencyKind = "Weekly";
  const weekLater = Date.parse("2026-02-08T17:00:00Z");
  assert.deepEqual(ask([on(1, p)], { now: weekLater, durationS: 4 * 3600 }).periods[1], {
    startPeriod: 3600,
    limit: 6,
  });
  assert.deepEqual(ask([on(1, p)], { now: weekLater + 86_400_000, durationS: 4 * 3600 }).periods, [
    { startPeriod: 0, limit: 32 },
  ]);
});

Deno.test("compositeSchedule() periods past a recurrence are not executed (errata 3.44)", () => {
  const start = Date.parse("2026-02-01T00:00:00Z");
  const p = profile(1, "TxDefaultProfile", 0, [[0, 6], [90_000, 20]], { start });
  p.chargingProfileKind = "Recurring";
  p.recurrencyKind = "Daily";
  const now = Date.parse("2026-03-02T23:00:00Z");
  assert.deepEqual(ask([on(1, p)], { now, durationS: 7200 }).periods, [{
    startPeriod: 0,
    limit: 6,
  }]);
});

Deno.test("compositeSchedule() Relative starts with the transaction", () => {
  const p = profile(1, "TxProfile", 0, [[0, 10], [600, 16]]);
  p.chargingProfileKind = "Relative";
  const c = ask([on(1, p)], { sessions: new Map([[1, T0 - 500_000]]), durationS: 200 });
  assert.deepEqual(c.periods, [{ startPeriod: 0, limit: 10 }, { startPeriod: 100, limit: 16 }]);
});

Deno.test("compositeSchedule() a future validFrom means the default until then", () => {
  const p = profile(1, "TxDefaultProfile", 0, [[0, 6]], {
    start: T0 - 60_000,
    validFrom: iso(T0 + 100_000),
  });
  assert.deepEqual(ask([on(1, p)]).periods, [
    { startPeriod: 0, limit: 32 },
    { startPeriod: 100, limit: 6 },
  ]);
});

Deno.test("compositeSchedule() a connector's TxDefault hides connector 0's of its stack level only", () => {
  const all = on(0, profile(1, "TxDefaultProfile", 0, [[0, 10]], { start: T0 }));
  const mine = on(2, profile(2, "TxDefaultProfile", 0, [[0, 16]], { start: T0 }));
  const upper = on(0, profile(3, "TxDefaultProfile", 1, [[0, 8]], { start: T0, duration: 60 }));
  const two = { connectors: 2, durationS: 120 };
  assert.deepEqual(ask([all, mine], { ...two, connectorId: 1 }).periods, [{
    startPeriod: 0,
    limit: 10,
  }]);
  assert.deepEqual(ask([all, mine], { ...two, connectorId: 2 }).periods, [{
    startPeriod: 0,
    limit: 16,
  }]);
  assert.deepEqual(ask([all, mine, upper], { ...two, connectorId: 2 }).periods, [
    { startPeriod: 0, limit: 8 },
    { startPeriod: 60, limit: 16 },
  ]);
});

Deno.test("compositeSchedule() connector 0 sums the connectors, capped by ChargePointMax", () => {
  const d1 = on(1, profile(1, "TxDefaultProfile", 0, [[0, 10]], { start: T0 }));
  const d2 = on(2, profile(2, "TxDefaultProfile", 0, [[0, 16], [100, 6]], { start: T0 }));
  const max = on(0, profile(3, "ChargePointMaxProfile", 0, [[0, 20]], { start: T0 }));
  const c = ask([d1, d2, max], { connectorId: 0, connectors: 2, durationS: 200 });
  assert.deepEqual(c.periods, [{ startPeriod: 0, limit: 20 }, { startPeriod: 100, limit: 16 }]);
  // No profiles: each connector's share of the rating, the sum within the rating.
  assert.deepEqual(ask([], { connectorId: 0, connectors: 2 }).periods, [{
    startPeriod: 0,
    limit: 32,
  }]);
});

Deno.test("compositeSchedule() local limits: an external limit until a time", () => {
  const c = ask([], { local: [{ currentA: 10, until: T0 + 120_000 }], durationS: 300 });
  assert.deepEqual(c.periods, [{ startPeriod: 0, limit: 10 }, { startPeriod: 120, limit: 32 }]);
});

Deno.test("compositeSchedule() duration 0 still answers the limit at that instant", () => {
  const p = on(1, profile(1, "TxDefaultProfile", 0, [[0, 6]], { start: T0 }));
  assert.deepEqual(ask([p], { durationS: 0 }), {
    start: T0,
    durationS: 0,
    unit: "A",
    periods: [{ startPeriod: 0, limit: 6 }],
  });
});

Deno.test("nextChange() finds the next period boundary, and none for a flat schedule", () => {
  const p = on(1, profile(1, "TxDefaultProfile", 0, [[0, 6], [60, 8]], { start: T0 }));
  assert.equal(nextChange([p], new Map(), [], T0, T0 + 86_400_000), T0 + 60_000);
  assert.equal(nextChange([p], new Map(), [], T0 + 60_000, T0 + 86_400_000), undefined);
  const rel = profile(2, "TxProfile", 0, [[0, 6], [60, 8]]);
  rel.chargingProfileKind = "Relative";
  // Relative: only with a transaction, from its start.
  assert.equal(nextChange([on(1, rel)], new Map(), [], T0, T0 + 86_400_000), undefined);
  assert.equal(
    nextChange([on(1, rel)], new Map([[1, T0 - 30_000]]), [], T0, T0 + 86_400_000),
    T0 + 30_000,
  );
  assert.equal(nextChange([], new Map(), [{ currentA: 6, until: T0 + 5 }], T0, T0 + 10), T0 + 5);
});

// --- Property tests: random Absolute profiles against a second-by-second oracle ---

/** A small deterministic PRNG (mulberry32). */
function rng(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function randomProfiles(r: () => number): Installed[] {
  const n = Math.floor(r() * 6);
  const out: Installed[] = [];
  const int = (lo: number, hi: number) => lo + Math.floor(r() * (hi - lo + 1));
  for (let i = 0; i < n; i++) {
    const purpose = r() < 0.4 ? "ChargePointMaxProfile" : "TxDefaultProfile";
    const periods: [number, number][] = [[0, int(0, 40)]];
    while (r() < 0.5) periods.push([periods.at(-1)![0] + int(1, 200), int(0, 40)]);
    const start = T0 + int(-300, 300) * 1000;
    const p = profile(i + 1, purpose, i, periods, {
      start,
      ...(r() < 0.6 ? { duration: int(1, 600) } : {}),
      ...(r() < 0.3 ? { validFrom: iso(T0 + int(-100, 300) * 1000) } : {}),
      ...(r() < 0.3 ? { validTo: iso(T0 + int(0, 600) * 1000) } : {}),
    });
    out.push(on(purpose === "ChargePointMaxProfile" ? 0 : 1, p));
  }
  return out;
}

/** The winning limit of one purpose at t, the spec's way, or Infinity. */
function oracle(profiles: Installed[], purpose: string, t: number): number {
  let best: { stack: number; limit: number } | undefined;
  for (const { profile: p } of profiles) {
    if (p.chargingProfilePurpose !== purpose) continue;
    const s = Date.parse(p.chargingSchedule.startSchedule!);
    const d = p.chargingSchedule.duration;
    if (p.validFrom && t < Date.parse(p.validFrom)) continue;
    if (p.validTo && t >= Date.parse(p.validTo)) continue;
    if (t < s || (d !== undefined && t >= s + d * 1000)) continue;
    const period = p.chargingSchedule.chargingSchedulePeriod.findLast((x) =>
      s + x.startPeriod * 1000 <= t
    )!;
    if (!best || p.stackLevel > best.stack) best = { stack: p.stackLevel, limit: period.limit };
  }
  return best?.limit ?? Infinity;
}

function valueAt(c: Composite, second: number): number {
  return c.periods.findLast((p) => p.startPeriod <= second)!.limit;
}

Deno.test("compositeSchedule() property: equals the minimum of the winners at every second", () => {
  const r = rng(2026);
  for (let run = 0; run < 300; run++) {
    const profiles = randomProfiles(r);
    const c = ask(profiles, { durationS: 600 });
    assert.equal(c.periods[0]!.startPeriod, 0);
    for (let i = 1; i < c.periods.length; i++) {
      assert.ok(c.periods[i]!.startPeriod > c.periods[i - 1]!.startPeriod, "ascending");
      assert.notEqual(c.periods[i]!.limit, c.periods[i - 1]!.limit, "merged");
      assert.ok(c.periods[i]!.startPeriod < 600, "within the window");
    }
    for (let s = 0; s < 600; s++) {
      const t = T0 + s * 1000;
      const cp = oracle(profiles, "ChargePointMaxProfile", t);
      const tx = oracle(profiles, "TxDefaultProfile", t);
      const got = valueAt(c, s);
      assert.ok(got <= cp && got <= tx && got <= 32, `run ${run} s ${s}: never above a profile`);
      assert.equal(got, Math.min(cp, tx, 32), `run ${run} s ${s}`);
    }
  }
});

Deno.test("compositeSchedule() property: W is A x 690 on 3 phases; nothing installed is the rating", () => {
  const r = rng(7);
  for (let run = 0; run < 100; run++) {
    const profiles = randomProfiles(r);
    const a = ask(profiles, { durationS: 600 });
    const w = ask(profiles, { durationS: 600, unit: "W" });
    for (let s = 0; s < 600; s += 7) assert.equal(valueAt(w, s), valueAt(a, s) * 690);
  }
  for (const unit of ["A", "W"] as const) {
    assert.deepEqual(ask([], { unit, ratingA: 16 }).periods, [{
      startPeriod: 0,
      limit: unit === "A" ? 16 : 16 * 690,
    }]);
  }
});
