/**
 * `deno task bench`: the runtime's speed and memory, each a median of
 * several runs, beside a bare `deno run` measured in the same run.
 *
 * - start: process start to BootNotification received by a loopback
 *   Central System, vs. a bare script's start to exit;
 * - idle RSS of the runtime connected to a backend, vs. a bare script;
 * - idle RSS again with 20 charging profiles in the store (smart charging
 *   must not add idle memory);
 * - RFID tap to relay closed, with local authorization (LocalPreAuthorize
 *   and a cached idTag) and with an Authorize round trip over loopback;
 * - firmware download throughput and the memory of the transfer code
 *   (`firmware_bench.ts`);
 * - the real drivers (`hardware_bench.ts`): a meter poll over Modbus TCP,
 *   idle RSS with the drivers loaded.
 * - GetCompositeSchedule over 20 stacked profiles (`smart_charging_bench.ts`).
 *
 * @module
 */
import { systemClock } from "../actors/clock.ts";
import { memoryLogger } from "../runtime/log.ts";
import { simHardware } from "../runtime/sim_hardware.ts";
import { Csms } from "../tests/csms.ts";
import { openWallboxStore, startRuntime } from "../tests/harness.ts";
import { authBench } from "./auth_bench.ts";
import { durabilityBench } from "./durability_bench.ts";
import { firmwareBench } from "./firmware_bench.ts";
import { hardwareBench } from "./hardware_bench.ts";
import { smartChargingBench, storeProfiles } from "./smart_charging_bench.ts";

const RUNS = Number(Deno.env.get("BENCH_RUNS") ?? 5);
const TAPS = Number(Deno.env.get("BENCH_TAPS") ?? 30);
const root = new URL("..", import.meta.url).pathname;

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

function p99(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.ceil(s.length * 0.99) - 1)]!;
}

async function rssMb(pid: number): Promise<number> {
  const status = await Deno.readTextFile(`/proc/${pid}/status`);
  const kb = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1]);
  return kb / 1024;
}

function spawn(args: string[]): Deno.ChildProcess {
  return new Deno.Command(Deno.execPath(), {
    args,
    cwd: root,
    stdout: "null",
    stderr: "null",
    stdin: "null",
  }).spawn();
}

async function until(test: () => boolean, ms = 20_000, what = "a condition"): Promise<void> {
  const end = performance.now() + ms;
  while (!test()) {
    if (performance.now() > end) throw new Error(`Timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 1));
  }
}

async function bare(): Promise<{ startMs: number; rss: number }> {
  const dir = await Deno.makeTempDir();
  const script = `${dir}/empty.ts`;
  await Deno.writeTextFile(script, "");
  const idle = `${dir}/idle.ts`;
  await Deno.writeTextFile(idle, "setTimeout(() => {}, 60_000);\n");
  const starts: number[] = [];
  const rss: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    const t0 = performance.now();
    await spawn(["run", script]).status;
    starts.push(performance.now() - t0);
    const p = spawn(["run", idle]);
    await new Promise((r) => setTimeout(r, 1500));
    rss.push(await rssMb(p.pid));
    p.kill("SIGKILL");
    await p.status;
  }
  await Deno.remove(dir, { recursive: true });
  return { startMs: median(starts), rss: median(rss) };
}

async function runtimeProcess(
  prepare?: (dataDir: string) => void,
): Promise<{ startMs: number; rss: number }> {
  const starts: number[] = [];
  const rss: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    const csms = await Csms.start();
    const dir = await Deno.makeTempDir();
    const config = `${dir}/config.json`;
    await Deno.writeTextFile(
      config,
      JSON.stringify({
        backendConnectionType: "ethernet",
        backendUrl: csms.url,
        chargePointId: "BENCH",
      }),
    );
    if (prepare) {
      await Deno.mkdir(`${dir}/data`);
      prepare(`${dir}/data`);
    }
    const t0 = performance.now();
    const p = spawn([
      "run",
      "-A",
      "main.ts",
      "--data-dir",
      `${dir}/data`,
      "--config",
      config,
      "--http",
      "127.0.0.1:0",
    ]);
    await csms.next("BootNotification");
    starts.push(performance.now() - t0);
    await csms.next("StatusNotification", 0, (q) => q.connectorId === 1);
    await new Promise((r) => setTimeout(r, 1500));
    rss.push(await rssMb(p.pid));
    p.kill("SIGKILL");
    await p.status;
    await csms.close();
    await Deno.remove(dir, { recursive: true });
  }
  return { startMs: median(starts), rss: median(rss) };
}

async function tapToRelay(localPreAuthorize: boolean): Promise<number[]> {
  const csms = await Csms.start();
  const dir = await Deno.makeTempDir();
  const store = await openWallboxStore(dir, {
    backendUrl: csms.url,
    chargePointId: "BENCH",
    settings: { LocalPreAuthorize: localPreAuthorize },
  });
  const hw = simHardware({ clock: systemClock, connectors: 1 });
  let closedAt = 0;
  let status = "";
  const cp = startRuntime({
    store,
    clock: systemClock,
    hardware: hw,
    logger: memoryLogger([]),
    inspect: (m) => {
      if (m.type === "hw.relay" && m.closed) closedAt = performance.now();
      if (m.type === "status.changed" && m.connectorId === 1) status = m.status;
    },
  });
  await csms.next("StatusNotification", 0, (q) => q.connectorId === 1);
  hw.station.plug(1);
  await until(() => status === "Preparing");
  const times: number[] = [];
  for (let i = 0; i <= TAPS; i++) {
    closedAt = 0;
    const t0 = performance.now();
    hw.station.tap("BENCH-TAG");
    await until(() => closedAt > 0, 20_000, `relay closed (tap ${i}, status ${status})`);
    if (i > 0) times.push(closedAt - t0); // the first tap fills the authorization cache
    await until(() => status === "Charging");
    const stops = csms.all("StopTransaction").length;
    hw.station.tap("BENCH-TAG");
    await until(() => status === "Finishing");
    await until(() => csms.all("StopTransaction").length > stops);
    hw.station.unplug(1);
    await until(() => status === "Available");
    hw.station.plug(1);
    await until(() => status === "Preparing");
  }
  cp.stop();
  await csms.close();
  await Deno.remove(dir, { recursive: true });
  return times;
}

const fmt = (n: number, unit: string) => `${n.toFixed(unit === "MB" ? 1 : 2)} ${unit}`;
const rows: [string, string][] = [];
const b = await bare();
const r = await runtimeProcess();
const withProfiles = await runtimeProcess(storeProfiles);
const local = await tapToRelay(true);
const remote = await tapToRelay(false);
rows.push(
  ["bare deno: start to exit (median)", fmt(b.startMs, "ms")],
  ["runtime: start to BootNotification (median)", fmt(r.startMs, "ms")],
  ["  difference", fmt(r.startMs - b.startMs, "ms")],
  ["bare deno: idle RSS (median)", fmt(b.rss, "MB")],
  ["runtime: idle RSS, connected (median)", fmt(r.rss, "MB")],
  ["  difference", fmt(r.rss - b.rss, "MB")],
  [
    "runtime: idle RSS, connected, 20 charging profiles stored (median)",
    fmt(withProfiles.rss, "MB"),
  ],
  ["  difference to bare deno", fmt(withProfiles.rss - b.rss, "MB")],
  [
    `tap to relay closed, local authorization (median of ${local.length})`,
    fmt(median(local), "ms"),
  ],
  ["  p99", fmt(p99(local), "ms")],
  [
    `tap to relay closed, Authorize round trip (median of ${remote.length})`,
    fmt(median(remote), "ms"),
  ],
  ["  p99", fmt(p99(remote), "ms")],
);
rows.push(...await authBench());
rows.push(...await durabilityBench());
rows.push(...await firmwareBench());
rows.push(...await hardwareBench(b.rss, r.rss));
rows.push(...smartChargingBench());
const width = Math.max(...rows.map(([k]) => k.length));
const out = [
  `deno ${Deno.version.deno}, ${RUNS} process runs`,
  ...rows.map(([k, v]) => `${k.padEnd(width)}  ${v}`),
].join("\n");
await Deno.stdout.write(new TextEncoder().encode(out + "\n"));
