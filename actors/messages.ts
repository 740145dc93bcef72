/**
 * Every message on the bus, as one union tagged by `type` and namespaced by
 * owner. Facts are past tense or nouns (`hw.ev_state`, `tx.started`),
 * commands are imperative (`hw.set_relay`, `ocpp.call`).
 *
 * @module
 */
import type { CpAction, CsAction, Payload, RpcErrorCode } from "../ocpp/types.ts";

/** IEC 61851-1 control pilot states: A unplugged, B plugged, C charging requested, E/F error. */
export type EvState = "A" | "B" | "C" | "E" | "F";

/** OCPP 1.6 ChargePointStatus (section 7.7). */
export type ConnectorStatus =
  | "Available"
  | "Preparing"
  | "Charging"
  | "SuspendedEVSE"
  | "SuspendedEV"
  | "Finishing"
  | "Reserved"
  | "Unavailable"
  | "Faulted";

/** OCPP 1.6 ChargePointErrorCode (section 7.6). */
export type ChargePointErrorCode =
  | "ConnectorLockFailure"
  | "EVCommunicationError"
  | "GroundFailure"
  | "HighTemperature"
  | "InternalError"
  | "LocalListConflict"
  | "NoError"
  | "OtherError"
  | "OverCurrentFailure"
  | "OverVoltage"
  | "PowerMeterFailure"
  | "PowerSwitchFailure"
  | "ReaderFailure"
  | "ResetFailure"
  | "UnderVoltage"
  | "WeakSignal";

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

/** OCPP 1.6 IdTagInfo (section 7.24). */
export interface IdTagInfo {
  readonly status: "Accepted" | "Blocked" | "Expired" | "Invalid" | "ConcurrentTx";
  readonly expiryDate?: string;
  readonly parentIdTag?: string;
}

/** Why a backend connection is not (yet) up, for people. */
export type BackendState =
  | "disabled"
  | "connecting"
  | "booting"
  | "pending"
  | "rejected"
  | "accepted"
  | "backoff";

/** Facts from the hardware bridge (drivers), and commands to it. */
export type HwMessage =
  /** What a connector is, published once when the hardware starts. */
  | { readonly type: "hw.connector"; readonly connectorId: number; readonly fixedCable: boolean }
  | { readonly type: "hw.ev_state"; readonly connectorId: number; readonly state: EvState }
  | { readonly type: "hw.rfid"; readonly idTag: string }
  | { readonly type: "hw.relay"; readonly connectorId: number; readonly closed: boolean }
  | {
    readonly type: "hw.meter";
    readonly connectorId: number;
    /** Energy.Active.Import.Register in Wh. */
    readonly wh: number;
    /** Power.Active.Import in W. */
    readonly w: number;
  }
  | {
    readonly type: "hw.unlocked";
    readonly connectorId: number;
    readonly result: "Unlocked" | "UnlockFailed" | "NotSupported";
  }
  | {
    readonly type: "hw.fault";
    readonly connectorId: number;
    readonly errorCode: ChargePointErrorCode;
    readonly info?: string;
  }
  | { readonly type: "hw.fault_cleared"; readonly connectorId: number }
  /** The connector lock engaged (`ok`) or could not (ConnectorLockFailure follows as `hw.fault`). */
  | { readonly type: "hw.locked"; readonly connectorId: number; readonly ok: boolean }
  | { readonly type: "hw.set_relay"; readonly connectorId: number; readonly closed: boolean }
  /** Lock the cable in the socket before energy flows (no-op for a fixed cable). */
  | { readonly type: "hw.lock"; readonly connectorId: number }
  | { readonly type: "hw.unlock"; readonly connectorId: number };

/** The WebSocket transport: commands to it and facts from it. */
export type WsMessage =
  /**
   * Open a connection (closing any open one first, which reports `ws.closed`
   * for it before anything of the new one). The transport reads TLS, proxy
   * and password settings from the configuration store itself.
   */
  | { readonly type: "ws.connect"; readonly url: string; readonly conn: number }
  | { readonly type: "ws.disconnect" }
  | { readonly type: "ws.send"; readonly text: string }
  | { readonly type: "ws.opened"; readonly conn: number }
  | { readonly type: "ws.closed"; readonly conn: number; readonly reason: string }
  | { readonly type: "ws.received"; readonly text: string };

/** OCPP RPC, between actors and the rpc actor. */
export type OcppMessage =
  /** Send a CALL; `ref` lets the caller recognise its result. */
  | {
    readonly type: "ocpp.call";
    readonly action: CpAction;
    readonly payload: Payload;
    readonly ref?: string;
    /**
     * The local number of the transaction this message belongs to: the rpc
     * actor fills in the `transactionId` the Central System assigned to it
     * when the message is sent (MeterValues, StopTransaction), or learns it
     * from the answer (StartTransaction).
     */
    readonly tx?: number;
  }
  | {
    readonly type: "ocpp.result";
    readonly action: CpAction;
    readonly payload: Payload;
    readonly ref?: string;
    /** The payload of the CALL this answers. */
    readonly request: Payload;
  }
  | {
    readonly type: "ocpp.failed";
    readonly action: CpAction;
    readonly ref?: string;
    readonly request: Payload;
    /** A CALLERROR code, or Offline/Timeout/Invalid when no answer came. */
    readonly code: RpcErrorCode | "Offline" | "Timeout" | "Invalid";
    readonly description: string;
  }
  /** An inbound CALL from the Central System, already validated. */
  | {
    readonly type: "ocpp.request";
    readonly id: string;
    readonly action: CsAction;
    readonly payload: Payload;
  }
  | {
    readonly type: "ocpp.reply";
    readonly id: string;
    readonly action: CsAction;
    readonly payload: Payload;
  }
  | {
    readonly type: "ocpp.reply_error";
    readonly id: string;
    readonly code: RpcErrorCode;
    readonly description: string;
  };

/** Connection supervisor facts. */
export type BackendMessage =
  | {
    readonly type: "backend.state";
    readonly state: BackendState;
    readonly reason?: string;
    readonly since: number;
  }
  | { readonly type: "backend.accepted"; readonly currentTime: string }
  | { readonly type: "backend.lost" };

/** Authorization requests and decisions. */
export type AuthMessage =
  | {
    readonly type: "auth.request";
    readonly idTag: string;
    readonly connectorId: number;
    readonly purpose: "start" | "stop" | "remote";
  }
  | {
    readonly type: "auth.result";
    readonly idTag: string;
    readonly connectorId: number;
    readonly purpose: "start" | "stop" | "remote";
    readonly info: IdTagInfo;
    /** Where the answer came from. */
    readonly source: "backend" | "list" | "cache" | "offline" | "free";
  }
  /** idTagInfo the backend gave in a transaction answer, for the cache. */
  | { readonly type: "auth.info"; readonly idTag: string; readonly info: IdTagInfo }
  /**
   * Make a change of the authorization data durable (the shell runs it on the
   * store before the next message is delivered). With `ref`, the shell answers
   * `auth.persisted` with the same `ref`.
   */
  | { readonly type: "auth.persist"; readonly change: AuthChange; readonly ref?: string }
  /** The outcome of an `auth.persist` that had a `ref`. */
  | { readonly type: "auth.persisted"; readonly ref: string; readonly ok: boolean }
  /** The app's local whitelist is now `entries` (already on disk when a store is attached). */
  | { readonly type: "auth.whitelist"; readonly entries: readonly WhitelistEntry[] };

/** One entry of the app's local whitelist (seed: "Lokale Whitelist"). */
export interface WhitelistEntry {
  /** OCPP IdToken: 1-20 printable ASCII characters, case-insensitive (section 7.28). */
  readonly idTag: string;
  /** Who the card belongs to, for people. */
  readonly name?: string;
  /** ISO 8601 date-time after which the entry no longer authorizes. */
  readonly expiry?: string;
}

/** An idTag with its idTagInfo: a Local Authorization List or cache entry. */
export interface AuthEntry {
  readonly idTag: string;
  readonly info: IdTagInfo;
}

/** A change of the authorization data the store must make (runtime/auth_store.ts). */
export type AuthChange =
  /** The entry becomes the newest of the cache; `evict` are removed to make room. */
  | {
    readonly kind: "cache.put";
    readonly entry: AuthEntry;
    readonly evict: readonly string[];
  }
  | { readonly kind: "cache.clear" }
  /** The Local Authorization List is replaced (SendLocalList Full). */
  | {
    readonly kind: "list.replace";
    readonly version: number;
    readonly entries: readonly AuthEntry[];
  }
  /** The Local Authorization List is updated (SendLocalList Differential). */
  | {
    readonly kind: "list.update";
    readonly version: number;
    readonly put: readonly AuthEntry[];
    readonly remove: readonly string[];
  };

/** Transaction facts and commands. */
export type TxMessage =
  | { readonly type: "tx.authorized"; readonly connectorId: number; readonly idTag: string }
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
  /** Stop every transaction (Reset, shutdown). */
  | { readonly type: "tx.stop_all"; readonly reason: StopReason }
  | { readonly type: "tx.all_stopped" };

/** Availability, status and system facts. */
export type SystemMessage =
  | {
    readonly type: "status.changed";
    readonly connectorId: number;
    readonly status: ConnectorStatus;
    readonly errorCode: ChargePointErrorCode;
  }
  | {
    readonly type: "availability.changed";
    readonly connectorId: number;
    readonly operative: boolean;
  }
  | {
    readonly type: "trigger";
    readonly message: TriggerableMessage;
    readonly connectorId?: number;
  }
  | {
    readonly type: "config.changed";
    readonly key: string;
    readonly value: string | number | boolean;
  }
  | {
    readonly type: "config.write";
    readonly key: string;
    readonly value: string | number | boolean;
  }
  | { readonly type: "system.restart"; readonly kind: "Soft" | "Hard" }
  | { readonly type: "system.started" }
  | {
    readonly type: "log";
    readonly level: "debug" | "info" | "warn" | "error";
    readonly text: string;
  };

/**
 * A transaction-related message (OCPP 1.6 section 3.7) in the durable
 * outbox: written before it is sent, removed after its CALLRESULT.
 */
export interface OutboxEntry {
  /** Position in the outbox; the order of delivery. */
  readonly seq: number;
  readonly action: "StartTransaction" | "StopTransaction" | "MeterValues";
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
  /** The last meter reading of a running transaction, for a stop after power loss. */
  | {
    readonly type: "store.tx_meter";
    readonly tx: number;
    readonly wh: number;
    readonly timestamp: number;
  };

/** Messages TriggerMessage.req can ask for (OCPP 1.6 section 5.17). */
export type TriggerableMessage =
  | "BootNotification"
  | "DiagnosticsStatusNotification"
  | "FirmwareStatusNotification"
  | "Heartbeat"
  | "MeterValues"
  | "StatusNotification";

/** Every message on the bus. */
export type BusMessage =
  | HwMessage
  | WsMessage
  | OcppMessage
  | BackendMessage
  | AuthMessage
  | TxMessage
  | SystemMessage
  | StoreMessage;

/** A message type name. */
export type BusMessageType = BusMessage["type"];

/** Narrows the union to one message type. */
export type MessageOf<K extends BusMessageType> = Extract<BusMessage, { type: K }>;
