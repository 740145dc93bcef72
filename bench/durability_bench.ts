/**
 * Durability figures for `deno task bench` (`bench/bench.ts` prints the
 * rows of {@link durabilityBench}); runs on its own too:
 * `deno run -A bench/durability_bench.ts`.
 *
 * - queue write latency: one transaction message written to the outbox
 *   (SQLite, WAL, synchronous = FULL: a committed write survives a power
 *   cut), median and p99;
 * - store size on disk after 10,000 queued MeterValues;
 * - drain rate: those 10,000 MeterValues delivered in order, one CALL at a
 *   time, to a loopback Central System (`npm:ocpp-rpc`, strict schema
 *   validation) when the runtime starts and connects.
 *
 * @module
 */
import { systemClock } from "../actors/clock.ts";
import type { OutboxEntry } from "../actors/messages.ts";
import { Journal } from "../runtime/journal.ts";
import { memoryLogger } from "../runtime/log.ts";
import { simHardware } from "../runtime/sim_hardware.ts";
import { Storage } from "../runtime/storage.ts";
import { Csms } from "../tests/csms.ts";
import { openWallboxStore, startRuntime } from "../tests/harness.ts";

const MESSAGES = Number(Deno.env.get("BENCH_QUEUE") ?? 5_000);

function quantile(xs: number[], q: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil(s.length * q) - 1))]!;
}

/** A MeterValues of local transaction 1 as the meter actor queues it (two measurands). */
function meterValues(seq: number, t0: number): OutboxEntry {
  const timestamp = new Date(t0 + seq * 10_000).toISOString();
  const sampled = (value: string, measurand: string, unit: string) => ({
    value,
    context: "Sample.Periodic",
    format: "Raw",
    measurand,
    location: "Outlet",
    unit,
  });
  return {
    seq,
    action: "MeterValues",
    tx: 1,
    at: t0 + seq * 10_000,
    payload: {
      connectorId: 1,
      meterValue: [{
        timestamp,
        sampledValue: [
          sampled(String(1000 + seq * 20), "Energy.Active.Import.Register", "Wh"),
          sampled("7400", "Power.Active.Import", "W"),
        ],
      }],
    },
  };
}

/** Fills a store with `n` queued MeterValues of a confirmed transaction; returns write times, ms. */
function fill(journal: Journal, n: number, t0: number): number[] {
  journal.apply({
    type: "store.tx_journal",
    entry: {
      op: "start",
      tx: 1,
      connectorId: 1,
      idTag: "BENCH",
      meterStartWh: 1000,
      timestamp: t0,
    },
  });
  journal.apply({
    type: "store.outbox_done",
    seq: 0,
    action: "StartTransaction",
    outcome: "delivered",
    tx: 1,
    transactionId: 1,
  });
  const times: number[] = [];
  for (let seq = 1; seq <= n; seq++) {
    const entry = meterValues(seq, t0);
    const start = performance.now();
    journal.apply({ type: "store.outbox_put", entry });
    times.push(performance.now() - start);
  }
  return times;
}

/** Delivers the queued messages of `dataDir`'s store to a loopback Central System; returns ms. */
async function drain(dataDir: string, storage: Storage, n: number): Promise<number> {
  const csms = await Csms.start();
  const store = await openWallboxStore(dataDir, {
    backendUrl: csms.url,
    chargePointId: "BENCH-DRAIN",
  });
  const cp = startRuntime({
    store,
    clock: systemClock,
    hardware: simHardware({ clock: systemClock, connectors: 1 }),
    logger: memoryLogger([]),
    storage,
  });
  const waitUntil = async (test: () => boolean) => {
    while (!test()) await new Promise((r) => setTimeout(r, 5));
  };
  await waitUntil(() => csms.all("BootNotification").length > 0);
  const booted = performance.now();
  await waitUntil(() => csms.all("MeterValues").length >= n);
  const ms = performance.now() - booted;
  const values = csms.all("MeterValues").map((r) =>
    Number(r.params.meterValue[0].sampledValue[0].value)
  );
  if (values.some((v, i) => i > 0 && v <= values[i - 1]!) || csms.invalid.length > 0) {
    throw new Error("Cannot measure the drain: MeterValues out of order or invalid");
  }
  cp.stop();
  await csms.close();
  return ms;
}

/** The durability figures: rows (label, value), the drain rate (messages/s), the write median (ms). */
export async function durabilityBench(): Promise<
  { rows: [string, string][]; drainPerS: number; writeMs: number; messages: number }
> {
  const dir = await Deno.makeTempDir({ prefix: "cp-bench-durable-" });
  try {
    const storage = Storage.open(`${dir}/state.db`);
    const journal = new Journal(storage);
    const times = fill(journal, MESSAGES, Date.now() - MESSAGES * 10_000);
    const bytes = storage.sizeBytes();
    storage.db.exec("PRAGMA wal_checkpoint(TRUNCATE)");
    const checkpointed = storage.sizeBytes();
    const ms = await drain(dir, storage, MESSAGES);
    storage.close();
    const rows: [string, string][] = [
      [
        "outbox write, one message, synchronous=FULL (median)",
        `${quantile(times, 0.5).toFixed(3)} ms`,
      ],
      ["  p99", `${quantile(times, 0.99).toFixed(3)} ms`],
      [
        `store size after ${MESSAGES} queued MeterValues (database + WAL)`,
        `${(bytes / 1024 / 1024).toFixed(2)} MB`,
      ],
      ["  after a WAL checkpoint", `${(checkpointed / 1024 / 1024).toFixed(2)} MB`],
      [
        `drain of ${MESSAGES} queued MeterValues to a loopback backend`,
        `${(ms / 1000).toFixed(2)} s`,
      ],
      ["  rate", `${Math.round(MESSAGES / (ms / 1000))} messages/s`],
    ];
    return {
      rows,
      drainPerS: MESSAGES / (ms / 1000),
      writeMs: quantile(times, 0.5),
      messages: MESSAGES,
    };
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

if (import.meta.main) {
  const { rows } = await durabilityBench();
  const width = Math.max(...rows.map(([k]) => k.length));
  const out = rows.map(([k, v]) => `${k.padEnd(width)}  ${v}`).join("\n");
  await Deno.stdout.write(new TextEncoder().encode(out + "\n"));
}
