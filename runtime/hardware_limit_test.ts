import assert from "node:assert/strict";
import { Bus } from "../actors/bus.ts";
import { FakeClock } from "../actors/clock.ts";
import type { BusMessage } from "../actors/messages.ts";
import { viewOf } from "../config/registry.ts";
import type { Hardware } from "../drivers/mod.ts";
import { SimStation } from "../drivers/sim_station.ts";
import { startHardware } from "./hardware.ts";

Deno.test("sc.limit reaches the pilot's offer in order; a failure is logged", async () => {
  const clock = new FakeClock();
  const bus = new Bus({ clock, config: () => viewOf(new Map()) });
  const seen: BusMessage[] = [];
  bus.inspect((m) => seen.push(m));
  const station = new SimStation(clock, { connectors: 2 });
  const limits: number[] = [];
  const c1 = station.connectors[0]!;
  const pilot = {
    get state() {
      return c1.pilot.state;
    },
    onChange: (fn: Parameters<typeof c1.pilot.onChange>[0]) => c1.pilot.onChange(fn),
    offer: (amps: number | null) => {
      if (amps === 7) return Promise.reject(new Error("board does not answer"));
      limits.push(amps ?? -1);
      return Promise.resolve();
    },
  };
  const hw: Hardware = {
    connectors: [{ ...c1, pilot }, station.connectors[1]!],
    rfid: station.rfid,
  };
  const stop = await startHardware(bus, hw, clock);
  for (const currentA of [16, 7, 10]) {
    bus.publish({ type: "sc.limit", connectorId: 1, currentA, source: "ocpp" });
  }
  // Connector 2's pilot cannot limit: nothing happens, nothing is logged.
  bus.publish({ type: "sc.limit", connectorId: 2, currentA: 6, source: "ocpp" });
  for (let i = 0; i < 20 && limits.length < 2; i++) await new Promise((r) => setTimeout(r, 1));
  await new Promise((r) => setTimeout(r, 5));
  stop();
  assert.deepEqual(limits, [16, 10]);
  const logs = seen.filter((m) => m.type === "log").map((m) => (m as { text: string }).text);
  assert.deepEqual(logs, ["Cannot limit connector 1 to 7 A: board does not answer"]);
});
