/**
 * The reservations of the durable store (`storage.ts`: SQLite, WAL,
 * synchronous = FULL): one row per reservation in force, written when the
 * reservation actor emits `store.reservation` (before its ReserveNow.conf
 * leaves) and read back at each boot (`reservation.load`), so a reservation
 * survives a reboot, a Reset, a kill or a power cut. A row that cannot be
 * read is skipped and reported, never guessed at.
 *
 * @module
 */
import type { MessageOf, Reservation } from "../actors/messages.ts";
import type { Bus } from "../actors/bus.ts";
import type { ConnectorView } from "./handle.ts";
import type { Logger } from "./log.ts";
import type { Storage } from "./storage.ts";

const MIGRATION = `
CREATE TABLE reservations (
  reservation_id INTEGER PRIMARY KEY,
  connector_id INTEGER NOT NULL,
  held_connector_id INTEGER NOT NULL,
  id_tag TEXT NOT NULL,
  parent_id_tag TEXT,
  expires_at INTEGER NOT NULL
);
`;

interface Row {
  readonly reservation_id: unknown;
  readonly connector_id: unknown;
  readonly held_connector_id: unknown;
  readonly id_tag: unknown;
  readonly parent_id_tag: unknown;
  readonly expires_at: unknown;
}

/** What {@link ReservationStore.load} found. */
export interface StoredReservations {
  readonly reservations: readonly Reservation[];
  /** Rows that could not be read, for the log. */
  readonly problems: readonly string[];
}

/** The reservations table. */
export class ReservationStore {
  readonly #s: Storage;

  /** Creates the table on first use. */
  constructor(storage: Storage) {
    this.#s = storage;
    storage.migrate("reservation_1", MIGRATION);
  }

  /** Reads every stored reservation. */
  load(): StoredReservations {
    const reservations: Reservation[] = [];
    const problems: string[] = [];
    const rows = this.#s.db.prepare("SELECT * FROM reservations ORDER BY reservation_id").all();
    for (const raw of rows) {
      const r = raw as unknown as Row;
      const ints = [r.reservation_id, r.connector_id, r.held_connector_id, r.expires_at].map(
        Number,
      );
      const [reservationId, connectorId, heldConnectorId, expiresAt] = ints as [
        number,
        number,
        number,
        number,
      ];
      if (!ints.every(Number.isSafeInteger) || typeof r.id_tag !== "string") {
        problems.push(`Cannot read stored reservation ${String(r.reservation_id)}: skipped`);
        continue;
      }
      reservations.push({
        reservationId,
        connectorId,
        heldConnectorId,
        idTag: r.id_tag,
        ...(typeof r.parent_id_tag === "string" ? { parentIdTag: r.parent_id_tag } : {}),
        expiresAt,
      });
    }
    return { reservations, problems };
  }

  /**
   * Hands the stored reservations to a boot's reservation actor
   * (`reservation.load`). Each `store.reservation` it emits is written with
   * {@link apply} by the bus's persist hook (`runtime.ts`), before the rest
   * of its transition (the answer to ReserveNow) happens.
   */
  attach(bus: Bus, logger: Logger): void {
    const stored = this.load();
    for (const p of stored.problems) logger.log("error", p);
    bus.publish({ type: "reservation.load", reservations: stored.reservations });
  }

  /** Makes one change durable. */
  apply(m: MessageOf<"store.reservation">): void {
    const c = m.change;
    if (c.op === "delete") {
      this.#s.db.prepare("DELETE FROM reservations WHERE reservation_id = ?").run(c.reservationId);
      return;
    }
    const r = c.reservation;
    this.#s.db.prepare(
      "INSERT OR REPLACE INTO reservations (reservation_id, connector_id, held_connector_id, " +
        "id_tag, parent_id_tag, expires_at) VALUES (?, ?, ?, ?, ?, ?)",
    ).run(
      r.reservationId,
      r.connectorId,
      r.heldConnectorId,
      r.idTag,
      r.parentIdTag ?? null,
      r.expiresAt,
    );
  }
}

/** A reservation as `/api/status` shows it on its connector. */
export function reservationView(r: Reservation | undefined): ConnectorView["reservation"] {
  if (!r) return null;
  return {
    reservationId: r.reservationId,
    idTag: r.idTag,
    ...(r.parentIdTag !== undefined ? { parentIdTag: r.parentIdTag } : {}),
    expiryDate: new Date(r.expiresAt).toISOString(),
    anyConnector: r.connectorId === 0,
  };
}
