import assert from "node:assert/strict";
import type { OutboxEntry, StoreMessage } from "../actors/messages.ts";
import { Journal } from "./journal.ts";
import { Storage } from "./storage.ts";

const T0 = Date.parse("2026-03-01T10:00:00.000Z");

async function withJournal(fn: (j: Journal, path: string) => void | Promise<void>): Promise<void> {
  const dir = await Deno.makeTempDir();
  const path = `${dir}/state.db`;
  const storage = Storage.open(path);
  try {
    await fn(new Journal(storage), path);
  } finally {
    storage.close();
    await Deno.remove(dir, { recursive: true });
  }
}

function reopen(path: string): Journal {
  return new Journal(Storage.open(path));
}

const entry = (seq: number, action: OutboxEntry["action"], tx: number): OutboxEntry => ({
  seq,
  action,
  payload: action === "StartTransaction"
    ? { connectorId: 1, idTag: "TAG", meterStart: 10, timestamp: new Date(T0).toISOString() }
    : { connectorId: 1, meterValue: [] },
  tx,
  ...(action === "MeterValues"
    ? {}
    : { ref: `${action === "StartTransaction" ? "start" : "stop"}:${tx}` }),
  at: T0 + seq,
});

const start = (tx: number): StoreMessage => ({
  type: "store.tx_journal",
  entry: { op: "start", tx, connectorId: 1, idTag: "TAG", meterStartWh: 10, timestamp: T0 },
});

Deno.test("Journal.begin() reports an unclean previous run until end() marks a clean stop", async () => {
  await withJournal((j, path) => {
    assert.deepEqual(j.begin(T0), { clean: true, first: true }, "a fresh store");
    assert.deepEqual(reopen(path).begin(T0), { clean: false }, "running, never ended");
    j.end("SoftReset");
    const again = reopen(path);
    assert.deepEqual(again.begin(T0), { clean: true, reason: "SoftReset" });
    again.storage.close();
  });
});

Deno.test("Journal keeps queued messages across a reopen, in order, and forgets delivered ones", async () => {
  await withJournal((j, path) => {
    j.apply(start(1));
    j.apply({ type: "store.outbox_put", entry: entry(1, "StartTransaction", 1) });
    j.apply({ type: "store.outbox_put", entry: entry(2, "MeterValues", 1) });
    j.apply({ type: "store.outbox_put", entry: entry(3, "MeterValues", 1) });
    j.apply({
      type: "store.outbox_done",
      seq: 1,
      action: "StartTransaction",
      outcome: "delivered",
      tx: 1,
      transactionId: 42,
    });
    const again = reopen(path);
    const snap = again.load({ clean: false });
    assert.deepEqual(snap.rpc.outbox, [entry(2, "MeterValues", 1), entry(3, "MeterValues", 1)]);
    assert.deepEqual(snap.rpc.txIds, new Map([[1, 42]]));
    assert.equal(snap.rpc.nextSeq, 4);
    assert.equal(snap.tx.nextTx, 2);
    assert.deepEqual(snap.problems, []);
    assert.deepEqual(again.stats(), { queued: 2, givenUp: 0, thinned: 0, openTransactions: 1 });
    again.storage.close();
  });
});

Deno.test("Journal.load() hands back an interrupted transaction with its last reading, and one whose stop never reached the outbox", async () => {
  await withJournal((j) => {
    j.apply(start(1));
    j.apply({ type: "store.outbox_put", entry: entry(1, "StartTransaction", 1) });
    j.apply({ type: "store.tx_meter", tx: 1, wh: 250, timestamp: T0 + 60_000 });
    j.apply({ type: "store.tx_meter", tx: 1, wh: 240, timestamp: T0 + 61_000 }); // never backwards
    // Transaction 2 started (journal) but crashed before its StartTransaction was queued.
    j.apply({ ...start(2) });
    // Transaction 3 ended; its StopTransaction was not queued yet.
    j.apply(start(3));
    j.apply({ type: "store.outbox_put", entry: entry(4, "StartTransaction", 3) });
    j.apply({
      type: "store.tx_journal",
      entry: { op: "stopping", tx: 3, reason: "Local", stopIdTag: "TAG" },
    });
    j.apply({
      type: "store.tx_journal",
      entry: {
        op: "stop",
        tx: 3,
        reason: "Local",
        meterStopWh: 99,
        timestamp: T0 + 5,
        stopIdTag: "TAG",
      },
    });
    const journal = j.load({ clean: false }).tx.journal;
    assert.deepEqual(journal.map((t) => [t.tx, t.phase, t.startQueued, t.stopQueued]), [
      [1, "active", true, false],
      [2, "active", false, false],
      [3, "stopped", true, false],
    ]);
    assert.deepEqual([journal[0]!.lastWh, journal[0]!.lastAt], [250, T0 + 61_000]);
    assert.deepEqual(journal[2]!.stop, {
      reason: "Local",
      stopIdTag: "TAG",
      meterStopWh: 99,
      timestamp: T0 + 5,
    });
    // Once its StopTransaction is queued, an ended transaction needs nothing more at boot.
    j.apply({ type: "store.outbox_put", entry: entry(5, "StopTransaction", 3) });
    assert.deepEqual(j.load({ clean: false }).tx.journal.map((t) => t.tx), [1, 2]);
    // Delivered: the journal forgets it.
    j.apply({
      type: "store.outbox_done",
      seq: 5,
      action: "StopTransaction",
      outcome: "delivered",
      tx: 3,
    });
    assert.equal(j.stats().openTransactions, 2);
  });
});

Deno.test("Journal keeps a given-up message, marked and listed, and maps a given-up start to -1", async () => {
  await withJournal((j) => {
    j.apply(start(1));
    j.apply({ type: "store.outbox_put", entry: entry(1, "StartTransaction", 1) });
    j.apply({
      type: "store.outbox_done",
      seq: 1,
      action: "StartTransaction",
      outcome: "given_up",
      tx: 1,
      transactionId: -1,
      reason: "InternalError: no",
    }, T0 + 1000);
    const snap = j.load({ clean: true });
    assert.deepEqual(snap.rpc.outbox, []);
    assert.deepEqual(snap.rpc.txIds, new Map([[1, -1]]));
    assert.equal(snap.tx.journal[0]!.startQueued, true);
    assert.equal(j.stats().givenUp, 1);
    const [g] = j.givenUp();
    assert.equal(g!.action, "StartTransaction");
    assert.equal(g!.reason, "InternalError: no");
    assert.equal(g!.givenUpAt, new Date(T0 + 1000).toISOString());
    assert.equal(JSON.parse(g!.payload).idTag, "TAG");
  });
});

Deno.test("Journal never reuses an outbox or transaction number, and counts thinned MeterValues", async () => {
  await withJournal((j) => {
    j.apply(start(7));
    j.apply({ type: "store.outbox_put", entry: entry(1, "MeterValues", 7) });
    j.apply({ type: "store.outbox_put", entry: entry(2, "MeterValues", 7) });
    j.apply({ type: "store.outbox_thin", seqs: [1] });
    j.apply({
      type: "store.outbox_done",
      seq: 2,
      action: "MeterValues",
      outcome: "delivered",
      tx: 7,
    });
    j.apply({ type: "store.outbox_put", entry: entry(3, "StopTransaction", 7) });
    j.apply({
      type: "store.outbox_done",
      seq: 3,
      action: "StopTransaction",
      outcome: "delivered",
      tx: 7,
    });
    const snap = j.load({ clean: true });
    assert.equal(snap.rpc.nextSeq, 4);
    assert.equal(snap.tx.nextTx, 8);
    assert.deepEqual(j.stats(), { queued: 0, givenUp: 0, thinned: 1, openTransactions: 0 });
  });
});

Deno.test("Journal.load() marks an unreadable queued message given up and reports it", async () => {
  await withJournal((j) => {
    j.apply({ type: "store.outbox_put", entry: entry(1, "MeterValues", 1) });
    j.storage.db.prepare("UPDATE outbox SET payload = '{oops' WHERE seq = 1").run();
    const snap = j.load({ clean: true });
    assert.deepEqual(snap.rpc.outbox, []);
    assert.equal(snap.problems.length, 1);
    assert.match(snap.problems[0]!, /^Outbox message 1 \(MeterValues\) unreadable in the store/);
    assert.equal(j.stats().givenUp, 1);
  });
});

Deno.test("Journal.safeMode is kept in the store until cleared", async () => {
  await withJournal((j, path) => {
    assert.equal(j.safeMode, null);
    j.safeMode = "store was damaged";
    const again = reopen(path);
    assert.equal(again.safeMode, "store was damaged");
    again.safeMode = null;
    assert.equal(j.safeMode, null);
    again.storage.close();
  });
});

Deno.test("Journal commits a start relaxed before its full outbox put, MeterValues marks relaxed, start and stop marks full", async () => {
  await withJournal((j) => {
    const s = j.storage;
    s.now = () => 0; // the RELAXED_MAX_MS bound is storage_test.ts's
    s.synced();
    j.apply(start(1));
    assert.equal(s.unsynced, 1, "the start waits for its StartTransaction's commit");
    j.apply({ type: "store.outbox_put", entry: entry(1, "StartTransaction", 1) });
    assert.equal(s.unsynced, 0, "the outbox put's fsync covers the start");
    j.apply({ type: "store.outbox_put", entry: entry(2, "MeterValues", 1) });
    const done = (seq: number, action: OutboxEntry["action"]): StoreMessage => ({
      type: "store.outbox_done",
      seq,
      action,
      outcome: "delivered",
      tx: 1,
      ...(action === "StartTransaction" ? { transactionId: 42 } : {}),
    });
    j.apply(done(2, "MeterValues"));
    assert.equal(s.unsynced, 1, "a lost MeterValues mark only sends it again");
    j.apply(done(1, "StartTransaction"));
    assert.equal(s.unsynced, 0, "a StartTransaction mark is a full commit");
  });
});

Deno.test("Journal keeps pending security events until their notification is in the outbox, moved in one commit", async () => {
  await withJournal((j, path) => {
    const pending = (id: number, event: "StartupOfTheDevice" | "ResetOrReboot"): StoreMessage => ({
      type: "store.security_pending",
      op: "put",
      id,
      event,
      techInfo: `event ${id}`,
      at: T0 + id,
    });
    j.apply(pending(1, "ResetOrReboot"));
    j.apply(pending(2, "StartupOfTheDevice"));
    // A power cut: the next start gets both, oldest first.
    const again = reopen(path);
    assert.deepEqual(again.load({ clean: false }).securityPending, [
      { id: 1, event: "ResetOrReboot", techInfo: "event 1", at: T0 + 1 },
      { id: 2, event: "StartupOfTheDevice", techInfo: "event 2", at: T0 + 2 },
    ]);
    // The first one's SecurityEventNotification is queued: it leaves the pending events.
    again.apply({
      type: "store.outbox_put",
      entry: {
        seq: 1,
        action: "SecurityEventNotification",
        payload: { type: "ResetOrReboot", timestamp: new Date(T0 + 1).toISOString() },
        ref: "sec-pending:1",
        at: T0 + 10,
      },
    });
    // The second one is dropped (no backend to send it to).
    again.apply({ type: "store.security_pending", op: "drop", id: 2 });
    const third = reopen(path);
    const snap = third.load({ clean: false });
    third.storage.close();
    assert.deepEqual(snap.securityPending, []);
    assert.deepEqual(snap.rpc.outbox.map((e) => [e.action, e.ref]), [
      ["SecurityEventNotification", "sec-pending:1"],
    ]);
    again.storage.close();
  });
});
