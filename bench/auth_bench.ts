/**
 * Authorization figures for `deno task bench` (merged into `bench.ts`):
 *
 * - the decision for an idTag with a 10,000-entry Local Authorization List:
 *   {@link decide} alone, and `auth.request` -> `auth.result` through the
 *   actor's transition (medians of batches);
 * - applying a 10,000-entry SendLocalList (Full): the actor's transition
 *   alone, with the write to the durable store (SQLite on disk, WAL,
 *   synchronous = FULL), and end to end from the Central System's CALL to
 *   its CALLRESULT over loopback (schema validation on both sides included).
 *
 * `deno run -A bench/auth_bench.ts` prints the rows alone.
 *
 * @module
 */
import { Bus } from "../actors/bus.ts";
import { systemClock } from "../actors/clock.ts";
import { decide, type DecisionInput, decisionKeys, idKey } from "../actors/auth_decision.ts";
import {
  authorizationActorWith,
  initialAuthorization,
  NO_AUTH_DATA,
  transitionAuthorization,
} from "../actors/authorization.ts";
import type { AuthEntry } from "../actors/messages.ts";
import type { CsRequest } from "../ocpp/types.ts";
import { viewOf } from "../config/registry.ts";
import { attachAuthStore, AuthStore } from "../runtime/auth_store.ts";
import { memoryLogger } from "../runtime/log.ts";
import { simHardware } from "../runtime/sim_hardware.ts";
import { Storage } from "../runtime/storage.ts";
import { Csms } from "../tests/csms.ts";
import { openWallboxStore, startRuntime } from "../tests/harness.ts";

const SIZE = 10_000;
const RUNS = Number(Deno.env.get("BENCH_RUNS") ?? 5);
const BATCH = 1_000;

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

const tag = (i: number) => `CARD-${String(i).padStart(6, "0")}`;

function listPayload(version: number): CsRequest<"SendLocalList"> {
  return {
    listVersion: version,
    updateType: "Full",
    localAuthorizationList: Array.from({ length: SIZE }, (_, i) => ({
      idTag: tag(i),
      idTagInfo: { status: i % 10 === 0 ? "Blocked" : "Accepted", parentIdTag: "FLEET" } as const,
    })),
  };
}

/** Microseconds per call: median over batches of BATCH calls. */
function perCall(fn: (i: number) => void): number {
  const batches: number[] = [];
  for (let b = 0; b < 50; b++) {
    const t0 = performance.now();
    for (let i = 0; i < BATCH; i++) fn(b * BATCH + i);
    batches.push(((performance.now() - t0) * 1000) / BATCH);
  }
  return median(batches);
}

function decisionBench(): { pure: number; actor: number } {
  const entries = new Map<string, AuthEntry>();
  for (let i = 0; i < SIZE; i++) {
    entries.set(idKey(tag(i)), { idTag: tag(i), info: { status: "Accepted" } });
  }
  const config = viewOf(new Map<string, string | number | boolean>([["LocalPreAuthorize", true]]));
  const input: DecisionInput = {
    mode: "ocpp",
    source: "ocpp",
    list: { version: 1, entries },
    whitelist: new Map(),
    cache: new Map(),
    online: true,
    idTag: "",
    now: Date.now(),
    keys: decisionKeys(config),
  };
  // Half hits, half misses (a miss reads the cache too, then asks).
  const pure = perCall((i) => decide({ ...input, idTag: i % 2 ? tag(i % SIZE) : `X${i}` }));
  const ctx = { now: Date.now(), config, backend: "accepted" as const };
  let state = initialAuthorization(ctx, { ...NO_AUTH_DATA, list: { version: 1, entries } });
  const actor = perCall((i) => {
    const idTag = i % 2 ? tag(i % SIZE) : `X${i}`;
    [state] = transitionAuthorization(state, {
      type: "auth.request",
      idTag,
      connectorId: 1,
      purpose: "start",
    }, ctx);
  });
  return { pure, actor };
}

/** Milliseconds to apply the list: transition only, and with the store on disk. */
async function applyBench(): Promise<{ transition: number; stored: number }> {
  const config = viewOf(new Map());
  const ctx = { now: Date.now(), config };
  const transition: number[] = [];
  for (let r = 0; r < RUNS; r++) {
    const payload = listPayload(r + 1);
    const state = initialAuthorization(ctx);
    const t0 = performance.now();
    const [, effects] = transitionAuthorization(state, {
      type: "ocpp.request",
      id: "b",
      action: "SendLocalList",
      payload,
    }, ctx);
    transition.push(performance.now() - t0);
    if (!effects.some((e) => e.type === "ocpp.reply")) throw new Error("no SendLocalList reply");
  }
  const dir = await Deno.makeTempDir({ prefix: "auth-bench-" });
  const storage = Storage.open(`${dir}/state.db`);
  const store = new AuthStore(storage);
  const bus = new Bus({ clock: systemClock, config: () => config });
  bus.spawn(authorizationActorWith(store.load()));
  attachAuthStore(bus, store);
  let answered = "";
  bus.subscribe("ocpp.reply", (m) => {
    if (m.action === "SendLocalList") answered = m.payload.status;
  });
  const stored: number[] = [];
  for (let r = 0; r < RUNS; r++) {
    const payload = listPayload(r + 1);
    const t0 = performance.now();
    bus.publish({ type: "ocpp.request", id: `s${r}`, action: "SendLocalList", payload });
    stored.push(performance.now() - t0);
    if (answered !== "Accepted") throw new Error(`SendLocalList answered ${answered}`);
  }
  bus.stop();
  storage.close();
  await Deno.remove(dir, { recursive: true });
  return { transition: median(transition), stored: median(stored) };
}

/** Milliseconds from the Central System's CALL to its CALLRESULT, loopback, store on disk. */
async function endToEnd(): Promise<number> {
  const csms = await Csms.start();
  const dir = await Deno.makeTempDir({ prefix: "auth-bench-" });
  const store = await openWallboxStore(dir, { backendUrl: csms.url, chargePointId: "BENCH" });
  const cp = startRuntime({
    store,
    clock: systemClock,
    hardware: simHardware({ clock: systemClock, connectors: 1 }),
    logger: memoryLogger([]),
    storage: Storage.open(`${dir}/state.db`),
  });
  await csms.next("StatusNotification", 0, (p) => p.connectorId === 1);
  const times: number[] = [];
  for (let r = 0; r < RUNS; r++) {
    const payload = listPayload(r + 1);
    const t0 = performance.now();
    const answer = await csms.call("SendLocalList", payload);
    times.push(performance.now() - t0);
    if (answer.status !== "Accepted") throw new Error(`SendLocalList answered ${answer.status}`);
  }
  cp.stop();
  await cp.flushed();
  await csms.close();
  await Deno.remove(dir, { recursive: true });
  return median(times);
}

/** The authorization rows of `deno task bench`: [label, value]. */
export async function authBench(): Promise<[string, string][]> {
  const d = decisionBench();
  const a = await applyBench();
  const e = await endToEnd();
  const us = (n: number) => `${n.toFixed(2)} µs`;
  const ms = (n: number) => `${n.toFixed(1)} ms`;
  return [
    [`authorization decision, ${SIZE}-entry list: decide() (median)`, us(d.pure)],
    [`authorization decision, ${SIZE}-entry list: auth.request transition (median)`, us(d.actor)],
    [`SendLocalList Full ${SIZE} entries: actor transition (median of ${RUNS})`, ms(a.transition)],
    [`SendLocalList Full ${SIZE} entries: + SQLite on disk (median of ${RUNS})`, ms(a.stored)],
    [`SendLocalList Full ${SIZE} entries: CALL to CALLRESULT, loopback (median of ${RUNS})`, ms(e)],
  ];
}

if (import.meta.main) {
  const rows = await authBench();
  const width = Math.max(...rows.map(([k]) => k.length));
  const out = rows.map(([k, v]) => `${k.padEnd(width)}  ${v}`).join("\n");
  await Deno.stdout.write(new TextEncoder().encode(out + "\n"));
}
