import assert from "node:assert/strict";
import type { Ctx, Effect, TimerFired } from "./bus.ts";
import {
  BACKOFF_BASE_MS,
  BACKOFF_CAP_MS,
  backoffMs,
  BOOT_RETRY_MS,
  type BootInfo,
  connectionActor,
  type ConnectionMsg,
  type ConnectionState,
  endpointUrl,
  initialConnection,
  nextSeed,
  transitionConnection,
} from "./connection.ts";
import { type Value, viewOf } from "../config/registry.ts";

const NOW = Date.UTC(2026, 0, 1, 8);
const TIME = "2026-01-01T08:00:00Z";
const INFO: BootInfo = {
  chargePointVendor: "Acme",
  chargePointModel: "W1",
  firmwareVersion: "1.2.3",
};
const BOOT_CALL = { type: "ocpp.call", action: "BootNotification", payload: { ...INFO } };
const HEARTBEAT_CALL = { type: "ocpp.call", action: "Heartbeat", payload: {} };
const BACKEND: Record<string, Value> = {
  BackendConnectionType: "ethernet",
  CentralSystemUrl: "wss://cs.example.com/ocpp/",
  ChargePointId: "wallbox-ä1",
  // A connection worked before with these security settings (profile 0, no key).
  FallbackSecurityProfile: 0,
};
const URL_1 = "wss://cs.example.com/ocpp/wallbox-%C3%A41";

function state(phase: ConnectionState["phase"], at: number, reason?: string): Effect {
  return { type: "backend.state", state: phase, since: at, ...(reason ? { reason } : {}) };
}

function bootResult(status: "Accepted" | "Pending" | "Rejected", interval: number): ConnectionMsg {
  return {
    type: "ocpp.result",
    action: "BootNotification",
    payload: { status, currentTime: TIME, interval },
    request: { ...INFO },
  };
}

/** Drives transitionConnection with a settable clock and configuration. */
class Rig {
  now = NOW;
  readonly values: Map<string, Value>;
  state: ConnectionState;
  constructor(values: Record<string, Value> = BACKEND) {
    this.values = new Map(Object.entries(values));
    this.state = initialConnection(this.ctx());
  }
  ctx(): Ctx {
    return { now: this.now, config: viewOf(this.values) };
  }
  /** Applies the transition; `config.write` effects are stored, as the runtime does. */
  on(msg: ConnectionMsg | TimerFired): Effect[] {
    const [next, effects] = transitionConnection(this.state, msg, this.ctx(), INFO);
    this.state = next;
    for (const e of effects) if (e.type === "config.write") this.values.set(e.key, e.value);
    return effects;
  }
  /** Started, connected and Accepted with the given interval. */
  accepted(interval = 300): void {
    if (this.state.phase === "disabled") this.on({ type: "system.started" });
    this.on({ type: "ws.opened", conn: this.state.conn });
    this.on(bootResult("Accepted", interval));
  }
}

Deno.test("endpointUrl() appends the identity URL-encoded, with one slash", () => {
  assert.equal(endpointUrl("ws://cs/ocpp", "CP1"), "ws://cs/ocpp/CP1");
  assert.equal(endpointUrl("ws://cs/ocpp///", "CP1"), "ws://cs/ocpp/CP1");
  assert.equal(endpointUrl("wss://cs/", "wallbox-ä1"), "wss://cs/wallbox-%C3%A41");
  assert.equal(endpointUrl("wss://cs", "a b#c"), "wss://cs/a%20b%23c");
});

Deno.test("initialConnection() starts disabled with connection number 0", () => {
  const ctx: Ctx = { now: NOW, config: viewOf(new Map()) };
  assert.deepEqual(initialConnection(ctx), {
    phase: "disabled",
    since: NOW,
    conn: 0,
    failures: 0,
    seed: 0,
    refusals: 0,
  });
  assert.equal(initialConnection(ctx, 12345).seed, 12345);
  // The seed does not come from the clock: two starts at different times back off alike.
  const later: Ctx = { now: NOW + 1_234_567, config: viewOf(new Map()) };
  assert.equal(initialConnection(later, 7).seed, initialConnection(ctx, 7).seed);
});

Deno.test("transitionConnection() stays disabled when BackendConnectionType is none", () => {
  const rig = new Rig({ ...BACKEND, BackendConnectionType: "none" });
  assert.deepEqual(rig.on({ type: "system.started" }), [
    { type: "timer.cancel", id: "heartbeat" },
    { type: "timer.cancel", id: "boot" },
    { type: "timer.cancel", id: "reconnect" },
    state("disabled", NOW, "no backend configured"),
  ]);
  assert.equal(rig.state.phase, "disabled");
  assert.equal(rig.state.conn, 0);
});

Deno.test("transitionConnection() stays disabled without a CentralSystemUrl", () => {
  const rig = new Rig({ ...BACKEND, CentralSystemUrl: "" });
  assert.deepEqual(rig.on({ type: "system.started" }), [
    { type: "timer.cancel", id: "heartbeat" },
    { type: "timer.cancel", id: "boot" },
    { type: "timer.cancel", id: "reconnect" },
    state("disabled", NOW, "no backend configured"),
  ]);
});

Deno.test("transitionConnection() connects on system.started with the identity appended to the URL", () => {
  const rig = new Rig();
  assert.deepEqual(rig.on({ type: "system.started" }), [
    { type: "ws.connect", conn: 1, url: URL_1 },
    state("connecting", NOW),
  ]);
  assert.deepEqual(rig.state, {
    phase: "connecting",
    since: NOW,
    conn: 1,
    failures: 0,
    seed: 0,
    refusals: 0,
  });
});

Deno.test("transitionConnection() sends BootNotification when the connection opens", () => {
  const rig = new Rig();
  rig.on({ type: "system.started" });
  rig.now += 150;
  assert.deepEqual(rig.on({ type: "ws.opened", conn: 1 }), [
    BOOT_CALL,
    state("booting", NOW + 150),
  ]);
  assert.equal(rig.state.phase, "booting");
});

Deno.test("transitionConnection() names the serial number in BootNotification when one is set", () => {
  const rig = new Rig({ ...BACKEND, ChargePointSerialNumber: "OW-2026-000417" });
  rig.on({ type: "system.started" });
  assert.deepEqual(rig.on({ type: "ws.opened", conn: 1 })[0], {
    ...BOOT_CALL,
    payload: { ...INFO, chargePointSerialNumber: "OW-2026-000417" },
  });
});

Deno.test("transitionConnection() ignores events of an older connection", () => {
  const rig = new Rig();
  rig.on({ type: "system.started" });
  rig.on({ type: "config.changed", key: "CentralSystemUrl", value: "ws://other/" });
  assert.equal(rig.state.conn, 2);
  const before = rig.state;
  assert.deepEqual(rig.on({ type: "ws.opened", conn: 1 }), []);
  assert.deepEqual(rig.on({ type: "ws.closed", conn: 1, reason: "replaced" }), []);
  assert.equal(rig.state, before);
});

Deno.test("transitionConnection() on Accepted starts the heartbeat at the given interval and stores it", () => {
  const rig = new Rig();
  rig.on({ type: "system.started" });
  rig.on({ type: "ws.opened", conn: 1 });
  assert.deepEqual(rig.on(bootResult("Accepted", 300)), [
    { type: "config.write", key: "HeartbeatInterval", value: 300 },
    { type: "timer.cancel", id: "boot" },
    { type: "timer.start", id: "heartbeat", ms: 300_000 },
    state("accepted", NOW),
    { type: "backend.accepted", currentTime: TIME },
  ]);
  assert.equal(rig.state.phase, "accepted");
});

Deno.test("transitionConnection() on Accepted does not rewrite an unchanged HeartbeatInterval", () => {
  const rig = new Rig({ ...BACKEND, HeartbeatInterval: 300 });
  rig.on({ type: "system.started" });
  rig.on({ type: "ws.opened", conn: 1 });
  assert.deepEqual(rig.on(bootResult("Accepted", 300)), [
    { type: "timer.cancel", id: "boot" },
    { type: "timer.start", id: "heartbeat", ms: 300_000 },
    state("accepted", NOW),
    { type: "backend.accepted", currentTime: TIME },
  ]);
});

Deno.test("transitionConnection() on Accepted with interval 0 keeps the configured HeartbeatInterval", () => {
  const rig = new Rig({ ...BACKEND, HeartbeatInterval: 900 });
  rig.on({ type: "system.started" });
  rig.on({ type: "ws.opened", conn: 1 });
  assert.deepEqual(rig.on(bootResult("Accepted", 0)), [
    { type: "timer.cancel", id: "boot" },
    { type: "timer.start", id: "heartbeat", ms: 900_000 },
    state("accepted", NOW),
    { type: "backend.accepted", currentTime: TIME },
  ]);
});

Deno.test("transitionConnection() on Accepted with interval 0 starts no heartbeat when HeartbeatInterval is 0", () => {
  const rig = new Rig({ ...BACKEND, HeartbeatInterval: 0 });
  rig.on({ type: "system.started" });
  rig.on({ type: "ws.opened", conn: 1 });
  assert.deepEqual(rig.on(bootResult("Accepted", 0)), [
    { type: "timer.cancel", id: "boot" },
    { type: "timer.cancel", id: "heartbeat" },
    state("accepted", NOW),
    { type: "backend.accepted", currentTime: TIME },
  ]);
});

Deno.test("transitionConnection() retries a Rejected BootNotification after interval, then accepts (OCTT TC_001)", () => {
  const rig = new Rig();
  rig.on({ type: "system.started" });
  rig.on({ type: "ws.opened", conn: 1 });
  assert.deepEqual(rig.on(bootResult("Rejected", 10)), [
    { type: "timer.start", id: "boot", ms: 10_000 },
    state("rejected", NOW, "BootNotification Rejected"),
  ]);
  // Nothing else is sent until the interval has passed.
  assert.deepEqual(rig.on({ type: "timer.fired", id: "heartbeat" }), []);
  assert.deepEqual(rig.on({ type: "trigger", message: "Heartbeat" }), []);
  assert.deepEqual(rig.on({ type: "timer.fired", id: "boot" }), [BOOT_CALL]);
  assert.deepEqual(rig.on(bootResult("Accepted", 60)), [
    { type: "config.write", key: "HeartbeatInterval", value: 60 },
    { type: "timer.cancel", id: "boot" },
    { type: "timer.start", id: "heartbeat", ms: 60_000 },
    state("accepted", NOW),
    { type: "backend.accepted", currentTime: TIME },
  ]);
  // Step 7: a Heartbeat every interval.
  rig.values.set("HeartbeatInterval", 60);
  assert.deepEqual(rig.on({ type: "timer.fired", id: "heartbeat" }), [
    HEARTBEAT_CALL,
    { type: "timer.start", id: "heartbeat", ms: 60_000 },
  ]);
});

Deno.test("transitionConnection() retries a Pending BootNotification after interval (OCTT TC_002)", () => {
  const rig = new Rig();
  rig.on({ type: "system.started" });
  rig.on({ type: "ws.opened", conn: 1 });
  assert.deepEqual(rig.on(bootResult("Pending", 20)), [
    { type: "timer.start", id: "boot", ms: 20_000 },
    state("pending", NOW, "BootNotification Pending"),
  ]);
  assert.equal(rig.state.phase, "pending");
  // The Central System configures the Charge Point meanwhile; the socket stays up.
  assert.deepEqual(
    rig.on({ type: "config.changed", key: "MeterValueSampleInterval", value: 30 }),
    [],
  );
  assert.deepEqual(rig.on({ type: "timer.fired", id: "boot" }), [BOOT_CALL]);
  rig.on(bootResult("Accepted", 300));
  assert.equal(rig.state.phase, "accepted");
});

Deno.test("transitionConnection() retries a non-Accepted BootNotification with interval 0 after BOOT_RETRY_MS", () => {
  const rig = new Rig();
  rig.on({ type: "system.started" });
  rig.on({ type: "ws.opened", conn: 1 });
  assert.deepEqual(rig.on(bootResult("Rejected", 0)), [
    { type: "timer.start", id: "boot", ms: BOOT_RETRY_MS },
    state("rejected", NOW, "BootNotification Rejected"),
  ]);
});

Deno.test("transitionConnection() retries a BootNotification that failed, unless it failed as Offline", () => {
  const rig = new Rig();
  rig.on({ type: "system.started" });
  rig.on({ type: "ws.opened", conn: 1 });
  const failed = (code: "Timeout" | "Offline" | "InternalError"): ConnectionMsg => ({
    type: "ocpp.failed",
    action: "BootNotification",
    request: { ...INFO },
    code,
    description: "x",
  });
  assert.deepEqual(rig.on(failed("Timeout")), [
    { type: "timer.start", id: "boot", ms: BOOT_RETRY_MS },
  ]);
  assert.deepEqual(rig.on(failed("InternalError")), [
    { type: "timer.start", id: "boot", ms: BOOT_RETRY_MS },
  ]);
  assert.deepEqual(rig.on(failed("Offline")), []);
  assert.deepEqual(rig.on({ type: "timer.fired", id: "boot" }), [BOOT_CALL]);
  rig.accepted();
  assert.deepEqual(rig.on(failed("Timeout")), []);
});

Deno.test("transitionConnection() sends a Heartbeat when the heartbeat timer fires, only when accepted", () => {
  const rig = new Rig({ ...BACKEND, HeartbeatInterval: 300 });
  rig.on({ type: "system.started" });
  assert.deepEqual(rig.on({ type: "timer.fired", id: "heartbeat" }), []);
  rig.accepted(300);
  assert.deepEqual(rig.on({ type: "timer.fired", id: "heartbeat" }), [
    HEARTBEAT_CALL,
    { type: "timer.start", id: "heartbeat", ms: 300_000 },
  ]);
  rig.values.set("HeartbeatInterval", 0);
  assert.deepEqual(rig.on({ type: "timer.fired", id: "heartbeat" }), [
    HEARTBEAT_CALL,
    { type: "timer.cancel", id: "heartbeat" },
  ]);
});

Deno.test("transitionConnection() follows a HeartbeatInterval change while accepted", () => {
  const rig = new Rig();
  rig.on({ type: "system.started" });
  assert.deepEqual(rig.on({ type: "config.changed", key: "HeartbeatInterval", value: 120 }), []);
  rig.accepted(300);
  rig.values.set("HeartbeatInterval", 120);
  assert.deepEqual(rig.on({ type: "config.changed", key: "HeartbeatInterval", value: 120 }), [
    { type: "timer.start", id: "heartbeat", ms: 120_000 },
  ]);
  rig.values.set("HeartbeatInterval", 0);
  assert.deepEqual(rig.on({ type: "config.changed", key: "HeartbeatInterval", value: 0 }), [
    { type: "timer.cancel", id: "heartbeat" },
  ]);
});

Deno.test("transitionConnection() backs off after ws.closed with jitter from its seed", () => {
  const rig = new Rig();
  rig.accepted();
  const seed = rig.state.seed;
  rig.now += 5_000;
  const effects = rig.on({ type: "ws.closed", conn: 1, reason: "1006 abnormal closure" });
  assert.notEqual(rig.state.seed, seed);
  const ms = backoffMs(1, rig.state.seed);
  assert.deepEqual(effects, [
    { type: "timer.cancel", id: "heartbeat" },
    { type: "timer.cancel", id: "boot" },
    { type: "timer.start", id: "reconnect", ms },
    { type: "backend.lost" },
    state("backoff", NOW + 5_000, "1006 abnormal closure"),
  ]);
  assert.ok(ms >= BACKOFF_BASE_MS * 0.75 && ms <= BACKOFF_BASE_MS * 1.25, String(ms));
  assert.equal(rig.state.failures, 1);
  assert.deepEqual(rig.on({ type: "timer.fired", id: "reconnect" }), [
    { type: "ws.connect", conn: 2, url: URL_1 },
    state("connecting", NOW + 5_000),
  ]);
});

Deno.test("transitionConnection() grows the backoff exponentially up to the cap and resets it after Accepted", () => {
  const rig = new Rig();
  rig.on({ type: "system.started" });
  const delays: number[] = [];
  for (let n = 1; n <= 12; n++) {
    const effects = rig.on({ type: "ws.closed", conn: rig.state.conn, reason: "refused" });
    assert.deepEqual(effects.slice(0, 2), [
      { type: "timer.cancel", id: "heartbeat" },
      { type: "timer.cancel", id: "boot" },
    ]);
    const timer = effects[2];
    assert.ok(timer?.type === "timer.start" && timer.id === "reconnect");
    delays.push(timer.ms);
    const raw = Math.min(BACKOFF_CAP_MS, BACKOFF_BASE_MS * 2 ** (n - 1));
    assert.ok(timer.ms >= raw * 0.75 && timer.ms <= raw * 1.25, `failure ${n}: ${timer.ms}`);
    assert.equal(rig.state.failures, n);
    rig.on({ type: "timer.fired", id: "reconnect" });
  }
  // Not once a reconnection came sooner than the cap allows after 12 failures.
  assert.ok(delays.slice(-3).every((ms) => ms >= BACKOFF_CAP_MS * 0.75));
  rig.on({ type: "ws.opened", conn: rig.state.conn });
  rig.on(bootResult("Accepted", 300));
  assert.equal(rig.state.failures, 0);
  const effects = rig.on({ type: "ws.closed", conn: rig.state.conn, reason: "lost" });
  const timer = effects[2];
  assert.ok(timer?.type === "timer.start");
  assert.ok(timer.ms >= BACKOFF_BASE_MS * 0.75 && timer.ms <= BACKOFF_BASE_MS * 1.25);
});

Deno.test("nextSeed() is the exact LCG modulo 2^32: no precision lost, replayable from any seed", () => {
  // The reference in exact integer arithmetic.
  const exact = (s: bigint) => (s * 1664525n + 1013904223n) % 2n ** 32n;
  for (const start of [0, 1, 12345, 2 ** 31 - 1, 2 ** 32 - 1, Date.UTC(2026, 0, 1) % 2 ** 32]) {
    let s = start;
    let ref = BigInt(start);
    for (let i = 0; i < 1_000; i++) {
      s = nextSeed(s);
      ref = exact(ref);
      assert.ok(Number.isSafeInteger(s) && s >= 0 && s < 2 ** 32, String(s));
      assert.equal(BigInt(s), ref, `step ${i} from ${start}`);
    }
  }
  // The delays spread over the whole +-25 %: not stuck on a few values.
  const delays = new Set<number>();
  for (let s = 42, i = 0; i < 200; i++, s = nextSeed(s)) delays.add(backoffMs(1, s));
  assert.ok(delays.size > 150, `${delays.size} distinct delays`);
});

Deno.test("backoffMs() doubles per failure, stays within +-25 % jitter and is capped", () => {
  // The high 24 bits at their middle (2^31) mean no jitter.
  const middle = 2 ** 31;
  assert.deepEqual(
    [1, 2, 3, 4, 8, 9, 10, 50].map((n) => backoffMs(n, middle)),
    [2_000, 4_000, 8_000, 16_000, 256_000, 300_000, 300_000, 300_000],
  );
  assert.equal(backoffMs(0, middle), BACKOFF_BASE_MS);
  assert.equal(backoffMs(1, 0), 1_500);
  assert.equal(backoffMs(1, 2 ** 32 - 1), 2_500);
  for (let seed = 0, n = 0; n < 5_000; n++, seed = nextSeed(seed)) {
    for (const n of [1, 5, 20]) {
      const raw = Math.min(BACKOFF_CAP_MS, BACKOFF_BASE_MS * 2 ** (n - 1));
      const ms = backoffMs(n, seed);
      assert.ok(ms >= raw * 0.75 && ms <= raw * 1.25, `n ${n} seed ${seed}: ${ms}`);
    }
  }
});

Deno.test("transitionConnection() ignores ws.closed and reconnect timers while disabled", () => {
  const rig = new Rig({ ...BACKEND, BackendConnectionType: "none" });
  rig.on({ type: "system.started" });
  const before = rig.state;
  assert.deepEqual(rig.on({ type: "ws.closed", conn: 0, reason: "x" }), []);
  assert.deepEqual(rig.on({ type: "timer.fired", id: "reconnect" }), []);
  assert.equal(rig.state, before);
});

Deno.test("transitionConnection() ignores a late ws.opened after the backend was switched off", () => {
  const rig = new Rig();
  rig.on({ type: "system.started" });
  rig.values.set("BackendConnectionType", "none");
  rig.on({ type: "config.changed", key: "BackendConnectionType", value: "none" });
  const before = rig.state;
  // The socket of connection 1 may still finish opening after ws.disconnect.
  assert.deepEqual(rig.on({ type: "ws.opened", conn: 1 }), []);
  assert.equal(rig.state, before);
});

Deno.test("transitionConnection() reconnects when a connection setting changes", () => {
  const rig = new Rig();
  rig.accepted();
  rig.values.set("CentralSystemUrl", "ws://new.example.com:9000/");
  rig.now += 1_000;
  assert.deepEqual(rig.on({ type: "config.changed", key: "CentralSystemUrl", value: "x" }), [
    { type: "timer.cancel", id: "reconnect" },
    { type: "timer.cancel", id: "heartbeat" },
    { type: "ws.connect", conn: 2, url: "ws://new.example.com:9000/wallbox-%C3%A41" },
    state("connecting", NOW + 1_000),
  ]);
  for (const key of ["ChargePointId", "AuthorizationKey", "TlsVerifyServer", "WebSocketProxy"]) {
    const effects = rig.on({ type: "config.changed", key, value: "x" });
    assert.deepEqual(effects[2], {
      type: "ws.connect",
      conn: rig.state.conn,
      url: "ws://new.example.com:9000/wallbox-%C3%A41",
    }, key);
  }
});

Deno.test("transitionConnection() resets the backoff when a connection setting changes", () => {
  const rig = new Rig();
  rig.on({ type: "system.started" });
  rig.on({ type: "ws.closed", conn: 1, reason: "refused" });
  rig.on({ type: "timer.fired", id: "reconnect" });
  rig.on({ type: "ws.closed", conn: 2, reason: "refused" });
  assert.equal(rig.state.failures, 2);
  rig.on({ type: "config.changed", key: "CentralSystemUrl", value: "x" });
  assert.equal(rig.state.failures, 0);
});

Deno.test("transitionConnection() disconnects when the backend is switched off", () => {
  const rig = new Rig();
  rig.accepted();
  rig.values.set("BackendConnectionType", "none");
  assert.deepEqual(
    rig.on({ type: "config.changed", key: "BackendConnectionType", value: "none" }),
    [
      { type: "timer.cancel", id: "reconnect" },
      { type: "timer.cancel", id: "heartbeat" },
      { type: "timer.cancel", id: "heartbeat" },
      { type: "timer.cancel", id: "boot" },
      { type: "timer.cancel", id: "reconnect" },
      { type: "ws.disconnect" },
      state("disabled", NOW, "no backend configured"),
    ],
  );
  assert.equal(rig.state.phase, "disabled");
});

Deno.test("transitionConnection() ignores a change of a key that is not a connection key", () => {
  const rig = new Rig();
  rig.accepted();
  const before = rig.state;
  assert.deepEqual(
    rig.on({ type: "config.changed", key: "MeterValueSampleInterval", value: 5 }),
    [],
  );
  assert.equal(rig.state, before);
});

Deno.test("transitionConnection() answers a triggered BootNotification when connected", () => {
  const rig = new Rig();
  assert.deepEqual(rig.on({ type: "trigger", message: "BootNotification" }), []);
  rig.on({ type: "system.started" });
  assert.deepEqual(rig.on({ type: "trigger", message: "BootNotification" }), []);
  rig.accepted();
  // Accepted stays accepted while the new BootNotification is out.
  assert.deepEqual(rig.on({ type: "trigger", message: "BootNotification" }), [BOOT_CALL]);
  assert.equal(rig.state.phase, "accepted");
  const pending = new Rig();
  pending.on({ type: "system.started" });
  pending.on({ type: "ws.opened", conn: 1 });
  pending.on(bootResult("Pending", 60));
  assert.deepEqual(pending.on({ type: "trigger", message: "BootNotification" }), [
    state("booting", NOW),
    BOOT_CALL,
  ]);
  assert.equal(pending.state.phase, "booting");
});

Deno.test("transitionConnection() answers a triggered Heartbeat only when accepted", () => {
  const rig = new Rig();
  rig.on({ type: "system.started" });
  rig.on({ type: "ws.opened", conn: 1 });
  assert.deepEqual(rig.on({ type: "trigger", message: "Heartbeat" }), []);
  rig.on(bootResult("Accepted", 300));
  assert.deepEqual(rig.on({ type: "trigger", message: "Heartbeat" }), [HEARTBEAT_CALL]);
  assert.deepEqual(rig.on({ type: "trigger", message: "StatusNotification" }), []);
});

Deno.test("transitionConnection() ignores results of other actions", () => {
  const rig = new Rig();
  rig.accepted();
  const before = rig.state;
  assert.deepEqual(
    rig.on({
      type: "ocpp.result",
      action: "Heartbeat",
      payload: { currentTime: TIME },
      request: {},
    }),
    [],
  );
  assert.equal(rig.state, before);
});

Deno.test("connectionActor() receives the supervisor's messages and boots with its BootInfo", () => {
  const actor = connectionActor(INFO);
  assert.equal(actor.name, "connection");
  assert.deepEqual([...actor.receives].sort(), [
    "backend.reconnect",
    "config.changed",
    "ocpp.failed",
    "ocpp.result",
    "system.started",
    "trigger",
    "ws.closed",
    "ws.opened",
  ]);
  const ctx: Ctx = { now: NOW, config: viewOf(new Map(Object.entries(BACKEND))) };
  const [started] = actor.transition(actor.initial(ctx), { type: "system.started" }, ctx);
  const [, effects] = actor.transition(started, { type: "ws.opened", conn: 1 }, ctx);
  assert.deepEqual(effects, [BOOT_CALL, state("booting", NOW)]);
});

Deno.test("transitionConnection() reconnects at once on backend.reconnect, not while disabled", () => {
  const rig = new Rig();
  rig.accepted();
  rig.now += 5_000;
  rig.on({ type: "ws.closed", conn: 1, reason: "Connection refused: x" });
  assert.equal(rig.state.phase, "backoff");
  assert.deepEqual(rig.on({ type: "backend.reconnect" }), [
    { type: "timer.cancel", id: "reconnect" },
    { type: "timer.cancel", id: "heartbeat" },
    { type: "timer.cancel", id: "boot" },
    { type: "ws.connect", conn: 2, url: URL_1 },
    state("connecting", NOW + 5_000),
  ]);
  assert.equal(rig.state.failures, 0);
  const off = new Rig({ ...BACKEND, BackendConnectionType: "none" });
  off.on({ type: "system.started" });
  assert.deepEqual(off.on({ type: "backend.reconnect" }), []);
});
