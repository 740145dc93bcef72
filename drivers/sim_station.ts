/**
 * One coherent simulated station: N connectors whose simulated drivers are
 * linked the way a wallbox and an EV behave, on the injected clock.
 *
 * Per connector: plugging in moves the pilot A -> B; while the relay is
 * closed and the EV wants to charge the pilot is C and the meter counts
 * energy at the connector's power (default 7400 W) over clock time. The EV
 * draws at most the current the pilot offers ({@link SimPilot.offer}) on
 * its phases (default 3): power = min(its power, offered A x 230 V x
 * phases); below 6 A offered it pauses (pilot B, no power); the EV
 * may stop drawing (C -> B with the relay closed) and resume; unplugging
 * moves the pilot to A. Injected failures: the next lock, unlock or relay
 * switch fails, the meter stops answering, a hardware fault (such as
 * GroundFailure) appears and clears, the pilot is forced to E or F. A
 * connector may have a fixed cable (no socket lock).
 *
 * The station's `plug`, `unplug`, `tap` and `setEvCharging` match the
 * runtime's `SimControls`.
 *
 * Physical state survives a restart of the runtime, as real hardware does
 * (a power cut, kill -9): with `stateFile` the station starts from the
 * file's state and writes it (temp file and rename, synchronously) on every
 * change: cable plugged or not, whether the EV wants energy, and the meter
 * register, written whenever a read finds it moved, before the reader gets
 * the value, so the register never restarts below a value the runtime saw.
 * The contactor starts open, as after any power cut ({@link
 * SimStation.powerCut} opens them in place).
 *
 * @module
 */
import type { Clock } from "../actors/clock.ts";
import { type EvState, MIN_PWM_A } from "./pilot.ts";
import type { FaultCode } from "./fault.ts";
import type { ConnectorHardware, Hardware } from "./mod.ts";
import { SimRelay } from "./relay_sim.ts";
import { SimMeter, type SimMeterOptions } from "./meter_sim.ts";
import type { MeterReading } from "./meter.ts";
import { SimPilot } from "./pilot_sim.ts";
import { SimLock } from "./lock_sim.ts";
import { SimRfidReader } from "./rfid_sim.ts";
import { SimFaultSource } from "./fault_sim.ts";

/** The power a simulated EV draws unless told otherwise (on 3 phases: 10.7 A per phase). */
export const DEFAULT_POWER_W = 7400;
/** The line voltage of the simulated supply. */
export const SIM_VOLTAGE = 230;

/** Options for {@link SimStation}. */
export interface SimStationOptions {
  /** Number of connectors, ids 1..N (default 1). */
  readonly connectors?: number;
  /** Power each EV draws while charging, W (default {@link DEFAULT_POWER_W}). */
  readonly powerW?: number;
  /** Phases each EV charges on (1 to 3, default 3). */
  readonly phases?: number;
  /** Tethered cables: `true` for all connectors, or the ids of those that have one. */
  readonly fixedCable?: boolean | readonly number[];
  /** Meter register of every connector at start, Wh (default 0). */
  readonly meterStartWh?: number;
  /** The physical state at start (overrides `meterStartWh`), e.g. from {@link SimStation.state}. */
  readonly state?: SimStationState;
  /**
   * A JSON file holding the physical state: read at start when it exists,
   * rewritten on every change. An unreadable file is ignored (see
   * {@link SimStation.stateError}) and replaced at the first change.
   */
  readonly stateFile?: string;
}

/** The physical state of one connector that outlives the runtime. */
export interface SimConnectorState {
  readonly plugged: boolean;
  readonly evCharging: boolean;
  /** Meter register, whole Wh. */
  readonly meterWh: number;
}

/** The physical state of a station: what a power cut does not change. */
export interface SimStationState {
  readonly connectors: readonly SimConnectorState[];
}

/** A meter that reports each reading's register before handing it out. */
class RecordingMeter extends SimMeter {
  #onRead: (wh: number) => void;
  constructor(clock: Clock, options: SimMeterOptions, onRead: (wh: number) => void) {
    super(clock, options);
    this.#onRead = onRead;
  }
  override read(): Promise<MeterReading> {
    const reading = super.read();
    // Registered first: runs before the caller's continuation sees the value.
    reading.then((r) => this.#onRead(r.wh), () => {});
    return reading;
  }
}

/** One simulated connector and the EV at it. */
export class SimConnector implements ConnectorHardware {
  readonly id: number;
  readonly relay: SimRelay;
  readonly meter: SimMeter;
  readonly pilot = new SimPilot();
  readonly lock: SimLock;
  readonly faults = new SimFaultSource();
  #plugged = false;
  #evCharging = true;
  #forced: "E" | "F" | null = null;
  #powerW: number;
  #phases: number;
  #meterWh: number;
  #onChange: () => void;

  constructor(
    id: number,
    clock: Clock,
    options: {
      powerW: number;
      phases?: number;
      fixedCable: boolean;
      meterStartWh: number;
      plugged?: boolean;
      evCharging?: boolean;
      /** Called after every change of the physical state. */
      onChange?: () => void;
    },
  ) {
    this.id = id;
    this.#powerW = checkPower(options.powerW, `Cannot create simulated connector ${id}`);
    this.#phases = checkPhases(options.phases ?? 3, `Cannot create simulated connector ${id}`);
    this.#onChange = options.onChange ?? (() => {});
    this.pilot.onOffer(() => this.#update());
    this.#meterWh = Math.floor(options.meterStartWh);
    this.relay = new SimRelay(() => this.#update());
    this.meter = new RecordingMeter(clock, { startWh: options.meterStartWh }, (wh) => {
      if (wh === this.#meterWh) return;
      this.#meterWh = wh;
      this.#onChange();
    });
    this.lock = new SimLock({ fixedCable: options.fixedCable });
    this.#plugged = options.plugged ?? false;
    this.#evCharging = options.evCharging ?? true;
    if (this.#plugged) this.#update();
  }

  /** The state that outlives the runtime: cable, EV, meter register as last read. */
  get state(): SimConnectorState {
    return { plugged: this.#plugged, evCharging: this.#evCharging, meterWh: this.#meterWh };
  }

  /** Whether an EV is plugged in. */
  get plugged(): boolean {
    return this.#plugged;
  }

  /** Whether the EV wants energy (C when the relay is closed). */
  get evCharging(): boolean {
    return this.#evCharging;
  }

  /** Plugs an EV in that wants to charge (no-op if plugged). */
  plug(): void {
    if (this.#plugged) return;
    this.#plugged = true;
    this.#evCharging = true;
    this.#update();
    this.#onChange();
  }

  /** Unplugs the EV (no-op if none). */
  unplug(): void {
    if (!this.#plugged) return;
    this.#plugged = false;
    this.#update();
    this.#onChange();
  }

  /** The plugged EV stops (`false`) or resumes (`true`) drawing energy. */
  setEvCharging(charging: boolean): void {
    if (!this.#plugged) {
      throw new RangeError(`Cannot set EV charging on connector ${this.id}: no EV plugged in`);
    }
    this.#evCharging = charging;
    this.#update();
    this.#onChange();
  }

  /** Sets the power the EV draws while charging, W. */
  setPowerW(w: number): void {
    this.#powerW = checkPower(w, `Cannot set power of connector ${this.id}`);
    this.#update();
  }

  /** Sets the phases the EV charges on (1 to 3). */
  setPhases(phases: number): void {
    this.#phases = checkPhases(phases, `Cannot set phases of connector ${this.id}`);
    this.#update();
  }

  /** The power the EV draws while charging now: its own, or what the offered current allows. */
  get drawW(): number {
    return Math.min(this.#powerW, this.pilot.offered * SIM_VOLTAGE * this.#phases);
  }

  /** Forces the pilot into an error state, or back to normal with `null`. */
  forcePilot(state: "E" | "F" | null): void {
    this.#forced = state;
    this.#update();
  }

  #state(): EvState {
    if (this.#forced) return this.#forced;
    if (!this.#plugged) return "A";
    // IEC 61851-1: no PWM below 6 A, and the EV does not draw.
    const offered = this.pilot.offered >= MIN_PWM_A;
    return this.relay.closed && this.#evCharging && offered ? "C" : "B";
  }

  #update(): void {
    const state = this.#state();
    // Power first: whoever hears the pilot change reads the meter at the new power.
    this.meter.setPower(state === "C" ? this.drawW : 0, this.#phases);
    this.pilot.set(state);
  }
}

/**
 * A simulated station.
 *
 * @example Charge for an hour
 * ```ts
 * import { FakeClock } from "../actors/clock.ts";
 * const clock = new FakeClock();
 * const station = new SimStation(clock, { connectors: 2, fixedCable: [2] });
 * station.plug(1);
 * await station.connector(1).relay.set(true); // pilot C
 * clock.advance(3_600_000);
 * await station.connector(1).meter.read(); // { wh: 7400, w: 7400 }
 * ```
 */
export class SimStation implements Hardware {
  readonly connectors: readonly SimConnector[];
  readonly rfid = new SimRfidReader();
  /** The whole charge point's supervision (connector 0): `injectFault(0, ...)`. */
  readonly faults = new SimFaultSource();
  /** Why the state file could not be used at start (it was ignored), or null. */
  readonly stateError: string | null = null;
  #stateFile: string | undefined;

  constructor(clock: Clock, options: SimStationOptions = {}) {
    const n = options.connectors ?? 1;
    if (!Number.isInteger(n) || n < 1) {
      throw new RangeError(
        `Cannot create simulated station: connectors must be a whole number >= 1, got ${n}`,
      );
    }
    const fixed = options.fixedCable ?? false;
    if (Array.isArray(fixed)) {
      const bad = fixed.find((id) => !Number.isInteger(id) || id < 1 || id > n);
      if (bad !== undefined) {
        throw new RangeError(
          `Cannot create simulated station: fixedCable names connector ${bad}, not in 1..${n}`,
        );
      }
    }
    this.#stateFile = options.stateFile;
    let initial = options.state;
    if (options.stateFile !== undefined) {
      const read = readState(options.stateFile);
      if (read.ok) initial = read.state ?? initial;
      else this.stateError = read.error;
    }
    this.connectors = Array.from({ length: n }, (_, i) => {
      const saved = initial?.connectors[i];
      return new SimConnector(i + 1, clock, {
        powerW: options.powerW ?? DEFAULT_POWER_W,
        ...(options.phases !== undefined ? { phases: options.phases } : {}),
        fixedCable: fixed === true || (Array.isArray(fixed) && fixed.includes(i + 1)),
        meterStartWh: saved?.meterWh ?? options.meterStartWh ?? 0,
        ...(saved ? { plugged: saved.plugged, evCharging: saved.evCharging } : {}),
        onChange: () => this.#save(),
      });
    });
  }

  /** The physical state: what survives a restart of the runtime. */
  state(): SimStationState {
    return { connectors: this.connectors.map((c) => c.state) };
  }

  /** A power cut: every contactor drops open (cable, EV and meter register stay). */
  powerCut(): void {
    for (const c of this.connectors) void c.relay.set(false).catch(() => {});
  }

  #save(): void {
    if (this.#stateFile === undefined || this.connectors === undefined) return;
    const tmp = `${this.#stateFile}.tmp`;
    Deno.writeTextFileSync(tmp, JSON.stringify({ version: 1, ...this.state() }) + "\n");
    Deno.renameSync(tmp, this.#stateFile);
  }

  /** One connector by id; throws RangeError for an unknown id. */
  connector(connectorId: number): SimConnector {
    const c = this.connectors[connectorId - 1];
    if (!Number.isInteger(connectorId) || c === undefined) {
      throw new RangeError(
        `Cannot find connector ${connectorId}: the station has 1..${this.connectors.length}`,
      );
    }
    return c;
  }

  /** Plugs an EV in that wants to charge. */
  plug(connectorId: number): void {
    this.connector(connectorId).plug();
  }

  /** Unplugs the EV. */
  unplug(connectorId: number): void {
    this.connector(connectorId).unplug();
  }

  /** Presents a card to the station's reader. */
  tap(idTag: string): void {
    this.rfid.present(idTag);
  }

  /** The plugged EV stops or resumes drawing energy (B / C while the relay is closed). */
  setEvCharging(connectorId: number, charging: boolean): void {
    this.connector(connectorId).setEvCharging(charging);
  }

  /** Sets the power the EV at a connector draws while charging, W. */
  setPowerW(connectorId: number, w: number): void {
    this.connector(connectorId).setPowerW(w);
  }

  /** Sets the phases the EV at a connector charges on (1 to 3). */
  setPhases(connectorId: number, phases: number): void {
    this.connector(connectorId).setPhases(phases);
  }

  /** The next lock of a connector does not engage (ConnectorLockFailure). */
  failNextLock(connectorId: number): void {
    this.#socket(connectorId, "lock").failNextLock();
  }

  /** The next unlock of a connector does not release (UnlockFailed). */
  failNextUnlock(connectorId: number): void {
    this.#socket(connectorId, "unlock").failNextUnlock();
  }

  /** The next switch of a connector's relay fails (PowerSwitchFailure). */
  failNextRelay(connectorId: number, reason?: string): void {
    this.connector(connectorId).relay.failNext(reason);
  }

  /** A connector's meter stops answering (PowerMeterFailure), or answers again with `null`. */
  failMeter(connectorId: number, reason: string | null = "no answer from meter (simulated)"): void {
    this.connector(connectorId).meter.fail(reason);
  }

  /** A hardware fault appears on a connector, e.g. GroundFailure; on connector 0, of the whole charge point. */
  injectFault(connectorId: number, errorCode: FaultCode, info?: string): void {
    (connectorId === 0 ? this.faults : this.connector(connectorId).faults).raise(errorCode, info);
  }

  /** The hardware fault of a connector (0: of the whole charge point) clears. */
  clearFault(connectorId: number): void {
    (connectorId === 0 ? this.faults : this.connector(connectorId).faults).clear();
  }

  /** Forces a connector's pilot into E or F, or back to normal with `null`. */
  forcePilot(connectorId: number, state: "E" | "F" | null): void {
    this.connector(connectorId).forcePilot(state);
  }

  #socket(connectorId: number, what: string): SimLock {
    const { lock } = this.connector(connectorId);
    if (lock.fixedCable) {
      throw new RangeError(
        `Cannot fail the ${what} of connector ${connectorId}: it has a fixed cable`,
      );
    }
    return lock;
  }
}

/** Reads a state file: absent is no state; anything malformed is an error, not a throw. */
function readState(
  path: string,
): { ok: true; state: SimStationState | undefined } | { ok: false; error: string } {
  let text: string;
  try {
    text = Deno.readTextFileSync(path);
  } catch (err) {
    if (err instanceof Deno.errors.NotFound) return { ok: true, state: undefined };
    return { ok: false, error: `Cannot read ${path}: ${(err as Error).message}` };
  }
  try {
    const data = JSON.parse(text);
    const list = data?.connectors;
    if (!Array.isArray(list)) throw new TypeError("no connectors list");
    const connectors = list.map((c: Record<string, unknown>, i: number) => {
      const wh = c?.meterWh;
      if (typeof wh !== "number" || !Number.isFinite(wh) || wh < 0) {
        throw new TypeError(`connector ${i + 1}: meterWh must be a number >= 0`);
      }
      return { plugged: c.plugged === true, evCharging: c.evCharging !== false, meterWh: wh };
    });
    return { ok: true, state: { connectors } };
  } catch (err) {
    return { ok: false, error: `Cannot use ${path}: ${(err as Error).message}` };
  }
}

function checkPhases(phases: number, action: string): number {
  if (phases !== 1 && phases !== 2 && phases !== 3) {
    throw new RangeError(`${action}: phases must be 1, 2 or 3, got ${phases}`);
  }
  return phases;
}

function checkPower(w: number, action: string): number {
  if (!Number.isFinite(w) || w < 0) {
    throw new RangeError(`${action}: power must be W >= 0, got ${w}`);
  }
  return w;
}
