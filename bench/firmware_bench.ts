/**
 * Firmware Management figures for `deno task bench` (`bench/bench.ts`
 * prints the rows of {@link firmwareBench}); runs on its own too:
 * `deno run -A bench/firmware_bench.ts`.
 *
 * - download throughput of a 50 MB image over loopback, http (Deno.serve
 *   in this process) and ftp (pyftpdlib in its own process, when
 *   installed), streamed to a file as UpdateFirmware does;
 * - the idle cost of Firmware Management (the import RSS of what loads at
 *   start: `runtime/updates.ts` and the two gates) beside the cost of its
 *   full code once used (the firmware and diagnostics actors and
 *   `runtime/update_work.ts` too), each over the same core modules, in the
 *   same run ({@link firmwareIdleRows}; `--idle` prints only these);
 * - resident memory a process gains by loading the transfer code
 *   (`runtime/transfer.ts`, `runtime/tar.ts`, loaded only when a transfer
 *   runs), beside `npm:basic-ftp` measured the same way when it is in the
 *   Deno cache.
 *
 * @module
 */
import { download } from "../runtime/transfer.ts";
import { startFtp, startHttp } from "../tests/_transfer_peers.ts";

const MB = Number(Deno.env.get("BENCH_IMAGE_MB") ?? 50);
const RUNS = Number(Deno.env.get("BENCH_RUNS") ?? 5);
const root = new URL("..", import.meta.url).pathname;

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

async function throughput(url: string, dir: string): Promise<number> {
  const rates: number[] = [];
  for (let i = 0; i < Math.min(RUNS, 3); i++) {
    const t0 = performance.now();
    const bytes = await download(url, `${dir}/image.bin`, 1024 * 1024 * 1024);
    rates.push(bytes / 1024 / 1024 / ((performance.now() - t0) / 1000));
  }
  return median(rates);
}

/** What a fresh process gains by an import: resident memory and V8 heap (used + external), MB. */
interface ImportCost {
  readonly rss: number;
  readonly heap: number;
}

/**
 * What a fresh process gains when it imports `specs` after `base` (the
 * modules every runtime loads anyway), after a full GC, median of runs.
 */
async function importCost(specs: string | string[], base: string[] = []): Promise<ImportCost> {
  const url = (x: string) => x.includes(":") ? x : new URL(`../${x}`, import.meta.url).href;
  const list = (xs: string[]) => JSON.stringify(xs.map(url));
  const code = `
    const rss = () => Number(/VmRSS:\\s+(\\d+)/.exec(Deno.readTextFileSync("/proc/self/status"))[1]) / 1024;
    const heap = () => { const m = Deno.memoryUsage(); return (m.heapUsed + m.external) / 1048576; };
    const settle = async () => { globalThis.gc(); await new Promise((r) => setTimeout(r, 300)); globalThis.gc(); };
    for (const b of ${list(base)}) await import(b);
    await settle();
    const r0 = rss(), h0 = heap();
    for (const s of ${list(typeof specs === "string" ? [specs] : specs)}) await import(s);
    await settle();
    Deno.stdout.writeSync(new TextEncoder().encode(JSON.stringify([rss() - r0, heap() - h0])));
  `;
  const rss: number[] = [];
  const heap: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    const r = await new Deno.Command(Deno.execPath(), {
      args: ["eval", "--cached-only", "--v8-flags=--expose-gc", code],
      cwd: root,
      stdout: "piped",
      stderr: "null",
    }).output();
    let v: unknown;
    try {
      v = JSON.parse(new TextDecoder().decode(r.stdout));
    } catch {
      v = null;
    }
    if (!r.success || !Array.isArray(v)) return { rss: NaN, heap: NaN };
    rss.push(Number(v[0]));
    heap.push(Number(v[1]));
  }
  return { rss: median(rss), heap: median(heap) };
}

/** What the runtime loads at start whatever the features (the base of the feature rows). */
const CORE = [
  "actors/bus.ts",
  "actors/messages.ts",
  "actors/rpc.ts",
  "actors/transaction.ts",
  "config/store.ts",
  "runtime/storage.ts",
];
/** Firmware Management at start: the shell and the two gates. */
const FW_IDLE = ["runtime/updates.ts"];
/** Firmware Management in use: the full actors and the transfer/install code as well. */
const FW_FULL = [
  "runtime/updates.ts",
  "actors/firmware.ts",
  "actors/diagnostics.ts",
  "runtime/update_work.ts",
];

/**
 * The idle cost of Firmware Management (what still loads at start) beside
 * the cost of its code once used, over the same core, alternating runs,
 * and the same measure importing nothing (the noise floor of the RSS
 * figure: a GC and a timer move it by a few hundred KB; the heap figure is
 * steady).
 */
export async function firmwareIdleRows(): Promise<[string, string][]> {
  const runs: Record<"idle" | "full" | "none", ImportCost[]> = { idle: [], full: [], none: [] };
  for (let i = 0; i < 3; i++) {
    runs.idle.push(await importCost(FW_IDLE, CORE));
    runs.full.push(await importCost(FW_FULL, CORE));
    runs.none.push(await importCost([], CORE));
  }
  const fmt = (xs: ImportCost[]) =>
    `heap ${median(xs.map((x) => x.heap)).toFixed(3)} MB, RSS ${
      median(xs.map((x) => x.rss)).toFixed(2)
    } MB`;
  return [
    ["Firmware Management idle (runtime/updates.ts + gates, at start)", fmt(runs.idle)],
    ["Firmware Management in use (+ firmware, diagnostics, update_work)", fmt(runs.full)],
    ["The same measure importing nothing (noise floor)", fmt(runs.none)],
  ];
}

/** The rows for the bench table. */
export async function firmwareBench(): Promise<[string, string][]> {
  const dir = await Deno.makeTempDir({ prefix: "fw-bench-" });
  const image = new Uint8Array(MB * 1024 * 1024).fill(0x5a);
  const rows: [string, string][] = [];
  try {
    {
      await using http = startHttp();
      http.files.set("/image.bin", image);
      rows.push([
        `${MB} MB firmware download, http over loopback`,
        `${(await throughput(`${http.base}/image.bin`, dir)).toFixed(0)} MB/s`,
      ]);
    }
    try {
      await using ftp = await startFtp();
      await Deno.writeFile(`${ftp.root}/image.bin`, image);
      rows.push([
        `${MB} MB firmware download, ftp (pyftpdlib) over loopback`,
        `${(await throughput(`${ftp.base}/image.bin`, dir)).toFixed(0)} MB/s`,
      ]);
    } catch (err) {
      rows.push(["ftp download", `not measured: ${(err as Error).message}`]);
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
  rows.push(...await firmwareIdleRows());
  const own = (await importCost("runtime/transfer.ts")).rss;
  const tar = (await importCost("runtime/tar.ts")).rss;
  const basic = (await importCost("npm:basic-ftp@5.0.5")).rss;
  rows.push(
    ["RSS of loading runtime/transfer.ts (only during a transfer)", `${own.toFixed(1)} MB`],
    ["RSS of loading runtime/tar.ts (only during GetDiagnostics)", `${tar.toFixed(1)} MB`],
    [
      "RSS of loading npm:basic-ftp 5.0.5 (not used)",
      Number.isFinite(basic) ? `${basic.toFixed(1)} MB` : "not in the cache",
    ],
  );
  return rows;
}

if (import.meta.main) {
  const rows = Deno.args.includes("--idle") ? await firmwareIdleRows() : await firmwareBench();
  const text = rows.map(([k, v]) => `${k.padEnd(60)} ${v}\n`).join("");
  await Deno.stdout.write(new TextEncoder().encode(text));
}
