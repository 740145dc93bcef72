/**
 * Scenario tests on the real drivers: the whole runtime, started the way
 * `main.ts` starts it from the `hardware` setting, against the strict
 * ocpp-rpc Central System, with the SDM630 meter and the EVSE DIN board on
 * one Modbus RTU line (a pseudo-terminal pair to the pymodbus server of
 * `modbus_peer.py`) and the evdev RFID reader reading a FIFO.
 */
import assert from "node:assert/strict";
import { FakeClock } from "../actors/clock.ts";
import type { BusMessage } from "../actors/messages.ts";
import { typeEvents } from "../drivers/rfid_evdev.ts";
import { memoryLogger } from "../runtime/log.ts";
import type { RealHardware } from "../runtime/real_hardware.ts";
import { openHardware } from "../main.ts";
import { Csms } from "./csms.ts";
import { openWallboxStore, startRuntime, stepClock } from "./harness.ts";
import type { Runtime } from "../runtime/runtime.ts";
import { ModbusPeer } from "./_modbus_peer.ts";

/** The card: UID 04 A2 B3 C4, typed by the reader as a decimal number. */
const CARD = "04A2B3C4";
const TYPED = BigInt(`0x${CARD}`).toString(10);

async function startRealRig() {
  const peer = await ModbusPeer.start("rtu");
  const dataDir = await Deno.makeTempDir({ prefix: "cp-real-" });
  const fifo = `${dataDir}/event7`;
  assert.ok((await new Deno.Command("mkfifo", { args: [fifo] }).output()).success);
  const csms = await Csms.start();
  const clock = new FakeClock(Date.now());
  csms.now = () => clock.now();
  const target = peer.target as { device: string };
  const store = await openWallboxStore(dataDir, {
    backendUrl: csms.url,
    chargePointId: "CP-REAL-1",
    settings: {
      MeterValueSampleInterval: 60,
      hardware: {
        modbus: { rs485: { type: "rtu", device: target.device, timeoutMs: 500, retries: 1 } },
        meterPollMs: 1000,
        connectors: [{
          meter: { driver: "sdm630", bus: "rs485", unit: 1 },
          evse: { driver: "evse-din", bus: "rs485", unit: 2, maxCurrentA: 16, pollMs: 1000 },
        }],
        rfid: { driver: "evdev", device: fifo, format: { input: "decimal" } },
      },
    },
  });
  const logs: string[] = [];
  const logger = memoryLogger(logs, () => []);
  const hardware = await openHardware(
    store,
    dataDir,
    (l, t) => logger.log(l, t),
    clock,
  ) as RealHardware;
  assert.equal(hardware.meterType, "Eastron SDM630", "the real drivers were loaded");
  const messages: BusMessage[] = [];
  const cp = startRuntime({ store, clock, hardware, logger, inspect: (m) => messages.push(m) });
  const writer = await Deno.open(fifo, { write: true });
  await csms.next("StatusNotification", 0, (p) => p.connectorId === 1);
  return {
    peer,
    csms,
    cp,
    clock,
    logs,
    messages,
    hardware,
    /** The board's vehicle state register: 1 A, 2 B, 3 C. */
    vehicle: (v: number) => peer.send({ board: { vehicle: v } }),
    tap: async () => void await writer.write(typeEvents(TYPED)),
    amps: async () => (await peer.registers(2, 1000, 1))[0],
    /** Advances the clock second by second, each step once the Modbus line is quiet (at most 300 ms). */
    async advance(ms: number) {
      for (let left = ms; left > 0; left -= 1000) {
        await quiet(hardware);
        await stepClock(clock, Math.min(1000, left));
      }
    },
    async [Symbol.asyncDispose]() {
      cp.stop();
      await cp.flushed();
      await hardware.close();
      writer.close();
      await csms.close();
      await peer[Symbol.asyncDispose]();
      await Deno.remove(dataDir, { recursive: true });
    },
  };
}

/** Resolves once every CALL of the Charge Point was answered. */
async function rpcIdleOf(cp: Runtime, csms: Csms): Promise<void> {
  await csms.until(() => {
    const s = cp.bus.snapshot("rpc");
    return s.inflight === undefined && s.queue.length === 0;
  }, "the Charge Point's CALLs to be answered");
}

/**
 * Waits until no Modbus request is in flight, or 300 ms of real time: the
 * peer answers in milliseconds of real time while the fake clock would time
 * a request out in one step. A silent device is timed out by the next step.
 */
async function quiet(hardware: RealHardware): Promise<void> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  await Promise.race([
    Promise.all([...hardware.clients.values()].map((c) => c.idle())),
    new Promise((r) => timer = setTimeout(r, 300)),
  ]);
  clearTimeout(timer);
}

type RealRig = Awaited<ReturnType<typeof startRealRig>>;

/** Waits for a CALL while the clock runs second by second (the drivers poll on it). */
async function call(
  rig: RealRig,
  action: string,
  from: number,
  match: (p: Record<string, unknown>) => boolean = () => true,
) {
  for (let i = 0; i < 30; i++) {
    if (rig.csms.all(action, from).some((r) => match(r.params))) break;
    await rig.advance(1000);
  }
  try {
    return await rig.csms.next(action, from, match);
  } catch (err) {
    const seen = rig.csms.received.map((r) => `${r.action} ${JSON.stringify(r.params)}`);
    throw new Error(
      `${(err as Error).message}\n${seen.join("\n")}\n${
        rig.logs.filter((l) => !l.startsWith("debug")).join("\n")
      }`,
    );
  }
}

/** Waits for a StatusNotification of connector 1 with status `s`. */
function status(rig: RealRig, from: number, s: string) {
  return call(rig, "StatusNotification", from, (p) => p.status === s && p.connectorId === 1);
}

Deno.test("TC_003 Regular Charging Session - Plugin First, on the Modbus meter and EVSE board and the evdev reader", async () => {
  await using rig = await startRealRig();
  const { csms } = rig;
  const m = csms.mark;
  await rig.vehicle(2);
  await status(rig, m, "Preparing");
  await rig.tap();
  const auth = await call(rig, "Authorize", m);
  assert.deepEqual(auth.params, { idTag: CARD });
  const start = await call(rig, "StartTransaction", m);
  assert.equal(start.params.idTag, CARD);
  assert.equal(start.params.meterStart, 1_234_500, "the SDM630's import register, Wh");
  await rpcIdleOf(rig.cp, csms);
  await rig.advance(1000);
  assert.equal(await rig.amps(), 16, "the board offers the installation's 16 A");
  await rig.vehicle(3);
  await status(rig, m, "Charging");
  await rig.peer.send({ meter: { power_w: 7400, current: [10.7, 10.7, 10.7] } });
  await rig.peer.send({ advance_ms: 60_000 });
  await rig.advance(2000);
  await rig.tap();
  const stop = await call(rig, "StopTransaction", m);
  assert.equal(stop.params.reason, "Local");
  assert.equal(stop.params.meterStop, 1_234_623, "7.4 kW for a minute: 123 Wh");
  await rpcIdleOf(rig.cp, csms);
  await rig.advance(1000);
  assert.equal(await rig.amps(), 0, "charging off on the board");
  await rig.vehicle(1);
  await status(rig, stop.seq, "Available");
  assert.deepEqual(csms.invalid, []);
});

Deno.test("Real drivers: a meter reset to zero and a lost board are faults; the transaction ends at the last good register", async () => {
  await using rig = await startRealRig();
  const { csms } = rig;
  const m = csms.mark;
  await rig.vehicle(3);
  await rig.tap();
  const start = await call(rig, "StartTransaction", m);
  await status(rig, m, "Charging");
  // The meter restarts at zero: a fault (the runtime stops charging on a fault), never energy.
  const reset = csms.mark;
  await rig.peer.send({ meter: { energy_kwh: 0 } });
  const faulted = await status(rig, reset, "Faulted");
  assert.equal(faulted.params.errorCode, "PowerMeterFailure");
  assert.match(String(faulted.params.info), /^SDM630 at unit 1: energy register went down/);
  assert.ok(rig.logs.some((l) => /energy register went down from 1234500 Wh to 0 Wh/.test(l)));
  const stop = await call(rig, "StopTransaction", m);
  assert.equal(start.params.meterStart, 1_234_500);
  assert.equal(stop.params.meterStop, 1_234_500, "the last good register, never 0");
  assert.equal(await rig.amps(), 0, "charging off on the board");
  // The register is back above the last good one: the fault clears.
  await rig.peer.send({ meter: { energy_kwh: 1234.6 } });
  await call(rig, "StatusNotification", faulted.seq + 1, (p) => p.errorCode === "NoError");
  // The board stops answering: Faulted with InternalError until it answers again.
  const lost = csms.mark;
  await rig.peer.send({ mode: { unit: 2, mode: "silent" } });
  const gone = await status(rig, lost, "Faulted");
  assert.equal(gone.params.errorCode, "InternalError");
  assert.equal(gone.params.info, "EVSE board unit 2 not answering");
  assert.ok(rig.logs.some((l) => /EVSE board unit 2 lost: .*no answer within 500 ms/.test(l)));
  await rig.peer.send({ mode: { unit: 2, mode: "ok" } });
  await call(rig, "StatusNotification", gone.seq + 1, (p) => p.errorCode === "NoError");
  assert.ok(rig.logs.includes("info EVSE board unit 2 answers again"), rig.logs.join("\n"));
  assert.equal(csms.all("StopTransaction", m).length, 1, "one transaction, stopped once");
  assert.deepEqual(csms.invalid, []);
});

Deno.test("Real drivers: a TxDefaultProfile's limit reaches the EVSE board while charging", async () => {
  await using rig = await startRealRig();
  const { csms } = rig;
  const m = csms.mark;
  await rig.vehicle(3);
  await rig.tap();
  await call(rig, "StartTransaction", m);
  await status(rig, m, "Charging");
  await rig.advance(1000);
  assert.equal(await rig.amps(), 16);
  const conf = await csms.call("SetChargingProfile", {
    connectorId: 1,
    csChargingProfiles: {
      chargingProfileId: 1,
      stackLevel: 0,
      chargingProfilePurpose: "TxDefaultProfile",
      chargingProfileKind: "Relative",
      chargingSchedule: {
        chargingRateUnit: "A",
        chargingSchedulePeriod: [{ startPeriod: 0, limit: 10 }],
      },
    },
  });
  assert.equal(conf.status, "Accepted");
  for (let i = 0; i < 10 && await rig.amps() !== 10; i++) await rig.advance(1000);
  assert.equal(await rig.amps(), 10, "the board offers the profile's 10 A");
  assert.deepEqual(csms.invalid, []);
});
