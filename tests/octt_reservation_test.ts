/**
 * OCTT (OCPP 1.6 compliance test tool) cases of the Reservation profile,
 * reservation of a connector (OCTT test case document 2.20.1, Tables
 * 60-66), against the real Central System of `csms.ts`.
 */
import assert from "node:assert/strict";
import { advanceIdle, OCTT, reachCharging, rpcIdle, startRig, statusesOf } from "./harness.ts";
import {
  chargeReserved,
  logged,
  reachReserved,
  reserve,
  reserveNow,
  setUnavailable,
} from "./_reservation.ts";

Deno.test("TC_046_1 Reservation of a Connector - Local start transaction", async () => {
  await using rig = await startRig({ connectors: 2 });
  const { csms, station } = rig;
  // Before: SetConnectorUnavailable for all unused connectors.
  await setUnavailable(rig, 2);
  const m = csms.mark;
  const req = reserveNow(rig, { reservationId: 46 });
  assert.equal(await reachReserved(rig, req), 1);
  // Another card: not the reserved idTag, refused without asking the Central System.
  station.tap(OCTT.validIdTag2);
  await logged(rig, `Ignored card ${OCTT.validIdTag2}: every free connector is reserved`);
  await rpcIdle(rig);
  assert.deepEqual(csms.all("Authorize", m), []);
  // The reserved card: Authorize.req for it, Preparing.
  station.tap(OCTT.validIdTag);
  const auth = await csms.next("Authorize", m);
  assert.equal(auth.params.idTag, OCTT.validIdTag);
  await csms.next("StatusNotification", m, (p) => p.connectorId === 1 && p.status === "Preparing");
  const plugAt = csms.mark;
  station.plug(1);
  const start = await csms.next("StartTransaction", plugAt);
  assert.equal(start.params.connectorId, 1);
  assert.equal(start.params.idTag, OCTT.validIdTag);
  assert.equal(start.params.reservationId, 46);
  await csms.next("StatusNotification", plugAt, (p) => p.status === "Charging");
  await rpcIdle(rig);
  assert.deepEqual(statusesOf(rig, m), ["Reserved", "Preparing", "Charging"]);
  assert.equal(csms.all("Authorize", m).length, 1);
  // The reservation ended with its transaction.
  assert.equal(rig.cp.status().connectors[0]!.reservation, null);
  assert.deepEqual(csms.invalid, []);
});

Deno.test("TC_046_2 Reservation of a Connector - Remote start transaction", async () => {
  await using rig = await startRig();
  const { csms } = rig;
  const m = csms.mark;
  await reachReserved(rig, reserveNow(rig, { reservationId: 462 }));
  // Only the reserved idTag: a remote start for another is Rejected (MicroOcpp issues 154, 163, 191).
  const other = await csms.call("RemoteStartTransaction", {
    connectorId: 1,
    idTag: OCTT.validIdTag2,
  });
  assert.equal(other.status, "Rejected");
  const start = await chargeReserved(rig);
  assert.equal(start.idTag, OCTT.validIdTag);
  assert.equal(start.reservationId, 462);
  assert.deepEqual(statusesOf(rig, m), ["Reserved", "Preparing", "Charging"]);
  assert.deepEqual(csms.invalid, []);
});

Deno.test("TC_047 Reservation of a Connector - Expire", async () => {
  await using rig = await startRig({ connectors: 2 });
  const { csms } = rig;
  await setUnavailable(rig, 2);
  const m = csms.mark;
  // <Configured Reservation Expiry Date Offset>: 60 s on the Charge Point's clock.
  await reachReserved(rig, reserveNow(rig, { reservationId: 47, inMs: 60_000 }));
  await advanceIdle(rig, 58_000);
  assert.deepEqual(statusesOf(rig, m), ["Reserved"], "still Reserved before the expiry");
  await advanceIdle(rig, 3_000);
  const available = await csms.next("StatusNotification", m, (p) => p.status === "Available");
  assert.equal(available.params.connectorId, 1);
  // The tool starts a transaction with another valid idTag: the reservation is gone.
  const charging = await reachCharging(rig, { idTag: OCTT.validIdTag2 });
  assert.equal(charging.start.idTag, OCTT.validIdTag2);
  assert.equal("reservationId" in charging.start, false);
  assert.deepEqual(statusesOf(rig, m), ["Reserved", "Available", "Preparing", "Charging"]);
  assert.deepEqual(csms.invalid, []);
});

Deno.test("TC_048_1 Reservation of a Connector - Faulted", async () => {
  await using rig = await startRig();
  const { csms, station } = rig;
  // SetConnectorFaulted.
  const m = csms.mark;
  station.injectFault(1, "GroundFailure");
  await csms.next("StatusNotification", m, (p) => p.connectorId === 1 && p.status === "Faulted");
  assert.equal(await reserve(rig, reserveNow(rig)), "Faulted");
  // Nothing was reserved: once the fault clears the connector is Available, not Reserved.
  station.clearFault(1);
  await csms.next("StatusNotification", m, (p) => p.status === "Available");
  await rpcIdle(rig);
  assert.deepEqual(statusesOf(rig, m), ["Faulted", "Available"]);
  assert.deepEqual(csms.invalid, []);
});

Deno.test("TC_048_2 Reservation of a Connector - Occupied", async () => {
  await using rig = await startRig();
  const { csms, station } = rig;
  // SetConnectorOccupied: a cable plugged in.
  const m = csms.mark;
  station.plug(1);
  await csms.next("StatusNotification", m, (p) => p.status === "Preparing");
  assert.equal(await reserve(rig, reserveNow(rig)), "Occupied");
  // A reserved connector is Occupied for another reservation too (section 5.13).
  station.unplug(1);
  await csms.next("StatusNotification", m, (p) => p.status === "Available");
  await reachReserved(rig, reserveNow(rig, { reservationId: 1 }));
  assert.equal(
    await reserve(rig, reserveNow(rig, { reservationId: 2, idTag: OCTT.validIdTag2 })),
    "Occupied",
  );
  await rpcIdle(rig);
  assert.deepEqual(statusesOf(rig, m), ["Preparing", "Available", "Reserved"]);
  assert.deepEqual(csms.invalid, []);
});

Deno.test("TC_048_3 Reservation of a Connector - Unavailable", async () => {
  await using rig = await startRig();
  const { csms } = rig;
  await setUnavailable(rig, 1);
  const m = csms.mark;
  assert.equal(await reserve(rig, reserveNow(rig)), "Unavailable");
  await rpcIdle(rig);
  assert.deepEqual(statusesOf(rig, m), []);
  assert.deepEqual(csms.invalid, []);
});

Deno.test("TC_048_4 Reservation of a Connector - Rejected", async () => {
  // The Charge Point does NOT support the Reservation feature profile: switched off.
  await using rig = await startRig({ settings: { reservationEnabled: false } });
  const { csms } = rig;
  const conf = await csms.call("GetConfiguration", { key: ["SupportedFeatureProfiles"] });
  assert.equal(conf.configurationKey[0].value.split(",").includes("Reservation"), false);
  const m = csms.mark;
  assert.equal(await reserve(rig, reserveNow(rig)), "Rejected");
  await rpcIdle(rig);
  assert.deepEqual(statusesOf(rig, m), []);
  assert.deepEqual(csms.invalid, []);
});

Deno.test("ReserveNow with an expiryDate in the past or an unknown connector is Rejected and changes nothing", async () => {
  await using rig = await startRig();
  const { csms } = rig;
  const conf = await csms.call("GetConfiguration", { key: ["SupportedFeatureProfiles"] });
  assert.ok(conf.configurationKey[0].value.split(",").includes("Reservation"));
  const m = csms.mark;
  assert.equal(await reserve(rig, reserveNow(rig, { inMs: -1_000 })), "Rejected");
  assert.equal(await reserve(rig, reserveNow(rig, { connectorId: 2 })), "Rejected");
  // A date that is not RFC 3339 never reaches the actor: the schema's CALLERROR.
  await csms.sendRaw(
    JSON.stringify([2, "bad-date", "ReserveNow", { ...reserveNow(rig), expiryDate: "tomorrow" }]),
  );
  await csms.until(
    () => csms.frames.some((f) => !f.out && f.text.startsWith('[4,"bad-date"')),
    "the CALLERROR",
  );
  const error = JSON.parse(csms.frames.find((f) => f.text.startsWith('[4,"bad-date"'))!.text);
  assert.equal(error[2], "PropertyConstraintViolation");
  await rpcIdle(rig);
  assert.deepEqual(statusesOf(rig, m), []);
  assert.equal(rig.cp.status().connectors[0]!.reservation, null);
  assert.deepEqual(csms.invalid, []);
});
