/**
 * The transaction actor: who charges where, from authorization to
 * StopTransaction, for every connector.
 *
 * Per connector: idle -> authorizing (waiting for the authorization actor)
 * -> authorized (waiting for the cable, ConnectionTimeOut, section 9.1.6)
 * -> locking (cable lock) -> active (StartTransaction sent, energy may flow)
 * -> stopping (relay opening) -> idle (StopTransaction sent). A stop before
 * the Central System gave the transactionId waits in `awaiting_id`.
 *
 * Stop reasons follow OCPP 1.6 section 7.39: Local (same card, or one with
 * the same parentIdTag, section 3.5.x / OCTT TC_068, TC_069), Remote,
 * EVDisconnected (StopTransactionOnEVSideDisconnect), UnlockCommand,
 * SoftReset/HardReset, DeAuthorized (StopTransactionOnInvalidId), Other
 * (hardware fault).
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
 * (the hardware answered NotSupported before), without stopping its
 * transaction (OCTT TC_018_2; the hardware does not yet say so at start, so
 * before a first unlock a fixed cable's transaction is still stopped, then
 * NotSupported). A StartTransaction.conf that is not Accepted
 * stops the transaction with DeAuthorized when StopTransactionOnInvalidId is
 * true, and otherwise only stops energy (`tx.deauthorized`, errata 3.17).
 *
 * Handles: RemoteStartTransaction (5.11), RemoteStopTransaction (5.12),
 * UnlockConnector (5.18). Receives hardware facts, auth results and OCPP
 * results; emits `tx.*`, `auth.request`, `auth.info`, `hw.lock`,
 * `hw.unlock`, `ocpp.call` (StartTransaction, StopTransaction), `ocpp.reply`.
 *
 * @module
 */
import type { ActorLogic, Ctx, Effect, TimerFired } from "./bus.ts";
import type { EvState, IdTagInfo, MessageOf, StopReason } from "./messages.ts";
import type { Payload } from "../ocpp/types.ts";

/** How long the relay may take to confirm it opened before StopTransaction is sent anyway. */
export const RELAY_CONFIRM_MS = 5_000;
/** How long the cable lock may take. */
export const LOCK_TIMEOUT_MS = 5_000;

/** Who a session is for. */
export interface Session {
  readonly idTag: string;
  readonly parentIdTag?: string;
}

/** A transaction under way. */
export interface Running extends Session {
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
  )
  | { readonly phase: "awaiting_id"; readonly stop: Payload };

/** What the actor knows of one connector. */
export interface ConnectorTx {
  readonly tx: TxPhase;
  readonly ev: EvState;
  readonly relayClosed: boolean;
  readonly faulted: boolean;
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
  /** StopTransaction calls sent and not yet answered. */
  readonly unsettledStops: number;
  /** A Reset is waiting for every transaction to end. */
  readonly stoppingAll: boolean;
}

/** Messages the transaction actor receives. */
export type TransactionMsg =
  | MessageOf<"hw.rfid">
  | MessageOf<"hw.connector">
  | MessageOf<"hw.ev_state">
  | MessageOf<"hw.meter">
  | MessageOf<"hw.relay">
  | MessageOf<"hw.locked">
  | MessageOf<"hw.unlocked">
  | MessageOf<"hw.fault">
  | MessageOf<"hw.fault_cleared">
  | MessageOf<"auth.result">
  | MessageOf<"availability.changed">
  | MessageOf<"ocpp.request">
  | MessageOf<"ocpp.result">
  | MessageOf<"ocpp.failed">
  | MessageOf<"tx.stop_all">;

const plugged = (ev: EvState) => ev === "B" || ev === "C";

/** The initial state: NumberOfConnectors idle connectors, unplugged until the hardware says otherwise. */
export function initialTransaction(ctx: Ctx): TransactionState {
  const n = ctx.config.int("NumberOfConnectors");
  const inoperative = ctx.config.str("InoperativeConnectors").split(",").filter(Boolean).map(
    Number,
  );
  return {
    connectors: Array.from({ length: n }, (_, i) => ({
      tx: { phase: "idle" },
      ev: "A",
      relayClosed: false,
      faulted: false,
      operative: !inoperative.includes(0) && !inoperative.includes(i + 1),
      meterWh: 0,
      unlockRequests: [],
      fixedCable: false,
      lockedFor: null,
    })),
    unsettledStops: 0,
    stoppingAll: false,
  };
}

/** Mutable working copy used inside one transition. */
class Work {
  conns: ConnectorTx[];
  unsettled: number;
  stoppingAll: boolean;
  effects: Effect[] = [];
  constructor(state: TransactionState, readonly ctx: Ctx) {
    this.conns = [...state.connectors];
    this.unsettled = state.unsettledStops;
    this.stoppingAll = state.stoppingAll;
  }
  get(id: number): ConnectorTx | undefined {
    return this.conns[id - 1];
  }
  set(id: number, patch: Partial<ConnectorTx>): void {
    this.conns[id - 1] = { ...this.conns[id - 1]!, ...patch };
  }
  emit(...e: Effect[]): void {
    this.effects.push(...e);
  }
  done(): [TransactionState, Effect[]] {
    if (
      this.stoppingAll && this.unsettled === 0 && this.conns.every((c) => c.tx.phase === "idle")
    ) {
      this.stoppingAll = false;
      this.effects.push({ type: "tx.all_stopped" });
    }
    return [{
      connectors: this.conns,
      unsettledStops: this.unsettled,
      stoppingAll: this.stoppingAll,
    }, this.effects];
  }
}

function iso(ms: number): string {
  return new Date(ms).toISOString();
}

function session(idTag: string, parentIdTag: string | undefined): Session {
  return parentIdTag === undefined ? { idTag } : { idTag, parentIdTag };
}

/** Whether a connector may take a new session. */
function isFree(c: ConnectorTx): boolean {
  return c.tx.phase === "idle" && !c.faulted && c.operative;
}

function authorize(w: Work, id: number, idTag: string, info: IdTagInfo, floating = false): void {
  w.set(id, {
    tx: {
      phase: "authorized",
      ...session(idTag, info.parentIdTag),
      ...(floating ? { floating: true as const } : {}),
    },
  });
  w.emit({ type: "tx.authorized", connectorId: id, idTag });
  startIfReady(w, id);
  const timeoutS = w.ctx.config.int("ConnectionTimeOut");
  if (w.get(id)!.tx.phase === "authorized" && timeoutS > 0) {
    w.emit({ type: "timer.start", id: `timeout:${id}`, ms: timeoutS * 1000 });
  }
}

function startIfReady(w: Work, id: number): void {
  const c = w.get(id)!;
  if (c.tx.phase !== "authorized" || !plugged(c.ev) || c.faulted || !c.operative) return;
  w.set(id, { tx: { phase: "locking", ...session(c.tx.idTag, c.tx.parentIdTag) } });
  w.emit(
    { type: "timer.cancel", id: `timeout:${id}` },
    { type: "hw.lock", connectorId: id },
    { type: "timer.start", id: `lock:${id}`, ms: LOCK_TIMEOUT_MS },
  );
}

function begin(w: Work, id: number): void {
  const c = w.get(id)!;
  if (c.tx.phase !== "locking") return;
  const { idTag, parentIdTag } = c.tx;
  const meterStartWh = Math.floor(c.meterWh);
  w.set(id, {
    tx: {
      phase: "active",
      ...session(idTag, parentIdTag),
      transactionId: null,
      startPending: true,
      meterStartWh,
      startedAt: w.ctx.now,
    },
    lockedFor: null,
  });
  w.emit(
    { type: "timer.cancel", id: `lock:${id}` },
    { type: "tx.started", connectorId: id, idTag, meterStartWh, timestamp: w.ctx.now },
    {
      type: "ocpp.call",
      action: "StartTransaction",
      ref: `start:${id}`,
      payload: { connectorId: id, idTag, meterStart: meterStartWh, timestamp: iso(w.ctx.now) },
    },
  );
}

/** Ends a session that has not started, if any. */
function drop(w: Work, id: number): void {
  const phase = w.get(id)!.tx.phase;
  if (phase === "authorizing" || phase === "authorized" || phase === "locking") {
    w.set(id, { tx: { phase: "idle" } });
    w.emit(
      { type: "timer.cancel", id: `timeout:${id}` },
      { type: "timer.cancel", id: `lock:${id}` },
      { type: "tx.deauthorized", connectorId: id },
    );
  }
}

/** Releases a cable kept locked for its owner. */
function release(w: Work, id: number): void {
  w.set(id, { lockedFor: null });
  w.emit({ type: "hw.unlock", connectorId: id });
}

function beginStop(w: Work, id: number, reason: StopReason, stopIdTag?: string): void {
  const c = w.get(id)!;
  if (c.tx.phase !== "active") return;
  w.set(id, { tx: { ...c.tx, phase: "stopping", reason, ...(stopIdTag ? { stopIdTag } : {}) } });
  w.emit({ type: "tx.stopping", connectorId: id, reason });
  if (c.relayClosed) w.emit({ type: "timer.start", id: `stop:${id}`, ms: RELAY_CONFIRM_MS });
  else finishStop(w, id);
}

function finishStop(w: Work, id: number): void {
  const c = w.get(id)!;
  if (c.tx.phase !== "stopping") return;
  const tx = c.tx;
  const stop: Payload = {
    idTag: tx.stopIdTag ?? tx.idTag,
    meterStop: Math.max(tx.meterStartWh, Math.floor(c.meterWh)),
    timestamp: iso(w.ctx.now),
    reason: tx.reason,
  };
  w.emit(
    { type: "timer.cancel", id: `stop:${id}` },
    { type: "tx.stopped", connectorId: id, transactionId: tx.transactionId, reason: tx.reason },
  );
  if (tx.transactionId === null && tx.startPending) {
    w.set(id, { tx: { phase: "awaiting_id", stop } });
  } else {
    w.set(id, { tx: { phase: "idle" } });
    sendStop(w, id, stop, tx.transactionId);
  }
  // The cable is released when the transaction ends, except after an EV-side disconnect
  // without UnlockConnectorOnEVSideDisconnect (section 9.1.33) and after DeAuthorized
  // (errata 3.5): then it waits for its owner, unless UnlockConnector asked.
  const keep = tx.reason === "DeAuthorized" ||
    (tx.reason === "EVDisconnected" && !w.ctx.config.bool("UnlockConnectorOnEVSideDisconnect"));
  if (keep && c.unlockRequests.length === 0 && !c.fixedCable) {
    w.set(id, { lockedFor: session(tx.idTag, tx.parentIdTag) });
  } else {
    w.emit({ type: "hw.unlock", connectorId: id });
  }
}

function sendStop(w: Work, id: number, stop: Payload, transactionId: number | null): void {
  if (transactionId === null) {
    w.emit({
      type: "log",
      level: "error",
      text:
        `Cannot send StopTransaction for connector ${id}: the Central System never assigned a transactionId`,
    });
    return;
  }
  w.unsettled++;
  w.emit({
    type: "ocpp.call",
    action: "StopTransaction",
    ref: `stop:${id}`,
    payload: { transactionId, ...stop },
  });
}

function onTap(w: Work, idTag: string): void {
  const conns = w.conns.map((c, i) => ({ c, id: i + 1 }));
  // Same card: stop its transaction, cancel its pending session, or release its cable.
  const own = conns.find(({ c }) =>
    (c.tx.phase === "active" || c.tx.phase === "authorized") && c.tx.idTag === idTag
  );
  if (own) {
    if (own.c.tx.phase === "active") beginStop(w, own.id, "Local", idTag);
    else drop(w, own.id);
    return;
  }
  const held = conns.find(({ c }) => c.lockedFor?.idTag === idTag);
  if (held) return release(w, held.id);
  // Another card of the same group (parentIdTag) may do the same: ask who it is (OCTT TC_069).
  const group = conns.find(({ c }) =>
    (c.tx.phase === "active" && c.tx.parentIdTag !== undefined) ||
    c.lockedFor?.parentIdTag !== undefined
  );
  if (group) {
    w.emit({ type: "auth.request", idTag, connectorId: group.id, purpose: "stop" });
    return;
  }
  // Otherwise a card only starts a session on a free connector; a different card during a
  // transaction does nothing (OCTT TC_068).
  if (w.ctx.config.str("AuthorizationMode") === "free") return;
  const free = conns.filter(({ c }) => isFree(c) && c.lockedFor === null);
  const target = free.find(({ c }) => plugged(c.ev)) ?? free[0];
  if (!target) {
    w.emit({ type: "log", level: "info", text: `Ignored card ${idTag}: no connector is free` });
    return;
  }
  w.set(target.id, { tx: { phase: "authorizing", idTag } });
  w.emit({ type: "auth.request", idTag, connectorId: target.id, purpose: "start" });
}

function onRequest(w: Work, msg: MessageOf<"ocpp.request">): void {
  const reply = (payload: Payload) =>
    w.emit({ type: "ocpp.reply", id: msg.id, action: msg.action, payload });
  const p = msg.payload;
  switch (msg.action) {
    case "RemoteStartTransaction": {
      const idTag = String(p.idTag);
      const want = p.connectorId as number | undefined;
      // Section 5.11: connectorId 0 is not a connector (OCTT TC_027); a busy, faulted
      // or inoperative connector cannot start one (OCTT TC_026).
      const ok = (id: number) => {
        const c = w.get(id);
        return c !== undefined && isFree(c);
      };
      const id = want !== undefined
        ? (ok(want) ? want : undefined)
        : w.conns.findIndex((_, i) => ok(i + 1)) + 1 || undefined;
      if (id === undefined) return reply({ status: "Rejected" });
      reply({ status: "Accepted" });
      if (w.ctx.config.bool("AuthorizeRemoteTxRequests")) {
        w.set(id, { tx: { phase: "authorizing", idTag } });
        w.emit({ type: "auth.request", idTag, connectorId: id, purpose: "remote" });
      } else {
        authorize(w, id, idTag, { status: "Accepted" });
      }
      return;
    }
    case "RemoteStopTransaction": {
      // Errata 3.33: Accepted means the transaction is ongoing and will be stopped (OCTT TC_028).
      const id = w.conns.findIndex((c) =>
        (c.tx.phase === "active" || c.tx.phase === "stopping") &&
        c.tx.transactionId === p.transactionId
      ) + 1;
      if (id === 0) return reply({ status: "Rejected" });
      reply({ status: "Accepted" });
      beginStop(w, id, "Remote");
      return;
    }
    case "UnlockConnector": {
      const id = p.connectorId as number;
      // Section 5.18; an unknown connector is NotSupported (errata 3.85, OCTT TC_031), and
      // so is a fixed cable, whose transaction goes on (OCTT TC_017_2, TC_018_2).
      if (!w.get(id) || id < 1 || w.get(id)!.fixedCable) return reply({ status: "NotSupported" });
      drop(w, id);
      const c = w.get(id)!;
      w.set(id, { unlockRequests: [...c.unlockRequests, msg.id], lockedFor: null });
      // A transaction ends first (section 5.18); its end releases the lock.
      if (c.tx.phase === "active") beginStop(w, id, "UnlockCommand");
      else if (c.tx.phase !== "stopping") w.emit({ type: "hw.unlock", connectorId: id });
      return;
    }
  }
}

function onResult(w: Work, msg: MessageOf<"ocpp.result"> | MessageOf<"ocpp.failed">): void {
  const [kind, idText] = (msg.ref ?? "").split(":");
  const id = Number(idText);
  if (msg.action === "StopTransaction" && kind === "stop") {
    w.unsettled = Math.max(0, w.unsettled - 1);
    if (msg.type === "ocpp.result" && msg.payload.idTagInfo) {
      w.emit({
        type: "auth.info",
        idTag: String(msg.request.idTag),
        info: msg.payload.idTagInfo as IdTagInfo,
      });
    }
    return;
  }
  if (msg.action !== "StartTransaction" || kind !== "start" || !w.get(id)) return;
  const c = w.get(id)!;
  if (msg.type === "ocpp.failed") {
    w.emit({
      type: "log",
      level: "error",
      text: `StartTransaction for connector ${id} failed: ${msg.code} ${msg.description}`,
    });
    if (c.tx.phase === "active" || c.tx.phase === "stopping") {
      w.set(id, { tx: { ...c.tx, startPending: false } });
    }
    if (c.tx.phase === "awaiting_id") w.set(id, { tx: { phase: "idle" } });
    return;
  }
  const transactionId = msg.payload.transactionId as number;
  const info = msg.payload.idTagInfo as IdTagInfo;
  w.emit({ type: "auth.info", idTag: String(msg.request.idTag), info });
  if (c.tx.phase === "awaiting_id") {
    w.set(id, { tx: { phase: "idle" } });
    w.emit({ type: "tx.confirmed", connectorId: id, transactionId });
    sendStop(w, id, c.tx.stop, transactionId);
    return;
  }
  if (c.tx.phase !== "active" && c.tx.phase !== "stopping") return;
  w.set(id, {
    tx: {
      ...c.tx,
      transactionId,
      startPending: false,
      ...(info.parentIdTag ? { parentIdTag: info.parentIdTag } : {}),
    },
  });
  w.emit({ type: "tx.confirmed", connectorId: id, transactionId });
  // Section 4.8 / errata 3.17: an id the Central System does not accept ends the
  // transaction (StopTransactionOnInvalidId), or else only the energy.
  if (info.status !== "Accepted" && c.tx.phase === "active") {
    if (w.ctx.config.bool("StopTransactionOnInvalidId")) beginStop(w, id, "DeAuthorized");
    else w.emit({ type: "tx.deauthorized", connectorId: id });
  }
}

function onEvState(w: Work, msg: MessageOf<"hw.ev_state">): void {
  const id = msg.connectorId;
  const before = w.get(id)!;
  w.set(id, { ev: msg.state });
  const phase = before.tx.phase;
  if (msg.state === "A" && before.ev !== "A") {
    if (phase === "active" && w.ctx.config.bool("StopTransactionOnEVSideDisconnect")) {
      beginStop(w, id, "EVDisconnected");
    } else if (phase === "authorized" || phase === "locking") {
      // Section 4.9: the plug removed ends a session that has not started.
      drop(w, id);
      if (phase === "locking") w.emit({ type: "hw.unlock", connectorId: id });
    }
  } else if (plugged(msg.state) && !plugged(before.ev)) {
    const waiting = w.conns.findIndex((c) =>
      c.tx.phase === "authorized" && c.tx.floating === true && !plugged(c.ev)
    ) + 1;
    if (w.ctx.config.str("AuthorizationMode") === "free" && isFree(before)) {
      authorize(w, id, w.ctx.config.str("FreeChargingIdTag"), { status: "Accepted" });
    } else if (isFree(before) && before.lockedFor === null && waiting > 0) {
      // The card was presented before the cable: its session moves here.
      const tx = w.get(waiting)!.tx as Session;
      drop(w, waiting);
      const parent = tx.parentIdTag === undefined ? {} : { parentIdTag: tx.parentIdTag };
      authorize(w, id, tx.idTag, { status: "Accepted", ...parent });
    } else startIfReady(w, id);
  }
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
      if (!known(msg.connectorId)) break;
      w.set(msg.connectorId, { faulted: true });
      drop(w, msg.connectorId);
      beginStop(w, msg.connectorId, "Other");
      break;
    case "hw.fault_cleared":
      if (known(msg.connectorId)) w.set(msg.connectorId, { faulted: false });
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
        const parent = msg.info.status === "Accepted" ? msg.info.parentIdTag : undefined;
        if (parent === undefined) break;
        if (c.tx.phase === "active" && c.tx.parentIdTag === parent) {
          beginStop(w, msg.connectorId, "Local", msg.idTag);
        } else if (c.lockedFor?.parentIdTag === parent) release(w, msg.connectorId);
        break;
      }
      if (c.tx.phase !== "authorizing" || c.tx.idTag !== msg.idTag) break;
      if (msg.info.status === "Accepted") {
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
  receives: [
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
  ],
  handles: ["RemoteStartTransaction", "RemoteStopTransaction", "UnlockConnector"],
  initial: initialTransaction,
  transition: transitionTransaction,
};
