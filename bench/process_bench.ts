/**
 * Process figures for `deno task bench`, each beside bare Deno measured in
 * the same run (the runs alternate, so load on a shared machine hits both):
 *
 * - bare Deno: start to exit of an empty script; idle RSS of a script that
 *   only waits;
 * - the runtime (`main.ts`): start to BootNotification received by a
 *   loopback Central System, through `deno run` and through `deno task
 *   start` (as users run it); idle RSS connected over ws:// and over wss://
 *   (security profile 2, TLS to the test CA).
 *
 * @module
 */
import { makeTestPki, type TestPki } from "../tests/harness.ts";
import { Csms } from "../tests/csms.ts";
import { median } from "./link_bench.ts";

const root = new URL("..", import.meta.url).pathname;
/** How long a process idles before its RSS is read, ms. */
const SETTLE_MS = Number(Deno.env.get("BENCH_SETTLE_MS") ?? 1500);
const KEY = "bench-backend-password-01";

/**
 * VmRSS of `pid`, MB; with `"RssAnon"`, its anonymous part (the process's
 * own pages, without those of the `deno` executable it touched, which vary
 * by 2-3 MB from one process to the next).
 */
export async function rssMb(pid: number, field = "VmRSS"): Promise<number> {
  const status = await Deno.readTextFile(`/proc/${pid}/status`);
  return Number(new RegExp(`${field}:\\s+(\\d+)`).exec(status)?.[1]) / 1024;
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

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** What one runtime start measured. */
interface RuntimeRun {
  /** Process start to BootNotification received, ms. */
  readonly bootMs: number;
  /** Idle RSS once connected, MB (0 when not measured). */
  readonly rss: number;
  /** Its anonymous part, MB. */
  readonly anon: number;
}

/** Starts `main.ts` (`deno run` or `deno task start`) against `csms`; RSS measured when `idle`. */
async function runtimeRun(
  how: "run" | "task",
  csms: Csms,
  settings: Record<string, unknown>,
  idle: boolean,
  prepare?: (dataDir: string) => void,
): Promise<RuntimeRun> {
  const dir = await Deno.makeTempDir({ prefix: "cp-bench-proc-" });
  const config = `${dir}/config.json`;
  await Deno.writeTextFile(
    config,
    JSON.stringify({
      backendConnectionType: "ethernet",
      backendUrl: csms.url,
      chargePointId: "BENCH",
      ...settings,
    }),
  );
  if (prepare) {
    await Deno.mkdir(`${dir}/data`);
    prepare(`${dir}/data`);
  }
  const args = ["--data-dir", `${dir}/data`, "--config", config, "--http", "127.0.0.1:0"];
  const m = csms.mark;
  const t0 = performance.now();
  const p = spawn(how === "run" ? ["run", "-A", "main.ts", ...args] : ["task", "start", ...args]);
  try {
    await csms.next("BootNotification", m);
    const bootMs = performance.now() - t0;
    let rss = 0, anon = 0;
    if (idle) {
      await csms.next("StatusNotification", m, (q) => q.connectorId === 1);
      await sleep(SETTLE_MS);
      rss = await rssMb(p.pid);
      anon = await rssMb(p.pid, "RssAnon");
    }
    return { bootMs, rss, anon };
  } finally {
    // `deno task` runs main.ts as its child: end the whole group it started.
    p.kill("SIGKILL");
    await p.status;
    if (how === "task") await killStrays(dir);
    await Deno.remove(dir, { recursive: true });
  }
}

/** Kills the `deno run` that `deno task start` spawned for `dir` (it outlives a killed task). */
async function killStrays(dir: string): Promise<void> {
  for (const entry of Deno.readDirSync("/proc")) {
    if (!/^\d+$/.test(entry.name)) continue;
    let cmd = "";
    try {
      cmd = Deno.readTextFileSync(`/proc/${entry.name}/cmdline`);
    } catch {
      continue;
    }
    if (cmd.includes(`${dir}/data`)) {
      try {
        Deno.kill(Number(entry.name), "SIGKILL");
      } catch { /* gone */ }
    }
  }
  await sleep(20);
}

/** The process figures, medians of `runs` alternating runs. */
export interface ProcessFigures {
  readonly bareStartMs: number;
  readonly bareRss: number;
  readonly runBootMs: number;
  readonly taskBootMs: number;
  readonly wsRss: number;
  readonly wssRss: number;
  /** Idle RSS with the stored data of `prepare` (0 without it). */
  readonly preparedRss: number;
  /** The anonymous part of the idle RSS over ws://, without and with `prepare`'s data. */
  readonly wsAnon: number;
  readonly preparedAnon: number;
}

/** Measures bare Deno and the runtime, `runs` times each, interleaved. */
export async function processBench(
  runs: number,
  prepare?: (dataDir: string) => void,
): Promise<ProcessFigures> {
  const dir = await Deno.makeTempDir({ prefix: "cp-bench-bare-" });
  await Deno.writeTextFile(`${dir}/empty.ts`, "");
  await Deno.writeTextFile(`${dir}/idle.ts`, "setTimeout(() => {}, 60_000);\n");
  const pki: TestPki = await makeTestPki();
  const ws = await Csms.start();
  const wss = await Csms.start({ tls: pki.server, passwords: () => [KEY] });
  const tls = { securityProfile: 2, backendPassword: KEY, tlsCaFile: pki.ca.file };
  const f = {
    bareStart: [] as number[],
    bareRss: [] as number[],
    run: [] as number[],
    task: [] as number[],
    ws: [] as number[],
    wss: [] as number[],
    prepared: [] as number[],
    wsAnon: [] as number[],
    preparedAnon: [] as number[],
  };
  try {
    for (let i = 0; i < runs; i++) {
      const t0 = performance.now();
      await spawn(["run", `${dir}/empty.ts`]).status;
      f.bareStart.push(performance.now() - t0);
      const p = spawn(["run", `${dir}/idle.ts`]);
      await sleep(SETTLE_MS);
      f.bareRss.push(await rssMb(p.pid));
      p.kill("SIGKILL");
      await p.status;
      const r = await runtimeRun("run", ws, {}, true);
      f.run.push(r.bootMs);
      f.ws.push(r.rss);
      f.wsAnon.push(r.anon);
      f.task.push((await runtimeRun("task", ws, {}, false)).bootMs);
      f.wss.push((await runtimeRun("run", wss, tls, true)).rss);
      if (prepare) {
        const pr = await runtimeRun("run", ws, {}, true, prepare);
        f.prepared.push(pr.rss);
        f.preparedAnon.push(pr.anon);
      }
    }
  } finally {
    await ws.close();
    await wss.close();
    await Deno.remove(dir, { recursive: true });
    await Deno.remove(pki.dir, { recursive: true });
  }
  return {
    bareStartMs: median(f.bareStart),
    bareRss: median(f.bareRss),
    runBootMs: median(f.run),
    taskBootMs: median(f.task),
    wsRss: median(f.ws),
    wssRss: median(f.wss),
    preparedRss: f.prepared.length ? median(f.prepared) : 0,
    wsAnon: median(f.wsAnon),
    preparedAnon: f.preparedAnon.length ? median(f.preparedAnon) : 0,
  };
}

if (import.meta.main) {
  const { storeProfiles } = await import("./smart_charging_bench.ts");
  // deno-lint-ignore no-console
  console.log(await processBench(Number(Deno.env.get("BENCH_RUNS") ?? 3), storeProfiles));
}
