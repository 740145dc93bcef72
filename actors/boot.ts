/**
 * What the actors are given at boot from the durable store
 * (`runtime/journal.ts` reads it): the transaction journal and the outbox
 * of transaction-related messages. Actors never read the store themselves;
 * the shell passes this snapshot to their factories, and they act on it in
 * ordinary transitions (the transaction actor on `system.started`).
 *
 * @module
 */
import type { OutboxEntry, SecurityEventType, StopReason } from "./messages.ts";

/** How the previous run of the runtime ended. */
export interface LastRun {
  /** False after a power loss or crash: no clean-stop marker was written. */
  readonly clean: boolean;
  /** The reason of a clean stop (Reboot, SoftReset, HardReset, PowerLoss on backup power). */
  readonly reason?: StopReason;
  /** The store had never run before (a fresh data directory). */
  readonly first?: boolean;
}

/** A transaction of the journal that the previous run did not finish reporting. */
export interface JournaledTx {
  /** Local transaction number. */
  readonly tx: number;
  readonly connectorId: number;
  readonly idTag: string;
  readonly parentIdTag?: string;
  readonly meterStartWh: number;
  readonly startedAt: number;
  /** Null until StartTransaction.conf; -1 when StartTransaction was given up (errata 3.18). */
  readonly transactionId: number | null;
  /** Last journaled meter reading, Wh, and its time. */
  readonly lastWh: number;
  readonly lastAt: number;
  /** `active`: running when the power went; `stopping`: its end had begun; `stopped`: ended. */
  readonly phase: "active" | "stopping" | "stopped";
  /** Set once the end began (`stopping`, `stopped`). */
  readonly stop?: {
    readonly reason: StopReason;
    readonly stopIdTag?: string;
    /** Set when `stopped`. */
    readonly meterStopWh?: number;
    readonly timestamp?: number;
  };
  /** StartTransaction is in the outbox, was delivered or was given up. */
  readonly startQueued: boolean;
  /** StopTransaction is in the outbox (or was settled). */
  readonly stopQueued: boolean;
}

/** The transaction actor's part of the snapshot. */
export interface TxBoot {
  /** Transactions to finish: stopped with the right reason, their messages queued. */
  readonly journal: readonly JournaledTx[];
  /** The next local transaction number (never reused). */
  readonly nextTx: number;
  readonly lastRun: LastRun;
  /** Charging is disabled (safe mode) for this reason, e.g. a damaged store. */
  readonly blocked?: string;
}

/** The rpc actor's part of the snapshot. */
export interface RpcBoot {
  /** Queued transaction-related messages, in order. */
  readonly outbox: readonly OutboxEntry[];
  /** Local transaction number -> transactionId the Central System gave (-1: given up). */
  readonly txIds: ReadonlyMap<number, number>;
  /** The next outbox sequence number (never reused). */
  readonly nextSeq: number;
}

/**
 * The ref of the SecurityEventNotification of a pending security event
 * (`sec-pending:<id>`): the journal deletes the pending row when it puts
 * that message in the outbox.
 */
export const PENDING_REF = "sec-pending:";

/** A critical security event of an earlier run still waiting for an Accepted boot. */
export interface PendingSecurityEvent {
  readonly id: number;
  readonly event: SecurityEventType;
  readonly techInfo: string;
  readonly at: number;
}

/** Everything the actors get at boot. */
export interface BootSnapshot {
  readonly tx: TxBoot;
  readonly rpc: RpcBoot;
  /** The security actor's events waiting for an Accepted boot, oldest first. */
  readonly securityPending?: readonly PendingSecurityEvent[];
}

/** The snapshot of an empty store after a clean stop. */
export const EMPTY_BOOT: BootSnapshot = {
  tx: { journal: [], nextTx: 1, lastRun: { clean: true } },
  rpc: { outbox: [], txIds: new Map(), nextSeq: 1 },
};
