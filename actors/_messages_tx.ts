/**
 * Messages of transactions (`tx.*`): facts of a session from authorization to
 * stop, and the commands to stop.
 *
 * Private to `messages.ts`, which joins them into `BusMessage`.
 *
 * @module
 */

import type { CpRequest } from "../ocpp/types.ts";

/** One MeterValue element (section 7.30), as in MeterValues.req and StopTransaction.req. */
export type MeterValue = CpRequest<"MeterValues">["meterValue"][number];

/** OCPP 1.6 StopTransaction reasons (section 7.39). */
export type StopReason =
  | "EmergencyStop"
  | "EVDisconnected"
  | "HardReset"
  | "Local"
  | "Other"
  | "PowerLoss"
  | "Reboot"
  | "Remote"
  | "SoftReset"
  | "UnlockCommand"
  | "DeAuthorized";

/** Transaction facts and commands. */
export type TxMessage =
  | { readonly type: "tx.authorized"; readonly connectorId: number; readonly idTag: string }
  /** A session that had not started ended (timeout, cancel, fault, inoperative): nothing ran. */
  | { readonly type: "tx.dropped"; readonly connectorId: number }
  /**
   * The Central System refused the idTag of a running transaction, which goes
   * on without energy (StopTransactionOnInvalidId false, errata 3.17).
   */
  | { readonly type: "tx.deauthorized"; readonly connectorId: number }
  /** A transaction began locally (lock engaged, StartTransaction queued): energy may flow. */
  | {
    readonly type: "tx.started";
    readonly connectorId: number;
    readonly idTag: string;
    readonly meterStartWh: number;
    readonly timestamp: number;
    /** The transaction's local number (journal and outbox), unique across restarts. */
    readonly tx?: number;
    /** The reservation this transaction uses (and so ends), section 5.13. */
    readonly reservationId?: number;
  }
  /** The Central System answered StartTransaction: the transaction has its id. */
  | { readonly type: "tx.confirmed"; readonly connectorId: number; readonly transactionId: number }
  /** The transaction is ending: the relay must open, then `tx.stopped` follows. */
  | { readonly type: "tx.stopping"; readonly connectorId: number; readonly reason: StopReason }
  | {
    readonly type: "tx.stopped";
    readonly connectorId: number;
    readonly transactionId: number | null;
    readonly reason: StopReason;
  }
  /** An accepted card may not charge here after all (section 5.13: the connector is reserved). */
  | {
    readonly type: "tx.refused";
    readonly connectorId: number;
    readonly idTag: string;
    readonly reason: "reserved";
  }
  /**
   * An interval value of a running transaction for its StopTransaction.req
   * transactionData (StopTxnSampledData / StopTxnAlignedData, `_tx_data.ts`).
   */
  | {
    readonly type: "tx.data";
    readonly connectorId: number;
    readonly tx: number;
    readonly meterValue: MeterValue;
  }
  /** Stop every transaction (Reset, shutdown). */
  | { readonly type: "tx.stop_all"; readonly reason: StopReason }
  | { readonly type: "tx.all_stopped" };
