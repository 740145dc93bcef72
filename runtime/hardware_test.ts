import assert from "node:assert/strict";
import { Bus } from "../actors/bus.ts";
import { FakeClock } from "../actors/clock.ts";
import type { BusMessage, BusMessageType, EvState, MessageOf } from "../actors/messages.ts";
import { viewOf } from "../config/registry.ts";
import type { ConnectorHardware, Fault, Hardware } from "../drivers/mod.ts";
import { SimStation, type SimStationOptions } from "../drivers/sim_station.ts";
import { startHardware } from "./hardware.ts";

const HOUR = 3_600_000;

interface Rig {
  readonly clock: FakeClock;
  readonly bus: Bus;
  readonly station: SimStation;
  /** What the bridge drives: the station, or drivers standing in for some of its own. */
  readonly hw: Hardware;
  /** Every message published, in order; `take()` empties it. */
  readonly seen: BusMessage[];
}

function rig(options: SimStationOptions = {}): Rig {
  const clock = new FakeClock();
  const bus = new Bus({ clock, config: () => viewOf(new Map()) });
  const seen: BusMessage[] = [];
  bus.inspect((m) => seen.push(m));
  const station = new SimStation(clock, options);
  return { clock, bus, station, hw: station, seen };
}

/**
 * The messages seen so far, which are forgotten; `hw.meter` without its
 * phases (the tests of the phases keep them with `withPhases`).
 */
function take(r: Rig, withPhases = false): BusMessage[] {
  return r.seen.splice(0).map((m) => {
    if (m.type !== "hw.meter" || withPhases) return m;
    const { phases: _, ...totals } = m;
    return totals;
  });
}

/** Resolves with the next message of `type` (registered before the cause). */
function next<K extends BusMessageType>(bus: Bus, type: K): Promise<MessageOf<K>> {
  return new Promise((resolve) => {
    const off = bus.inspect((m) => {
      if (m.type !== type) return;
      off();
      resolve(m as MessageOf<K>);
    });
  });
}

/**
 * Waits until the work queued on a connector so far is done, by queueing an
 * unlock behind it; the unlock and its answer are removed from `seen`.
 */
async function flush(r: Rig, connectorId = 1): Promise<void> {
  const command: BusMessage = { type: "hw.unlock", connectorId };
  const answer = next(r.bus, "hw.unlocked");
  r.bus.publish(command);
  const reply = await answer;
  r.seen.splice(0, r.seen.length, ...r.seen.filter((m) => m !== command && m !== reply));
}

async function started(r: Rig, meterPollMs = 1000): Promise<() => void> {
  const stop = await startHardware(r.bus, r.hw, r.clock, { meterPollMs });
  take(r);
  return stop;
}

const log = (level: "warn" | "error", text: string): BusMessage => ({ type: "log", level, text });

Deno.test("startHardware() publishes pilot, present faults and meter of every connector", async () => {
  const r = rig({ connectors: 2, meterStartWh: 500 });
  r.station.plug(2);
  r.station.injectFault(2, "GroundFailure", "RCD tripped");
  await startHardware(r.bus, r.hw, r.clock);
  assert.deepEqual(take(r), [
    { type: "hw.connector", connectorId: 1, fixedCable: false },
    { type: "hw.connector", connectorId: 2, fixedCable: false },
    { type: "hw.ev_state", connectorId: 1, state: "A" },
    { type: "hw.ev_state", connectorId: 2, state: "B" },
    { type: "hw.fault", connectorId: 2, errorCode: "GroundFailure", info: "RCD tripped" },
    { type: "hw.meter", connectorId: 1, wh: 500, w: 0 },
    { type: "hw.meter", connectorId: 2, wh: 500, w: 0 },
  ]);
});

Deno.test("hw.set_relay publishes a fresh meter reading, then hw.relay", async () => {
  const r = rig();
  r.station.plug(1);
  await started(r);
  const close: BusMessage = { type: "hw.set_relay", connectorId: 1, closed: true };
  r.bus.publish(close);
  await next(r.bus, "hw.relay");
  assert.deepEqual(take(r), [
    close,
    { type: "hw.ev_state", connectorId: 1, state: "C" },
    { type: "hw.meter", connectorId: 1, wh: 0, w: 7400 },
    { type: "hw.relay", connectorId: 1, closed: true },
  ]);
  r.clock.advance(HOUR / 2);
  const open: BusMessage = { type: "hw.set_relay", connectorId: 1, closed: false };
  r.bus.publish(open);
  await next(r.bus, "hw.relay");
  assert.deepEqual(take(r), [
    open,
    { type: "hw.meter", connectorId: 1, wh: 3700, w: 7400 }, // the poll queued first
    { type: "hw.ev_state", connectorId: 1, state: "B" },
    { type: "hw.meter", connectorId: 1, wh: 3700, w: 0 },
    { type: "hw.relay", connectorId: 1, closed: false },
  ]);
});

Deno.test("startHardware() polls meters every meterPollMs and publishes only changes", async () => {
  const r = rig();
  r.station.plug(1);
  await started(r, 5000);
  r.bus.publish({ type: "hw.set_relay", connectorId: 1, closed: true });
  await next(r.bus, "hw.relay");
  take(r);
  r.clock.advance(4999);
  await flush(r);
  assert.deepEqual(take(r), []);
  r.clock.advance(1);
  await flush(r);
  assert.deepEqual(take(r), [{ type: "hw.meter", connectorId: 1, wh: 10, w: 7400 }]);
  r.station.setEvCharging(1, false);
  r.clock.advance(5000);
  await flush(r);
  r.clock.advance(5000);
  await flush(r);
  assert.deepEqual(take(r), [
    { type: "hw.ev_state", connectorId: 1, state: "B" },
    { type: "hw.meter", connectorId: 1, wh: 10, w: 0 },
  ]);
});

Deno.test("hw.lock publishes hw.locked, and a failure ConnectorLockFailure until a good lock", async () => {
  const r = rig();
  await started(r);
  r.station.failNextLock(1);
  r.bus.publish({ type: "hw.lock", connectorId: 1 });
  await next(r.bus, "hw.fault");
  r.bus.publish({ type: "hw.lock", connectorId: 1 });
  await next(r.bus, "hw.fault_cleared");
  assert.deepEqual(take(r), [
    { type: "hw.lock", connectorId: 1 },
    log("warn", "Cannot lock connector 1: lock did not engage"),
    { type: "hw.locked", connectorId: 1, ok: false },
    {
      type: "hw.fault",
      connectorId: 1,
      errorCode: "ConnectorLockFailure",
      info: "lock did not engage",
    },
    { type: "hw.lock", connectorId: 1 },
    { type: "hw.locked", connectorId: 1, ok: true },
    { type: "hw.fault_cleared", connectorId: 1 },
  ]);
});

Deno.test("a lock failure clears when the cable is unplugged; other faults stay", async () => {
  const r = rig();
  r.station.plug(1);
  await started(r);
  r.station.injectFault(1, "GroundFailure");
  r.station.failNextLock(1);
  r.bus.publish({ type: "hw.lock", connectorId: 1 });
  await next(r.bus, "hw.locked");
  r.station.unplug(1);
  r.station.clearFault(1);
  assert.deepEqual(take(r), [
    { type: "hw.fault", connectorId: 1, errorCode: "GroundFailure" },
    { type: "hw.lock", connectorId: 1 },
    log("warn", "Cannot lock connector 1: lock did not engage"),
    { type: "hw.locked", connectorId: 1, ok: false },
    {
      type: "hw.fault",
      connectorId: 1,
      errorCode: "ConnectorLockFailure",
      info: "lock did not engage",
    },
    { type: "hw.ev_state", connectorId: 1, state: "A" },
    { type: "hw.fault", connectorId: 1, errorCode: "GroundFailure" },
    { type: "hw.fault_cleared", connectorId: 1 },
  ]);
});

Deno.test("hw.unlock answers Unlocked, UnlockFailed, and NotSupported for fixed cable or no connector", async () => {
  const r = rig({ connectors: 2, fixedCable: [2] });
  await started(r);
  r.bus.publish({ type: "hw.unlock", connectorId: 1 });
  await next(r.bus, "hw.unlocked");
  r.station.failNextUnlock(1);
  r.bus.publish({ type: "hw.unlock", connectorId: 1 });
  await next(r.bus, "hw.unlocked");
  r.bus.publish({ type: "hw.unlock", connectorId: 2 });
  r.bus.publish({ type: "hw.unlock", connectorId: 3 });
  r.bus.publish({ type: "hw.lock", connectorId: 2 });
  await next(r.bus, "hw.locked");
  assert.deepEqual(take(r), [
    { type: "hw.unlock", connectorId: 1 },
    { type: "hw.unlocked", connectorId: 1, result: "Unlocked" },
    { type: "hw.unlock", connectorId: 1 },
    log("warn", "Cannot unlock connector 1: lock did not release"),
    { type: "hw.unlocked", connectorId: 1, result: "UnlockFailed" },
    { type: "hw.unlock", connectorId: 2 },
    { type: "hw.unlocked", connectorId: 2, result: "NotSupported" },
    { type: "hw.unlock", connectorId: 3 },
    { type: "hw.unlocked", connectorId: 3, result: "NotSupported" },
    { type: "hw.lock", connectorId: 2 },
    { type: "hw.locked", connectorId: 2, ok: true },
  ]);
});

Deno.test("a failing relay logs, raises PowerSwitchFailure, and the next good switch clears it", async () => {
  const r = rig();
  r.station.plug(1);
  await started(r);
  r.station.failNextRelay(1);
  r.bus.publish({ type: "hw.set_relay", connectorId: 1, closed: true });
  await next(r.bus, "hw.fault");
  r.bus.publish({ type: "hw.set_relay", connectorId: 1, closed: true });
  await next(r.bus, "hw.relay");
  assert.deepEqual(take(r), [
    { type: "hw.set_relay", connectorId: 1, closed: true },
    log("error", "Cannot close relay of connector 1: contactor did not switch (simulated)"),
    {
      type: "hw.fault",
      connectorId: 1,
      errorCode: "PowerSwitchFailure",
      info: "contactor did not switch (simulated)",
    },
    { type: "hw.set_relay", connectorId: 1, closed: true },
    { type: "hw.ev_state", connectorId: 1, state: "C" },
    { type: "hw.fault_cleared", connectorId: 1 },
    { type: "hw.meter", connectorId: 1, wh: 0, w: 7400 },
    { type: "hw.relay", connectorId: 1, closed: true },
  ]);
});

Deno.test("a failing meter logs once, raises PowerMeterFailure, and clears when it answers", async () => {
  const r = rig();
  await started(r);
  r.station.failMeter(1);
  for (let i = 0; i < 3; i++) {
    r.clock.advance(1000);
    await flush(r);
  }
  r.station.failMeter(1, null);
  r.clock.advance(1000);
  await flush(r);
  assert.deepEqual(take(r), [
    log("error", "Cannot read meter of connector 1: no answer from meter (simulated)"),
    {
      type: "hw.fault",
      connectorId: 1,
      errorCode: "PowerMeterFailure",
      info: "no answer from meter (simulated)",
    },
    { type: "hw.fault_cleared", connectorId: 1 },
  ]);
});

Deno.test("pilot changes, RFID taps and faults are forwarded; bad tags are logged", async () => {
  const r = rig({ connectors: 2 });
  await started(r);
  r.station.plug(2);
  r.station.tap("04A2B3C4D5E6F7");
  r.station.tap("");
  r.station.tap("X".repeat(21));
  r.station.injectFault(1, "OverCurrentFailure", "x".repeat(60));
  r.station.clearFault(1);
  r.station.forcePilot(2, "F");
  assert.deepEqual(take(r), [
    { type: "hw.ev_state", connectorId: 2, state: "B" },
    { type: "hw.rfid", idTag: "04A2B3C4D5E6F7" },
    log("error", 'Cannot accept RFID tag "": it is empty'),
    log(
      "error",
      `Cannot accept RFID tag "${"X".repeat(21)}": it has 21 characters, at most 20 are allowed`,
    ),
    { type: "hw.fault", connectorId: 1, errorCode: "OverCurrentFailure", info: "x".repeat(50) },
    { type: "hw.fault_cleared", connectorId: 1 },
    { type: "hw.ev_state", connectorId: 2, state: "F" },
  ]);
});

Deno.test("a fault of the whole charge point is forwarded as connector 0, at start too", async () => {
  const r = rig({ connectors: 2 });
  r.station.injectFault(0, "HighTemperature", "enclosure 80 C");
  const stop = await startHardware(r.bus, r.hw, r.clock, { meterPollMs: 1000 });
  assert.deepEqual(
    take(r).filter((m) => m.type === "hw.fault" || m.type === "hw.fault_cleared"),
    [{ type: "hw.fault", connectorId: 0, errorCode: "HighTemperature", info: "enclosure 80 C" }],
  );
  r.station.clearFault(0);
  r.station.injectFault(0, "UnderVoltage");
  assert.deepEqual(take(r), [
    { type: "hw.fault_cleared", connectorId: 0 },
    { type: "hw.fault", connectorId: 0, errorCode: "UnderVoltage" },
  ]);
  stop();
});

Deno.test("commands for unknown connectors are logged, not performed", async () => {
  const r = rig();
  await started(r);
  r.bus.publish({ type: "hw.set_relay", connectorId: 3, closed: true });
  r.bus.publish({ type: "hw.lock", connectorId: 0 });
  assert.deepEqual(take(r), [
    { type: "hw.set_relay", connectorId: 3, closed: true },
    log("error", "Cannot close relay of connector 3: no such connector (1..1)"),
    { type: "hw.lock", connectorId: 0 },
    log("error", "Cannot lock connector 0: no such connector (1..1)"),
  ]);
});

Deno.test("stop() ends listening and polling", async () => {
  const r = rig();
  const stop = await started(r);
  stop();
  r.station.plug(1);
  r.station.tap("CARD1");
  r.bus.publish({ type: "hw.set_relay", connectorId: 1, closed: true });
  r.clock.advance(HOUR);
  for (let i = 0; i < 20; i++) await Promise.resolve(); // what a running bridge would do by now
  assert.deepEqual(take(r), [{ type: "hw.set_relay", connectorId: 1, closed: true }]);
  assert.equal(r.station.connector(1).relay.closed, false);
  assert.equal(r.clock.pending, 0);
});

/** A one-connector station whose drivers are the simulated ones but for `overrides`. */
function odd(overrides: Partial<ConnectorHardware>, rfid?: Hardware["rfid"]): Rig {
  const r = rig();
  const hw: Hardware = {
    connectors: [{ ...r.station.connector(1), ...overrides }],
    rfid: rfid ?? r.station.rfid,
  };
  return { ...r, hw };
}

/** A meter answering the given readings in turn, then the last one forever. */
function scripted(...readings: unknown[]): ConnectorHardware["meter"] {
  return {
    read: () => Promise.resolve((readings.length > 1 ? readings.shift() : readings[0]) as never),
  };
}

Deno.test("a meter giving garbage is logged per problem, skipped, and PowerMeterFailure raised", async () => {
  const bad = (problem: string): BusMessage[] => [
    log("error", `Cannot use meter reading of connector 1: ${problem}`),
    {
      type: "hw.fault",
      connectorId: 1,
      errorCode: "PowerMeterFailure",
      info: problem.slice(0, 50),
    },
  ];
  const r = odd({
    meter: scripted({ wh: 10, w: 0 }, { wh: NaN, w: 0 }, { wh: 5, w: 0 }, "garbage", {
      wh: 12,
      w: 100,
    }),
  });
  await started(r);
  for (let i = 0; i < 4; i++) {
    r.clock.advance(1000);
    await flush(r);
  }
  assert.deepEqual(take(r), [
    ...bad("energy register NaN is not a finite number of Wh >= 0"),
    ...bad("energy register went down from 10 Wh to 5 Wh"),
    ...bad('expected { wh, w }, got "garbage"'),
    { type: "hw.fault_cleared", connectorId: 1 },
    { type: "hw.meter", connectorId: 1, wh: 12, w: 100 },
  ]);
});

Deno.test("hw.meter carries current and voltage per phase; bad phase values are PowerMeterFailure", async () => {
  const phases = (a: number, v = 230) => ({ currentA: [a, a, 0], voltageV: [v, v, v] });
  const r = odd({
    meter: scripted(
      { wh: 10, w: 0, phases: phases(0) },
      { wh: 11, w: 4600, phases: phases(10) },
      { wh: 11, w: 4600, phases: phases(10.5) },
      { wh: 11, w: 4600, phases: phases(10.5, 420) },
      { wh: 11, w: 4600, phases: { currentA: [1, NaN, 1], voltageV: [230, 230, 230] } },
      { wh: 12, w: 4600 },
    ),
  });
  await startHardware(r.bus, r.hw, r.clock, { meterPollMs: 1000 });
  const meters = () =>
    take(r, true).filter((m) => m.type === "hw.meter" || m.type === "hw.fault" || m.type === "log");
  assert.deepEqual(meters().filter((m) => m.type === "hw.meter"), [
    { type: "hw.meter", connectorId: 1, wh: 10, w: 0, phases: phases(0) },
  ]);
  const polls: BusMessage[][] = [];
  for (let i = 0; i < 5; i++) {
    r.clock.advance(1000);
    await flush(r);
    polls.push(meters());
  }
  const fault = (info: string): BusMessage[] => [
    log("error", `Cannot use meter reading of connector 1: ${info}`),
    { type: "hw.fault", connectorId: 1, errorCode: "PowerMeterFailure", info: info.slice(0, 50) },
  ];
  assert.deepEqual(polls, [
    [{ type: "hw.meter", connectorId: 1, wh: 11, w: 4600, phases: phases(10) }],
    [{ type: "hw.meter", connectorId: 1, wh: 11, w: 4600, phases: phases(10.5) }],
    fault("voltage L1 420 V is out of range (0-300 V)"),
    fault("current L2 is missing (NaN)"),
    [{ type: "hw.meter", connectorId: 1, wh: 12, w: 4600 }],
  ]);
});

Deno.test("a relay that throws at once or lies about its state raises PowerSwitchFailure", async () => {
  let calls = 0;
  const relay = {
    closed: false,
    set(_closed: boolean): Promise<void> {
      if (++calls === 1) throw new Error("GPIO busy");
      return Promise.resolve();
    },
  };
  const r = odd({ relay });
  await started(r);
  for (let i = 0; i < 2; i++) {
    r.bus.publish({ type: "hw.set_relay", connectorId: 1, closed: true });
    await flush(r);
  }
  assert.deepEqual(take(r), [
    { type: "hw.set_relay", connectorId: 1, closed: true },
    log("error", "Cannot close relay of connector 1: GPIO busy"),
    { type: "hw.fault", connectorId: 1, errorCode: "PowerSwitchFailure", info: "GPIO busy" },
    { type: "hw.set_relay", connectorId: 1, closed: true },
    log("error", "Cannot close relay of connector 1: relay reports closed: false after switching"),
    {
      type: "hw.fault",
      connectorId: 1,
      errorCode: "PowerSwitchFailure",
      info: "relay reports closed: false after switching",
    },
  ]);
});

Deno.test("a driver call that hangs fails after driverTimeoutMs and the connector goes on", async () => {
  let called!: () => void;
  const calling = new Promise<void>((resolve) => called = resolve);
  const lock = {
    fixedCable: false,
    lock: () => (called(), new Promise<boolean>(() => {})),
    unlock: () => Promise.resolve("Unlocked" as const),
  };
  const r = odd({ lock });
  await startHardware(r.bus, r.hw, r.clock, { driverTimeoutMs: 5000, meterPollMs: HOUR });
  take(r);
  r.bus.publish({ type: "hw.lock", connectorId: 1 });
  await calling;
  r.clock.advance(4999);
  r.bus.publish({ type: "hw.unlock", connectorId: 1 });
  r.clock.advance(1);
  await next(r.bus, "hw.unlocked");
  assert.deepEqual(take(r), [
    { type: "hw.lock", connectorId: 1 },
    { type: "hw.unlock", connectorId: 1 },
    log("error", "Cannot lock connector 1: no answer within 5000 ms"),
    { type: "hw.locked", connectorId: 1, ok: false },
    {
      type: "hw.fault",
      connectorId: 1,
      errorCode: "ConnectorLockFailure",
      info: "no answer within 5000 ms",
    },
    { type: "hw.unlocked", connectorId: 1, result: "Unlocked" },
    { type: "hw.fault_cleared", connectorId: 1 },
  ]);
});

Deno.test("garbage from pilot, fault source, reader and lock is logged, never thrown", async () => {
  let pilotFn!: (state: EvState) => void;
  let faultFn!: (fault: Fault | null) => void;
  const r = odd({
    pilot: {
      get state(): EvState {
        throw new Error("pilot ADC offline");
      },
      onChange: (fn) => (pilotFn = fn, () => {}),
    },
    faults: { current: null, onChange: (fn) => (faultFn = fn, () => {}) },
    lock: {
      fixedCable: false,
      lock: () => Promise.resolve("yes" as unknown as boolean),
      unlock: () => Promise.resolve(42 as unknown as "Unlocked"),
    },
  }, {
    onTap: () => {
      throw new Error("no reader on /dev/ttyUSB0");
    },
  });
  await startHardware(r.bus, r.hw, r.clock);
  pilotFn("D" as EvState);
  pilotFn("B");
  pilotFn("B");
  faultFn({ errorCode: "Bogus" } as unknown as Fault);
  r.bus.publish({ type: "hw.lock", connectorId: 1 });
  r.bus.publish({ type: "hw.unlock", connectorId: 1 });
  await next(r.bus, "hw.unlocked");
  assert.deepEqual(take(r), [
    log("error", "Cannot listen to the RFID reader: no reader on /dev/ttyUSB0"),
    { type: "hw.connector", connectorId: 1, fixedCable: false },
    log("error", "Cannot read the pilot of connector 1: pilot ADC offline"),
    { type: "hw.meter", connectorId: 1, wh: 0, w: 0 },
    log("error", 'Cannot use pilot state of connector 1: "D" is not one of A, B, C, E, F'),
    { type: "hw.ev_state", connectorId: 1, state: "B" },
    log(
      "error",
      'Cannot use fault of connector 1: error code "Bogus" is not an OCPP ChargePointErrorCode',
    ),
    { type: "hw.lock", connectorId: 1 },
    { type: "hw.unlock", connectorId: 1 },
    log("error", 'Cannot lock connector 1: lock returned "yes", not a boolean'),
    { type: "hw.locked", connectorId: 1, ok: false },
    {
      type: "hw.fault",
      connectorId: 1,
      errorCode: "ConnectorLockFailure",
      info: 'lock returned "yes", not a boolean',
    },
    log("error", "Cannot unlock connector 1: lock returned 42, not a result"),
    { type: "hw.unlocked", connectorId: 1, result: "UnlockFailed" },
  ]);
});

Deno.test("startHardware() rejects a poll interval or timeout that is not > 0", async () => {
  const r = rig();
  await assert.rejects(startHardware(r.bus, r.hw, r.clock, { meterPollMs: 0 }), {
    name: "RangeError",
    message: "Cannot start hardware: meterPollMs must be a number of ms > 0, got 0",
  });
  await assert.rejects(startHardware(r.bus, r.hw, r.clock, { driverTimeoutMs: NaN }), {
    message: "Cannot start hardware: driverTimeoutMs must be a number of ms > 0, got NaN",
  });
  assert.deepEqual(take(r), []);
});

Deno.test("stop() unsubscribes from every driver and abandons a hanging call", async () => {
  const live = new Set<string>();
  const track = (name: string) => () => (live.add(name), () => void live.delete(name));
  let called!: () => void;
  const calling = new Promise<void>((resolve) => called = resolve);
  const r = odd({
    pilot: { state: "A", onChange: track("pilot") },
    faults: { current: null, onChange: track("faults") },
    lock: {
      fixedCable: false,
      lock: () => (called(), new Promise<boolean>(() => {})),
      unlock: () => Promise.resolve("Unlocked" as const),
    },
  }, { onTap: track("rfid") });
  const stop = await started(r);
  assert.deepEqual([...live].sort(), ["faults", "pilot", "rfid"]);
  r.bus.publish({ type: "hw.lock", connectorId: 1 });
  await calling;
  stop();
  assert.deepEqual([...live], []);
  assert.equal(r.clock.pending, 0);
  r.clock.advance(HOUR);
  for (let i = 0; i < 20; i++) await Promise.resolve();
  assert.deepEqual(take(r), [{ type: "hw.lock", connectorId: 1 }]);
});

Deno.test("startHardware() gives sc.limit to the pilot's PWM in order; a pilot that throws is logged", async () => {
  const r = rig({ connectors: 2 });
  const stop = await started(r);
  r.bus.publish({ type: "sc.limit", connectorId: 2, currentA: 13, source: "ocpp" });
  await flush(r, 2);
  assert.equal(r.station.connector(2).pilot.offered, 13);
  assert.equal(r.station.connector(1).pilot.offered, Infinity);
  take(r);
  // SimPilot refuses a negative current: the bridge logs it and goes on.
  r.bus.publish({ type: "sc.limit", connectorId: 1, currentA: -1, source: "ocpp" });
  r.bus.publish({ type: "sc.limit", connectorId: 3, currentA: 6, source: "ocpp" });
  r.bus.publish({ type: "sc.limit", connectorId: 1, currentA: 8, source: "ocpp" });
  await flush(r, 1);
  assert.equal(r.station.connector(1).pilot.offered, 8);
  assert.deepEqual(take(r).filter((m) => m.type === "log"), [
    log("error", "Cannot limit the current of connector 3: no such connector (1..2)"),
    log("error", "Cannot limit connector 1 to -1 A: Cannot offer -1 A: must be a number >= 0"),
  ]);
  stop();
});
