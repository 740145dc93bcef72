/**
 * A reservation survives a kill -9 (section 5.13: the Charge Point keeps
 * it until its expiryDate): the runtime runs as a real process (`deno run
 * -A main.ts`, real timers, its SQLite store in a data directory) against
 * the real Central System of `csms.ts` in this process, and is killed with
 * SIGKILL right after ReserveNow was Accepted.
 *
 * 1. Reserved, killed, started again: the boot reports the connector
 *    Reserved, the local API shows the reservation, and at its expiryDate
 *    the connector becomes Available.
 * 2. Reserved, killed, started again only after the expiryDate: the boot
 *    reports Available and the store no longer holds it.
 */
import assert from "node:assert/strict";
import { Csms } from "./csms.ts";
import { OCTT } from "./harness.ts";
import { spawnWallbox } from "./_wallbox_process.ts";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** One run of the wallbox process. */
class Wallbox {
  readonly child: Deno.ChildProcess;
  readonly base: string;
  readonly stderr: string[];

  constructor(readonly dataDir: string, config: string) {
    // Every line kept: the test looks for one logged at the start.
    const p = spawnWallbox({ dataDir, config, keepStderr: Number.MAX_SAFE_INTEGER });
    [this.child, this.base, this.stderr] = [p.child, p.base, p.stderr];
  }

  // deno-lint-ignore no-explicit-any
  async status(): Promise<any> {
    const token = (await Deno.readTextFile(`${this.dataDir}/api-token`)).trim();
    const res = await fetch(`${this.base}/api/status`, {
      headers: { Authorization: `Bearer ${token}` },
      signal: AbortSignal.timeout(5_000),
    });
    assert.equal(res.status, 200);
    return await res.json();
  }

  async kill(signal: Deno.Signal = "SIGKILL"): Promise<Deno.CommandStatus> {
    try {
      this.child.kill(signal);
    } catch { /* gone */ }
    return await this.child.status;
  }
}

/** Polls `find` until it returns something, or fails at `deadline` (ms since the epoch). */
async function waitFor<T>(find: () => T | undefined, deadline: number): Promise<T> {
  for (;;) {
    const found = find();
    if (found !== undefined) return found;
    assert.ok(Date.now() < deadline, "timed out");
    await sleep(50);
  }
}

Deno.test({
  name:
    "a reservation survives kill -9 and is released at its expiry; one expired while off is released at start-up",
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    const csms = await Csms.start();
    const dir = await Deno.makeTempDir({ prefix: "cp-reserve-" });
    const config = `${dir}/config.json`;
    await Deno.writeTextFile(
      config,
      JSON.stringify({
        backendConnectionType: "ethernet",
        backendUrl: csms.url,
        chargePointId: "RESERVE-1",
      }),
    );
    const boxes: Wallbox[] = [];
    const boot = async () => {
      const m = csms.mark;
      const box = new Wallbox(`${dir}/data`, config);
      boxes.push(box);
      await csms.next("BootNotification", m);
      const first = await csms.next("StatusNotification", m, (p) => p.connectorId === 1);
      return { box, first: first.params.status as string, mark: m };
    };
    try {
      // --- 1: killed while reserved, started again before the expiry ---
      let { box } = await boot();
      const expiry = Date.now() + 12_000;
      const req = {
        connectorId: 1,
        expiryDate: new Date(expiry).toISOString(),
        idTag: OCTT.validIdTag,
        reservationId: 77,
      };
      let m = csms.mark;
      assert.deepEqual(await csms.call("ReserveNow", req), { status: "Accepted" });
      await csms.next("StatusNotification", m, (p) => p.status === "Reserved");
      assert.equal((await box.kill()).signal, "SIGKILL");

      let run = await boot();
      box = run.box;
      assert.equal(run.first, "Reserved", "the boot reports the reservation that survived");
      const shown = (await box.status()).connectors[0].reservation;
      assert.deepEqual(shown, {
        reservationId: 77,
        idTag: OCTT.validIdTag,
        expiryDate: req.expiryDate,
        anyConnector: false,
      });
      const available = await waitFor(
        () =>
          csms.all("StatusNotification", run.mark).find((r) =>
            r.params.connectorId === 1 && r.params.status === "Available"
          ),
        expiry + 10_000,
      );
      // Released at its expiryDate (the Charge Point's clock follows the Central System's).
      assert.ok(
        Date.parse(available.params.timestamp) >= expiry - 1_000,
        available.params.timestamp,
      );
      assert.equal((await box.status()).connectors[0].reservation, null);

      // --- 2: killed while reserved, started again after the expiry ---
      m = csms.mark;
      const soon = Date.now() + 2_000;
      const short = { ...req, reservationId: 78, expiryDate: new Date(soon).toISOString() };
      assert.deepEqual(await csms.call("ReserveNow", short), { status: "Accepted" });
      await csms.next("StatusNotification", m, (p) => p.status === "Reserved");
      await box.kill();
      await sleep(Math.max(0, soon - Date.now()) + 500);
      run = await boot();
      box = run.box;
      assert.equal(run.first, "Available", "a reservation expired while off is not reported");
      assert.equal((await box.status()).connectors[0].reservation, null);
      await csms.until(
        () => box.stderr.join("").includes("Reservation 78 for OCTT-VALID-1 ended: expired while"),
        "the log of the release",
      );
      assert.equal((await box.kill("SIGTERM")).code, 0);
      assert.deepEqual(csms.invalid, []);
    } finally {
      for (const b of boxes) await b.kill();
      await csms.close();
      await Deno.remove(dir, { recursive: true });
    }
  },
});
