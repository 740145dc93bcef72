/**
 * OCTT (OCPP 1.6 compliance test tool) cases of the Reservation profile:
 * reservation of the Charge Point (connector 0), CancelReservation and a
 * reservation used by a parentIdTag (OCTT test case document 2.20.2-2.20.4,
 * Tables 67-74), against the real Central System of `csms.ts`.
 */
import assert from "node:assert/strict";
import { OCTT, reachCharging, rpcIdle, startRig, statusesOf } from "./harness.ts";
import {
  chargeReserved,
  logged,
  reachReserved,
  reserve,
  reserveNow,
  setUnavailable,
} from "./_reservation.ts";

Deno.test("TC_049 Reservation of a Charge Point - Transaction", async () => {
  await using rig = await startRig({ connectors: 2 });
  const { csms, station } = rig;
  const conf = await csms.call("GetConfiguration", { key: ["ReserveConnectorZeroSupported"] });
  assert.deepEqual(conf.configurationKey, [
    { key: "ReserveConnectorZeroSupported", readonly: true, value: "true" },
  ]);
  await setUnavailable(rig, 2);
  const m = csms.mark;
  const held = await reachReserved(rig, reserveNow(rig, { connectorId: 0, reservationId: 49 }));
  assert.equal(held, 1);
  assert.equal(rig.cp.status().connectors[0]!.reservation?.anyConnector, true);
  // Only the reserved idTag charges: another card finds no connector.
  station.tap(OCTT.validIdTag2);
  await logged(rig, `Ignored card ${OCTT.validIdTag2}: every free connector is reserved`);
  const start = await chargeReserved(rig, 1);
  assert.equal(start.idTag, OCTT.validIdTag);
  assert.equal(start.reservationId, 49);
  assert.deepEqual(statusesOf(rig, m), ["Reserved", "Preparing", "Charging"]);
  assert.deepEqual(csms.all("Authorize", m), []);
  assert.equal(rig.cp.status().connectors[0]!.reservation, null);
  assert.deepEqual(csms.invalid, []);
});

Deno.test("TC_050_1 Reservation of a Charge Point - Faulted", async () => {
  await using rig = await startRig();
  const { csms, station } = rig;
  // SetChargePointFaulted: every connector of the Charge Point is Faulted.
  const m = csms.mark;
  station.injectFault(1, "GroundFailure");
  await csms.next("StatusNotification", m, (p) => p.status === "Faulted");
  assert.equal(await reserve(rig, reserveNow(rig, { connectorId: 0 })), "Faulted");
  await rpcIdle(rig);
  assert.deepEqual(statusesOf(rig, m), ["Faulted"]);
  assert.deepEqual(csms.invalid, []);
});

Deno.test("TC_050_2 Reservation of a Charge Point - Occupied", async () => {
  await using rig = await startRig({ connectors: 2 });
  const { csms, station } = rig;
  // SetConnectorOccupied for all connectors (MicroOcpp accepted here; section 5.13 says Occupied).
  const m = csms.mark;
  for (const id of [1, 2]) {
    station.plug(id);
    await csms.next(
      "StatusNotification",
      m,
      (p) => p.connectorId === id && p.status === "Preparing",
    );
  }
  assert.equal(await reserve(rig, reserveNow(rig, { connectorId: 0 })), "Occupied");
  // One free again: the Charge Point can be reserved; a second reservation of it cannot.
  station.unplug(2);
  await csms.next("StatusNotification", m, (p) => p.connectorId === 2 && p.status === "Available");
  assert.equal(
    await reserve(rig, reserveNow(rig, { connectorId: 0, reservationId: 1 })),
    "Accepted",
  );
  await csms.next("StatusNotification", m, (p) => p.connectorId === 2 && p.status === "Reserved");
  const second = reserveNow(rig, { connectorId: 0, reservationId: 2, idTag: OCTT.validIdTag2 });
  assert.equal(await reserve(rig, second), "Occupied");
  await rpcIdle(rig);
  assert.deepEqual(statusesOf(rig, m, 2), ["Preparing", "Available", "Reserved"]);
  assert.deepEqual(csms.invalid, []);
});

Deno.test("TC_050_3 Reservation of a Charge Point - Unavailable", async () => {
  await using rig = await startRig();
  const { csms } = rig;
  // SetChargePointUnavailable: ChangeAvailability of connector 0.
  const m = csms.mark;
  const conf = await csms.call("ChangeAvailability", { connectorId: 0, type: "Inoperative" });
  assert.equal(conf.status, "Accepted");
  await csms.next(
    "StatusNotification",
    m,
    (p) => p.connectorId === 0 && p.status === "Unavailable",
  );
  await csms.next(
    "StatusNotification",
    m,
    (p) => p.connectorId === 1 && p.status === "Unavailable",
  );
  assert.equal(await reserve(rig, reserveNow(rig, { connectorId: 0 })), "Unavailable");
  assert.deepEqual(csms.invalid, []);
});

Deno.test("TC_050_4 Reservation of a Charge Point - Rejected", async () => {
  await using rig = await startRig({ settings: { reservationEnabled: false } });
  const { csms } = rig;
  const m = csms.mark;
  assert.equal(await reserve(rig, reserveNow(rig, { connectorId: 0 })), "Rejected");
  await rpcIdle(rig);
  assert.deepEqual(statusesOf(rig, m), []);
  assert.deepEqual(csms.invalid, []);
});

Deno.test("ReserveNow of connector 0 is Rejected when ReserveConnectorZeroSupported is false (section 5.13)", async () => {
  await using rig = await startRig({ settings: { reserveConnectorZeroSupported: false } });
  assert.equal(await reserve(rig, reserveNow(rig, { connectorId: 0 })), "Rejected");
  // A connector of its own can still be reserved.
  await reachReserved(rig);
  assert.deepEqual(rig.csms.invalid, []);
});

Deno.test("TC_051 Cancel Reservation", async () => {
  await using rig = await startRig();
  const { csms } = rig;
  const m = csms.mark;
  await reachReserved(rig, reserveNow(rig, { reservationId: 51 }));
  const cancelAt = csms.mark;
  const conf = await csms.call("CancelReservation", { reservationId: 51 });
  assert.equal(conf.status, "Accepted");
  const available = await csms.next(
    "StatusNotification",
    cancelAt,
    (p) => p.status === "Available",
  );
  assert.equal(available.params.connectorId, 1);
  // Charging with <Configured Valid IdTag 2>: the reservationId is omitted.
  const charging = await reachCharging(rig, { idTag: OCTT.validIdTag2 });
  assert.equal("reservationId" in charging.start, false);
  assert.deepEqual(statusesOf(rig, m), ["Reserved", "Available", "Preparing", "Charging"]);
  assert.deepEqual(csms.invalid, []);
});

Deno.test("TC_052 Cancel Reservation - Rejected", async () => {
  await using rig = await startRig();
  const { csms } = rig;
  const m = csms.mark;
  await reachReserved(rig, reserveNow(rig, { reservationId: 52 }));
  const conf = await csms.call("CancelReservation", { reservationId: 53 });
  assert.equal(conf.status, "Rejected");
  await rpcIdle(rig);
  // The reservation stands.
  assert.deepEqual(statusesOf(rig, m), ["Reserved"]);
  assert.equal(rig.cp.status().connectors[0]!.reservation?.reservationId, 52);
  assert.deepEqual(csms.invalid, []);
});

Deno.test("TC_053 Use a reserved Connector with parentIdTag", async () => {
  await using rig = await startRig();
  const { csms, station } = rig;
  // The Central System knows the group of each card (Authorize.conf idTagInfo.parentIdTag).
  const parents: Record<string, string> = {
    [OCTT.validIdTag2]: OCTT.parentIdTag,
    "OCTT-OTHER-GROUP": "SOME-OTHER-PARENT",
  };
  csms.handlers.Authorize = (p: { idTag: string }) => ({
    idTagInfo: {
      status: "Accepted",
      ...(parents[p.idTag] ? { parentIdTag: parents[p.idTag] } : {}),
    },
  });
  const m = csms.mark;
  const req = reserveNow(rig, { reservationId: 530, parentIdTag: OCTT.parentIdTag });
  await reachReserved(rig, req);
  // A card of another group: its parentIdTag is asked for, then it is refused.
  station.tap("OCTT-OTHER-GROUP");
  await csms.next("Authorize", m, (p) => p.idTag === "OCTT-OTHER-GROUP");
  await logged(rig, "Card OCTT-OTHER-GROUP refused: connector 1 is reserved");
  // Reusable state Authorized with <Configured Valid IdTag 2>, whose parent is the reservation's.
  const authAt = csms.mark;
  station.tap(OCTT.validIdTag2);
  await csms.next("Authorize", authAt, (p) => p.idTag === OCTT.validIdTag2);
  await csms.next("StatusNotification", authAt, (p) => p.status === "Preparing");
  station.plug(1);
  const start = await csms.next("StartTransaction", authAt);
  assert.equal(start.params.idTag, OCTT.validIdTag2);
  assert.equal(start.params.reservationId, 530);
  await csms.next("StatusNotification", authAt, (p) => p.status === "Charging");
  await rpcIdle(rig);
  assert.deepEqual(statusesOf(rig, m), ["Reserved", "Preparing", "Charging"]);
  assert.deepEqual(csms.invalid, []);
});
