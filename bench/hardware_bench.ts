/**
 * The real drivers' figures for `deno task bench`: a meter poll round trip
 * (one SDM630 reading, 76 registers) over Modbus TCP on loopback to the
 * pymodbus peer, and the idle RSS of the runtime process with the real
 * drivers loaded from the `hardware` setting (meter and EVSE board on
 * Modbus TCP, the evdev reader on a FIFO), beside the same run's bare Deno.
 *
 * @module
 */
import { systemClock as clock } from "../actors/clock.ts";
import { SdmMeter } from "../drivers/meter_sdm.ts";
import { ModbusClient } from "../drivers/modbus_client.ts";
import { Csms } from "../tests/csms.ts";
import { ModbusPeer } from "../tests/_modbus_peer.ts";
import { spawnWallbox } from "../tests/_wallbox_process.ts";
import { median } from "./link_bench.ts";
import { rssMb } from "./process_bench.ts";

const RUNS = Number(Deno.env.get("BENCH_RUNS") ?? 5);
const POLLS = Number(Deno.env.get("BENCH_POLLS") ?? 300);

async function meterPolls(peer: ModbusPeer): Promise<number[]> {
  const client = new ModbusClient(peer.target, { clock });
  const meter = new SdmMeter(client);
  const times: number[] = [];
  for (let i = 0; i < POLLS + 20; i++) {
    const t0 = performance.now();
    await meter.read();
    if (i >= 20) times.push(performance.now() - t0);
  }
  client.close();
  return times;
}

async function idleWithDrivers(peer: ModbusPeer): Promise<number> {
  const { host, port } = peer.target as { host: string; port: number };
  const rss: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    const csms = await Csms.start();
    const dir = await Deno.makeTempDir();
    await new Deno.Command("mkfifo", { args: [`${dir}/event0`] }).output();
    const config = `${dir}/config.json`;
    await Deno.writeTextFile(
      config,
      JSON.stringify({
        backendConnectionType: "ethernet",
        backendUrl: csms.url,
        chargePointId: "BENCH",
        hardware: {
          modbus: { gw: { type: "tcp", host, port } },
          connectors: [{
            meter: { driver: "sdm630", bus: "gw", unit: 1 },
            evse: { driver: "evse-din", bus: "gw", unit: 2, maxCurrentA: 16 },
          }],
          rfid: { driver: "evdev", device: `${dir}/event0` },
        },
      }),
    );
    const p = spawnWallbox({ dataDir: `${dir}/data`, config, keepStderr: 0 });
    await csms.next("StatusNotification", 0, (q) => q.connectorId === 1);
    await new Promise((r) => setTimeout(r, 1500));
    rss.push(await rssMb(p.child.pid));
    p.kill();
    await p.exited;
    await csms.close();
    await Deno.remove(dir, { recursive: true });
  }
  return median(rss);
}

/** The rows: meter poll round trip, idle RSS with real drivers beside bare Deno and the simulated station. */
export async function hardwareBench(bareRss: number, simRss: number): Promise<[string, string][]> {
  const peer = await ModbusPeer.start("tcp");
  try {
    const polls = await meterPolls(peer);
    const sorted = [...polls].sort((a, b) => a - b);
    const p99 = sorted[Math.ceil(sorted.length * 0.99) - 1]!;
    const rss = await idleWithDrivers(peer);
    return [
      [
        `meter poll round trip, SDM630 over Modbus TCP (median of ${polls.length})`,
        `${median(polls).toFixed(2)} ms`,
      ],
      ["  p99", `${p99.toFixed(2)} ms`],
      ["runtime with real drivers: idle RSS, connected (median)", `${rss.toFixed(1)} MB`],
      ["  over bare deno", `${(rss - bareRss).toFixed(1)} MB`],
      ["  over the simulated station", `${(rss - simRss).toFixed(1)} MB`],
    ];
  } finally {
    await peer[Symbol.asyncDispose]();
  }
}
