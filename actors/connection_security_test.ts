/**
 * The supervisor's security and reconnect transitions without sockets:
 * the profile's URL scheme, remembering the working security settings, the
 * fallback after refusals (Security Whitepaper A05.FR.08), the
 * SecurityProfile change rules, and the reconnect policy over a minute of
 * outage on the injected clock.
 */
import assert from "node:assert/strict";
import { Bus, type Ctx, type Effect } from "./bus.ts";
import { FakeClock } from "./clock.ts";
import {
  type BootInfo,
  connectionActor,
  type ConnectionMsg,
  type ConnectionState,
  endpointUrl,
  FALLBACK_AFTER,
  initialConnection,
  transitionConnection,
} from "./connection.ts";
import type { BusMessage } from "./messages.ts";
import { securityProfileRefusal, type Value, viewOf } from "../config/registry.ts";

const NOW = Date.UTC(2026, 0, 1, 8);
const INFO: BootInfo = { chargePointVendor: "Acme", chargePointModel: "W1", firmwareVersion: "1" };
const OLD_KEY = "old-key-0123456789ab";
const NEW_KEY = "new-key-0123456789ab";
const BASE: Record<string, Value> = {
  BackendConnectionType: "ethernet",
  CentralSystemUrl: "ws://cs.example:9000/ocpp",
  ChargePointId: "CP1",
  SecurityProfile: 1,
  AuthorizationKey: OLD_KEY,
};

class Rig {
  now = NOW;
  readonly values: Map<string, Value>;
  state: ConnectionState;
  constructor(values: Record<string, Value> = BASE) {
    this.values = new Map(Object.entries(values));
    this.state = initialConnection(this.ctx());
  }
  ctx(): Ctx {
    return { now: this.now, config: viewOf(this.values) };
  }
  on(msg: ConnectionMsg | { type: "timer.fired"; id: string }): Effect[] {
    const [next, effects] = transitionConnection(this.state, msg, this.ctx(), INFO);
    this.state = next;
    for (const e of effects) if (e.type === "config.write") this.values.set(e.key, e.value);
    return effects;
  }
  /** Changes a setting as the runtime does (store, then config.changed). */
  set(key: string, value: Value): Effect[] {
    this.values.set(key, value);
    return this.on({ type: "config.changed", key, value });
  }
  refused(reason = "HTTP 401 Unauthorized: refused"): Effect[] {
    return this.on({ type: "ws.closed", conn: this.state.conn, reason });
  }
}

const writes = (effects: Effect[]) =>
  effects.filter((e) => e.type === "config.write").map((e) =>
    e.type === "config.write" ? [e.key, e.value] : []
  );

Deno.test("endpointUrl() uses wss:// for security profiles 2 and 3", () => {
  assert.equal(endpointUrl("ws://cs:9000/ocpp", "CP1", 1), "ws://cs:9000/ocpp/CP1");
  assert.equal(endpointUrl("ws://cs:9000/ocpp", "CP1", 2), "wss://cs:9000/ocpp/CP1");
  assert.equal(endpointUrl("wss://cs/ocpp", "CP1", 3), "wss://cs/ocpp/CP1");
  assert.equal(endpointUrl("wss://cs/ocpp", "CP1", 0), "wss://cs/ocpp/CP1");
});

Deno.test("transitionConnection() remembers the security settings a connection opened with", () => {
  const rig = new Rig();
  rig.on({ type: "system.started" });
  assert.deepEqual(writes(rig.on({ type: "ws.opened", conn: 1 })), [
    ["FallbackSecurityProfile", 1],
    ["FallbackAuthorizationKey", OLD_KEY],
  ]);
  rig.on({ type: "ws.closed", conn: 1, reason: "Connection lost: x" });
  rig.on({ type: "timer.fired", id: "reconnect" });
  assert.deepEqual(writes(rig.on({ type: "ws.opened", conn: 2 })), []); // unchanged: nothing written
});

Deno.test(`transitionConnection() falls back to the last working key after ${FALLBACK_AFTER} refusals`, () => {
  const rig = new Rig();
  rig.on({ type: "system.started" });
  rig.on({ type: "ws.opened", conn: 1 });
  rig.set("AuthorizationKey", NEW_KEY);
  for (let n = 1; n < FALLBACK_AFTER; n++) {
    assert.deepEqual(writes(rig.refused()), [], `refusal ${n}`);
    assert.equal(rig.state.refusals, n);
    rig.on({ type: "timer.fired", id: "reconnect" });
  }
  const effects = rig.refused();
  assert.deepEqual(writes(effects), [["AuthorizationKey", OLD_KEY]]);
  const log = effects.find((e) => e.type === "log");
  assert.ok(log?.type === "log" && log.level === "warn");
  assert.match(log.text, /falling back to security profile 1 and the previous AuthorizationKey/);
  assert.ok(!log.text.includes(OLD_KEY) && !log.text.includes(NEW_KEY));
  assert.equal(rig.state.refusals, 0);
});

Deno.test("transitionConnection() falls back to the previous security profile (A05.FR.08)", () => {
  const rig = new Rig();
  rig.on({ type: "system.started" });
  rig.on({ type: "ws.opened", conn: 1 });
  assert.deepEqual(rig.set("SecurityProfile", 2)[2], {
    type: "ws.connect",
    conn: 2,
    url: "wss://cs.example:9000/ocpp/CP1",
  });
  let last: Effect[] = [];
  for (let n = 1; n <= FALLBACK_AFTER; n++) {
    last = rig.refused("TLS verification failed: the backend x presented a certificate");
    rig.on({ type: "timer.fired", id: "reconnect" });
  }
  assert.deepEqual(writes(last), [["SecurityProfile", 1]]);
  // The fallback is a fact on the bus, so the status page and the journal show it.
  assert.deepEqual(last.find((e) => e.type === "backend.fallback"), {
    type: "backend.fallback",
    fromProfile: 2,
    toProfile: 1,
    reason: "TLS verification failed: the backend x presented a certificate",
    keyRestored: false,
  });
});

Deno.test("transitionConnection() does not fall back for network failures or without a working set", () => {
  const rig = new Rig();
  rig.on({ type: "system.started" });
  rig.on({ type: "ws.opened", conn: 1 });
  rig.set("AuthorizationKey", NEW_KEY);
  for (
    const reason of ["Connection refused: x", "DNS lookup failed: x", "Connection timed out: x"]
  ) {
    for (let n = 0; n < FALLBACK_AFTER + 1; n++) {
      assert.deepEqual(writes(rig.refused(reason)), [], reason);
      rig.on({ type: "timer.fired", id: "reconnect" });
    }
    assert.equal(rig.state.refusals, 0);
  }
  // Never connected: nothing to fall back to.
  const fresh = new Rig({ ...BASE, AuthorizationKey: NEW_KEY });
  fresh.on({ type: "system.started" });
  for (let n = 0; n < FALLBACK_AFTER + 2; n++) {
    assert.deepEqual(writes(fresh.refused()), []);
    fresh.on({ type: "timer.fired", id: "reconnect" });
  }
});

Deno.test("transitionConnection() backs off a refused handshake like any failure", () => {
  const rig = new Rig();
  rig.on({ type: "system.started" });
  const effects = rig.refused("HTTP 404 Not Found: no such Charge Point");
  const timer = effects.find((e) => e.type === "timer.start");
  assert.ok(timer?.type === "timer.start" && timer.id === "reconnect" && timer.ms >= 1_500);
  assert.equal(rig.state.phase, "backoff");
  assert.equal(rig.state.reason, "HTTP 404 Not Found: no such Charge Point");
});

Deno.test("transitionConnection() marks an accepted connection whose server is not verified", () => {
  const rig = new Rig({ ...BASE, SecurityProfile: 2, TlsVerifyServer: false });
  rig.on({ type: "system.started" });
  rig.on({ type: "ws.opened", conn: 1 });
  rig.on({
    type: "ocpp.result",
    action: "BootNotification",
    payload: { status: "Accepted", currentTime: new Date(NOW).toISOString(), interval: 60 },
    request: { ...INFO },
  });
  assert.equal(rig.state.phase, "accepted");
  assert.match(rig.state.reason ?? "", /without verifying the server certificate/);
});

Deno.test("securityProfileRefusal() allows only raising the profile with its prerequisites", () => {
  const view = (v: Record<string, Value>) => viewOf(new Map(Object.entries(v)));
  assert.match(securityProfileRefusal(1, view({ SecurityProfile: 2 }))!, /can only be raised/);
  assert.match(securityProfileRefusal(2, view({ SecurityProfile: 2 }))!, /can only be raised/);
  assert.match(securityProfileRefusal(1, view({ SecurityProfile: 0 }))!, /AuthorizationKey/);
  assert.equal(
    securityProfileRefusal(2, view({ SecurityProfile: 1, AuthorizationKey: OLD_KEY })),
    undefined,
  );
  assert.match(securityProfileRefusal(3, view({ SecurityProfile: 2 }))!, /client certificate/);
  assert.equal(
    securityProfileRefusal(
      3,
      view({ SecurityProfile: 2, TlsClientCertFile: "/c", TlsClientKeyFile: "/k" }),
    ),
    undefined,
  );
});

Deno.test("reconnect policy: a 60 s outage costs at most 6 attempts, and a returning backend is back within one backoff step", () => {
  const clock = new FakeClock(NOW);
  const values = new Map<string, Value>(Object.entries(BASE));
  const bus = new Bus({ clock, config: () => viewOf(values) });
  bus.spawn(connectionActor(INFO));
  const seen: BusMessage[] = [];
  bus.inspect((m) => seen.push(m));
  let backendUp = true;
  const attempts: number[] = [];
  // A link double: opens at once when the backend is up, else refuses.
  bus.subscribe("ws.connect", (m) => {
    attempts.push(clock.now());
    queueMicrotask(() =>
      bus.publish(
        backendUp
          ? { type: "ws.opened", conn: m.conn }
          : { type: "ws.closed", conn: m.conn, reason: "Connection refused: x" },
      )
    );
  });
  const accept = () =>
    bus.publish({
      type: "ocpp.result",
      action: "BootNotification",
      payload: {
        status: "Accepted",
        currentTime: new Date(clock.now()).toISOString(),
        interval: 300,
      },
      request: { ...INFO },
    });
  return (async () => {
    bus.publish({ type: "system.started" });
    await Promise.resolve();
    accept();
    backendUp = false;
    const down = clock.now();
    bus.publish({ type: "ws.closed", conn: 1, reason: "Connection lost: x" });
    for (let s = 0; s < 60; s++) {
      clock.advance(1_000);
      await Promise.resolve();
    }
    const during = attempts.filter((t) => t > down && t <= down + 60_000).length;
    assert.ok(during >= 4 && during <= 6, `${during} attempts in 60 s`);
    backendUp = true;
    const up = clock.now();
    let back = 0;
    for (let s = 0; s < 300 && !back; s++) {
      clock.advance(1_000);
      await Promise.resolve();
      if (seen.some((m) => m.type === "ws.opened" && attempts.at(-1)! > up)) back = clock.now();
    }
    // The next step of the backoff after 60 s down is 64 s (+-25 %).
    assert.ok(back - up <= 80_000, `back after ${back - up} ms`);
    bus.stop();
  })();
});
