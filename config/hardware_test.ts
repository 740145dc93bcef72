import assert from "node:assert/strict";
import { checkHardwareText, parseHardware } from "./hardware.ts";
import { ConfigStore, SettingsError } from "./store.ts";

const PI = {
  modbus: { rs485: { type: "rtu", device: "/dev/ttyUSB0" } },
  connectors: [{
    meter: { driver: "sdm630", bus: "rs485", unit: 1 },
    evse: { driver: "evse-din", bus: "rs485", unit: 2, maxCurrentA: 16 },
  }],
  rfid: { driver: "evdev", name: "RFID" },
};

Deno.test("parseHardware() completes a Raspberry Pi station with the defaults", () => {
  const parsed = parseHardware(PI);
  assert.ok(parsed.ok, JSON.stringify(parsed));
  assert.deepEqual(parsed.config.modbus.rs485, {
    type: "rtu",
    device: "/dev/ttyUSB0",
    baudRate: 9600,
    parity: "none",
    stopBits: 1,
    timeoutMs: 1000,
    retries: 2,
  });
  assert.equal(parsed.config.meterPollMs, 1000);
  assert.deepEqual(parsed.config.connectors[0]!.evse, {
    driver: "evse-din",
    bus: "rs485",
    unit: 2,
    maxCurrentA: 16,
    pollMs: 1000,
  });
  assert.deepEqual(parsed.config.rfid?.format, {
    input: "decimal",
    output: "hex",
    byteOrder: "as-read",
  });
});

Deno.test("parseHardware() names every bad field", () => {
  const parsed = parseHardware({
    modbus: { gw: { type: "udp", host: "x" } },
    connectors: [{
      meter: { driver: "sdm630", bus: "rs485", unit: 0 },
      evse: { driver: "evse-din", bus: "gw", unit: 2, maxCurrentA: 100 },
      lock: true,
    }],
    rfid: { driver: "evdev" },
  });
  assert.ok(!parsed.ok);
  assert.deepEqual(parsed.errors, [
    "hardware.modbus.gw.type must be one of tcp, rtu-tcp, rtu",
    "hardware.connectors[0].lock is not known",
    'hardware.connectors[0].meter.bus names no bus in hardware.modbus ("rs485")',
    "hardware.connectors[0].meter.unit must be an integer 1-247",
    "hardware.connectors[0].evse.maxCurrentA must be an integer 6-80",
    "hardware.rfid needs either device or name",
  ]);
  assert.equal(checkHardwareText(""), undefined, "empty: the simulated station");
  assert.equal(checkHardwareText("{"), "must be a JSON object");
});

Deno.test("the hardware setting takes an object in the config file and the API, stored as text", async () => {
  const store = new ConfigStore();
  await store.apply(store.validateSettings({ hardware: PI }));
  assert.deepEqual(JSON.parse(store.view.str("Hardware")), PI);
  assert.throws(
    () => store.validateSettings({ hardware: { connectors: [] } }),
    (e: unknown) =>
      e instanceof SettingsError && e.errors[0]!.field === "hardware" &&
      /hardware.connectors must be a list of 1-8 connectors/.test(e.errors[0]!.reason),
  );
});
