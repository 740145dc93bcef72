import assert from "node:assert/strict";
import { FakeClock } from "../actors/clock.ts";
import type { Value } from "../config/registry.ts";
import { ConfigStore } from "../config/store.ts";
import type { Connection, ConnectionEvents, Transport } from "../ocpp/transport.ts";
import { memoryLogger } from "./log.ts";
import { type Hardware, Runtime } from "./runtime.ts";

const BOOT_INFO = { chargePointVendor: "Acme", chargePointModel: "W1", firmwareVersion: "1" };

/** A store whose disk writes wait until released (the values change at once, as in ConfigStore). */
class HeldStore extends ConfigStore {
  #gate: PromiseWithResolvers<void> | undefined;
  readonly saved: string[] = [];
  hold(): void {
    this.#gate = Promise.withResolvers<void>();
  }
  release(): void {
    this.#gate?.resolve();
    this.#gate = undefined;
  }
  override async set(key: string, value: Value): Promise<void> {
    const write = super.set(key, value);
    await this.#gate?.promise;
    await write;
    this.saved.push(key);
  }
}

/** One connection of the fake transport: what was sent, and its events to fire by hand. */
interface FakeConnection {
  readonly events: ConnectionEvents;
  readonly sent: unknown[][];
  closed: boolean;
}

/** A transport whose connections the test opens, feeds and closes. */
function fakeTransport(): Transport & { readonly connections: FakeConnection[] } {
  const connections: FakeConnection[] = [];
  return {
    connections,
    connect(_opts, events): Connection {
      const c: FakeConnection = { events, sent: [], closed: false };
      connections.push(c);
      return {
        send: (text) => c.sent.push(JSON.parse(text)),
        // Like a real socket, the close event comes later, not from close() itself.
        close: () => void (c.closed = true),
      };
    },
  };
}

const noHardware: Hardware = { connectorCount: 1, start: () => Promise.resolve(() => {}) };

/** Lets promise callbacks and queued microtasks run. */
async function settle(): Promise<void> {
  for (let i = 0; i < 5; i++) await new Promise((r) => setTimeout(r, 0));
}

async function started() {
  const store = new HeldStore();
  await store.apply(store.validateSettings({
    backendConnectionType: "ethernet",
    backendUrl: "ws://127.0.0.1:1",
    chargePointId: "CP-1",
    HeartbeatInterval: 300,
  }));
  const transport = fakeTransport();
  const logs: string[] = [];
  const cp = new Runtime({
    store,
    clock: new FakeClock(),
    transport,
    hardware: noHardware,
    logger: memoryLogger(logs),
    bootInfo: BOOT_INFO,
  }).start();
  await settle();
  return { store, transport, cp, logs };
}

/** Opens connection `n` and accepts its BootNotification. */
async function boot(t: Awaited<ReturnType<typeof started>>, n: number): Promise<FakeConnection> {
  const c = t.transport.connections[n];
  assert.ok(c, `connection ${n} was opened`);
  c.events.onOpen("ocpp1.6");
  const call = c.sent.find((f) => f[0] === 2 && f[2] === "BootNotification");
  assert.ok(call, "BootNotification sent");
  const time = new Date().toISOString();
  c.events.onMessage(
    JSON.stringify([3, call[1], { status: "Accepted", currentTime: time, interval: 300 }]),
  );
  await settle();
  return c;
}

Deno.test("Runtime restarts for Reset only once the settings written before it are on disk", async () => {
  const t = await started();
  const first = await boot(t, 0);
  t.store.hold();
  first.events.onMessage(
    JSON.stringify([2, "a1", "ChangeAvailability", { connectorId: 1, type: "Inoperative" }]),
  );
  first.events.onMessage(JSON.stringify([2, "r1", "Reset", { type: "Soft" }]));
  await settle();
  assert.deepEqual(first.sent.filter((f) => f[0] === 3).map((f) => [f[1], f[2]]), [
    ["a1", { status: "Accepted" }],
    ["r1", { status: "Accepted" }],
  ]);
  // Stopped and disconnected, but not started again while the write is pending.
  assert.equal(first.closed, true);
  assert.equal(t.cp.restarts, 0);
  assert.equal(t.transport.connections.length, 1);
  assert.equal(t.store.get("InoperativeConnectors"), "1");
  t.store.release();
  await settle();
  assert.ok(t.store.saved.includes("InoperativeConnectors"));
  assert.equal(t.cp.restarts, 1);
  assert.equal(t.transport.connections.length, 2);
  t.cp.stop();
});

Deno.test("Runtime ignores a late close of the connection before a restart", async () => {
  const t = await started();
  const first = await boot(t, 0);
  first.events.onMessage(JSON.stringify([2, "r1", "Reset", { type: "Hard" }]));
  await settle();
  assert.equal(t.cp.restarts, 1);
  const second = t.transport.connections[1]!;
  // The old socket reports its close only now; connection numbers restarted at 1.
  first.events.onClose("closed (1000)");
  first.events.onMessage(JSON.stringify([2, "x1", "GetConfiguration", {}]));
  second.events.onOpen("ocpp1.6");
  assert.deepEqual(second.sent.map((f) => f[2]), ["BootNotification"]);
  assert.deepEqual(first.sent.filter((f) => f[1] === "x1"), []);
  t.cp.stop();
});

Deno.test("Runtime publishes config.changed in bus order; flushed() waits for the disk write", async () => {
  const t = await started();
  const c = await boot(t, 0);
  t.store.hold();
  const seen: string[] = [];
  t.cp.bus.inspect((m) => {
    if (m.type === "config.changed") seen.push(`${m.key}=${m.value}`);
  });
  c.events.onMessage(
    JSON.stringify([2, "c1", "ChangeConfiguration", {
      key: "MeterValueSampleInterval",
      value: "30",
    }]),
  );
  assert.deepEqual(seen, ["MeterValueSampleInterval=30"]);
  assert.equal(t.store.get("MeterValueSampleInterval"), 30);
  assert.equal(t.store.saved.includes("MeterValueSampleInterval"), false);
  let flushed = false;
  t.cp.flushed().then(() => flushed = true);
  await settle();
  assert.equal(flushed, false);
  t.store.release();
  await settle();
  assert.equal(flushed, true);
  assert.ok(t.store.saved.includes("MeterValueSampleInterval"));
  t.cp.stop();
});
