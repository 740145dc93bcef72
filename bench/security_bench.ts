/**
 * Security Whitepaper figures for `deno task bench` (`bench/bench.ts`
 * prints the rows of {@link securityBench}); runs on its own too:
 * `deno run -A bench/security_bench.ts`.
 *
 * Resident memory the feature's code costs: fresh processes import the
 * rest of the runtime (the bus, the messages, the store, the settings, the
 * transport, the core actors), then one of the configurations below, and
 * read their RSS and the V8 heap in use after a full GC (which, unlike
 * RSS, does not move in steps of pages); each figure is the difference of
 * the medians of one configuration and the one before (runs alternating):
 *
 * 1. what loads at start now: the gates (`actors/security_gate.ts`,
 *    `actors/signed_firmware_gate.ts`, `actors/log_upload_gate.ts`), the
 *    certificate store (`runtime/cert_store.ts`) and the log upload shell
 *    (`runtime/log_upload_shell.ts`): the idle cost;
 * 2. the full logic each gate loads on first use (`actors/security.ts`,
 *    `runtime/cert_service.ts`, `actors/signed_firmware.ts`,
 *    `actors/log_upload.ts`, `runtime/log_upload.ts`);
 * 3. the X.509 library (`runtime/x509.ts`, `npm:@peculiar/x509`), loaded
 *    at the first certificate operation.
 *
 * Before the gates, steps 1 and 2 together loaded at start. Step 1 is
 * measured with and without `actors/cert_renewal.ts` (A03.FR.02's eager
 * actor), so its own idle cost is a row too.
 *
 * @module
 */
import { median } from "./link_bench.ts";

const RUNS = Number(Deno.env.get("BENCH_RUNS") ?? 5);
const root = new URL("..", import.meta.url);
const url = (p: string) => new URL(p, root).href;

// The rest of the runtime loaded first, as in the real process (the first modules a
// process imports cost more than their size: the loader's own growth).
const CORE = [
  "actors/bus.ts",
  "actors/messages.ts",
  "ocpp/transport.ts",
  "runtime/storage.ts",
  "config/store.ts",
  "config/registry.ts",
  "actors/transaction.ts",
  "actors/rpc.ts",
  "actors/connection.ts",
  "actors/meter.ts",
  "actors/configuration.ts",
  "actors/connector_status.ts",
  "actors/system.ts",
  "runtime/journal.ts",
  "runtime/link.ts",
].map(url);
const EAGER_BEFORE_A03 = [
  "actors/security_gate.ts",
  "actors/signed_firmware_gate.ts",
  "actors/log_upload_gate.ts",
  "runtime/cert_store.ts",
  "runtime/log_upload_shell.ts",
].map(url);
const EAGER = [...EAGER_BEFORE_A03, url("actors/cert_renewal.ts")];
const FULL = [
  "actors/security.ts",
  "runtime/cert_service.ts",
  "actors/signed_firmware.ts",
  "actors/log_upload.ts",
  "runtime/log_upload.ts",
].map(url);
const X509 = [url("runtime/x509.ts")];

/** [RSS, V8 heap in use] (MB) of a fresh process that imported the core, then `mods`. */
async function footprint(mods: readonly string[]): Promise<[number, number] | undefined> {
  const code = `
    for (const mod of ${JSON.stringify([...CORE, ...mods])}) await import(mod);
    await new Promise((r) => setTimeout(r, 300));
    globalThis.gc();
    await new Promise((r) => setTimeout(r, 100));
    const rss = Number(/VmRSS:\\s+(\\d+)/.exec(Deno.readTextFileSync("/proc/self/status"))[1]) / 1024;
    Deno.stdout.writeSync(new TextEncoder().encode(JSON.stringify([rss, Deno.memoryUsage().heapUsed / 1048576])));
  `;
  const r = await new Deno.Command(Deno.execPath(), {
    args: ["eval", "--cached-only", "--v8-flags=--expose-gc", code],
    cwd: root,
    stdout: "piped",
    stderr: "null",
  }).output();
  if (!r.success) return undefined;
  return JSON.parse(new TextDecoder().decode(r.stdout)) as [number, number];
}

/** The rows for the bench table. */
export async function securityBench(): Promise<[string, string][]> {
  // Each configuration in its own processes, the runs alternating: core, + start, + full, + X.509,
  // and the start without the A03 renewal actor.
  const configs = [[], EAGER, [...EAGER, ...FULL], [...EAGER, ...FULL, ...X509], EAGER_BEFORE_A03];
  const runs: [number, number][][] = configs.map(() => []);
  for (let i = 0; i < RUNS; i++) {
    for (const [k, mods] of configs.entries()) {
      const r = await footprint(mods);
      if (r) runs[k]!.push(r);
    }
  }
  if (runs.some((r) => r.length === 0)) {
    return [["security code RSS", "not measured (import failed)"]];
  }
  const abs = (k: number, i: 0 | 1) => median(runs[k]!.map((r) => r[i]));
  const at = (step: number, i: 0 | 1) => abs(step + 1, i) - abs(step, i);
  const f2 = (n: number) => n.toFixed(2);
  const mb = (step: number) => `+${f2(at(step, 0))} MB RSS (V8 heap +${f2(at(step, 1))} MB)`;
  return [
    ["security: idle cost, loaded at start (gates, certificate store, log upload shell)", mb(0)],
    ["  full code, loaded on first use (certificates, signed firmware, GetLog)", mb(1)],
    [
      "  before the gates (all of the above at start)",
      `+${f2(at(0, 0) + at(1, 0))} MB RSS (V8 heap +${f2(at(0, 1) + at(1, 1))} MB)`,
    ],
    ["  X.509 library (npm:@peculiar/x509), at the first certificate operation", mb(2)],
    [
      "  of the idle cost: the A03 renewal actor (actors/cert_renewal.ts)",
      `+${f2(abs(1, 0) - abs(4, 0))} MB RSS (V8 heap +${f2(abs(1, 1) - abs(4, 1))} MB)`,
    ],
  ];
}

if (import.meta.main) {
  const text = (await securityBench()).map(([k, v]) => `${k.padEnd(90)} ${v}\n`).join("");
  await Deno.stdout.write(new TextEncoder().encode(text));
}
