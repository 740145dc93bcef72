/**
 * Keep-alive against the real Central System: the backend sees WebSocket
 * pings at the configured interval (on the injected clock); a backend that
 * stops answering them is dropped and reconnected; 0 turns pings off; the
 * Charge Point answers the backend's own pings.
 */
import assert from "node:assert/strict";
import type { BusMessage } from "../actors/messages.ts";
import { roundTrip, startRig } from "./harness.ts";

Deno.test("keep-alive: the backend receives a ping every keepAliveIntervalS seconds", async () => {
  await using r = await startRig({ settings: { keepAliveIntervalS: 30 } });
  const { csms } = r;
  for (let n = 1; n <= 3; n++) {
    await r.advance(29_000);
    // Nothing is due yet: a ping sent by now would arrive before this answer.
    await roundTrip(r);
    assert.equal(csms.pings.length, n - 1, `before ping ${n}`);
    await r.advance(1_000);
    await csms.until(() => csms.pings.length === n, `ping ${n}`);
  }
  assert.equal(r.cp.status().backend.state, "accepted");
});

Deno.test("keep-alive: a changed interval applies to the open connection", async () => {
  await using r = await startRig({ settings: { keepAliveIntervalS: 300 } });
  const { csms } = r;
  await r.cp.updateSettings({ keepAliveIntervalS: 5 });
  await r.advance(5_000);
  await csms.until(() => csms.pings.length === 1, "a ping after 5 s");
  assert.equal(csms.connections, 1);
});

Deno.test("keep-alive: a backend that stops answering pings is dropped and reconnected", async () => {
  await using r = await startRig({ settings: { keepAliveIntervalS: 30, keepAliveTimeoutS: 10 } });
  const { csms } = r;
  const from = r.messages.length;
  csms.answerPings = false;
  await r.advance(30_000);
  await csms.until(() => csms.pings.length === 1, "the unanswered ping");
  await r.advance(9_000);
  assert.equal(r.cp.status().backend.state, "accepted");
  await r.advance(1_000);
  const lost = () =>
    r.messages.slice(from).find((m): m is Extract<BusMessage, { type: "backend.state" }> =>
      m.type === "backend.state" && m.state === "backoff"
    );
  await csms.until(() => lost() !== undefined, "the connection to be given up");
  assert.match(lost()!.reason ?? "", /^No pong: the backend did not answer a ping within 10 s/);
  csms.answerPings = true;
  const mark = csms.mark;
  await r.advance(3_000);
  await csms.next("BootNotification", mark);
  assert.equal(csms.connections, 2);
});

Deno.test("keep-alive: 0 sends no pings", async () => {
  await using r = await startRig({ settings: { keepAliveIntervalS: 0 } });
  await r.advance(120_000);
  await roundTrip(r);
  assert.equal(r.csms.pings.length, 0);
});

Deno.test("keep-alive: the Charge Point answers the backend's pings with pongs", async () => {
  await using r = await startRig({ csms: { pingIntervalMs: 50 } });
  await r.csms.until(() => r.csms.pongs >= 3, "three pongs");
  assert.equal(r.csms.connections, 1);
});
