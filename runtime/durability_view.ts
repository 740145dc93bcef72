/**
 * The durable store as people see it (`/api/status` `durability`): how
 * many transaction messages wait, were given up or thinned, how full the
 * outbox is, whether charging is disabled (safe mode), how the previous
 * run ended.
 *
 * @module
 */
import type { LastRun } from "../actors/boot.ts";
import type { GivenUp, Journal, JournalStats } from "./journal.ts";

/** Outbox filling from which the storage is reported `near_full`. */
export const NEAR_FULL = 0.8;

/** The durable store, as the status shows it. */
export interface DurabilityView {
  /**
   * `ok`; `near_full` / `full`: the outbox holds 80 % / all of its limit
   * (MeterValues are being thinned); `error`: the last write or read failed;
   * `safe_mode`: charging disabled (see `chargingDisabled`).
   */
  readonly state: "ok" | "near_full" | "full" | "error" | "safe_mode";
  /** What is wrong, for people; null when all is well. */
  readonly detail: string | null;
  /** Why charging is disabled (safe mode), or null. */
  readonly chargingDisabled: string | null;
  /** Transaction messages waiting to be delivered. */
  readonly queued: number;
  readonly limit: number;
  /** Messages given up after TransactionMessageAttempts: kept, see `recentGivenUp`. */
  readonly givenUp: number;
  /** MeterValues removed to stay within the limit, ever. */
  readonly thinned: number;
  /** Transactions whose StopTransaction is not yet delivered. */
  readonly openTransactions: number;
  /** Bytes on disk: database and write-ahead log. */
  readonly storeBytes: number;
  /** How the run before this start ended. */
  readonly previousRun: "first" | "clean" | "power_loss";
  /** The latest given-up messages, newest first. */
  readonly recentGivenUp: readonly GivenUp[];
}

/** The status of a journal: counts, state, and what is wrong. */
export function durabilityView(
  journal: Journal,
  opts: {
    readonly limit: number;
    readonly writeError: string | null;
    readonly previousRun: LastRun;
  },
): DurabilityView {
  let stats: JournalStats = { queued: 0, givenUp: 0, thinned: 0, openTransactions: 0 };
  let recentGivenUp: GivenUp[] = [];
  let error = opts.writeError;
  let blocked: string | null = null;
  try {
    stats = journal.stats();
    recentGivenUp = journal.givenUp(5);
    blocked = journal.safeMode;
  } catch (err) {
    error = `Cannot read the store: ${err instanceof Error ? err.message : err}`;
  }
  const { limit } = opts;
  const state: DurabilityView["state"] = blocked !== null
    ? "safe_mode"
    : error !== null
    ? "error"
    : stats.queued >= limit
    ? "full"
    : stats.queued >= limit * NEAR_FULL
    ? "near_full"
    : "ok";
  const detail = blocked ?? error ??
    (state === "ok"
      ? null
      : `the outbox holds ${stats.queued} of ${limit} messages; at the limit meter values are thinned`);
  return {
    state,
    detail,
    chargingDisabled: blocked,
    ...stats,
    limit,
    storeBytes: journal.storage.sizeBytes(),
    previousRun: opts.previousRun.first ? "first" : opts.previousRun.clean ? "clean" : "power_loss",
    recentGivenUp,
  };
}
