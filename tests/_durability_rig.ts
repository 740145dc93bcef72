/**
 * Scenario rig for durability: the whole runtime on a durable store in a
 * data directory (SQLite journal and outbox, simulated station with its
 * state file) against the real test Central System, through a loopback
 * TCP relay whose cable the test can pull ({@link NetCut}); the runtime can
 * be power-cycled (halted without a clean stop, contactors dropped, started
 * again on the same store and station state) or restarted cleanly. Timers
 * run on a FakeClock the test advances.
 *
 * @module
 */
import { FakeClock } from "../actors/clock.ts";
import type { BusMessage } from "../actors/messages.ts";
import type { ConfigStore } from "../config/store.ts";
import { SimStation } from "../drivers/sim_station.ts";
import { memoryLogger } from "../runtime/log.ts";
import { teeLogger } from "../runtime/log_file.ts";
import type { UpdatesOptions } from "../runtime/updates.ts";
import type { Runtime } from "../runtime/runtime.ts";
import { simHardware } from "../runtime/sim_hardware.ts";
import { Storage } from "../runtime/storage.ts";
import { Csms } from "./csms.ts";
import { advanceSettled, openWallboxStore, startRuntime, stepClock } from "./harness.ts";

/** A loopback TCP relay to the Central System whose cable can be pulled. */
export class NetCut {
  readonly port: number;
  #listener: Deno.Listener;
  #target: number;
  #pairs = new Set<Deno.Conn>();
  #cut = false;
  #done: Promise<void>;

  constructor(targetPort: number) {
    this.#target = targetPort;
    this.#listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
    this.port = (this.#listener.addr as Deno.NetAddr).port;
    this.#done = this.#accept();
  }

  async #accept(): Promise<void> {
    try {
      for await (const conn of this.#listener) void this.#serve(conn);
    } catch { /* closed */ }
  }

  async #serve(conn: Deno.Conn): Promise<void> {
    if (this.#cut) return this.#close(conn);
    let up: Deno.Conn;
    try {
      up = await Deno.connect({ hostname: "127.0.0.1", port: this.#target });
    } catch {
      return this.#close(conn);
    }
    this.#pairs.add(conn).add(up);
    await Promise.allSettled([
      conn.readable.pipeTo(up.writable),
      up.readable.pipeTo(conn.writable),
    ]);
    this.#close(conn);
    this.#close(up);
  }

  #close(c: Deno.Conn): void {
    this.#pairs.delete(c);
    try {
      c.close();
    } catch { /* closed */ }
  }

  /** Backend unreachable: open connections drop, new ones are closed at once. */
  cut(): void {
    this.#cut = true;
    for (const c of [...this.#pairs]) this.#close(c);
  }

  /** Backend reachable again. */
  restore(): void {
    this.#cut = false;
  }

  async close(): Promise<void> {
    this.cut();
    this.#listener.close();
    await this.#done;
  }
}

/** Options for {@link startDurableRig}. */
export interface DurableRigOptions {
  /** Settings applied before start, by app name or OCPP key. */
  readonly settings?: Record<string, unknown>;
  readonly connectors?: number;
  /** Prepare the Central System before the Charge Point connects. */
  readonly before?: (csms: Csms) => void;
  /** Most messages the outbox keeps. */
  readonly outboxLimit?: number;
  /** Start in safe mode (charging disabled) for this reason. */
  readonly safeMode?: string;
  /** Firmware Management for each power-on (its `logs` also get the log lines). */
  readonly updates?: (clock: FakeClock, dataDir: string) => UpdatesOptions;
}

/** A Charge Point on a durable store, with its Central System and a pullable network cable. */
export interface DurableRig extends AsyncDisposable {
  readonly csms: Csms;
  readonly net: NetCut;
  readonly clock: FakeClock;
  readonly dataDir: string;
  readonly store: ConfigStore;
  readonly storage: Storage;
  /** The runtime of the current power-on. */
  readonly cp: Runtime;
  /** The simulated station of the current power-on. */
  readonly station: SimStation;
  /** Every bus message of every power-on, in order. */
  readonly messages: BusMessage[];
  readonly logs: string[];
  /** Advances the clock in one-second steps, letting the runtime react after each. */
  advance(ms: number): Promise<void>;
  /**
   * Power cut and return: the runtime halts without a clean stop, every
   * contactor drops, and a new runtime starts on the same store with the
   * station rebuilt from its state file (cable, meter register).
   */
  powerCycle(): Promise<void>;
  /** A clean stop (`Runtime.stop`) and start, e.g. a service restart. */
  restart(): Promise<void>;
  /** Pulls the network cable and waits until the Charge Point noticed. */
  offline(): Promise<void>;
  /** Plugs it back and advances the clock until the Charge Point is booted again. */
  online(): Promise<void>;
}

/** Starts a Central System and a Charge Point on a durable store, booted and with statuses sent. */
export async function startDurableRig(opts: DurableRigOptions = {}): Promise<DurableRig> {
  const csms = await Csms.start();
  opts.before?.(csms);
  const net = new NetCut(Number(new URL(csms.url).port));
  const dataDir = await Deno.makeTempDir({ prefix: "cp-durable-" });
  const connectors = opts.connectors ?? 1;
  const store = await openWallboxStore(dataDir, {
    backendUrl: `ws://127.0.0.1:${net.port}`,
    chargePointId: "CP-DURABLE-1",
    settings: opts.settings,
    connectors: opts.connectors,
  });
  const storage = Storage.open(`${dataDir}/state.db`);
  const clock = new FakeClock(Date.now());
  csms.now = () => clock.now();
  const messages: BusMessage[] = [];
  const logs: string[] = [];
  const stateFile = `${dataDir}/sim-station.json`;
  let safeMode = opts.safeMode;
  const boot = () => {
    const station = new SimStation(clock, { connectors, stateFile });
    const updates = opts.updates?.(clock, dataDir);
    const cp = startRuntime({
      store,
      clock,
      hardware: simHardware({ clock, station }),
      logger: updates?.logs ? teeLogger(memoryLogger(logs), updates.logs) : memoryLogger(logs),
      ...(updates ? { updates } : {}),
      inspect: (m) => messages.push(m),
      storage,
      ...(opts.outboxLimit !== undefined ? { outboxLimit: opts.outboxLimit } : {}),
      ...(safeMode !== undefined ? { safeMode } : {}),
    });
    safeMode = undefined;
    return { cp, station };
  };
  let current = boot();
  const settle = () => new Promise((r) => setTimeout(r, 0));
  const rig: DurableRig = {
    csms,
    net,
    clock,
    dataDir,
    store,
    storage,
    get cp() {
      return current.cp;
    },
    get station() {
      return current.station;
    },
    messages,
    logs,
    advance: (ms: number) => stepClock(clock, ms),
    async powerCycle() {
      current.station.powerCut();
      current.cp.halt();
      await current.cp.flushed();
      await settle();
      current = boot();
    },
    async restart() {
      current.cp.stop();
      await current.cp.flushed();
      await settle();
      current = boot();
    },
    async offline() {
      const from = messages.length;
      net.cut();
      await csms.until(
        () => messages.slice(from).some((m) => m.type === "ws.closed") && !csms.connected,
        "the Charge Point to notice the cut",
      );
    },
    async online() {
      net.restore();
      const from = messages.length;
      const accepted = () =>
        messages.slice(from).some((m) => m.type === "backend.state" && m.state === "accepted");
      // Reconnect backoff is capped at 5 min (connection actor); advance until booted,
      // only between attempts (a dial's real duration never shifts the fake time).
      await advanceSettled(clock, () => current.cp, csms.until.bind(csms), 400_000, accepted);
      await csms.until(accepted, "the Charge Point to boot again");
    },
    async [Symbol.asyncDispose]() {
      current.cp.stop();
      await current.cp.flushed();
      await net.close();
      await csms.close();
      storage.close();
      await Deno.remove(dataDir, { recursive: true });
    },
  };
  await csms.next("StatusNotification", 0, (p) => p.connectorId === connectors);
  // The start-up's security event follows the statuses (Security Whitepaper chapter 8).
  await csms.next("SecurityEventNotification", 0, (p) => p.type === "StartupOfTheDevice");
  await csms.until(() => {
    const s = current.cp.bus.snapshot("rpc");
    return s.inflight === undefined && s.queue.length === 0;
  }, "the start-up's CALLs to be answered");
  return rig;
}

/** The transaction-related CALLs the Central System received from position `from` on. */
export function transactionCalls(
  csms: Csms,
  from = 0,
): { action: string; params: Record<string, unknown> }[] {
  return csms.received.filter((r) =>
    r.seq >= from &&
    (r.action === "StartTransaction" || r.action === "StopTransaction" ||
      (r.action === "MeterValues" && r.params.transactionId !== undefined))
  ).map((r) => ({ action: r.action, params: r.params }));
}
