/**
 * The real firmware installer: runs a configured program with the image,
 * for example `rauc install {file}` or `swupdate -i {file}` (no shell: the
 * command is split on spaces, `{file}` is replaced by the image's path),
 * and maps its exit status:
 *
 * - 0: installed; the runtime restarts its actors and reads the version
 *   (`reboot: runtime`);
 * - {@link EXIT_REBOOT_PROCESS} (10): installed; the whole program must
 *   restart (the runtime stops cleanly and exits, its supervisor starts it
 *   again, or the installer reboots the machine);
 * - anything else, or a program that cannot start: InstallationFailed with
 *   the exit status and the last line of its error output.
 *
 * The running version is the first line of `versionFile` (for example
 * `/etc/sw-version`, which the new firmware brings), read at each boot.
 * Aborted (shutdown, power loss), the program is killed (SIGTERM).
 *
 * @module
 */
import { type FirmwareInstaller, type InstallResult, VERSION_MAX } from "./installer.ts";

/** The exit status by which the program asks for a restart of the whole process. */
export const EXIT_REBOOT_PROCESS = 10;

/** Options of {@link CommandInstaller}. */
export interface CommandInstallerOptions {
  /** The program and its arguments, `{file}` standing for the image. */
  readonly command: string;
  /** A file whose first line is the running version. */
  readonly versionFile: string;
  /** The version when `versionFile` cannot be read. */
  readonly fallbackVersion: string;
}

/** Runs a configured installer program. */
export class CommandInstaller implements FirmwareInstaller {
  #o: CommandInstallerOptions;
  constructor(o: CommandInstallerOptions) {
    if (o.command.trim() === "") {
      throw new TypeError("Cannot use the command installer: no command");
    }
    this.#o = o;
  }

  version(): string {
    try {
      const v = Deno.readTextFileSync(this.#o.versionFile).split("\n")[0]!.trim();
      return v ? v.slice(0, VERSION_MAX) : this.#o.fallbackVersion;
    } catch {
      return this.#o.fallbackVersion;
    }
  }

  async install(file: string, signal?: AbortSignal): Promise<InstallResult> {
    const [program, ...args] = this.#o.command.trim().split(/\s+/).map((a) =>
      a.replaceAll("{file}", file)
    );
    if (signal?.aborted) return { ok: false, reason: "installation interrupted" };
    try {
      await Deno.stat(file);
    } catch (err) {
      return { ok: false, reason: `cannot read the image ${file}: ${(err as Error).message}` };
    }
    let child: Deno.ChildProcess;
    try {
      child = new Deno.Command(program!, { args, stdin: "null", stdout: "null", stderr: "piped" })
        .spawn();
    } catch (err) {
      return {
        ok: false,
        reason: `cannot run the installer ${program}: ${(err as Error).message}`,
      };
    }
    const kill = () => {
      try {
        child.kill("SIGTERM");
      } catch { /* ended */ }
    };
    if (signal?.aborted) kill();
    signal?.addEventListener("abort", kill, { once: true });
    try {
      const out = await child.output();
      if (signal?.aborted) return { ok: false, reason: "installation interrupted" };
      if (out.code === 0) return { ok: true, reboot: "runtime" };
      if (out.code === EXIT_REBOOT_PROCESS) return { ok: true, reboot: "process" };
      const err = new TextDecoder().decode(out.stderr).trim().split("\n").pop() ?? "";
      return {
        ok: false,
        reason: `the installer ${program} exited with status ${out.code}${
          err ? `: ${err.slice(0, 200)}` : ""
        }`,
      };
    } finally {
      signal?.removeEventListener("abort", kill);
    }
  }
}
