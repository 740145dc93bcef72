/**
 * The runtime: the effectful shell around the actors. It owns the bus, the
 * settings store, the backend link (`link.ts`) and the hardware bridge, and
 * restarts the actors for Reset.
 *
 * @module
 */
import { Bus, errorText } from "../actors/bus.ts";
import type { Clock } from "../actors/clock.ts";
import type { BackendState, BusMessage } from "../actors/messages.ts";
import { authorizationActor } from "../actors/authorization.ts";
import { type BootInfo, connectionActor, type ConnectionState } from "../actors/connection.ts";
import { configurationActor } from "../actors/configuration.ts";
import { connectorStatusActor, type ConnectorStatusState } from "../actors/connector_status.ts";
import { meterActor, type MeterState } from "../actors/meter.ts";
import { relayActor } from "../actors/relay.ts";
import { rpcActor } from "../actors/rpc.ts";
import { systemActor } from "../actors/system.ts";
import { transactionActor, type TransactionState } from "../actors/transaction.ts";
import type { ConfigStore } from "../config/store.ts";
import type { Transport } from "../ocpp/transport.ts";
import { Link } from "./link.ts";
import type { Logger } from "./log.ts";
import type { ConnectorView, RuntimeHandle, SimControls, StatusView } from "./handle.ts";

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

  constructor(opts: RuntimeOptions) {
    this.#o = opts;
    this.#link = new Link({
      store: opts.store,
      transport: opts.transport,
      logger: opts.logger,
      clock: opts.clock,
    });
    this.#backend = { state: "disabled", since: opts.clock.now(), reason: null };
  }

  /** Starts the actors and connects (when a backend is configured). */
  start(): this {
    this.#boot();
    return this;
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

  #boot(): void {
    const o = this.#o;
    const bus = new Bus({ clock: o.clock, config: () => o.store.view });
    this.#bus = bus;
    if (o.inspect) bus.inspect(o.inspect);
    bus.spawn(connectionActor(o.bootInfo));
    bus.spawn(authorizationActor);
    bus.spawn(transactionActor);
    bus.spawn(relayActor);
    bus.spawn(meterActor);
    bus.spawn(connectorStatusActor);
    bus.spawn(configurationActor);
    bus.spawn(systemActor);
    bus.spawn(rpcActor(bus.handledActions()));

    bus.subscribe("log", (m) => o.logger.log(m.level, m.text));
    bus.subscribe("backend.state", (m) => {
      this.#backend = { state: m.state, since: m.since, reason: m.reason ?? null };
      o.logger.log("info", `Backend ${m.state}${m.reason ? `: ${m.reason}` : ""}`);
    });
    bus.subscribe("config.write", (m) => this.#write(bus, m.key, m.value));
    this.#link.attach(bus);
    bus.subscribe("system.restart", (m) => {
      o.logger.log("info", `${m.kind} reset`);
      queueMicrotask(() => void this.#restart(bus));
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
   * order; the disk write runs behind and a restart waits for it.
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
  async #restart(bus: Bus): Promise<void> {
    if (this.#stopped || bus !== this.#bus) return;
    this.#stopHardware?.();
    this.#stopHardware = undefined;
    bus.stop();
    this.#link.detach();
    await this.flushed();
    if (this.#stopped) return;
    this.#restarts++;
    this.#boot();
  }

  /** Resolves once every setting the actors wrote so far is on disk (or failed to be). */
  async flushed(): Promise<void> {
    while (this.#writes.size > 0) await Promise.all([...this.#writes]);
  }

  /** Stops everything: actors, timers, connection, hardware bridge. Settings still being written: see {@link flushed}. */
  stop(): void {
    if (this.#stopped) return;
    this.#stopped = true;
    this.#stopHardware?.();
    this.#bus.stop();
    this.#link.detach();
  }

  status(): StatusView {
    const status = this.#bus.snapshot<ConnectorStatusState>("connector_status");
    const tx = this.#bus.snapshot<TransactionState>("transaction");
    const conn = this.#bus.snapshot<ConnectionState>("connection");
    const meter = this.#bus.snapshot<MeterState>("meter");
    const connectors: ConnectorView[] = tx.connectors.map((c, i) => {
      const s = status.connectors[i + 1]!;
      const running = c.tx.phase === "active" || c.tx.phase === "stopping" ? c.tx : undefined;
      return {
        id: i + 1,
        status: s.reported ?? "Available",
        errorCode: s.reportedError,
        evState: c.ev,
        transactionId: running?.transactionId ?? null,
        idTag: running?.idTag ?? null,
        startedAt: running ? new Date(running.startedAt).toISOString() : null,
        energyWh: running ? Math.max(0, Math.floor(c.meterWh) - running.meterStartWh) : null,
        meterWh: Math.floor(c.meterWh),
        powerW: Math.round(meter.connectors[i]?.w ?? 0),
      };
    });
    return {
      backend: {
        state: conn.phase,
        since: new Date(this.#backend.since).toISOString(),
        reason: this.#backend.reason,
      },
      connectors,
    };
  }

  settings() {
    return this.#o.store.publicSettings();
  }

  async updateSettings(input: unknown): Promise<void> {
    const changes = this.#o.store.validateSettings(input);
    await this.#o.store.apply(changes);
    for (const [key, value] of changes) this.#bus.publish({ type: "config.changed", key, value });
  }
}
