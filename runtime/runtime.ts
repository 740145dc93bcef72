/**
 * The runtime: the effectful shell around the actors. It owns the bus, the
 * settings store, the durable journal and outbox (`journal.ts` on
 * `storage.ts`), the backend link (`link.ts`) and the hardware bridge, and
 * restarts the actors for Reset.
 *
 * Durability: every `store.*` message the actors emit is written to the
 * store synchronously when the bus delivers it, before the messages behind
 * it (the relay command, the frame to the backend). Each boot (start, and
 * the in-process restart of a Reset) reads the store and hands the actors
 * their snapshot, so nothing queued is lost by a Reset. A run is marked
 * `running` in the store until {@link Runtime.stop} marks a clean stop: a
 * start that finds `running` follows a power loss or crash, and its
 * interrupted transactions are stopped with PowerLoss. In safe mode
 * (charging disabled: a damaged store was moved aside, see `main.ts`) the
 * Charge Point reports connector 0 Faulted / InternalError and starts no
 * session until {@link Runtime.clearSafeMode}.
 *
 * @module
 */
import { Bus, errorText } from "../actors/bus.ts";
import type { Clock } from "../actors/clock.ts";
import type { BackendState, BusMessage, StopReason, StoreMessage } from "../actors/messages.ts";
import type { LastRun } from "../actors/boot.ts";
import { type BootInfo, connectionActor } from "../actors/connection.ts";
import { configurationActor } from "../actors/configuration.ts";
import { connectorStatusActor } from "../actors/connector_status.ts";
import { meterActor } from "../actors/meter.ts";
import { relayActor } from "../actors/relay.ts";
import { OUTBOX_LIMIT, rpcActor } from "../actors/rpc.ts";
import { systemActor } from "../actors/system.ts";
import { transactionActorWith } from "../actors/transaction.ts";
import { reservationActor } from "../actors/reservation.ts";
import type { SmartChargingState } from "../actors/smart_charging.ts";
import type { LocalLimit } from "../actors/composite_schedule.ts";
import { type ConfigStore, SettingsError } from "../config/store.ts";
import { coherenceErrors } from "../config/coherence.ts";
import type { Transport } from "../ocpp/transport.ts";
import { BackendClock, Link } from "./link.ts";
import type { Logger } from "./log.ts";
import type { RuntimeHandle, SimControls, StatusView } from "./handle.ts";
import { type ConfigurationKey, configurationKeys, statusView } from "./status_view.ts";
import { Activity } from "./activity.ts";
import { localRequest } from "./local_request.ts";
import { HistoryStore } from "./history_store.ts";
import { Journal } from "./journal.ts";
import { type DurabilityView, durabilityView } from "./durability_view.ts";
import { Storage } from "./storage.ts";
import { Updates, type UpdatesOptions } from "./updates.ts";
import { ReservationStore } from "./reservation_store.ts";
// Authorization data: cache, local list and whitelist in the store.
import {
  AuthStore,
  spawnAuthorization,
  type WhitelistAccess,
  whitelistAccess,
} from "./auth_store.ts";
import { ProfileStore, spawnSmartCharging } from "./profile_store.ts";

export type { DurabilityView };

/** The `info` of connector 0's StatusNotification in safe mode (CiString50). */
export const SAFE_MODE_INFO = "Storage damaged: charging disabled";

/** The hardware, as the runtime needs it. */
export interface Hardware {
  readonly connectorCount: number;
  /** Connects the drivers to the bus (publishing their current state); resolves to the function that disconnects them. */
  start(bus: Bus): Promise<() => void>;
  readonly sim?: SimControls;
}

/** What a runtime is made of. */
export interface RuntimeOptions {
  readonly store: ConfigStore;
  readonly clock: Clock;
  readonly transport: Transport;
  readonly hardware: Hardware;
  readonly logger: Logger;
  readonly bootInfo: BootInfo;
  /** Sees every bus message (tests, debugging). */
  readonly inspect?: (m: BusMessage) => void;
  /** The durable store (journal, outbox); in memory when absent (tests, benchmarks). */
  readonly storage?: Storage;
  /**
   * Start in safe mode, charging disabled, for this reason (e.g. the store
   * was damaged and moved aside). Kept in the store until cleared.
   */
  readonly safeMode?: string;
  /** Most messages the outbox keeps (default: the rpc actor's OUTBOX_LIMIT). */
  readonly outboxLimit?: number;
  /**
   * Firmware Management (UpdateFirmware, GetDiagnostics): the installer
   * and where files go. Absent: both are answered NotSupported.
   */
  readonly updates?: UpdatesOptions;
}

/** A running charge point. */
export class Runtime implements RuntimeHandle {
  #o: RuntimeOptions;
  #bus!: Bus;
  #stopHardware: (() => void) | undefined;
  #link: Link;
  /** Settings being written to disk. */
  #writes = new Set<Promise<void>>();
  #backend: { state: BackendState; since: number; reason: string | null };
  #stopped = false;
  #restarts = 0;
  #journal: Journal;
  #lastRun: LastRun = { clean: true };
  #storeError: string | null = null;
  #auth: AuthStore;
  #updates: Updates | undefined;
  #reservations: ReservationStore;
  #profiles: ProfileStore;
  #activity: Activity;

  constructor(opts: RuntimeOptions) {
    // Time follows the Central System: the link moves this clock to the currentTime of
    // BootNotification.conf and Heartbeat.conf (OCPP 1.6 sections 4.2 and 4.6).
    const clock = opts.clock instanceof BackendClock ? opts.clock : new BackendClock(opts.clock);
    this.#o = { ...opts, clock };
    this.#link = new Link({
      store: opts.store,
      transport: opts.transport,
      logger: opts.logger,
      clock,
    });
    this.#backend = { state: "disabled", since: opts.clock.now(), reason: null };
    this.#journal = new Journal(opts.storage ?? Storage.open(":memory:"));
    this.#auth = new AuthStore(this.#journal.storage);
    this.#updates = opts.updates
      ? new Updates(opts.updates, this.#journal.storage, opts.store, opts.logger)
      : undefined;
    this.#reservations = new ReservationStore(this.#journal.storage);
    this.#profiles = new ProfileStore(this.#journal.storage);
    this.#activity = new Activity(
      new HistoryStore(this.#journal.storage),
      () => clock.now(),
      (text) => opts.logger.log("error", text),
    );
  }

  /** Starts the actors and connects (when a backend is configured). */
  start(): this {
    this.#lastRun = this.#journal.begin(this.#o.clock.now());
    if (this.#o.safeMode !== undefined) this.#journal.safeMode = this.#o.safeMode;
    if (!this.#lastRun.clean) {
      this.#o.logger.log("warn", "The previous run did not stop cleanly (power loss or crash)");
    }
    this.#boot(this.#lastRun);
    return this;
  }

  /** The local whitelist, for the local API (`api/whitelist.ts`). */
  get whitelist(): WhitelistAccess {
    return whitelistAccess({
      bus: () => this.#bus,
      config: () => this.#o.store.view,
      store: this.#auth,
    });
  }

  /** The journal and outbox (tests, benchmarks). */
  get journal(): Journal {
    return this.#journal;
  }

  /** The firmware management shell, when configured (tests). */
  get updates(): Updates | undefined {
    return this.#updates;
  }

  /** How many times the actors were restarted (Reset). */
  get restarts(): number {
    return this.#restarts;
  }

  /** The bus of the current boot (tests). */
  get bus(): Bus {
    return this.#bus;
  }

  get connectorCount(): number {
    return this.#o.hardware.connectorCount;
  }

  get sim(): SimControls | undefined {
    return this.#o.hardware.sim;
  }

  #boot(lastRun: LastRun): void {
    const o = this.#o;
    const blocked = this.#journal.safeMode ?? undefined;
    const snapshot = this.#journal.load(lastRun, blocked);
    for (const p of snapshot.problems) o.logger.log("error", p);
    const bus = new Bus({ clock: o.clock, config: () => o.store.view });
    this.#bus = bus;
    if (o.inspect) bus.inspect(o.inspect);
    // A store.* message is on disk before anything behind it on the bus happens.
    const persist = (m: StoreMessage) => this.#persist(m);
    bus.subscribe("store.outbox_put", persist);
    bus.subscribe("store.outbox_done", persist);
    bus.subscribe("store.outbox_thin", persist);
    bus.subscribe("store.tx_journal", persist);
    bus.subscribe("store.tx_meter", persist);
    // After a firmware update the version that runs now is the installer's.
    const version = this.#updates?.runningVersion();
    bus.spawn(connectionActor(version ? { ...o.bootInfo, firmwareVersion: version } : o.bootInfo));
    spawnAuthorization(bus, this.#auth, (text) => o.logger.log("error", text));
    bus.spawn(transactionActorWith(snapshot.tx));
    spawnSmartCharging(bus, this.#profiles, (text) => o.logger.log("error", text));
    bus.spawn(relayActor);
    bus.spawn(meterActor);
    bus.spawn(connectorStatusActor);
    bus.spawn(configurationActor);
    bus.spawn(systemActor);
    bus.spawn(reservationActor);
    this.#updates?.boot(bus, () => void this.#restart(bus, { clean: true, reason: "Reboot" }));
    const limit = o.outboxLimit === undefined ? {} : { outboxLimit: o.outboxLimit };
    bus.spawn(rpcActor(bus.handledActions(), snapshot.rpc, limit));
    if (snapshot.rpc.outbox.length > 0) {
      o.logger.log(
        "info",
        `${snapshot.rpc.outbox.length} transaction messages queued in the store`,
      );
    }

    bus.subscribe("log", (m) => o.logger.log(m.level, m.text));
    this.#activity.attach(bus, () => o.store.view);
    // The stored reservations, before any status is reported (section 5.13: they survive a reboot).
    this.#reservations.attach(bus, (t, write) => this.#persistWith(t, write), o.logger);
    if (blocked !== undefined) {
      o.logger.log("error", `Charging disabled: ${blocked}`);
      bus.publish({
        type: "hw.fault",
        connectorId: 0,
        errorCode: "InternalError",
        info: SAFE_MODE_INFO,
      });
    }
    bus.subscribe("backend.state", (m) => {
      this.#backend = { state: m.state, since: m.since, reason: m.reason ?? null };
      o.logger.log("info", `Backend ${m.state}${m.reason ? `: ${m.reason}` : ""}`);
    });
    bus.subscribe("config.write", (m) => this.#write(bus, m.key, m.value));
    this.#link.attach(bus);
    bus.subscribe("system.restart", (m) => {
      o.logger.log("info", `${m.kind} reset`);
      const reason: StopReason = m.kind === "Hard" ? "HardReset" : "SoftReset";
      queueMicrotask(() => void this.#restart(bus, { clean: true, reason }));
    });
    o.hardware.start(bus).then((stop) => {
      if (bus !== this.#bus || this.#stopped) return stop();
      this.#stopHardware = stop;
      bus.publish({ type: "system.started" });
    }, (err) => o.logger.log("error", `Cannot start the hardware: ${errorText(err)}`));
  }

  /**
   * A setting an actor changed. The store holds the new value at once
   * (`ConfigStore.set` updates its values before it saves), so every actor
   * reads it from the next message on and `config.changed` follows in bus
   * order. The store writes synchronously, so the value is on disk before the
   * bus delivers the next message (the actor's answer to the Central System).
   */
  #write(bus: Bus, key: string, value: string | number | boolean): void {
    const saved = this.#o.store.set(key, value).catch((err) =>
      this.#o.logger.log("error", `Cannot store setting ${key}: ${errorText(err)}`)
    );
    this.#writes.add(saved);
    saved.finally(() => this.#writes.delete(saved));
    bus.publish({ type: "config.changed", key, value });
  }

  /**
   * Reset: stops the actors, the hardware bridge and the connection, waits
   * until every setting written so far is on disk (InoperativeConnectors of
   * a ChangeAvailability must survive the reset, section 5.2), then starts
   * everything again from the store, as a reboot would.
   */
  async #restart(bus: Bus, lastRun: LastRun): Promise<void> {
    if (this.#stopped || bus !== this.#bus) return;
    this.#stopHardware?.();
    this.#stopHardware = undefined;
    bus.stop();
    this.#updates?.detach();
    this.#link.detach();
    await this.flushed();
    if (this.#stopped) return;
    this.#restarts++;
    this.#boot(lastRun);
  }

  /** Performs one write of the actors; a failure is logged and shown in the status. */
  #persist(m: StoreMessage): void {
    this.#persistWith(m.type, () => this.#journal.apply(m, this.#o.clock.now()));
  }

  #persistWith(type: string, write: () => void): void {
    try {
      write();
      this.#storeError = null;
    } catch (err) {
      const text = `Cannot write ${type} to the store: ${errorText(err)}`;
      if (text !== this.#storeError) this.#o.logger.log("error", text);
      this.#storeError = text;
    }
  }

  /** Resolves once every setting the actors wrote so far is on disk (or failed to be). */
  async flushed(): Promise<void> {
    while (this.#writes.size > 0) await Promise.all([...this.#writes]);
  }

  /**
   * Stops everything: actors, timers, connection, hardware bridge, and
   * marks a clean stop in the store: a transaction still open is stopped
   * with `reason` at the next start. Settings still being written: see
   * {@link flushed}. To end transactions first, see {@link shutdown}.
   */
  stop(reason: StopReason = "Reboot"): void {
    if (this.#stopped) return;
    this.#halt();
    try {
      this.#journal.end(reason);
    } catch (err) {
      this.#o.logger.log("error", `Cannot mark a clean stop in the store: ${errorText(err)}`);
    }
  }

  /**
   * Stops everything as a power cut would: no clean-stop marker, so the
   * next start stops open transactions with PowerLoss (tests).
   */
  halt(): void {
    if (!this.#stopped) this.#halt();
  }

  #halt(): void {
    this.#stopped = true;
    this.#stopHardware?.();
    this.#bus.stop();
    this.#updates?.detach();
    this.#link.detach();
  }

  /**
   * Stops every transaction with `reason` (Reboot for a service stop,
   * PowerLoss on backup power, OCTT TC_032_1) and waits until their
   * StopTransaction is answered or `timeoutMs` (real time) passed, then
   * {@link stop}s. Unanswered StopTransactions stay in the outbox for the
   * next start.
   */
  async shutdown(reason: StopReason = "Reboot", timeoutMs = 10_000): Promise<void> {
    if (this.#stopped) return;
    const done = Promise.withResolvers<void>();
    const off = this.#bus.subscribe("tx.all_stopped", () => done.resolve());
    const timer = setTimeout(() => done.resolve(), timeoutMs);
    this.#bus.publish({ type: "tx.stop_all", reason });
    await done.promise;
    clearTimeout(timer);
    off();
    this.stop(reason);
  }

  /** Enables charging again after safe mode (an operator checked the store): restarts the actors. */
  async clearSafeMode(): Promise<void> {
    if (this.#journal.safeMode === null || this.#stopped) return;
    this.#journal.safeMode = null;
    this.#o.logger.log("info", "Safe mode cleared: charging enabled");
    await this.#restart(this.#bus, { clean: true });
  }

  /** The durable store's state, for `/api/status` and people. */
  durability(): DurabilityView {
    return durabilityView(this.#journal, {
      limit: this.#o.outboxLimit ?? OUTBOX_LIMIT,
      writeError: this.#storeError,
      previousRun: this.#lastRun,
    });
  }

  status(): StatusView {
    return statusView({
      bus: this.#bus,
      config: this.#o.store.view,
      backend: this.#backend,
      activity: this.#activity,
      durability: this.durability(),
      settingsProblems: this.#o.store.problems,
    });
  }

  /** The OCPP configuration keys as GetConfiguration would show them (read-only view). */
  configurationKeys(): ConfigurationKey[] {
    return configurationKeys(this.#o.store.view);
  }

  /** The stored transaction history and event journal. */
  get history(): HistoryStore {
    return this.#activity.history;
  }

  /** Reset from the local API: every transaction stops first, as for the backend's Reset. */
  reset(kind: "Soft" | "Hard"): string {
    return localRequest(this.#bus, "Reset", { type: kind });
  }

  /** ChangeAvailability from the local API (Scheduled while a transaction runs, section 5.2). */
  changeAvailability(connectorId: number, operative: boolean): string {
    return localRequest(this.#bus, "ChangeAvailability", {
      connectorId,
      type: operative ? "Operative" : "Inoperative",
    });
  }

  /** Connects to the backend again at once ("reconnect now"). */
  reconnect(): void {
    this.#bus.publish({ type: "backend.reconnect" });
  }

  /** The external limit of the local API (`PUT /api/limit`), or none. */
  externalLimit(): LocalLimit | null {
    return this.#bus.snapshot<SmartChargingState>("smart_charging").external;
  }

  /**
   * Sets (or with null removes) the external limit; the limits follow at once.
   *
   * @throws {RangeError} when `until` is not after the runtime's time.
   */
  setExternalLimit(limit: LocalLimit | null): void {
    if (limit?.until !== undefined && limit.until <= this.#o.clock.now()) {
      throw new RangeError(
        `must be in the future (now ${new Date(this.#o.clock.now()).toISOString()})`,
      );
    }
    this.#bus.publish({ type: "sc.external_limit", limit });
  }

  settings() {
    return this.#o.store.publicSettings();
  }

  async updateSettings(input: unknown): Promise<void> {
    const changes = this.#o.store.validateSettings(input);
    const refused = coherenceErrors(this.#o.store.view, changes);
    if (refused.length > 0) throw new SettingsError(refused);
    await this.#o.store.apply(changes);
    for (const [key, value] of changes) this.#bus.publish({ type: "config.changed", key, value });
  }
}
