/**
 * A disk that refuses writes: nothing is acknowledged that is not durable.
 * A ChangeConfiguration the settings file cannot take is Rejected (and the
 * old value stays); a transaction whose journal entry cannot be written does
 * not start (no relay, no StartTransaction) and the charge point reports
 * connector 0 Faulted / InternalError.
 */
import assert from "node:assert/strict";
import { readOnlyDir } from "../config/_disk_testing.ts";
import { STORE_FAULT_INFO } from "../runtime/runtime.ts";
import { advanceIdle, OCTT, startRig } from "./harness.ts";

Deno.test("ChangeConfiguration is Rejected when the settings cannot be written, and the old value stays", async () => {
  await using rig = await startRig();
  const { csms } = rig;
  const before = rig.store.get("MeterValueSampleInterval");
  const restore = await readOnlyDir(rig.dataDir);
  try {
    const answer = await csms.call("ChangeConfiguration", {
      key: "MeterValueSampleInterval",
      value: "17",
    });
    assert.deepEqual(answer, { status: "Rejected" });
    const conf = await csms.call("GetConfiguration", { key: ["MeterValueSampleInterval"] });
    assert.equal(conf.configurationKey[0].value, String(before));
    assert.equal(rig.store.get("MeterValueSampleInterval"), before);
    assert.ok(rig.logs.some((l) => l.includes("Cannot store setting MeterValueSampleInterval")));
  } finally {
    await restore();
  }
  // Writable again: accepted and stored.
  const again = await csms.call("ChangeConfiguration", {
    key: "MeterValueSampleInterval",
    value: "17",
  });
  assert.deepEqual(again, { status: "Accepted" });
  const onDisk = JSON.parse(await Deno.readTextFile(`${rig.dataDir}/settings.json`));
  assert.equal(onDisk.MeterValueSampleInterval, 17);
  assert.deepEqual(csms.invalid, []);
});

Deno.test("A journal that cannot be written: the session does not start and the charge point is Faulted", async () => {
  await using rig = await startRig();
  const { csms, station } = rig;
  const m = csms.mark;
  // The store refuses every write from now on (as a full or read-only disk does).
  rig.cp.journal.storage.db.exec("PRAGMA query_only = 1");
  station.plug(1);
  station.tap(OCTT.validIdTag);
  const faulted = await csms.next(
    "StatusNotification",
    m,
    (p) => p.connectorId === 0 && p.status === "Faulted",
  );
  assert.equal(faulted.params.errorCode, "InternalError");
  assert.equal(faulted.params.info, STORE_FAULT_INFO);
  await advanceIdle(rig, 30_000);
  assert.deepEqual(csms.all("StartTransaction", m), []);
  assert.equal(station.connector(1).relay.closed, false);
  assert.equal(rig.messages.some((x) => x.type === "tx.started"), false);
  assert.match(rig.cp.durability().detail ?? "", /Cannot write store\.tx_journal/);
  // Nothing starts while faulted: a second card changes nothing.
  station.tap(OCTT.validIdTag2);
  await advanceIdle(rig, 5_000);
  assert.deepEqual(csms.all("StartTransaction", m), []);
  assert.deepEqual(csms.invalid, []);
});

Deno.test("ReserveNow whose reservation cannot be stored is not Accepted: CALLERROR InternalError, nothing held", async () => {
  await using rig = await startRig();
  const { csms } = rig;
  rig.cp.journal.storage.db.exec("PRAGMA query_only = 1");
  await assert.rejects(
    csms.call("ReserveNow", {
      connectorId: 1,
      expiryDate: new Date(rig.clock.now() + 3_600_000).toISOString(),
      idTag: OCTT.validIdTag,
      reservationId: 41,
    }),
    /InternalError|cannot store/,
  );
  const held = rig.cp.bus.snapshot("reservation");
  assert.deepEqual(held.reservations, []);
  assert.deepEqual(csms.invalid, []);
});
