/**
 * Every message on the bus, as one union tagged by `type` and namespaced by
 * owner. Facts are past tense or nouns (`hw.ev_state`, `tx.started`),
 * commands are imperative (`hw.set_relay`, `ocpp.call`).
 *
 * The public entry for the messages and their types; each namespace is
 * declared in its own file: `_messages_hw.ts` (`hw.*`), `_messages_link.ts`
 * (`ws.*`, `ocpp.*`, `backend.*`), `_messages_auth.ts` (`auth.*`),
 * `_messages_tx.ts` (`tx.*`), `_messages_store.ts` (`store.*`), `_messages_sc.ts`
 * (`sc.*`, smart charging) and
 * `_messages_system.ts` (status, availability, trigger, config, system,
 * clock, log), `_messages_reservation.ts` (`reservation.*`),
 * `_messages_update.ts` (`fw.*`, `diag.*`) and `_messages_security.ts`
 * (`sec.*`, `cert.*`, `log.*`, Security Whitepaper).
 *
 * @module
 */
import type { HwMessage } from "./_messages_hw.ts";
import type { BackendMessage, OcppMessage, WsMessage } from "./_messages_link.ts";
import type { AuthMessage } from "./_messages_auth.ts";
import type { TxMessage } from "./_messages_tx.ts";
import type { StoreMessage } from "./_messages_store.ts";
import type { SystemMessage } from "./_messages_system.ts";
import type { UpdateMessage } from "./_messages_update.ts";
import type { ReservationMessage } from "./_messages_reservation.ts";
import type { ScMessage } from "./_messages_sc.ts";
import type { SecurityMessage } from "./_messages_security.ts";

export type { ChargePointErrorCode, EvState, HwMessage } from "./_messages_hw.ts";
export type {
  BackendMessage,
  BackendState,
  CallPayload,
  OcppCall,
  OcppFailed,
  OcppMessage,
  OcppReply,
  OcppRequest,
  OcppResult,
  WsMessage,
} from "./_messages_link.ts";
export { asFailed, asRequest, asResult, call, reply } from "./_messages_link.ts";
export type {
  AuthChange,
  AuthEntry,
  AuthMessage,
  IdTagInfo,
  WhitelistEntry,
} from "./_messages_auth.ts";
export type { MeterValue, StopReason, TxMessage } from "./_messages_tx.ts";
export type { OutboxEntry, StoreMessage, TxJournalEntry } from "./_messages_store.ts";
export type { ConnectorStatus, SystemMessage, TriggerableMessage } from "./_messages_system.ts";
export type {
  DiagnosticsStatus,
  FirmwareHolder,
  FirmwareStatus,
  UpdateMessage,
} from "./_messages_update.ts";
export type { Reservation, ReservationMessage } from "./_messages_reservation.ts";
export type { LimitSource, ProfileChange, ScMessage } from "./_messages_sc.ts";
export type {
  CertificateHashData,
  CertificateUse,
  CertJob,
  CertOutcome,
  LogJob,
  SecurityEventType,
  SecurityMessage,
} from "./_messages_security.ts";

/** Every message on the bus. */
export type BusMessage =
  | HwMessage
  | WsMessage
  | OcppMessage
  | BackendMessage
  | AuthMessage
  | TxMessage
  | SystemMessage
  | StoreMessage
  | UpdateMessage
  | ReservationMessage
  | ScMessage
  | SecurityMessage;

/** A message type name. */
export type BusMessageType = BusMessage["type"];

/** Narrows the union to one message type. */
export type MessageOf<K extends BusMessageType> = Extract<BusMessage, { type: K }>;
