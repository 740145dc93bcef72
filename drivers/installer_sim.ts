/**
 * The simulated firmware installer. An image is a text manifest:
 *
 * ```
 * OPENWALLBOX-FIRMWARE 1
 * version: 1.2.0
 * ```
 *
 * The first line exactly, then `version:` with 1-50 characters of
 * `A-Za-z0-9._+-`; lines after an empty line are payload and ignored. Only
 * the first 4 KiB are read. Anything else is an invalid image
 * (InstallationFailed). Installing takes `installMs` on the injected clock
 * and then writes the new version to `<dir>/version` atomically (an A/B
 * switch: interrupted, the old version stays); `version()` reads that file,
 * or the factory version when it is absent. Reboot: `runtime`.
 *
 * @module
 */
import type { Clock } from "../actors/clock.ts";
import { type FirmwareInstaller, type InstallResult, VERSION_MAX } from "./installer.ts";

/** The manifest's first line. */
export const SIM_IMAGE_MAGIC = "OPENWALLBOX-FIRMWARE 1";

/** A valid simulated image naming `version` (tests, the README). */
export function simImage(version: string, payload = ""): string {
  return `${SIM_IMAGE_MAGIC}\nversion: ${version}\n${payload ? `\n${payload}` : ""}`;
}

/** The version a manifest names, or why it is not a valid image. */
export function parseSimImage(text: string): { version: string } | { reason: string } {
  const lines = text.split(/\r?\n/);
  if (lines[0] !== SIM_IMAGE_MAGIC) {
    return { reason: `invalid image: it does not start with "${SIM_IMAGE_MAGIC}"` };
  }
  const head = lines.slice(1, lines.indexOf("") < 0 ? undefined : lines.indexOf(""));
  const v = head.map((l) => /^version:\s*(\S+)\s*$/.exec(l)).find((m) => m);
  if (!v) return { reason: "invalid image: no version line" };
  const version = v[1]!;
  if (version.length > VERSION_MAX || !/^[A-Za-z0-9._+-]+$/.test(version)) {
    return { reason: `invalid image: version must be 1-${VERSION_MAX} of A-Za-z0-9._+-` };
  }
  return { version };
}

/** Options of {@link SimInstaller}. */
export interface SimInstallerOptions {
  /** Where the installed version is kept. */
  readonly dir: string;
  /** The version when nothing was installed yet. */
  readonly factoryVersion: string;
  readonly clock: Clock;
  /** How long an installation takes on `clock`; default 2 s. */
  readonly installMs?: number;
}

/** The simulated installer. */
export class SimInstaller implements FirmwareInstaller {
  #o: SimInstallerOptions;
  constructor(o: SimInstallerOptions) {
    this.#o = o;
  }

  version(): string {
    try {
      const v = Deno.readTextFileSync(`${this.#o.dir}/version`).trim();
      return v || this.#o.factoryVersion;
    } catch {
      return this.#o.factoryVersion;
    }
  }

  async install(file: string, signal?: AbortSignal): Promise<InstallResult> {
    let text: string;
    try {
      using f = await Deno.open(file, { read: true });
      const buf = new Uint8Array(4096);
      const n = (await f.read(buf)) ?? 0;
      text = new TextDecoder().decode(buf.subarray(0, n));
    } catch (err) {
      return { ok: false, reason: `cannot read the image ${file}: ${(err as Error).message}` };
    }
    const parsed = parseSimImage(text);
    if ("reason" in parsed) return { ok: false, reason: parsed.reason };
    const interrupted = await new Promise<boolean>((resolve) => {
      if (signal?.aborted) return resolve(true);
      const h = this.#o.clock.setTimeout(() => {
        signal?.removeEventListener("abort", onAbort);
        resolve(false);
      }, this.#o.installMs ?? 2000);
      const onAbort = () => {
        this.#o.clock.clearTimeout(h);
        resolve(true);
      };
      signal?.addEventListener("abort", onAbort, { once: true });
    });
    if (interrupted) return { ok: false, reason: "installation interrupted" };
    try {
      await Deno.mkdir(this.#o.dir, { recursive: true });
      const tmp = `${this.#o.dir}/version.tmp`;
      await Deno.writeTextFile(tmp, `${parsed.version}\n`);
      await Deno.rename(tmp, `${this.#o.dir}/version`);
    } catch (err) {
      return { ok: false, reason: `cannot switch to ${parsed.version}: ${(err as Error).message}` };
    }
    return { ok: true, version: parsed.version, reboot: "runtime" };
  }
}
