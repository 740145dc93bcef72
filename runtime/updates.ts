/**
 * The effectful side of the firmware and diagnostics actors: it keeps the
 * firmware update's state in the store, downloads and uploads files
 * (`transfer.ts`, loaded only when a transfer runs), runs the installer
 * driver, collects the logs for GetDiagnostics and reboots.
 *
 * - `store.fw_state` is written synchronously when the bus delivers it
 *   (table `fw_state`, migration `updates_1`), before the effects behind
 *   it, so an update survives a power loss at any point.
 * - `fw.download` streams to `<data-dir>/firmware/image.bin` (through a
 *   `.part` file), at most `maxDownloadBytes`; https uses the TLS settings
 *   of the backend connection (CA file, client certificate, verification).
 * - `fw.install` runs the installer; `fw.reboot` restarts the actors
 *   (in-process) or asks the program to restart (`restartProcess`).
 * - `diag.upload` archives the log lines of the window (`logs.tar.gz`:
 *   `wallbox.log`, `info.json`) and uploads it.
 * - Results come back as `fw.*` / `diag.*` facts on the bus of the boot
 *   that asked; {@link Updates.detach} (restart, stop, power cut in tests)
 *   aborts what runs, and its late results are dropped.
 *
 * @module
 */
import { type Bus, errorText } from "../actors/bus.ts";
import type { MessageOf } from "../actors/messages.ts";
import { diagnosticsActor } from "../actors/diagnostics.ts";
import {
  firmwareActorWith,
  type FirmwareSaved,
  IDLE,
  restoreFirmware,
} from "../actors/firmware.ts";
import type { ConfigStore } from "../config/store.ts";
import type { FirmwareInstaller } from "../drivers/installer.ts";
import type { LogFile } from "./log_file.ts";
import type { Logger } from "./log.ts";
import type { Storage } from "./storage.ts";
import type { TlsSettings } from "./transfer.ts";

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

  constructor(o: UpdatesOptions, storage: Storage, store: ConfigStore, logger: Logger) {
    this.#o = o;
    this.#storage = storage;
    this.#store = store;
    this.#logger = logger;
    storage.migrate(
      "updates_1",
      "CREATE TABLE fw_state (id INTEGER PRIMARY KEY CHECK (id = 1), state TEXT NOT NULL)",
    );
  }

  /** The firmware that runs now (BootNotification firmwareVersion). */
  runningVersion(): string {
    return this.#o.installer.version();
  }

  /** The stored update, for the firmware actor of a new boot. */
  load(): FirmwareSaved {
    const row = this.#storage.db.prepare("SELECT state FROM fw_state WHERE id = 1").get() as
      | { state: string }
      | undefined;
    if (!row) return IDLE;
    let raw: unknown;
    try {
      raw = JSON.parse(row.state);
    } catch {
      raw = null;
    }
    const { saved, problem } = restoreFirmware(raw);
    if (problem) this.#logger.log("error", problem);
    return saved;
  }

  /**
   * Spawns the firmware actor (with the stored update and the running
   * version) and the diagnostics actor on the bus of a boot, and attaches.
   */
  boot(bus: Bus, restart: () => void): void {
    bus.spawn(firmwareActorWith(this.load(), this.runningVersion()));
    bus.spawn(diagnosticsActor);
    this.attach(bus, restart);
  }

  /** Connects to the bus of a boot; `restart` restarts the actors (reboot after an install). */
  attach(bus: Bus, restart: () => void): void {
    this.#ac = new AbortController();
    const signal = this.#ac.signal;
    let downloading = false;
    const publish = (m: Parameters<Bus["publish"]>[0]) => {
      if (!signal.aborted) bus.publish(m);
    };
    const run = (what: string, fn: () => Promise<void>) => {
      const p = fn().catch((err) => {
        if (!signal.aborted) this.#logger.log("error", `Cannot ${what}: ${errorText(err)}`);
      });
      this.#running.add(p);
      p.finally(() => this.#running.delete(p));
    };
    this.#offs = [
      bus.subscribe("store.fw_state", (m) => this.#save(m.state)),
      bus.subscribe("fw.download", (m) => {
        // One download at a time: a repeated command while one runs is a no-op.
        if (downloading) return;
        downloading = true;
        run(
          "download firmware",
          () => this.#download(m, publish, signal).finally(() => downloading = false),
        );
      }),
      bus.subscribe(
        "fw.install",
        (m) => run("install firmware", () => this.#install(m, publish, signal)),
      ),
      bus.subscribe("fw.reboot", (m) => {
        if (m.scope === "process" && this.#o.restartProcess) return this.#o.restartProcess();
        queueMicrotask(restart);
      }),
      bus.subscribe(
        "diag.upload",
        (m) => run("upload diagnostics", () => this.#upload(m, publish, signal)),
      ),
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

  #save(state: unknown): void {
    try {
      this.#storage.db.prepare(
        "INSERT INTO fw_state (id, state) VALUES (1, ?) ON CONFLICT (id) DO UPDATE SET state = excluded.state",
      ).run(JSON.stringify(state));
    } catch (err) {
      this.#logger.log("error", `Cannot write the firmware update state: ${errorText(err)}`);
    }
  }

  /** The backend connection's TLS settings, for https transfers. */
  #tls(): TlsSettings {
    const get = (k: string) => String(this.#store.get(k));
    const read = (path: string) => path ? Deno.readTextFileSync(path) : undefined;
    try {
      const ca = read(get("TlsCaFile"));
      const cert = read(get("TlsClientCertFile"));
      const key = read(get("TlsClientKeyFile"));
      return {
        ...(ca ? { caCerts: [ca] } : {}),
        ...(cert && key ? { clientCert: { cert, key } } : {}),
        ...(this.#store.get("TlsVerifyServer") === false ? { verifyServer: false } : {}),
      };
    } catch (err) {
      this.#logger.log("warn", `Cannot read a TLS file for https transfers: ${errorText(err)}`);
      return {};
    }
  }

  async #download(
    m: MessageOf<"fw.download">,
    publish: (m: MessageOf<"fw.downloaded"> | MessageOf<"fw.download_failed">) => void,
    signal: AbortSignal,
  ): Promise<void> {
    const dir = `${this.#o.dataDir}/firmware`;
    const file = `${dir}/image.bin`;
    const t = await import("./transfer.ts");
    try {
      await Deno.mkdir(dir, { recursive: true, mode: 0o700 });
      this.#logger.log("info", `Firmware download attempt ${m.attempt} from ${t.safeUrl(m.url)}`);
      const bytes = await t.download(m.url, file, this.#o.maxDownloadBytes ?? MAX_DOWNLOAD_BYTES, {
        tls: this.#tls(),
        signal,
      });
      publish({ type: "fw.downloaded", file, bytes });
    } catch (err) {
      publish({ type: "fw.download_failed", reason: errorText(err) });
    }
  }

  async #install(
    m: MessageOf<"fw.install">,
    publish: (m: MessageOf<"fw.installed"> | MessageOf<"fw.install_failed">) => void,
    signal: AbortSignal,
  ): Promise<void> {
    const r = await this.#o.installer.install(m.file, signal);
    if (r.ok) {
      publish({
        type: "fw.installed",
        reboot: r.reboot,
        ...(r.version ? { version: r.version } : {}),
      });
    } else {
      publish({ type: "fw.install_failed", reason: r.reason });
    }
  }

  /** The archive of the logs in the window. */
  async archive(m: MessageOf<"diag.upload">): Promise<Uint8Array> {
    const { tarGz } = await import("./tar.ts");
    const lines = this.#o.logs?.between(m.startTime, m.stopTime) ?? [];
    const enc = new TextEncoder();
    const info = {
      chargePointId: String(this.#store.get("ChargePointId")),
      firmwareVersion: this.runningVersion(),
      fileName: m.fileName,
      startTime: m.startTime === undefined ? null : new Date(m.startTime).toISOString(),
      stopTime: m.stopTime === undefined ? null : new Date(m.stopTime).toISOString(),
      lines: lines.length,
    };
    const now = Date.now();
    return await tarGz([
      { name: "wallbox.log", data: enc.encode(lines.map((l) => `${l}\n`).join("")), mtime: now },
      { name: "info.json", data: enc.encode(`${JSON.stringify(info, null, 2)}\n`), mtime: now },
    ]);
  }

  async #upload(
    m: MessageOf<"diag.upload">,
    publish: (m: MessageOf<"diag.uploaded"> | MessageOf<"diag.upload_failed">) => void,
    signal: AbortSignal,
  ): Promise<void> {
    const t = await import("./transfer.ts");
    try {
      const bytes = await this.archive(m);
      this.#logger.log(
        "info",
        `Diagnostics upload attempt ${m.attempt} to ${t.safeUrl(m.location)}`,
      );
      await t.upload(m.location, m.fileName, bytes, { tls: this.#tls(), signal });
      publish({ type: "diag.uploaded", fileName: m.fileName, bytes: bytes.length });
    } catch (err) {
      publish({ type: "diag.upload_failed", reason: errorText(err) });
    }
  }
}
