/**
 * Who may charge on a reserved connector (private to `transaction.ts`),
 * OCPP 1.6 section 5.13: the transaction actor keeps the reservations in
 * force (`reservation.changed`) and refuses every idTag on a reserved
 * connector except the reserved one, or one with the reservation's
 * parentIdTag (looked up by the authorization actor: Local Authorization
 * List or cache, else Authorize.req). A reservation without a parentIdTag
 * refuses other cards at once, without asking the Central System (OCTT
 * TC_046_1 expects only the reserved idTag's Authorize.req).
 *
 * @module
 */
import { idKey } from "./auth_decision.ts";
import type { Reservation } from "./messages.ts";
import type { Session } from "./transaction.ts";
import type { Work } from "./_tx_session.ts";

/** The reservation holding connector `id`, if any. */
export function heldBy(w: Work, id: number): Reservation | undefined {
  return w.state.reservations.find((r) => r.heldConnectorId === id);
}

/** Whether an idTag (with its parentIdTag, once known) may use reservation `r`. */
export function matches(r: Reservation, idTag: string, parentIdTag?: string): boolean {
  if (idKey(idTag) === idKey(r.idTag)) return true;
  if (r.parentIdTag === undefined) return false;
  const group = idKey(r.parentIdTag);
  return idKey(idTag) === group || (parentIdTag !== undefined && idKey(parentIdTag) === group);
}

/** Whether the idTag may charge on connector `id`, its parentIdTag known. */
export function mayCharge(w: Work, id: number, s: Session): boolean {
  const r = heldBy(w, id);
  return r === undefined || matches(r, s.idTag, s.parentIdTag);
}

/**
 * Whether an idTag whose parentIdTag is not known yet might charge on
 * connector `id`: not reserved, reserved for it, or reserved with a
 * parentIdTag its authorization will tell.
 */
export function mightCharge(w: Work, id: number, idTag: string): boolean {
  const r = heldBy(w, id);
  return r === undefined || matches(r, idTag) || r.parentIdTag !== undefined;
}

/**
 * The connector an idTag should start on among `ids`: one reserved for it,
 * then an unreserved one, then one reserved for a group it may belong to;
 * a plugged one first within each.
 */
export function choose(w: Work, idTag: string, ids: readonly number[]): number | undefined {
  const plugged = (id: number) => {
    const ev = w.get(id)!.ev;
    return ev === "B" || ev === "C";
  };
  const pick = (list: number[]) => list.find(plugged) ?? list[0];
  const mine = ids.filter((id) => heldBy(w, id) !== undefined && matches(heldBy(w, id)!, idTag));
  const open = ids.filter((id) => heldBy(w, id) === undefined);
  const group = ids.filter((id) => heldBy(w, id)?.parentIdTag !== undefined && !mine.includes(id));
  return pick([...mine, ...open]) ?? pick(group);
}

/**
 * The reservation a transaction of `s` on connector `id` uses: the one
 * holding the connector, or a reservation of connector 0 for it (used on
 * any connector, section 3.11).
 */
export function usedReservation(w: Work, id: number, s: Session): number | undefined {
  const here = heldBy(w, id);
  if (here && matches(here, s.idTag, s.parentIdTag)) return here.reservationId;
  return w.state.reservations.find((r) => r.connectorId === 0 && matches(r, s.idTag, s.parentIdTag))
    ?.reservationId;
}
