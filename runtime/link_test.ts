import assert from "node:assert/strict";
import { type ActorLogic, Bus, type StoreEffect } from "../actors/bus.ts";
import { FakeClock } from "../actors/clock.ts";
import type { BusMessage, MessageOf } from "../actors/messages.ts";
import type { Value } from "../config/registry.ts";
import { ConfigStore } from "../config/store.ts";
import type { Connection, ConnectionEvents, ConnectOptions, Transport } from "../ocpp/transport.ts";
import {
  BackendClock,
  connectOptions,
  interfaceAddress,
  Link,
  LinkSettingsError,
  parseProxy,
} from "./link.ts";
import { memoryLogger } from "./log.ts";

const BASE: Record<string, Value> = {
  BackendConnectionType: "ethernet",
  CentralSystemUrl: "ws://cs.example:9000",
  ChargePointId: "CP1",
};

function getter(values: Record<string, Value>) {
  const store = new ConfigStore();
  store.apply(new Map(Object.entries({ ...BASE, ...values })));
  return (k: string) => store.get(k);
}

const read = (path: string, what: string) => Promise.resolve(`${what}:${path}`);

Deno.test("connectOptions() follows the security profile", async () => {
  const p0 = await connectOptions("ws://cs/CP1", getter({}), read);
  assert.deepEqual(p0, { url: "ws://cs/CP1", protocols: ["ocpp1.6"] });
  const key = "0123456789abcdef0123";
  const p1 = await connectOptions(
    "ws://cs/CP1",
    getter({ SecurityProfile: 1, AuthorizationKey: key }),
    read,
  );
  assert.deepEqual(p1.basicAuth, { user: "CP1", password: key });
  await assert.rejects(
    () => connectOptions("ws://cs/CP1", getter({ SecurityProfile: 1 }), read),
    (e: unknown) =>
      e instanceof LinkSettingsError && /^Settings incomplete: .*profile 1/.test(e.message),
  );
  const p2 = await connectOptions(
    "wss://cs/CP1",
    getter({
      SecurityProfile: 2,
      AuthorizationKey: key,
      TlsCaFile: "/ca.pem",
      TlsVerifyServer: false,
    }),
    read,
  );
  assert.deepEqual(p2.caCerts, ["CA file:/ca.pem"]);
  assert.equal(p2.verifyServer, false);
  const p3 = await connectOptions(
    "wss://cs/CP1",
    getter({
      SecurityProfile: 3,
      AuthorizationKey: key,
      TlsClientCertFile: "/c",
      TlsClientKeyFile: "/k",
    }),
    read,
  );
  assert.equal(p3.basicAuth, undefined);
  assert.deepEqual(p3.clientCert, { cert: "client certificate:/c", key: "client key:/k" });
  await assert.rejects(
    () => connectOptions("wss://cs/CP1", getter({ SecurityProfile: 3 }), read),
    /^LinkSettingsError: Settings incomplete: security profile 3/,
  );
  const viaProxy = await connectOptions(
    "ws://cs/CP1",
    getter({ WebSocketProxy: "proxy.lan" }),
    read,
    "10.0.0.2",
  );
  assert.deepEqual(viaProxy.proxy, { hostname: "proxy.lan", port: 80 });
  assert.equal(viaProxy.localAddress, "10.0.0.2");
});

Deno.test("parseProxy() reads HOST[:PORT] with port 80 by default", () => {
  assert.deepEqual(parseProxy("proxy"), { hostname: "proxy", port: 80 });
  assert.deepEqual(parseProxy("10.1.2.3:3128"), { hostname: "10.1.2.3", port: 3128 });
  assert.deepEqual(parseProxy("[::1]:8080"), { hostname: "::1", port: 8080 });
  assert.equal(parseProxy("a:b:c"), undefined);
});

Deno.test("interfaceAddress() finds the connection type's interface or says it is down", () => {
  const nic = (name: string, family: "IPv4" | "IPv6", address: string) =>
    ({
      name,
      family,
      address,
      netmask: "",
      scopeid: null,
      cidr: "",
      mac: "",
    }) as Deno.NetworkInterfaceInfo;
  const list = () => [
    nic("eth0", "IPv6", "fe80::1"),
    nic("eth0", "IPv4", "192.0.2.2"),
    nic("wlan0", "IPv6", "fe80::2"),
  ];
  assert.equal(interfaceAddress(getter({}), list), undefined);
  assert.equal(interfaceAddress(getter({ EthernetInterface: "eth0" }), list), "192.0.2.2");
  assert.throws(
    () => interfaceAddress(getter({ BackendConnectionType: "wlan", WlanInterface: "wlan0" }), list),
    /^LinkSettingsError: Interface down: wlan0 \(wlan\) has no usable address/,
  );
  assert.throws(
    () => interfaceAddress(getter({ EthernetInterface: "eth9" }), list),
    /Interface down: eth9 \(ethernet\) is missing/,
  );
  assert.throws(
    () =>
      interfaceAddress(getter({ EthernetInterface: "eth0" }), () => {
        throw new Error("no sys");
      }),
    /Interface down: cannot list network interfaces.*--allow-sys/,
  );
});

Deno.test("BackendClock.adjust() moves now() beyond the tolerance only; timers keep their durations", () => {
  const base = new FakeClock(1_000_000);
  const clock = new BackendClock(base, 2_000);
  assert.equal(clock.adjust(1_001_500), 0);
  assert.equal(clock.now(), 1_000_000);
  assert.equal(clock.adjust(1_060_000), 60_000);
  assert.equal(clock.now(), 1_060_000);
  let fired = false;
  clock.setTimeout(() => fired = true, 1_000);
  base.advance(999);
  assert.equal(fired, false);
  base.advance(1);
  assert.equal(fired, true);
});

/** A transport double that records connections and lets the test drive them. */
class FakeTransport implements Transport {
  readonly opened: {
    opts: ConnectOptions;
    events: ConnectionEvents;
    pings: number;
    closed?: string;
  }[] = [];
  /** Every frame handed to a connection, in order (and to `onSend`). */
  readonly sent: string[] = [];
  onSend: (text: string) => void = () => {};
  connect(opts: ConnectOptions, events: ConnectionEvents): Connection {
    const entry: FakeTransport["opened"][number] = { opts, events, pings: 0 };
    this.opened.push(entry);
    return {
      send: (text: string) => {
        this.sent.push(text);
        this.onSend(text);
      },
      ping: () => {
        entry.pings++;
        return true;
      },
      close: (reason = "Closed by the Charge Point") => {
        entry.closed = reason;
        events.onClose(reason);
      },
    };
  }
}

async function linkRig(
  values: Record<string, Value>,
  persist?: (m: StoreEffect) => void,
) {
  const store = new ConfigStore();
  await store.apply(new Map(Object.entries({ ...BASE, ...values })));
  const base = new FakeClock(Date.UTC(2026, 0, 1));
  const clock = new BackendClock(base);
  const bus = new Bus({ clock, config: () => store.view, ...(persist ? { persist } : {}) });
  const seen: BusMessage[] = [];
  bus.inspect((m) => seen.push(m));
  const transport = new FakeTransport();
  const logs: string[] = [];
  const link = new Link({
    store,
    transport,
    logger: memoryLogger(logs),
    clock,
    interfaces: () => [],
  });
  link.attach(bus);
  return { store, base, clock, bus, seen, transport, logs, link };
}

const settle = () => new Promise((ok) => setTimeout(ok, 0));

Deno.test("Link pings at WebSocketPingInterval and closes with 'No pong' after WebSocketPongTimeout", async () => {
  const rig = await linkRig({ WebSocketPingInterval: 30, WebSocketPongTimeout: 5 });
  rig.bus.publish({ type: "ws.connect", conn: 1, url: "ws://cs.example:9000/CP1" });
  await settle();
  const c = rig.transport.opened[0]!;
  c.events.onOpen("ocpp1.6");
  assert.ok(rig.seen.some((m) => m.type === "ws.opened"));
  rig.base.advance(29_999);
  assert.equal(c.pings, 0);
  rig.base.advance(1);
  assert.equal(c.pings, 1);
  c.events.onPong?.(); // answered: the connection lives on
  rig.base.advance(30_000);
  assert.equal(c.pings, 2);
  rig.base.advance(4_999);
  assert.equal(c.closed, undefined);
  rig.base.advance(1);
  assert.equal(c.closed, "No pong: the backend did not answer a ping within 5 s");
  const closed = rig.seen.find((m) => m.type === "ws.closed");
  assert.deepEqual(closed, { type: "ws.closed", conn: 1, reason: c.closed });
  rig.base.advance(120_000);
  assert.equal(c.pings, 2); // no pings after the close
  rig.link.detach();
});

Deno.test("Link sends no pings with WebSocketPingInterval 0 and follows a change on the open connection", async () => {
  const rig = await linkRig({ WebSocketPingInterval: 0 });
  rig.bus.publish({ type: "ws.connect", conn: 1, url: "ws://cs.example:9000/CP1" });
  await settle();
  const c = rig.transport.opened[0]!;
  c.events.onOpen("ocpp1.6");
  rig.base.advance(600_000);
  assert.equal(c.pings, 0);
  await rig.store.set("WebSocketPingInterval", 10);
  rig.bus.publish({ type: "config.changed", key: "WebSocketPingInterval", value: 10 });
  rig.base.advance(10_000);
  assert.equal(c.pings, 1);
  rig.link.detach();
  assert.equal(c.closed, "Closed by the Charge Point");
});

Deno.test("Link sets the clock from BootNotification and Heartbeat currentTime and publishes clock.set", async () => {
  const rig = await linkRig({});
  const t = Date.UTC(2026, 0, 1) + 3_600_000;
  rig.bus.publish({
    type: "ocpp.result",
    action: "BootNotification",
    payload: { status: "Accepted", interval: 300, currentTime: new Date(t).toISOString() },
    request: { chargePointVendor: "Acme", chargePointModel: "W1" },
  });
  assert.equal(rig.clock.now(), t);
  rig.bus.publish({
    type: "ocpp.result",
    action: "Heartbeat",
    payload: { currentTime: new Date(t + 60_000).toISOString() },
    request: {},
  });
  assert.equal(rig.clock.now(), t + 60_000);
  assert.ok(rig.logs.some((l) => /Clock set from the backend's time/.test(l)));
  // Each move is a fact on the bus (the meter aligns its clock data again).
  assert.deepEqual(rig.seen.filter((m) => m.type === "clock.set"), [
    { type: "clock.set", shiftMs: 3_600_000 },
    { type: "clock.set", shiftMs: 60_000 },
  ]);
  rig.link.detach();
});

Deno.test("Link reports an interface that is down as ws.closed without connecting", async () => {
  const rig = await linkRig({ EthernetInterface: "eth7" });
  rig.bus.publish({ type: "ws.connect", conn: 1, url: "ws://cs.example:9000/CP1" });
  await settle();
  assert.equal(rig.transport.opened.length, 0);
  const closed = rig.seen.find((m) => m.type === "ws.closed");
  assert.match(closed?.type === "ws.closed" ? closed.reason : "", /^Interface down: eth7/);
  rig.link.detach();
});

Deno.test("Link hands a frame to the transport only after the store writes of the turn that sent it", async () => {
  // One CALLRESULT, two actors: "rpc" answers it with the next frame at once and a fact;
  // "tx" hears the fact and tells "journal", which writes the store. On the bus the frame
  // (ws.send) is delivered before that write: the link must still send it after the write.
  const order: string[] = [];
  const rig = await linkRig({}, (m) => order.push(`write ${m.type}`));
  rig.transport.onSend = (text) => order.push(`send ${text}`);
  const frame = JSON.stringify([2, "2", "MeterValues", { connectorId: 1, meterValue: [] }]);
  const rpc: ActorLogic<null, MessageOf<"ws.received">> = {
    name: "rpc",
    receives: ["ws.received"],
    initial: () => null,
    transition:
      () => [null, [{ type: "hw.rfid", idTag: "CARD" }, { type: "ws.send", text: frame }]],
  };
  const tx: ActorLogic<null, MessageOf<"hw.rfid">> = {
    name: "tx",
    receives: ["hw.rfid"],
    initial: () => null,
    transition: () => [null, [{ type: "log", level: "info", text: "started" }]],
  };
  const journal: ActorLogic<null, MessageOf<"log">> = {
    name: "journal",
    receives: ["log"],
    initial: () => null,
    transition: (
      _s,
      m,
    ) => [
      null,
      m.type === "log" && m.text === "started" ? [{ type: "store.outbox_thin", seqs: [1] }] : [],
    ],
  };
  rig.bus.spawn(rpc);
  rig.bus.spawn(tx);
  rig.bus.spawn(journal);
  rig.bus.publish({ type: "ws.connect", conn: 1, url: "ws://cs.example:9000/CP1" });
  await settle();
  const c = rig.transport.opened[0]!;
  c.events.onOpen("ocpp1.6");
  // The frames of one turn leave in order, after it: nothing is sent in the middle of it.
  const delivered: string[] = [];
  rig.bus.inspect((m) => {
    if (m.type === "ws.send") {
      delivered.push(`${m.text} (sent so far ${rig.transport.sent.length})`);
    }
  });
  c.events.onMessage(
    JSON.stringify([3, "1", { transactionId: 7, idTagInfo: { status: "Accepted" } }]),
  );
  assert.deepEqual(order, ["write store.outbox_thin", `send ${frame}`]);
  assert.deepEqual(delivered, [`${frame} (sent so far 0)`]);
  rig.link.detach();
});

Deno.test("Link carries out a turn's sends and disconnect in their order, after the turn", async () => {
  const rig = await linkRig({});
  rig.bus.publish({ type: "ws.connect", conn: 1, url: "ws://cs.example:9000/CP1" });
  await settle();
  const c = rig.transport.opened[0]!;
  c.events.onOpen("ocpp1.6");
  const closer: ActorLogic<null, MessageOf<"hw.rfid">> = {
    name: "closer",
    receives: ["hw.rfid"],
    initial: () => null,
    transition: () => [null, [
      { type: "ws.send", text: "a" },
      { type: "ws.send", text: "b" },
      { type: "ws.disconnect" },
      { type: "ws.send", text: "c" },
    ]],
  };
  rig.bus.spawn(closer);
  let closedAt = -1;
  rig.bus.subscribe("ws.closed", () => closedAt = rig.transport.sent.length);
  rig.bus.publish({ type: "hw.rfid", idTag: "X" });
  assert.deepEqual(rig.transport.sent, ["a", "b"]); // "c" came after the disconnect: not sent
  assert.equal(closedAt, 2);
  rig.link.detach();
});

Deno.test("Link detached in the middle of a turn still sends what the turn sent before, then closes", async () => {
  const rig = await linkRig({});
  rig.bus.publish({ type: "ws.connect", conn: 1, url: "ws://cs.example:9000/CP1" });
  await settle();
  const c = rig.transport.opened[0]!;
  c.events.onOpen("ocpp1.6");
  const sender: ActorLogic<null, MessageOf<"hw.rfid">> = {
    name: "sender",
    receives: ["hw.rfid"],
    initial: () => null,
    transition: () => [null, [
      { type: "ws.send", text: "last words" },
      { type: "log", level: "info", text: "restart" },
    ]],
  };
  rig.bus.spawn(sender);
  // A restart from inside the turn (the shell stops the bus and detaches the link).
  rig.bus.subscribe("log", () => {
    rig.bus.stop();
    rig.link.detach();
  });
  rig.bus.publish({ type: "hw.rfid", idTag: "X" });
  assert.deepEqual(rig.transport.sent, ["last words"]);
  assert.equal(c.closed, "Closed by the Charge Point");
});
