/**
 * Messages to the durable store (`store.*`): the outbox of transaction-related
 * messages and the transaction journal.
 *
 * Private to `messages.ts`, which joins them into `BusMessage`.
 *
 * @module
 */
import type { Payload } from "../ocpp/types.ts";
import type { StopReason } from "./_messages_tx.ts";
import type { SecurityEventType } from "./_messages_security.ts";

/**
 * A transaction-related message (OCPP 1.6 section 3.7) in the durable
 * outbox: written before it is sent, removed after its CALLRESULT.
 */
export interface OutboxEntry {
  /** Position in the outbox; the order of delivery. */
  readonly seq: number;
  readonly action:
    | "StartTransaction"
    | "StopTransaction"
    | "MeterValues"
    /** Security Whitepaper A04.FR.02: queued with guaranteed delivery, like transaction messages. */
    | "SecurityEventNotification"
    | "SignedFirmwareStatusNotification";
  /** As queued: without `transactionId` when `tx` is set (filled in when sent). */
  readonly payload: Payload;
  /** Local transaction number, see `ocpp.call`. */
  readonly tx?: number;
  readonly ref?: string;
  /** When it was queued, ms since the epoch. */
  readonly at: number;
}

/** One state change of a transaction, written to the journal before its effect. */
export type TxJournalEntry =
  | {
    readonly op: "start";
    readonly tx: number;
    readonly connectorId: number;
    readonly idTag: string;
    readonly parentIdTag?: string;
    readonly meterStartWh: number;
    readonly timestamp: number;
  }
  /** The transaction is ending for `reason` (relay opening). */
  | {
    readonly op: "stopping";
    readonly tx: number;
    readonly reason: StopReason;
    readonly stopIdTag?: string;
  }
  /** The transaction ended; StopTransaction follows. */
  | {
    readonly op: "stop";
    readonly tx: number;
    readonly reason: StopReason;
    readonly meterStopWh: number;
    readonly timestamp: number;
    readonly stopIdTag?: string;
  };

/**
 * Writes to the durable store (`runtime/journal.ts`). The shell performs
 * each one synchronously when the bus delivers it, so a write an actor
 * emits before an effect is on disk before that effect happens.
 */
export type StoreMessage =
  | { readonly type: "store.outbox_put"; readonly entry: OutboxEntry }
  /**
   * An outbox entry is settled: delivered (CALLRESULT), or given up after
   * TransactionMessageAttempts (kept, marked, visible in the status).
   * `transactionId` is the id a StartTransaction got (-1 when given up,
   * errata 3.18); a settled StopTransaction ends its transaction's journal.
   */
  | {
    readonly type: "store.outbox_done";
    readonly seq: number;
    readonly action: OutboxEntry["action"];
    readonly outcome: "delivered" | "given_up";
    readonly tx?: number;
    readonly transactionId?: number;
    readonly reason?: string;
  }
  /** MeterValues removed to keep the outbox within its limit (never Start/Stop). */
  | { readonly type: "store.outbox_thin"; readonly seqs: readonly number[] }
  | { readonly type: "store.tx_journal"; readonly entry: TxJournalEntry }
  /**
   * A critical security event raised before the boot is Accepted, waiting
   * for it (Security Whitepaper A04.FR.02: not lost by a power cut). The
   * journal deletes it when its SecurityEventNotification is put in the
   * outbox (ref `sec-pending:<id>`), in the same commit, or on `drop`.
   */
  | {
    readonly type: "store.security_pending";
    readonly op: "put";
    readonly id: number;
    readonly event: SecurityEventType;
    readonly techInfo: string;
    readonly at: number;
  }
  | { readonly type: "store.security_pending"; readonly op: "drop"; readonly id: number }
  /** The last meter reading of a running transaction, for a stop after power loss. */
  | {
    readonly type: "store.tx_meter";
    readonly tx: number;
    readonly wh: number;
    readonly timestamp: number;
  };
