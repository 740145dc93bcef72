import assert from "node:assert/strict";
import type { Ctx, Effect, TimerFired } from "./bus.ts";
import type { ConnectorStatus, Reservation } from "./messages.ts";
import { type Value, viewOf } from "../config/registry.ts";
import {
  initialReservation,
  MAX_TIMER_MS,
  type ReservationMsg,
  type ReservationState,
  transitionReservation,
} from "./reservation.ts";
import { json } from "../ocpp/types.ts";

const T0 = Date.parse("2025-01-01T00:00:00.000Z");
const iso = (ms: number) => new Date(ms).toISOString();

function ctx(values: Record<string, Value> = {}, now = T0): Ctx {
  return { now, config: viewOf(new Map(Object.entries({ NumberOfConnectors: 2, ...values }))) };
}

function run(
  state: ReservationState,
  msgs: readonly (ReservationMsg | TimerFired)[],
  c: Ctx = ctx(),
): [ReservationState, Effect[]] {
  let effects: Effect[] = [];
  for (const m of msgs) [state, effects] = transitionReservation(state, m, c);
  return [state, effects];
}

const status = (connectorId: number, s: ConnectorStatus): ReservationMsg => ({
  type: "status.changed",
  connectorId,
  status: s,
  errorCode: s === "Faulted" ? "GroundFailure" : "NoError",
});

function reserve(
  connectorId: number,
  reservationId = 7,
  extra: { idTag?: string; parentIdTag?: string; expiry?: number } = {},
): ReservationMsg {
  return {
    type: "ocpp.request",
    id: `r${reservationId}`,
    action: "ReserveNow",
    payload: {
      connectorId,
      expiryDate: iso(extra.expiry ?? T0 + 600_000),
      idTag: extra.idTag ?? "TAG-1",
      reservationId,
      ...(extra.parentIdTag ? { parentIdTag: extra.parentIdTag } : {}),
    },
  };
}

const cancel = (reservationId: number): ReservationMsg => ({
  type: "ocpp.request",
  id: `c${reservationId}`,
  action: "CancelReservation",
  payload: { reservationId },
});

/** The status a ReserveNow or CancelReservation was answered with. */
function answer(effects: readonly Effect[]): unknown {
  const r = effects.find((e) => e.type === "ocpp.reply");
  assert.ok(r && r.type === "ocpp.reply", "an answer");
  return json(r.payload).status;
}

function changed(effects: readonly Effect[]): readonly Reservation[] | undefined {
  const c = effects.find((e) => e.type === "reservation.changed");
  return c?.type === "reservation.changed" ? c.reservations : undefined;
}

const fresh = (c: Ctx = ctx()) => initialReservation(c);
const all = (s: ConnectorStatus) => [status(0, "Available"), status(1, s), status(2, s)];
const idle = all("Available");

Deno.test("ReserveNow of a free connector: Accepted, stored before the answer, announced, expiry timer armed", () => {
  const [s, e] = run(fresh(), [...idle, reserve(1, 7, { parentIdTag: "GROUP" })]);
  const r: Reservation = {
    reservationId: 7,
    connectorId: 1,
    heldConnectorId: 1,
    idTag: "TAG-1",
    parentIdTag: "GROUP",
    expiresAt: T0 + 600_000,
  };
  assert.deepEqual(s.reservations, [r]);
  assert.equal(answer(e), "Accepted");
  const kinds = e.map((x) => x.type);
  assert.ok(kinds.indexOf("store.reservation") < kinds.indexOf("ocpp.reply"), kinds.join());
  assert.deepEqual(e.find((x) => x.type === "store.reservation"), {
    type: "store.reservation",
    change: { op: "put", reservation: r },
  });
  assert.deepEqual(e.find((x) => x.type === "timer.start"), {
    type: "timer.start",
    id: "expire:7",
    ms: 600_000,
  });
  assert.deepEqual(changed(e), [r]);
});

Deno.test("ReserveNow answers Faulted, Occupied, Unavailable from the connector's status (TC_048_1-3) and changes nothing", () => {
  for (
    const [st, want] of [
      ["Faulted", "Faulted"],
      ["Preparing", "Occupied"],
      ["Charging", "Occupied"],
      ["SuspendedEV", "Occupied"],
      ["Finishing", "Occupied"],
      ["Unavailable", "Unavailable"],
    ] as const
  ) {
    const [s, e] = run(fresh(), [...idle, status(1, st), reserve(1)]);
    assert.equal(answer(e), want, st);
    assert.deepEqual(s.reservations, [], st);
    assert.equal(e.some((x) => x.type === "store.reservation"), false, st);
  }
  // The whole Charge Point Faulted or Unavailable answers so for every connector.
  assert.equal(
    answer(run(fresh(), [...idle, status(0, "Unavailable"), reserve(2)])[1]),
    "Unavailable",
  );
  assert.equal(answer(run(fresh(), [...idle, status(0, "Faulted"), reserve(2)])[1]), "Faulted");
});

Deno.test("ReserveNow is Rejected when the profile is off (TC_048_4, TC_050_4), for connector 0 without ReserveConnectorZeroSupported, an unknown connector or a past expiry", () => {
  const off = ctx({ ReservationEnabled: false });
  assert.equal(answer(run(fresh(off), [...idle, reserve(1)], off)[1]), "Rejected");
  assert.equal(answer(run(fresh(off), [...idle, reserve(0)], off)[1]), "Rejected");
  const noZero = ctx({ ReserveConnectorZeroSupported: false });
  assert.equal(answer(run(fresh(noZero), [...idle, reserve(0)], noZero)[1]), "Rejected");
  assert.equal(answer(run(fresh(), [...idle, reserve(3)])[1]), "Rejected");
  assert.equal(answer(run(fresh(), [...idle, reserve(1, 7, { expiry: T0 })])[1]), "Rejected");
  const [s, e] = run(fresh(), [...idle, reserve(1, 7, { expiry: T0 - 1 })]);
  assert.deepEqual(s.reservations, []);
  assert.equal(e.some((x) => x.type === "store.reservation" || x.type === "timer.start"), false);
});

Deno.test("a reserved connector answers Occupied to another reservationId; the same reservationId replaces it", () => {
  let [s] = run(fresh(), [...idle, reserve(1, 7)]);
  // The connector status actor reports it Reserved now.
  [s] = run(s, [status(1, "Reserved")]);
  let e: Effect[];
  [s, e] = run(s, [reserve(1, 8, { idTag: "TAG-2" })]);
  assert.equal(answer(e), "Occupied");
  assert.deepEqual(s.reservations.map((r) => r.reservationId), [7]);
  // Same id: replaced, with the new idTag and expiry (section 5.13), even on its own connector.
  [s, e] = run(s, [reserve(1, 7, { idTag: "TAG-3", expiry: T0 + 60_000 })]);
  assert.equal(answer(e), "Accepted");
  assert.equal(s.reservations.length, 1);
  assert.equal(s.reservations[0]!.idTag, "TAG-3");
  assert.equal(s.reservations[0]!.expiresAt, T0 + 60_000);
  // Same id onto another connector: moves there; connector 1 is free again.
  [s, e] = run(s, [reserve(2, 7)]);
  assert.equal(answer(e), "Accepted");
  assert.deepEqual(s.reservations.map((r) => r.heldConnectorId), [2]);
  // A refused replacement keeps the reservation as it was.
  [s, e] = run(s, [status(1, "Charging"), reserve(1, 7, { idTag: "TAG-9" })]);
  assert.equal(answer(e), "Occupied");
  assert.deepEqual(s.reservations.map((r) => [r.heldConnectorId, r.idTag]), [[2, "TAG-1"]]);
});

Deno.test("the reservation expires on the injected clock: ended, deleted from the store, announced", () => {
  let [s] = run(fresh(), [...idle, reserve(1, 7, { expiry: T0 + 30_000 })]);
  // A timer firing early (clock set back) re-arms for the rest.
  let e: Effect[];
  [s, e] = run(s, [{ type: "timer.fired", id: "expire:7" }], ctx({}, T0 + 10_000));
  assert.equal(s.reservations.length, 1);
  assert.deepEqual(e, [{ type: "timer.start", id: "expire:7", ms: 20_000 }]);
  [s, e] = run(s, [{ type: "timer.fired", id: "expire:7" }], ctx({}, T0 + 30_000));
  assert.deepEqual(s.reservations, []);
  assert.ok(
    e.some((x) =>
      x.type === "store.reservation" && x.change.op === "delete" && x.change.reservationId === 7
    ),
  );
  assert.deepEqual(changed(e), []);
});

Deno.test("a far expiry arms at most MAX_TIMER_MS at a time; clock.set re-arms every timer", () => {
  const far = T0 + 40 * 86_400_000;
  let [s, e] = run(fresh(), [...idle, reserve(1, 7, { expiry: far })]);
  assert.deepEqual(e.find((x) => x.type === "timer.start"), {
    type: "timer.start",
    id: "expire:7",
    ms: MAX_TIMER_MS,
  });
  [s, e] = run(s, [{ type: "clock.set", shiftMs: 5_000 }], ctx({}, far - 5_000));
  assert.deepEqual(e, [{ type: "timer.start", id: "expire:7", ms: 5_000 }]);
  assert.equal(s.reservations.length, 1);
});

Deno.test("CancelReservation: Accepted and ended for a known id (TC_051), Rejected and nothing changed otherwise (TC_052)", () => {
  let [s] = run(fresh(), [...idle, reserve(1, 7)]);
  let e: Effect[];
  [s, e] = run(s, [cancel(8)]);
  assert.equal(answer(e), "Rejected");
  assert.equal(s.reservations.length, 1);
  assert.equal(e.some((x) => x.type === "store.reservation"), false);
  [s, e] = run(s, [cancel(7)]);
  assert.equal(answer(e), "Accepted");
  assert.deepEqual(s.reservations, []);
  assert.deepEqual(e.filter((x) => x.type === "timer.cancel"), [
    { type: "timer.cancel", id: "expire:7" },
  ]);
  assert.deepEqual(changed(e), []);
});

Deno.test("a reservation ends when its connector or the Charge Point becomes Faulted or Unavailable", () => {
  for (
    const [id, st] of [[1, "Faulted"], [1, "Unavailable"], [0, "Faulted"], [
      0,
      "Unavailable",
    ]] as const
  ) {
    const [s, e] = run(fresh(), [...idle, reserve(1, 7), status(id, st)]);
    assert.deepEqual(s.reservations, [], `${id} ${st}`);
    assert.deepEqual(changed(e), []);
  }
  // Another connector's fault leaves it alone.
  const [s] = run(fresh(), [...idle, reserve(1, 7), status(2, "Faulted")]);
  assert.equal(s.reservations.length, 1);
});

Deno.test("a transaction that uses the reservation ends it; one with another reservationId does not", () => {
  const started = (reservationId?: number): ReservationMsg => ({
    type: "tx.started",
    connectorId: 1,
    idTag: "TAG-1",
    meterStartWh: 0,
    timestamp: T0,
    ...(reservationId !== undefined ? { reservationId } : {}),
  });
  let [s] = run(fresh(), [...idle, reserve(1, 7)]);
  [s] = run(s, [started(), started(8)]);
  assert.equal(s.reservations.length, 1);
  let e: Effect[];
  [s, e] = run(s, [started(7)]);
  assert.deepEqual(s.reservations, []);
  assert.deepEqual(changed(e), []);
});

Deno.test("connector 0 (TC_049): holds a free connector; Occupied when none is free (TC_050_2), Faulted (TC_050_1) and Unavailable (TC_050_3) when they all are", () => {
  let [s, e] = run(fresh(), [...idle, status(1, "Charging"), reserve(0, 9)]);
  assert.equal(answer(e), "Accepted");
  assert.deepEqual(s.reservations.map((r) => [r.connectorId, r.heldConnectorId]), [[0, 2]]);
  // Connector 2 is held: a second one of connector 0 finds nothing free.
  [s, e] = run(s, [status(2, "Reserved"), reserve(0, 10)]);
  assert.equal(answer(e), "Occupied");
  assert.equal(answer(run(fresh(), [...all("Preparing"), reserve(0)])[1]), "Occupied");
  assert.equal(answer(run(fresh(), [...all("Faulted"), reserve(0)])[1]), "Faulted");
  assert.equal(answer(run(fresh(), [...all("Unavailable"), reserve(0)])[1]), "Unavailable");
  assert.equal(
    answer(run(fresh(), [...idle, status(0, "Unavailable"), reserve(0)])[1]),
    "Unavailable",
  );
  assert.equal(answer(run(fresh(), [...idle, status(0, "Faulted"), reserve(0)])[1]), "Faulted");
  // One Faulted, one Unavailable: neither can take it.
  const mixed = [...idle, status(1, "Faulted"), status(2, "Unavailable"), reserve(0)];
  assert.equal(answer(run(fresh(), mixed)[1]), "Unavailable");
});

Deno.test("connector 0: its held connector faults: the reservation moves to a free one, or ends when there is none", () => {
  let [s, e] = run(fresh(), [...idle, reserve(0, 9)]);
  assert.equal(s.reservations[0]!.heldConnectorId, 1);
  [s, e] = run(s, [status(1, "Reserved"), status(1, "Faulted")]);
  assert.deepEqual(s.reservations.map((r) => r.heldConnectorId), [2]);
  assert.deepEqual(e.find((x) => x.type === "store.reservation"), {
    type: "store.reservation",
    change: { op: "put", reservation: s.reservations[0] },
  });
  [s, e] = run(s, [status(2, "Reserved"), status(2, "Unavailable")]);
  assert.deepEqual(s.reservations, []);
  assert.deepEqual(changed(e), []);
});

Deno.test("reservation.load keeps the stored reservations in force and deletes those expired while off", () => {
  const keep: Reservation = {
    reservationId: 1,
    connectorId: 1,
    heldConnectorId: 1,
    idTag: "A",
    expiresAt: T0 + 5_000,
  };
  const gone: Reservation = {
    ...keep,
    reservationId: 2,
    heldConnectorId: 2,
    connectorId: 0,
    expiresAt: T0,
  };
  const lost: Reservation = { ...keep, reservationId: 3, heldConnectorId: 5, connectorId: 5 };
  const [s, e] = run(fresh(), [{ type: "reservation.load", reservations: [keep, gone, lost] }]);
  assert.deepEqual(s.reservations, [keep]);
  assert.deepEqual(
    e.filter((x) => x.type === "store.reservation"),
    [2, 3].map((reservationId) => ({
      type: "store.reservation",
      change: { op: "delete", reservationId },
    })),
  );
  assert.deepEqual(e.find((x) => x.type === "timer.start"), {
    type: "timer.start",
    id: "expire:1",
    ms: 5_000,
  });
  assert.deepEqual(changed(e), [keep]);
});

Deno.test("switching the profile off ends every reservation", () => {
  let [s] = run(fresh(), [...idle, reserve(1, 7), reserve(0, 9)]);
  assert.equal(s.reservations.length, 2);
  let e: Effect[];
  [s, e] = run(s, [{ type: "config.changed", key: "ReservationEnabled", value: false }]);
  assert.deepEqual(s.reservations, []);
  assert.equal(e.filter((x) => x.type === "store.reservation").length, 2);
});
