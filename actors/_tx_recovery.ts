/**
 * What the transaction actor does at start-up with the journal of the
 * previous run (private to `transaction.ts`), once the hardware has said
 * what is plugged in (`system.started`).
 *
 * - A transaction that was running (or ending) when the runtime went down
 *   is stopped with the reason of the journal (an end that had begun), else
 *   PowerLoss after an unclean stop (no clean-stop marker: power cut,
 *   kill -9, crash), else the clean stop's reason (Reboot, SoftReset,
 *   HardReset). meterStop and timestamp are the last journaled reading and
 *   its time; its transactionData the journaled values (begin, intervals)
 *   and an end value of that reading (`_tx_data.ts`). Its StartTransaction is queued too if the crash came before
 *   it reached the outbox.
 * - A transaction that ended but whose StopTransaction never reached the
 *   outbox gets it queued from the journal.
 * - After a power loss, with ResumeTransactionAfterPowerLoss (the seed's
 *   "Neustart der Transaktion nach Stromausfall") and the EV still plugged
 *   in, a new transaction starts for the same idTag (it is authorized as
 *   the old one was; StartTransaction.conf checks it again). Otherwise the
 *   cable is released.
 *
 * @module
 */
import type { JournaledTx, LastRun } from "./boot.ts";
import type { StopReason } from "./messages.ts";
import { authorize, isFree, iso, plugged, sendStop, session, type Work } from "./_tx_session.ts";
import { recoveredEnd, transactionData } from "./_tx_data.ts";

function queueStart(w: Work, j: JournaledTx): void {
  w.emit({
    type: "ocpp.call",
    action: "StartTransaction",
    ref: `start:${j.tx}`,
    tx: j.tx,
    payload: {
      connectorId: j.connectorId,
      idTag: j.idTag,
      meterStart: j.meterStartWh,
      timestamp: iso(j.startedAt),
    },
  });
}

/** The reason an interrupted transaction is stopped with. */
function recoveryReason(j: JournaledTx, lastRun: LastRun): StopReason {
  if (j.stop) return j.stop.reason;
  return lastRun.clean ? lastRun.reason ?? "Reboot" : "PowerLoss";
}

/** Finishes every journaled transaction of the previous run. */
export function recover(w: Work, journal: readonly JournaledTx[], lastRun: LastRun): void {
  const resumed = new Set<number>();
  for (const j of journal) {
    if (!j.startQueued) queueStart(w, j);
    if (j.phase === "stopped") {
      if (!j.stopQueued && j.stop) {
        const meterStopWh = j.stop.meterStopWh ?? Math.max(j.meterStartWh, j.lastWh);
        sendStop(w, j.tx, {
          idTag: j.stop.stopIdTag ?? j.idTag,
          meterStop: meterStopWh,
          timestamp: iso(j.stop.timestamp ?? j.lastAt),
          reason: j.stop.reason,
          // Journaled with the stop, its end value included.
          ...(j.txData?.length ? { transactionData: [...j.txData] } : {}),
        });
        w.log("warn", `StopTransaction of local transaction ${j.tx} queued from the journal`);
      }
      continue;
    }
    const reason = recoveryReason(j, lastRun);
    const meterStopWh = Math.max(j.meterStartWh, Math.floor(j.lastWh));
    const stopIdTag = j.stop?.stopIdTag;
    const data = transactionData(
      w.ctx.config,
      j.txData ?? [],
      recoveredEnd(w.ctx.config, meterStopWh, j.lastAt),
    );
    w.emit({
      type: "store.tx_journal",
      entry: {
        op: "stop",
        tx: j.tx,
        reason,
        meterStopWh,
        timestamp: j.lastAt,
        ...(stopIdTag ? { stopIdTag } : {}),
        ...(data.transactionData ? { txData: data.transactionData } : {}),
      },
    });
    sendStop(w, j.tx, {
      idTag: stopIdTag ?? j.idTag,
      meterStop: meterStopWh,
      timestamp: iso(j.lastAt),
      reason,
      ...data,
    });
    w.log(
      reason === "PowerLoss" ? "warn" : "info",
      `Transaction ${j.transactionId ?? `(local ${j.tx})`} on connector ${j.connectorId} ` +
        `was interrupted: stopped with ${reason} at ${meterStopWh} Wh, ${iso(j.lastAt)}`,
    );
    const c = w.get(j.connectorId);
    if (!c) continue;
    w.emit({
      type: "tx.stopped",
      connectorId: j.connectorId,
      transactionId: j.transactionId,
      reason,
    });
    const resume = reason === "PowerLoss" &&
      w.ctx.config.bool("ResumeTransactionAfterPowerLoss") && plugged(c.ev) && isFree(c) &&
      w.state.blocked === null && !resumed.has(j.connectorId);
    if (resume) {
      resumed.add(j.connectorId);
      w.log("info", `Resuming charging on connector ${j.connectorId} for ${j.idTag}`);
      authorize(w, j.connectorId, j.idTag, {
        status: "Accepted",
        ...session(j.idTag, j.parentIdTag),
      });
    } else {
      w.emit({ type: "hw.unlock", connectorId: j.connectorId });
    }
  }
}
