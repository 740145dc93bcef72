/**
 * Scenario test harness: the whole runtime (all actors, the real WebSocket
 * transport, the hardware bridge over the simulated station, a settings
 * store on disk) against the real test Central System of `csms.ts`, over
 * loopback. Timers run on a FakeClock the test advances.
 *
 * @module
 */
import { FakeClock } from "../actors/clock.ts";
import type { BusMessage } from "../actors/messages.ts";
import { ConfigStore } from "../config/store.ts";
import { denoTransport } from "../ocpp/transport_deno.ts";
import { memoryLogger } from "../runtime/log.ts";
import { Runtime } from "../runtime/runtime.ts";
import { simHardware } from "../runtime/sim_hardware.ts";
import { BOOT_INFO } from "../runtime/version.ts";
import type { SimStation } from "../drivers/sim_station.ts";
import { Csms } from "./csms.ts";

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
}

/** Starts a Central System and a Charge Point connected to it, booted and with statuses sent. */
export async function startRig(opts: RigOptions = {}): Promise<Rig> {
  const csms = await Csms.start();
  opts.before?.(csms);
  const dataDir = await Deno.makeTempDir({ prefix: "cp-test-" });
  const store = await ConfigStore.open(dataDir);
  await store.apply(store.validateSettings({
    backendConnectionType: "ethernet",
    backendUrl: csms.url,
    chargePointId: "CP-TEST-1",
    ...(opts.connectors ? { NumberOfConnectors: opts.connectors } : {}),
    ...opts.settings,
  }));
  const clock = new FakeClock(Date.now());
  const messages: BusMessage[] = [];
  const logs: string[] = [];
  const hw = simHardware({
    clock,
    connectors: opts.connectors ?? 1,
    fixedCable: opts.fixedCable ?? false,
  });
  const cp = new Runtime({
    store,
    clock,
    transport: denoTransport,
    hardware: hw,
    logger: memoryLogger(logs, () => [String(store.get("AuthorizationKey"))].filter(Boolean)),
    bootInfo: BOOT_INFO,
    inspect: (m) => messages.push(m),
  }).start();
  const rig: Rig = {
    csms,
    cp,
    clock,
    station: hw.station,
    dataDir,
    store,
    messages,
    logs,
    async advance(ms: number) {
      // In steps of at most a second, letting the async drivers answer in between,
      // as they would in real time.
      for (let left = ms; left > 0; left -= 1000) {
        clock.advance(Math.min(1000, left));
        await new Promise((r) => setTimeout(r, 0));
      }
    },
    async [Symbol.asyncDispose]() {
      cp.stop();
      await csms.close();
      await Deno.remove(dataDir, { recursive: true });
    },
  };
  if (!opts.noWait) {
    await csms.next("StatusNotification", 0, (p) => p.connectorId === (opts.connectors ?? 1));
  }
  return rig;
}
