import assert from "node:assert/strict";
import type { Ctx, Effect, TimerFired } from "./bus.ts";
import type { MessageOf } from "./messages.ts";
import { type Value, viewOf } from "../config/registry.ts";
import type { ChargingProfile } from "./composite_schedule.ts";
import {
  initialSmartCharging,
  type SmartChargingMsg,
  type SmartChargingState,
  transitionSmartCharging,
} from "./smart_charging.ts";
import { waterFill } from "./_sc_limits.ts";

const T0 = Date.parse("2026-03-02T10:00:00.000Z");

function ctx(values: Record<string, Value> = {}, now = T0): Ctx {
  return { now, config: viewOf(new Map(Object.entries({ NumberOfConnectors: 2, ...values }))) };
}

function run(
  state: SmartChargingState,
  msgs: readonly (SmartChargingMsg | TimerFired)[],
  c: Ctx = ctx(),
): [SmartChargingState, Effect[]] {
  let effects: Effect[] = [];
  for (const m of msgs) [state, effects] = transitionSmartCharging(state, m, c);
  return [state, effects];
}

function profile(over: Partial<ChargingProfile> = {}, periods = [{ startPeriod: 0, limit: 10 }]) {
  return {
    chargingProfileId: 1,
    stackLevel: 0,
    chargingProfilePurpose: "TxDefaultProfile",
    chargingProfileKind: "Absolute",
    chargingSchedule: {
      startSchedule: new Date(T0).toISOString(),
      chargingRateUnit: "A",
      chargingSchedulePeriod: periods,
    },
    ...over,
  } as ChargingProfile;
}

const set = (connectorId: number, p: ChargingProfile, id = "m1"): SmartChargingMsg => ({
  type: "ocpp.request",
  id,
  action: "SetChargingProfile",
  payload: { connectorId, csChargingProfiles: p },
});
const clear = (payload: Record<string, unknown>): SmartChargingMsg => ({
  type: "ocpp.request",
  id: "c1",
  action: "ClearChargingProfile",
  payload,
});
const stored = (ref: string, ok = true): SmartChargingMsg => ({ type: "sc.persisted", ref, ok });
const started = (connectorId: number, idTag = "TAG", timestamp = T0): SmartChargingMsg => ({
  type: "tx.started",
  connectorId,
  idTag,
  meterStartWh: 0,
  timestamp,
  tx: connectorId,
});

const of = <K extends Effect["type"]>(effects: Effect[], type: K) =>
  effects.filter((e) => e.type === type) as Extract<Effect, { type: K }>[];
const replies = (effects: Effect[]) => of(effects, "ocpp.reply").map((e) => e.payload);
const limits = (effects: Effect[]) =>
  of(effects, "sc.limit").map((e) => [e.connectorId, e.currentA, e.source]);

/** Installs profiles (stored at once); returns the state. */
function install(
  state: SmartChargingState,
  list: [number, ChargingProfile][],
  c = ctx(),
): SmartChargingState {
  for (const [connectorId, p] of list) {
    let effects: Effect[];
    [state, effects] = run(state, [set(connectorId, p)], c);
    const persist = of(effects, "sc.persist")[0];
    assert.ok(persist, `profile ${p.chargingProfileId} not refused`);
    [state] = run(state, [stored(persist.ref!)], c);
  }
  return state;
}

Deno.test("SetChargingProfile is Accepted only after the store has it", () => {
  const s0 = initialSmartCharging(ctx());
  const [s1, e1] = run(s0, [set(1, profile())]);
  assert.deepEqual(replies(e1), [], "no answer before the store");
  assert.equal(s1.profiles.length, 0);
  const persist = of(e1, "sc.persist")[0]!;
  assert.equal(persist.change.kind, "put");
  const [s2, e2] = run(s1, [stored(persist.ref!)]);
  assert.deepEqual(replies(e2), [{ status: "Accepted" }]);
  assert.equal(s2.profiles.length, 1);
  assert.deepEqual(limits(e2), [[1, 10, "ocpp"], [2, 32, "installer"]]);
  // A failed write: Rejected and nothing installed.
  const [s3, e3] = run(s2, [set(1, profile({ chargingProfileId: 2, stackLevel: 1 }))]);
  const [s4, e4] = run(s3, [stored(of(e3, "sc.persist")[0]!.ref!, false)]);
  assert.deepEqual(replies(e4), [{ status: "Rejected" }]);
  assert.equal(s4.profiles.length, 1);
});

Deno.test("SetChargingProfile replaces by id, or by stackLevel and purpose on the connector", () => {
  let s = install(initialSmartCharging(ctx()), [[1, profile()]]);
  s = install(s, [[1, profile({ chargingProfileId: 1, stackLevel: 3 })]]);
  assert.deepEqual(s.profiles.map((i) => i.profile.stackLevel), [3]);
  s = install(s, [[1, profile({ chargingProfileId: 9, stackLevel: 3 })]]);
  assert.deepEqual(s.profiles.map((i) => i.profile.chargingProfileId), [9]);
  // Same stack level on another connector: a second profile.
  s = install(s, [[2, profile({ chargingProfileId: 10, stackLevel: 3 })]]);
  assert.deepEqual(s.profiles.map((i) => i.profile.chargingProfileId), [9, 10]);
  // At MaxChargingProfilesInstalled a replacement still fits, a new one does not.
  const full = ctx({ MaxChargingProfilesInstalled: 2 });
  s = install(s, [[1, profile({ chargingProfileId: 9, stackLevel: 4 })]], full);
  const [, e] = run(s, [set(1, profile({ chargingProfileId: 11, stackLevel: 5 }))], full);
  assert.deepEqual(replies(e), [{ status: "Rejected" }]);
  assert.deepEqual(of(e, "sc.persist"), []);
});

Deno.test("SetChargingProfile refuses inconsistent profiles and changes nothing", () => {
  const s0 = initialSmartCharging(ctx());
  const cases: [string, number, ChargingProfile, Record<string, Value>?][] = [
    [
      "ChargePointMax on a connector",
      1,
      profile({ chargingProfilePurpose: "ChargePointMaxProfile" }),
    ],
    ["TxProfile on connector 0", 0, profile({ chargingProfilePurpose: "TxProfile" })],
    ["TxProfile without transaction", 1, profile({ chargingProfilePurpose: "TxProfile" })],
    ["transactionId on a TxDefault", 1, profile({ transactionId: 5 })],
    ["first period not at 0", 1, profile({}, [{ startPeriod: 5, limit: 10 }])],
    [
      "periods not ascending",
      1,
      profile({}, [{ startPeriod: 0, limit: 10 }, {
        startPeriod: 0,
        limit: 6,
      }]),
    ],
    ["negative limit", 1, profile({}, [{ startPeriod: 0, limit: -1 }])],
    [
      "too many periods",
      1,
      profile({}, [{ startPeriod: 0, limit: 1 }, {
        startPeriod: 1,
        limit: 2,
      }]),
      { ChargingScheduleMaxPeriods: 1 },
    ],
    ["unit not allowed", 1, profile(), { ChargingScheduleAllowedChargingRateUnit: "Power" }],
    ["stack level too high", 1, profile({ stackLevel: 33 })],
    ["Recurring without recurrencyKind", 1, profile({ chargingProfileKind: "Recurring" })],
    ["validTo in the past", 1, profile({ validTo: new Date(T0 - 1).toISOString() })],
  ];
  for (const [what, connectorId, p, values] of cases) {
    const [s, e] = run(s0, [set(connectorId, p)], ctx(values));
    assert.deepEqual(replies(e), [{ status: "Rejected" }], what);
    assert.deepEqual(of(e, "sc.persist"), [], what);
    assert.deepEqual(s, s0, what);
  }
  // Errata 3.39: an unknown connector is a CALLERROR.
  const [, e] = run(s0, [set(3, profile())]);
  assert.deepEqual(of(e, "ocpp.reply_error").map((x) => x.code), ["PropertyConstraintViolation"]);
  assert.deepEqual(replies(e), []);
});

Deno.test("ClearChargingProfile: an id overrides the rest, fields are ANDed, stackLevel 0 is a value", () => {
  const cpMax = profile({ chargingProfileId: 3, chargingProfilePurpose: "ChargePointMaxProfile" });
  const base = install(initialSmartCharging(ctx()), [
    [1, profile({ chargingProfileId: 1, stackLevel: 1 })],
    [1, profile({ chargingProfileId: 2, stackLevel: 0 })],
    [0, cpMax],
  ]);
  const ids = (payload: Record<string, unknown>) => {
    const [, e] = run(base, [clear(payload)]);
    const p = of(e, "sc.persist")[0];
    if (!p) return replies(e);
    return p.change.kind === "delete" ? p.change.ids : [];
  };
  assert.deepEqual(ids({ id: 1, connectorId: 0, stackLevel: 5 }), [1]);
  assert.deepEqual(ids({ stackLevel: 0 }), [2, 3]);
  assert.deepEqual(ids({ stackLevel: 0, connectorId: 1 }), [2]);
  assert.deepEqual(ids({ chargingProfilePurpose: "TxDefaultProfile" }), [1, 2]);
  assert.deepEqual(ids({}), [1, 2, 3]);
  assert.deepEqual(ids({ id: 42 }), [{ status: "Unknown" }]);
  assert.deepEqual(ids({ connectorId: 2 }), [{ status: "Unknown" }]);
  const [s1, e1] = run(base, [clear({ id: 1 })]);
  const [s2, e2] = run(s1, [stored(of(e1, "sc.persist")[0]!.ref!)]);
  assert.deepEqual(replies(e2), [{ status: "Accepted" }]);
  assert.deepEqual(s2.profiles.map((i) => i.profile.chargingProfileId), [2, 3]);
});

Deno.test("A TxProfile ends with its transaction; a RemoteStart profile binds to its own", () => {
  let s = run(initialSmartCharging(ctx()), [started(1)])[0];
  s = install(s, [[1, profile({ chargingProfilePurpose: "TxProfile", chargingProfileId: 5 })]]);
  const [s1, e1] = run(s, [{
    type: "tx.stopped",
    connectorId: 1,
    transactionId: 7,
    reason: "Local",
  }]);
  assert.deepEqual(of(e1, "sc.persist").map((p) => p.change), [{ kind: "delete", ids: [5] }]);
  assert.deepEqual(s1.profiles, []);
  const remote: SmartChargingMsg = {
    type: "sc.remote_profile",
    connectorId: 2,
    idTag: "abc",
    profile: profile({ chargingProfilePurpose: "TxProfile", chargingProfileId: 6 }),
  };
  // Another card's transaction does not get it, and it is gone then.
  let [s2] = run(s1, [remote, started(2, "OTHER")]);
  assert.deepEqual(s2.profiles, []);
  [s2] = run(s1, [remote, started(2, "ABC")]);
  assert.deepEqual(s2.profiles.map((i) => [i.connectorId, i.profile.chargingProfileId]), [[2, 6]]);
});

Deno.test("A TxProfile whose transaction ended while it was being stored is not installed", () => {
  const s0 = run(initialSmartCharging(ctx()), [started(1)])[0];
  const [s1, e1] = run(s0, [set(1, profile({ chargingProfilePurpose: "TxProfile" }))]);
  const ref = of(e1, "sc.persist")[0]!.ref!;
  const [s2, e2] = run(s1, [
    { type: "tx.stopped", connectorId: 1, transactionId: 1, reason: "Local" },
    stored(ref),
  ]);
  assert.deepEqual(replies(e2), [{ status: "Rejected" }]);
  assert.deepEqual(of(e2, "sc.persist").map((p) => p.change), [{ kind: "delete", ids: [1] }]);
  assert.deepEqual(s2.profiles, []);
});

Deno.test("Limits follow the period boundaries on the clock and pause below 6 A", () => {
  const p = profile({}, [{ startPeriod: 0, limit: 16 }, { startPeriod: 60, limit: 5 }, {
    startPeriod: 120,
    limit: 6,
  }]);
  let s = install(run(initialSmartCharging(ctx()), [started(1)])[0], [[1, p]]);
  const [s1, e1] = run(s, [{ type: "system.started" }]);
  assert.deepEqual(of(e1, "timer.start"), [{ type: "timer.start", id: "boundary", ms: 60_000 }]);
  s = s1;
  const fire: TimerFired = { type: "timer.fired", id: "boundary" };
  let e: Effect[];
  [s, e] = run(s, [fire], ctx({}, T0 + 60_000));
  assert.deepEqual(limits(e), [[1, 0, "ocpp"]]);
  [s, e] = run(s, [fire], ctx({}, T0 + 120_000));
  assert.deepEqual(limits(e), [[1, 6, "ocpp"]]);
  // The installer's rating below the profile: the rating limits.
  [, e] = run(
    s,
    [{ type: "config.changed", key: "MaxCurrentA", value: 6 }],
    ctx({
      MaxCurrentA: 6,
    }, T0 + 120_000),
  );
  assert.deepEqual(limits(e), [[1, 6, "installer"], [2, 6, "installer"]]);
});

Deno.test("ChargePointMaxProfile is shared by the charging connectors; the first keeps 6 A", () => {
  const cpMax = (limit: number) =>
    profile({ chargingProfileId: 3, chargingProfilePurpose: "ChargePointMaxProfile" }, [{
      startPeriod: 0,
      limit,
    }]);
  let s = run(initialSmartCharging(ctx()), [started(1, "A", T0 - 1000), started(2, "B", T0)])[0];
  let e: Effect[];
  s = install(s, [[0, cpMax(20)]]);
  [s, e] = run(s, [{ type: "system.started" }]);
  assert.deepEqual(s.published.map((l) => l?.currentA), [10, 10]);
  s = install(s, [[2, profile({ chargingProfileId: 4 }, [{ startPeriod: 0, limit: 7 }])]]);
  assert.deepEqual(s.published.map((l) => [l?.currentA, l?.source]), [[13, "ocpp"], [7, "ocpp"]]);
  s = install(s, [[0, cpMax(10)]]);
  assert.deepEqual(s.published.map((l) => l?.currentA), [10, 0], "no two of 5 A: one pauses");
  // The external limit of the local API, until a time.
  const until = T0 + 30_000;
  [s, e] = run(s, [{ type: "sc.external_limit", limit: { currentA: 8, until } }]);
  assert.deepEqual(limits(e), [[1, 8, "external"], [2, 0, "external"]]);
  [s, e] = run(s, [{ type: "timer.fired", id: "boundary" }], ctx({}, until));
  assert.deepEqual(limits(e), [[1, 10, "ocpp"], [2, 0, "ocpp"]]);
  assert.equal(s.external, null);
  assert.deepEqual(waterFill([4, 20, 20], 20), [4, 8, 8]);
});

Deno.test("GetCompositeSchedule answers for connectors 0..N and rejects others", () => {
  const s = initialSmartCharging(ctx());
  const ask = (connectorId: number, duration = 60): MessageOf<"ocpp.request"> => ({
    type: "ocpp.request",
    id: "g",
    action: "GetCompositeSchedule",
    payload: { connectorId, duration },
  });
  assert.deepEqual(replies(run(s, [ask(3)])[1]), [{ status: "Rejected" }]);
  assert.deepEqual(replies(run(s, [ask(1, -1)])[1]), [{ status: "Rejected" }]);
  const long = replies(run(s, [ask(1, 10 * 365 * 86_400)])[1])[0] as {
    chargingSchedule: { duration: number };
  };
  assert.equal(long.chargingSchedule.duration, 31 * 86_400, "clamped to 31 days");
  const start = new Date(T0).toISOString();
  assert.deepEqual(replies(run(s, [ask(0)])[1]), [{
    status: "Accepted",
    connectorId: 0,
    scheduleStart: start,
    chargingSchedule: {
      duration: 60,
      startSchedule: start,
      chargingRateUnit: "A",
      chargingSchedulePeriod: [{ startPeriod: 0, limit: 32 }],
    },
  }]);
});
