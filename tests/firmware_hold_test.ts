/**
 * Errata 3.49 (section 5.19): an update waits for the charging session to
 * end before installing, and meanwhile the connectors not in use are set
 * Unavailable (RECOMMENDED), so no new session postpones the install. Two
 * connectors on a durable store, against the strict Central System and an
 * HTTP server on 127.0.0.1.
 *
 * @module
 */
import assert from "node:assert/strict";
import { simImage } from "../drivers/installer_sim.ts";
import { type DurableRig, startDurableRig } from "./_durability_rig.ts";
import { startHttp } from "./_transfer_peers.ts";
import { firmwareStatuses, updates, waitFor } from "./_update_rig.ts";
import { OCTT, reachCharging, rpcIdle } from "./harness.ts";

const now = (rig: DurableRig) => new Date(rig.clock.now()).toISOString();

Deno.test("firmware: while the install waits for a session, the idle connector is Unavailable and takes no session (errata 3.49)", async () => {
  await using http = startHttp();
  http.files.set("/fw.bin", new TextEncoder().encode(simImage("2.0.0", "body")));
  await using rig = await startDurableRig({ connectors: 2, updates: updates({}) });
  const { csms, station } = rig;
  const { transactionId } = await reachCharging(rig, { connectorId: 1 });
  const m = csms.mark;
  await csms.call("UpdateFirmware", { location: `${http.base}/fw.bin`, retrieveDate: now(rig) });
  await waitFor(rig, "FirmwareStatusNotification", m, (p) => p.status === "Downloaded");
  await csms.next("StatusNotification", m, (p) => p.connectorId === 2);
  await rpcIdle(rig);
  const statuses = (from: number, id: number) =>
    csms.all("StatusNotification", from).filter((r) => r.params.connectorId === id).map((r) =>
      r.params.status
    );
  assert.deepEqual(statuses(m, 2), ["Unavailable"]);
  assert.deepEqual(statuses(m, 1), [], "the session goes on: still Charging");
  // No new session on the held connector, from the backend or from a card.
  const h = csms.mark;
  assert.equal(
    (await csms.call("RemoteStartTransaction", { connectorId: 2, idTag: OCTT.validIdTag2 }))
      .status,
    "Rejected",
  );
  station.plug(2);
  station.tap(OCTT.validIdTag2);
  await rig.advance(5_000);
  await rpcIdle(rig);
  assert.deepEqual(csms.all("StartTransaction", h), []);
  assert.deepEqual(firmwareStatuses(rig, m), ["Downloading", "Downloaded"]);
  // The session ends: the install runs, and after the reboot both connectors take sessions again.
  const r = csms.mark;
  station.unplug(2);
  assert.equal((await csms.call("RemoteStopTransaction", { transactionId })).status, "Accepted");
  await waitFor(rig, "FirmwareStatusNotification", r, (p) => p.status === "Installed");
  const boot = csms.all("BootNotification", r)[0]!;
  assert.equal(boot.params.firmwareVersion, "2.0.0");
  assert.equal(statuses(boot.seq, 2)[0], "Available");
  assert.deepEqual(csms.invalid, []);
});
