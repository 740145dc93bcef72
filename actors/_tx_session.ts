/**
 * The transaction actor's working copy and the steps of a session's life
 * (private to `transaction.ts`): authorize, lock, begin, stop, finish.
 *
 * Every step that changes a running transaction emits its journal entry
 * (`store.tx_journal`) before its effects, so the journal on disk is never
 * behind what the hardware and the Central System were told. Messages of
 * a transaction carry its local number (`tx`) and refs `start:<tx>` /
 * `stop:<tx>`: a transactionId that has not arrived yet never blocks the
 * connector, the rpc actor fills it in when the message is sent.
 *
 * @module
 */
import type { Ctx, Effect } from "./bus.ts";
import type { CallPayload, EvState, IdTagInfo, StopReason } from "./messages.ts";
import type { V16 } from "../ocpp/types.ts";
import type { ConnectorTx, Session, TransactionState } from "./transaction.ts";
import { usedReservation } from "./_tx_reservation.ts";
import { addInterval, edgeValue, type MeterValue, transactionData } from "./_tx_data.ts";
import type { Reading } from "./meter.ts";

/** A connector's last reading, `wh` as given (begin and end values, `_tx_data.ts`). */
function readingOf(c: ConnectorTx, wh: number): Reading {
  return { w: 0, phases: null, offeredA: null, ...c.reading, wh };
}

/** How long the relay may take to confirm it opened before StopTransaction is sent anyway. */
export const RELAY_CONFIRM_MS = 5_000;
/** How long the cable lock may take. */
export const LOCK_TIMEOUT_MS = 5_000;

/** Whether a cable is in (IEC 61851 state B or C). */
export const plugged = (ev: EvState): boolean => ev === "B" || ev === "C";

/** Mutable working copy used inside one transition. */
export class Work {
  conns: ConnectorTx[];
  unsettled: number;
  stoppingAll: boolean;
  nextTx: number;
  effects: Effect[] = [];
  constructor(readonly state: TransactionState, readonly ctx: Ctx) {
    this.conns = [...state.connectors];
    this.unsettled = state.unsettledStops;
    this.stoppingAll = state.stoppingAll;
    this.nextTx = state.nextTx;
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
  log(level: "info" | "warn" | "error", text: string): void {
    this.effects.push({ type: "log", level, text });
  }
  done(patch: Partial<TransactionState> = {}): [TransactionState, Effect[]] {
    if (
      this.stoppingAll && this.unsettled === 0 && this.conns.every((c) => c.tx.phase === "idle")
    ) {
      this.stoppingAll = false;
      this.effects.push({ type: "tx.all_stopped" });
    }
    return [{
      ...this.state,
      ...patch,
      connectors: this.conns,
      unsettledStops: this.unsettled,
      stoppingAll: this.stoppingAll,
      nextTx: this.nextTx,
    }, this.effects];
  }
}

/** An ISO 8601 time. */
export function iso(ms: number): string {
  return new Date(ms).toISOString();
}

/** A session's idTag and parentIdTag. */
export function session(idTag: string, parentIdTag: string | undefined): Session {
  return parentIdTag === undefined ? { idTag } : { idTag, parentIdTag };
}

/** Whether a connector may take a new session. */
export function isFree(c: ConnectorTx): boolean {
  return c.tx.phase === "idle" && !c.faulted && !c.cpFaulted && c.operative;
}

/** The idTag may charge on connector `id`: waits for the cable, or locks it at once. */
export function authorize(
  w: Work,
  id: number,
  idTag: string,
  info: IdTagInfo,
  floating = false,
): void {
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

/** An authorized session with its cable in: lock the cable. */
export function startIfReady(w: Work, id: number): void {
  const c = w.get(id)!;
  if (c.tx.phase !== "authorized" || !plugged(c.ev) || c.faulted || c.cpFaulted || !c.operative) {
    return;
  }
  w.set(id, { tx: { phase: "locking", ...session(c.tx.idTag, c.tx.parentIdTag) } });
  w.emit(
    { type: "timer.cancel", id: `timeout:${id}` },
    { type: "hw.lock", connectorId: id },
    { type: "timer.start", id: `lock:${id}`, ms: LOCK_TIMEOUT_MS },
  );
}

/**
 * The cable is locked: the transaction begins. Journal first, then
 * StartTransaction into the outbox, then `tx.started` (which closes the
 * relay), so nothing is energized that the journal and outbox do not hold.
 */
export function begin(w: Work, id: number): void {
  const c = w.get(id)!;
  if (c.tx.phase !== "locking") return;
  const { idTag, parentIdTag } = c.tx;
  const meterStartWh = Math.floor(c.meterWh);
  const tx = w.nextTx++;
  const now = w.ctx.now;
  // Section 5.13: a transaction that uses a reservation names it (and so ends it).
  const reservationId = usedReservation(w, id, session(idTag, parentIdTag));
  const reserved = reservationId === undefined ? {} : { reservationId };
  // StopTxnSampledData / StopTxnAlignedData: the Transaction.Begin value, journaled with the start.
  const beginValue = edgeValue(w.ctx.config, "Transaction.Begin", readingOf(c, meterStartWh), now);
  const txData = beginValue ? { txData: [beginValue] } : {};
  w.set(id, {
    tx: {
      phase: "active",
      ...session(idTag, parentIdTag),
      tx,
      transactionId: null,
      startPending: true,
      meterStartWh,
      startedAt: now,
      ...txData,
    },
    lockedFor: null,
  });
  w.emit(
    { type: "timer.cancel", id: `lock:${id}` },
    {
      type: "store.tx_journal",
      entry: {
        op: "start",
        tx,
        connectorId: id,
        ...session(idTag, parentIdTag),
        meterStartWh,
        timestamp: now,
        ...txData,
      },
    },
    {
      type: "ocpp.call",
      action: "StartTransaction",
      ref: `start:${tx}`,
      tx,
      payload: {
        connectorId: id,
        idTag,
        meterStart: meterStartWh,
        ...reserved,
        timestamp: iso(now),
      } satisfies V16.StartTransactionRequest,
    },
    { type: "tx.started", connectorId: id, idTag, meterStartWh, timestamp: now, tx, ...reserved },
  );
}

/** Ends a session that has not started, if any. */
export function drop(w: Work, id: number): void {
  const phase = w.get(id)!.tx.phase;
  if (phase === "authorizing" || phase === "authorized" || phase === "locking") {
    w.set(id, { tx: { phase: "idle" } });
    w.emit(
      { type: "timer.cancel", id: `timeout:${id}` },
      { type: "timer.cancel", id: `lock:${id}` },
      { type: "tx.dropped", connectorId: id },
    );
  }
}

/** Releases a cable kept locked for its owner. */
export function release(w: Work, id: number): void {
  w.set(id, { lockedFor: null });
  w.emit({ type: "hw.unlock", connectorId: id });
}

/** The transaction ends for `reason`: journal it, open the relay, then {@link finishStop}. */
export function beginStop(w: Work, id: number, reason: StopReason, stopIdTag?: string): void {
  const c = w.get(id)!;
  if (c.tx.phase !== "active") return;
  w.set(id, { tx: { ...c.tx, phase: "stopping", reason, ...(stopIdTag ? { stopIdTag } : {}) } });
  w.emit(
    {
      type: "store.tx_journal",
      entry: { op: "stopping", tx: c.tx.tx, reason, ...(stopIdTag ? { stopIdTag } : {}) },
    },
    { type: "tx.stopping", connectorId: id, reason },
  );
  if (c.relayClosed) w.emit({ type: "timer.start", id: `stop:${id}`, ms: RELAY_CONFIRM_MS });
  else finishStop(w, id);
}

/** The relay is open (or did not say so in time): StopTransaction, release the cable. */
export function finishStop(w: Work, id: number): void {
  const c = w.get(id)!;
  if (c.tx.phase !== "stopping") return;
  const tx = c.tx;
  const meterStopWh = Math.max(tx.meterStartWh, Math.floor(c.meterWh));
  const stopIdTag = tx.stopIdTag ?? tx.idTag;
  const end = edgeValue(w.ctx.config, "Transaction.End", readingOf(c, meterStopWh), w.ctx.now);
  const data = transactionData(w.ctx.config, tx.txData ?? [], end);
  w.emit(
    { type: "timer.cancel", id: `stop:${id}` },
    {
      type: "store.tx_journal",
      entry: {
        op: "stop",
        tx: tx.tx,
        reason: tx.reason,
        meterStopWh,
        timestamp: w.ctx.now,
        ...(tx.stopIdTag ? { stopIdTag: tx.stopIdTag } : {}),
        ...(data.transactionData ? { txData: data.transactionData } : {}),
      },
    },
  );
  sendStop(w, tx.tx, {
    idTag: stopIdTag,
    meterStop: meterStopWh,
    timestamp: iso(w.ctx.now),
    reason: tx.reason,
    ...data,
  });
  w.emit({
    type: "tx.stopped",
    connectorId: id,
    transactionId: tx.transactionId,
    reason: tx.reason,
  });
  w.set(id, { tx: { phase: "idle" } });
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

/** Queues StopTransaction of local transaction `tx` (the rpc actor adds its transactionId). */
export function sendStop(w: Work, tx: number, stop: CallPayload<"StopTransaction">): void {
  w.unsettled++;
  w.emit({ type: "ocpp.call", action: "StopTransaction", ref: `stop:${tx}`, tx, payload: stop });
}

/**
 * An interval value of local transaction `tx` (`tx.data`): kept, bounded,
 * and journaled, while the transaction runs or ends.
 */
export function addTxData(w: Work, tx: number, v: MeterValue): void {
  const id =
    w.conns.findIndex((c) =>
      (c.tx.phase === "active" || c.tx.phase === "stopping") && c.tx.tx === tx
    ) + 1;
  if (id === 0) return;
  const running = w.get(id)!.tx;
  if (running.phase !== "active" && running.phase !== "stopping") return;
  const txData = addInterval(running.txData ?? [], v);
  w.set(id, { tx: { ...running, txData } });
  w.emit({ type: "store.tx_journal", entry: { op: "data", tx, txData } });
}
