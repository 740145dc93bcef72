/**
 * Acknowledge only what is durable (issue 17's rule), for Firmware
 * Management: an UpdateFirmware or GetDiagnostics whose job cannot be
 * written to the store is answered with a CALLERROR InternalError, starts
 * nothing (no Downloading, no transfer) and faults the charge point, as
 * every other failed store write does.
 *
 * @module
 */
import assert from "node:assert/strict";
import { simImage } from "../drivers/installer_sim.ts";
import { STORE_FAULT_INFO } from "../runtime/runtime.ts";
import { startDurableRig } from "./_durability_rig.ts";
import { startHttp } from "./_transfer_peers.ts";
import { updates } from "./_update_rig.ts";

Deno.test("UpdateFirmware whose job cannot be stored: CALLERROR InternalError, no download, Faulted", async () => {
  await using http = startHttp();
  http.files.set("/fw.bin", new TextEncoder().encode(simImage("9.9.9", "body")));
  await using rig = await startDurableRig({ updates: updates({}) });
  const { csms } = rig;
  const m = csms.mark;
  // The store refuses every write from now on (a full or read-only disk).
  rig.storage.db.exec("PRAGMA query_only = 1");
  await assert.rejects(
    csms.call("UpdateFirmware", {
      location: `${http.base}/fw.bin`,
      retrieveDate: new Date(rig.clock.now()).toISOString(),
    }),
    /InternalError|cannot store/,
  );
  const faulted = await csms.next(
    "StatusNotification",
    m,
    (p) => p.connectorId === 0 && p.status === "Faulted",
  );
  assert.equal(faulted.params.info, STORE_FAULT_INFO);
  await rig.advance(5_000);
  await rig.cp.updates!.idle();
  assert.deepEqual(http.requests, [], "nothing downloaded");
  assert.deepEqual(csms.all("FirmwareStatusNotification", m), []);
  assert.equal(rig.messages.some((x) => x.type === "fw.download"), false);
  assert.match(rig.cp.durability().detail ?? "", /Cannot write store\.fw_state/);
  assert.deepEqual(csms.invalid, []);
});

Deno.test("GetDiagnostics whose job cannot be stored: CALLERROR InternalError, no upload", async () => {
  await using http = startHttp();
  await using rig = await startDurableRig({ updates: updates({}) });
  const { csms } = rig;
  const m = csms.mark;
  rig.storage.db.exec("PRAGMA query_only = 1");
  await assert.rejects(
    csms.call("GetDiagnostics", { location: `${http.base}/diag/` }),
    /InternalError|cannot store/,
  );
  await rig.advance(5_000);
  await rig.cp.updates!.idle();
  assert.deepEqual(http.requests, [], "nothing uploaded");
  assert.deepEqual(csms.all("DiagnosticsStatusNotification", m), []);
  assert.match(rig.cp.durability().detail ?? "", /Cannot write store\.diag_state/);
  assert.deepEqual(csms.invalid, []);
});
