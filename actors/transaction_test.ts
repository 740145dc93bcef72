/**
 * Unit tests of the transaction actor, the start side: cards, free charging,
 * RemoteStartTransaction, ConnectionTimeOut, the cable lock, availability.
 * Stops are in `transaction_stop_test.ts`.
 */
import assert from "node:assert/strict";
import type { Effect } from "./bus.ts";
import { asRequest } from "./messages.ts";
import type { CsRequest } from "../ocpp/types.ts";
import { initialTransaction, LOCK_TIMEOUT_MS, type TransactionMsg } from "./transaction.ts";
import { ctx, ev, run, T0, tap } from "./_tx_testing.ts";

const req = (payload: CsRequest<"RemoteStartTransaction">) =>
  asRequest("r1", "RemoteStartTransaction", payload);
const accepted = (idTag: string, purpose: "start" | "remote", connectorId = 1) =>
  ({
    type: "auth.result",
    idTag,
    connectorId,
    purpose,
    info: { status: "Accepted" },
    source: "backend",
  }) as const;
const lockEffects = (id = 1): Effect[] => [
  { type: "timer.cancel", id: `timeout:${id}` },
  { type: "hw.lock", connectorId: id },
  { type: "timer.start", id: `lock:${id}`, ms: LOCK_TIMEOUT_MS },
];
const dropEffects = (id = 1): Effect[] => [
  { type: "timer.cancel", id: `timeout:${id}` },
  { type: "timer.cancel", id: `lock:${id}` },
  { type: "tx.dropped", connectorId: id },
];
/** Journal first, then StartTransaction into the outbox, then tx.started (relay). */
const started = (idTag: string, meterStart = 0): Effect[] => [
  { type: "timer.cancel", id: "lock:1" },
  {
    type: "store.tx_journal",
    entry: { op: "start", tx: 1, connectorId: 1, idTag, meterStartWh: meterStart, timestamp: T0 },
  },
  {
    type: "ocpp.call",
    action: "StartTransaction",
    ref: "start:1",
    tx: 1,
    payload: {
      connectorId: 1,
      idTag,
      meterStart,
      timestamp: "2025-01-01T00:00:00.000Z",
    },
  },
  { type: "tx.started", connectorId: 1, idTag, meterStartWh: meterStart, timestamp: T0, tx: 1 },
];

Deno.test("transitionTransaction() asks the authorization actor for a card on the plugged connector", () => {
  const c = ctx({ NumberOfConnectors: 2 });
  const [state, effects] = run(initialTransaction(c), [ev("B", 2), tap("TAG")], c);
  assert.deepEqual(effects, [
    { type: "auth.request", idTag: "TAG", connectorId: 2, purpose: "start" },
  ]);
  assert.deepEqual(state.connectors[1]!.tx, { phase: "authorizing", idTag: "TAG" });
});

Deno.test("transitionTransaction() locks the cable, then starts the transaction, when an accepted card meets a plugged cable", () => {
  const c = ctx();
  let [state, effects] = run(initialTransaction(c), [
    ev("B"),
    tap("TAG"),
    accepted("TAG", "start"),
  ]);
  assert.deepEqual(effects, [
    { type: "tx.authorized", connectorId: 1, idTag: "TAG" },
    ...lockEffects(),
  ]);
  [state, effects] = run(state, [
    { type: "hw.meter", connectorId: 1, wh: 1234.7, w: 0 },
    { type: "hw.locked", connectorId: 1, ok: true },
  ]);
  assert.deepEqual(effects, started("TAG", 1234));
  assert.deepEqual(state.connectors[0]!.tx, {
    phase: "active",
    idTag: "TAG",
    tx: 1,
    transactionId: null,
    startPending: true,
    meterStartWh: 1234,
    startedAt: T0,
  });
});

Deno.test("transitionTransaction() goes to authorized without a cable and waits ConnectionTimeOut for it", () => {
  const c = ctx({ ConnectionTimeOut: 30 });
  let [state, effects] = run(initialTransaction(c), [tap("TAG"), accepted("TAG", "start")], c);
  assert.deepEqual(effects, [
    { type: "tx.authorized", connectorId: 1, idTag: "TAG" },
    { type: "timer.start", id: "timeout:1", ms: 30_000 },
  ]);
  [state, effects] = run(state, [ev("B")], c);
  assert.deepEqual(effects, lockEffects());
  assert.equal(state.connectors[0]!.tx.phase, "locking");
});

Deno.test("transitionTransaction() drops the session when ConnectionTimeOut expires without a cable", () => {
  const c = ctx({ ConnectionTimeOut: 30 });
  const [state, effects] = run(initialTransaction(c), [
    tap("TAG"),
    accepted("TAG", "start"),
    { type: "timer.fired", id: "timeout:1" },
  ], c);
  assert.deepEqual(effects, dropEffects());
  assert.deepEqual(state.connectors[0]!.tx, { phase: "idle" });
});

Deno.test("transitionTransaction() starts no ConnectionTimeOut timer when ConnectionTimeOut is 0", () => {
  const c = ctx({ ConnectionTimeOut: 0 });
  const [, effects] = run(initialTransaction(c), [tap("TAG"), accepted("TAG", "start")], c);
  assert.deepEqual(effects, [{ type: "tx.authorized", connectorId: 1, idTag: "TAG" }]);
});

Deno.test("transitionTransaction() forgets a card the authorization actor rejects", () => {
  const c = ctx();
  const [state, effects] = run(initialTransaction(c), [ev("B"), tap("BAD"), {
    type: "auth.result",
    idTag: "BAD",
    connectorId: 1,
    purpose: "start",
    info: { status: "Invalid" },
    source: "backend",
  }]);
  assert.deepEqual(effects, [{
    type: "log",
    level: "info",
    text: "Card BAD not authorized: Invalid",
  }]);
  assert.deepEqual(state.connectors[0]!.tx, { phase: "idle" });
});

Deno.test("transitionTransaction() cancels an authorized session when the same card comes again", () => {
  const c = ctx();
  const [state, effects] = run(initialTransaction(c), [
    tap("TAG"),
    accepted("TAG", "start"),
    tap("TAG"),
  ]);
  assert.deepEqual(effects, dropEffects());
  assert.deepEqual(state.connectors[0]!.tx, { phase: "idle" });
});

Deno.test("transitionTransaction() drops the session when the cable is pulled before the transaction starts", () => {
  const c = ctx();
  const [state, effects] = run(initialTransaction(c), [
    ev("B"),
    tap("TAG"),
    accepted("TAG", "start"),
    ev("A"),
  ]);
  assert.deepEqual(effects, [...dropEffects(), { type: "hw.unlock", connectorId: 1 }]);
  assert.deepEqual(state.connectors[0]!.tx, { phase: "idle" });
});

Deno.test("transitionTransaction() starts no transaction when the cable lock fails (OCTT TC_024)", () => {
  const c = ctx();
  const [state, effects] = run(initialTransaction(c), [
    req({ connectorId: 1, idTag: "TAG" }),
    ev("B"),
    { type: "hw.locked", connectorId: 1, ok: false },
  ]);
  assert.deepEqual(effects, dropEffects());
  assert.deepEqual(state.connectors[0]!.tx, { phase: "idle" });
  // The lock that never answers ends the same way.
  const [, late] = run(initialTransaction(c), [
    ev("B"),
    req({ connectorId: 1, idTag: "TAG" }),
    { type: "timer.fired", id: "lock:1" },
  ]);
  assert.deepEqual(late, dropEffects());
});

Deno.test("transitionTransaction() starts a transaction on plug-in with the configured id in free charging mode", () => {
  const c = ctx({ AuthorizationMode: "free", FreeChargingIdTag: "OPEN" });
  let [state, effects] = run(initialTransaction(c), [ev("B")], c);
  assert.deepEqual(effects, [
    { type: "tx.authorized", connectorId: 1, idTag: "OPEN" },
    ...lockEffects(),
  ]);
  [state, effects] = run(state, [{ type: "hw.locked", connectorId: 1, ok: true }], c);
  assert.deepEqual(effects, started("OPEN"));
  // A card starts nothing in free mode.
  const [, tapped] = run(initialTransaction(c), [tap("TAG")], c);
  assert.deepEqual(tapped, []);
});

Deno.test("transitionTransaction() accepts RemoteStartTransaction on a free connector and authorizes at once when AuthorizeRemoteTxRequests is false", () => {
  const c = ctx({ ConnectionTimeOut: 45 });
  const [state, effects] = run(initialTransaction(c), [
    req({ connectorId: 1, idTag: "TAG" }),
  ], c);
  assert.deepEqual(effects, [
    {
      type: "ocpp.reply",
      id: "r1",
      action: "RemoteStartTransaction",
      payload: { status: "Accepted" },
    },
    { type: "tx.authorized", connectorId: 1, idTag: "TAG" },
    { type: "timer.start", id: "timeout:1", ms: 45_000 },
  ]);
  assert.deepEqual(state.connectors[0]!.tx, { phase: "authorized", idTag: "TAG" });
});

Deno.test("transitionTransaction() asks for authorization of a remote start when AuthorizeRemoteTxRequests is true", () => {
  const c = ctx({ AuthorizeRemoteTxRequests: true });
  let [state, effects] = run(initialTransaction(c), [
    ev("B"),
    req({ connectorId: 1, idTag: "TAG" }),
  ], c);
  assert.deepEqual(effects, [
    {
      type: "ocpp.reply",
      id: "r1",
      action: "RemoteStartTransaction",
      payload: { status: "Accepted" },
    },
    { type: "auth.request", idTag: "TAG", connectorId: 1, purpose: "remote" },
  ]);
  [state, effects] = run(state, [accepted("TAG", "remote")], c);
  assert.deepEqual(effects, [
    { type: "tx.authorized", connectorId: 1, idTag: "TAG" },
    ...lockEffects(),
  ]);
});

Deno.test("transitionTransaction() picks the first free connector for a RemoteStartTransaction without connectorId", () => {
  const c = ctx({ NumberOfConnectors: 2 });
  const [state] = run(initialTransaction(c), [
    { type: "hw.fault", connectorId: 1, errorCode: "GroundFailure" },
    req({ idTag: "TAG" }),
  ], c);
  assert.deepEqual(state.connectors.map((x) => x.tx.phase), ["idle", "authorized"]);
});

const rejectedCases: [string, readonly TransactionMsg[], Record<string, unknown>][] = [
  ["connector 0 (OCTT TC_027)", [], { connectorId: 0 }],
  ["an unknown connector", [], { connectorId: 2 }],
  ["a busy connector (OCTT TC_026)", [
    req({ connectorId: 1, idTag: "A" }),
  ], {
    connectorId: 1,
  }],
  ["a faulted charge point: connector 0 (OCTT TC_041, section 4.9)", [{
    type: "hw.fault",
    connectorId: 0,
    errorCode: "InternalError",
  }], { connectorId: 1 }],
  ["a faulted connector (OCTT TC_041)", [{
    type: "hw.fault",
    connectorId: 1,
    errorCode: "GroundFailure",
  }], { connectorId: 1 }],
  [
    "an inoperative connector",
    [{ type: "availability.changed", connectorId: 1, operative: false }],
    {
      connectorId: 1,
    },
  ],
  ["no connector at all free", [req({ connectorId: 1, idTag: "A" })], {}],
];
for (const [what, before, payload] of rejectedCases) {
  Deno.test(`transitionTransaction() rejects RemoteStartTransaction for ${what}`, () => {
    const c = ctx();
    const [state] = run(initialTransaction(c), before, c);
    const [after, effects] = run(state, [
      req({ ...payload, idTag: "TAG" }),
    ], c);
    assert.deepEqual(effects, [{
      type: "ocpp.reply",
      id: "r1",
      action: "RemoteStartTransaction",
      payload: { status: "Rejected" },
    }]);
    assert.deepEqual(after, state);
  });
}

Deno.test("transitionTransaction() drops a session that has not started when its connector becomes inoperative", () => {
  const c = ctx();
  const [state, effects] = run(initialTransaction(c), [
    tap("TAG"),
    accepted("TAG", "start"),
    { type: "availability.changed", connectorId: 1, operative: false },
  ]);
  assert.deepEqual(effects, dropEffects());
  assert.equal(state.connectors[0]!.operative, false);
  // And a cable plugged in now starts nothing.
  assert.deepEqual(run(state, [ev("B")])[1], []);
});

Deno.test("transitionTransaction() drops a session that has not started on a fault of connector 0", () => {
  const c = ctx({ NumberOfConnectors: 2 });
  const [state, effects] = run(initialTransaction(c), [
    tap("TAG"),
    accepted("TAG", "start"),
    { type: "hw.fault", connectorId: 0, errorCode: "InternalError" },
  ], c);
  assert.deepEqual(effects, dropEffects());
  assert.deepEqual(state.connectors.map((x) => x.cpFaulted), [true, true]);
  assert.deepEqual(run(state, [ev("B", 2)], c)[1], []);
});

Deno.test("transitionTransaction() ignores a card when no connector is free", () => {
  const c = ctx();
  const [, effects] = run(initialTransaction(c), [
    { type: "hw.fault", connectorId: 1, errorCode: "GroundFailure" },
    tap("TAG"),
  ]);
  assert.deepEqual(effects, [
    { type: "log", level: "info", text: "Ignored card TAG: no connector is free" },
  ]);
});

Deno.test("transitionTransaction() moves a card's session to the connector the cable goes into", () => {
  const c = ctx({ NumberOfConnectors: 2, ConnectionTimeOut: 30 });
  let [state, effects] = run(initialTransaction(c), [tap("TAG"), accepted("TAG", "start")], c);
  assert.deepEqual(state.connectors[0]!.tx, { phase: "authorized", idTag: "TAG", floating: true });
  [state, effects] = run(state, [ev("B", 2)], c);
  assert.deepEqual(effects, [
    ...dropEffects(1),
    { type: "tx.authorized", connectorId: 2, idTag: "TAG" },
    ...lockEffects(2),
  ]);
  assert.deepEqual(state.connectors.map((x) => x.tx.phase), ["idle", "locking"]);
  // A remote start belongs to its connector.
  [state] = run(initialTransaction(c), [
    req({ connectorId: 1, idTag: "TAG" }),
    ev("B", 2),
  ], c);
  assert.deepEqual(state.connectors.map((x) => x.tx.phase), ["authorized", "idle"]);
});

Deno.test("transitionTransaction() rejects RemoteStartTransaction and RemoteStopTransaction until the boot is Accepted (section 4.2)", () => {
  // Whether the boot is Accepted is the supervisor's phase, read from the context.
  const c = ctx({}, "pending");
  const rejected = (action: string) => [
    { type: "log", level: "info", text: `Rejected ${action}: the boot is not Accepted (pending)` },
    { type: "ocpp.reply", id: "r1", action, payload: { status: "Rejected" } },
  ];
  const [state, effects] = run(initialTransaction(c), [
    req({ connectorId: 1, idTag: "TAG" }),
  ], c);
  assert.deepEqual(effects, rejected("RemoteStartTransaction"));
  assert.deepEqual(state.connectors[0]!.tx, { phase: "idle" });
  const stop = {
    type: "ocpp.request",
    id: "r1",
    action: "RemoteStopTransaction",
    payload: { transactionId: 1 },
  } as const;
  assert.deepEqual(run(state, [stop], c)[1], rejected("RemoteStopTransaction"));
  // Accepted: the same request starts a session.
  const [after, accepted] = run(state, [
    req({ connectorId: 1, idTag: "TAG" }),
  ], ctx());
  assert.deepEqual(accepted[0], {
    type: "ocpp.reply",
    id: "r1",
    action: "RemoteStartTransaction",
    payload: { status: "Accepted" },
  });
  assert.equal(after.connectors[0]!.tx.phase, "authorized");
});

Deno.test("transitionTransaction() ignores a second tap of a card being authorized or whose cable is locking", () => {
  const c = ctx({ NumberOfConnectors: 2 });
  let [state, effects] = run(
    initialTransaction(c),
    [ev("B"), ev("B", 2), tap("TAG"), tap("tag")],
    c,
  );
  assert.deepEqual(effects, [{
    type: "log",
    level: "info",
    text: "Ignored card tag: its session on connector 1 is authorizing",
  }]);
  assert.deepEqual(state.connectors.map((x) => x.tx.phase), ["authorizing", "idle"]);
  [state, effects] = run(state, [accepted("TAG", "start"), tap("TAG")], c);
  assert.deepEqual(effects, [{
    type: "log",
    level: "info",
    text: "Ignored card TAG: its session on connector 1 is locking",
  }]);
  assert.deepEqual(state.connectors.map((x) => x.tx.phase), ["locking", "idle"]);
});
