import assert from "node:assert/strict";
import { HistoryStore, transactionsCsv } from "./history_store.ts";
import { Storage } from "./storage.ts";

const T0 = Date.UTC(2026, 0, 1, 8);

Deno.test("HistoryStore keeps transactions newest first with the energy as sent", () => {
  const h = new HistoryStore(Storage.open(":memory:"));
  h.started({ tx: 1, connectorId: 1, idTag: "A", at: T0, meterStartWh: 1000 });
  h.confirmed(1, 77);
  h.stopped(1, { at: T0 + 60_000, meterStopWh: 1060, reason: "EVDisconnected" });
  h.started({ tx: 2, connectorId: 2, idTag: "B", at: T0 + 120_000, meterStartWh: 5 });
  const [running, done] = h.transactions();
  assert.deepEqual(done, {
    tx: 1,
    connectorId: 1,
    idTag: "A",
    startedAt: "2026-01-01T08:00:00.000Z",
    stoppedAt: "2026-01-01T08:01:00.000Z",
    meterStartWh: 1000,
    meterStopWh: 1060,
    energyWh: 60,
    stopReason: "EVDisconnected",
    transactionId: 77,
  });
  assert.equal(running!.tx, 2);
  assert.equal(running!.energyWh, null);
  assert.equal(running!.transactionId, null);
  assert.deepEqual(h.transactions(1, 1).map((r) => r.tx), [1]);
});

Deno.test("HistoryStore survives a reopen and stays within its limits", () => {
  const dir = Deno.makeTempDirSync();
  try {
    const path = `${dir}/state.db`;
    let s = Storage.open(path);
    let h = new HistoryStore(s, { history: 3, journal: 2 });
    for (let tx = 1; tx <= 5; tx++) {
      h.started({ tx, connectorId: 1, idTag: `T${tx}`, at: T0 + tx, meterStartWh: 0 });
    }
    for (let i = 0; i < 4; i++) h.event(T0 + i, "reset", { kind: "Soft", by: "backend" });
    s.close();
    s = Storage.open(path);
    h = new HistoryStore(s, { history: 3, journal: 2 });
    assert.deepEqual(h.transactions().map((r) => r.tx), [5, 4, 3]);
    const events = h.events();
    assert.equal(events.length, 2);
    assert.deepEqual(events[0]!.params, { kind: "Soft", by: "backend" });
    assert.ok(events[0]!.seq > events[1]!.seq);
    s.close();
  } finally {
    Deno.removeSync(dir, { recursive: true });
  }
});

Deno.test("transactionsCsv() quotes what needs it and defuses spreadsheet formulas", () => {
  const csv = transactionsCsv([{
    tx: 1,
    connectorId: 1,
    idTag: "=CMD,1",
    startedAt: "2026-01-01T08:00:00.000Z",
    stoppedAt: null,
    meterStartWh: 0,
    meterStopWh: null,
    energyWh: null,
    stopReason: null,
    transactionId: null,
  }]);
  const [head, row] = csv.split("\r\n");
  assert.equal(
    head,
    "tx,connectorId,idTag,startedAt,stoppedAt,meterStartWh,meterStopWh,energyWh,stopReason,transactionId",
  );
  assert.equal(row, `1,1,"'=CMD,1",2026-01-01T08:00:00.000Z,,0,,,,`);
  assert.ok(csv.endsWith("\r\n"));
});
