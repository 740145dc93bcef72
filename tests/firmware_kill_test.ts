/**
 * The wallbox process (`main.ts`, the simulated installer, real time) is
 * killed with SIGKILL in the middle of a firmware download and in the
 * middle of an install, and started again on the same data directory,
 * against the strict Central System and an HTTP server on 127.0.0.1.
 *
 * @module
 */
import assert from "node:assert/strict";
import { simImage } from "../drivers/installer_sim.ts";
import { VERSION } from "../runtime/version.ts";
import { Csms } from "./csms.ts";
import { startHttp } from "./_transfer_peers.ts";
import { spawnWallbox, type WallboxProcess } from "./_wallbox_process.ts";

function start(dataDir: string, config: string): WallboxProcess {
  return spawnWallbox({ dataDir, config, keepStderr: 0 });
}

async function kill(p: WallboxProcess): Promise<void> {
  p.kill();
  await p.exited;
}

Deno.test("firmware: kill -9 during the download and during the install; after each start the update finishes or fails cleanly", async () => {
  await using http = startHttp();
  const image = (v: string) => new TextEncoder().encode(simImage(v, "p".repeat(300_000)));
  http.files.set("/fw-2.bin", image("2.0.0"));
  http.hold.set("/fw-2.bin", 100_000);
  http.files.set("/fw-3.bin", image("3.0.0"));
  const csms = await Csms.start();
  const dir = await Deno.makeTempDir({ prefix: "fw-kill-" });
  const config = `${dir}/config.json`;
  await Deno.writeTextFile(
    config,
    JSON.stringify({
      backendConnectionType: "ethernet",
      backendUrl: csms.url,
      chargePointId: "CP-KILL-1",
    }),
  );
  let p = start(`${dir}/data`, config);
  try {
    const statuses = (from: number) =>
      csms.all("FirmwareStatusNotification", from).map((r) => r.params.status);
    // A status whose answer the killed process had not stored yet is sent again after the
    // start (at least once), so each status is taken by its first copy.
    const once = (xs: string[]) => xs.filter((x, i) => xs.indexOf(x) === i);
    await csms.next("StatusNotification", 0, (q) => q.connectorId === 1);
    // 1. Killed while downloading: Downloading was reported, the body is stalled half-way.
    const m = csms.mark;
    await csms.call("UpdateFirmware", {
      location: `${http.base}/fw-2.bin`,
      retrieveDate: new Date().toISOString(),
    });
    await csms.until(() => http.held > 0 && statuses(m).includes("Downloading"), "the download");
    await kill(p);
    http.release();
    const k1 = csms.mark;
    p = start(`${dir}/data`, config);
    await csms.next("FirmwareStatusNotification", k1, (q) => q.status === "Installed");
    assert.deepEqual(once(statuses(m)), ["Downloading", "Downloaded", "Installing", "Installed"]);
    assert.ok(statuses(m).length <= 5, statuses(m).join());
    assert.deepEqual(
      http.requests.filter((r) => r === "GET /fw-2.bin").length,
      2,
      "downloaded again",
    );
    const boots = csms.all("BootNotification", k1).map((b) => b.params.firmwareVersion);
    assert.deepEqual(boots, [VERSION, "2.0.0"], "restart, then the reboot into 2.0.0");
    // 2. Killed while installing (the simulated install takes 2 s): the old version stays.
    const n = csms.mark;
    await csms.call("UpdateFirmware", {
      location: `${http.base}/fw-3.bin`,
      retrieveDate: new Date().toISOString(),
    });
    await csms.next("FirmwareStatusNotification", n, (q) => q.status === "Installing");
    await kill(p);
    const k2 = csms.mark;
    p = start(`${dir}/data`, config);
    await csms.next("FirmwareStatusNotification", k2, (q) => q.status === "InstallationFailed");
    // At least once: Downloaded and Installing leave in the same transition, and the kill
    // may fall before the store heard their answers, so at most those two come again.
    assert.ok(statuses(n).length <= 6, statuses(n).join());
    assert.equal(statuses(n).at(-1), "InstallationFailed");
    assert.deepEqual(once(statuses(n)), [
      "Downloading",
      "Downloaded",
      "Installing",
      "InstallationFailed",
    ]);
    assert.deepEqual(
      csms.all("BootNotification", k2).map((b) => b.params.firmwareVersion),
      ["2.0.0"],
      "no late switch to 3.0.0",
    );
    assert.deepEqual(csms.invalid, []);
  } finally {
    await kill(p);
    await csms.close();
    await Deno.remove(dir, { recursive: true });
  }
});
