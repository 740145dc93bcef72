/**
 * The firmware management shell, the part loaded at start: it keeps the
 * firmware update's and the diagnostics upload's state in the store,
 * spawns the firmware and diagnostics actors as small gates (their full
 * logic loads at the first UpdateFirmware / GetDiagnostics, or at once when
 * a job is stored) and hands the transfers and installs to
 * `update_work.ts`, loaded by `import()` at the first one. Idle, the
 * feature costs only this module and the two gates.
 *
 * - `store.fw_state` and `store.diag_state` are written by {@link
 *   Updates.save} from the runtime's `persist` (tables `fw_state`,
 *   migration `updates_1`, and `diag_state`, `updates_2`), before any
 *   other effect of their transition; a write that fails throws, so the
 *   bus drops the transition (UpdateFirmware / GetDiagnostics answered
 *   with a CALLERROR InternalError, nothing started) and the charge point
 *   faults, as for every other store write.
 * - `fw.download`, `fw.install`, `diag.upload` run in `update_work.ts`;
 *   `fw.reboot` restarts the actors (in-process) or asks the program to
 *   restart (`restartProcess`).
 * - Results come back as `fw.*` / `diag.*` facts on the bus of the boot
 *   that asked; {@link Updates.detach} (restart, stop, power cut in tests)
 *   aborts what runs, and its late results are dropped.
 *
 * @module
 */
import { type Bus, errorText, type StoreEffect } from "../actors/bus.ts";
import type { MessageOf } from "../actors/messages.ts";
import {
  diagnosticsGateWith,
  diagnosticsIdle,
  type DiagnosticsSaved,
  firmwareGateWith,
  firmwareIdle,
  type FirmwareSaved,
  IDLE,
  NO_DIAGNOSTICS,
  restoreDiagnostics,
  restoreFirmware,
} from "../actors/update_gates.ts";
import type { ConfigStore } from "../config/store.ts";
import type { FirmwareInstaller } from "../drivers/installer.ts";
import type { LogFile } from "./log_file.ts";
import type { Logger } from "./log.ts";
import type { Storage } from "./storage.ts";
import type { UpdateWork } from "./update_work.ts";

/** Largest firmware image by default, bytes. */
export const MAX_DOWNLOAD_BYTES = 256 * 1024 * 1024;

/** What the firmware management needs from the device. */
export interface UpdatesOptions {
  /** Downloads go to `<dataDir>/firmware/`. */
  readonly dataDir: string;
  readonly installer: FirmwareInstaller;
  /** The device log, archived by GetDiagnostics. */
  readonly logs?: LogFile;
  readonly maxDownloadBytes?: number;
  /** The installer asked for a restart of the whole program (main.ts stops and exits). */
  readonly restartProcess?: () => void;
}

const TABLES = { "store.fw_state": "fw_state", "store.diag_state": "diag_state" } as const;

/** The firmware management shell, across restarts of the actors. */
export class Updates {
  #o: UpdatesOptions;
  #storage: Storage;
  #store: ConfigStore;
  #logger: Logger;
  #ac = new AbortController();
  #offs: (() => void)[] = [];
  /** Running transfers and installs (tests wait for them). */
  #running = new Set<Promise<void>>();
  #work: Promise<UpdateWork> | undefined;

  constructor(o: UpdatesOptions, storage: Storage, store: ConfigStore, logger: Logger) {
    this.#o = o;
    this.#storage = storage;
    this.#store = store;
    this.#logger = logger;
    storage.migrate(
      "updates_1",
      "CREATE TABLE fw_state (id INTEGER PRIMARY KEY CHECK (id = 1), state TEXT NOT NULL)",
    );
    storage.migrate(
      "updates_2",
      "CREATE TABLE diag_state (id INTEGER PRIMARY KEY CHECK (id = 1), state TEXT NOT NULL)",
    );
  }

  /** The firmware that runs now (BootNotification firmwareVersion). */
  runningVersion(): string {
    return this.#o.installer.version();
  }

  #read(table: string): unknown {
    const row = this.#storage.db.prepare(`SELECT state FROM ${table} WHERE id = 1`).get() as
      | { state: string }
      | undefined;
    if (!row) return undefined;
    try {
      return JSON.parse(row.state);
    } catch {
      return null;
    }
  }

  /** The stored update, for the firmware actor of a new boot. */
  load(): FirmwareSaved {
    const raw = this.#read("fw_state");
    if (raw === undefined) return IDLE;
    const { saved, problem } = restoreFirmware(raw);
    if (problem) this.#logger.log("error", problem);
    return saved;
  }

  /** The stored diagnostics upload, for the diagnostics actor of a new boot. */
  loadDiagnostics(): DiagnosticsSaved {
    const raw = this.#read("diag_state");
    if (raw === undefined) return NO_DIAGNOSTICS;
    const { saved, problem } = restoreDiagnostics(raw);
    if (problem) this.#logger.log("error", problem);
    return saved;
  }

  /**
   * Writes a firmware or diagnostics state durably (the runtime's `persist`).
   *
   * @throws when the store cannot take it: the bus then drops the transition.
   */
  save(m: Extract<StoreEffect, { type: keyof typeof TABLES }>): void {
    this.#storage.db.prepare(
      `INSERT INTO ${
        TABLES[m.type]
      } (id, state) VALUES (1, ?) ON CONFLICT (id) DO UPDATE SET state = excluded.state`,
    ).run(JSON.stringify(m.state));
  }

  /**
   * Spawns the firmware and diagnostics actors of a boot as gates (loaded at
   * once when a job is stored), and attaches.
   */
  boot(bus: Bus, restart: () => void): void {
    const fw = this.load();
    bus.spawn(firmwareGateWith(fw, this.runningVersion()), { load: !firmwareIdle(fw) });
    const diag = this.loadDiagnostics();
    bus.spawn(diagnosticsGateWith(diag), { load: !diagnosticsIdle(diag) });
    this.attach(bus, restart);
  }

  /** The transfer and install code, loaded at its first use. */
  #worker(): Promise<UpdateWork> {
    return this.#work ??= import("./update_work.ts").then((m) =>
      new m.UpdateWork(this.#o, this.#store, this.#logger)
    );
  }

  /** Connects to the bus of a boot; `restart` restarts the actors (reboot after an install). */
  attach(bus: Bus, restart: () => void): void {
    this.#ac = new AbortController();
    const signal = this.#ac.signal;
    let downloading = false;
    const publish = (m: Parameters<Bus["publish"]>[0]) => {
      if (!signal.aborted) bus.publish(m);
    };
    const run = (what: string, fn: (w: UpdateWork) => Promise<void>) => {
      const p = this.#worker().then(fn).catch((err) => {
        if (!signal.aborted) this.#logger.log("error", `Cannot ${what}: ${errorText(err)}`);
      });
      this.#running.add(p);
      p.finally(() => this.#running.delete(p));
      return p;
    };
    this.#offs = [
      bus.subscribe("fw.download", (m) => {
        // One download at a time: a repeated command while one runs is a no-op.
        if (downloading) return;
        downloading = true;
        run("download firmware", (w) => w.download(m, publish, signal))
          .finally(() => downloading = false);
      }),
      bus.subscribe("fw.install", (m) => {
        run("install firmware", (w) => w.install(m, publish, signal));
      }),
      bus.subscribe("fw.reboot", (m) => {
        if (m.scope === "process" && this.#o.restartProcess) return this.#o.restartProcess();
        queueMicrotask(restart);
      }),
      bus.subscribe("diag.upload", (m) => {
        run("upload diagnostics", (w) => w.uploadDiagnostics(m, publish, signal));
      }),
    ];
  }

  /** Disconnects from the bus and aborts what runs. */
  detach(): void {
    this.#ac.abort();
    for (const off of this.#offs) off();
    this.#offs = [];
  }

  /** Resolves when no transfer or install runs (tests). */
  async idle(): Promise<void> {
    while (this.#running.size > 0) await Promise.allSettled([...this.#running]);
  }

  /**
   * Uploads a file to a location with the backend connection's TLS settings
   * (GetLog, `log_upload.ts`).
   *
   * @throws {TransferError} saying what failed.
   */
  async upload(location: string, fileName: string, bytes: Uint8Array, signal: AbortSignal) {
    await (await this.#worker()).upload(location, fileName, bytes, signal);
  }

  /** The archive of the logs in the window (GetDiagnostics, GetLog DiagnosticsLog). */
  async archive(m: MessageOf<"diag.upload">): Promise<Uint8Array> {
    return await (await this.#worker()).archive(m);
  }
}
