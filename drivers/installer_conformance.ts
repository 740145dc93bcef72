/**
 * The conformance suite every {@link FirmwareInstaller} passes: the
 * simulated one (`installer_sim_test.ts`) and the command one
 * (`installer_command_test.ts`).
 *
 * @example A driver's test file (it registers tests, so it is not run as one)
 * ```ts ignore
 * import { runInstallerConformance } from "./installer_conformance.ts";
 * runInstallerConformance("SimInstaller", makeHarness);
 * ```
 *
 * @module
 */
import assert from "node:assert/strict";
import { type FirmwareInstaller, type InstallResult, VERSION_MAX } from "./installer.ts";
import { type Closable, conformanceCase } from "./_conformance.ts";

/** A fresh installer under test. */
export interface InstallerHarness extends Closable {
  readonly driver: FirmwareInstaller;
  /** Writes a valid image naming `version`; resolves its path. */
  validImage(version: string): Promise<string>;
  /** Writes an image the installer must refuse; resolves its path. */
  invalidImage(): Promise<string>;
  /** The installer as the firmware after a reboot sees it (same files, new instance). */
  rebooted(): FirmwareInstaller;
  /** Lets time pass for a running installation (a fake clock); absent: real time runs. */
  tick?(): void;
}

/** Waits for an installation, letting the harness's time pass. */
async function settle(h: InstallerHarness, p: Promise<InstallResult>): Promise<InstallResult> {
  let done: InstallResult | undefined;
  p.then((r) => done = r);
  for (let i = 0; i < 2000 && done === undefined; i++) {
    h.tick?.();
    await new Promise((r) => setTimeout(r, 5));
  }
  return done ?? await p;
}

/**
 * Registers the installer conformance cases as `Deno.test`s.
 *
 * @param name Names the implementation in each test name.
 * @param make Makes a fresh harness for each case.
 */
export function runInstallerConformance(
  name: string,
  make: () => InstallerHarness | Promise<InstallerHarness>,
): void {
  const test = (title: string, fn: (h: InstallerHarness) => Promise<void> | void) =>
    conformanceCase(`${name}: FirmwareInstaller ${title}`, make, true, fn);

  test("reports a version BootNotification can carry (1-50 characters)", ({ driver }) => {
    const v = driver.version();
    assert.ok(v.length >= 1 && v.length <= VERSION_MAX, `version ${JSON.stringify(v)}`);
  });

  test("installs a valid image, which runs after the reboot", async (h) => {
    const before = h.driver.version();
    const result = await settle(h, h.driver.install(await h.validImage("9.8.7")));
    assert.equal(result.ok, true, JSON.stringify(result));
    if (!result.ok) return;
    assert.ok(result.reboot === "runtime" || result.reboot === "process");
    if (result.version !== undefined) assert.equal(result.version, "9.8.7");
    const after = h.rebooted().version();
    assert.equal(after, "9.8.7");
    assert.notEqual(after, before);
  });

  test("refuses an invalid image with a reason and keeps the old version", async (h) => {
    const before = h.driver.version();
    const result = await settle(h, h.driver.install(await h.invalidImage()));
    assert.equal(result.ok, false);
    if (result.ok) return;
    assert.ok(result.reason.length > 0);
    assert.equal(h.rebooted().version(), before);
  });

  test("resolves a missing image as a failure (no throw), old version kept", async (h) => {
    const before = h.driver.version();
    const result = await settle(h, h.driver.install("/nonexistent/openwallbox/image.bin"));
    assert.equal(result.ok, false);
    if (!result.ok) assert.match(result.reason, /image/);
    assert.equal(h.rebooted().version(), before);
  });

  test("abandons an aborted installation: nothing switches", async (h) => {
    const before = h.driver.version();
    const image = await h.validImage("6.6.6");
    const ac = new AbortController();
    const p = h.driver.install(image, ac.signal);
    ac.abort();
    const result = await settle(h, p);
    assert.equal(result.ok, false);
    assert.equal(h.rebooted().version(), before);
  });
}
