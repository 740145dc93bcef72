import assert from "node:assert/strict";
import type { Reservation } from "../actors/messages.ts";
import { ReservationStore } from "./reservation_store.ts";
import { Storage } from "./storage.ts";

const R: Reservation = {
  reservationId: 5,
  connectorId: 0,
  heldConnectorId: 2,
  idTag: "TAG",
  parentIdTag: "GROUP",
  expiresAt: 1_800_000_000_000,
};

Deno.test("ReservationStore keeps reservations across a reopen; put replaces by id, delete removes", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const path = `${dir}/state.db`;
    let storage = Storage.open(path);
    let store = new ReservationStore(storage);
    store.apply({ type: "store.reservation", change: { op: "put", reservation: R } });
    const other = { ...R, reservationId: 6, connectorId: 1, heldConnectorId: 1 };
    delete (other as { parentIdTag?: string }).parentIdTag;
    store.apply({ type: "store.reservation", change: { op: "put", reservation: other } });
    store.apply({
      type: "store.reservation",
      change: { op: "put", reservation: { ...R, idTag: "NEW" } },
    });
    storage.close();
    storage = Storage.open(path);
    store = new ReservationStore(storage);
    assert.deepEqual(store.load(), { reservations: [{ ...R, idTag: "NEW" }, other], problems: [] });
    store.apply({ type: "store.reservation", change: { op: "delete", reservationId: 5 } });
    assert.deepEqual(store.load().reservations, [other]);
    storage.close();
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("ReservationStore skips and reports a row it cannot read", () => {
  const storage = Storage.open(":memory:");
  const store = new ReservationStore(storage);
  storage.db.exec(
    "INSERT INTO reservations VALUES (9, 1, 1, 'TAG', NULL, 'soon')",
  );
  store.apply({ type: "store.reservation", change: { op: "put", reservation: R } });
  const loaded = store.load();
  assert.deepEqual(loaded.reservations, [R]);
  assert.deepEqual(loaded.problems, ["Cannot read stored reservation 9: skipped"]);
  storage.close();
});
