import assert from "node:assert/strict";
import { FakeClock } from "../actors/clock.ts";
import type { EvState } from "../actors/messages.ts";
import type { SimControls } from "../runtime/handle.ts";
import type { Fault } from "./fault.ts";
import { runFaultConformance } from "./fault_conformance.ts";
import { runLockConformance } from "./lock_conformance.ts";
import { runMeterConformance } from "./meter_conformance.ts";
import { runPilotConformance } from "./pilot_conformance.ts";
import { runRelayConformance } from "./relay_conformance.ts";
import { runRfidConformance } from "./rfid_conformance.ts";

/** Register and power of a reading (without its phases). */
async function totals(meter: { read(): Promise<{ wh: number; w: number }> }) {
  const { wh, w } = await meter.read();
  return { wh, w };
}
import { type SimConnector, SimStation } from "./sim_station.ts";

const HOUR = 3_600_000;

function station(options: ConstructorParameters<typeof SimStation>[1] = {}) {
  const clock = new FakeClock();
  const s = new SimStation(clock, options);
  return { clock, station: s, c1: s.connector(1) };
}

/** Brings connector 1 into `state` the way an EV and the runtime would. */
async function drive(c: SimConnector, state: EvState): Promise<void> {
  if (state === "C") {
    c.plug();
    c.setEvCharging(true);
    return await c.relay.set(true);
  }
  if (state === "E" || state === "F") return c.forcePilot(state);
  c.forcePilot(null);
  if (state === "A") return c.unplug();
  c.plug();
  c.setEvCharging(false);
}

// The linked drivers of a station pass the same suites as the lone ones.
runRelayConformance("SimStation connector", () => {
  const { station: s, c1 } = station();
  return { driver: c1.relay, failNextSet: () => s.failNextRelay(1) };
}, { failures: true });

runMeterConformance("SimStation connector", () => {
  const { clock, station: s, c1 } = station({ meterStartWh: 500 });
  return {
    driver: c1.meter,
    async draw(w) {
      if (w === 0) return c1.relay.set(false);
      s.setPowerW(1, w);
      s.plug(1);
      await c1.relay.set(true);
    },
    wait: (ms) => clock.advance(ms),
    failReads: (failing) => s.failMeter(1, failing ? "simulated" : null),
  };
}, { flow: true, failures: true, phases: true });

runPilotConformance("SimStation connector", () => {
  const { c1 } = station();
  return { driver: c1.pilot, drive: (state) => drive(c1, state) };
}, { drive: true, offer: true });

runLockConformance("SimStation socket", () => {
  const { station: s, c1 } = station({ connectors: 2, fixedCable: [2] });
  return {
    driver: c1.lock,
    failNextLock: () => s.failNextLock(1),
    failNextUnlock: () => s.failNextUnlock(1),
  };
}, { fixedCable: false, failures: true });

runLockConformance("SimStation fixed cable", () => {
  const { station: s } = station({ connectors: 2, fixedCable: [2] });
  return { driver: s.connector(2).lock };
}, { fixedCable: true });

runRfidConformance("SimStation", () => {
  const { station: s } = station();
  return { driver: s.rfid, present: (idTag) => s.tap(idTag) };
}, { present: true });

runFaultConformance("SimStation connector", () => {
  const { station: s, c1 } = station();
  return {
    driver: c1.faults,
    raise: (code, info) => s.injectFault(1, code, info),
    clear: () => s.clearFault(1),
  };
}, { inject: true });

Deno.test("SimStation moves the pilot A -> B on plug, B -> C with the relay, back on unplug", async () => {
  const { station: s, c1 } = station();
  const seen: EvState[] = [];
  c1.pilot.onChange((state) => seen.push(state));
  s.plug(1);
  await c1.relay.set(true);
  await c1.relay.set(false);
  await c1.relay.set(true);
  s.unplug(1);
  await c1.relay.set(false);
  assert.deepEqual(seen, ["B", "C", "B", "C", "A"]);
});

Deno.test("SimStation meter counts 7400 W of clock time while C, in whole Wh", async () => {
  const { clock, station: s, c1 } = station();
  s.plug(1);
  clock.advance(HOUR);
  assert.deepEqual(await totals(c1.meter), { wh: 0, w: 0 });
  await c1.relay.set(true);
  clock.advance(HOUR / 2);
  assert.deepEqual(await totals(c1.meter), { wh: 3700, w: 7400 });
  clock.advance(1000);
  assert.deepEqual(await totals(c1.meter), { wh: 3702, w: 7400 });
  await c1.relay.set(false);
  clock.advance(HOUR);
  assert.deepEqual(await totals(c1.meter), { wh: 3702, w: 0 });
});

Deno.test("SimStation.setEvCharging() stops and resumes the energy with the relay closed", async () => {
  const { clock, station: s, c1 } = station();
  s.plug(1);
  await c1.relay.set(true);
  clock.advance(HOUR / 4);
  s.setEvCharging(1, false);
  assert.equal(c1.pilot.state, "B");
  clock.advance(HOUR);
  assert.deepEqual(await totals(c1.meter), { wh: 1850, w: 0 });
  s.setEvCharging(1, true);
  assert.equal(c1.pilot.state, "C");
  clock.advance(HOUR / 4);
  assert.deepEqual(await totals(c1.meter), { wh: 3700, w: 7400 });
  s.unplug(1);
  clock.advance(HOUR);
  assert.deepEqual(await totals(c1.meter), { wh: 3700, w: 0 });
});

Deno.test("SimStation plug() brings an EV that wants to charge, even after one that stopped", async () => {
  const { station: s, c1 } = station();
  s.plug(1);
  s.setEvCharging(1, false);
  s.unplug(1);
  s.plug(1);
  await c1.relay.set(true);
  assert.equal(c1.evCharging, true);
  assert.equal(c1.pilot.state, "C");
});

Deno.test("SimStation keeps connectors apart, with powerW and meterStartWh", async () => {
  const { clock, station: s } = station({ connectors: 2, powerW: 11_000, meterStartWh: 1000 });
  s.plug(2);
  await s.connector(2).relay.set(true);
  s.setPowerW(2, 3600);
  clock.advance(HOUR);
  assert.deepEqual(await totals(s.connector(1).meter), { wh: 1000, w: 0 });
  assert.deepEqual(await totals(s.connector(2).meter), { wh: 4600, w: 3600 });
  assert.deepEqual(s.connectors.map((c) => c.pilot.state), ["A", "C"]);
});

Deno.test("SimStation.forcePilot() holds E or F without energy, null returns to normal", async () => {
  const { clock, station: s, c1 } = station();
  s.plug(1);
  await c1.relay.set(true);
  s.forcePilot(1, "E");
  clock.advance(HOUR);
  assert.deepEqual([c1.pilot.state, await totals(c1.meter)], ["E", { wh: 0, w: 0 }]);
  s.unplug(1);
  assert.equal(c1.pilot.state, "E");
  s.forcePilot(1, null);
  assert.equal(c1.pilot.state, "A");
});

Deno.test("SimStation injects lock, unlock, relay, meter and hardware failures", async () => {
  const { station: s, c1 } = station();
  s.failNextLock(1);
  assert.equal(await c1.lock.lock(), false);
  assert.equal(await c1.lock.lock(), true);
  s.failNextUnlock(1);
  assert.equal(await c1.lock.unlock(), "UnlockFailed");
  assert.equal(await c1.lock.unlock(), "Unlocked");
  s.failNextRelay(1);
  await assert.rejects(c1.relay.set(true), { message: "contactor did not switch (simulated)" });
  assert.equal(c1.relay.closed, false);
  s.failMeter(1);
  await assert.rejects(c1.meter.read(), { message: "no answer from meter (simulated)" });
  s.failMeter(1, null);
  assert.deepEqual(await totals(c1.meter), { wh: 0, w: 0 });
  const faults: (Fault | null)[] = [];
  c1.faults.onChange((f) => faults.push(f));
  s.injectFault(1, "GroundFailure", "RCD tripped");
  s.clearFault(1);
  assert.deepEqual(faults, [{ errorCode: "GroundFailure", info: "RCD tripped" }, null]);
});

Deno.test("SimStation fixedCable sets tethered connectors, which cannot fail a lock", () => {
  assert.deepEqual(
    station({ connectors: 2, fixedCable: true }).station.connectors.map((c) => c.lock.fixedCable),
    [true, true],
  );
  const { station: s } = station({ connectors: 3, fixedCable: [2] });
  assert.deepEqual(s.connectors.map((c) => c.lock.fixedCable), [false, true, false]);
  assert.throws(() => s.failNextLock(2), {
    name: "RangeError",
    message: "Cannot fail the lock of connector 2: it has a fixed cable",
  });
});

Deno.test("SimStation rejects bad options and unknown connectors with clear errors", () => {
  const clock = new FakeClock();
  assert.throws(() => new SimStation(clock, { connectors: 0 }), {
    message: "Cannot create simulated station: connectors must be a whole number >= 1, got 0",
  });
  assert.throws(() => new SimStation(clock, { connectors: 2, fixedCable: [3] }), {
    message: "Cannot create simulated station: fixedCable names connector 3, not in 1..2",
  });
  assert.throws(() => new SimStation(clock, { powerW: -5 }), {
    message: "Cannot create simulated connector 1: power must be W >= 0, got -5",
  });
  const s = new SimStation(clock, { connectors: 2 });
  assert.throws(() => s.plug(3), {
    name: "RangeError",
    message: "Cannot find connector 3: the station has 1..2",
  });
  assert.throws(() => s.plug(0), { message: "Cannot find connector 0: the station has 1..2" });
  assert.throws(() => s.setEvCharging(1, false), {
    message: "Cannot set EV charging on connector 1: no EV plugged in",
  });
});

Deno.test("SimStation serves as the runtime's SimControls", () => {
  const { station: s, c1 } = station();
  const controls: SimControls = s;
  const tags: string[] = [];
  s.rfid.onTap((t) => tags.push(t));
  controls.plug(1);
  controls.tap("CARD1");
  controls.setEvCharging(1, false);
  assert.deepEqual([c1.plugged, c1.evCharging, tags], [true, false, ["CARD1"]]);
  controls.unplug(1);
  assert.equal(c1.pilot.state, "A");
});

Deno.test("SimStation sets the meter's power before telling pilot listeners", async () => {
  const { station: s, c1 } = station();
  const readings: Promise<{ wh: number; w: number }>[] = [];
  c1.pilot.onChange(() => readings.push(c1.meter.read()));
  s.plug(1);
  await c1.relay.set(true);
  s.setEvCharging(1, false);
  assert.deepEqual((await Promise.all(readings)).map((m) => m.w), [0, 7400, 0]);
});

Deno.test("SimStation with stateFile keeps cable, EV and meter register across a restart", async () => {
  const dir = await Deno.makeTempDir();
  const stateFile = `${dir}/sim-station.json`;
  const clock = new FakeClock();
  const before = new SimStation(clock, { connectors: 2, stateFile });
  before.plug(2);
  before.setEvCharging(2, true);
  await before.connector(2).relay.set(true);
  clock.advance(HOUR / 2);
  assert.deepEqual(await totals(before.connector(2).meter), { wh: 3700, w: 7400 });
  // Energy after the last read is not recorded: the register restarts at what was read.
  clock.advance(HOUR);
  const after = new SimStation(clock, { connectors: 2, stateFile });
  assert.equal(after.stateError, null);
  assert.deepEqual(after.state(), {
    connectors: [
      { plugged: false, evCharging: true, meterWh: 0 },
      { plugged: true, evCharging: true, meterWh: 3700 },
    ],
  });
  const c2 = after.connector(2);
  // Plugged in, contactor open (B), as after a power cut.
  assert.deepEqual([c2.plugged, c2.relay.closed, c2.pilot.state], [true, false, "B"]);
  await c2.relay.set(true);
  clock.advance(HOUR / 2);
  assert.deepEqual(await totals(c2.meter), { wh: 7400, w: 7400 });
  after.unplug(2);
  const saved = JSON.parse(await Deno.readTextFile(stateFile));
  assert.deepEqual(saved.connectors[1], { plugged: false, evCharging: true, meterWh: 7400 });
  await Deno.remove(dir, { recursive: true });
});

Deno.test("SimStation ignores an unreadable stateFile, says why, and replaces it at the first change", async () => {
  const dir = await Deno.makeTempDir();
  const stateFile = `${dir}/sim-station.json`;
  await Deno.writeTextFile(stateFile, "{ not json");
  const s = new SimStation(new FakeClock(), { stateFile });
  assert.match(s.stateError ?? "", /^Cannot use .*sim-station\.json/);
  assert.deepEqual(s.state(), { connectors: [{ plugged: false, evCharging: true, meterWh: 0 }] });
  s.plug(1);
  assert.equal(JSON.parse(await Deno.readTextFile(stateFile)).connectors[0].plugged, true);
  await Deno.remove(dir, { recursive: true });
});

Deno.test("SimStation.powerCut() opens every contactor; the EV stays plugged", async () => {
  const { station: s, c1 } = station({
    state: { connectors: [{ plugged: true, evCharging: true, meterWh: 50 }] },
  });
  await c1.relay.set(true);
  assert.equal(c1.pilot.state, "C");
  s.powerCut();
  await Promise.resolve();
  assert.deepEqual([c1.relay.closed, c1.pilot.state, c1.plugged], [false, "B", true]);
  assert.deepEqual(await totals(c1.meter), { wh: 50, w: 0 });
});

Deno.test("SimStation EV draws at most the offered current on its phases, pauses below 6 A", async () => {
  const { clock, c1 } = station({ powerW: 22_000, phases: 3 });
  c1.plug();
  await c1.relay.set(true);
  assert.equal((await c1.meter.read()).w, 22_000);
  c1.pilot.offer(16);
  assert.equal(c1.pilot.state, "C");
  assert.equal((await c1.meter.read()).w, 16 * 230 * 3);
  clock.advance(HOUR);
  assert.equal((await c1.meter.read()).wh, 11_040);
  c1.pilot.offer(5);
  assert.equal(c1.pilot.state, "B", "no PWM: the EV waits");
  assert.equal((await c1.meter.read()).w, 0);
  c1.pilot.offer(6);
  c1.setPhases(1);
  assert.deepEqual([c1.pilot.state, (await c1.meter.read()).w], ["C", 6 * 230]);
  assert.deepEqual((await c1.meter.read()).phases, {
    currentA: [6, 0, 0],
    voltageV: [230, 230, 230],
  }, "one phase: all the current on L1");
  assert.throws(() => c1.setPhases(4), RangeError);
});
