/**
 * Messages of reservations (`reservation.*`, `store.reservation`): the
 * reservations the reservation actor holds, loading them at boot, and
 * making their changes durable.
 *
 * Private to `messages.ts`, which joins them into `BusMessage`.
 *
 * @module
 */

/** One reservation (ReserveNow.req, OCPP 1.6 sections 5.13 and 6.37). */
export interface Reservation {
  readonly reservationId: number;
  /** The connector asked for; 0: any connector of the Charge Point. */
  readonly connectorId: number;
  /**
   * The connector the reservation keeps free and shows Reserved: `connectorId`,
   * or for a reservation of connector 0 one free connector.
   */
  readonly heldConnectorId: number;
  readonly idTag: string;
  readonly parentIdTag?: string;
  /** expiryDate, ms since the epoch. */
  readonly expiresAt: number;
}

/** Reservation facts, commands and writes. */
export type ReservationMessage =
  /** The shell hands the stored reservations to the actor at each boot. */
  | { readonly type: "reservation.load"; readonly reservations: readonly Reservation[] }
  /** The reservations now in force (after every change). */
  | { readonly type: "reservation.changed"; readonly reservations: readonly Reservation[] }
  /** Make a reservation change durable (the shell writes it before the next message). */
  | {
    readonly type: "store.reservation";
    readonly change:
      | { readonly op: "put"; readonly reservation: Reservation }
      | { readonly op: "delete"; readonly reservationId: number };
  };
