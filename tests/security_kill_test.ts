/**
 * The Charge Point's start-up security events are kept durably until a boot
 * is Accepted (Security Whitepaper A04.FR.02, "queued with guaranteed
 * delivery"): the wallbox process (`main.ts`, real time) is killed with
 * SIGKILL while its Central System leaves the boot Pending, started again
 * on the same data directory against the strict Central System, which now
 * accepts it: the StartupOfTheDevice of the killed run is delivered, once,
 * before the new run's, and a further restart does not send it again.
 *
 * @module
 */
import assert from "node:assert/strict";
import { DatabaseSync } from "node:sqlite";
import { Csms } from "./csms.ts";
import { spawnWallbox, type WallboxProcess } from "./_wallbox_process.ts";

/** A triggered Heartbeat: what the Charge Point had queued before it is sent by its answer (FIFO). */
async function roundTrip(csms: Csms): Promise<void> {
  const m = csms.mark;
  await csms.call("TriggerMessage", { requestedMessage: "Heartbeat" });
  await csms.next("Heartbeat", m);
}

async function kill(p: WallboxProcess): Promise<void> {
  p.kill();
  await p.exited;
}

/** The events of the security log (read from the store while the process runs). */
function logged(db: string): string[] {
  try {
    const conn = new DatabaseSync(db, { readOnly: true });
    try {
      return conn.prepare("SELECT event FROM security_log ORDER BY id").all().map((r) =>
        String(r.event)
      );
    } finally {
      conn.close();
    }
  } catch {
    return []; // not created yet
  }
}

Deno.test("StartupOfTheDevice raised before the first Accepted boot survives kill -9 and is delivered once", async () => {
  const csms = await Csms.start();
  const dir = await Deno.makeTempDir({ prefix: "sec-kill-" });
  const config = `${dir}/config.json`;
  await Deno.writeTextFile(
    config,
    JSON.stringify({
      backendConnectionType: "ethernet",
      backendUrl: csms.url,
      chargePointId: "CP-SEC-KILL",
    }),
  );
  const start = () => spawnWallbox({ dataDir: `${dir}/data`, config, keepStderr: 0 });
  // Run 1: the boot stays Pending (retry in 300 s): the start-up's event waits for it.
  csms.handlers.BootNotification = () => ({
    status: "Pending",
    currentTime: new Date().toISOString(),
    interval: 300,
  });
  let p = start();
  try {
    await csms.next("BootNotification");
    await csms.until(
      () => logged(`${dir}/data/state.db`).includes("StartupOfTheDevice"),
      "the start-up event to be raised",
    );
    await kill(p);
    assert.deepEqual(csms.all("SecurityEventNotification"), []);
    // Run 2: accepted. The killed run's event first, then this run's, each once.
    delete csms.handlers.BootNotification;
    const m = csms.mark;
    p = start();
    const startups = (from: number) =>
      csms.all("SecurityEventNotification", from)
        .filter((r) => r.params.type === "StartupOfTheDevice")
        .map((r) => r.params.techInfo);
    await csms.until(() => startups(m).length >= 2, "both StartupOfTheDevice events");
    await roundTrip(csms); // a duplicate queued before would have been sent by now
    assert.deepEqual(startups(m), [
      "first start (empty store)",
      "started after a power loss or crash (no clean stop)",
    ]);
    // Run 3: delivered ones are not sent again; only this run's own event.
    await kill(p);
    const n = csms.mark;
    p = start();
    await csms.until(() => startups(n).length >= 1, "run 3's StartupOfTheDevice");
    await roundTrip(csms);
    assert.deepEqual(startups(n), ["started after a power loss or crash (no clean stop)"]);
    assert.deepEqual(csms.invalid, []);
  } finally {
    await kill(p);
    await csms.close();
    await Deno.remove(dir, { recursive: true });
  }
});
