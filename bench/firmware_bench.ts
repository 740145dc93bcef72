/**
 * Firmware Management figures for `deno task bench` (`bench/bench.ts`
 * prints the rows of {@link firmwareBench}); runs on its own too:
 * `deno run -A bench/firmware_bench.ts`.
 *
 * - download throughput of a 50 MB image over loopback, http (Deno.serve
 *   in this process) and ftp (pyftpdlib in its own process, when
 *   installed), streamed to a file as UpdateFirmware does;
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

/** RSS growth of a fresh process when it imports `spec` (median of runs), MB. */
async function importCost(spec: string): Promise<number> {
  const code = `
    const rss = () => Number(/VmRSS:\\s+(\\d+)/.exec(Deno.readTextFileSync("/proc/self/status"))[1]) / 1024;
    await new Promise((r) => setTimeout(r, 300));
    const before = rss();
    await import(${JSON.stringify(spec)});
    await new Promise((r) => setTimeout(r, 300));
    Deno.stdout.writeSync(new TextEncoder().encode(String(rss() - before)));
  `;
  const out: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    const r = await new Deno.Command(Deno.execPath(), {
      args: ["eval", "--cached-only", code],
      cwd: root,
      stdout: "piped",
      stderr: "null",
    }).output();
    const v = Number(new TextDecoder().decode(r.stdout).trim());
    if (!r.success || !Number.isFinite(v)) return NaN;
    out.push(v);
  }
  return median(out);
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
  const own = await importCost(new URL("../runtime/transfer.ts", import.meta.url).href);
  const tar = await importCost(new URL("../runtime/tar.ts", import.meta.url).href);
  const basic = await importCost("npm:basic-ftp@5.0.5");
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
  const text = (await firmwareBench()).map(([k, v]) => `${k.padEnd(60)} ${v}\n`).join("");
  await Deno.stdout.write(new TextEncoder().encode(text));
}
