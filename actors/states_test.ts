/**
 * Bus.snapshot() is typed by actor name (actors/states.ts): the state of a
 * runtime actor reads with its real type, a field it lacks does not
 * compile, and an unknown name gives `unknown`, which must be narrowed.
 */
import assert from "node:assert/strict";
import { Bus } from "./bus.ts";
import { FakeClock } from "./clock.ts";
import { connectionActor } from "./connection.ts";
import type { BackendState } from "./messages.ts";
import { viewOf } from "../config/registry.ts";

Deno.test("Bus.snapshot() gives a runtime actor's state its type, and unknown for other names", () => {
  const bus = new Bus({ clock: new FakeClock(), config: () => viewOf(new Map()) });
  bus.spawn(
    connectionActor({ chargePointVendor: "Acme", chargePointModel: "W1", firmwareVersion: "1" }, 7),
  );
  const phase: BackendState = bus.snapshot("connection").phase;
  assert.equal(phase, "disabled");
  assert.equal(bus.snapshot("connection").seed, 7);
  // @ts-expect-error: the connection state has no field "phaze"
  assert.equal(bus.snapshot("connection").phaze, undefined);
  const read = (name: string) => {
    const other = bus.snapshot(name);
    // @ts-expect-error: an unknown name is unknown, not any
    return other.phase;
  };
  assert.throws(() => read("connnection"), RangeError);
});
