import assert from "node:assert/strict";
import {
  type ActorLogic,
  Bus,
  type BusError,
  type Ctx,
  type Effect,
  errorText,
  type TimerFired,
} from "./bus.ts";
import { FakeClock } from "./clock.ts";
import { asRequest, type BusMessage, type MessageOf } from "./messages.ts";
import { type Value, viewOf } from "../config/registry.ts";
import type { CsAction } from "../ocpp/types.ts";

const START = Date.UTC(2026, 0, 1);

function setup(
  values: Map<string, Value> = new Map(),
): { bus: Bus; clock: FakeClock; seen: BusMessage[] } {
  const clock = new FakeClock(START);
  const bus = new Bus({ clock, config: () => viewOf(values) });
  const seen: BusMessage[] = [];
  bus.inspect((m) => seen.push(m));
  return { bus, clock, seen };
}

type Handler<M extends BusMessage> = (
  msg: M | TimerFired,
  ctx: Ctx,
) => readonly Effect[];

/** An actor that records what it handled as its state and returns the handler's effects. */
function recorder<M extends BusMessage>(
  name: string,
  receives: readonly M["type"][],
  handler: Handler<M> = () => [],
  handles?: readonly CsAction[],
): ActorLogic<string[], M> {
  return {
    name,
    receives,
    ...(handles ? { handles } : {}),
    initial: () => [],
    transition: (state, msg, ctx) => {
      const label = msg.type === "timer.fired" ? `timer.fired:${msg.id}` : msg.type;
      return [[...state, label], handler(msg, ctx)];
    },
  };
}

const rfid = (idTag: string): MessageOf<"hw.rfid"> => ({ type: "hw.rfid", idTag });
const info = (text: string): MessageOf<"log"> => ({ type: "log", level: "info", text });

Deno.test("Bus.publish() delivers messages in publish order", () => {
  const { bus, seen } = setup();
  const got: string[] = [];
  bus.spawn(recorder<MessageOf<"hw.rfid">>("a", ["hw.rfid"], (m) => {
    if (m.type === "hw.rfid") got.push(m.idTag);
    return [];
  }));
  bus.publish(rfid("1"));
  bus.publish(rfid("2"));
  bus.publish(rfid("3"));
  assert.deepEqual(got, ["1", "2", "3"]);
  assert.deepEqual(seen, [rfid("1"), rfid("2"), rfid("3")]);
});

Deno.test("Bus.publish() runs to completion: a message published while handling waits its turn", () => {
  const { bus, seen } = setup();
  const order: string[] = [];
  bus.spawn(recorder<MessageOf<"hw.rfid"> | MessageOf<"log">>("first", ["hw.rfid", "log"], (m) => {
    order.push(`first:${m.type}`);
    return m.type === "hw.rfid" ? [info("from first")] : [];
  }));
  bus.spawn(recorder<MessageOf<"hw.rfid"> | MessageOf<"log">>("second", ["hw.rfid", "log"], (m) => {
    order.push(`second:${m.type}`);
    return [];
  }));
  bus.subscribe("hw.rfid", () => {
    order.push("subscriber:hw.rfid");
    bus.publish(info("from subscriber"));
  });
  bus.publish(rfid("X"));
  // Every receiver of hw.rfid ran before either log was delivered to anyone.
  assert.deepEqual(order, [
    "first:hw.rfid",
    "second:hw.rfid",
    "subscriber:hw.rfid",
    "first:log",
    "second:log",
    "first:log",
    "second:log",
  ]);
  assert.deepEqual(seen, [rfid("X"), info("from first"), info("from subscriber")]);
});

Deno.test("Bus.publish() delivers to an actor only the types in its receives", () => {
  const { bus } = setup();
  bus.spawn(recorder("rfid-only", ["hw.rfid"]));
  bus.spawn(recorder("log-only", ["log"]));
  bus.publish(rfid("A"));
  bus.publish(info("x"));
  bus.publish({ type: "system.started" });
  assert.deepEqual(bus.snapshot("rfid-only"), ["hw.rfid"]);
  assert.deepEqual(bus.snapshot("log-only"), ["log"]);
});

Deno.test("Bus.publish() routes ocpp.request only to the actor whose handles has the action", () => {
  const { bus } = setup();
  bus.spawn(recorder("resetter", ["ocpp.request"], () => [], ["Reset"]));
  bus.spawn(recorder("cache", ["ocpp.request"], () => [], ["ClearCache"]));
  bus.spawn(recorder("no-handles", ["ocpp.request"]));
  bus.publish({ type: "ocpp.request", id: "1", action: "Reset", payload: { type: "Soft" } });
  assert.deepEqual(bus.snapshot("resetter"), ["ocpp.request"]);
  assert.deepEqual(bus.snapshot("cache"), []);
  assert.deepEqual(bus.snapshot("no-handles"), []);
  bus.publish({ type: "ocpp.request", id: "2", action: "ClearCache", payload: {} });
  assert.deepEqual(bus.snapshot("resetter"), ["ocpp.request"]);
  assert.deepEqual(bus.snapshot("cache"), ["ocpp.request"]);
});

Deno.test("Bus.handledActions() is the union of every actor's handles", () => {
  const { bus } = setup();
  bus.spawn(recorder("a", ["ocpp.request"], () => [], ["Reset", "ClearCache"]));
  bus.spawn(recorder("b", ["ocpp.request"], () => [], ["TriggerMessage"]));
  bus.spawn(recorder("c", ["log"]));
  assert.deepEqual(bus.handledActions(), new Set(["Reset", "ClearCache", "TriggerMessage"]));
});

Deno.test("Bus timer effects fire back as timer.fired only to the actor that started them", () => {
  const { bus, clock, seen } = setup();
  const fires: [string, number][] = [];
  bus.spawn(recorder<MessageOf<"hw.rfid">>("owner", ["hw.rfid"], (m, ctx) => {
    if (m.type === "timer.fired") fires.push([m.id, ctx.now - START]);
    return m.type === "hw.rfid" ? [{ type: "timer.start", id: "t", ms: 1_000 }] : [];
  }));
  bus.spawn(recorder("bystander", ["hw.rfid"]));
  bus.publish(rfid("A"));
  assert.equal(clock.pending, 1);
  clock.advance(999);
  assert.deepEqual(fires, []);
  clock.advance(1);
  assert.deepEqual(fires, [["t", 1_000]]);
  assert.deepEqual(bus.snapshot("owner"), ["hw.rfid", "timer.fired:t"]);
  assert.deepEqual(bus.snapshot("bystander"), ["hw.rfid"]);
  // timer.fired is addressed, not published: the tap sees only the bus message.
  assert.deepEqual(seen, [rfid("A")]);
  assert.equal(clock.pending, 0);
});

Deno.test("Bus timer ids are per actor: two actors' timers with the same id both fire", () => {
  const { bus, clock } = setup();
  const start: Handler<MessageOf<"hw.rfid">> = (m) =>
    m.type === "hw.rfid" ? [{ type: "timer.start", id: "same", ms: 100 }] : [];
  bus.spawn(recorder("a", ["hw.rfid"], start));
  bus.spawn(recorder("b", ["hw.rfid"], start));
  bus.publish(rfid("A"));
  clock.advance(100);
  assert.deepEqual(bus.snapshot("a"), ["hw.rfid", "timer.fired:same"]);
  assert.deepEqual(bus.snapshot("b"), ["hw.rfid", "timer.fired:same"]);
});

Deno.test("Bus timer.start with a running id replaces the running timer", () => {
  const { bus, clock } = setup();
  const fires: number[] = [];
  bus.spawn(recorder<MessageOf<"hw.rfid">>("owner", ["hw.rfid"], (m, ctx) => {
    if (m.type === "timer.fired") fires.push(ctx.now - START);
    return m.type === "hw.rfid" ? [{ type: "timer.start", id: "t", ms: 1_000 }] : [];
  }));
  bus.publish(rfid("A"));
  clock.advance(500);
  bus.publish(rfid("B"));
  assert.equal(clock.pending, 1);
  clock.advance(10_000);
  assert.deepEqual(fires, [1_500]);
});

Deno.test("Bus timer.cancel stops a running timer", () => {
  const { bus, clock } = setup();
  bus.spawn(recorder<MessageOf<"hw.rfid">>("owner", ["hw.rfid"], (m) => {
    if (m.type !== "hw.rfid") return [];
    return m.idTag === "start"
      ? [{ type: "timer.start", id: "t", ms: 1_000 }]
      : [{ type: "timer.cancel", id: "t" }];
  }));
  bus.publish(rfid("start"));
  bus.publish(rfid("cancel"));
  assert.equal(clock.pending, 0);
  clock.advance(5_000);
  assert.deepEqual(bus.snapshot("owner"), ["hw.rfid", "hw.rfid"]);
});

Deno.test("Bus rethrows a throwing transition by default, so a test fails where it happened", () => {
  const { bus } = setup();
  bus.spawn(recorder<MessageOf<"hw.rfid">>("fragile", ["hw.rfid"], () => {
    throw new TypeError("boom");
  }));
  assert.throws(() => bus.publish(rfid("bad")), { name: "TypeError", message: "boom" });
});

Deno.test("Bus keeps the old state and calls onError when a transition throws", () => {
  const clock = new FakeClock(START);
  const errors: BusError[] = [];
  const bus = new Bus({ clock, config: () => viewOf(new Map()), onError: (e) => errors.push(e) });
  const seen: BusMessage[] = [];
  bus.inspect((m) => seen.push(m));
  const logic: ActorLogic<number, MessageOf<"hw.rfid">> = {
    name: "fragile",
    receives: ["hw.rfid"],
    initial: () => 0,
    transition: (n, m) => {
      if (m.type === "hw.rfid" && m.idTag === "bad") throw new TypeError("boom");
      return [n + 1, [info(`count ${n + 1}`)]];
    },
  };
  bus.spawn(logic);
  bus.publish(rfid("ok"));
  bus.publish(rfid("bad"));
  assert.equal(bus.snapshot("fragile"), 1);
  bus.publish(rfid("ok"));
  assert.equal(bus.snapshot("fragile"), 2);
  assert.deepEqual(errors.map((e) => [e.where, errorText(e.error)]), [
    ["actor fragile on hw.rfid", "boom"],
  ]);
  assert.deepEqual(seen, [rfid("ok"), info("count 1"), rfid("bad"), rfid("ok"), info("count 2")]);
});

Deno.test("Bus.subscribe() gets its type only, and a throwing subscriber goes to onError", () => {
  const errors: BusError[] = [];
  const bus = new Bus({
    clock: new FakeClock(START),
    config: () => viewOf(new Map()),
    onError: (e) => errors.push(e),
  });
  const got: string[] = [];
  const off = bus.subscribe("hw.rfid", (m) => {
    got.push(m.idTag);
    if (m.idTag === "bad") throw new Error("nope");
  });
  bus.publish(info("ignored"));
  bus.publish(rfid("bad"));
  off();
  bus.publish(rfid("after"));
  assert.deepEqual(got, ["bad"]);
  assert.deepEqual(errors.map((e) => [e.where, errorText(e.error)]), [
    ["subscriber of hw.rfid", "nope"],
  ]);
});

Deno.test("Bus.inspect() sees every message, actors' effects included, until unsubscribed", () => {
  const { bus } = setup();
  bus.spawn(
    recorder<MessageOf<"hw.rfid">>(
      "echo",
      ["hw.rfid"],
      (m) => m.type === "hw.rfid" ? [info(`tag ${m.idTag}`), { type: "system.started" }] : [],
    ),
  );
  const tapped: BusMessage[] = [];
  const off = bus.inspect((m) => tapped.push(m));
  bus.publish(rfid("A"));
  off();
  bus.publish(rfid("B"));
  assert.deepEqual(tapped, [rfid("A"), info("tag A"), { type: "system.started" }]);
});

Deno.test("Bus: an error inside an inspection tap is not dropped (an assertion in a tap can fail)", () => {
  const { bus } = setup();
  bus.inspect((m) => {
    if (m.type === "hw.rfid") assert.equal(m.idTag, "expected");
  });
  assert.throws(() => bus.publish(rfid("other")), { name: "AssertionError" });
  const errors: BusError[] = [];
  const quiet = new Bus({
    clock: new FakeClock(START),
    config: () => viewOf(new Map()),
    onError: (e) => errors.push(e),
  });
  quiet.inspect(() => {
    throw new Error("broken tap");
  });
  quiet.publish(rfid("A"));
  assert.deepEqual(errors.map((e) => [e.where, errorText(e.error)]), [
    ["tap on hw.rfid", "broken tap"],
  ]);
});

Deno.test("Bus persists store.* effects before any other effect; a failed write drops the transition", () => {
  const clock = new FakeClock(START);
  const written: string[] = [];
  let failing = false;
  const bus = new Bus({
    clock,
    config: () => viewOf(new Map()),
    persist: (m) => {
      if (failing) throw new Error("disk full");
      written.push(m.type);
    },
  });
  const seen: string[] = [];
  bus.inspect((m) => seen.push(m.type));
  const logic: ActorLogic<number, MessageOf<"hw.rfid">> = {
    name: "tx",
    receives: ["hw.rfid"],
    initial: () => 0,
    transition: (n) => [n + 1, [
      { type: "hw.set_relay", connectorId: 1, closed: true },
      { type: "store.tx_meter", tx: 1, wh: n, timestamp: 0 },
      { type: "timer.start", id: "t", ms: 1000 },
    ]],
  };
  bus.spawn(logic);
  bus.publish(rfid("A"));
  // Written when the transition returned, before its relay command was even queued.
  assert.deepEqual(written, ["store.tx_meter"]);
  assert.deepEqual(seen, ["hw.rfid", "hw.set_relay", "store.tx_meter"]);
  assert.equal(bus.snapshot("tx"), 1);
  assert.equal(clock.pending, 1);
  failing = true;
  seen.length = 0;
  bus.publish(rfid("B"));
  // Not durable, not done: old state, no relay command, no timer, an error log.
  assert.equal(bus.snapshot("tx"), 1);
  assert.deepEqual(seen, ["hw.rfid", "log"]);
  assert.equal(clock.pending, 1);
});

Deno.test("Bus answers a Central System request whose store write failed with a CALLERROR InternalError", () => {
  const clock = new FakeClock(START);
  const bus = new Bus({
    clock,
    config: () => viewOf(new Map()),
    persist: () => {
      throw new Error("disk full");
    },
  });
  const seen: BusMessage[] = [];
  bus.inspect((m) => seen.push(m));
  bus.spawn(
    recorder<MessageOf<"ocpp.request">>(
      "res",
      ["ocpp.request"],
      (m) =>
        m.type === "ocpp.request"
          ? [
            { type: "store.tx_meter", tx: 1, wh: 0, timestamp: 0 },
            { type: "ocpp.reply", id: m.id, action: "ReserveNow", payload: { status: "Accepted" } },
          ]
          : [],
      ["ReserveNow"],
    ),
  );
  bus.publish(asRequest("r1", "ReserveNow", {
    connectorId: 1,
    expiryDate: "2026-01-01T01:00:00Z",
    idTag: "TAG",
    reservationId: 1,
  }));
  assert.deepEqual(seen.slice(2), [{
    type: "ocpp.reply_error",
    id: "r1",
    code: "InternalError",
    description: "cannot store the change",
  }]);
  assert.equal(seen.some((m) => m.type === "ocpp.reply"), false);
});

Deno.test("Bus gives transitions the clock's now and the current config at each delivery", () => {
  const values = new Map<string, Value>();
  const { bus, clock } = setup(values);
  const reads: [number, number][] = [];
  bus.spawn(recorder<MessageOf<"hw.rfid">>("reader", ["hw.rfid"], (_m, ctx) => {
    reads.push([ctx.now - START, ctx.config.int("HeartbeatInterval")]);
    return [];
  }));
  bus.publish(rfid("A"));
  clock.advance(42);
  values.set("HeartbeatInterval", 300);
  bus.publish(rfid("B"));
  assert.deepEqual(reads, [[0, 86400], [42, 300]]);
});

Deno.test("Bus.spawn() gives an actor its initial state from the context", () => {
  const { bus } = setup(new Map([["HeartbeatInterval", 60]]));
  const logic: ActorLogic<{ at: number; hb: number }, MessageOf<"log">> = {
    name: "init",
    receives: ["log"],
    initial: (ctx) => ({ at: ctx.now, hb: ctx.config.int("HeartbeatInterval") }),
    transition: (s) => [s, []],
  };
  bus.spawn(logic);
  assert.deepEqual(bus.snapshot("init"), { at: START, hb: 60 });
});

Deno.test("Bus.snapshot() throws RangeError for an unknown actor", () => {
  const { bus } = setup();
  assert.throws(() => bus.snapshot("ghost"), {
    name: "RangeError",
    message: "Cannot read actor ghost: no such actor",
  });
});

Deno.test("Bus.stop() cancels every timer and ignores later messages", () => {
  const { bus, clock, seen } = setup();
  bus.spawn(
    recorder<MessageOf<"hw.rfid">>(
      "owner",
      ["hw.rfid"],
      (m) =>
        m.type === "hw.rfid"
          ? [{ type: "timer.start", id: "a", ms: 100 }, { type: "timer.start", id: "b", ms: 200 }]
          : [],
    ),
  );
  bus.publish(rfid("A"));
  assert.equal(clock.pending, 2);
  bus.stop();
  assert.equal(clock.pending, 0);
  clock.advance(1_000);
  bus.publish(rfid("B"));
  assert.deepEqual(bus.snapshot("owner"), ["hw.rfid"]);
  assert.deepEqual(seen, [rfid("A")]);
});

Deno.test("Bus.stop() from inside a handler drops the rest of the queue", () => {
  const { bus, seen } = setup();
  bus.subscribe("hw.rfid", (m) => {
    if (m.idTag === "stop") bus.stop();
  });
  bus.spawn(
    recorder<MessageOf<"hw.rfid">>(
      "echo",
      ["hw.rfid"],
      (m) => m.type === "hw.rfid" ? [info(`tag ${m.idTag}`)] : [],
    ),
  );
  bus.publish(rfid("stop"));
  assert.deepEqual(seen, [rfid("stop")]);
});

Deno.test("errorText() gives an Error's message and stringifies anything else", () => {
  assert.equal(errorText(new RangeError("out")), "out");
  assert.equal(errorText("plain"), "plain");
  assert.equal(errorText(42), "42");
});

Deno.test("Bus.subscribe() unsubscribing twice leaves the other subscribers alone", () => {
  const { bus } = setup();
  const got: string[] = [];
  const offA = bus.subscribe("hw.rfid", () => got.push("a"));
  bus.subscribe("hw.rfid", () => got.push("b"));
  offA();
  offA();
  bus.publish(rfid("X"));
  assert.deepEqual(got, ["b"]);
});

Deno.test("Bus.inspect() unsubscribing twice leaves the other taps alone", () => {
  const { bus, seen } = setup();
  const other: BusMessage[] = [];
  const off = bus.inspect((m) => other.push(m));
  off();
  off();
  bus.publish(rfid("X"));
  assert.deepEqual(other, []);
  assert.deepEqual(seen, [rfid("X")]);
});

Deno.test("Bus.afterDrain() is called once the queue is empty, after every message of the turn", () => {
  const { bus, seen, clock } = setup();
  bus.spawn(recorder<MessageOf<"hw.rfid">>("a", ["hw.rfid"], () => [info("caused")]));
  const calls: number[] = [];
  const off = bus.afterDrain(() => calls.push(seen.length));
  bus.publish(rfid("1"));
  // Once, after hw.rfid and the log it caused.
  assert.deepEqual(calls, [2]);
  // A callback that publishes starts a turn of its own, and is called again after it.
  const again = bus.afterDrain(() => {
    if (seen.length === 4) bus.publish(info("from the callback"));
  });
  bus.publish(rfid("2"));
  assert.deepEqual(calls, [2, 4, 5]);
  again();
  off();
  bus.publish(rfid("3"));
  assert.deepEqual(calls, [2, 4, 5]);
  // Not after a stop.
  bus.afterDrain(() => calls.push(-1));
  bus.stop();
  bus.publish(rfid("4"));
  clock.advance(1);
  assert.deepEqual(calls, [2, 4, 5]);
});
