/**
 * Unit tests of the connector status actor: {@link deriveStatus} over its
 * inputs, the StatusNotification sequences it produces, and
 * ChangeAvailability with its persistence.
 */
import assert from "node:assert/strict";
import type { Ctx, Effect, TimerFired } from "./bus.ts";
import {
  type ChargePointErrorCode,
  type ConnectorStatus,
  type EvState,
  reply,
  type StopReason,
} from "./messages.ts";
import { type Value, viewOf } from "../config/registry.ts";
import type { FirmwareHolder } from "./messages.ts";
import {
  type ConnectorStatusMsg,
  type ConnectorStatusState,
  type Derived,
  deriveStatus,
  EV_RESPONSE_MS,
  initialConnectorStatus,
  STATUS_RETRY_MS,
  type StatusInputs,
  transitionConnectorStatus,
} from "./connector_status.ts";

const T0 = Date.parse("2025-01-01T00:00:00.000Z");

function ctx(values: Record<string, Value> = {}): Ctx {
  return { now: T0, config: viewOf(new Map(Object.entries(values))) };
}

function run(
  state: ConnectorStatusState,
  msgs: readonly (ConnectorStatusMsg | TimerFired)[],
  c: Ctx = ctx(),
): [ConnectorStatusState, Effect[]] {
  let effects: Effect[] = [];
  for (const m of msgs) [state, effects] = transitionConnectorStatus(state, m, c);
  return [state, effects.map(withoutRef)];
}

/** A StatusNotification CALL without its `ref` (checked by the delivery tests below). */
function withoutRef(e: Effect): Effect {
  if (e.type !== "ocpp.call" || e.action !== "StatusNotification") return e;
  const { ref: _, ...rest } = e;
  return rest;
}

/** The statuses a run reported, per StatusNotification.req, as `id:status[:errorCode][:info]`. */
function reported(
  state: ConnectorStatusState,
  msgs: readonly (ConnectorStatusMsg | TimerFired)[],
  c = ctx(),
) {
  const out: string[] = [];
  for (const m of msgs) {
    const [next, effects] = transitionConnectorStatus(state, m, c);
    state = next;
    for (const e of effects) {
      if (e.type !== "ocpp.call") continue;
      const p = e.payload as Record<string, unknown>;
      out.push(
        [p.connectorId, p.status, p.errorCode === "NoError" ? "" : p.errorCode, p.info ?? ""]
          .join(":").replace(/:+$/, ""),
      );
    }
  }
  return out;
}

const base: StatusInputs = {
  ev: "A",
  fault: null,
  tx: "none",
  relayClosed: false,
  energized: false,
  settling: false,
  locked: false,
  finishing: false,
  finishInfo: null,
  operative: true,
  stopOnEvDisconnect: true,
};
const ok = (status: ConnectorStatus | undefined, info?: string): Derived => ({
  status,
  errorCode: "NoError",
  ...(info ? { info } : {}),
});
const active: Partial<StatusInputs> = { tx: "active", ev: "C", relayClosed: true, energized: true };

const table: [string, Partial<StatusInputs>, Derived][] = [
  ["nothing going on: Available", {}, ok("Available")],
  ["a plugged cable: Preparing", { ev: "B" }, ok("Preparing")],
  ["authorized without a cable: Preparing", { tx: "authorized" }, ok("Preparing")],
  ["inoperative: Unavailable", { ev: "B", tx: "authorized", operative: false }, ok("Unavailable")],
  ["a fault: Faulted, even during a transaction", {
    ...active,
    fault: { errorCode: "GroundFailure", info: "leak" },
  }, { status: "Faulted", errorCode: "GroundFailure", info: "leak" }],
  ["a transaction on an inoperative connector still Charging", {
    ...active,
    operative: false,
  }, ok("Charging")],
  ["relay closed and the EV drawing: Charging", active, ok("Charging")],
  ["relay closed, EV not drawing within EV_RESPONSE_MS: unchanged", {
    ...active,
    ev: "B",
    settling: true,
  }, ok(undefined)],
  ["relay closed, EV not drawing: SuspendedEV", { ...active, ev: "B" }, ok("SuspendedEV")],
  ["relay opened by the Charge Point: SuspendedEVSE", {
    ...active,
    relayClosed: false,
  }, ok("SuspendedEVSE")],
  ["transaction started, relay not yet closed: unchanged", {
    tx: "active",
    ev: "B",
  }, ok(undefined)],
  ["EV unplugged, StopTransactionOnEVSideDisconnect false: SuspendedEV with info", {
    ...active,
    ev: "A",
    stopOnEvDisconnect: false,
  }, ok("SuspendedEV", "EV side disconnected")],
  ["EV unplugged, StopTransactionOnEVSideDisconnect true: unchanged, the stop comes", {
    ...active,
    ev: "A",
  }, ok(undefined)],
  ["transaction stopping: unchanged", { ...active, tx: "stopping" }, ok(undefined)],
  ["transaction ended, cable in: Finishing", { ev: "B", finishing: true }, ok("Finishing")],
  ["transaction ended by the EV side: Finishing with info", {
    finishing: true,
    locked: true,
    finishInfo: "EV side disconnected",
  }, ok("Finishing", "EV side disconnected")],
];
for (const [what, patch, expected] of table) {
  Deno.test(`deriveStatus(): ${what}`, () => {
    assert.deepEqual(deriveStatus({ ...base, ...patch }), expected);
  });
}

const ev = (state: EvState): ConnectorStatusMsg => ({
  type: "hw.ev_state",
  connectorId: 1,
  state,
});
const relay = (closed: boolean): ConnectorStatusMsg => ({
  type: "hw.relay",
  connectorId: 1,
  closed,
});
const started: ConnectorStatusMsg = {
  type: "tx.started",
  connectorId: 1,
  idTag: "TAG",
  meterStartWh: 0,
  timestamp: T0,
};
const stopped = (reason: StopReason): ConnectorStatusMsg => ({
  type: "tx.stopped",
  connectorId: 1,
  transactionId: 7,
  reason,
});
const fault = (errorCode: ChargePointErrorCode): ConnectorStatusMsg => ({
  type: "hw.fault",
  connectorId: 1,
  errorCode,
});
const booted = () =>
  run(initialConnectorStatus(ctx()), [{ type: "backend.accepted", currentTime: "" }])[0];
const locked: ConnectorStatusMsg = { type: "hw.locked", connectorId: 1, ok: true };
const stopping: ConnectorStatusMsg = { type: "tx.stopping", connectorId: 1, reason: "Local" };
const unlocked: ConnectorStatusMsg = { type: "hw.unlocked", connectorId: 1, result: "Unlocked" };

Deno.test("transitionConnectorStatus() reports connector 0 and every connector after the boot is accepted", () => {
  const [, effects] = run(initialConnectorStatus(ctx()), [
    { type: "backend.accepted", currentTime: "" },
  ]);
  const sn = (connectorId: number): Effect => ({
    type: "ocpp.call",
    action: "StatusNotification",
    payload: {
      connectorId,
      errorCode: "NoError",
      status: "Available",
      timestamp: "2025-01-01T00:00:00.000Z",
    },
  });
  assert.deepEqual(effects, [
    sn(0),
    { type: "status.changed", connectorId: 0, status: "Available", errorCode: "NoError" },
    sn(1),
    { type: "status.changed", connectorId: 1, status: "Available", errorCode: "NoError" },
  ]);
});

Deno.test("transitionConnectorStatus() reports Preparing, Charging, Finishing, Available for a session", () => {
  assert.deepEqual(
    reported(booted(), [ev("B"), locked, started, ev("C"), relay(true), stopping, relay(false)]),
    ["1:Preparing", "1:Charging"],
  );
  const [charging] = run(booted(), [ev("B"), locked, started, ev("C"), relay(true)]);
  assert.deepEqual(
    reported(charging, [stopping, relay(false), ev("B"), stopped("Local"), unlocked, ev("A")]),
    ["1:Finishing", "1:Available"],
  );
});

Deno.test("transitionConnectorStatus() reports SuspendedEV only after EV_RESPONSE_MS without the EV drawing", () => {
  const [state, effects] = run(booted(), [ev("B"), started, relay(true)]);
  assert.deepEqual(effects, [{ type: "timer.start", id: "settle:1", ms: EV_RESPONSE_MS }]);
  assert.deepEqual(reported(state, [{ type: "timer.fired", id: "settle:1" }]), [
    "1:SuspendedEV",
  ]);
});

Deno.test("transitionConnectorStatus() reports Finishing with info, no SuspendedEV, when the EV unplugs and StopTransactionOnEVSideDisconnect is true (OCTT TC_005_1)", () => {
  const [charging] = run(booted(), [ev("B"), locked, started, ev("C"), relay(true)]);
  assert.deepEqual(
    reported(charging, [ev("A"), stopping, relay(false), stopped("EVDisconnected"), unlocked]),
    ["1:Finishing::EV side disconnected", "1:Available"],
  );
});

Deno.test("transitionConnectorStatus() reports SuspendedEV with info when the EV unplugs and StopTransactionOnEVSideDisconnect is false (OCTT TC_005_3)", () => {
  const c = ctx({ StopTransactionOnEVSideDisconnect: false });
  const [charging] = run(booted(), [ev("B"), locked, started, ev("C"), relay(true)], c);
  assert.deepEqual(
    reported(charging, [ev("A"), relay(false), stopping, stopped("Remote"), unlocked], c),
    ["1:SuspendedEV::EV side disconnected", "1:Finishing", "1:Available"],
  );
});

Deno.test("transitionConnectorStatus() reports Faulted ConnectorLockFailure and clears it when the plug is removed (OCTT TC_024)", () => {
  const [state] = run(booted(), [{ type: "tx.authorized", connectorId: 1, idTag: "TAG" }]);
  assert.deepEqual(
    reported(state, [
      ev("B"),
      { type: "hw.locked", connectorId: 1, ok: false },
      { type: "tx.dropped", connectorId: 1 },
      fault("ConnectorLockFailure"),
      ev("A"),
    ]),
    ["1:Faulted:ConnectorLockFailure", "1:Available"],
  );
});

Deno.test("transitionConnectorStatus(): tx.dropped ends a pending session, tx.deauthorized suspends a running one (one message per meaning)", () => {
  // A refusal of a transaction that is not running changes nothing (it used to end the session).
  assert.deepEqual(
    reported(booted(), [
      { type: "tx.authorized", connectorId: 1, idTag: "TAG" },
      { type: "tx.deauthorized", connectorId: 1 },
    ]),
    ["1:Preparing"],
  );
  const [charging] = run(booted(), [
    ev("C"),
    { type: "tx.started", connectorId: 1, idTag: "TAG", meterStartWh: 0, timestamp: T0 },
    { type: "hw.relay", connectorId: 1, closed: true },
  ]);
  assert.deepEqual(reported(charging, [{ type: "tx.deauthorized", connectorId: 1 }]), [
    "1:SuspendedEVSE",
  ]);
  // tx.dropped of a running transaction is not a thing: nothing changes.
  assert.deepEqual(reported(charging, [{ type: "tx.dropped", connectorId: 1 }]), []);
});

Deno.test("transitionConnectorStatus() goes back to Available when an authorization without cable ends (OCTT TC_004_2)", () => {
  assert.deepEqual(
    reported(booted(), [
      { type: "tx.authorized", connectorId: 1, idTag: "TAG" },
      { type: "tx.dropped", connectorId: 1 },
    ]),
    ["1:Preparing", "1:Available"],
  );
});

Deno.test("transitionConnectorStatus() re-sends the status of one connector on TriggerMessage", () => {
  const [, effects] = run(booted(), [{
    type: "trigger",
    message: "StatusNotification",
    connectorId: 1,
  }]);
  assert.deepEqual(effects, [{
    type: "ocpp.call",
    action: "StatusNotification",
    payload: {
      connectorId: 1,
      errorCode: "NoError",
      status: "Available",
      timestamp: "2025-01-01T00:00:00.000Z",
    },
  }]);
});

const changeAvailability = (connectorId: number, type: "Operative" | "Inoperative") =>
  ({
    type: "ocpp.request",
    id: "a1",
    action: "ChangeAvailability",
    payload: { connectorId, type },
  }) as const;
const answer = (status: "Accepted" | "Rejected" | "Scheduled"): Effect =>
  reply("a1", "ChangeAvailability", { status });
const sn = (connectorId: number, status: ConnectorStatus, atMs = 0): Effect => ({
  type: "ocpp.call",
  action: "StatusNotification",
  payload: {
    connectorId,
    errorCode: "NoError",
    status,
    timestamp: new Date(T0 + atMs).toISOString(),
  },
});
const changed = (connectorId: number, status: ConnectorStatus): Effect => ({
  type: "status.changed",
  connectorId,
  status,
  errorCode: "NoError",
});

const write = (value: string): Effect => ({
  type: "config.write",
  key: "InoperativeConnectors",
  value,
});
/** The shell's answer to {@link write}: stored, or not (`reason`). */
const written = (value: string, reason?: string): ConnectorStatusMsg => ({
  type: "config.written",
  key: "InoperativeConnectors",
  value,
  ok: reason === undefined,
  ...(reason !== undefined ? { reason } : {}),
});

Deno.test("transitionConnectorStatus() accepts ChangeAvailability Inoperative on an idle connector once it is stored, and reports Unavailable", () => {
  let [state, effects] = run(booted(), [changeAvailability(1, "Inoperative")]);
  // Stored first (section 5.2: it must survive a reboot); nothing changes before.
  assert.deepEqual(effects, [write("1")]);
  assert.equal(state.connectors[1]!.operative, true);
  [state, effects] = run(state, [written("1")]);
  assert.deepEqual(effects, [
    answer("Accepted"),
    { type: "availability.changed", connectorId: 1, operative: false },
    sn(1, "Unavailable"),
    changed(1, "Unavailable"),
  ]);
  [state, effects] = run(state, [changeAvailability(1, "Operative"), written("")]);
  assert.deepEqual(effects, [
    answer("Accepted"),
    { type: "availability.changed", connectorId: 1, operative: true },
    sn(1, "Available"),
    changed(1, "Available"),
  ]);
  assert.deepEqual(state.inoperative, []);
});

Deno.test("transitionConnectorStatus() rejects ChangeAvailability whose InoperativeConnectors cannot be stored and changes nothing", () => {
  const idle = booted();
  let [state, effects] = run(idle, [changeAvailability(1, "Inoperative")]);
  assert.deepEqual(effects, [write("1")]);
  [state, effects] = run(state, [written("1", "read-only file system")]);
  assert.deepEqual(effects, [
    answer("Rejected"),
    {
      type: "log",
      level: "error",
      text: "ChangeAvailability connector 1 Inoperative rejected: " +
        "cannot store InoperativeConnectors (read-only file system)",
    },
  ]);
  assert.deepEqual(state.connectors, idle.connectors);
  assert.deepEqual(state.inoperative, []);
  // The next request is computed from the unchanged list.
  [, effects] = run(state, [changeAvailability(0, "Inoperative")]);
  assert.deepEqual(effects, [write("0")]);
  // Nor Scheduled during a transaction: the change would not survive a reboot.
  const [charging] = run(booted(), [ev("B"), locked, started, ev("C"), relay(true)]);
  [state, effects] = run(charging, [
    changeAvailability(1, "Inoperative"),
    written("1", "disk full"),
  ]);
  assert.deepEqual(effects[0], answer("Rejected"));
  assert.deepEqual(state.scheduled, []);
  [, effects] = run(state, [stopping, relay(false), stopped("Local")]);
  assert.ok(!effects.some((e) => e.type === "availability.changed"));
});

Deno.test("transitionConnectorStatus() sets the whole Charge Point Inoperative with connector 0", () => {
  const [state, effects] = run(booted(), [changeAvailability(0, "Inoperative"), written("0")]);
  assert.deepEqual(effects, [
    answer("Accepted"),
    { type: "availability.changed", connectorId: 1, operative: false },
    sn(0, "Unavailable"),
    changed(0, "Unavailable"),
    sn(1, "Unavailable"),
    changed(1, "Unavailable"),
  ]);
  // And it starts that way after a reboot.
  const rebooted = initialConnectorStatus(ctx({ InoperativeConnectors: "0" }));
  assert.deepEqual(rebooted.connectors.map((c) => c.operative), [false, false]);
  assert.deepEqual(state.inoperative, [0]);
});

Deno.test("transitionConnectorStatus() schedules ChangeAvailability Inoperative during a transaction, stored at once, and applies it when the transaction ends", () => {
  const [charging] = run(booted(), [ev("B"), locked, started, ev("C"), relay(true)]);
  let [state, effects] = run(charging, [changeAvailability(1, "Inoperative")]);
  // Stored as it will be: a reboot ends the transaction, the connector then starts Unavailable.
  assert.deepEqual(effects, [write("1")]);
  [state, effects] = run(state, [written("1")]);
  assert.deepEqual(effects, [answer("Scheduled")]);
  assert.equal(state.connectors[1]!.operative, true);
  [state, effects] = run(state, [stopping, relay(false), stopped("Local")]);
  assert.deepEqual(effects, [
    { type: "availability.changed", connectorId: 1, operative: false },
    sn(1, "Unavailable"),
    changed(1, "Unavailable"),
  ]);
  assert.deepEqual(state.scheduled, []);
  assert.deepEqual(state.inoperative, [1]);
});

Deno.test("transitionConnectorStatus() writes one ChangeAvailability at a time: a second waits for the first's outcome", () => {
  const two = initialConnectorStatus(ctx({ NumberOfConnectors: 2 }));
  const second = { ...changeAvailability(2, "Inoperative"), id: "a2" };
  let [state, effects] = run(two, [changeAvailability(1, "Inoperative"), second]);
  assert.deepEqual(effects, []); // the second is held
  [state, effects] = transitionConnectorStatus(state, written("1"), ctx({ NumberOfConnectors: 2 }));
  // The first answered, then the second's write, made from the list the first left.
  assert.deepEqual(effects.filter((e) => e.type === "ocpp.reply" || e.type === "config.write"), [
    answer("Accepted"),
    write("1,2"),
  ]);
  [state, effects] = transitionConnectorStatus(
    state,
    written("1,2", "disk full"),
    ctx({ NumberOfConnectors: 2 }),
  );
  assert.deepEqual(effects[0], reply("a2", "ChangeAvailability", { status: "Rejected" }));
  assert.deepEqual(state.inoperative, [1]);
  assert.deepEqual(state.connectors.map((c) => c.operative), [true, false, true]);
});

Deno.test("transitionConnectorStatus() rejects ChangeAvailability for an unknown connector", () => {
  const state = booted();
  // Nothing to store: answered at once.
  assert.deepEqual(run(state, [changeAvailability(2, "Inoperative")]), [state, [
    answer("Rejected"),
  ]]);
});

Deno.test("transitionConnectorStatus() reports a status only once it lasted MinimumStatusDuration", () => {
  const c = ctx({ MinimumStatusDuration: 10 });
  const later = (ms: number): Ctx => ({ ...c, now: T0 + ms });
  let [state, effects] = run(booted(), [ev("B")], c);
  assert.deepEqual(effects, [{ type: "timer.start", id: "stable:1", ms: 10_000 }]);
  [state, effects] = run(state, [{ type: "timer.fired", id: "stable:1" }], later(10_000));
  assert.deepEqual(effects, [
    sn(1, "Preparing", 10_000),
    changed(1, "Preparing"),
  ]);
  // A status that changes back within the time is not reported at all.
  [state, effects] = run(state, [ev("A")], later(11_000));
  assert.deepEqual(effects, [{ type: "timer.start", id: "stable:1", ms: 10_000 }]);
  [state, effects] = run(state, [ev("B")], later(12_000));
  assert.deepEqual(effects, []);
  [state, effects] = run(state, [{ type: "timer.fired", id: "stable:1" }], later(21_000));
  assert.deepEqual(effects, []);
  assert.equal(state.connectors[1]!.sent, "Preparing");
});

Deno.test("deriveStatus() reports SuspendedEVSE at once when the Charge Point withdrew the energy", () => {
  const active = {
    ...base,
    tx: "active" as const,
    ev: "B" as const,
    relayClosed: true,
    energized: true,
  };
  assert.equal(deriveStatus(active).status, "SuspendedEV");
  assert.equal(deriveStatus({ ...active, evseSuspended: true }).status, "SuspendedEVSE");
  const unplugged = { ...active, ev: "A" as const, stopOnEvDisconnect: false, evseSuspended: true };
  assert.equal(deriveStatus(unplugged).status, "SuspendedEV");
});

// --- Delivery: reported only on the CALLRESULT, retried on failure, re-sent after a reconnect ---

/** The StatusNotification CALLs among `effects`, with their refs. */
function calls(effects: readonly Effect[]) {
  return effects.flatMap((e) =>
    e.type === "ocpp.call" && e.action === "StatusNotification"
      ? [{ ref: e.ref!, payload: e.payload }]
      : []
  );
}

/** booted(), with every boot report answered by the Central System. */
function confirmed(): ConnectorStatusState {
  let [state, effects] = transitionConnectorStatus(
    initialConnectorStatus(ctx()),
    { type: "backend.accepted", currentTime: "" },
    ctx(),
  );
  assert.deepEqual(state.connectors.map((c) => c.reported), [null, null]);
  for (const call of calls(effects)) {
    [state, effects] = transitionConnectorStatus(state, {
      type: "ocpp.result",
      action: "StatusNotification",
      ref: call.ref,
      request: call.payload,
      payload: {},
    }, ctx());
  }
  return state;
}

Deno.test("transitionConnectorStatus() records a status as reported only on its CALLRESULT", () => {
  let [state, effects] = transitionConnectorStatus(confirmed(), ev("B"), ctx());
  const [call] = calls(effects);
  assert.equal(call!.payload.status, "Preparing");
  assert.equal(state.connectors[1]!.sent, "Preparing");
  // Queued is not reported: the Central System still knows Available.
  assert.equal(state.connectors[1]!.reported, "Available");
  [state, effects] = transitionConnectorStatus(state, {
    type: "ocpp.result",
    action: "StatusNotification",
    ref: call!.ref,
    request: call!.payload,
    payload: {},
  }, ctx());
  assert.deepEqual(effects, []);
  assert.equal(state.connectors[1]!.reported, "Preparing");
  assert.equal(state.connectors[1]!.inflight, null);
});

Deno.test("transitionConnectorStatus() sends the current status again after STATUS_RETRY_MS when a StatusNotification fails", () => {
  let [state, effects] = transitionConnectorStatus(confirmed(), ev("B"), ctx());
  const [call] = calls(effects);
  const failure = (ref: string, code: "Timeout" | "Offline" | "InternalError") => ({
    type: "ocpp.failed" as const,
    action: "StatusNotification" as const,
    ref,
    request: call!.payload,
    code,
    description: "no answer",
  });
  [state, effects] = transitionConnectorStatus(state, failure(call!.ref, "Timeout"), ctx());
  assert.deepEqual(effects, [{ type: "timer.start", id: "retry:1", ms: STATUS_RETRY_MS }]);
  assert.equal(state.connectors[1]!.reported, "Available");
  // The retry sends the status current then, under a new ref.
  [state, effects] = transitionConnectorStatus(
    state,
    { type: "timer.fired", id: "retry:1" },
    ctx(),
  );
  const [again] = calls(effects);
  assert.equal(again!.payload.status, "Preparing");
  assert.notEqual(again!.ref, call!.ref);
  // A CALLERROR is retried the same way; a failure of an older, replaced report is not.
  [state, effects] = transitionConnectorStatus(state, failure(call!.ref, "InternalError"), ctx());
  assert.deepEqual(effects, []);
  [state, effects] = transitionConnectorStatus(state, failure(again!.ref, "InternalError"), ctx());
  assert.deepEqual(effects, [{ type: "timer.start", id: "retry:1", ms: STATUS_RETRY_MS }]);
  // Offline: no timer; the report after the next accepted boot covers it.
  [state, effects] = transitionConnectorStatus(
    state,
    { type: "timer.fired", id: "retry:1" },
    ctx(),
  );
  const [third] = calls(effects);
  [state, effects] = transitionConnectorStatus(state, failure(third!.ref, "Offline"), ctx());
  assert.deepEqual(effects, []);
  [state, effects] = transitionConnectorStatus(
    state,
    { type: "backend.accepted", currentTime: "" },
    ctx(),
  );
  assert.deepEqual(calls(effects).map((c) => [c.payload.connectorId, c.payload.status]), [
    [0, "Available"],
    [1, "Preparing"],
  ]);
  // A retry timer that fires after a newer report went out sends nothing more.
  [state, effects] = transitionConnectorStatus(
    state,
    { type: "timer.fired", id: "retry:1" },
    ctx(),
  );
  assert.deepEqual(effects, []);
});

Deno.test("transitionConnectorStatus() reports Reserved while a reservation holds the connector (section 4.9 A7, G1, G2)", () => {
  const hold = (...held: number[]): ConnectorStatusMsg => ({
    type: "reservation.changed",
    reservations: held.map((id) => ({
      reservationId: id,
      connectorId: id,
      heldConnectorId: id,
      idTag: "RES",
      expiresAt: T0 + 60_000,
    })),
  });
  const s0 = run(initialConnectorStatus(ctx()), [{ type: "backend.accepted", currentTime: "" }])[0];
  // A7 Reserved; a cable alone leaves it Reserved; G1 Available on expiry or cancel.
  assert.deepEqual(
    reported(s0, [hold(1), { type: "hw.ev_state", connectorId: 1, state: "B" }, hold()]),
    ["1:Reserved", "1:Preparing"],
  );
  // G2: the reserved idTag presented: Preparing; the session ends, the reservation stands.
  assert.deepEqual(
    reported(s0, [
      hold(1),
      { type: "tx.authorized", connectorId: 1, idTag: "RES" },
      { type: "tx.dropped", connectorId: 1 },
      hold(),
    ]),
    ["1:Reserved", "1:Preparing", "1:Reserved", "1:Available"],
  );
  // G9: a fault wins over the reservation.
  assert.deepEqual(
    reported(s0, [hold(1), { type: "hw.fault", connectorId: 1, errorCode: "GroundFailure" }]),
    ["1:Reserved", "1:Faulted:GroundFailure"],
  );
  assert.equal(deriveStatus({ ...base, reserved: true }).status, "Reserved");
});

Deno.test("transitionConnectorStatus() cuts a fault's info to CiString50, so the status is still sent", () => {
  const long = "Ground fault detected by the residual current monitor, 30 mA";
  assert.deepEqual(
    reported(booted(), [{
      type: "hw.fault",
      connectorId: 1,
      errorCode: "GroundFailure",
      info: long,
    }]),
    [`1:Faulted:GroundFailure:${long.slice(0, 50)}`],
  );
});

Deno.test("fw.hold (errata 3.49): idle connectors Unavailable, a running session goes on, then Unavailable; released after", () => {
  const c = ctx({ NumberOfConnectors: 2 });
  const start: ConnectorStatusMsg = {
    type: "tx.started",
    connectorId: 1,
    idTag: "A",
    meterStartWh: 0,
    timestamp: T0,
  };
  const [s0] = run(initialConnectorStatus(c), [
    { type: "backend.accepted", currentTime: "" },
    { type: "hw.ev_state", connectorId: 1, state: "C" },
    start,
  ], c);
  const [s1, e1] = run(s0, [{ type: "fw.hold", hold: true, holder: "firmware" }], c);
  assert.deepEqual(
    e1.filter((e) => e.type === "availability.changed"),
    [
      { type: "availability.changed", connectorId: 1, operative: false },
      { type: "availability.changed", connectorId: 2, operative: false },
    ],
  );
  assert.deepEqual(reported(s0, [{ type: "fw.hold", hold: true, holder: "firmware" }], c), [
    "2:Unavailable",
  ]);
  assert.deepEqual(reported(s1, [stopped("Local")], c), ["1:Unavailable"]);
  const [s2] = run(s1, [stopped("Local")], c);
  assert.deepEqual(reported(s2, [{ type: "fw.hold", hold: false, holder: "firmware" }], c), [
    "1:Finishing",
    "2:Available",
  ]);
  // A connector set Inoperative stays so when the hold ends.
  const [s3] = run(s1, [{
    type: "ocpp.request",
    id: "a1",
    action: "ChangeAvailability",
    payload: { connectorId: 2, type: "Inoperative" },
  }, written("2")], c);
  assert.deepEqual(s3.inoperative, [2]);
  const [s4, e4] = run(s3, [{ type: "fw.hold", hold: false, holder: "firmware" }], c);
  assert.deepEqual(e4.filter((e) => e.type === "availability.changed"), [
    { type: "availability.changed", connectorId: 1, operative: true },
  ]);
  assert.equal(s4.connectors[2]!.operative, false);
  assert.equal(s4.firmwareHolds, undefined);
});

Deno.test("fw.hold: two holders (UpdateFirmware's and SignedUpdateFirmware's actors) cannot release each other's hold", () => {
  const c = ctx({ NumberOfConnectors: 2 });
  const hold = (holder: FirmwareHolder, on: boolean): ConnectorStatusMsg => ({
    type: "fw.hold",
    hold: on,
    holder,
  });
  const [s0] = run(initialConnectorStatus(c), [{ type: "backend.accepted", currentTime: "" }], c);
  const [s1] = run(s0, [hold("signed_firmware", true), hold("firmware", true)], c);
  assert.deepEqual(s1.firmwareHolds, ["firmware", "signed_firmware"]);
  // The plain update ends: the signed one still waits, so the connectors stay Unavailable (L01.FR.07).
  const [s2, e2] = run(s1, [hold("firmware", false)], c);
  assert.deepEqual(s2.firmwareHolds, ["signed_firmware"]);
  assert.deepEqual(e2.filter((e) => e.type === "availability.changed"), []);
  assert.deepEqual(reported(s1, [hold("firmware", false)], c), []);
  assert.equal(s2.connectors[1]!.operative, false);
  // A second hold or a release of a holder that holds nothing changes nothing.
  const [again, e3] = run(s2, [hold("signed_firmware", true)], c);
  assert.deepEqual(e3, []);
  const [s3, e3b] = run(again, [hold("firmware", false)], c);
  assert.deepEqual(e3b, []);
  assert.deepEqual(s3.firmwareHolds, ["signed_firmware"]);
  // The last holder releases: every connector takes sessions again.
  const [s4, e4] = run(s3, [hold("signed_firmware", false)], c);
  assert.equal(s4.firmwareHolds, undefined);
  assert.deepEqual(e4.filter((e) => e.type === "availability.changed"), [
    { type: "availability.changed", connectorId: 1, operative: true },
    { type: "availability.changed", connectorId: 2, operative: true },
  ]);
  assert.deepEqual(reported(s3, [hold("signed_firmware", false)], c), [
    "1:Available",
    "2:Available",
  ]);
});
