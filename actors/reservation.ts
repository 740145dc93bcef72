/**
 * The reservation actor: ReserveNow (OCPP 1.6 section 5.13) and
 * CancelReservation (section 5.1), the Reservation profile (section 3.11).
 *
 * Answers, in this order (section 5.13, ReservationStatus 7.40, OCTT
 * TC_048_x, TC_050_x):
 * - Rejected: the profile is switched off (`ReservationEnabled` false),
 *   connector 0 without ReserveConnectorZeroSupported, a connector the
 *   Charge Point does not have, an expiryDate not in the future. Nothing
 *   changes.
 * - Faulted / Unavailable: the Charge Point (connector 0) or the connector
 *   is Faulted / Unavailable; for connector 0, when every connector is.
 * - Occupied: the connector is not Available (a cable, a session, a
 *   transaction, Finishing) or is reserved by another reservation; for
 *   connector 0, when no connector is Available and unreserved.
 * - Accepted: stored (`store.reservation`) before the answer leaves.
 *
 * A request with the reservationId of a reservation in force replaces it
 * (section 5.13): the checks above are made as if the old one were gone,
 * and a refused replacement leaves the old one as it was.
 *
 * A reservation of connector 0 holds one free connector (`heldConnectorId`),
 * which shows Reserved, as the OCTT expects (TC_049): no other idTag may
 * start there, so one connector stays free for the reserved idTag, which may
 * charge on any connector. If the held connector becomes Faulted or
 * Unavailable the reservation moves to another free connector, or ends.
 *
 * A reservation ends (section 5.13) when a transaction uses it (`tx.started`
 * with its reservationId: the transaction actor decides who may charge on a
 * reserved connector), at its expiryDate (timers on the injected clock,
 * re-armed when the clock is set), when its connector or the Charge Point
 * becomes Faulted or Unavailable, on CancelReservation, and when the
 * profile is switched off. Each end is deleted from the store and
 * announced (`reservation.changed`): the connector status actor then
 * reports the connector Available again (section 5.13, OCTT TC_047).
 *
 * At boot the shell hands over the stored reservations (`reservation.load`);
 * those that expired while the Charge Point was off are deleted.
 *
 * The connectors' statuses come from `status.changed` (what the Central
 * System was told). Receives `ocpp.request` (ReserveNow,
 * CancelReservation), `status.changed`, `tx.started`, `reservation.load`,
 * `clock.set`, `config.changed`. Emits `ocpp.reply`, `store.reservation`,
 * `reservation.changed`, `log`.
 *
 * @module
 */
import type { ActorLogic, Ctx, Effect, TimerFired } from "./bus.ts";
import { type ConnectorStatus, type MessageOf, reply, type Reservation } from "./messages.ts";
import type { V16 } from "../ocpp/types.ts";
import { parseDateTime } from "../ocpp/date_time.ts";

/** The longest timer armed at once; a later expiry re-arms (setTimeout holds 2^31 - 1 ms). */
export const MAX_TIMER_MS = 86_400_000;

/** ReserveNow.conf status (section 7.40). */
export type ReservationStatus = V16.ReserveNowResponse["status"];

/** The reservation actor's state. */
export interface ReservationState {
  readonly reservations: readonly Reservation[];
  /** Last reported status per connector, index 0 = the Charge Point; null: none yet. */
  readonly statuses: readonly (ConnectorStatus | null)[];
}

const RECEIVES = [
  "ocpp.request",
  "status.changed",
  "tx.started",
  "reservation.load",
  "clock.set",
  "config.changed",
] as const;

/** Messages the reservation actor receives. */
export type ReservationMsg = MessageOf<(typeof RECEIVES)[number]>;

/** No reservations; the shell loads the stored ones with `reservation.load`. */
export function initialReservation(ctx: Ctx): ReservationState {
  const n = ctx.config.int("NumberOfConnectors");
  return { reservations: [], statuses: Array.from({ length: n + 1 }, () => null) };
}

/** Why connector `id` cannot take reservation `except` now, or null when it can. */
export function blocker(
  s: ReservationState,
  id: number,
  except: number,
): Exclude<ReservationStatus, "Accepted" | "Rejected"> | null {
  const st0 = s.statuses[0];
  const st = s.statuses[id];
  if (st0 === "Faulted" || st === "Faulted") return "Faulted";
  if (st0 === "Unavailable" || st === "Unavailable") return "Unavailable";
  if (s.reservations.some((r) => r.heldConnectorId === id && r.reservationId !== except)) {
    return "Occupied";
  }
  // Reserved by nobody else: the reservation being replaced, or a report still on its way.
  return st === null || st === "Available" || st === "Reserved" ? null : "Occupied";
}

/** The answer for connector 0 when no connector is free: what they all are. */
function zeroBlocker(s: ReservationState, except: number): ReservationStatus {
  const n = s.statuses.length - 1;
  const why = Array.from({ length: n }, (_, i) => blocker(s, i + 1, except));
  if (s.statuses[0] === "Faulted" || why.every((b) => b === "Faulted")) return "Faulted";
  if (
    s.statuses[0] === "Unavailable" || why.every((b) => b === "Faulted" || b === "Unavailable")
  ) {
    return "Unavailable";
  }
  return "Occupied";
}

/** A free connector for reservation `r` of connector 0, its current one first. */
function freeFor(s: ReservationState, r: { reservationId: number; held?: number }): number {
  const n = s.statuses.length - 1;
  const ids = Array.from({ length: n }, (_, i) => i + 1);
  const order = r.held === undefined ? ids : [r.held, ...ids.filter((i) => i !== r.held)];
  return order.find((id) => blocker(s, id, r.reservationId) === null) ?? 0;
}

function timer(r: Reservation, now: number): Effect {
  const ms = Math.min(MAX_TIMER_MS, Math.max(0, r.expiresAt - now));
  return { type: "timer.start", id: `expire:${r.reservationId}`, ms };
}

/** Working state of one transition. */
class Step {
  effects: Effect[] = [];
  changed = false;
  constructor(public s: ReservationState, readonly ctx: Ctx) {}
  log(level: "info" | "warn", text: string): void {
    this.effects.push({ type: "log", level, text });
  }
  put(r: Reservation): void {
    this.s = {
      ...this.s,
      reservations: [...this.s.reservations.filter((x) => x.reservationId !== r.reservationId), r],
    };
    this.effects.push(
      { type: "store.reservation", change: { op: "put", reservation: r } },
      timer(r, this.ctx.now),
    );
    this.changed = true;
  }
  end(r: Reservation, why: string): void {
    this.s = {
      ...this.s,
      reservations: this.s.reservations.filter((x) => x.reservationId !== r.reservationId),
    };
    this.effects.push(
      { type: "store.reservation", change: { op: "delete", reservationId: r.reservationId } },
      { type: "timer.cancel", id: `expire:${r.reservationId}` },
    );
    this.log("info", `Reservation ${r.reservationId} for ${r.idTag} ended: ${why}`);
    this.changed = true;
  }
  done(): [ReservationState, Effect[]] {
    if (this.changed) {
      this.effects.push({ type: "reservation.changed", reservations: this.s.reservations });
    }
    return [this.s, this.effects];
  }
}

/** ReserveNow.req: the answer, and the reservation it makes (section 5.13). */
function reserveNow(w: Step, id: string, p: V16.ReserveNowRequest): void {
  const answer = (status: ReservationStatus): void => {
    w.effects.push(reply(id, "ReserveNow", { status }));
  };
  const { config, now } = w.ctx;
  const n = w.s.statuses.length - 1;
  // The schema let only RFC 3339 through; read it the same strict way.
  const expiresAt = parseDateTime(p.expiryDate) ?? Number.NaN;
  const refuse = !config.bool("ReservationEnabled")
    ? "the Reservation profile is switched off"
    : p.connectorId === 0 && !config.bool("ReserveConnectorZeroSupported")
    ? "ReserveConnectorZeroSupported is false"
    : p.connectorId > n
    ? `there is no connector ${p.connectorId}`
    : !(expiresAt > now)
    ? `its expiryDate ${p.expiryDate} is not in the future`
    : undefined;
  if (refuse !== undefined) {
    w.log("info", `Rejected reservation ${p.reservationId}: ${refuse}`);
    return answer("Rejected");
  }
  const old = w.s.reservations.find((r) => r.reservationId === p.reservationId);
  let held = p.connectorId;
  if (p.connectorId === 0) {
    held = freeFor(w.s, {
      reservationId: p.reservationId,
      ...(old ? { held: old.heldConnectorId } : {}),
    });
    if (held === 0) {
      const status = zeroBlocker(w.s, p.reservationId);
      w.log("info", `Reservation ${p.reservationId} of the Charge Point not made: ${status}`);
      return answer(status);
    }
  } else {
    const why = blocker(w.s, p.connectorId, p.reservationId);
    if (why !== null) {
      w.log(
        "info",
        `Reservation ${p.reservationId} of connector ${p.connectorId} not made: ${why}`,
      );
      return answer(why);
    }
  }
  w.put({
    reservationId: p.reservationId,
    connectorId: p.connectorId,
    heldConnectorId: held,
    idTag: p.idTag,
    ...(p.parentIdTag !== undefined ? { parentIdTag: p.parentIdTag } : {}),
    expiresAt,
  });
  w.log(
    "info",
    `Reservation ${p.reservationId} ${old ? "replaced" : "made"}: connector ${held}` +
      `${p.connectorId === 0 ? " (any)" : ""} for ${p.idTag} until ${p.expiryDate}`,
  );
  answer("Accepted");
}

/** A connector (or, for 0, the Charge Point) became Faulted or Unavailable: its reservations end. */
function connectorLost(w: Step, id: number, status: ConnectorStatus): void {
  for (const r of w.s.reservations) {
    if (id === 0) w.end(r, `the Charge Point is ${status}`);
    else if (r.heldConnectorId !== id) continue;
    else if (r.connectorId !== 0) w.end(r, `connector ${id} is ${status}`);
    else {
      const next = freeFor(w.s, { reservationId: r.reservationId });
      if (next === 0) w.end(r, `connector ${id} is ${status} and no other one is free`);
      else {
        w.put({ ...r, heldConnectorId: next });
        w.log("info", `Reservation ${r.reservationId} moved to connector ${next}`);
      }
    }
  }
}

/** One transition of the reservation actor. */
export function transitionReservation(
  state: ReservationState,
  msg: ReservationMsg | TimerFired,
  ctx: Ctx,
): [ReservationState, Effect[]] {
  const w = new Step(state, ctx);
  switch (msg.type) {
    case "ocpp.request":
      if (msg.action === "ReserveNow") {
        reserveNow(w, msg.id, msg.payload);
      } else if (msg.action === "CancelReservation") {
        const p = msg.payload;
        const r = w.s.reservations.find((x) => x.reservationId === p.reservationId);
        if (r) w.end(r, "cancelled by the Central System");
        w.effects.push(reply(msg.id, msg.action, { status: r ? "Accepted" : "Rejected" }));
      }
      break;
    case "status.changed": {
      if (msg.connectorId < 0 || msg.connectorId >= state.statuses.length) break;
      const statuses = [...state.statuses];
      statuses[msg.connectorId] = msg.status;
      w.s = { ...w.s, statuses };
      if (msg.status === "Faulted" || msg.status === "Unavailable") {
        connectorLost(w, msg.connectorId, msg.status);
      }
      break;
    }
    case "tx.started": {
      const r = w.s.reservations.find((x) => x.reservationId === msg.reservationId);
      if (r) w.end(r, `used by a transaction on connector ${msg.connectorId}`);
      break;
    }
    case "reservation.load": {
      const n = state.statuses.length - 1;
      const keep = msg.reservations.filter((r) => {
        const gone = !(r.expiresAt > ctx.now)
          ? "expired while the Charge Point was off"
          : r.heldConnectorId < 1 || r.heldConnectorId > n || r.connectorId > n
          ? `connector ${r.heldConnectorId} no longer exists`
          : undefined;
        if (gone === undefined) return true;
        w.effects.push({
          type: "store.reservation",
          change: { op: "delete", reservationId: r.reservationId },
        });
        w.log("info", `Reservation ${r.reservationId} for ${r.idTag} ended: ${gone}`);
        return false;
      });
      w.s = { ...w.s, reservations: keep };
      w.effects.push(...keep.map((r) => timer(r, ctx.now)));
      w.changed = true;
      break;
    }
    case "clock.set":
      // The expiry is a time of day: the timers are armed again on the new clock.
      w.effects.push(...w.s.reservations.map((r) => timer(r, ctx.now)));
      break;
    case "config.changed":
      if (msg.key === "ReservationEnabled" && msg.value === false) {
        for (const r of w.s.reservations) w.end(r, "the Reservation profile was switched off");
      }
      break;
    case "timer.fired": {
      if (!msg.id.startsWith("expire:")) break;
      const r = w.s.reservations.find((x) => `expire:${x.reservationId}` === msg.id);
      if (!r) break;
      if (r.expiresAt <= ctx.now) w.end(r, "expired");
      else w.effects.push(timer(r, ctx.now));
      break;
    }
  }
  return w.done();
}

/** The reservation actor. */
export const reservationActor: ActorLogic<ReservationState, ReservationMsg> = {
  name: "reservation",
  receives: RECEIVES,
  handles: ["ReserveNow", "CancelReservation"],
  initial: initialReservation,
  transition: transitionReservation,
};
