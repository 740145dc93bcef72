/**
 * A whole charging session against the real Central System, with the
 * StatusNotification sequence of OCPP 1.6 section 4.9.
 */
import assert from "node:assert/strict";
import { startRig } from "./harness.ts";

Deno.test("session: plug, RFID, Authorize, StartTransaction, MeterValues, StopTransaction, unplug", async () => {
  await using rig = await startRig({ settings: { MeterValueSampleInterval: 60 } });
  const { csms, station } = rig;
  const m = csms.mark;
  station.plug(1);
  await csms.next("StatusNotification", m, (p) => p.status === "Preparing");
  station.tap("TAG1");
  assert.equal((await csms.next("Authorize", m)).params.idTag, "TAG1");
  const start = await csms.next("StartTransaction", m);
  assert.equal(start.params.connectorId, 1);
  assert.equal(start.params.idTag, "TAG1");
  assert.equal(start.params.meterStart, 0);
  await csms.next("StatusNotification", m, (p) => p.status === "Charging");
  await rig.advance(60_000);
  const mv = await csms.next("MeterValues", m);
  assert.equal(mv.params.transactionId, 1);
  const sv = mv.params.meterValue[0].sampledValue[0];
  assert.equal(sv.measurand, "Energy.Active.Import.Register");
  assert.equal(sv.context, "Sample.Periodic");
  // 7400 W for 60 s is 123.3 Wh; the poll runs each second.
  assert.ok(Number(sv.value) >= 121 && Number(sv.value) <= 124, `value ${sv.value}`);
  const view = rig.cp.status();
  assert.equal(view.backend.state, "accepted");
  const c1 = view.connectors[0]!;
  assert.equal(c1.status, "Charging");
  assert.equal(c1.transactionId, 1);
  assert.equal(c1.idTag, "TAG1");
  assert.equal(c1.powerW, 7400);
  assert.ok(c1.energyWh! >= 121, `energy ${c1.energyWh}`);
  station.tap("TAG1");
  const stop = await csms.next("StopTransaction", m);
  assert.equal(stop.params.reason, "Local");
  assert.equal(stop.params.transactionId, 1);
  assert.equal(stop.params.idTag, "TAG1");
  assert.ok(stop.params.meterStop >= Number(sv.value));
  await csms.next("StatusNotification", m, (p) => p.status === "Finishing");
  station.unplug(1);
  await csms.next("StatusNotification", m, (p) => p.status === "Available");
  assert.deepEqual(
    csms.all("StatusNotification", m).map((r) => r.params.status),
    ["Preparing", "Charging", "Finishing", "Available"],
  );
  assert.deepEqual(csms.invalid, []);
});
