/**
 * The EVSE DIN board driver against an independent Modbus server (Debian's
 * python3-pymodbus, `tests/modbus_peer.py`, the board at unit 2) over
 * Modbus TCP and RTU on a pseudo-terminal pair: the relay, pilot and fault
 * conformance suites, the charging current, a lost and recovered board, a
 * board that restarted, a stuck contactor.
 */
import assert from "node:assert/strict";
import { FakeClock } from "../actors/clock.ts";
import { EvseDinBoard } from "./evse_din.ts";
import { ModbusClient } from "./modbus_client.ts";
import type { EvState } from "./pilot.ts";
import type { FaultCode } from "./fault.ts";
import { runFaultConformance } from "./fault_conformance.ts";
import { runPilotConformance } from "./pilot_conformance.ts";
import { runRelayConformance } from "./relay_conformance.ts";
import { ModbusPeer, type PeerMode } from "../tests/_modbus_peer.ts";

const UNIT = 2;
const VEHICLE: Record<EvState, number> = { A: 1, B: 2, C: 3, E: 5, F: 0 };
const BITS: Partial<Record<FaultCode, number>> = { GroundFailure: 16, EVCommunicationError: 2 };

async function rig(mode: PeerMode) {
  const clock = new FakeClock();
  const peer = await ModbusPeer.start(mode);
  const client = new ModbusClient(peer.target, { clock, timeoutMs: 1000, retries: 1 });
  const logs: string[] = [];
  const board = new EvseDinBoard(client, {
    clock,
    unit: UNIT,
    maxCurrentA: 16,
    log: (level, text) => logs.push(`${level}: ${text}`),
  });
  await board.poll();
  return {
    peer,
    board,
    clock,
    logs,
    /** The board's configured current as the peer holds it. */
    amps: async () => (await peer.registers(UNIT, 1000, 1))[0],
    drive: async (state: EvState) => {
      if (state === "F") await peer.send({ mode: { unit: UNIT, mode: "exception" } });
      else {
        await peer.send({ mode: { unit: UNIT, mode: "ok" }, board: { vehicle: VEHICLE[state] } });
      }
      await board.poll();
    },
    async close() {
      board.stop();
      client.close();
      await peer[Symbol.asyncDispose]();
    },
  };
}

for (const mode of ["tcp", "rtu"] as const) {
  const name = `EvseDinBoard over ${mode}`;
  runRelayConformance(name, async () => {
    const r = await rig(mode);
    return {
      driver: r.board.relay,
      failNextSet: async () => void await r.peer.send({ board: { fail_writes: 1 } }),
      close: () => r.close(),
    };
  }, { failures: true });
  runPilotConformance(name, async () => {
    const r = await rig(mode);
    return { driver: r.board.pilot, drive: r.drive, close: () => r.close() };
  }, { drive: true, offer: true });
  runFaultConformance(name, async () => {
    const r = await rig(mode);
    return {
      driver: r.board.faults,
      raise: async (code) => {
        await r.peer.send({ board: { status: BITS[code] ?? 0 } });
        await r.board.poll();
      },
      clear: async () => {
        await r.peer.send({ board: { status: 0 } });
        await r.board.poll();
      },
      close: () => r.close(),
    };
  }, { inject: true, codes: ["GroundFailure", "EVCommunicationError"] });
}

Deno.test("EvseDinBoard: the relay writes the charging current, the smart charging limit lowers it", async () => {
  const r = await rig("tcp");
  try {
    await r.board.relay.set(true);
    assert.equal(await r.amps(), 16, "the installation's maximum");
    await r.board.pilot.offer(10);
    assert.equal(await r.amps(), 10, "applied at once while charging");
    await r.board.pilot.offer(32);
    assert.equal(await r.amps(), 16, "never above the installation's maximum");
    await r.board.pilot.offer(4);
    assert.equal(await r.amps(), 0, "below 6 A the EV waits");
    await r.board.pilot.offer(null);
    await r.board.relay.set(false);
    assert.equal(await r.amps(), 0);
    await r.board.pilot.offer(8);
    assert.equal(await r.amps(), 0, "a limit does not start charging");
    await assert.rejects(r.board.pilot.offer(-1), /must be >= 0 A/);
  } finally {
    await r.close();
  }
});

Deno.test("EvseDinBoard: a silent board is F and InternalError, logged once; it recovers when it answers", async () => {
  const r = await rig("rtu");
  try {
    await r.drive("B");
    const faults: (string | null)[] = [];
    r.board.faults.onChange((f) => faults.push(f?.errorCode ?? null));
    await r.peer.send({ mode: { unit: UNIT, mode: "silent" } });
    for (let i = 0; i < 2; i++) {
      const polled = r.board.poll();
      let done = false;
      polled.finally(() => done = true);
      while (!done) {
        await new Promise((res) => setTimeout(res, 5));
        r.clock.advance(250);
      }
    }
    assert.equal(r.board.pilot.state, "F");
    assert.deepEqual(r.board.faults.current, {
      errorCode: "InternalError",
      info: "EVSE board unit 2 not answering",
    });
    const lost = r.logs.filter((l) => /lost: .*no answer within 1000 ms/.test(l));
    assert.equal(lost.length, 1, r.logs.join("\n"));
    await r.peer.send({ mode: { unit: UNIT, mode: "ok" } });
    await r.board.poll();
    assert.equal(r.board.pilot.state, "B");
    assert.equal(r.board.faults.current, null);
    assert.deepEqual(faults, ["InternalError", null]);
    assert.ok(r.logs.includes("info: EVSE board unit 2 answers again"));
  } finally {
    await r.close();
  }
});

Deno.test("EvseDinBoard: a board that restarted gets its current written again", async () => {
  const r = await rig("tcp");
  try {
    await r.board.relay.set(false);
    await r.peer.send({ set: { unit: UNIT, address: 1000, values: [16] } });
    await r.board.poll();
    await r.board.relay.set(false); // waits for the queued write
    assert.equal(await r.amps(), 0, "a restarted board must not charge on its own");
    assert.ok(r.logs.some((l) => /holds 16 A instead of 0 A/.test(l)), r.logs.join("\n"));
  } finally {
    await r.close();
  }
});

Deno.test("EvseDinBoard: garbage in the vehicle state and a stuck contactor are faults", async () => {
  const r = await rig("tcp");
  try {
    await r.board.relay.set(false);
    await r.peer.send({ board: { vehicle: 9 } });
    await r.board.poll();
    assert.equal(r.board.faults.current?.errorCode, "InternalError");
    assert.ok(r.logs.some((l) => /vehicle state 9 is not 1-5/.test(l)));
    await r.peer.send({ board: { vehicle: 3, relay_stuck: true } });
    await r.board.poll();
    assert.equal(r.board.faults.current, null, "one poll may see the contactor still opening");
    await r.board.poll();
    assert.deepEqual(r.board.faults.current, {
      errorCode: "PowerSwitchFailure",
      info: "contactor on while charging is off",
    });
  } finally {
    await r.close();
  }
});

Deno.test("EvseDinBoard: a firmware without register 1007 is read without it, not lost", async () => {
  const r = await rig("tcp");
  try {
    await r.peer.send({ old_firmware: true, board: { vehicle: 2 } });
    await r.board.poll();
    assert.equal(r.board.pilot.state, "B");
    assert.equal(r.board.faults.current, null);
    assert.ok(r.logs.some((l) => /has no register 1007/.test(l)), r.logs.join("\n"));
    await r.peer.send({ board: { vehicle: 3 } });
    await r.board.poll();
    assert.equal(r.board.pilot.state, "C");
  } finally {
    await r.close();
  }
});
