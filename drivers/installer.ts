/**
 * The firmware installer: takes a downloaded image and makes it the
 * firmware that runs after the next reboot (UpdateFirmware, OCPP 1.6
 * section 5.19). Two implementations pass `runInstallerConformance` of
 * `installer_conformance.ts`: {@link SimInstaller} in `installer_sim.ts`
 * (a text manifest names the version; documented in the README) and
 * {@link CommandInstaller} in `installer_command.ts` (runs a configured
 * program such as `rauc install {file}` or `swupdate -i {file}`).
 *
 * @module
 */

/** What an installation did. */
export type InstallResult =
  /**
   * The image is installed; it runs once `reboot` restarted: `runtime` (the
   * actors, in-process) or `process` (the whole program, by its supervisor).
   * `version`: the version the image names, when the installer knows it.
   */
  | { readonly ok: true; readonly version?: string; readonly reboot: "runtime" | "process" }
  /** Nothing changed: the old firmware still runs. `reason` says why, for people. */
  | { readonly ok: false; readonly reason: string };

/**
 * A firmware installer.
 *
 * @example
 * ```ts ignore
 * const result = await installer.install("/data/firmware/image.bin", signal);
 * if (!result.ok) log(`installation failed: ${result.reason}`);
 * ```
 */
export interface FirmwareInstaller {
  /**
   * The version that runs now (BootNotification firmwareVersion, at most 50
   * characters). Synchronous: read at each boot from a small file.
   */
  version(): string;
  /**
   * Installs the image at `file`. Never rejects: a bad image, a missing
   * file, a failing program are `{ ok: false, reason }` and leave the
   * running firmware as it was. `signal` aborts (shutdown, power loss):
   * the installation is abandoned and nothing switches.
   */
  install(file: string, signal?: AbortSignal): Promise<InstallResult>;
}

/** Largest firmwareVersion of BootNotification (CiString50Type, section 6.2). */
export const VERSION_MAX = 50;
