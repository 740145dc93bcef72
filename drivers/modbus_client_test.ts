/**
 * The Modbus client against scripted peers on loopback that misbehave on
 * purpose (CRC errors, garbage, late and stale answers, silence, dropped
 * connections). The conformance against an independent server is in the
 * driver tests (`meter_sdm_test.ts`, `evse_din_test.ts`).
 */
import assert from "node:assert/strict";
import { FakeClock } from "../actors/clock.ts";
import { ModbusClient, ModbusError } from "./modbus_client.ts";
import { crc16, rtuFrame } from "./modbus_frame.ts";

/** A TCP peer answering each request with what `answer` returns (null: silence). */
function scriptedPeer(answer: (req: Uint8Array, n: number) => Uint8Array | null | "close") {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const conns: Deno.Conn[] = [];
  let n = 0;
  const serving = (async () => {
    for await (const conn of listener) {
      conns.push(conn);
      (async () => {
        const buf = new Uint8Array(300);
        try {
          for (;;) {
            const len = await conn.read(buf);
            if (len === null) break;
            const out = answer(buf.slice(0, len), n++);
            if (out === "close") {
              conn.close();
              break;
            }
            if (out) await conn.write(out);
          }
        } catch { /* closed by the client */ }
      })();
    }
  })();
  return {
    port: (listener.addr as Deno.NetAddr).port,
    get requests() {
      return n;
    },
    async close() {
      listener.close();
      for (const c of conns) {
        try {
          c.close();
        } catch { /* closed */ }
      }
      await serving.catch(() => {});
    },
  };
}

/** A Modbus TCP answer to `req` with the given PDU. */
function tcpAnswer(req: Uint8Array, pdu: number[], tidDelta = 0): Uint8Array {
  const tid = ((req[0]! << 8) | req[1]!) + tidDelta;
  return Uint8Array.from([tid >> 8, tid & 0xff, 0, 0, 0, pdu.length + 1, req[6]!, ...pdu]);
}

/** Settles `p` while advancing the fake clock in steps (for timeouts). */
async function settle<T>(clock: FakeClock, p: Promise<T>, stepMs = 100): Promise<T> {
  let done = false;
  p.then(() => done = true, () => done = true);
  for (let i = 0; i < 200 && !done; i++) {
    await new Promise((r) => setTimeout(r, 5));
    clock.advance(stepMs);
  }
  return await p;
}

Deno.test("ModbusClient TCP: reads registers and skips a stale answer of an earlier request", async () => {
  const peer = scriptedPeer((req) => {
    const stale = tcpAnswer(req, [3, 2, 0xde, 0xad], -1);
    return Uint8Array.from([...stale, ...tcpAnswer(req, [3, 4, 0, 42, 0, 7])]);
  });
  const client = new ModbusClient({ kind: "tcp", host: "127.0.0.1", port: peer.port }, {
    clock: new FakeClock(),
  });
  try {
    assert.deepEqual(await client.readHolding(1, 1000, 2), [42, 7]);
    assert.equal(client.stats.retries, 0);
  } finally {
    client.close();
    await peer.close();
  }
});

Deno.test("ModbusClient TCP: an exception answer rejects at once with its code, not retried", async () => {
  const peer = scriptedPeer((req) => tcpAnswer(req, [0x83, 2]));
  const client = new ModbusClient({ kind: "tcp", host: "127.0.0.1", port: peer.port }, {
    clock: new FakeClock(),
  });
  try {
    await assert.rejects(
      client.readHolding(1, 9999, 1),
      (e: unknown) =>
        e instanceof ModbusError && e.kind === "exception" && e.exceptionCode === 2 &&
        /exception 2 \(illegal data address\) from unit 1/.test(e.message),
    );
    assert.equal(peer.requests, 1);
  } finally {
    client.close();
    await peer.close();
  }
});

Deno.test("ModbusClient TCP: garbage and a dropped connection are retried on a new connection", async () => {
  const peer = scriptedPeer((req, n) => {
    if (n === 0) return Uint8Array.from([0x12, 0x34, 0x99, 0x99, 0, 3, 1, 3, 0]);
    if (n === 1) return "close";
    return tcpAnswer(req, [3, 2, 0, 5]);
  });
  const client = new ModbusClient({ kind: "tcp", host: "127.0.0.1", port: peer.port }, {
    clock: new FakeClock(),
    retries: 2,
  });
  try {
    assert.deepEqual(await client.readHolding(1, 0, 1), [5]);
    assert.equal(client.stats.retries, 2);
  } finally {
    client.close();
    await peer.close();
  }
});

Deno.test("ModbusClient TCP: a silent device times out on the clock after every attempt", async () => {
  const peer = scriptedPeer(() => null);
  const clock = new FakeClock();
  const client = new ModbusClient({ kind: "tcp", host: "127.0.0.1", port: peer.port }, {
    clock,
    timeoutMs: 500,
    retries: 1,
  });
  try {
    await assert.rejects(
      settle(clock, client.readInput(1, 0, 2)),
      (e: unknown) =>
        e instanceof ModbusError && e.kind === "timeout" &&
        /unit 1: no answer within 500 ms \(2 attempts\)/.test(e.message),
    );
    assert.equal(client.stats.failures, 1);
  } finally {
    client.close();
    await peer.close();
  }
});

Deno.test("ModbusClient RTU over TCP: a CRC error is retried, a good frame then accepted", async () => {
  const good = rtuFrame(3, Uint8Array.from([4, 4, 0x43, 0x66, 0, 0]));
  const bad = good.slice();
  bad[3]! ^= 0xff;
  const peer = scriptedPeer((_req, n) => n === 0 ? bad : good);
  const client = new ModbusClient({ kind: "rtu-tcp", host: "127.0.0.1", port: peer.port }, {
    clock: new FakeClock(),
  });
  try {
    assert.deepEqual(await client.readInput(3, 0, 2), [0x4366, 0]);
    assert.equal(client.stats.retries, 1);
    assert.equal(crc16(good), 0);
  } finally {
    client.close();
    await peer.close();
  }
});

Deno.test("ModbusClient RTU: a late answer of another unit on the line is skipped", async () => {
  const late = rtuFrame(2, Uint8Array.from([3, 2, 0, 9]));
  const good = rtuFrame(3, Uint8Array.from([4, 4, 0x43, 0x66, 0, 0]));
  const peer = scriptedPeer(() => Uint8Array.from([...late, ...good]));
  const client = new ModbusClient({ kind: "rtu-tcp", host: "127.0.0.1", port: peer.port }, {
    clock: new FakeClock(),
  });
  try {
    assert.deepEqual(await client.readInput(3, 0, 2), [0x4366, 0]);
    assert.equal(client.stats.retries, 0);
    await client.idle();
  } finally {
    client.close();
    await peer.close();
  }
});

Deno.test("ModbusClient RTU over TCP: CRC errors on every attempt reject as crc, naming the device", async () => {
  const peer = scriptedPeer(() => Uint8Array.from([3, 4, 4, 1, 2, 3, 4, 0, 0]));
  const client = new ModbusClient({ kind: "rtu-tcp", host: "127.0.0.1", port: peer.port }, {
    clock: new FakeClock(),
    retries: 1,
  });
  try {
    await assert.rejects(
      client.readInput(3, 0, 2),
      (e: unknown) =>
        e instanceof ModbusError && e.kind === "crc" &&
        new RegExp(`RTU over TCP 127.0.0.1:${peer.port} unit 3: CRC error`).test(e.message),
    );
  } finally {
    client.close();
    await peer.close();
  }
});

Deno.test("ModbusClient: a refused connection rejects as connect; close() rejects what waits", async () => {
  const probe = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (probe.addr as Deno.NetAddr).port;
  probe.close();
  const clock = new FakeClock();
  const refused = new ModbusClient({ kind: "tcp", host: "127.0.0.1", port }, { clock, retries: 0 });
  await assert.rejects(
    refused.readHolding(1, 0, 1),
    (e: unknown) => e instanceof ModbusError && e.kind === "connect",
  );
  refused.close();

  const peer = scriptedPeer(() => null);
  const client = new ModbusClient({ kind: "tcp", host: "127.0.0.1", port: peer.port }, { clock });
  const pending = client.readHolding(1, 0, 1);
  await new Promise((r) => setTimeout(r, 20));
  client.close();
  await assert.rejects(pending, (e: unknown) => e instanceof ModbusError && e.kind === "closed");
  await assert.rejects(client.readHolding(1, 0, 1), /client closed/);
  await peer.close();
});
