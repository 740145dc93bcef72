/**
 * The limits the runtime's figures are compared with, measured in the same
 * run against the same backend (`tests/csms.ts`: `npm:ocpp-rpc`, strict
 * schema validation, loopback):
 *
 * - {@link bareRoundTrips}: a bare OCPP-J client (Deno's `WebSocket`, one
 *   outstanding CALL, no store, no actors) sending the same CALLs one after
 *   the other: its Authorize round trip and its MeterValues rate are the
 *   link's limit;
 * - {@link tapThroughApi}: `main.ts` in its own process, as a user runs it:
 *   cable plugged and card tapped through the local API (`POST
 *   /api/sim/rfid`), timed from the API call to StartTransaction received
 *   by the backend (one Authorize round trip in between).
 *
 * @module
 */
import { Csms } from "../tests/csms.ts";
import { spawnWallbox } from "../tests/_wallbox_process.ts";

const root = new URL("..", import.meta.url).pathname;

/** Median of `xs`. */
export function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

/** The MeterValues payload the drain sends (two measurands, as the meter actor queues it). */
export function meterValuesPayload(seq: number, t0: number): Record<string, unknown> {
  const sampled = (value: string, measurand: string, unit: string) => ({
    value,
    context: "Sample.Periodic",
    format: "Raw",
    measurand,
    location: "Outlet",
    unit,
  });
  return {
    connectorId: 1,
    transactionId: 1,
    meterValue: [{
      timestamp: new Date(t0 + seq * 10_000).toISOString(),
      sampledValue: [
        sampled(String(1000 + seq * 20), "Energy.Active.Import.Register", "Wh"),
        sampled("7400", "Power.Active.Import", "W"),
      ],
    }],
  };
}

/** The bare client's figures: Authorize round trip (ms, median) and MeterValues per second. */
export async function bareRoundTrips(
  authorizes: number,
  meterValues: number,
): Promise<{ authorizeMs: number; meterValuesPerS: number }> {
  const csms = await Csms.start();
  const ws = new WebSocket(`${csms.url}/BARE`, "ocpp1.6");
  ws.binaryType = "arraybuffer";
  let answer: ((text: string) => void) | undefined;
  ws.onmessage = (e) => answer?.(String(e.data));
  await new Promise<void>((resolve, reject) => {
    ws.onopen = () => resolve();
    ws.onerror = () => reject(new Error("Cannot measure the link: the bare client cannot connect"));
  });
  let id = 0;
  const call = (action: string, payload: unknown) =>
    new Promise<string>((resolve) => {
      answer = resolve;
      ws.send(JSON.stringify([2, String(++id), action, payload]));
    });
  const times: number[] = [];
  for (let i = 0; i < authorizes; i++) {
    const t0 = performance.now();
    const reply = await call("Authorize", { idTag: "BENCH-TAG" });
    times.push(performance.now() - t0);
    if (!reply.startsWith("[3,")) throw new Error(`Bare Authorize answered ${reply}`);
  }
  const t0 = Date.now() - meterValues * 10_000;
  const start = performance.now();
  for (let seq = 1; seq <= meterValues; seq++) {
    const reply = await call("MeterValues", meterValuesPayload(seq, t0));
    if (!reply.startsWith("[3,")) throw new Error(`Bare MeterValues answered ${reply}`);
  }
  const seconds = (performance.now() - start) / 1000;
  ws.close();
  await new Promise((r) => setTimeout(r, 20));
  await csms.close();
  return { authorizeMs: median(times), meterValuesPerS: meterValues / seconds };
}

/** Waits for `test`, re-checking every millisecond. */
async function until(test: () => boolean, what: string, ms = 20_000): Promise<void> {
  const end = performance.now() + ms;
  while (!test()) {
    if (performance.now() > end) throw new Error(`Timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 1));
  }
}

/**
 * Taps through the local API of `main.ts` in its own process: ms from the
 * `POST /api/sim/rfid` to StartTransaction at the backend, one per tap.
 */
export async function tapThroughApi(taps: number): Promise<number[]> {
  const csms = await Csms.start();
  let startedAt = 0;
  csms.handlers.StartTransaction = () => {
    startedAt = performance.now();
    return { transactionId: csms.nextTransactionId++, idTagInfo: { status: "Accepted" } };
  };
  const dir = await Deno.makeTempDir({ prefix: "cp-bench-tap-" });
  const config = `${dir}/config.json`;
  await Deno.writeTextFile(
    config,
    JSON.stringify({
      backendConnectionType: "ethernet",
      backendUrl: csms.url,
      chargePointId: "BENCH-TAP",
    }),
  );
  const token = "bench-token-0123456789abcdef0123456789";
  const p = spawnWallbox({
    dataDir: `${dir}/data`,
    config,
    keepStderr: 0,
    env: { CP_API_TOKEN: token },
  });
  const base = p.base;
  const api = async (path: string, body?: unknown) => {
    const r = await fetch(`${base}${path}`, {
      method: "POST",
      headers: { Authorization: `Bearer ${token}`, "Content-Type": "application/json" },
      body: JSON.stringify(body ?? {}),
    });
    await r.body?.cancel();
    if (r.status >= 300) throw new Error(`${path} answered ${r.status}`);
  };
  const status = (s: string, from: number) =>
    csms.next("StatusNotification", from, (q) => q.connectorId === 1 && q.status === s);
  const times: number[] = [];
  try {
    await status("Available", 0);
    // The API is up once it answers.
    for (let tries = 0;; tries++) {
      try {
        await fetch(`${base}/api/status`, {
          headers: { Authorization: `Bearer ${token}` },
        }).then((r) => r.body?.cancel());
        break;
      } catch (err) {
        if (tries > 2000) throw err;
        await new Promise((r) => setTimeout(r, 5));
      }
    }
    for (let i = 0; i <= taps; i++) {
      let m = csms.mark;
      await api("/api/sim/connectors/1/plug");
      await status("Preparing", m);
      m = csms.mark;
      startedAt = 0;
      const t0 = performance.now();
      await api("/api/sim/rfid", { idTag: "BENCH-TAG" });
      await until(() => startedAt > 0, "StartTransaction");
      // The first tap warms the code paths up.
      if (i > 0) times.push(startedAt - t0);
      if (csms.all("Authorize", m).length !== 1) throw new Error("Expected one Authorize per tap");
      await status("Charging", m);
      m = csms.mark;
      await api("/api/sim/rfid", { idTag: "BENCH-TAG" });
      await csms.next("StopTransaction", m);
      await api("/api/sim/connectors/1/unplug");
      await status("Available", m);
    }
  } finally {
    p.kill();
    await p.exited;
    await csms.close();
    await Deno.remove(dir, { recursive: true });
  }
  return times;
}

/**
 * The bare client's Authorize round trip from its own process (as the
 * runtime of {@link tapThroughApi} runs in its own), ms, median of `n`.
 */
export async function bareAuthorizeFromProcess(n: number): Promise<number> {
  const csms = await Csms.start();
  try {
    const out = await new Deno.Command(Deno.execPath(), {
      args: ["run", "-A", "bench/link_bench.ts", "--bare-authorize", csms.url, String(n)],
      cwd: root,
      stdout: "piped",
      stderr: "inherit",
      stdin: "null",
    }).output();
    const ms = Number(new TextDecoder().decode(out.stdout).trim());
    if (!out.success || !Number.isFinite(ms)) throw new Error("Cannot measure the bare Authorize");
    return ms;
  } finally {
    await csms.close();
  }
}

/** The bare client of {@link bareRoundTrips} against `url`: Authorize round trips, ms. */
async function bareAuthorizes(url: string, n: number): Promise<number[]> {
  const ws = new WebSocket(`${url}/BARE-PROC`, "ocpp1.6");
  let answer: ((text: string) => void) | undefined;
  ws.onmessage = (e) => answer?.(String(e.data));
  await new Promise<void>((resolve, reject) => {
    ws.onopen = () => resolve();
    ws.onerror = () => reject(new Error("Cannot measure the link: the bare client cannot connect"));
  });
  const times: number[] = [];
  for (let i = 0; i < n; i++) {
    const t0 = performance.now();
    const reply = await new Promise<string>((resolve) => {
      answer = resolve;
      ws.send(JSON.stringify([2, String(i), "Authorize", { idTag: "BENCH-TAG" }]));
    });
    times.push(performance.now() - t0);
    if (!reply.startsWith("[3,")) throw new Error(`Bare Authorize answered ${reply}`);
  }
  ws.close();
  return times;
}

if (import.meta.main && Deno.args[0] === "--bare-authorize") {
  const times = await bareAuthorizes(Deno.args[1]!, Number(Deno.args[2]));
  await Deno.stdout.write(new TextEncoder().encode(`${median(times)}\n`));
  Deno.exit(0);
}

if (import.meta.main) {
  const bare = await bareRoundTrips(200, 2000);
  const taps = await tapThroughApi(Number(Deno.env.get("BENCH_TAPS") ?? 10));
  // deno-lint-ignore no-console
  console.log({ bare, taps, median: median(taps) });
}
