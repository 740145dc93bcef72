import assert from "node:assert/strict";
import type { StatusView } from "../runtime/handle.ts";
import { FakeClock } from "../actors/clock.ts";
import { fakeRuntime, idleConnector, OK_DURABILITY, SseReader } from "./_testing.ts";
import { diffStatus, StatusHub } from "./status_hub.ts";

const AT = new Date("2026-01-01T12:00:00.000Z");

function view(patch: Partial<StatusView> = {}): StatusView {
  return {
    backend: { state: "disabled", since: AT.toISOString(), reason: null },
    connectors: [idleConnector(1), idleConnector(2)],
    durability: OK_DURABILITY,
    ...patch,
  };
}

const charging = {
  ...idleConnector(1),
  status: "Charging" as const,
  evState: "C" as const,
  transactionId: 7,
  idTag: "CARD-1",
  startedAt: AT.toISOString(),
  energyWh: 12,
  powerW: 7400,
};

Deno.test("diffStatus() reports a backend state change with its reason", () => {
  const next = view({ backend: { state: "backoff", since: AT.toISOString(), reason: "refused" } });
  assert.deepEqual(diffStatus(view(), next, AT), [
    { at: AT.toISOString(), type: "backend", state: "backoff", reason: "refused" },
  ]);
});

Deno.test("diffStatus() reports a started and a stopped transaction around the status change", () => {
  const at = AT.toISOString();
  const running = view({ connectors: [charging, idleConnector(2)] });
  assert.deepEqual(diffStatus(view(), running, AT), [
    { at, type: "connector", connectorId: 1, status: "Charging", errorCode: "NoError" },
    { at, type: "transaction.started", connectorId: 1, idTag: "CARD-1" },
  ]);
  const finishing = view({
    connectors: [{ ...idleConnector(1), status: "Finishing", evState: "B" }, idleConnector(2)],
  });
  assert.deepEqual(diffStatus(running, finishing, AT), [
    { at, type: "transaction.stopped", connectorId: 1, idTag: "CARD-1", energyWh: 12 },
    { at, type: "connector", connectorId: 1, status: "Finishing", errorCode: "NoError" },
  ]);
});

Deno.test("diffStatus() reports nothing for energy or power changes alone", () => {
  const a = view({ connectors: [charging, idleConnector(2)] });
  const b = view({ connectors: [{ ...charging, energyWh: 99, meterWh: 99 }, idleConnector(2)] });
  assert.deepEqual(diffStatus(a, b, AT), []);
});

Deno.test("diffStatus() reports an error code change", () => {
  const faulted = {
    ...idleConnector(2),
    status: "Faulted" as const,
    errorCode: "GroundFailure" as const,
  };
  assert.deepEqual(diffStatus(view(), view({ connectors: [idleConnector(1), faulted] }), AT), [
    {
      at: AT.toISOString(),
      type: "connector",
      connectorId: 2,
      status: "Faulted",
      errorCode: "GroundFailure",
    },
  ]);
});

Deno.test("StatusHub.open() sends the status and events at once, then only changes", async () => {
  const runtime = fakeRuntime();
  const clock = new FakeClock(AT.getTime());
  const hub = new StatusHub(runtime, { pollMs: 5, clock });
  const sse = new SseReader(hub.open());
  try {
    const first = await sse.until((m) => m.event === "status");
    assert.deepEqual(JSON.parse(first.data), runtime.current);
    assert.deepEqual(JSON.parse((await sse.until((m) => m.event === "events")).data), []);
    runtime.current = { ...runtime.current, connectors: [charging] };
    // Polled on the clock: nothing new until it is advanced.
    clock.advance(4);
    assert.equal(sse.messages.filter((m) => m.event === "status").length, 1);
    assert.equal(hub.events.length, 0);
    clock.advance(1);
    const second = await sse.until((m) => m.event === "status" && m !== first);
    assert.deepEqual(JSON.parse(second.data), runtime.current);
    const started = await sse.until((m) => m.event === "event" && m.data.includes("started"));
    assert.equal(JSON.parse(started.data).idTag, "CARD-1");
    assert.equal(sse.messages.filter((m) => m.event === "status").length, 2);
    assert.deepEqual(hub.events.map((e) => e.type), ["transaction.started", "connector"]);
    assert.equal(hub.events[0]!.at, new Date(AT.getTime() + 5).toISOString());
  } finally {
    await sse.cancel();
  }
  assert.equal(hub.streams, 0);
});

Deno.test("StatusHub.open() gives a new stream the recent events, newest first", async () => {
  const runtime = fakeRuntime();
  const clock = new FakeClock();
  const hub = new StatusHub(runtime, { pollMs: 5, clock });
  const first = new SseReader(hub.open());
  try {
    runtime.current = { ...runtime.current, connectors: [charging] };
    clock.advance(5);
    await first.until((m) => m.event === "event" && m.data.includes("started"));
    const second = new SseReader(hub.open());
    try {
      const events = JSON.parse((await second.until((m) => m.event === "events")).data);
      assert.deepEqual(events.map((e: { type: string }) => e.type), [
        "transaction.started",
        "connector",
      ]);
    } finally {
      await second.cancel();
    }
  } finally {
    await first.cancel();
  }
});

Deno.test("StatusHub closes a stream once alive() is false, and stops polling", async () => {
  let alive = true;
  let reads = 0;
  const runtime = fakeRuntime();
  const status = runtime.status;
  runtime.status = () => (reads++, status());
  const clock = new FakeClock();
  const hub = new StatusHub(runtime, { pollMs: 5, clock });
  const sse = new SseReader(hub.open({ alive: () => alive }));
  await sse.until((m) => m.event === "status");
  clock.advance(5);
  assert.equal(reads, 2);
  alive = false;
  clock.advance(5);
  await sse.ended();
  assert.equal(hub.streams, 0);
  // No timer left: advancing reads nothing more.
  assert.equal(clock.pending, 0);
  const after = reads;
  clock.advance(1_000);
  assert.equal(reads, after);
});

Deno.test("StatusHub keeps streaming when status() throws once, and never sends the error", async () => {
  const runtime = fakeRuntime();
  let fail = true;
  const status = runtime.status;
  runtime.status = () => {
    if (fail) {
      fail = false;
      throw new Error("secret path /data/settings.json");
    }
    return status();
  };
  const clock = new FakeClock();
  const hub = new StatusHub(runtime, { pollMs: 5, clock });
  const sse = new SseReader(hub.open());
  try {
    clock.advance(5);
    await sse.until((m) => m.event === "status");
    assert.ok(sse.messages.every((m) => !m.data.includes("secret")));
  } finally {
    await sse.cancel();
  }
});
