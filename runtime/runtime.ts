/**
 * The runtime: the effectful shell around the actors. It owns the bus, the
 * settings store, the durable journal and outbox (`journal.ts` on
 * `storage.ts`), the backend link (`link.ts`) and the hardware bridge, and
 * restarts the actors for Reset.
 *
 * Durability: every `store.*` effect the actors emit is written to the
 * store synchronously when its transition returns, before any other effect
 * of it (the relay command, the frame to the backend); a write that fails
 * drops the transition and faults the charge point (connector 0 Faulted).
 * Settings are written before they take effect (`config.write` ->
 * `config.written` -> `config.changed`). Each boot (start, and
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
import { Bus, type BusError, errorText, type StoreEffect } from "../actors/bus.ts";
import type { Clock } from "../actors/clock.ts";
import type { BackendState, BusMessage, MessageOf, StopReason } from "../actors/messages.ts";
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
// Security Whitepaper features: gates and stores at start, the rest by import() on first use.
import { certRenewalActor } from "../actors/cert_renewal.ts";
import { securityGateWith } from "../actors/security_gate.ts";
import { CertStore } from "./cert_store.ts";
import { logUploadGate } from "../actors/log_upload_gate.ts";
import { signedFirmwareGate } from "../actors/signed_firmware_gate.ts";
import { lazyLogUploads } from "./log_upload_shell.ts";

export type { DurabilityView };

/** The `info` of connector 0's StatusNotification in safe mode (CiString50). */
export const SAFE_MODE_INFO = "Storage damaged: charging disabled";
/** The `info` of connector 0's StatusNotification when the store cannot be written. */
export const STORE_FAULT_INFO = "Cannot write the store: charging stopped";
/** The `info` of connector 0's StatusNotification after an internal error. */
export const INTERNAL_FAULT_INFO = "Internal error: charging stopped";

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
   * What an error inside the bus does (a transition, subscriber or tap that
   * throws). Default: logged, and the charge point faults (connector 0
   * Faulted, no charging) instead of going on with stale state. Tests rethrow.
   */
  readonly onBusError?: (e: BusError) => void;
  /**
   * Seed of the reconnect jitter (a 32-bit integer). Default: random, and
   * logged at start, so a run can be replayed with the same delays.
   */
  readonly seed?: number;
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
  /** Whether this boot's charge point was put into its fault state (store or internal error). */
  #faulted = false;
  #backend: { state: BackendState; since: number; reason: string | null };
  #stopped = false;
  #restarts = 0;
  #journal: Journal;
  #lastRun: LastRun = { clean: true };
  #storeError: string | null = null;
  #auth: AuthStore;
  #seed: number;
  #updates: Updates | undefined;
  #reservations: ReservationStore;
  #profiles: ProfileStore;
  #certs: CertStore;
  #activity: Activity;

  constructor(opts: RuntimeOptions) {
    // Time follows the Central System: the link moves this clock to the currentTime of
    // BootNotification.conf and Heartbeat.conf (OCPP 1.6 sections 4.2 and 4.6).
    const clock = opts.clock instanceof BackendClock ? opts.clock : new BackendClock(opts.clock);
    this.#o = { ...opts, clock };
    this.#journal = new Journal(opts.storage ?? Storage.open(":memory:"));
    this.#certs = new CertStore(this.#journal.storage, opts.store, () => clock.now());
    this.#link = new Link({
      store: opts.store,
      transport: opts.transport,
      logger: opts.logger,
      clock,
      trustedRoots: () => this.#certs.roots(),
    });
    this.#backend = { state: "disabled", since: opts.clock.now(), reason: null };
    this.#auth = new AuthStore(this.#journal.storage);
    this.#seed = (opts.seed ?? crypto.getRandomValues(new Uint32Array(1))[0]!) >>> 0;
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
    this.#o.logger.log("info", `Reconnect jitter seed ${this.#seed}`);
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
    // A store.* effect is on disk before any other effect of its transition happens;
    // a failed write drops the transition and faults the charge point (#persist).
    const bus: Bus = new Bus({
      clock: o.clock,
      config: () => o.store.view,
      persist: (m) => this.#persist(bus, m),
      onError: o.onBusError ?? ((e) => this.#internalError(bus, e)),
      // "Boot accepted" has one source, the supervisor's phase; every actor reads it in its Ctx.
      backend: () => bus.isLoaded("connection") ? bus.snapshot("connection").phase : "disabled",
    });
    this.#bus = bus;
    this.#faulted = false;
    if (o.inspect) bus.inspect(o.inspect);
    // After a firmware update the version that runs now is the installer's.
    const version = this.#updates?.runningVersion();
    bus.spawn(
      connectionActor(
        version ? { ...o.bootInfo, firmwareVersion: version } : o.bootInfo,
        this.#seed,
      ),
    );
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
    bus.spawn(securityGateWith(lastRun, snapshot.securityPending));
    // A03.FR.02: the Charge Point renews its certificate a month before it expires.
    bus.spawn(certRenewalActor);
    this.#certs.attach(bus);
    bus.spawn(logUploadGate);
    // A signed update that was running goes on: its full logic loads at once.
    const sfw = signedFirmwareGate(
      this.#certs.signedFirmware(),
      version ?? o.bootInfo.firmwareVersion,
    );
    bus.spawn(sfw.logic, { load: sfw.stored });
    lazyLogUploads(bus, { storage: this.#journal.storage, updates: this.#updates });
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
    this.#reservations.attach(bus, o.logger);
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
    bus.subscribe("config.write", (m) => this.#write(bus, m));
    // After the actors heard config.written (ChangeConfiguration's answer is queued
    // by then), so the answer leaves before the new value takes effect.
    bus.subscribe("config.written", (m) => {
      if (m.ok) bus.publish({ type: "config.changed", key: m.key, value: m.value });
    });
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
   * A setting an actor changed: written to disk synchronously (the store
   * keeps its old value when the write fails), then `config.written` tells
   * the writer the outcome, and `config.changed` follows a successful one.
   */
  #write(bus: Bus, m: MessageOf<"config.write">): void {
    const request = m.request ? { request: m.request } : {};
    try {
      this.#o.store.setSync(m.key, m.value);
    } catch (err) {
      const reason = errorText(err);
      this.#o.logger.log("error", `Cannot store setting ${m.key}: ${reason}`);
      bus.publish({
        type: "config.written",
        key: m.key,
        value: m.value,
        ok: false,
        reason,
        ...request,
      });
      return;
    }
    bus.publish({ type: "config.written", key: m.key, value: m.value, ok: true, ...request });
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

  /**
   * Performs one write of the actors. A failure is logged, shown in the
   * status and puts the charge point into its fault state (connector 0
   * Faulted / InternalError: no energy, no new session); it is rethrown so
   * the bus drops the transition that needed it.
   */
  #persist(bus: Bus, m: StoreEffect): void {
    try {
      if (m.type === "store.reservation") this.#reservations.apply(m);
      else if (m.type === "store.fw_state" || m.type === "store.diag_state") {
        // Without Firmware Management no actor emits them.
        this.#updates?.save(m);
      } // The security log and the signed update's state: written by runtime/cert_store.ts.
      else if (m.type === "store.security_log" || m.type === "store.signed_fw") return;
      else this.#journal.apply(m, this.#o.clock.now());
      this.#storeError = null;
    } catch (err) {
      const text = `Cannot write ${m.type} to the store: ${errorText(err)}`;
      if (text !== this.#storeError) this.#o.logger.log("error", text);
      this.#storeError = text;
      this.#fault(bus, STORE_FAULT_INFO);
      throw err;
    }
  }

  /** A transition, subscriber or tap threw (production): logged, and the charge point faults. */
  #internalError(bus: Bus, e: BusError): void {
    this.#o.logger.log("error", `Internal error in ${e.where}: ${errorText(e.error)}`);
    this.#fault(bus, INTERNAL_FAULT_INFO);
  }

  /** Connector 0 Faulted / InternalError, once per boot: the whole charge point stops charging (section 4.9). */
  #fault(bus: Bus, info: string): void {
    if (this.#faulted) return;
    this.#faulted = true;
    bus.publish({ type: "hw.fault", connectorId: 0, errorCode: "InternalError", info });
  }

  /** Settings are written synchronously: nothing to wait for (kept for callers). */
  flushed(): Promise<void> {
    return Promise.resolve();
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
    return this.#bus.snapshot("smart_charging").external;
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
