/**
 * A realistic day for `deno task bench`: `BENCH_DAY_HOURS` (default 8)
 * hours of charging with a MeterValues sample every 10 s, on the injected
 * clock (FakeClock, stepped one sample interval at a time), the store on
 * disk and the device log (`runtime/log_file.ts`, every OCPP frame at
 * `debug`) as `main.ts` keeps them. The Central System runs in its own
 * process (`_csms_peer.ts`), so the CPU time is the runtime's (with the
 * stepping loop) and the bytes written are the runtime's: per hour of
 * charging.
 *
 * @module
 */
import process from "node:process";
import { FakeClock } from "../actors/clock.ts";
import { LogFile } from "../runtime/log_file.ts";
import { simHardware } from "../runtime/sim_hardware.ts";
import { Storage } from "../runtime/storage.ts";
import { openWallboxStore, startRuntime } from "../tests/harness.ts";

const HOURS = Number(Deno.env.get("BENCH_DAY_HOURS") ?? 8);
const INTERVAL_S = 10;
const root = new URL("..", import.meta.url).pathname;

/** Bytes this process made the kernel write to storage (`/proc/self/io` write_bytes). */
function writtenBytes(): number {
  return Number(/write_bytes:\s+(\d+)/.exec(Deno.readTextFileSync("/proc/self/io"))?.[1]);
}

/** What a day of charging cost. */
export interface DayFigures {
  readonly hours: number;
  readonly samples: number;
  /** CPU time (user + system) per hour of charging, ms. */
  readonly cpuMsPerHour: number;
  /** Bytes written to disk per hour of charging. */
  readonly bytesPerHour: number;
  /** Wall time of the bench, s. */
  readonly wallS: number;
}

/** Charges for `hours` on the injected clock; see the module. */
export async function dayBench(hours = HOURS): Promise<DayFigures> {
  const peer = new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", "bench/_csms_peer.ts"],
    cwd: root,
    stdout: "piped",
    stderr: "null",
    stdin: "piped",
  }).spawn();
  const toPeer = peer.stdin.getWriter();
  const enc = new TextEncoder();
  const reader = peer.stdout.pipeThrough(new TextDecoderStream()).getReader();
  let url = "";
  while (!url.includes("\n")) {
    const { value, done } = await reader.read();
    if (done) throw new Error("Cannot run the day bench: the Central System did not start");
    url += value;
  }
  const dir = await Deno.makeTempDir({ prefix: "cp-bench-day-" });
  const clock = new FakeClock(Date.now());
  const tellTime = () => toPeer.write(enc.encode(`${clock.now()}\n`));
  const store = await openWallboxStore(dir, {
    backendUrl: url.trim(),
    chargePointId: "BENCH-DAY",
    settings: { MeterValueSampleInterval: INTERVAL_S },
  });
  const storage = Storage.open(`${dir}/state.db`);
  const logs = new LogFile({ dir: `${dir}/logs`, now: () => clock.now() });
  const hw = simHardware({ clock, connectors: 1 });
  let results = 0;
  let status = "";
  let meterValues = 0;
  const cp = startRuntime({
    store,
    clock,
    hardware: hw,
    logger: logs,
    storage,
    inspect: (m) => {
      if (m.type === "ocpp.result") results++;
      if (m.type === "ocpp.result" && m.action === "MeterValues") meterValues++;
      if (m.type === "status.changed" && m.connectorId === 1) status = m.status;
    },
  });
  /** Waits for `test`, the injected clock moving `stepMs` at each look (the drivers' timers). */
  const until = async (test: () => boolean, what: string, stepMs = 0) => {
    const end = performance.now() + 20_000;
    while (!test()) {
      if (performance.now() > end) {
        throw new Error(`Day bench: timed out waiting for ${what} (status ${status})`);
      }
      if (stepMs) {
        clock.advance(stepMs);
        await tellTime();
      }
      await new Promise((r) => setTimeout(r, 0));
    }
  };
  try {
    await until(() => status === "Available" && results >= 2, "the boot", 100);
    hw.station.plug(1);
    hw.station.tap("BENCH-DAY");
    await until(() => status === "Charging", "Charging", 100);
    const samples = Math.round((hours * 3600) / INTERVAL_S);
    const cpu0 = process.cpuUsage();
    const bytes0 = writtenBytes();
    const t0 = performance.now();
    for (let i = 0; i < samples; i++) {
      const want = meterValues + 1;
      clock.advance(INTERVAL_S * 1000);
      await tellTime();
      await until(() => meterValues >= want, `MeterValues ${i + 1}`);
    }
    hw.station.tap("BENCH-DAY");
    await until(() => status === "Finishing", "Finishing", 100);
    const r = results;
    await until(() => results > r, "StopTransaction answered");
    const cpu = process.cpuUsage(cpu0);
    const bytes = writtenBytes() - bytes0;
    return {
      hours,
      samples,
      cpuMsPerHour: (cpu.user + cpu.system) / 1000 / hours,
      bytesPerHour: bytes / hours,
      wallS: (performance.now() - t0) / 1000,
    };
  } finally {
    cp.stop();
    await cp.flushed();
    storage.close();
    logs.close();
    if (Deno.env.get("BENCH_DEBUG")) {
      // deno-lint-ignore no-console
      console.error(logs.tail(30).map((l) => `${l.time} ${l.level} ${l.text}`).join("\n"));
    }
    await toPeer.close().catch(() => {});
    peer.kill("SIGKILL");
    await reader.cancel();
    await peer.status;
    await Deno.remove(dir, { recursive: true });
  }
}

if (import.meta.main) {
  // deno-lint-ignore no-console
  console.log(await dayBench());
}
