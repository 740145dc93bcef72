/**
 * The transaction actor: who charges where, from authorization to
 * StopTransaction, for every connector.
 *
 * Per connector: idle -> authorizing (waiting for the authorization actor)
 * -> authorized (waiting for the cable, ConnectionTimeOut, section 9.1.6)
 * -> locking (cable lock) -> active (StartTransaction queued, energy may
 * flow) -> stopping (relay opening) -> idle (StopTransaction queued).
 *
 * Durability (`_tx_session.ts`, `_tx_recovery.ts`): every transaction has a
 * local number, unique across restarts, and each of its state changes
 * (start, stopping, stop) is journaled (`store.tx_journal`) before its
 * effects; its messages go through the rpc actor's durable outbox with that
 * number, which gets the Central System's transactionId when they are sent.
 * So a transaction started offline never blocks its connector: a new
 * session may start while the old one's StopTransaction waits for its id.
 * At start-up (`system.started`) the journal of the previous run is
 * finished: interrupted transactions are stopped with PowerLoss (or the
 * clean stop's reason) and, with ResumeTransactionAfterPowerLoss and the EV
 * still plugged in, a new one starts for the same idTag. In safe mode
 * (`blocked`: a damaged store) no session starts.
 *
 * Stop reasons follow OCPP 1.6 section 7.39: Local (same card, or one with
 * the same parentIdTag, section 3.5.x / OCTT TC_068, TC_069), Remote,
 * EVDisconnected (StopTransactionOnEVSideDisconnect), UnlockCommand,
 * SoftReset/HardReset/Reboot/PowerLoss (`tx.stop_all`), DeAuthorized
 * (StopTransactionOnInvalidId), Other (hardware fault).
 *
 * A card that is not the transaction's own does nothing unless the
 * transaction has a parentIdTag: then it is authorized and stops the
 * transaction when its parentIdTag is the same (OCTT TC_068, TC_069).
 * An unplugged cable ends a session that has not started (section 4.9,
 * "plug removed"); ConnectionTimeOut (section 9.1.6, errata 3.76) ends one
 * waiting for its cable, 0 meaning no time-out. With several connectors a
 * card presented before any cable is plugged in authorizes the first free
 * connector, and the session moves to whichever connector the cable then
 * goes into.
 *
 * The cable lock is released when a transaction ends, except after an
 * EV-side disconnect with UnlockConnectorOnEVSideDisconnect false (section
 * 9.1.33) and after DeAuthorized (errata 3.5): then it stays locked until
 * the transaction's card (or one of its group) is presented again, or
 * UnlockConnector. UnlockConnector answers NotSupported for an unknown
 * connector (errata 3.85) and for a connector known to have a fixed cable
 * (OCTT TC_018_2), without stopping its transaction. A StartTransaction.conf
 * that is not Accepted stops the transaction with DeAuthorized when
 * StopTransactionOnInvalidId is true, and otherwise only stops energy
 * (`tx.deauthorized`, errata 3.17).
 *
 * Reservations (section 5.13, `_tx_reservation.ts`): on a reserved
 * connector only the reserved idTag, or one of its parentIdTag, may charge,
 * by card or RemoteStartTransaction; the StartTransaction of a transaction
 * that uses a reservation carries its reservationId, and so does
 * `tx.started` (which ends the reservation).
 *
 * Handles: RemoteStartTransaction (5.11), RemoteStopTransaction (5.12),
 * UnlockConnector (5.18). Receives hardware facts, auth results, OCPP
 * results, `availability.changed`, `tx.stop_all`, `system.started`,
 * `reservation.changed` (RemoteStart/StopTransaction are Rejected unless the
 * boot is Accepted, `ctx.backend`, section 4.2); emits `tx.*`, `auth.request`, `sc.remote_profile` (a RemoteStart TxProfile),
 * `auth.info`, `hw.lock`, `hw.unlock`, `store.tx_journal`, `ocpp.call`
 * (StartTransaction, StopTransaction), `ocpp.reply`, `log`.
 *
 * @module
 */
import type { ActorLogic, Ctx, Effect, TimerFired } from "./bus.ts";
import type { EvState, MessageOf, Reservation, StopReason } from "./messages.ts";
import { EMPTY_BOOT, type JournaledTx, type LastRun, type TxBoot } from "./boot.ts";
import {
  authorize,
  begin,
  beginStop,
  drop,
  finishStop,
  LOCK_TIMEOUT_MS,
  plugged,
  RELAY_CONFIRM_MS,
  release,
  session,
  Work,
} from "./_tx_session.ts";
import { onEvState, onRequest, onResult, onTap } from "./_tx_events.ts";
import { recover } from "./_tx_recovery.ts";
import { mayCharge } from "./_tx_reservation.ts";
import { inoperativeConnectors, operativeIn } from "../config/registry.ts";

export { LOCK_TIMEOUT_MS, RELAY_CONFIRM_MS };

/** Who a session is for. */
export interface Session {
  readonly idTag: string;
  readonly parentIdTag?: string;
}

/** A transaction under way. */
export interface Running extends Session {
  /** Local transaction number (journal, outbox, refs `start:<tx>` / `stop:<tx>`). */
  readonly tx: number;
  readonly transactionId: number | null;
  /** StartTransaction not yet answered. */
  readonly startPending: boolean;
  readonly meterStartWh: number;
  readonly startedAt: number;
}

/** A connector's transaction phase. */
export type TxPhase =
  | { readonly phase: "idle" }
  | { readonly phase: "authorizing"; readonly idTag: string }
  /** `floating`: a card's session without a cable yet, for whichever connector gets one. */
  | ({ readonly phase: "authorized"; readonly floating?: true } & Session)
  | ({ readonly phase: "locking" } & Session)
  | ({ readonly phase: "active" } & Running)
  | (
    & { readonly phase: "stopping"; readonly reason: StopReason; readonly stopIdTag?: string }
    & Running
  );

/** What the actor knows of one connector. */
export interface ConnectorTx {
  readonly tx: TxPhase;
  readonly ev: EvState;
  readonly relayClosed: boolean;
  /** The connector itself reported a fault. */
  readonly faulted: boolean;
  /** The whole charge point (connector 0) is faulted: no energy anywhere (section 4.9). */
  readonly cpFaulted: boolean;
  readonly operative: boolean;
  readonly meterWh: number;
  /** UnlockConnector requests waiting for `hw.unlocked`. */
  readonly unlockRequests: readonly string[];
  /** The hardware said it has no lock to release (fixed cable). */
  readonly fixedCable: boolean;
  /** The cable stays locked after a transaction until this card (or its group) comes back. */
  readonly lockedFor: Session | null;
}

/** The transaction actor's state. */
export interface TransactionState {
  /** Index = connectorId - 1. */
  readonly connectors: readonly ConnectorTx[];
  /** StopTransaction calls queued and not yet answered. */
  readonly unsettledStops: number;
  /** A Reset is waiting for every transaction to end. */
  readonly stoppingAll: boolean;
  /** The next local transaction number. */
  readonly nextTx: number;
  /** The previous run's unfinished transactions, until `system.started` finishes them. */
  readonly recovery: readonly JournaledTx[];
  readonly lastRun: LastRun;
  /** Charging disabled (safe mode), and why. */
  readonly blocked: string | null;
  /** The reservations in force (`reservation.changed`): who may charge where (section 5.13). */
  readonly reservations: readonly Reservation[];
}

/** Message types the transaction actor receives. */
const RECEIVES = [
  "hw.rfid",
  "hw.connector",
  "hw.ev_state",
  "hw.meter",
  "hw.relay",
  "hw.locked",
  "hw.unlocked",
  "hw.fault",
  "hw.fault_cleared",
  "auth.result",
  "availability.changed",
  "ocpp.request",
  "ocpp.result",
  "ocpp.failed",
  "tx.stop_all",
  "system.started",
  "reservation.changed",
] as const;

/** Messages the transaction actor receives. */
export type TransactionMsg = MessageOf<(typeof RECEIVES)[number]>;

/**
 * The initial state: NumberOfConnectors idle connectors, unplugged until the
 * hardware says otherwise, with the journal of the durable store.
 */
export function initialTransaction(ctx: Ctx, boot: TxBoot = EMPTY_BOOT.tx): TransactionState {
  const n = ctx.config.int("NumberOfConnectors");
  const inoperative = inoperativeConnectors(ctx.config);
  return {
    connectors: Array.from({ length: n }, (_, i) => ({
      tx: { phase: "idle" },
      ev: "A",
      relayClosed: false,
      faulted: false,
      cpFaulted: false,
      operative: operativeIn(inoperative, i + 1),
      meterWh: 0,
      unlockRequests: [],
      fixedCable: false,
      lockedFor: null,
    })),
    unsettledStops: 0,
    stoppingAll: false,
    nextTx: boot.nextTx,
    recovery: boot.journal,
    lastRun: boot.lastRun,
    blocked: boot.blocked ?? null,
    reservations: [],
  };
}

/** One transition of the transaction actor. */
export function transitionTransaction(
  state: TransactionState,
  msg: TransactionMsg | TimerFired,
  ctx: Ctx,
): [TransactionState, Effect[]] {
  const w = new Work(state, ctx);
  const known = (id: number) => w.get(id) !== undefined;
  switch (msg.type) {
    case "hw.rfid":
      onTap(w, msg.idTag);
      break;
    case "hw.connector":
      if (known(msg.connectorId)) w.set(msg.connectorId, { fixedCable: msg.fixedCable });
      break;
    case "hw.ev_state":
      if (known(msg.connectorId)) onEvState(w, msg);
      break;
    case "hw.meter":
      if (known(msg.connectorId) && Number.isFinite(msg.wh)) {
        w.set(msg.connectorId, { meterWh: msg.wh });
      }
      break;
    case "hw.relay":
      if (!known(msg.connectorId)) break;
      w.set(msg.connectorId, { relayClosed: msg.closed });
      if (!msg.closed) finishStop(w, msg.connectorId);
      break;
    case "hw.locked":
      if (!known(msg.connectorId) || w.get(msg.connectorId)!.tx.phase !== "locking") break;
      if (msg.ok) begin(w, msg.connectorId);
      else drop(w, msg.connectorId);
      break;
    case "hw.unlocked": {
      const c = w.get(msg.connectorId);
      if (!c) break;
      for (const id of c.unlockRequests) {
        w.emit({
          type: "ocpp.reply",
          id,
          action: "UnlockConnector",
          payload: { status: msg.result },
        });
      }
      w.set(msg.connectorId, {
        unlockRequests: [],
        ...(msg.result === "NotSupported" ? { fixedCable: true, lockedFor: null } : {}),
        ...(msg.result === "Unlocked" ? { lockedFor: null } : {}),
      });
      break;
    }
    case "hw.fault":
      // Connector 0 is the whole charge point (section 4.9): every connector stops.
      for (const id of msg.connectorId === 0 ? w.conns.map((_, i) => i + 1) : [msg.connectorId]) {
        if (!known(id)) continue;
        w.set(id, msg.connectorId === 0 ? { cpFaulted: true } : { faulted: true });
        drop(w, id);
        beginStop(w, id, "Other");
      }
      break;
    case "hw.fault_cleared":
      if (msg.connectorId === 0) w.conns.forEach((_, i) => w.set(i + 1, { cpFaulted: false }));
      else if (known(msg.connectorId)) w.set(msg.connectorId, { faulted: false });
      break;
    case "availability.changed":
      for (let id = 1; id <= w.conns.length; id++) {
        if (msg.connectorId !== 0 && msg.connectorId !== id) continue;
        w.set(id, { operative: msg.operative });
        // An Inoperative connector takes no session (section 5.2).
        if (!msg.operative) drop(w, id);
      }
      break;
    case "auth.result": {
      const c = w.get(msg.connectorId);
      if (!c) break;
      if (msg.purpose === "stop") {
        // A card of the transaction's group (same parentIdTag) stops it (OCTT TC_069).
        // ConcurrentTx: the group's card is in use, by this very transaction (section 7.24).
        const member = msg.info.status === "Accepted" || msg.info.status === "ConcurrentTx";
        const parent = member ? msg.info.parentIdTag : undefined;
        if (parent === undefined) break;
        if (c.tx.phase === "active" && c.tx.parentIdTag === parent) {
          beginStop(w, msg.connectorId, "Local", msg.idTag);
        } else if (c.lockedFor?.parentIdTag === parent) release(w, msg.connectorId);
        break;
      }
      if (c.tx.phase !== "authorizing" || c.tx.idTag !== msg.idTag) break;
      const accepted = msg.info.status === "Accepted";
      if (accepted && !mayCharge(w, msg.connectorId, session(msg.idTag, msg.info.parentIdTag))) {
        // Section 5.13: a reserved connector takes only the reserved idTag or its group.
        w.set(msg.connectorId, { tx: { phase: "idle" } });
        w.log("info", `Card ${msg.idTag} refused: connector ${msg.connectorId} is reserved`);
        w.emit({
          type: "tx.refused",
          connectorId: msg.connectorId,
          idTag: msg.idTag,
          reason: "reserved",
        });
      } else if (accepted) {
        // A card's session without a cable goes to the connector that gets one first.
        const floating = msg.purpose === "start" && !plugged(c.ev) && w.conns.length > 1;
        authorize(w, msg.connectorId, msg.idTag, msg.info, floating);
      } else {
        w.set(msg.connectorId, { tx: { phase: "idle" } });
        w.emit({
          type: "log",
          level: "info",
          text: `Card ${msg.idTag} not authorized: ${msg.info.status}`,
        });
      }
      break;
    }
    case "ocpp.request":
      onRequest(w, msg);
      break;
    case "ocpp.result":
    case "ocpp.failed":
      onResult(w, msg);
      break;
    case "reservation.changed":
      return w.done({ reservations: msg.reservations });
    case "system.started":
      if (state.recovery.length === 0) break;
      recover(w, state.recovery, state.lastRun);
      return w.done({ recovery: [] });
    case "tx.stop_all":
      w.stoppingAll = true;
      for (let id = 1; id <= w.conns.length; id++) {
        drop(w, id);
        beginStop(w, id, msg.reason);
      }
      break;
    case "timer.fired": {
      const [kind, idText] = msg.id.split(":");
      const id = Number(idText);
      if (!known(id)) break;
      if (kind === "timeout" && w.get(id)!.tx.phase === "authorized") drop(w, id);
      if (kind === "lock") drop(w, id);
      if (kind === "stop") finishStop(w, id);
      break;
    }
  }
  return w.done();
}

/** The transaction actor. */
export const transactionActor: ActorLogic<TransactionState, TransactionMsg> = {
  name: "transaction",
  receives: RECEIVES,
  handles: ["RemoteStartTransaction", "RemoteStopTransaction", "UnlockConnector"],
  initial: (ctx) => initialTransaction(ctx),
  transition: transitionTransaction,
};

/** The transaction actor with the journal of the durable store. */
export function transactionActorWith(boot: TxBoot): ActorLogic<TransactionState, TransactionMsg> {
  return { ...transactionActor, initial: (ctx) => initialTransaction(ctx, boot) };
}
