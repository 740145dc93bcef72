import assert from "node:assert/strict";
import { Bus, type Ctx, type Effect, type TimerFired } from "./bus.ts";
import { FakeClock } from "./clock.ts";
import type { BusMessage, MessageOf } from "./messages.ts";
import { type Value, viewOf } from "../config/registry.ts";
import type { Installed } from "./composite_schedule.ts";
import {
  initialScGate,
  RECHECK_MS,
  type ScGateState,
  smartChargingGate,
  type SmartChargingMsg,
  transitionScGate,
} from "./smart_charging_gate.ts";
import {
  fromGate,
  initialSmartCharging,
  type SmartChargingState,
  transitionSmartCharging,
} from "./smart_charging.ts";

const T0 = Date.parse("2026-03-02T10:00:00.000Z");

function ctx(values: Record<string, Value> = {}, now = T0): Ctx {
  return { now, config: viewOf(new Map(Object.entries({ NumberOfConnectors: 2, ...values }))) };
}

const started = (connectorId: number, timestamp = T0): SmartChargingMsg => ({
  type: "tx.started",
  connectorId,
  idTag: "TAG",
  meterStartWh: 0,
  timestamp,
  tx: connectorId,
});
const stopped = (connectorId: number) =>
  ({ type: "tx.stopped", connectorId, transactionId: 7, reason: "Local" }) as SmartChargingMsg;
const external = (currentA: number, until?: number): SmartChargingMsg => ({
  type: "sc.external_limit",
  limit: until === undefined ? { currentA } : { currentA, until },
});
const rating = { type: "config.changed", key: "MaxCurrentA" } as SmartChargingMsg;
const boundary: TimerFired = { type: "timer.fired", id: "boundary" };
const limits = (effects: readonly Effect[]) =>
  effects.flatMap((e) => e.type === "sc.limit" ? [[e.connectorId, e.currentA, e.source]] : []);

/** A step of a script: a message at an instant, with the MaxCurrentA then. */
type Step = [SmartChargingMsg | TimerFired, number, number];

const script: Step[] = [
  [{ type: "system.started" }, T0, 32],
  [started(1), T0 + 1_000, 32],
  [{ type: "tx.confirmed", connectorId: 1, transactionId: 7 }, T0 + 1_500, 32],
  [started(2, T0 + 2_000), T0 + 2_000, 32],
  [rating, T0 + 3_000, 10],
  [external(8, T0 + 60_000), T0 + 4_000, 10],
  [boundary, T0 + 60_000, 10],
  [external(4), T0 + 61_000, 32],
  [stopped(1), T0 + 62_000, 32],
  [external(7), T0 + 63_000, 32],
  [external(5), T0 + 64_000, 32],
  [{ type: "sc.persisted", ref: "sc:0", ok: true }, T0 + 65_000, 32],
  [stopped(2), T0 + 66_000, 32],
  [started(3), T0 + 67_000, 32],
  [{ type: "sc.external_limit", limit: null }, T0 + 68_000, 32],
];

Deno.test("the gate publishes the limits the full actor publishes without profiles, step by step", () => {
  let gate = initialScGate(ctx());
  let full = initialSmartCharging(ctx());
  const seen: unknown[] = [];
  for (const [m, now, maxA] of script) {
    const c = ctx({ MaxCurrentA: maxA }, now);
    let g: Effect[], f: Effect[];
    [gate, g] = transitionScGate(gate, m, c);
    [full, f] = transitionSmartCharging(full, m, c);
    assert.deepEqual(g, f, `effects of ${m.type} at +${now - T0} ms`);
    assert.deepEqual(
      { sessions: gate.sessions, external: gate.external, published: gate.published },
      { sessions: full.sessions, external: full.external, published: full.published },
    );
    seen.push(limits(g));
  }
  // What they said: the rating, shared; the external limit (pausing the later transaction
  // below 2 x 6 A) until it ended; no connector below 6 A.
  assert.deepEqual(seen, [
    [[1, 32, "installer"], [2, 32, "installer"]],
    [],
    [],
    [[1, 16, "installer"], [2, 16, "installer"]],
    [[1, 10, "installer"], [2, 0, "installer"]],
    [[1, 8, "external"], [2, 0, "external"]],
    [[1, 10, "installer"], [2, 0, "installer"]],
    [[1, 0, "external"], [2, 0, "external"]],
    [],
    [[1, 7, "external"], [2, 7, "external"]],
    [[1, 0, "external"], [2, 0, "external"]],
    [],
    [],
    [],
    [[1, 32, "installer"], [2, 32, "installer"]],
  ]);
});

Deno.test("the gate's timer ends with the external limit, else it looks again in a day", () => {
  const [, a] = transitionScGate(initialScGate(ctx()), external(8, T0 + 90_000), ctx());
  assert.deepEqual(a.at(-1), { type: "timer.start", id: "boundary", ms: 90_000 });
  const [, b] = transitionScGate(initialScGate(ctx()), external(8), ctx());
  assert.deepEqual(b.at(-1), { type: "timer.start", id: "boundary", ms: RECHECK_MS });
  const [, c] = transitionScGate(initialScGate(ctx()), external(8, T0 + 2 * RECHECK_MS), ctx());
  assert.deepEqual(c.at(-1), { type: "timer.start", id: "boundary", ms: RECHECK_MS });
});

const wakes: SmartChargingMsg[] = [
  {
    type: "ocpp.request",
    id: "s",
    action: "SetChargingProfile",
    payload: {
      connectorId: 1,
      csChargingProfiles: {
        chargingProfileId: 1,
        stackLevel: 0,
        chargingProfilePurpose: "TxDefaultProfile",
        chargingProfileKind: "Relative",
        chargingSchedule: { chargingRateUnit: "A", chargingSchedulePeriod: [] },
      },
    },
  },
  { type: "ocpp.request", id: "c", action: "ClearChargingProfile", payload: {} },
  {
    type: "ocpp.request",
    id: "g",
    action: "GetCompositeSchedule",
    payload: { connectorId: 0, duration: 60 },
  },
  {
    type: "sc.remote_profile",
    connectorId: 1,
    idTag: "TAG",
    profile: {
      chargingProfileId: 2,
      stackLevel: 0,
      chargingProfilePurpose: "TxProfile",
      chargingProfileKind: "Relative",
      chargingSchedule: { chargingRateUnit: "A", chargingSchedulePeriod: [] },
    },
  },
];

Deno.test("the gate loads the full logic on every message that needs profiles, and on no other", () => {
  const s = transitionScGate(initialScGate(ctx()), started(1), ctx())[0];
  for (const m of wakes) {
    const [next, effects] = transitionScGate(s, m, ctx());
    assert.deepEqual(effects, [{ type: "actor.load" }], m.type);
    assert.equal(next, s, `${m.type} changes nothing in the gate`);
  }
  for (const [m] of script) {
    const [, effects] = transitionScGate(s, m, ctx());
    assert.ok(!effects.some((e) => e.type === "actor.load"), m.type);
  }
});

Deno.test("from() hands over the transactions, the external limit and the limits published", () => {
  let g: ScGateState = initialScGate(ctx());
  for (const m of [started(1), external(9, T0 + 30_000)]) g = transitionScGate(g, m, ctx())[0];
  g = transitionScGate(g, { type: "tx.confirmed", connectorId: 1, transactionId: 7 }, ctx())[0];
  const stored: Installed[] = [{
    connectorId: 0,
    installedAt: T0,
    profile: {
      chargingProfileId: 5,
      stackLevel: 0,
      chargingProfilePurpose: "ChargePointMaxProfile",
      chargingProfileKind: "Absolute",
      chargingSchedule: {
        startSchedule: new Date(T0).toISOString(),
        chargingRateUnit: "A",
        chargingSchedulePeriod: [{ startPeriod: 0, limit: 20 }],
      },
    },
  }];
  const s: SmartChargingState = fromGate(g, stored);
  assert.deepEqual(s.sessions, [{ transactionId: 7, startedAt: T0 }, null]);
  assert.deepEqual(s.external, { currentA: 9, until: T0 + 30_000 });
  assert.deepEqual(s.published, [{ currentA: 9, source: "external" }, {
    currentA: 9,
    source: "external",
  }]);
  assert.equal(s.profiles, stored);
  // Its first transition sets the timer the gate had (it ends at load): here at the limit's end.
  const [after, effects] = transitionSmartCharging(s, wakes[2]!, ctx({}, T0 + 1_000));
  assert.equal(effects[0]!.type, "ocpp.reply");
  assert.deepEqual(effects.slice(1), [{ type: "timer.start", id: "boundary", ms: 29_000 }]);
  assert.equal(after.rearm, undefined);
  // A TxProfile for transaction 7 is accepted: the transaction came from the gate.
  const set = {
    ...wakes[0]!,
    payload: {
      connectorId: 1,
      csChargingProfiles: {
        ...stored[0]!.profile,
        chargingProfileId: 6,
        chargingProfilePurpose: "TxProfile",
        transactionId: 7,
      },
    },
  } as SmartChargingMsg;
  const [, fx] = transitionSmartCharging(after, set, ctx());
  assert.deepEqual(fx.map((e) => e.type), ["sc.persist"]);
});

Deno.test("on the bus: the runtime's gate, loaded at first use, then at once with stored profiles", async () => {
  const clock = new FakeClock(T0);
  const config = () => viewOf(new Map<string, Value>([["NumberOfConnectors", 1]]));
  const bus = new Bus({ clock, config });
  const seen: BusMessage[] = [];
  bus.inspect((m) => seen.push(m));
  const limitNow = () => seen.filter((m) => m.type === "sc.limit").map((m) => m.currentA).at(-1);
  bus.spawn(smartChargingGate());
  bus.publish({ type: "system.started" });
  bus.publish({ type: "sc.external_limit", limit: { currentA: 10, until: T0 + 60_000 } });
  assert.equal(limitNow(), 10);
  assert.equal(bus.isLoaded("smart_charging"), false);
  bus.publish(wakes[2]! as MessageOf<"ocpp.request">);
  await bus.loaded();
  assert.equal(bus.isLoaded("smart_charging"), true);
  assert.ok(seen.some((m) => m.type === "ocpp.reply" && m.id === "g"));
  assert.deepEqual(bus.snapshot("smart_charging").external, { currentA: 10, until: T0 + 60_000 });
  // The loaded actor set its own timer: the external limit still ends on time.
  clock.advance(60_000);
  assert.equal(limitNow(), 32);
  bus.stop();

  const again = new Bus({ clock, config });
  const seen2: BusMessage[] = [];
  again.inspect((m) => seen2.push(m));
  const stored: Installed = {
    connectorId: 1,
    installedAt: T0,
    profile: {
      chargingProfileId: 1,
      stackLevel: 0,
      chargingProfilePurpose: "TxDefaultProfile",
      chargingProfileKind: "Relative",
      chargingSchedule: {
        chargingRateUnit: "A",
        chargingSchedulePeriod: [{ startPeriod: 0, limit: 12 }],
      },
    },
  };
  again.spawn(smartChargingGate([stored]), { load: true });
  again.publish({ type: "system.started" });
  assert.deepEqual(seen2.filter((m) => m.type === "sc.limit"), [], "held until loaded");
  await again.loaded();
  assert.equal(again.isLoaded("smart_charging"), true);
  assert.deepEqual(seen2.filter((m) => m.type === "sc.limit").map((m) => [m.currentA, m.source]), [
    [12, "ocpp"],
  ]);
  again.stop();
});
