/**
 * Messages of the Firmware Management profile (`fw.*`: UpdateFirmware,
 * `diag.*`: GetDiagnostics) between the firmware and diagnostics actors and
 * the shell that transfers files and runs the installer
 * (`runtime/updates.ts`).
 *
 * Private to `messages.ts`, which joins them into `BusMessage`.
 *
 * @module
 */

/** OCPP 1.6 FirmwareStatus (section 7.25). */
export type FirmwareStatus =
  | "Downloaded"
  | "DownloadFailed"
  | "Downloading"
  | "Idle"
  | "InstallationFailed"
  | "Installing"
  | "Installed";

/** OCPP 1.6 DiagnosticsStatus (section 7.24). */
export type DiagnosticsStatus = "Idle" | "Uploaded" | "UploadFailed" | "Uploading";

/** Who holds the connectors Unavailable for an update (`fw.hold`): UpdateFirmware's or SignedUpdateFirmware's actor. */
export type FirmwareHolder = "firmware" | "signed_firmware";

/** Commands to the shell and the facts it reports back. */
export type UpdateMessage =
  /** Download the firmware at `url` (attempt `attempt`, 1-based) to the data directory. */
  | { readonly type: "fw.download"; readonly url: string; readonly attempt: number }
  | { readonly type: "fw.downloaded"; readonly file: string; readonly bytes: number }
  | { readonly type: "fw.download_failed"; readonly reason: string }
  /** Install the downloaded image. */
  | { readonly type: "fw.install"; readonly file: string }
  /**
   * The installer accepted the image; `version` is the version it names
   * (when it knows), `reboot` what must restart for it to run.
   */
  | {
    readonly type: "fw.installed";
    readonly version?: string;
    readonly reboot: "runtime" | "process";
  }
  | { readonly type: "fw.install_failed"; readonly reason: string }
  /**
   * While an update waits for a session to end, and until it is installed
   * or failed (errata 3.49, RECOMMENDED, for UpdateFirmware; Security
   * Whitepaper L01.FR.07, SHALL, for SignedUpdateFirmware): the connectors
   * not in use are Unavailable and take no new session (`hold`), or back as
   * they were once no `holder` holds them any more (one update cannot
   * release the other's hold).
   */
  | { readonly type: "fw.hold"; readonly hold: boolean; readonly holder: FirmwareHolder }
  /** Restart so the installed firmware runs (the shell restarts the actors or the process). */
  | { readonly type: "fw.reboot"; readonly scope: "runtime" | "process" }
  /** The firmware actor's durable state changed: written before anything else of its transition happens. */
  | { readonly type: "store.fw_state"; readonly state: unknown }
  /** The diagnostics actor's durable state changed (the job of GetDiagnostics). */
  | { readonly type: "store.diag_state"; readonly state: unknown }
  /** Collect the logs of the window into one archive and upload it to `location` as `fileName`. */
  | {
    readonly type: "diag.upload";
    readonly location: string;
    readonly fileName: string;
    readonly startTime?: number;
    readonly stopTime?: number;
    readonly attempt: number;
  }
  | { readonly type: "diag.uploaded"; readonly fileName: string; readonly bytes: number }
  | { readonly type: "diag.upload_failed"; readonly reason: string };
