/**
 * OCTT (OCPP 1.6 compliance test tool) case for clock-aligned meter values
 * (OCTT test case document chapter 2, Table 28), against the real Central
 * System of `csms.ts`; and clock-aligned values across a clock set from the
 * Central System's time.
 */
import assert from "node:assert/strict";
import { advanceIdle, configure, OCTT, reachCharging, startRig } from "./harness.ts";

const INTERVAL_MS = 20_000;

// deno-lint-ignore no-explicit-any
type MeterValuesReq = any;

/** The aligned instants after `from` (exclusive), `count` of them. */
function boundariesAfter(from: number, count: number): number[] {
  const first = Math.floor(from / INTERVAL_MS) * INTERVAL_MS + INTERVAL_MS;
  return Array.from({ length: count }, (_, i) => first + i * INTERVAL_MS);
}

function measurandsOf(mv: MeterValuesReq): string[] {
  // deno-lint-ignore no-explicit-any
  return mv.meterValue[0].sampledValue.map((s: any) => s.measurand);
}

Deno.test("TC_071 Clock-aligned meter values", async () => {
  await using rig = await startRig();
  const { csms, clock } = rig;
  const measurands = ["Energy.Active.Import.Register", "Power.Active.Import"];
  await configure(rig, {
    MeterValueSampleInterval: "0",
    ClockAlignedDataInterval: String(INTERVAL_MS / 1000),
    MeterValuesAlignedData: measurands.join(","),
  });
  const conf = await csms.call("GetConfiguration", { key: ["MeterValuesAlignedData"] });
  assert.equal(conf.configurationKey[0].value, measurands.join(","));
  const { transactionId, start } = await reachCharging(rig);
  const startedAt = clock.now();
  assert.ok(Date.parse(start.timestamp) <= startedAt);
  const m = csms.mark;
  await advanceIdle(rig, 3 * INTERVAL_MS);
  const sent: MeterValuesReq[] = csms.all("MeterValues", m).map((r) => r.params);
  // Three intervals after the start: one MeterValues.req at each aligned instant and
  // nothing else (MeterValueSampleInterval is 0).
  assert.deepEqual(
    sent.map((mv) => Date.parse(mv.meterValue[0].timestamp)),
    boundariesAfter(startedAt, 3),
  );
  for (const mv of sent) {
    assert.equal(mv.connectorId, OCTT.connectorId);
    assert.equal(mv.transactionId, transactionId);
    assert.equal(mv.meterValue.length, 1);
    const { timestamp, sampledValue } = mv.meterValue[0];
    // Seconds of 0, 20 or 40, no fraction.
    assert.match(timestamp, /:[024]0\.000Z$/);
    assert.deepEqual(measurandsOf(mv), measurands);
    // deno-lint-ignore no-explicit-any
    assert.ok(sampledValue.every((s: any) => s.context === "Sample.Clock"));
    assert.equal(sampledValue[0].unit, "Wh");
    assert.deepEqual([sampledValue[1].value, sampledValue[1].unit], ["7400", "W"]);
  }
  const energy = sent.map((mv) => Number(mv.meterValue[0].sampledValue[0].value));
  assert.ok(energy[0]! < energy[1]! && energy[1]! < energy[2]!, `rising register ${energy}`);

  // An empty MeterValuesAlignedData means Energy.Active.Import.Register.
  await configure(rig, { MeterValuesAlignedData: "" });
  const emptyAt = csms.mark;
  await advanceIdle(rig, INTERVAL_MS);
  const [mv, ...more] = csms.all("MeterValues", emptyAt).map((r) => r.params);
  assert.deepEqual(more, []);
  assert.deepEqual(measurandsOf(mv), ["Energy.Active.Import.Register"]);
  assert.equal(mv.meterValue[0].sampledValue[0].context, "Sample.Clock");
  assert.equal(mv.transactionId, transactionId);
  assert.equal(mv.connectorId, OCTT.connectorId);
  assert.deepEqual(csms.invalid, []);
});

Deno.test("meter: clock-aligned values stay aligned when BootNotification.conf sets the clock", async () => {
  // This Central System's clock is 7.5 s ahead of the Charge Point's; the interval is
  // configured before the boot, so the first aligned instant was found on the old time.
  const AHEAD = 7_500;
  await using rig = await startRig({
    settings: { ClockAlignedDataInterval: INTERVAL_MS / 1000 },
    csmsAheadMs: AHEAD,
  });
  const { csms, clock } = rig;
  const m = csms.mark;
  const from = clock.now() + AHEAD;
  await advanceIdle(rig, 3 * INTERVAL_MS);
  const stamps = csms.all("MeterValues", m).map((r) =>
    Date.parse(r.params.meterValue[0].timestamp)
  );
  assert.deepEqual(stamps, boundariesAfter(from, 3));
  assert.deepEqual(csms.invalid, []);
});
