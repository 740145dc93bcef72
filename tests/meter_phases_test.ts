/**
 * Current and voltage per phase end to end: the simulated EV draws on one
 * phase, the hardware bridge carries the meter's phase values, `/api/status`
 * shows them per connector and MeterValues.req reports Current.Import and
 * Voltage with their phase (OCPP 1.6 sections 3.16.3, 7.31, 9.1.17),
 * validated by the strict Central System of `csms.ts`.
 */
import assert from "node:assert/strict";
import { createApi } from "../api/api.ts";
import { configure, reachCharging, startRig } from "./harness.ts";

// deno-lint-ignore no-explicit-any
type SampledValue = any;

Deno.test("meter: per-phase current and voltage in /api/status and in MeterValues (Current.Import, Voltage)", async () => {
  await using rig = await startRig();
  const token = "p".repeat(32);
  const api = createApi(rig.cp, { token });
  const status = async () => {
    const res = await api.request("/api/status", { headers: { Authorization: `Bearer ${token}` } });
    assert.equal(res.status, 200);
    return (await res.json()).connectors[0];
  };
  await configure(rig, {
    MeterValuesSampledData: "Energy.Active.Import.Register,Current.Import,Voltage",
    MeterValueSampleInterval: "30",
  });
  // A one-phase EV drawing 4.6 kW: 20 A on L1 only.
  rig.station.setPhases(1, 1);
  rig.station.setPowerW(1, 4600);
  const { transactionId } = await reachCharging(rig);
  await rig.advance(2_000);
  const c = await status();
  assert.equal(c.powerW, 4600);
  assert.deepEqual(c.phases, [
    { phase: "L1", currentA: 20, voltageV: 230 },
    { phase: "L2", currentA: 0, voltageV: 230 },
    { phase: "L3", currentA: 0, voltageV: 230 },
  ]);
  const m = rig.csms.mark;
  await rig.advance(30_000);
  const mv = (await rig.csms.next("MeterValues", m)).params;
  assert.equal(mv.transactionId, transactionId);
  const values = mv.meterValue[0].sampledValue.map((s: SampledValue) =>
    [s.measurand, s.phase ?? "", s.value, s.unit].join(" ")
  );
  assert.deepEqual(values.slice(1), [
    "Current.Import L1 20 A",
    "Current.Import L2 0 A",
    "Current.Import L3 0 A",
    "Voltage L1-N 230 V",
    "Voltage L2-N 230 V",
    "Voltage L3-N 230 V",
  ]);
  assert.match(values[0], /^Energy\.Active\.Import\.Register {2}\d+ Wh$/);
  // Three phases from now on: 4.6 kW, 6.67 A on each.
  rig.station.setPhases(1, 3);
  await rig.advance(2_000);
  assert.deepEqual((await status()).phases.map((p: SampledValue) => p.currentA), [
    6.67,
    6.67,
    6.67,
  ]);
  // Only the phases named: Voltage.L2.
  await configure(rig, { MeterValuesSampledData: "Voltage.L2" });
  const m2 = rig.csms.mark;
  await rig.advance(30_000);
  const only = (await rig.csms.next("MeterValues", m2)).params.meterValue[0].sampledValue;
  assert.deepEqual(only.map((s: SampledValue) => [s.measurand, s.phase, s.value]), [
    ["Voltage", "L2-N", "230"],
  ]);
  assert.deepEqual(rig.csms.invalid, []);
});
