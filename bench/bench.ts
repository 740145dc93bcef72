/**
 * `deno task bench`: the runtime's speed and memory, each figure beside its
 * limit measured in the same run, as a ratio (medians; the runs of a figure
 * and of its limit alternate, so load on a shared machine hits both):
 *
 * - idle RSS connected (ws, wss) beside bare Deno idling (`process_bench.ts`);
 * - start to BootNotification through `deno run` and `deno task start`
 *   beside bare Deno's start to exit;
 * - drain of queued MeterValues beside a bare OCPP-J client sending the
 *   same CALLs to the same backend, one outstanding (`link_bench.ts`);
 * - RFID tap through the local API (`main.ts` in its own process) to
 *   StartTransaction at the backend, beside one Authorize round trip of
 *   the bare client;
 * - a day: 8 hours of charging at a 10 s sample interval on the injected
 *   clock, CPU time and bytes written to disk per hour (`day_bench.ts`);
 *
 * then the other figures: tap to relay in-process, authorization, the
 * outbox, firmware transfers, the real drivers, smart charging.
 *
 * Sizes: `BENCH_RUNS` (process runs, 5), `BENCH_TAPS` (30), `BENCH_QUEUE`
 * (queued MeterValues, 5,000), `BENCH_DAY_HOURS` (8); `BENCH_EXTRA=0`
 * prints only the figures beside their limits.
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
import { dayBench } from "./day_bench.ts";
import { bareAuthorizeFromProcess, bareRoundTrips, median, tapThroughApi } from "./link_bench.ts";
import { processBench } from "./process_bench.ts";
import { securityBench } from "./security_bench.ts";
import { smartChargingBench, storeProfiles } from "./smart_charging_bench.ts";

const RUNS = Number(Deno.env.get("BENCH_RUNS") ?? 5);
const TAPS = Number(Deno.env.get("BENCH_TAPS") ?? 30);

function p99(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.ceil(s.length * 0.99) - 1)]!;
}

async function until(test: () => boolean, ms = 20_000, what = "a condition"): Promise<void> {
  const end = performance.now() + ms;
  while (!test()) {
    if (performance.now() > end) throw new Error(`Timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 1));
  }
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

const EXTRA = Deno.env.get("BENCH_EXTRA") !== "0";
const f1 = (n: number) => n.toFixed(1);
const f2 = (n: number) => n.toFixed(2);

// Figures beside their limits: [figure, value, limit, ratio, goal].
const limits: [string, string, string, string, string][] = [];
const loadBefore = Deno.loadavg()[0]!;
const proc = await processBench(RUNS, EXTRA ? storeProfiles : undefined);
limits.push(
  [
    "idle RSS, connected, ws://",
    `${f1(proc.wsRss)} MB`,
    `bare deno ${f1(proc.bareRss)} MB`,
    `${f2(proc.wsRss / proc.bareRss)}x (+${f1(proc.wsRss - proc.bareRss)} MB)`,
    "+15 MB",
  ],
  [
    "idle RSS, connected, wss:// (security profile 2)",
    `${f1(proc.wssRss)} MB`,
    `bare deno ${f1(proc.bareRss)} MB`,
    `${f2(proc.wssRss / proc.bareRss)}x (+${f1(proc.wssRss - proc.bareRss)} MB)`,
    "+16 MB",
  ],
  [
    "start to BootNotification, deno run",
    `${f1(proc.runBootMs)} ms`,
    `bare deno start ${f1(proc.bareStartMs)} ms`,
    `${f2(proc.runBootMs / proc.bareStartMs)}x (+${f1(proc.runBootMs - proc.bareStartMs)} ms)`,
    "+60 ms",
  ],
  [
    "start to BootNotification, deno task start",
    `${f1(proc.taskBootMs)} ms`,
    `bare deno start ${f1(proc.bareStartMs)} ms`,
    `${f2(proc.taskBootMs / proc.bareStartMs)}x (+${f1(proc.taskBootMs - proc.bareStartMs)} ms)`,
    "",
  ],
);
const durable = await durabilityBench();
const link = await bareRoundTrips(TAPS * 10, durable.messages);
limits.push([
  `drain of ${durable.messages} queued MeterValues`,
  `${Math.round(durable.drainPerS)} /s`,
  `bare client ${Math.round(link.meterValuesPerS)} /s`,
  `${f2(durable.drainPerS / link.meterValuesPerS)}x`,
  ">= 0.5x",
]);
const taps = await tapThroughApi(TAPS);
const tap = median(taps);
// The runtime answers from its own process: so does this bare client.
const authorizeMs = await bareAuthorizeFromProcess(TAPS * 10);
limits.push(
  [
    `tap (local API) to StartTransaction at the backend, median of ${taps.length}`,
    `${f2(tap)} ms`,
    `bare Authorize round trip ${f2(authorizeMs)} ms (${f2(link.authorizeMs)} in-process)`,
    `${f1(tap / authorizeMs)}x (+${f2(tap - authorizeMs)} ms)`,
    "+3 ms",
  ],
  [
    // StartTransaction is in the outbox (one fsync) before it is sent: the rest is the runtime's.
    "  of which one outbox write (synchronous=FULL, median)",
    `${f2(durable.writeMs)} ms`,
    "",
    `+${f2(tap - authorizeMs - durable.writeMs)} ms besides it`,
    "",
  ],
);
const day = await dayBench();
limits.push(
  [
    `a day: ${day.hours} h charging, MeterValues every 10 s: CPU time per hour`,
    `${Math.round(day.cpuMsPerHour)} ms`,
    "one hour",
    `${(day.cpuMsPerHour / 3_600_000 * 100).toFixed(3)} % of one core`,
    "",
  ],
  [
    "  bytes written to disk per hour of charging",
    `${f1(day.bytesPerHour / 1024 / 1024)} MB`,
    `${f1(day.bytesPerHour / (day.samples / day.hours) / 1024)} KiB per sample`,
    `${f1(day.bytesPerHour * 24 * 365 / 1024 ** 3)} GiB a year charging 24 h/day`,
    "",
  ],
);

const rows: [string, string][] = [];
if (EXTRA) {
  const local = await tapToRelay(true);
  const remote = await tapToRelay(false);
  rows.push(
    [
      "runtime: idle RSS, connected, 20 charging profiles stored (median)",
      `${f1(proc.preparedRss)} MB (without: ${f1(proc.wsRss)} MB)`,
    ],
    [
      // Without profiles smart charging is its gate; with them its whole code is loaded.
      "  anonymous part: 20 profiles stored (smart charging loaded) / none (its gate)",
      `${f2(proc.preparedAnon)} / ${f2(proc.wsAnon)} MB (${
        (proc.preparedAnon < proc.wsAnon ? "" : "+") + f2(proc.preparedAnon - proc.wsAnon)
      } MB)`,
    ],
    [
      `tap to relay closed in-process, local authorization (median of ${local.length})`,
      `${f2(median(local))} ms`,
    ],
    ["  p99", `${f2(p99(local))} ms`],
    [
      `tap to relay closed in-process, Authorize round trip (median of ${remote.length})`,
      `${f2(median(remote))} ms`,
    ],
    ["  p99", `${f2(p99(remote))} ms`],
  );
  rows.push(...await authBench());
  rows.push(...durable.rows);
  rows.push(...await firmwareBench());
  rows.push(...await hardwareBench(proc.bareRss, proc.wsRss));
  rows.push(...await smartChargingBench());
  rows.push(...await securityBench());
}
const cpus =
  Deno.readTextFileSync("/proc/cpuinfo").split("\n").filter((l) => l.startsWith("processor"))
    .length;
const model = /model name\s*:\s*(.*)/.exec(Deno.readTextFileSync("/proc/cpuinfo"))?.[1] ?? "?";
const head = ["figure", "value", "limit, same run", "ratio", "goal"];
const widths = head.map((h, i) => Math.max(h.length, ...limits.map((r) => r[i]!.length)));
const line = (r: readonly string[]) => r.map((c, i) => c.padEnd(widths[i]!)).join(" | ");
const width = Math.max(0, ...rows.map(([k]) => k.length));
const out = [
  `deno ${Deno.version.deno}, ${cpus} x ${model}, ${RUNS} process runs, ` +
  `load average ${f1(loadBefore)} before / ${f1(Deno.loadavg()[0]!)} after`,
  line(head),
  ...limits.map(line),
  ...(rows.length ? ["", ...rows.map(([k, v]) => `${k.padEnd(width)}  ${v}`)] : []),
].join("\n");
await Deno.stdout.write(new TextEncoder().encode(out + "\n"));
