/**
 * A day without the backend, shortened: several sessions on two connectors
 * under the offline authorization settings while the Central System cannot
 * be reached; when it returns, every StartTransaction, MeterValues and
 * StopTransaction arrives in chronological order, each with the
 * transactionId the Central System assigned to its StartTransaction. And
 * the outbox stays within its limit over a long outage (meter values
 * thinned, never a start or stop).
 */
import assert from "node:assert/strict";
import { rpcIdle } from "./harness.ts";
import { type DurableRig, startDurableRig, transactionCalls } from "./_durability_rig.ts";

const OFFLINE_AUTH = {
  LocalAuthorizeOffline: true,
  AuthorizationCacheEnabled: true,
  AllowOfflineTxForUnknownId: true,
  MeterValueSampleInterval: 10,
};

async function relay(rig: DurableRig, connectorId: number, closed: boolean): Promise<void> {
  await rig.csms.until(
    () => rig.station.connector(connectorId).relay.closed === closed,
    `connector ${connectorId} relay ${closed ? "closed" : "open"}`,
  );
}

/** Checks order and ids of the transaction messages received from `from` on; returns them. */
function checkDelivery(rig: DurableRig, from: number) {
  const calls = transactionCalls(rig.csms, from);
  // The Central System numbers StartTransactions in arrival order from nextTransactionId.
  const starts = calls.filter((c) => c.action === "StartTransaction");
  const firstId = rig.csms.nextTransactionId - starts.length;
  const idOf = new Map(starts.map((s, i) => [s, firstId + i]));
  const running = new Map<number, number>(); // connectorId -> transactionId
  const open = new Set<number>();
  let lastTime = 0;
  for (const c of calls) {
    const p = c.params;
    const time = Date.parse(
      String(
        c.action === "MeterValues"
          ? (p.meterValue as { timestamp: string }[])[0]!.timestamp
          : p.timestamp,
      ),
    );
    assert.ok(time >= lastTime, `${c.action} out of chronological order`);
    lastTime = time;
    if (c.action === "StartTransaction") {
      const id = idOf.get(c)!;
      running.set(Number(p.connectorId), id);
      open.add(id);
    } else if (c.action === "MeterValues") {
      assert.equal(p.transactionId, running.get(Number(p.connectorId)), "MeterValues id");
      assert.ok(open.has(Number(p.transactionId)), "MeterValues of an open transaction");
    } else {
      assert.ok(open.delete(Number(p.transactionId)), `StopTransaction of ${p.transactionId}`);
    }
  }
  assert.deepEqual([...open], [], "every transaction stopped");
  return calls;
}

Deno.test("offline: several sessions on two connectors, then every message in order with the assigned ids", async () => {
  await using rig = await startDurableRig({ connectors: 2, settings: OFFLINE_AUTH });
  const { csms, station } = rig;
  await rig.offline();
  // Session 1 on connector 1; sessions 2 and 3 overlap it and each other.
  station.plug(1);
  station.tap("CARD-A");
  await relay(rig, 1, true);
  await rig.advance(25_000);
  station.plug(2);
  station.tap("CARD-B");
  await relay(rig, 2, true);
  await rig.advance(15_000);
  station.tap("CARD-A");
  await relay(rig, 1, false);
  station.unplug(1);
  await rig.advance(5_000);
  station.plug(1);
  station.tap("CARD-C");
  await relay(rig, 1, true);
  await rig.advance(20_000);
  station.unplug(2); // EVDisconnected
  await relay(rig, 2, false);
  await rig.advance(12_000);
  station.tap("CARD-C");
  await relay(rig, 1, false);
  // A connector free again while the first transactions still wait for their ids.
  assert.deepEqual(rig.cp.status().connectors.map((c) => c.transactionId), [null, null]);
  assert.equal(rig.cp.durability().openTransactions, 3);
  const m = csms.mark;
  await rig.online();
  await csms.until(() => csms.all("StopTransaction", m).length === 3, "three StopTransactions");
  await rpcIdle(rig);
  const calls = checkDelivery(rig, m);
  const starts = calls.filter((c) => c.action === "StartTransaction");
  assert.deepEqual(starts.map((s) => [s.params.connectorId, s.params.idTag]), [
    [1, "CARD-A"],
    [2, "CARD-B"],
    [1, "CARD-C"],
  ]);
  const stops = calls.filter((c) => c.action === "StopTransaction").map((c) => c.params.reason);
  assert.deepEqual(stops, ["Local", "EVDisconnected", "Local"]);
  assert.ok(calls.filter((c) => c.action === "MeterValues").length >= 8);
  assert.equal(rig.cp.durability().queued, 0);
  assert.equal(rig.cp.durability().openTransactions, 0);
  assert.deepEqual(csms.invalid, []);
});

Deno.test("offline: a long outage thins queued MeterValues at the outbox limit, keeps every start and stop, and says so", async () => {
  await using rig = await startDurableRig({
    settings: { ...OFFLINE_AUTH, MeterValueSampleInterval: 1 },
    outboxLimit: 40,
  });
  const { csms, station } = rig;
  await rig.offline();
  for (const card of ["LONG-1", "LONG-2"]) {
    station.plug(1);
    station.tap(card);
    await relay(rig, 1, true);
    await rig.advance(60_000);
    station.tap(card);
    await relay(rig, 1, false);
    station.unplug(1);
    await rig.advance(1_000);
  }
  const view = rig.cp.durability();
  assert.ok(view.queued <= 40, `queued ${view.queued}`);
  assert.ok(view.thinned > 0, "meter values thinned");
  assert.ok(view.state === "near_full" || view.state === "full", view.state);
  assert.match(view.detail ?? "", /outbox holds \d+ of 40 messages/);
  assert.ok(rig.logs.some((l) => l.includes("Outbox full (40 messages)")));
  const m = csms.mark;
  await rig.online();
  await csms.until(() => csms.all("StopTransaction", m).length === 2, "both StopTransactions");
  await rpcIdle(rig);
  const calls = checkDelivery(rig, m);
  assert.deepEqual(calls.filter((c) => c.action !== "MeterValues").map((c) => c.action), [
    "StartTransaction",
    "StopTransaction",
    "StartTransaction",
    "StopTransaction",
  ]);
  assert.equal(rig.cp.durability().state, "ok");
  assert.deepEqual(csms.invalid, []);
});
