/**
 * The hardware bridge: the thin effectful shell between the bus and the
 * drivers of `drivers/`.
 *
 * Receives `hw.set_relay`, `hw.lock` and `hw.unlock` and performs them on
 * that connector's drivers, one call at a time per connector, in order;
 * `sc.limit` sets the pilot's PWM current (`Pilot.offer`) at once.
 * Emits: after each relay switch a fresh `hw.meter`, then `hw.relay` (the
 * transaction actor takes the reading it holds when the relay-open
 * confirmation arrives); `hw.locked` (a fixed cable is locked at once), then
 * `hw.fault` ConnectorLockFailure if it failed; `hw.unlocked` (NotSupported
 * for a fixed cable or an unknown connector); pilot changes as
 * `hw.ev_state`; cards as `hw.rfid`; faults as `hw.fault` /
 * `hw.fault_cleared` (the charge point's own supervision, `Hardware.faults`,
 * as connector 0); `hw.meter` every `meterPollMs` when register or power
 * (or the current and voltage per phase, where the meter measures them)
 * changed; `log`. Passes `sc.limit` (smart charging) to the pilot's
 * `offer` where the pilot has one (queued per connector; a failure is
 * logged). At start: `hw.ev_state`, any present `hw.fault`, and
 * `hw.meter` of every connector.
 *
 * A driver that throws, hangs (past `driverTimeoutMs`) or returns garbage
 * never crashes the process: the bridge logs an error, skips the reading and
 * raises PowerSwitchFailure (relay), PowerMeterFailure (meter) or
 * ConnectorLockFailure (lock). These clear with the next good switch, good
 * reading, good lock or unlock, or unplugging; faults of several origins are
 * combined by {@link FaultLedger}.
 *
 * @module
 */
import { type Bus, errorText } from "../actors/bus.ts";
import type { Clock, TimerHandle } from "../actors/clock.ts";
import type { BusMessage, EvState } from "../actors/messages.ts";
import type { ConnectorHardware, Hardware } from "../drivers/mod.ts";
import { checkReading, describe, type MeterReading, type Phases } from "../drivers/meter.ts";
import { EV_STATES, isEvState } from "../drivers/pilot.ts";
import { checkIdTag } from "../drivers/rfid.ts";
import { checkFault, type Fault } from "../drivers/fault.ts";
import { FaultLedger, type LedgerChange } from "../drivers/fault_ledger.ts";
import { callWithin } from "../drivers/call.ts";

/** How often meters are read unless told otherwise. */
export const DEFAULT_METER_POLL_MS = 1_000;
/** How long a driver call may take before it counts as failed. */
export const DEFAULT_DRIVER_TIMEOUT_MS = 10_000;

/** Options for {@link startHardware}. */
export interface HardwareOptions {
  /** Meter poll interval, ms (default {@link DEFAULT_METER_POLL_MS}). */
  readonly meterPollMs?: number;
  /** Time a driver call may take, ms (default {@link DEFAULT_DRIVER_TIMEOUT_MS}). */
  readonly driverTimeoutMs?: number;
}

/**
 * Starts the bridge. Resolves once the start facts are published, to the
 * function that stops it (unsubscribes, stops polling, publishes nothing more).
 *
 * @example With the simulated station
 * ```ts
 * import { Bus } from "../actors/bus.ts";
 * import { systemClock as clock } from "../actors/clock.ts";
 * import { viewOf } from "../config/registry.ts";
 * import { SimStation } from "../drivers/sim_station.ts";
 * const bus = new Bus({ clock, config: () => viewOf(new Map()) });
 * const station = new SimStation(clock, { connectors: 2 });
 * const stopHardware = await startHardware(bus, station, clock);
 * bus.publish({ type: "hw.set_relay", connectorId: 1, closed: true });
 * stopHardware();
 * ```
 */
export async function startHardware(
  bus: Bus,
  hw: Hardware,
  clock: Clock,
  opts: HardwareOptions = {},
): Promise<() => void> {
  const bridge = new Bridge(bus, hw, clock, opts);
  await bridge.start();
  return () => bridge.stop();
}

/** One connector, as the bridge tracks it. */
interface Port {
  readonly id: number;
  readonly hw: ConnectorHardware;
  readonly fixedCable: boolean;
  /** The tail of this connector's work queue: driver calls run one at a time. */
  queue: Promise<void>;
  polling: boolean;
  /** The last good reading. */
  meter: MeterReading | null;
  evState: EvState | null;
  readonly faults: FaultLedger<"source" | "relay" | "meter" | "lock">;
  /** The last meter error logged: a failure repeating every poll is logged once. */
  meterError: string | null;
}

class Bridge {
  #bus: Bus;
  #hw: Hardware;
  #clock: Clock;
  #pollMs: number;
  #timeoutMs: number;
  #ports: Port[];
  #offs: (() => void)[] = [];
  #abort = new AbortController();
  #pollTimer: TimerHandle | undefined;
  #stopped = false;

  constructor(bus: Bus, hw: Hardware, clock: Clock, opts: HardwareOptions) {
    this.#bus = bus;
    this.#hw = hw;
    this.#clock = clock;
    this.#pollMs = positive(opts.meterPollMs ?? DEFAULT_METER_POLL_MS, "meterPollMs");
    this.#timeoutMs = positive(
      opts.driverTimeoutMs ?? DEFAULT_DRIVER_TIMEOUT_MS,
      "driverTimeoutMs",
    );
    this.#ports = hw.connectors.map((c, i) => ({
      id: i + 1,
      hw: c,
      fixedCable: c.lock.fixedCable === true,
      queue: Promise.resolve(),
      polling: false,
      meter: null,
      evState: null,
      faults: new FaultLedger(),
      meterError: null,
    }));
  }

  async start(): Promise<void> {
    const bus = this.#bus;
    this.#offs.push(
      bus.subscribe("hw.set_relay", (m) => {
        const port = this.#port(m.connectorId, `${m.closed ? "close" : "open"} relay of`);
        if (port) void this.#enqueue(port, () => this.#setRelay(port, m.closed));
      }),
      bus.subscribe("hw.lock", (m) => {
        const port = this.#port(m.connectorId, "lock");
        if (port) void this.#enqueue(port, () => this.#lock(port));
      }),
      // Smart charging: the pilot offers the connector's limit, when it can (Pilot.offer).
      bus.subscribe("sc.limit", (m) => {
        const port = this.#port(m.connectorId, "limit the current of");
        if (port?.hw.pilot.offer) {
          void this.#enqueue(port, () => this.#limit(port, m.currentA));
        }
      }),
      bus.subscribe("hw.unlock", (m) => {
        const port = this.#ports[m.connectorId - 1];
        const result = "NotSupported";
        if (port && !port.fixedCable) void this.#enqueue(port, () => this.#unlock(port));
        else this.#publish({ type: "hw.unlocked", connectorId: m.connectorId, result });
      }),
    );
    const listen = (what: string, subscribe: () => () => void) =>
      this.#guard(`listen to ${what}`, () => this.#offs.push(subscribe()));
    listen("the RFID reader", () => this.#hw.rfid.onTap((tag) => this.#onTap(tag)));
    for (const port of this.#ports) {
      this.#publish({ type: "hw.connector", connectorId: port.id, fixedCable: port.fixedCable });
    }
    for (const port of this.#ports) {
      const { pilot, faults } = port.hw;
      const of = `connector ${port.id}`;
      this.#guard(`read the pilot of ${of}`, () => this.#onPilot(port, pilot.state));
      listen(`the pilot of ${of}`, () => pilot.onChange((s) => this.#onPilot(port, s)));
      this.#guard(`read the faults of ${of}`, () => this.#onFault(port, faults.current));
      listen(`the faults of ${of}`, () => faults.onChange((f) => this.#onFault(port, f)));
    }
    const station = this.#hw.faults;
    if (station) {
      // The whole charge point's supervision is connector 0 (section 4.9).
      const onStation = (fault: Fault | null) => {
        if (fault === null) return this.#publish({ type: "hw.fault_cleared", connectorId: 0 });
        const problem = checkFault(fault);
        if (problem === null) this.#publish({ type: "hw.fault", connectorId: 0, ...fault });
        else this.#log("error", `Cannot use fault of the charge point: ${problem}`);
      };
      this.#guard("read the faults of the charge point", () => {
        if (station.current) onStation(station.current);
      });
      listen("the faults of the charge point", () => station.onChange(onStation));
    }
    await Promise.all(this.#ports.map((p) => this.#enqueue(p, () => this.#readMeter(p, true))));
    if (!this.#stopped) this.#schedulePoll();
  }

  stop(): void {
    this.#stopped = true;
    for (const off of this.#offs.splice(0)) {
      try {
        off();
      } catch { /* a driver that cannot unsubscribe is no reason to stay running */ }
    }
    if (this.#pollTimer !== undefined) this.#clock.clearTimeout(this.#pollTimer);
    this.#abort.abort();
  }

  async #setRelay(port: Port, closed: boolean): Promise<void> {
    try {
      await this.#call(() => port.hw.relay.set(closed));
      const now: unknown = port.hw.relay.closed;
      if (now !== closed) throw new Error(`relay reports closed: ${describe(now)} after switching`);
    } catch (err) {
      const info = errorText(err);
      this.#log(
        "error",
        `Cannot ${closed ? "close" : "open"} relay of connector ${port.id}: ${info}`,
      );
      const fault = { errorCode: "PowerSwitchFailure", info } as const;
      return this.#fault(port, port.faults.raise("relay", fault));
    }
    this.#fault(port, port.faults.clear("relay"));
    await this.#readMeter(port, true);
    this.#publish({ type: "hw.relay", connectorId: port.id, closed });
  }

  async #limit(port: Port, amps: number): Promise<void> {
    try {
      await this.#call(async () => await port.hw.pilot.offer!(amps));
    } catch (err) {
      this.#log("error", `Cannot limit connector ${port.id} to ${amps} A: ${errorText(err)}`);
    }
  }

  async #readMeter(port: Port, always: boolean): Promise<void> {
    let text: string;
    let cause: string;
    try {
      const reading: unknown = await this.#call(() => port.hw.meter.read());
      const bad = checkReading(reading, port.meter?.wh);
      if (bad === null) {
        const { wh, w, phases: p } = reading as MeterReading;
        // Copied: the driver may reuse its arrays.
        const phases = p && {
          currentA: [...p.currentA] as unknown as Phases,
          voltageV: [...p.voltageV] as unknown as Phases,
        };
        const changed = port.meter?.wh !== wh || port.meter.w !== w ||
          JSON.stringify(port.meter.phases) !== JSON.stringify(phases);
        port.meter = { wh, w, ...(phases ? { phases } : {}) };
        port.meterError = null;
        this.#fault(port, port.faults.clear("meter"));
        if (changed || always) {
          this.#publish({
            type: "hw.meter",
            connectorId: port.id,
            wh,
            w,
            ...(phases ? { phases } : {}),
          });
        }
        return;
      }
      [text, cause] = [`Cannot use meter reading of connector ${port.id}: ${bad}`, bad];
    } catch (err) {
      cause = errorText(err);
      text = `Cannot read meter of connector ${port.id}: ${cause}`;
    }
    if (text !== port.meterError) this.#log("error", text);
    port.meterError = text;
    this.#fault(port, port.faults.raise("meter", { errorCode: "PowerMeterFailure", info: cause }));
  }

  async #lock(port: Port): Promise<void> {
    let [ok, level, cause]: [boolean, "warn" | "error", string] = [true, "warn", ""];
    try {
      const result: unknown = port.fixedCable || await this.#call(() => port.hw.lock.lock());
      ok = result === true;
      if (result === false) cause = "lock did not engage";
      else if (!ok) [level, cause] = ["error", `lock returned ${describe(result)}, not a boolean`];
    } catch (err) {
      [ok, level, cause] = [false, "error", errorText(err)];
    }
    if (!ok) this.#log(level, `Cannot lock connector ${port.id}: ${cause}`);
    this.#publish({ type: "hw.locked", connectorId: port.id, ok });
    const fault = { errorCode: "ConnectorLockFailure", info: cause } as const;
    this.#fault(port, ok ? port.faults.clear("lock") : port.faults.raise("lock", fault));
  }

  async #unlock(port: Port): Promise<void> {
    const action = `Cannot unlock connector ${port.id}`;
    let result: "Unlocked" | "UnlockFailed" = "UnlockFailed";
    try {
      const answer: unknown = await this.#call(() => port.hw.lock.unlock());
      if (answer === "UnlockFailed") this.#log("warn", `${action}: lock did not release`);
      if (answer === "Unlocked" || answer === "UnlockFailed") result = answer;
      else this.#log("error", `${action}: lock returned ${describe(answer)}, not a result`);
    } catch (err) {
      this.#log("error", `${action}: ${errorText(err)}`);
    }
    this.#publish({ type: "hw.unlocked", connectorId: port.id, result });
    if (result === "Unlocked") this.#fault(port, port.faults.clear("lock"));
  }

  #onPilot(port: Port, state: unknown): void {
    if (!isEvState(state)) {
      const problem = `${describe(state)} is not one of ${EV_STATES.join(", ")}`;
      return this.#log("error", `Cannot use pilot state of connector ${port.id}: ${problem}`);
    }
    if (state === port.evState) return;
    port.evState = state;
    this.#publish({ type: "hw.ev_state", connectorId: port.id, state });
    // A lock failure goes with the cable that had it.
    if (state === "A") this.#fault(port, port.faults.clear("lock"));
  }

  #onFault(port: Port, fault: Fault | null): void {
    if (fault === null) return this.#fault(port, port.faults.clear("source"));
    const problem = checkFault(fault);
    if (problem === null) this.#fault(port, port.faults.raise("source", fault));
    else this.#log("error", `Cannot use fault of connector ${port.id}: ${problem}`);
  }

  #onTap(idTag: unknown): void {
    const problem = checkIdTag(idTag);
    if (problem === null) this.#publish({ type: "hw.rfid", idTag: idTag as string });
    else this.#log("error", `Cannot accept RFID tag ${describe(idTag)}: ${problem}`);
  }

  #fault(port: Port, change: LedgerChange): void {
    if (change.kind === "fault") {
      this.#publish({ type: "hw.fault", connectorId: port.id, ...change.fault });
    } else if (change.kind === "cleared") {
      this.#publish({ type: "hw.fault_cleared", connectorId: port.id });
    }
  }

  #schedulePoll(): void {
    this.#pollTimer = this.#clock.setTimeout(() => {
      if (this.#stopped) return;
      this.#schedulePoll();
      for (const port of this.#ports.filter((p) => !p.polling)) {
        port.polling = true;
        void this.#enqueue(port, () => this.#readMeter(port, false)).then(() =>
          port.polling = false
        );
      }
    }, this.#pollMs);
  }

  /** Runs `work` after the connector's earlier work; never rejects. */
  #enqueue(port: Port, work: () => Promise<void>): Promise<void> {
    port.queue = port.queue.then(() => this.#stopped ? undefined : work()).catch((err) =>
      this.#log("error", `Cannot drive connector ${port.id}: ${errorText(err)}`)
    );
    return port.queue;
  }

  /** Calls a driver; a throw or a hang past the timeout becomes a rejection. */
  #call<T>(fn: () => Promise<T>): Promise<T> {
    return callWithin(this.#clock, this.#timeoutMs, fn, this.#abort.signal);
  }

  #port(connectorId: number, action: string): Port | undefined {
    const port = this.#ports[connectorId - 1];
    const range = `no such connector (1..${this.#ports.length})`;
    if (!port) this.#log("error", `Cannot ${action} connector ${connectorId}: ${range}`);
    return port;
  }

  #guard(what: string, fn: () => void): void {
    try {
      fn();
    } catch (err) {
      this.#log("error", `Cannot ${what}: ${errorText(err)}`);
    }
  }

  #log(level: "warn" | "error", text: string): void {
    this.#publish({ type: "log", level, text });
  }

  #publish(msg: BusMessage): void {
    if (!this.#stopped) this.#bus.publish(msg);
  }
}

function positive(ms: number, name: string): number {
  if (!Number.isFinite(ms) || ms <= 0) {
    throw new RangeError(`Cannot start hardware: ${name} must be a number of ms > 0, got ${ms}`);
  }
  return ms;
}
