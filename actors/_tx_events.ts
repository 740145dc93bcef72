/**
 * The transaction actor's handlers of cards, Central System requests,
 * OCPP results and the cable (private to `transaction.ts`).
 *
 * @module
 */
import { idKey } from "./auth_decision.ts";
import { type IdTagInfo, type MessageOf, reply } from "./messages.ts";
import { checkRemoteProfile } from "./_sc_validate.ts";
import type { Session } from "./transaction.ts";
import {
  authorize,
  beginStop,
  drop,
  isFree,
  plugged,
  release,
  session,
  startIfReady,
  type Work,
} from "./_tx_session.ts";
import { choose, heldBy, matches, mayCharge, mightCharge } from "./_tx_reservation.ts";

/** A card at the reader. */
export function onTap(w: Work, idTag: string): void {
  const conns = w.conns.map((c, i) => ({ c, id: i + 1 }));
  // Same card: stop its transaction, cancel its pending session, or release its cable.
  const own = conns.find(({ c }) =>
    (c.tx.phase === "active" || c.tx.phase === "authorized") && idKey(c.tx.idTag) === idKey(idTag)
  );
  if (own) {
    if (own.c.tx.phase === "active") beginStop(w, own.id, "Local", idTag);
    else drop(w, own.id);
    return;
  }
  // The same card again while its session is being authorized or its cable locked: not a
  // second session on another connector.
  const busy = conns.find(({ c }) =>
    (c.tx.phase === "authorizing" || c.tx.phase === "locking") && idKey(c.tx.idTag) === idKey(idTag)
  );
  if (busy) {
    w.log(
      "info",
      `Ignored card ${idTag}: its session on connector ${busy.id} is ${busy.c.tx.phase}`,
    );
    return;
  }
  const held = conns.find(({ c }) =>
    c.lockedFor !== null && c.lockedFor !== undefined && idKey(c.lockedFor.idTag) === idKey(idTag)
  );
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
  if (w.state.blocked !== null) {
    w.log("warn", `Ignored card ${idTag}: charging is disabled (${w.state.blocked})`);
    return;
  }
  const free = conns.filter(({ c }) => isFree(c) && c.lockedFor === null).map(({ id }) => id);
  // Section 5.13: a reserved connector only for its idTag, or one of its group.
  const target = choose(w, idTag, free.filter((id) => mightCharge(w, id, idTag)));
  if (target === undefined) {
    const why = free.length > 0 ? "every free connector is reserved" : "no connector is free";
    w.log("info", `Ignored card ${idTag}: ${why}`);
    return;
  }
  w.set(target, { tx: { phase: "authorizing", idTag } });
  w.emit({ type: "auth.request", idTag, connectorId: target, purpose: "start" });
}

/** RemoteStartTransaction (5.11), RemoteStopTransaction (5.12), UnlockConnector (5.18). */
export function onRequest(w: Work, msg: MessageOf<"ocpp.request">): void {
  // Section 4.2: while the boot is Pending (or not Accepted at all), the Central System may
  // not start or stop a transaction remotely.
  if (
    (msg.action === "RemoteStartTransaction" || msg.action === "RemoteStopTransaction") &&
    w.ctx.backend !== "accepted"
  ) {
    const phase = w.ctx.backend ?? "disabled";
    w.log("info", `Rejected ${msg.action}: the boot is not Accepted (${phase})`);
    return w.emit(reply(msg.id, msg.action, { status: "Rejected" }));
  }
  switch (msg.action) {
    case "RemoteStartTransaction": {
      const answer = (status: "Accepted" | "Rejected") =>
        w.emit(reply(msg.id, msg.action, { status }));
      const { idTag, connectorId: want } = msg.payload;
      // Section 5.11: connectorId 0 is not a connector (OCTT TC_027); a busy, faulted
      // or inoperative connector cannot start one (OCTT TC_026), nor one in safe mode,
      // nor one whose cable is still held for its owner (errata 3.5, section 9.1.33).
      // A reserved connector takes only its idTag, or one of its group (section 5.13).
      const ok = (id: number) => {
        const c = w.get(id);
        return c !== undefined && isFree(c) && c.lockedFor === null && w.state.blocked === null &&
          mightCharge(w, id, idTag);
      };
      const id = want !== undefined
        ? (ok(want) ? want : undefined)
        : choose(w, idTag, w.conns.map((_, i) => i + 1).filter(ok));
      if (id === undefined) return answer("Rejected");
      // Sections 5.11, 5.16.2: a chargingProfile must be a TxProfile without a transactionId
      // (OCTT TC_060); it becomes the new transaction's TxProfile (smart charging actor).
      const profile = msg.payload.chargingProfile;
      const bad = profile && checkRemoteProfile(profile, w.ctx.config, w.ctx.now);
      if (bad) {
        w.log("info", `Rejected RemoteStartTransaction: its chargingProfile: ${bad}`);
        return answer("Rejected");
      }
      answer("Accepted");
      if (profile) w.emit({ type: "sc.remote_profile", connectorId: id, idTag, profile });
      // Another idTag on a connector reserved for a group: its parentIdTag decides.
      const reserved = heldBy(w, id);
      const byGroup = reserved !== undefined && !matches(reserved, idTag);
      if (w.ctx.config.bool("AuthorizeRemoteTxRequests") || byGroup) {
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
        c.tx.transactionId === msg.payload.transactionId
      ) + 1;
      w.emit(reply(msg.id, msg.action, { status: id === 0 ? "Rejected" : "Accepted" }));
      if (id === 0) return;
      beginStop(w, id, "Remote");
      return;
    }
    case "UnlockConnector": {
      const id = msg.payload.connectorId;
      // Section 5.18; an unknown connector is NotSupported (errata 3.85, OCTT TC_031), and
      // so is a fixed cable, whose transaction goes on (OCTT TC_017_2, TC_018_2).
      if (!w.get(id) || id < 1 || w.get(id)!.fixedCable) {
        return w.emit(reply(msg.id, msg.action, { status: "NotSupported" }));
      }
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

/**
 * Answers to StartTransaction and StopTransaction, matched by the local
 * transaction number of their ref (`start:<tx>`, `stop:<tx>`), whatever
 * connector the transaction was on and whether it still runs.
 */
export function onResult(w: Work, msg: MessageOf<"ocpp.result"> | MessageOf<"ocpp.failed">): void {
  const [kind, txText] = (msg.ref ?? "").split(":");
  const tx = Number(txText);
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
  if (msg.action !== "StartTransaction" || kind !== "start") return;
  const id =
    w.conns.findIndex((c) =>
      (c.tx.phase === "active" || c.tx.phase === "stopping") && c.tx.tx === tx
    ) + 1;
  const c = id > 0 ? w.get(id)! : undefined;
  const running = c?.tx.phase === "active" || c?.tx.phase === "stopping" ? c.tx : undefined;
  if (msg.type === "ocpp.failed") {
    w.log(
      "error",
      `StartTransaction of local transaction ${tx} failed: ${msg.code} ${msg.description}; ` +
        "its messages go with transactionId -1 (errata 3.18)",
    );
    if (running) w.set(id, { tx: { ...running, startPending: false } });
    return;
  }
  const transactionId = msg.payload.transactionId as number;
  const info = msg.payload.idTagInfo as IdTagInfo;
  w.emit({ type: "auth.info", idTag: String(msg.request.idTag), info });
  if (!running) return;
  w.set(id, {
    tx: {
      ...running,
      transactionId,
      startPending: false,
      ...(info.parentIdTag ? { parentIdTag: info.parentIdTag } : {}),
    },
  });
  w.emit({ type: "tx.confirmed", connectorId: id, transactionId });
  // Section 4.8 / errata 3.17: an id the Central System does not accept ends the
  // transaction (StopTransactionOnInvalidId), or else only the energy.
  if (info.status !== "Accepted" && running.phase === "active") {
    if (w.ctx.config.bool("StopTransactionOnInvalidId")) beginStop(w, id, "DeAuthorized");
    else w.emit({ type: "tx.deauthorized", connectorId: id });
  }
}

/** The cable: plugged in or out at the EV side. */
export function onEvState(w: Work, msg: MessageOf<"hw.ev_state">): void {
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
    const free = isFree(before) && w.state.blocked === null;
    const freeTag = w.ctx.config.str("FreeChargingIdTag");
    const tx = waiting > 0 ? w.get(waiting)!.tx as Session : undefined;
    if (w.ctx.config.str("AuthorizationMode") === "free" && free) {
      // A reserved connector does not start for anyone by plugging in (section 5.13).
      if (mayCharge(w, id, session(freeTag, undefined))) {
        authorize(w, id, freeTag, { status: "Accepted" });
      }
    } else if (free && before.lockedFor === null && tx && mayCharge(w, id, tx)) {
      // The card was presented before the cable: its session moves here.
      drop(w, waiting);
      const parent = tx.parentIdTag === undefined ? {} : { parentIdTag: tx.parentIdTag };
      authorize(w, id, tx.idTag, { status: "Accepted", ...parent });
    } else startIfReady(w, id);
  }
}
