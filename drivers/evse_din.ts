/**
 * The EVSE DIN / SimpleEVSE controller board over Modbus RTU (its RS485
 * port, or a TCP gateway): the board generates the control pilot and
 * switches the contactor itself; the runtime tells it how much current the
 * vehicle may draw. One board serves one connector as its {@link Relay},
 * {@link Pilot} and {@link FaultSource}.
 *
 * Registers (holding, function 03 to read, 16 to write): 1000 configured
 * current in A (written: 0 = no charging, else the current), 1002 vehicle
 * state (1 A ready, 2 B vehicle present, 3 C charging, 4 D charging with
 * ventilation, 5 failure), 1007 status bits (0 relay on, 1 diode check
 * failed, 2 ventilation required, 4 RCD check error; firmware without it
 * answers "illegal data address" and is then read without it). The board
 * is read every `pollMs`.
 *
 * - Pilot: 1-3 are A, B, C; D (unsupported) and 5 are E; a board that does
 *   not answer (or answers garbage) is F, EVSE not available.
 * - Relay: `set(true)` writes the charging current (the installation's
 *   `maxCurrentA`, lowered by {@link EvseDinPilot.offer}; below
 *   6 A, the least IEC 61851 allows, 0 is written and the EV waits);
 *   `set(false)` writes 0. A board that forgot the current (it restarted)
 *   gets it written again at the next poll.
 * - Faults: no answer is InternalError until it answers again; RCD check
 *   error GroundFailure; diode check failed EVCommunicationError;
 *   ventilation required OtherError; the contactor on while charging is off
 *   (two polls in a row) PowerSwitchFailure.
 *
 * @module
 */
import type { Clock, TimerHandle } from "../actors/clock.ts";
import type { Relay } from "./relay.ts";
import type { EvState, Pilot } from "./pilot.ts";
import type { Fault, FaultSource } from "./fault.ts";
import { type ModbusClient, ModbusError } from "./modbus_client.ts";

/** Options of an {@link EvseDinBoard}. */
export interface EvseDinOptions {
  readonly clock: Clock;
  /** Modbus unit address (default 1, the board's factory setting). */
  readonly unit?: number;
  /** How often the board is read, ms (default 1000). */
  readonly pollMs?: number;
  /** The installation's current limit per phase, A (default 16). */
  readonly maxCurrentA?: number;
  /** Where the driver reports what went wrong and what recovered. */
  readonly log?: (level: "info" | "warn" | "error", text: string) => void;
}

/** The pilot of a board: the {@link Pilot} interface plus the smart charging input. */
export interface EvseDinPilot extends Pilot {
  /** See {@link Pilot.offer}: applied at once while charging. */
  offer(amps: number | null): Promise<void>;
}

/** IEC 61851-1: the least current a PWM pilot offers. */
export const MIN_CURRENT_A = 6;
const FIRST = 1000;
const VEHICLE: Record<number, EvState> = { 1: "A", 2: "B", 3: "C", 4: "E", 5: "E" };

/**
 * The driver.
 *
 * @example On the wallbox's RS485 adapter
 * ```ts ignore
 * import { systemClock as clock } from "../actors/clock.ts";
 * import { ModbusClient } from "./modbus_client.ts";
 * const bus = new ModbusClient({ kind: "rtu", device: "/dev/ttyUSB0" }, { clock });
 * const board = new EvseDinBoard(bus, { clock, unit: 1, maxCurrentA: 16 });
 * await board.poll();
 * board.start();
 * ```
 */
export class EvseDinBoard {
  readonly unit: number;
  readonly relay: Relay;
  readonly pilot: EvseDinPilot;
  readonly faults: FaultSource;
  #client: ModbusClient;
  #clock: Clock;
  #pollMs: number;
  #maxA: number;
  #log: NonNullable<EvseDinOptions["log"]>;
  #state: EvState = "F";
  #fault: Fault | null = null;
  #closed = false;
  #limitA: number | null = null;
  #written: number | null = null;
  #lost: string | null = null;
  #relayOnWhileOff = 0;
  #statusRegister = true;
  #writes: Promise<unknown> = Promise.resolve();
  #polling: Promise<void> | null = null;
  #timer: TimerHandle | undefined;
  #stopped = false;
  #pilotFns = new Set<(s: EvState) => void>();
  #faultFns = new Set<(f: Fault | null) => void>();

  constructor(client: ModbusClient, opts: EvseDinOptions) {
    this.#client = client;
    this.#clock = opts.clock;
    this.unit = opts.unit ?? 1;
    this.#pollMs = opts.pollMs ?? 1000;
    this.#maxA = opts.maxCurrentA ?? 16;
    this.#log = opts.log ?? (() => {});
    const closed = () => this.#closed;
    const state = () => this.#state;
    const fault = () => this.#fault;
    this.relay = {
      get closed() {
        return closed();
      },
      set: (on) => this.#queue(() => this.#write(on, on ? "close" : "open")),
    };
    this.pilot = {
      get state() {
        return state();
      },
      onChange: (fn) => subscribe(this.#pilotFns, fn),
      offer: (amps) => {
        if (amps !== null && (!Number.isFinite(amps) || amps < 0)) {
          return Promise.reject(new RangeError(`current limit must be >= 0 A, got ${amps}`));
        }
        this.#limitA = amps;
        return this.#queue(() => this.#closed ? this.#write(true, "limit") : Promise.resolve());
      },
    };
    this.faults = {
      get current() {
        return fault();
      },
      onChange: (fn) => subscribe(this.#faultFns, fn),
    };
  }

  /** The current written to the board while the relay is closed, A. */
  get chargingCurrentA(): number {
    const a = Math.min(this.#limitA ?? this.#maxA, this.#maxA);
    return a >= MIN_CURRENT_A ? Math.floor(a) : 0;
  }

  /** Starts polling every `pollMs` on the clock. */
  start(): void {
    this.stop();
    this.#stopped = false;
    const tick = () => {
      if (this.#stopped) return;
      this.#timer = this.#clock.setTimeout(tick, this.#pollMs);
      void this.poll();
    };
    this.#timer = this.#clock.setTimeout(tick, this.#pollMs);
  }

  /** Stops polling (the connection is the client's to close). */
  stop(): void {
    this.#stopped = true;
    this.#clock.clearTimeout(this.#timer);
  }

  /** Reads the board once (a poll already running is joined); never rejects. */
  poll(): Promise<void> {
    this.#polling ??= this.#poll().finally(() => this.#polling = null);
    return this.#polling;
  }

  async #poll(): Promise<void> {
    let regs: number[];
    try {
      regs = await this.#client.readHolding(this.unit, FIRST, this.#statusRegister ? 8 : 7);
    } catch (err) {
      if (!(err instanceof ModbusError && err.exceptionCode === 2 && this.#statusRegister)) {
        return this.#lose((err as Error).message);
      }
      // Older firmware has no status register 1007: no RCD, diode or contactor faults from it.
      this.#statusRegister = false;
      this.#log("warn", `EVSE board unit ${this.unit} has no register 1007: reading 1000-1006`);
      return await this.#poll();
    }
    const vehicle = VEHICLE[regs[2]!];
    if (!vehicle) return this.#lose(`garbage: vehicle state ${regs[2]} is not 1-5`);
    if (this.#lost !== null) {
      this.#log("info", `EVSE board unit ${this.unit} answers again`);
      this.#lost = null;
    }
    const want = this.#closed ? this.chargingCurrentA : 0;
    if (regs[0] !== want && this.#written !== null) {
      this.#log(
        "warn",
        `EVSE board unit ${this.unit} holds ${
          regs[0]
        } A instead of ${want} A (it restarted?): writing ${want} A`,
      );
      void this.#queue(() => this.#write(this.#closed, "restore")).catch(() => {});
    }
    const status = regs[7] ?? 0;
    this.#relayOnWhileOff = (status & 1) && want === 0 ? this.#relayOnWhileOff + 1 : 0;
    this.#setState(vehicle);
    this.#setFault(
      status & 16
        ? { errorCode: "GroundFailure", info: "RCD check error" }
        : status & 2
        ? { errorCode: "EVCommunicationError", info: "diode check failed" }
        : status & 4
        ? { errorCode: "OtherError", info: "ventilation required (state D)" }
        : this.#relayOnWhileOff >= 2
        ? { errorCode: "PowerSwitchFailure", info: "contactor on while charging is off" }
        : null,
    );
  }

  #lose(why: string): void {
    if (this.#lost === null) {
      this.#log(
        "error",
        `EVSE board unit ${this.unit} lost: ${why}; connector faulted until it answers`,
      );
    }
    this.#lost = why;
    this.#setState("F");
    this.#setFault({
      errorCode: "InternalError",
      info: `EVSE board unit ${this.unit} not answering`,
    });
  }

  async #write(closed: boolean, why: string): Promise<void> {
    const amps = closed ? this.chargingCurrentA : 0;
    try {
      await this.#client.writeMultiple(this.unit, FIRST, [amps]);
    } catch (err) {
      throw new Error(
        `EVSE board unit ${this.unit}: cannot write ${amps} A (${why}): ${(err as Error).message}`,
      );
    }
    this.#written = amps;
    this.#closed = closed;
  }

  /** Runs writes one at a time, in order. */
  #queue(work: () => Promise<void>): Promise<void> {
    const run = this.#writes.then(work);
    this.#writes = run.catch(() => {});
    return run;
  }

  #setState(state: EvState): void {
    if (state === this.#state) return;
    this.#state = state;
    for (const fn of [...this.#pilotFns]) fn(state);
  }

  #setFault(fault: Fault | null): void {
    const same = fault?.errorCode === this.#fault?.errorCode && fault?.info === this.#fault?.info;
    if (same) return;
    this.#fault = fault;
    for (const fn of [...this.#faultFns]) fn(fault);
  }
}

function subscribe<T>(fns: Set<(v: T) => void>, fn: (v: T) => void): () => void {
  const own = (v: T) => fn(v);
  fns.add(own);
  return () => void fns.delete(own);
}
