/**
 * The wallbox process (`main.ts`, real time) is killed with SIGKILL while a
 * GetDiagnostics upload is under way, and started again on the same data
 * directory, against the strict Central System and an HTTP server on
 * 127.0.0.1: the stored job goes on. The cut attempt counts as failed; with
 * a retry left the next attempt uploads the same file (Uploaded), with none
 * left UploadFailed is reported. Uploading is not sent again as a new status.
 *
 * @module
 */
import assert from "node:assert/strict";
import { Csms } from "./csms.ts";
import { startHttp } from "./_transfer_peers.ts";
import { spawnWallbox, type WallboxProcess } from "./_wallbox_process.ts";

async function kill(p: WallboxProcess): Promise<void> {
  p.kill();
  await p.exited;
}

Deno.test("diagnostics: kill -9 during the upload; after the start the upload is retried (Uploaded) or fails cleanly (UploadFailed)", async () => {
  await using http = startHttp();
  const csms = await Csms.start();
  const dir = await Deno.makeTempDir({ prefix: "diag-kill-" });
  const config = `${dir}/config.json`;
  await Deno.writeTextFile(
    config,
    JSON.stringify({
      backendConnectionType: "ethernet",
      backendUrl: csms.url,
      chargePointId: "CP-KILL-2",
    }),
  );
  const start = () => spawnWallbox({ dataDir: `${dir}/data`, config, keepStderr: 0 });
  let p = start();
  try {
    const statuses = (from: number) =>
      csms.all("DiagnosticsStatusNotification", from).map((r) => r.params.status);
    // A status whose answer the killed process had not stored yet is sent again (at least once).
    const once = (xs: string[]) => xs.filter((x, i) => xs.indexOf(x) === i);
    await csms.next("StatusNotification", 0, (q) => q.connectorId === 1);
    // 1. One retry allowed: killed while the first attempt's upload is received, not answered.
    http.holdUploads.add("/diag/");
    const m = csms.mark;
    const answer = await csms.call("GetDiagnostics", {
      location: `${http.base}/diag/`,
      retries: 1,
      retryInterval: 600,
    });
    assert.match(answer.fileName, /^diagnostics-CP-KILL-2-/);
    await csms.until(
      () => http.uploadsHeld === 1 && statuses(m).includes("Uploading"),
      "the upload",
    );
    await kill(p);
    http.release();
    const k1 = csms.mark;
    p = start();
    await csms.next("DiagnosticsStatusNotification", k1, (q) => q.status !== "Uploading");
    assert.deepEqual(once(statuses(m)), ["Uploading", "Uploaded"]);
    assert.ok(statuses(m).length <= 3, statuses(m).join());
    assert.deepEqual(
      http.uploads.map((u) => [u.path, u.fileName]),
      [["/diag/", answer.fileName]],
      "the same file, uploaded by the second attempt at once (not after retryInterval)",
    );
    // 2. No retry left: the cut attempt was the last one.
    http.holdUploads.add("/diag2/");
    const n = csms.mark;
    await csms.call("GetDiagnostics", { location: `${http.base}/diag2/`, retries: 0 });
    await csms.until(
      () => http.uploadsHeld === 2 && statuses(n).includes("Uploading"),
      "the second upload",
    );
    await kill(p);
    http.release();
    const k2 = csms.mark;
    p = start();
    await csms.next("DiagnosticsStatusNotification", k2, (q) => q.status !== "Uploading");
    assert.deepEqual(once(statuses(n)), ["Uploading", "UploadFailed"]);
    assert.equal(http.uploads.length, 1, "nothing more uploaded");
    // Nothing runs any more: TriggerMessage says Idle.
    const t = csms.mark;
    await csms.call("TriggerMessage", { requestedMessage: "DiagnosticsStatusNotification" });
    await csms.next("DiagnosticsStatusNotification", t);
    assert.deepEqual(statuses(t), ["Idle"]);
    assert.deepEqual(csms.invalid, []);
  } finally {
    await kill(p);
    await csms.close();
    await Deno.remove(dir, { recursive: true });
  }
});
