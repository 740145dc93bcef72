/**
 * Scenario test harness: the whole runtime (all actors, the real WebSocket
 * transport, the hardware bridge over the simulated station, a settings
 * store on disk) against the real test Central System of `csms.ts`, over
 * loopback. Timers run on a FakeClock the test advances.
 *
 * @module
 */
import { FakeClock } from "../actors/clock.ts";
import type { BusMessage, MessageOf } from "../actors/messages.ts";
import { ConfigStore } from "../config/store.ts";
import { denoTransport } from "../ocpp/transport_deno.ts";
import { memoryLogger } from "../runtime/log.ts";
import { Runtime, type RuntimeOptions } from "../runtime/runtime.ts";
import { simHardware } from "../runtime/sim_hardware.ts";
import { BOOT_INFO, VERSION } from "../runtime/version.ts";
import type { SimStation } from "../drivers/sim_station.ts";
import { SimInstaller } from "../drivers/installer_sim.ts";
import { Csms, type CsmsOptions } from "./csms.ts";
import { failOnBusError } from "./_bus_errors.ts";

export { failOnBusError } from "./_bus_errors.ts";
export { makeTestPki, startProxy, type TestPki, type TestProxy } from "./_net_peers.ts";

/** A charge point under test with its Central System. */
export interface Rig extends AsyncDisposable {
  readonly csms: Csms;
  readonly cp: Runtime;
  readonly clock: FakeClock;
  readonly station: SimStation;
  readonly dataDir: string;
  readonly store: ConfigStore;
  /** Every bus message, in order. */
  readonly messages: BusMessage[];
  /** Log lines. */
  readonly logs: string[];
  /** Advances the clock in one-second steps and lets the runtime react after each. */
  advance(ms: number): Promise<void>;
}

/** Options for {@link startRig}. */
export interface RigOptions {
  /** Settings applied before start, by app name or OCPP key. */
  readonly settings?: Record<string, unknown>;
  readonly connectors?: number;
  readonly fixedCable?: boolean;
  /** Do not wait for the boot to be Accepted. */
  readonly noWait?: boolean;
  /** Prepare the Central System before the Charge Point connects. */
  readonly before?: (csms: Csms) => void;
  /** How the Central System is started (TLS, Basic auth, pings). */
  readonly csms?: CsmsOptions;
  /**
   * How far the Central System's clock runs ahead of the Charge Point's (its
   * time comes with BootNotification.conf and Heartbeat.conf); default 0.
   */
  readonly csmsAheadMs?: number;
}

/** The settings a Charge Point under test starts with. */
export interface WallboxSetup {
  /** The Central System's endpoint. */
  readonly backendUrl: string;
  readonly chargePointId: string;
  /** Settings applied on top, by app name or OCPP key. */
  readonly settings?: Record<string, unknown> | undefined;
  readonly connectors?: number | undefined;
}

/**
 * Opens the settings store of `dataDir` with the backend set as an
 * installer sets it, and NumberOfConnectors as the maker does.
 */
export async function openWallboxStore(dataDir: string, setup: WallboxSetup): Promise<ConfigStore> {
  const store = await ConfigStore.open(dataDir);
  await store.apply(store.validateSettings({
    backendConnectionType: "ethernet",
    backendUrl: setup.backendUrl,
    chargePointId: setup.chargePointId,
    ...setup.settings,
  }));
  // NumberOfConnectors is read-only for the backend and the app: set it as the maker would.
  if (setup.connectors) await store.set("NumberOfConnectors", setup.connectors);
  return store;
}

/**
 * The seed of every runtime these tests start (reconnect jitter): random,
 * printed once per test file; replay a run with `TEST_SEED=<seed>`.
 */
export const TEST_SEED = Number(
  Deno.env.get("TEST_SEED") ?? crypto.getRandomValues(new Uint32Array(1))[0],
) >>> 0;
Deno.stderr.writeSync(
  new TextEncoder().encode(`test seed ${TEST_SEED} (replay: TEST_SEED=${TEST_SEED})\n`),
);

/** Starts a runtime on the real WebSocket transport, with this version's boot information. */
export function startRuntime(opts: Omit<RuntimeOptions, "transport" | "bootInfo">): Runtime {
  return new Runtime({
    transport: denoTransport,
    bootInfo: BOOT_INFO,
    onBusError: failOnBusError,
    seed: TEST_SEED,
    ...opts,
  }).start();
}

/**
 * Advances `clock` in steps of at most a second, letting the async drivers
 * and sockets answer in between, as they would in real time.
 */
export async function stepClock(clock: FakeClock, ms: number): Promise<void> {
  for (let left = ms; left > 0; left -= 1000) {
    clock.advance(Math.min(1000, left));
    await new Promise((r) => setTimeout(r, 0));
  }
}

/**
 * Waits until the Charge Point is not in the middle of a connection attempt
 * or its boot (the outcome is on the bus), then advances `clock` by one second; repeated
 * for `ms`. Fake time passes only while the Charge Point waits on its own
 * timers, so how long a real dial takes never shifts the backoff it sees.
 */
export async function advanceSettled(
  clock: FakeClock,
  cp: () => Runtime,
  until: Csms["until"],
  ms: number,
  stop: () => boolean = () => false,
): Promise<void> {
  const phase = () => cp().bus.snapshot("connection").phase;
  for (let left = ms; left > 0 && !stop(); left -= 1000) {
    // Not while a dial or the BootNotification's answer is under way: time moving then
    // would race the real I/O (a BootNotification.conf would set the clock back).
    await until(
      () => !["connecting", "booting"].includes(phase()),
      "the connection attempt to end",
    );
    clock.advance(Math.min(1000, left));
    await new Promise((r) => setTimeout(r, 0));
  }
}

/**
 * Resolves once everything the Charge Point sent before now has reached the
 * Central System: a CALL of the Central System and its answer travel the
 * same connection, in order. Replaces "sleep and hope" in absence checks.
 */
export async function roundTrip(rig: Rig): Promise<void> {
  await rig.csms.call("GetConfiguration", { key: ["HeartbeatInterval"] });
}

/** Starts a Central System and a Charge Point connected to it, booted and with statuses sent. */
export async function startRig(opts: RigOptions = {}): Promise<Rig> {
  const csms = await Csms.start(opts.csms);
  opts.before?.(csms);
  const dataDir = await Deno.makeTempDir({ prefix: "cp-test-" });
  const store = await openWallboxStore(dataDir, {
    backendUrl: csms.url,
    chargePointId: "CP-TEST-1",
    settings: opts.settings,
    connectors: opts.connectors,
  });
  const clock = new FakeClock(Date.now());
  // The Central System's time runs on the same clock, as a real one agrees with real time.
  const ahead = opts.csmsAheadMs ?? 0;
  csms.now = () => clock.now() + ahead;
  const messages: BusMessage[] = [];
  const logs: string[] = [];
  const hw = simHardware({
    clock,
    connectors: opts.connectors ?? 1,
    fixedCable: opts.fixedCable ?? false,
  });
  const cp = startRuntime({
    store,
    clock,
    hardware: hw,
    logger: memoryLogger(logs, () => [String(store.get("AuthorizationKey"))].filter(Boolean)),
    inspect: (m) => messages.push(m),
    // Firmware Management as the wallbox has it (tests/octt_firmware_test.ts drives it).
    updates: {
      dataDir,
      installer: new SimInstaller({ dir: `${dataDir}/fw`, factoryVersion: VERSION, clock }),
    },
  });
  const rig: Rig = {
    csms,
    cp,
    clock,
    station: hw.station,
    dataDir,
    store,
    messages,
    logs,
    advance: (ms: number) => stepClock(clock, ms),
    async [Symbol.asyncDispose]() {
      cp.stop();
      await cp.flushed();
      await csms.close();
      await Deno.remove(dataDir, { recursive: true });
    },
  };
  if (!opts.noWait) {
    await csms.next("StatusNotification", 0, (p) => p.connectorId === (opts.connectors ?? 1));
    // The start-up's security event follows the statuses (Security Whitepaper chapter 8); the
    // OCTT's cases begin with nothing left in the queue (test case document 1.3).
    await csms.next("SecurityEventNotification", 0, (p) => p.type === "StartupOfTheDevice");
    await rpcIdle(rig);
  }
  return rig;
}

// --- OCTT reusable states (OCTT test case document, chapter 1.4, Tables 103-105) ---

/** The values the OCTT calls "Configured ..." in its test cases. */
export const OCTT = {
  connectorId: 1,
  validIdTag: "OCTT-VALID-1",
  validIdTag2: "OCTT-VALID-2",
  invalidIdTag: "OCTT-INVALID",
  parentIdTag: "OCTT-PARENT",
} as const;

/** Sets configuration keys with ChangeConfiguration, as the tool does; each must be Accepted. */
export async function configure(rig: Rig, keys: Record<string, string>): Promise<void> {
  for (const [key, value] of Object.entries(keys)) {
    const answer = await rig.csms.call("ChangeConfiguration", { key, value });
    if (answer.status !== "Accepted") {
      throw new Error(`ChangeConfiguration ${key}=${value} answered ${answer.status}`);
    }
  }
}

/** Waits until every CALL of the Charge Point was sent and answered (nothing queued). */
export async function rpcIdle(rig: Rig): Promise<void> {
  await rig.csms.until(() => {
    const s = rig.cp.bus.snapshot("rpc");
    return s.inflight === undefined && s.queue.length === 0;
  }, "the Charge Point's CALLs to be answered");
}

/** Advances the clock second by second, each step only once all CALLs were answered. */
export async function advanceIdle(rig: Rig, ms: number): Promise<void> {
  for (let left = ms; left > 0; left -= 1000) {
    await rpcIdle(rig);
    await rig.advance(Math.min(1000, left));
  }
  await rpcIdle(rig);
}

/**
 * Reusable state Authorized (Table 104): a valid idTag is presented, Authorize.req
 * is Accepted and the connector reports Preparing (no cable needed).
 */
export async function reachAuthorized(rig: Rig, idTag: string = OCTT.validIdTag): Promise<void> {
  const m = rig.csms.mark;
  rig.station.tap(idTag);
  const auth = await rig.csms.next("Authorize", m);
  if (auth.params.idTag !== idTag) throw new Error(`Authorize for ${auth.params.idTag}`);
  await rig.csms.next("StatusNotification", m, (p) => p.status === "Preparing");
}

/** What {@link reachCharging} leaves behind. */
export interface ChargingState {
  readonly transactionId: number;
  /** StartTransaction.req as sent. */
  // deno-lint-ignore no-explicit-any
  readonly start: any;
  /** Position of the first CALL of the state, for sequence checks. */
  readonly from: number;
}

/**
 * Reusable state Charging (Table 105): GetConfiguration(AuthorizeRemoteTxRequests),
 * cable plugged in, Preparing, RemoteStartTransaction Accepted, Authorize.req when
 * AuthorizeRemoteTxRequests is true, StartTransaction.req, Charging.
 */
export async function reachCharging(
  rig: Rig,
  opts: { connectorId?: number; idTag?: string } = {},
): Promise<ChargingState> {
  const { csms, station } = rig;
  const connectorId = opts.connectorId ?? OCTT.connectorId;
  const idTag = opts.idTag ?? OCTT.validIdTag;
  const from = csms.mark;
  const conf = await csms.call("GetConfiguration", { key: ["AuthorizeRemoteTxRequests"] });
  const authorizeRemote = conf.configurationKey?.[0]?.value === "true";
  station.plug(connectorId);
  await csms.next(
    "StatusNotification",
    from,
    (p) => p.connectorId === connectorId && p.status === "Preparing",
  );
  const remote = await csms.call("RemoteStartTransaction", { connectorId, idTag });
  if (remote.status !== "Accepted") throw new Error(`RemoteStartTransaction ${remote.status}`);
  if (authorizeRemote) await csms.next("Authorize", from, (p) => p.idTag === idTag);
  const start = await csms.next(
    "StartTransaction",
    from,
    (p) => p.connectorId === connectorId && p.idTag === idTag,
  );
  await csms.next(
    "StatusNotification",
    from,
    (p) => p.connectorId === connectorId && p.status === "Charging",
  );
  await rpcIdle(rig);
  const tx = rig.cp.bus.snapshot("transaction").connectors[connectorId - 1]!.tx;
  if (tx.phase !== "active" || typeof tx.transactionId !== "number") {
    throw new Error("no transactionId after start");
  }
  return { transactionId: tx.transactionId, start: start.params, from };
}

/** The StatusNotification statuses of one connector from position `from` on, in order. */
export function statusesOf(
  rig: Rig,
  from: number,
  connectorId: number = OCTT.connectorId,
): string[] {
  return rig.csms.all("StatusNotification", from).filter((r) =>
    r.params.connectorId === connectorId
  )
    .map((r) => r.params.status);
}

/** The CALLs the Charge Point put on the bus for `action` since bus index `from`. */
export function callsOnBus(rig: Rig, action: string, from: number): MessageOf<"ocpp.call">[] {
  return rig.messages.slice(from).filter((m): m is MessageOf<"ocpp.call"> =>
    m.type === "ocpp.call" && m.action === action
  );
}

/** The last authorization decision (`auth.result`) for an idTag. */
export function lastDecision(rig: Rig, idTag: string): MessageOf<"auth.result"> {
  const r = rig.messages.findLast((m) => m.type === "auth.result" && m.idTag === idTag);
  if (r?.type !== "auth.result") throw new Error(`no auth.result for ${idTag}`);
  return r;
}
