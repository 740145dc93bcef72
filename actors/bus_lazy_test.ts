import assert from "node:assert/strict";
import { type ActorLogic, Bus, type BusError, fullLogic, type LoadedLogic } from "./bus.ts";
import { FakeClock } from "./clock.ts";
import type { BusMessage, MessageOf } from "./messages.ts";
import { viewOf } from "../config/registry.ts";

type Rfid = MessageOf<"hw.rfid">;
const rfid = (idTag: string): Rfid => ({ type: "hw.rfid", idTag });
const info = (text: string): MessageOf<"log"> => ({ type: "log", level: "info", text });

function setup(errors?: BusError[]): { bus: Bus; seen: BusMessage[] } {
  const clock = new FakeClock(Date.UTC(2026, 0, 1));
  const bus = new Bus({
    clock,
    config: () => viewOf(new Map()),
    ...(errors ? { onError: (e: BusError) => errors.push(e) } : {}),
  });
  const seen: BusMessage[] = [];
  bus.inspect((m) => seen.push(m));
  return { bus, seen };
}

/** The full logic: logs each tag it handles, its state the tags so far. */
const full: ActorLogic<string[], Rfid> = {
  name: "feature",
  receives: ["hw.rfid"],
  initial: () => [],
  transition: (s, m) =>
    m.type === "hw.rfid" ? [[...s, m.idTag], [info(`full ${m.idTag}`)]] : [s, []],
};

/** A gate that counts tags until "wake", then loads `full` (state: the count as a tag). */
function gate(
  load: () => Promise<LoadedLogic<number>> = () =>
    Promise.resolve({ logic: full, from: (n: number) => [`counted ${n}`] }),
): ActorLogic<number, Rfid> {
  return {
    name: "feature",
    receives: ["hw.rfid"],
    initial: () => 0,
    transition: (n, m) => {
      if (m.type !== "hw.rfid") return [n, []];
      return m.idTag === "wake" ? [n, [{ type: "actor.load" }]] : [n + 1, []];
    },
    load,
  };
}

Deno.test("a gate hands the message that loads it, and the ones after, to the full logic in order", async () => {
  const { bus, seen } = setup();
  bus.spawn(gate());
  bus.publish(rfid("a"));
  bus.publish(rfid("b"));
  bus.publish(rfid("wake"));
  bus.publish(rfid("c"));
  assert.equal(bus.isLoaded("feature"), false);
  assert.equal(bus.snapshot("feature"), 2, "held messages are not handled by the gate");
  await bus.loaded();
  assert.equal(bus.isLoaded("feature"), true);
  assert.deepEqual(bus.snapshot("feature"), ["counted 2", "wake", "c"]);
  const logs = seen.filter((m) => m.type === "log").map((m) => m.type === "log" && m.text);
  assert.deepEqual(logs, ["full wake", "full c"]);
  bus.publish(rfid("d"));
  assert.deepEqual(
    bus.snapshot("feature"),
    ["counted 2", "wake", "c", "d"],
    "after loading: at once",
  );
});

Deno.test("a gate that is never woken never loads its logic", async () => {
  const { bus } = setup();
  let loads = 0;
  bus.spawn(gate(() => {
    loads++;
    return Promise.resolve({ logic: full, from: () => [] });
  }));
  bus.publish(rfid("a"));
  await bus.loaded();
  assert.equal(loads, 0);
  assert.equal(bus.isLoaded("feature"), false);
  assert.equal(bus.snapshot("feature"), 1);
});

Deno.test("spawn(..., { load: true }) loads at once and holds messages until then", async () => {
  const { bus } = setup();
  bus.spawn(gate(), { load: true });
  bus.publish(rfid("a"));
  assert.equal(bus.snapshot("feature"), 0);
  await bus.loaded();
  assert.deepEqual(bus.snapshot("feature"), ["counted 0", "a"]);
});

Deno.test("a load that fails goes to onError, held requests get InternalError, the gate stays", async () => {
  const errors: BusError[] = [];
  const { bus, seen } = setup(errors);
  const gated: ActorLogic<number, Rfid | MessageOf<"ocpp.request">> = {
    name: "feature",
    receives: ["hw.rfid", "ocpp.request"],
    handles: ["GetCompositeSchedule"],
    initial: () => 0,
    transition: (n) => [n, [{ type: "actor.load" }]],
    load: () => Promise.reject(new Error("no such module")),
  };
  bus.spawn(gated);
  bus.publish({
    type: "ocpp.request",
    id: "r1",
    action: "GetCompositeSchedule",
    payload: { connectorId: 1, duration: 60 },
  } as MessageOf<"ocpp.request">);
  await bus.loaded().catch(() => {});
  assert.equal(errors.length, 1);
  assert.equal(errors[0]!.where, "loading actor feature");
  assert.ok(seen.some((m) => m.type === "ocpp.reply_error" && m.id === "r1"));
  assert.equal(bus.isLoaded("feature"), false);
});

Deno.test("a loaded logic that does not take the gate's messages is refused", async () => {
  const errors: BusError[] = [];
  const { bus } = setup(errors);
  const other: ActorLogic<string[], MessageOf<"log">> = {
    name: "feature",
    receives: ["log"],
    initial: () => [],
    transition: (s) => [s, []],
  };
  bus.spawn(gate(() => Promise.resolve({ logic: other, from: () => [] })));
  bus.publish(rfid("wake"));
  await bus.loaded().catch(() => {});
  assert.equal(errors.length, 1);
  assert.match(String(errors[0]!.error), /does not take the gate's messages/);
});

Deno.test("a bus stopped while a logic loads drops what was held", async () => {
  const { bus, seen } = setup();
  bus.spawn(gate());
  bus.publish(rfid("wake"));
  bus.stop();
  await bus.loaded();
  assert.equal(seen.filter((m) => m.type === "log").length, 0);
});

Deno.test("fullLogic() keeps the gate's name, lists and initial state, with its own transition and no load", () => {
  const g = gate();
  const f = fullLogic(g, full.transition as unknown as typeof g.transition);
  assert.equal(f.name, g.name);
  assert.equal(f.receives, g.receives);
  assert.equal(f.initial, g.initial);
  assert.equal(f.transition, full.transition);
  assert.equal("load" in f, false);
});
