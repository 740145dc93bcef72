/**
 * Unit tests of the transaction actor on reserved connectors (section
 * 5.13): who may charge, by card and RemoteStartTransaction, the
 * parentIdTag path, and the reservationId in StartTransaction.
 */
import assert from "node:assert/strict";
import type { Effect } from "./bus.ts";
import { asRequest, type IdTagInfo, type Reservation } from "./messages.ts";
import type { CsRequest } from "../ocpp/types.ts";
import { initialTransaction, type TransactionMsg, type TransactionState } from "./transaction.ts";
import { ctx, ev, run, T0, tap } from "./_tx_testing.ts";

const res = (over: Partial<Reservation> = {}): Reservation => ({
  reservationId: 7,
  connectorId: 1,
  heldConnectorId: 1,
  idTag: "RES-TAG",
  expiresAt: T0 + 600_000,
  ...over,
});
const reserved = (...reservations: Reservation[]): TransactionMsg => ({
  type: "reservation.changed",
  reservations,
});
const result = (
  idTag: string,
  info: IdTagInfo,
  connectorId = 1,
  purpose: "start" | "remote" = "start",
): TransactionMsg => ({
  type: "auth.result",
  idTag,
  connectorId,
  purpose,
  info,
  source: "backend",
});
const remote = (payload: CsRequest<"RemoteStartTransaction">): TransactionMsg =>
  asRequest("r1", "RemoteStartTransaction", payload);
const locked = (connectorId = 1): TransactionMsg => ({ type: "hw.locked", connectorId, ok: true });

function startCall(effects: readonly Effect[]) {
  const call = effects.find((e) => e.type === "ocpp.call" && e.action === "StartTransaction");
  return call?.type === "ocpp.call" ? call.payload : undefined;
}
function txStarted(effects: readonly Effect[]) {
  return effects.find((e) => e.type === "tx.started");
}
function reply(effects: readonly Effect[]) {
  const r = effects.find((e) => e.type === "ocpp.reply");
  return r?.type === "ocpp.reply" ? r.payload : undefined;
}
const phase = (s: TransactionState, id = 1) => s.connectors[id - 1]!.tx.phase;

Deno.test("a reservation without parentIdTag refuses another card at once, without asking anyone (TC_046_1)", () => {
  const [s, e] = run(initialTransaction(ctx()), [reserved(res()), ev("B"), tap("OTHER")]);
  assert.equal(phase(s), "idle");
  assert.equal(e.some((x) => x.type === "auth.request"), false);
  assert.ok(e.some((x) => x.type === "log" && x.text.includes("reserved")));
});

Deno.test("the reserved card charges: StartTransaction and tx.started carry the reservationId (TC_046_1)", () => {
  let [s, e] = run(initialTransaction(ctx()), [reserved(res()), tap("res-tag")]);
  assert.deepEqual(e, [{
    type: "auth.request",
    idTag: "res-tag",
    connectorId: 1,
    purpose: "start",
  }]);
  [s, e] = run(s, [result("res-tag", { status: "Accepted" }), ev("B")]);
  assert.equal(phase(s), "locking");
  [s, e] = run(s, [locked()]);
  assert.equal(startCall(e)?.reservationId, 7);
  assert.equal(txStarted(e)?.type === "tx.started" && txStarted(e)?.reservationId, 7);
});

Deno.test("parentIdTag: another card of the reservation's group charges on it, one of another group is refused (TC_053)", () => {
  const group = res({ parentIdTag: "FLEET" });
  // A card of another group: asked about (its parentIdTag is not known), then refused.
  let [s, e] = run(initialTransaction(ctx()), [reserved(group), ev("B"), tap("STRANGER")]);
  assert.deepEqual(e, [{
    type: "auth.request",
    idTag: "STRANGER",
    connectorId: 1,
    purpose: "start",
  }]);
  [s, e] = run(s, [result("STRANGER", { status: "Accepted", parentIdTag: "OTHERS" })]);
  assert.equal(phase(s), "idle");
  assert.equal(e.some((x) => x.type === "tx.authorized" || x.type === "hw.lock"), false);
  // A card whose parentIdTag (from the list, the cache or Authorize.conf) is the reservation's.
  [s, e] = run(s, [tap("MEMBER"), result("MEMBER", { status: "Accepted", parentIdTag: "fleet" })]);
  assert.equal(phase(s), "locking");
  [s, e] = run(s, [locked()]);
  assert.equal(startCall(e)?.idTag, "MEMBER");
  assert.equal(startCall(e)?.reservationId, 7);
});

Deno.test("a card without a reservation goes to an unreserved connector; the reserved one stays free", () => {
  const c = ctx({ NumberOfConnectors: 2 });
  const [s, e] = run(initialTransaction(c), [reserved(res()), ev("B", 1), tap("OTHER")], c);
  // The reserved connector is plugged, yet the card goes to connector 2.
  assert.deepEqual(e, [{ type: "auth.request", idTag: "OTHER", connectorId: 2, purpose: "start" }]);
  assert.equal(phase(s, 1), "idle");
});

Deno.test("connector 0: the reserved idTag uses it on any connector; others keep off the held one (TC_049)", () => {
  const c = ctx({ NumberOfConnectors: 2 });
  const zero = res({ connectorId: 0, heldConnectorId: 2 });
  let [s, e] = run(initialTransaction(c), [reserved(zero), ev("B", 1), tap("RES-TAG")], c);
  [s, e] = run(s, [result("RES-TAG", { status: "Accepted" }, 1), locked(1)], c);
  assert.equal(startCall(e)?.connectorId, 1);
  assert.equal(startCall(e)?.reservationId, 7);
  // With connector 1 busy, another card finds only the held connector: refused.
  [s, e] = run(s, [tap("OTHER")], c);
  assert.equal(e.some((x) => x.type === "auth.request"), false);
});

Deno.test("a session without the reservation's idTag carries no reservationId (TC_051 after cancel)", () => {
  let [s, e] = run(initialTransaction(ctx()), [reserved(res()), reserved(), tap("OTHER")]);
  [s, e] = run(s, [result("OTHER", { status: "Accepted" }), ev("B"), locked()]);
  assert.equal(phase(s), "active");
  assert.equal(startCall(e)?.reservationId, undefined);
  assert.equal("reservationId" in (startCall(e) ?? {}), false);
});

Deno.test("RemoteStartTransaction on a reserved connector: Rejected for another idTag, Accepted for the reserved one (TC_046_2)", () => {
  let [s, e] = run(initialTransaction(ctx()), [
    reserved(res()),
    remote({ connectorId: 1, idTag: "OTHER" }),
  ]);
  assert.deepEqual(reply(e), { status: "Rejected" });
  assert.equal(phase(s), "idle");
  // Without connectorId there is no other connector: Rejected too.
  [s, e] = run(s, [remote({ idTag: "OTHER" })]);
  assert.deepEqual(reply(e), { status: "Rejected" });
  [s, e] = run(s, [remote({ connectorId: 1, idTag: "RES-TAG" })]);
  assert.deepEqual(reply(e), { status: "Accepted" });
  [s, e] = run(s, [ev("B"), locked()]);
  assert.equal(startCall(e)?.reservationId, 7);
});

Deno.test("RemoteStartTransaction of another idTag on a group reservation: its parentIdTag is asked for and decides", () => {
  const group = res({ parentIdTag: "FLEET" });
  let [s, e] = run(initialTransaction(ctx()), [
    reserved(group),
    remote({ connectorId: 1, idTag: "MEMBER" }),
  ]);
  assert.deepEqual(reply(e), { status: "Accepted" });
  // Asked even with AuthorizeRemoteTxRequests false: the group is only known that way.
  assert.ok(e.some((x) => x.type === "auth.request" && x.purpose === "remote"));
  [s, e] = run(s, [
    result("MEMBER", { status: "Accepted", parentIdTag: "NOT-FLEET" }, 1, "remote"),
  ]);
  assert.equal(phase(s), "idle");
  [s, e] = run(s, [remote({ connectorId: 1, idTag: "MEMBER" })]);
  [s, e] = run(s, [result("MEMBER", { status: "Accepted", parentIdTag: "FLEET" }, 1, "remote")]);
  assert.equal(phase(s), "authorized");
});

Deno.test("free charging does not start on a reserved connector by plugging in", () => {
  const c = ctx({ AuthorizationMode: "free", FreeChargingIdTag: "FREE" });
  const [s, e] = run(initialTransaction(c), [reserved(res()), ev("B")], c);
  assert.equal(phase(s), "idle");
  assert.equal(e.some((x) => x.type === "tx.authorized"), false);
});

Deno.test("a card presented before the cable does not move onto a connector reserved for another", () => {
  const c = ctx({ NumberOfConnectors: 2 });
  let [s] = run(initialTransaction(c), [
    reserved(res({ heldConnectorId: 2, connectorId: 2 })),
    tap("OTHER"),
  ], c);
  [s] = run(s, [result("OTHER", { status: "Accepted" }, 1)], c);
  assert.equal(phase(s, 1), "authorized");
  [s] = run(s, [ev("B", 2)], c);
  assert.equal(phase(s, 2), "idle");
  assert.equal(phase(s, 1), "authorized");
});
