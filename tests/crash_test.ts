/**
 * Pull the plug, many times: the runtime runs as a real process
 * (`deno run -A main.ts --data-dir ... --config ...`, real timers, the
 * simulated station with its state file) against the real Central System
 * of `csms.ts` in this process. Sessions are driven through the local API
 * (`/api/sim/...`) and the process is killed with SIGKILL at random points
 * (during start-up and the outbox drain, authorization, start, charging,
 * stop), then started again, CRASH_KILLS times (default 50).
 *
 * Afterwards the Central System must have every transaction exactly once
 * and in order: one StartTransaction and one StopTransaction per
 * transaction (an identical retransmission of a message whose answer the
 * kill cut off is counted, and answered idempotently as a real Central
 * System does, not counted twice), MeterValues and StopTransaction with
 * the transactionId of their StartTransaction, non-decreasing times and
 * meter readings across all transactions, and every transaction the local
 * API ever showed as running.
 *
 * The seed is in the test name; replay a run with CRASH_SEED=<seed>.
 */
import assert from "node:assert/strict";
import { Csms } from "./csms.ts";
import { spawnWallbox, type WallboxProcess } from "./_wallbox_process.ts";

const SEED = Number(Deno.env.get("CRASH_SEED") ?? Math.floor(Math.random() * 2 ** 31));
const KILLS = Number(Deno.env.get("CRASH_KILLS") ?? 50);
const CARDS = ["CRASH-A", "CRASH-B", "CRASH-C"];

/** mulberry32: a small seeded generator, so a failing run can be replayed. */
function rng(seed: number) {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6D2B79F5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return { next, int: (n: number) => Math.floor(next() * n) };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The local API answered with an error status: a bug, whether or not a kill is near. */
class ApiError extends Error {}

/** One run of the wallbox process. */
class Wallbox {
  readonly child: Deno.ChildProcess;
  readonly base: string;
  readonly exited: Promise<Deno.CommandStatus>;
  #token: string | undefined;
  #dataDir: string;
  #stderr: string[];
  #process: WallboxProcess;

  constructor(dataDir: string, config: string, stderr: string[]) {
    this.#dataDir = dataDir;
    this.#stderr = stderr;
    this.#process = spawnWallbox({ dataDir, config, stderr });
    this.child = this.#process.child;
    this.base = this.#process.base;
    this.exited = this.#process.exited;
  }

  kill(signal: Deno.Signal = "SIGKILL"): void {
    this.#process.kill(signal);
  }

  /** A local API call; throws when the process is gone. */
  // deno-lint-ignore no-explicit-any
  async api(method: string, path: string, body?: unknown): Promise<any> {
    this.#token ??= (await Deno.readTextFile(`${this.#dataDir}/api-token`)).trim();
    const res = await fetch(this.base + path, {
      method,
      headers: { Authorization: `Bearer ${this.#token}`, "Content-Type": "application/json" },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      signal: AbortSignal.timeout(5_000),
    });
    const text = await res.text();
    if (!res.ok) throw new ApiError(`${method} ${path}: ${res.status} ${text}`);
    return text ? JSON.parse(text) : undefined;
  }

  /** Waits for the local API; false when the process exited first (e.g. its port was taken). */
  async up(deadlineMs = 20_000): Promise<boolean> {
    let gone = false;
    void this.exited.then(() => gone = true);
    const end = Date.now() + deadlineMs;
    while (Date.now() < end && !gone) {
      try {
        const res = await fetch(`${this.base}/api/health`, { signal: AbortSignal.timeout(1000) });
        await res.body?.cancel();
        if (res.ok) return true;
      } catch { /* not yet */ }
      await sleep(20);
    }
    if (gone) return false;
    throw new Error(`wallbox did not start:\n${this.#stderr.join("").slice(-3000)}`);
  }
}

/** Starts the wallbox and waits for its local API, with another port if its port was taken. */
async function startBox(dataDir: string, config: string, stderr: string[]): Promise<Wallbox> {
  for (let attempt = 0;; attempt++) {
    const box = new Wallbox(dataDir, config, stderr);
    if (await box.up()) return box;
    if (attempt === 2) throw new Error(`wallbox exits at start:\n${stderr.join("").slice(-3000)}`);
  }
}

// deno-lint-ignore no-explicit-any
type Params = any;

/** A Central System that answers a retransmitted StartTransaction with the id it gave it. */
function idempotentStarts(csms: Csms): Map<string, number> {
  const ids = new Map<string, number>();
  csms.handlers.StartTransaction = (p: Params) => {
    const key = JSON.stringify([p.connectorId, p.idTag, p.timestamp, p.meterStart]);
    if (!ids.has(key)) ids.set(key, csms.nextTransactionId++);
    return { transactionId: ids.get(key)!, idTagInfo: { status: "Accepted" } };
  };
  return ids;
}

/** Drives one random bit of a session through the local API until the process dies. */
async function drive(box: Wallbox, r: ReturnType<typeof rng>, seen: Map<string, string>) {
  for (let step = 0; step < 8; step++) {
    const status = await box.api("GET", "/api/status");
    const c = status.connectors[0];
    if (c.startedAt) seen.set(c.startedAt, c.idTag);
    const x = r.next();
    if (c.evState === "A") await box.api("POST", "/api/sim/connectors/1/plug");
    else if (c.idTag === null) {
      await box.api("POST", "/api/sim/rfid", { idTag: CARDS[r.int(CARDS.length)] });
    } else if (x < 0.35) await box.api("POST", "/api/sim/rfid", { idTag: c.idTag });
    else if (x < 0.5) await box.api("POST", "/api/sim/connectors/1/unplug");
    await sleep(50 + r.int(350));
  }
}

Deno.test({
  name: `crash: ${KILLS} kill -9 at random points of many sessions lose nothing (seed ${SEED})`,
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    const r = rng(SEED);
    const csms = await Csms.start();
    const startIds = idempotentStarts(csms);
    const dir = await Deno.makeTempDir({ prefix: "cp-crash-" });
    const dataDir = `${dir}/data`;
    const config = `${dir}/config.json`;
    await Deno.writeTextFile(
      config,
      JSON.stringify({
        backendConnectionType: "ethernet",
        backendUrl: csms.url,
        chargePointId: "CRASH-1",
        resumeTransactionAfterPowerLoss: true,
        MeterValueSampleInterval: 1,
        TransactionMessageRetryInterval: 1,
      }),
    );
    const stderr: string[] = [];
    const seen = new Map<string, string>(); // startedAt -> idTag, as the local API showed it
    const fail = (what: string) =>
      `${what} (seed ${SEED}, replay with CRASH_SEED=${SEED})\n${stderr.join("").slice(-4000)}`;
    try {
      for (let kill = 0; kill < KILLS; kill++) {
        const mark = csms.mark;
        // One kill in five lands in start-up: recovery, boot, the outbox drain.
        const early = r.next() < 0.2;
        const killAfter = early ? r.int(400) : 100 + r.int(1500);
        const started = Date.now();
        const box = early
          ? new Wallbox(dataDir, config, stderr)
          : await startBox(dataDir, config, stderr);
        if (!early) {
          await csms.next("BootNotification", mark).catch(() => {
            throw new Error(fail("no BootNotification"));
          });
        }
        const wait = Math.max(0, killAfter - (early ? Date.now() - started : 0));
        let killed = false;
        const killer = sleep(wait).then(() => {
          killed = true;
          box.kill();
        });
        // Only the kill may cut an API call off; an error before it, or an error
        // answer at any time, fails the test.
        if (!early) {
          const driving = drive(box, r, seen).catch((err) => {
            if (killed && !(err instanceof ApiError)) return;
            throw new Error(fail(`local API failed${killed ? "" : " before the kill"}: ${err}`));
          });
          await Promise.race([driving, killer]);
          // The kill may end the drive with an error the drive's catch decides on.
          await killer;
          await driving;
        }
        await killer;
        await box.exited;
      }
      // Power back for good: finish whatever runs, let the outbox drain, stop cleanly.
      const mark = csms.mark;
      const box = await startBox(dataDir, config, stderr);
      await csms.next("BootNotification", mark);
      const deadline = Date.now() + 30_000;
      for (;;) {
        const s = await box.api("GET", "/api/status");
        const c = s.connectors[0];
        if (c.startedAt) seen.set(c.startedAt, c.idTag);
        if (c.idTag !== null) await box.api("POST", "/api/sim/rfid", { idTag: c.idTag });
        else if (s.durability.queued === 0 && s.durability.openTransactions === 0) break;
        assert.ok(Date.now() < deadline, fail(`no drain: ${JSON.stringify(s.durability)}`));
        await sleep(100);
      }
      assert.equal(
        (await box.api("GET", "/api/status")).durability.givenUp,
        0,
        fail("messages given up"),
      );
      box.kill("SIGTERM");
      assert.equal((await box.exited).code, 0, fail("clean stop"));
      check(csms, startIds, seen, fail);
    } finally {
      await csms.close();
      await Deno.remove(dir, { recursive: true });
    }
  },
});

/** The invariants over everything the Central System received. */
function check(
  csms: Csms,
  startIds: Map<string, number>,
  seen: Map<string, string>,
  fail: (what: string) => string,
): void {
  assert.deepEqual(csms.invalid, [], fail("schema-invalid messages"));
  const first = new Map<string, { seq: number; params: Params; action: string }>();
  let duplicates = 0;
  for (const m of csms.received) {
    if (!["StartTransaction", "StopTransaction", "MeterValues"].includes(m.action)) continue;
    const key = `${m.action} ${JSON.stringify(m.params)}`;
    if (first.has(key)) duplicates++;
    else first.set(key, { seq: m.seq, params: m.params, action: m.action });
  }
  const msgs = [...first.values()].sort((a, b) => a.seq - b.seq);
  const starts = msgs.filter((m) => m.action === "StartTransaction");
  const stops = msgs.filter((m) => m.action === "StopTransaction");
  const idOf = (p: Params) =>
    startIds.get(JSON.stringify([p.connectorId, p.idTag, p.timestamp, p.meterStart]))!;
  // Exactly once: one Start per transaction, one Stop per Start, nothing else.
  assert.equal(new Set(starts.map((s) => idOf(s.params))).size, starts.length, fail("two Starts"));
  assert.deepEqual(
    stops.map((s) => s.params.transactionId).sort((a, b) => a - b),
    starts.map((s) => idOf(s.params)).sort((a, b) => a - b),
    fail("every StartTransaction has exactly one StopTransaction with its id"),
  );
  assert.ok(starts.length >= KILLS / 5, fail(`only ${starts.length} transactions`));
  // Every transaction the local API showed as running reached the Central System.
  const startTimes = new Map(starts.map((s) => [s.params.timestamp, s.params.idTag]));
  for (const [at, idTag] of seen) {
    assert.equal(startTimes.get(at), idTag, fail(`transaction of ${idTag} started ${at} lost`));
  }
  // In order, with consistent ids, times and readings: one connector, one transaction at a time.
  let current: number | null = null;
  let lastTime = 0;
  let lastWh = 0;
  for (const m of msgs) {
    const p = m.params;
    const time = Date.parse(m.action === "MeterValues" ? p.meterValue[0].timestamp : p.timestamp);
    const wh = m.action === "StartTransaction"
      ? p.meterStart
      : m.action === "StopTransaction"
      ? p.meterStop
      : Number(p.meterValue[0].sampledValue[0].value);
    const what = `${m.action} #${m.seq} ${JSON.stringify(p)}`;
    if (m.action === "StartTransaction") {
      assert.equal(current, null, fail(`${what} while ${current} runs`));
      current = idOf(p);
    } else {
      assert.equal(p.transactionId, current, fail(`${what}: not of transaction ${current}`));
      if (m.action === "StopTransaction") current = null;
    }
    assert.ok(time >= lastTime, fail(`${what}: time went back`));
    assert.ok(wh >= lastWh, fail(`${what}: meter went back from ${lastWh}`));
    lastTime = time;
    lastWh = wh;
  }
  assert.equal(current, null, fail("a transaction without StopTransaction"));
  const reasons = new Set(stops.map((s) => s.params.reason));
  assert.ok(reasons.has("PowerLoss"), fail(`no PowerLoss stop among ${[...reasons]}`));
  Deno.stderr.writeSync(
    new TextEncoder().encode(
      `crash test seed ${SEED}: ${KILLS} kills, ${starts.length} transactions, ` +
        `stop reasons ${[...reasons].join("/")}, ${duplicates} identical retransmissions\n`,
    ),
  );
}
