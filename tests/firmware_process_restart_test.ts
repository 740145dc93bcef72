/**
 * The command installer asking for a restart of the whole program
 * (`drivers/installer_command.ts`: exit status 10): `main.ts`, in its own
 * process, stops cleanly and exits with `EXIT_RESTART` (3) for its
 * supervisor; started again on the same data directory it reports Installed
 * when the new version runs (BootNotification firmwareVersion), or
 * InstallationFailed when the old one still does. Against the strict
 * Central System and an HTTP server on 127.0.0.1, real time.
 *
 * @module
 */
import assert from "node:assert/strict";
import { EXIT_RESTART } from "../main.ts";
import { Csms } from "./csms.ts";
import { startHttp } from "./_transfer_peers.ts";
import { spawnWallbox, type WallboxProcess } from "./_wallbox_process.ts";

Deno.test("firmware: the command installer asks for a process restart; main.ts exits 3 and, started again, reports Installed with the new version", async () => {
  await using http = startHttp();
  // The image names the version the installer puts in place ("keep": a broken install).
  http.files.set("/fw-2.bin", new TextEncoder().encode("2.0.0"));
  http.files.set("/fw-broken.bin", new TextEncoder().encode("keep"));
  const csms = await Csms.start();
  const dir = await Deno.makeTempDir({ prefix: "fw-restart-" });
  const config = `${dir}/config.json`;
  const versionFile = `${dir}/sw-version`;
  await Deno.writeTextFile(versionFile, "1.0.0\n");
  await Deno.writeTextFile(
    `${dir}/install.sh`,
    `v=$(cat "$1")\n[ "$v" = keep ] || printf '%s\\n' "$v" > "${versionFile}"\nexit 10\n`,
  );
  await Deno.writeTextFile(
    config,
    JSON.stringify({
      backendConnectionType: "ethernet",
      backendUrl: csms.url,
      chargePointId: "CP-RESTART-1",
    }),
  );
  const env = {
    FIRMWARE_INSTALL_COMMAND: `sh ${dir}/install.sh {file}`,
    FIRMWARE_VERSION_FILE: versionFile,
  };
  const start = () => spawnWallbox({ dataDir: `${dir}/data`, config, env, keepStderr: 50 });
  let p: WallboxProcess = start();
  try {
    const statuses = (from: number) =>
      csms.all("FirmwareStatusNotification", from).map((r) => r.params.status);
    await csms.next("StatusNotification", 0, (q) => q.connectorId === 1);
    assert.equal(csms.all("BootNotification")[0]!.params.firmwareVersion, "1.0.0");
    // 1. The installer puts 2.0.0 in place and asks for a restart.
    const m = csms.mark;
    await csms.call("UpdateFirmware", {
      location: `${http.base}/fw-2.bin`,
      retrieveDate: new Date().toISOString(),
    });
    const status = await p.exited;
    assert.equal(
      status.code,
      EXIT_RESTART,
      `the process exits for its supervisor: ${p.stderr.join("")}`,
    );
    assert.deepEqual(statuses(m), ["Downloading", "Downloaded", "Installing"]);
    assert.equal((await Deno.readTextFile(versionFile)).trim(), "2.0.0");
    const k1 = csms.mark;
    p = start();
    await csms.next("FirmwareStatusNotification", k1, (q) => q.status !== "Installing");
    assert.deepEqual(statuses(k1), ["Installed"]);
    const boots = csms.all("BootNotification", k1).map((b) => b.params.firmwareVersion);
    assert.deepEqual(boots, ["2.0.0"], "the new version runs");
    // 2. The installer asks for a restart but the old version comes up again.
    const n = csms.mark;
    await csms.call("UpdateFirmware", {
      location: `${http.base}/fw-broken.bin`,
      retrieveDate: new Date().toISOString(),
    });
    assert.equal((await p.exited).code, EXIT_RESTART);
    const k2 = csms.mark;
    p = start();
    await csms.next("FirmwareStatusNotification", k2, (q) => q.status !== "Installing");
    assert.deepEqual(statuses(n), [
      "Downloading",
      "Downloaded",
      "Installing",
      "InstallationFailed",
    ]);
    assert.deepEqual(csms.all("BootNotification", k2).map((b) => b.params.firmwareVersion), [
      "2.0.0",
    ]);
    assert.deepEqual(csms.invalid, []);
  } finally {
    p.kill();
    await p.exited;
    await csms.close();
    await Deno.remove(dir, { recursive: true });
  }
});
