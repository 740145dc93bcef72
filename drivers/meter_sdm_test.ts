/**
 * The SDM630 driver against an independent Modbus server (Debian's
 * python3-pymodbus, `tests/modbus_peer.py`) over Modbus TCP, RTU over TCP
 * and RTU on a pseudo-terminal pair: the meter conformance suite, and bad
 * readings (missing, out of range, a meter reset to zero, no answer).
 */
import assert from "node:assert/strict";
import { FakeClock } from "../actors/clock.ts";
import { runMeterConformance } from "./meter_conformance.ts";
import { SdmMeter } from "./meter_sdm.ts";
import { ModbusClient } from "./modbus_client.ts";
import { ModbusPeer, type PeerMode } from "../tests/_modbus_peer.ts";

/** A meter on a fresh peer. */
async function rig(mode: PeerMode, clock = new FakeClock()) {
  const peer = await ModbusPeer.start(mode);
  const client = new ModbusClient(peer.target, { clock, timeoutMs: 1000, retries: 1 });
  const meter = new SdmMeter(client, { unit: 1 });
  return {
    peer,
    client,
    meter,
    clock,
    async close() {
      client.close();
      await peer[Symbol.asyncDispose]();
    },
  };
}

/** Current per phase for a load of `w` watts at about 230 V. */
const load = (w: number) => ({ power_w: w, current: [w / 690, w / 690, w / 690] });

for (const mode of ["tcp", "rtu-tcp", "rtu"] as const) {
  runMeterConformance(`SdmMeter over ${mode}`, async () => {
    const r = await rig(mode);
    return {
      driver: r.meter,
      draw: async (w) => void await r.peer.send({ meter: load(w) }),
      wait: async (ms) => void await r.peer.send({ advance_ms: ms }),
      failReads: async (failing) =>
        void await r.peer.send({ mode: { unit: 1, mode: failing ? "exception" : "ok" } }),
      close: () => r.close(),
    };
  }, { flow: true, failures: true, phases: true });
}

Deno.test("SdmMeter reads import energy, power, and voltage and current per phase", async () => {
  const r = await rig("tcp");
  try {
    await r.peer.send({
      meter: { energy_kwh: 12.5, power_w: 6900, voltage: [230, 231, 229], current: [10, 10, 10] },
    });
    assert.deepEqual(await r.meter.read(), {
      wh: 12_500,
      w: 6900,
      phases: { currentA: [10, 10, 10], voltageV: [230, 231, 229] },
    });
    const latest = r.meter.latest!;
    assert.deepEqual(latest.voltageV, [230, 231, 229]);
    assert.deepEqual(latest.currentA, [10, 10, 10]);
    assert.ok(Math.abs(latest.powerW[0] - 2300) < 1, `L1 power ${latest.powerW[0]}`);
  } finally {
    await r.close();
  }
});

Deno.test("SdmMeter: a meter reset to zero is a fault, never energy; it recovers above the last register", async () => {
  const r = await rig("rtu");
  try {
    await r.peer.send({ meter: { energy_kwh: 1000 } });
    assert.equal((await r.meter.read()).wh, 1_000_000);
    await r.peer.send({ meter: { energy_kwh: 0 } });
    await assert.rejects(
      r.meter.read(),
      /SDM630 at unit 1: energy register went down from 1000000 Wh to 0 Wh \(meter reset or replaced\?\)/,
    );
    assert.equal(r.meter.latest!.wh, 1_000_000, "the last good reading stays");
    await r.peer.send({ meter: { energy_kwh: 1000.25 } });
    assert.equal((await r.meter.read()).wh, 1_000_250);
  } finally {
    await r.close();
  }
});

Deno.test("SdmMeter: missing (NaN) and out-of-range values are faults with the register named", async () => {
  const r = await rig("rtu-tcp");
  try {
    await r.peer.send({ mode: { unit: 1, mode: "nan" } });
    await assert.rejects(r.meter.read(), /import energy is missing \(NaN\); reading not used/);
    await r.peer.send({ mode: { unit: 1, mode: "ok" } });
    await r.peer.send({ meter: { current: [10, 120, 10] } });
    await assert.rejects(r.meter.read(), /current L2 120 A is out of range/);
    await r.peer.send({ meter: { current: [0, 0, 0], voltage: [230, 420, 230] } });
    await assert.rejects(r.meter.read(), /voltage L2 420 V is out of range/);
    await r.peer.send({ meter: { voltage: [230, 230, 230], power_w: 90_000 } });
    await assert.rejects(r.meter.read(), /total power 90000 W is out of range/);
    await r.peer.send({ meter: { power_w: -3000 } });
    await assert.rejects(r.meter.read(), /energy flows out/);
    await r.peer.send({ meter: { power_w: -20 } });
    assert.equal((await r.meter.read()).w, 0, "measuring noise around 0 W reads as 0 W");
  } finally {
    await r.close();
  }
});

Deno.test("SdmMeter: a silent meter rejects after the timeouts on the clock", async () => {
  const r = await rig("rtu");
  try {
    await r.peer.send({ mode: { unit: 1, mode: "silent" } });
    const reading = r.meter.read();
    let done = false;
    reading.catch(() => {}).finally(() => done = true);
    for (let i = 0; i < 100 && !done; i++) {
      await new Promise((res) => setTimeout(res, 5));
      r.clock.advance(250);
    }
    await assert.rejects(reading, /SDM630 at unit 1: RTU .* unit 1: no answer within 1000 ms/);
    await r.peer.send({ mode: { unit: 1, mode: "ok" } });
    assert.equal((await r.meter.read()).wh, 1_234_500, "answers again");
  } finally {
    await r.close();
  }
});
