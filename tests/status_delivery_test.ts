/**
 * StatusNotification delivery (OCPP 1.6 section 4.9): a status counts as
 * reported only once the Central System answered it; one answered with a
 * CALLERROR or not at all is sent again (STATUS_RETRY_MS, with the status
 * current then), and after a reconnect the current status of every
 * connector is sent.
 */
import assert from "node:assert/strict";
import { createRPCError } from "ocpp-rpc";
import { STATUS_RETRY_MS } from "../actors/connector_status.ts";
import { advanceIdle, rpcIdle, startRig } from "./harness.ts";

type Status = { connectorId: number; status: string };

Deno.test("StatusNotification answered with a CALLERROR is sent again until the Central System has it", async () => {
  let refuse = 0;
  await using rig = await startRig({
    before: (csms) => {
      csms.handlers.StatusNotification = () => {
        if (refuse > 0) {
          refuse--;
          throw createRPCError("InternalError", "backend database down");
        }
        return {};
      };
    },
  });
  const { csms, station } = rig;
  await rpcIdle(rig);
  refuse = 1;
  const m = csms.mark;
  station.plug(1);
  await csms.next("StatusNotification", m, (p) => p.status === "Preparing");
  await rpcIdle(rig);
  const snapshot = () => rig.cp.bus.snapshot("connector_status").connectors[1]!;
  // Refused: the Central System does not know it yet.
  assert.deepEqual([snapshot().sent, snapshot().reported], ["Preparing", "Available"]);
  await advanceIdle(rig, STATUS_RETRY_MS - 2_000);
  assert.equal(csms.all("StatusNotification", m).length, 1);
  await advanceIdle(rig, 2_000);
  const sent = csms.all("StatusNotification", m).map((c) => (c.params as Status).status);
  assert.deepEqual(sent, ["Preparing", "Preparing"]);
  assert.deepEqual([snapshot().sent, snapshot().reported], ["Preparing", "Preparing"]);
  // Answered: no more retries.
  await advanceIdle(rig, STATUS_RETRY_MS * 2);
  assert.equal(csms.all("StatusNotification", m).length, 2);
  assert.deepEqual(csms.invalid, []);
});

Deno.test("A status that changed while offline is sent after the reconnect", async () => {
  await using rig = await startRig();
  const { csms, station } = rig;
  await rpcIdle(rig);
  await csms.drop();
  await csms.until(() => rig.cp.status().backend.state !== "accepted", "offline");
  station.plug(1);
  const m = csms.mark;
  await rig.advance(5_000);
  const boot = await csms.next("BootNotification", m);
  const after = await csms.next("StatusNotification", boot.seq, (p) => p.connectorId === 1);
  assert.equal((after.params as Status).status, "Preparing");
  assert.deepEqual(csms.invalid, []);
});
