/**
 * Boot and reconnection against the real Central System: BootNotification
 * Pending (OCTT TC_002) and Rejected, and a backend that goes away and
 * comes back on the same port.
 */
import assert from "node:assert/strict";
import type { BusMessage } from "../actors/messages.ts";
import { Csms } from "./csms.ts";
import { advanceSettled, startRig } from "./harness.ts";

type StateMsg = Extract<BusMessage, { type: "backend.state" }>;

function boots(answers: { status: string; interval: number }[]) {
  let n = 0;
  return () => {
    const a = answers[Math.min(n++, answers.length - 1)]!;
    return { ...a, currentTime: new Date().toISOString() };
  };
}

Deno.test("TC_002 Cold Boot Charge Point - Pending", async () => {
  await using r = await startRig({
    noWait: true,
    before: (csms) => {
      csms.handlers.BootNotification = boots([
        { status: "Pending", interval: 20 },
        { status: "Accepted", interval: 300 },
      ]);
    },
  });
  const { csms } = r;
  await csms.next("BootNotification");
  // Steps 3-6: the Central System reads and sets configuration while Pending.
  const all = await csms.call("GetConfiguration", {});
  assert.ok(all.configurationKey.some((k: { key: string }) => k.key === "HeartbeatInterval"));
  const change = await csms.call("ChangeConfiguration", {
    key: "MeterValueSampleInterval",
    value: "30",
  });
  assert.equal(change.status, "Accepted");
  // Step 7: the next BootNotification only after the interval of step 2.
  await r.advance(19_000);
  assert.equal(csms.all("BootNotification").length, 1);
  assert.equal(csms.all("StatusNotification").length, 0);
  await r.advance(1_000);
  const second = await csms.next("BootNotification", 1);
  // Step 9: StatusNotification for connector 0 and each connector, Available.
  for (const connectorId of [0, 1]) {
    await csms.next(
      "StatusNotification",
      second.seq,
      (p) => p.connectorId === connectorId && p.status === "Available",
    );
  }
  // Step 11: Heartbeat every interval of step 8.
  await r.advance(299_000);
  assert.equal(csms.all("Heartbeat").length, 0);
  await r.advance(1_000);
  await csms.next("Heartbeat");
  assert.equal(r.store.get("MeterValueSampleInterval"), 30);
  assert.deepEqual(csms.invalid, []);
});

Deno.test("boot: Rejected is retried after its interval, with nothing else sent meanwhile", async () => {
  await using r = await startRig({
    noWait: true,
    before: (csms) => {
      csms.handlers.BootNotification = boots([
        { status: "Rejected", interval: 15 },
        { status: "Accepted", interval: 300 },
      ]);
    },
  });
  const { csms } = r;
  await csms.next("BootNotification");
  const rejected = () =>
    r.messages.find((m): m is StateMsg => m.type === "backend.state" && m.state === "rejected");
  await csms.until(() => rejected() !== undefined, "state rejected");
  assert.equal(rejected()!.reason, "BootNotification Rejected");
  assert.equal(r.cp.status().backend.reason, "BootNotification Rejected");
  r.station.plug(1);
  await r.advance(14_000);
  assert.deepEqual(csms.received.map((c) => c.action), ["BootNotification"]);
  await r.advance(1_000);
  await csms.next("BootNotification", 1);
  await csms.next("StatusNotification", 1, (p) => p.connectorId === 1);
  assert.equal(csms.connections, 1);
});

Deno.test("reconnect: a backend that goes away and comes back gets a new connection and boot", async () => {
  await using r = await startRig({});
  const port = r.csms.port;
  const from = r.messages.length;
  await r.csms.close();
  const lost = () =>
    r.messages.slice(from).find((m): m is StateMsg =>
      m.type === "backend.state" && m.state === "backoff"
    );
  await r.csms.until(() => lost() !== undefined, "the loss to be noticed");
  assert.match(lost()!.reason ?? "", /^(Closed by the backend|Connection lost)/);
  // Down for a while: the attempts back off (refused each time). Time passes only
  // between attempts, so the backoff seen does not depend on how long a dial takes.
  const until = r.csms.until.bind(r.csms);
  await advanceSettled(r.clock, () => r.cp, until, 10_000);
  const back = await Csms.start({ port });
  try {
    const t0 = r.clock.now();
    const booted = () => back.all("BootNotification").length > 0;
    await advanceSettled(r.clock, () => r.cp, until, 60_000, booted);
    await back.next("BootNotification");
    // The first retry after 10 s of outage comes within the 16 s step of the backoff (+25 %).
    assert.ok(r.clock.now() - t0 <= 20_000, `${r.clock.now() - t0} ms`);
    await back.next("StatusNotification", 0, (p) => p.connectorId === 1);
    assert.equal(r.cp.status().backend.state, "accepted");
  } finally {
    await back.close();
  }
});
