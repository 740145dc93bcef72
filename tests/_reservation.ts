/**
 * Steps the OCTT reservation cases share (OCTT test case document 2.20,
 * reusable states Reserved, SetConnectorUnavailable, Charging of Tables
 * 105, 108, 111), against the real Central System of `csms.ts`.
 *
 * @module
 */
import assert from "node:assert/strict";
import type { V16 } from "../ocpp/types.ts";
import { OCTT, type Rig, rpcIdle } from "./harness.ts";

/** A ReserveNow.req as the tool sends it: expiry `inMs` from the Central System's now. */
export function reserveNow(
  rig: Rig,
  over: Partial<V16.ReserveNowRequest> & { inMs?: number } = {},
): V16.ReserveNowRequest {
  const { inMs = 3_600_000, ...rest } = over;
  return {
    connectorId: OCTT.connectorId,
    expiryDate: new Date(rig.csms.now() + inMs).toISOString(),
    idTag: OCTT.validIdTag,
    reservationId: 1,
    ...rest,
  };
}

/** Sends ReserveNow.req and returns the status of its answer. */
export async function reserve(rig: Rig, req: V16.ReserveNowRequest): Promise<string> {
  const conf: V16.ReserveNowResponse = await rig.csms.call("ReserveNow", req);
  return conf.status;
}

/** Reusable state Reserved (Table 111): ReserveNow Accepted, StatusNotification Reserved. */
export async function reachReserved(
  rig: Rig,
  req: V16.ReserveNowRequest = reserveNow(rig),
): Promise<number> {
  const m = rig.csms.mark;
  assert.equal(await reserve(rig, req), "Accepted");
  const sn = await rig.csms.next("StatusNotification", m, (p) => p.status === "Reserved");
  return sn.params.connectorId;
}

/** Reusable state SetConnectorUnavailable (Table 108): ChangeAvailability Inoperative, Unavailable. */
export async function setUnavailable(rig: Rig, connectorId: number): Promise<void> {
  const m = rig.csms.mark;
  const conf = await rig.csms.call("ChangeAvailability", { connectorId, type: "Inoperative" });
  assert.equal(conf.status, "Accepted");
  await rig.csms.next(
    "StatusNotification",
    m,
    (p) => p.status === "Unavailable" && p.connectorId === connectorId,
  );
}

/**
 * Reusable state Charging (Table 105) on a Reserved connector: the cable
 * goes in with no StatusNotification ("If status is not Reserved"), then
 * RemoteStartTransaction, Preparing, StartTransaction, Charging.
 * Returns StartTransaction.req.
 */
export async function chargeReserved(
  rig: Rig,
  connectorId: number = OCTT.connectorId,
  idTag: string = OCTT.validIdTag,
  // deno-lint-ignore no-explicit-any
): Promise<any> {
  const { csms, station } = rig;
  const m = csms.mark;
  station.plug(connectorId);
  await rpcIdle(rig);
  const remote = await csms.call("RemoteStartTransaction", { connectorId, idTag });
  assert.equal(remote.status, "Accepted");
  const on = (status: string) => (p: { connectorId: number; status: string }) =>
    p.connectorId === connectorId && p.status === status;
  await csms.next("StatusNotification", m, on("Preparing"));
  const start = await csms.next("StartTransaction", m, (p) => p.connectorId === connectorId);
  await csms.next("StatusNotification", m, on("Charging"));
  await rpcIdle(rig);
  return start.params;
}

/** Waits until the runtime logged a line containing `text`. */
export async function logged(rig: Rig, text: string): Promise<void> {
  await rig.csms.until(() => rig.logs.some((l) => l.includes(text)), `log "${text}"`);
}
