/**
 * The heavy side of the firmware management shell (`updates.ts`), loaded
 * by `import()` at the first transfer or install, never at start:
 * downloads and uploads files (`transfer.ts`, also loaded only then), runs
 * the installer driver and collects the logs for GetDiagnostics.
 *
 * - A download streams to `<data-dir>/firmware/image.bin` (through a
 *   `.part` file), at most `maxDownloadBytes`; https uses the TLS settings
 *   of the backend connection (CA file, client certificate, verification).
 * - The diagnostics archive (`logs.tar.gz`: `wallbox.log`, `info.json`)
 *   holds the log lines of the window.
 *
 * @module
 */
import { errorText } from "../actors/bus.ts";
import type { MessageOf } from "../actors/messages.ts";
import type { ConfigStore } from "../config/store.ts";
import type { Logger } from "./log.ts";
import type { TlsSettings } from "./transfer.ts";
import { MAX_DOWNLOAD_BYTES, type UpdatesOptions } from "./updates.ts";

/** Publishes a result on the bus of the boot that asked (dropped once it is detached). */
type Publish = (m: UpdateResult) => void;
type UpdateResult =
  | MessageOf<"fw.downloaded">
  | MessageOf<"fw.download_failed">
  | MessageOf<"fw.installed">
  | MessageOf<"fw.install_failed">
  | MessageOf<"diag.uploaded">
  | MessageOf<"diag.upload_failed">;

/** Transfers, installs and archives for the firmware management shell. */
export class UpdateWork {
  #o: UpdatesOptions;
  #store: ConfigStore;
  #logger: Logger;

  constructor(o: UpdatesOptions, store: ConfigStore, logger: Logger) {
    this.#o = o;
    this.#store = store;
    this.#logger = logger;
  }

  /**
   * Uploads a file to a location with the backend connection's TLS settings.
   *
   * @throws {TransferError} saying what failed.
   */
  async upload(location: string, fileName: string, bytes: Uint8Array, signal: AbortSignal) {
    const t = await import("./transfer.ts");
    this.#logger.log("info", `Log upload of ${fileName} to ${t.safeUrl(location)}`);
    await t.upload(location, fileName, bytes, { tls: this.#tls(), signal });
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

  /** Downloads the firmware image; reports `fw.downloaded` or `fw.download_failed`. */
  async download(
    m: MessageOf<"fw.download">,
    publish: Publish,
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

  /** Runs the installer; reports `fw.installed` or `fw.install_failed`. */
  async install(
    m: MessageOf<"fw.install">,
    publish: Publish,
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
      firmwareVersion: this.#o.installer.version(),
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

  /** Archives and uploads the diagnostics; reports `diag.uploaded` or `diag.upload_failed`. */
  async uploadDiagnostics(
    m: MessageOf<"diag.upload">,
    publish: Publish,
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
