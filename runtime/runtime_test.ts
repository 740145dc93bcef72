import assert from "node:assert/strict";
import { FakeClock } from "../actors/clock.ts";
import type { Value } from "../config/registry.ts";
import { ConfigStore } from "../config/store.ts";
import type { Connection, ConnectionEvents, Transport } from "../ocpp/transport.ts";
import { memoryLogger } from "./log.ts";
import { type Hardware, Runtime } from "./runtime.ts";
import { failOnBusError } from "../tests/_bus_errors.ts";
import type { Ctx } from "../actors/bus.ts";
import { transitionRpc } from "../actors/rpc.ts";
import { transitionAuthorization } from "../actors/authorization.ts";
import { transitionTransaction } from "../actors/transaction.ts";
import { transitionSystem } from "../actors/system.ts";

const BOOT_INFO = { chargePointVendor: "Acme", chargePointModel: "W1", firmwareVersion: "1" };

/** A settings store that records its writes and can be made to fail them, as a full or read-only disk does. */
class SpyStore extends ConfigStore {
  readonly saved: string[] = [];
  failing = false;
  override setSync(key: string, value: Value): void {
    if (this.failing) throw new Deno.errors.PermissionDenied("Read-only file system (os error 30)");
    super.setSync(key, value);
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

async function started(production = false) {
  const store = new SpyStore();
  await store.apply(store.validateSettings({
    backendConnectionType: "ethernet",
    backendUrl: "ws://127.0.0.1:1",
    chargePointId: "CP-1",
    HeartbeatInterval: 300,
  }));
  const transport = fakeTransport();
  const logs: string[] = [];
  const clock = new FakeClock();
  const cp = new Runtime({
    store,
    clock,
    transport,
    hardware: noHardware,
    logger: memoryLogger(logs),
    bootInfo: BOOT_INFO,
    ...(production ? {} : { onBusError: failOnBusError }),
  }).start();
  await settle();
  return { store, transport, cp, logs, clock };
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

Deno.test("Runtime restarts for Reset with the settings written before it on disk", async () => {
  const t = await started();
  const first = await boot(t, 0);
  first.events.onMessage(
    JSON.stringify([2, "a1", "ChangeAvailability", { connectorId: 1, type: "Inoperative" }]),
  );
  // Written synchronously: on disk before the next message is handled.
  assert.ok(t.store.saved.includes("InoperativeConnectors"));
  first.events.onMessage(JSON.stringify([2, "r1", "Reset", { type: "Soft" }]));
  await settle();
  assert.deepEqual(first.sent.filter((f) => f[0] === 3).map((f) => [f[1], f[2]]), [
    ["a1", { status: "Accepted" }],
    ["r1", { status: "Accepted" }],
  ]);
  assert.equal(first.closed, true);
  assert.equal(t.cp.restarts, 1);
  assert.equal(t.transport.connections.length, 2);
  assert.equal(t.store.get("InoperativeConnectors"), "1");
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

Deno.test("Runtime answers ChangeConfiguration Accepted once stored, before the new key reconnects", async () => {
  const t = await started();
  const c = await boot(t, 0);
  const seen: string[] = [];
  t.cp.bus.inspect((m) => {
    if (m.type === "ws.send") seen.push(`sent ${m.text}`);
    if (m.type === "ws.connect" || m.type === "ws.disconnect") seen.push(m.type);
    if (m.type === "config.write") {
      seen.push(`write ${m.key} saved=${t.store.saved.includes(m.key)}`);
    }
    if (m.type === "config.written") {
      seen.push(`written ${m.key} saved=${t.store.saved.includes(m.key)}`);
    }
  });
  const key = "00112233445566778899aabbccddeeff";
  c.events.onMessage(
    JSON.stringify([2, "c1", "ChangeConfiguration", { key: "AuthorizationKey", value: key }]),
  );
  assert.deepEqual(seen.slice(0, 3), [
    "write AuthorizationKey saved=false",
    "written AuthorizationKey saved=true",
    `sent [3,"c1",{"status":"Accepted"}]`,
  ]);
  assert.ok(seen.indexOf("ws.connect") > 2, seen.join("; "));
  assert.equal(t.store.get("AuthorizationKey"), key);
  t.cp.stop();
});

Deno.test("Runtime answers ChangeConfiguration Rejected and keeps the old value when the settings cannot be written", async () => {
  const t = await started();
  const c = await boot(t, 0);
  const changed: string[] = [];
  t.cp.bus.subscribe("config.changed", (m) => changed.push(m.key));
  const before = t.store.get("MeterValueSampleInterval");
  t.store.failing = true;
  c.events.onMessage(
    JSON.stringify([2, "c1", "ChangeConfiguration", {
      key: "MeterValueSampleInterval",
      value: "30",
    }]),
  );
  assert.deepEqual(c.sent.filter((f) => f[1] === "c1"), [[3, "c1", { status: "Rejected" }]]);
  assert.deepEqual(changed, []);
  assert.equal(t.store.get("MeterValueSampleInterval"), before);
  assert.ok(t.logs.some((l) => l.includes("Cannot store setting MeterValueSampleInterval")));
  t.cp.stop();
});

Deno.test("Runtime answers ChangeAvailability Rejected and keeps the connector operative when InoperativeConnectors cannot be written", async () => {
  const t = await started();
  const c = await boot(t, 0);
  const statuses: string[] = [];
  t.cp.bus.subscribe("status.changed", (m) => statuses.push(`${m.connectorId}:${m.status}`));
  const availability: unknown[] = [];
  t.cp.bus.subscribe("availability.changed", (m) => availability.push(m));
  t.store.failing = true;
  c.events.onMessage(
    JSON.stringify([2, "a1", "ChangeAvailability", { connectorId: 1, type: "Inoperative" }]),
  );
  // Section 5.2: Unavailable must survive a reboot; not stored, not done.
  assert.deepEqual(c.sent.filter((f) => f[1] === "a1"), [[3, "a1", { status: "Rejected" }]]);
  assert.deepEqual(statuses, []);
  assert.deepEqual(availability, []);
  assert.equal(t.store.get("InoperativeConnectors"), "");
  assert.equal(t.cp.bus.snapshot("connector_status").connectors[1]!.operative, true);
  assert.ok(t.logs.some((l) => l.includes("Cannot store setting InoperativeConnectors")));
  // Once the disk works again the same request is Accepted and stored.
  t.store.failing = false;
  c.events.onMessage(
    JSON.stringify([2, "a2", "ChangeAvailability", { connectorId: 1, type: "Inoperative" }]),
  );
  assert.deepEqual(c.sent.filter((f) => f[1] === "a2"), [[3, "a2", { status: "Accepted" }]]);
  assert.deepEqual(statuses, ["1:Unavailable"]);
  assert.equal(t.store.get("InoperativeConnectors"), "1");
  t.cp.stop();
});

Deno.test("Runtime in production: an error inside the bus is logged and faults the charge point (connector 0)", async () => {
  const t = await started(true);
  const c = await boot(t, 0);
  const faults: unknown[] = [];
  t.cp.bus.subscribe("hw.fault", (m) => faults.push(m));
  let broken = true;
  t.cp.bus.inspect((m) => {
    if (broken && m.type === "ocpp.request") {
      broken = false;
      throw new TypeError("a broken tap");
    }
  });
  c.events.onMessage(JSON.stringify([2, "d1", "DataTransfer", { vendorId: "x" }]));
  await settle();
  assert.ok(t.logs.some((l) => l.includes("Internal error in tap on ocpp.request: a broken tap")));
  assert.deepEqual(faults, [{
    type: "hw.fault",
    connectorId: 0,
    errorCode: "InternalError",
    info: "Internal error: charging stopped",
  }]);
  // The tap is fine now: the bus goes on, in its fault state.
  c.events.onMessage(JSON.stringify([2, "d2", "DataTransfer", { vendorId: "x" }]));
  assert.ok(c.sent.some((f) => f[0] === 3 && f[1] === "d2"));
  t.cp.stop();
});

/**
 * What each actor that acts on "the boot is Accepted" decides now, asked
 * with a probe through its pure transition on its current state (nothing
 * changes): rpc takes a Heartbeat or fails it Offline, authorization asks
 * the Central System or decides offline, transaction and system reject a
 * remote stop and a triggered Heartbeat until the boot is Accepted.
 */
function bootViews(t: Awaited<ReturnType<typeof started>>): Record<string, boolean> {
  const bus = t.cp.bus;
  // The context the bus gives a transition now.
  const ctx: Ctx = {
    now: t.clock.now(),
    config: t.store.view,
    backend: bus.snapshot("connection").phase,
  };
  const [, rpc] = transitionRpc(
    bus.snapshot("rpc"),
    {
      type: "ocpp.call",
      action: "Heartbeat",
      payload: {},
    },
    ctx,
    bus.handledActions(),
  );
  const [, auth] = transitionAuthorization(bus.snapshot("authorization"), {
    type: "auth.request",
    idTag: "PROBE-TAG",
    connectorId: 1,
    purpose: "start",
  }, ctx);
  const [, tx] = transitionTransaction(bus.snapshot("transaction"), {
    type: "ocpp.request",
    id: "probe",
    action: "RemoteStopTransaction",
    payload: { transactionId: 999 },
  }, ctx);
  const [, system] = transitionSystem(bus.snapshot("system"), {
    type: "ocpp.request",
    id: "probe",
    action: "TriggerMessage",
    payload: { requestedMessage: "Heartbeat" },
  }, ctx);
  return {
    // Queued (sent once the CALL in flight is answered) or sent, rather than failed Offline.
    rpc: !rpc.some((e) => e.type === "ocpp.failed"),
    authorization: auth.some((e) => e.type === "ocpp.call" && e.action === "Authorize"),
    transaction: !tx.some((e) => e.type === "log" && e.text.includes("boot is not Accepted")),
    system: system.some((e) =>
      e.type === "ocpp.reply" && "status" in e.payload && e.payload.status === "Accepted"
    ),
  };
}

Deno.test("Runtime: rpc, authorization, transaction and system agree with the supervisor on the boot, across a reconnect and a Pending boot", async () => {
  const t = await started();
  const agree = (booted: boolean, step: string) => {
    assert.equal(t.cp.bus.snapshot("connection").phase === "accepted", booted, step);
    assert.deepEqual(bootViews(t), {
      rpc: booted,
      authorization: booted,
      transaction: booted,
      system: booted,
    }, step);
  };
  agree(false, "connecting");
  const first = await boot(t, 0);
  agree(true, "first boot Accepted");
  // "Reconnect now": a new connection while the old socket has not reported its close yet.
  t.cp.bus.publish({ type: "backend.reconnect" });
  await settle();
  agree(false, "reconnecting, the old socket still open");
  const second = t.transport.connections[1]!;
  second.events.onOpen("ocpp1.6");
  first.events.onClose("closed (1000)");
  agree(false, "booting");
  const call = second.sent.find((f) => f[0] === 2 && f[2] === "BootNotification")!;
  const time = new Date(t.clock.now()).toISOString();
  second.events.onMessage(
    JSON.stringify([3, call[1], { status: "Pending", currentTime: time, interval: 10 }]),
  );
  agree(false, "boot Pending");
  t.clock.advance(10_000);
  const again = second.sent.findLast((f) => f[0] === 2 && f[2] === "BootNotification")!;
  assert.notEqual(again[1], call[1]);
  second.events.onMessage(
    JSON.stringify([3, again[1], { status: "Accepted", currentTime: time, interval: 300 }]),
  );
  agree(true, "second boot Accepted");
  t.cp.stop();
});
