/**
 * The connector status actor: derives each connector's ChargePointStatus
 * from the facts and reports every change with StatusNotification.req
 * (OCPP 1.6 sections 4.9 and 7.7), and owns availability
 * (ChangeAvailability, section 5.2: stored before it is answered, see
 * `_availability.ts`).
 *
 * Derivation, in order (as MicroOcpp does): Faulted; a running transaction
 * (Charging, SuspendedEV, SuspendedEVSE); Unavailable; Preparing (authorized);
 * Finishing (a transaction ended and the cable is not released yet: still
 * plugged or still locked); Reserved (a reservation holds the connector,
 * `reservation.changed`, section 4.9 A7/G1/G2: a cable alone does not end
 * it, the reserved idTag does); Preparing (plugged); Available. Connector 0
 * is the Charge Point as a whole: Available, Unavailable or Faulted.
 *
 * Right after the contactor closes an EV gets {@link EV_RESPONSE_MS} to
 * draw current before SuspendedEV is reported, so a normal start reads
 * Preparing -> Charging without a flicker.
 *
 * With MinimumStatusDuration (sections 4.9, 9.1.20) a new status is reported only
 * once it has been stable that long; one that changes back in time is not
 * reported at all. Reports after the boot or on TriggerMessage go at once.
 *
 * An EV-side disconnect during a transaction (section 4.9): with
 * StopTransactionOnEVSideDisconnect false the transaction goes on as
 * SuspendedEV, info "EV side disconnected" (OCTT TC_005_3); with true the
 * last status stands until the transaction ends, then Finishing carries the
 * same info (OCTT TC_005_1, TC_005_2).
 *
 * Delivery: a status counts as reported (`reported`) only once its
 * StatusNotification.req got a CALLRESULT. One that fails (timeout,
 * CALLERROR) is sent again after {@link STATUS_RETRY_MS} with the status
 * current then; one lost with the connection is covered by the full report
 * after every accepted boot (the current status of every connector).
 *
 * Receives hardware facts, `tx.*`, `sc.limit` (0 A: SuspendedEVSE, section
 * 7.7 "due to a smart charging restriction"), `backend.accepted`, `trigger`,
 * `reservation.changed`, `ocpp.request` (ChangeAvailability), `config.written`
 * (InoperativeConnectors), `ocpp.result` / `ocpp.failed` (StatusNotification),
 * `fw.hold` (a firmware update waiting for a session to end: every
 * connector Unavailable once no transaction runs on it, errata 3.49 and
 * Security Whitepaper L01.FR.07; held while any holder, UpdateFirmware's or
 * SignedUpdateFirmware's actor, holds it).
 * Emits `ocpp.call`
 * (StatusNotification), `status.changed`, `availability.changed`,
 * `config.write` (InoperativeConnectors), `ocpp.reply`.
 *
 * @module
 */
import type { ActorLogic, Ctx, Effect, TimerFired } from "./bus.ts";
import type {
  ChargePointErrorCode,
  ConnectorStatus,
  EvState,
  FirmwareHolder,
  MessageOf,
} from "./messages.ts";
import { inoperativeConnectors, operativeIn } from "../config/registry.ts";
import {
  type AvailabilityState,
  availabilityWritten,
  changeAvailability,
  scheduledDue,
} from "./_availability.ts";

/** The `info` of statuses caused by an EV-side disconnect (section 4.9). */
export const EV_DISCONNECTED_INFO = "EV side disconnected";

/** Grace for an EV to start drawing after the contactor closed. */
export const EV_RESPONSE_MS = 3_000;

/** The facts behind one connector's status. */
export interface StatusInputs {
  readonly ev: EvState;
  readonly fault: { readonly errorCode: ChargePointErrorCode; readonly info?: string } | null;
  /** "stopping": the relay is opening and StopTransaction about to go out. */
  readonly tx: "none" | "authorized" | "active" | "stopping";
  readonly relayClosed: boolean;
  /** The contactor has closed at least once in this transaction. */
  readonly energized: boolean;
  /** Within EV_RESPONSE_MS of the contactor closing. */
  readonly settling: boolean;
  readonly locked: boolean;
  /** A transaction ended here and the connector was not released since. */
  readonly finishing: boolean;
  /** The `info` for Finishing (why the transaction ended), or null. */
  readonly finishInfo: string | null;
  /** The Charge Point withdrew the energy of the running transaction (tx.deauthorized). */
  readonly evseSuspended?: boolean;
  /** Smart charging offers 0 A (a limit below 6 A): the EVSE holds the energy back. */
  readonly limitPaused?: boolean;
  readonly operative: boolean;
  /** A reservation holds the connector (section 5.13). */
  readonly reserved?: boolean;
  /** StopTransactionOnEVSideDisconnect: an unplugged EV ends the transaction. */
  readonly stopOnEvDisconnect: boolean;
}

/** A derived status; `undefined` status means "keep the last one" (transient). */
export interface Derived {
  readonly status: ConnectorStatus | undefined;
  readonly errorCode: ChargePointErrorCode;
  readonly info?: string;
}

/** Derives a connector's status from its facts. */
export function deriveStatus(i: StatusInputs): Derived {
  // (evseSuspended: the Charge Point withdrew the energy of a running transaction,
  // e.g. an id the Central System refused; reported at once, before the relay confirms.)
  if (i.fault) {
    return {
      status: "Faulted",
      errorCode: i.fault.errorCode,
      ...(i.fault.info ? { info: i.fault.info } : {}),
    };
  }
  const ok = (status: ConnectorStatus | undefined, info?: string): Derived => ({
    status,
    errorCode: "NoError",
    ...(info ? { info } : {}),
  });
  // While the transaction winds down the last status stands until Finishing.
  if (i.tx === "stopping") return ok(undefined);
  if (i.tx === "active") {
    if (i.ev === "A") {
      // The stop is on its way; otherwise the transaction waits (OCTT TC_005_3 checks the info).
      return i.stopOnEvDisconnect ? ok(undefined) : ok("SuspendedEV", EV_DISCONNECTED_INFO);
    }
    if (i.evseSuspended || i.limitPaused) return ok("SuspendedEVSE");
    // Until the contactor first closes, the start is still under way: no change.
    if (!i.relayClosed) return ok(i.energized ? "SuspendedEVSE" : undefined);
    if (i.ev === "C") return ok("Charging");
    return ok(i.settling ? undefined : "SuspendedEV");
  }
  if (!i.operative) return ok("Unavailable");
  if (i.tx === "authorized") return ok("Preparing");
  if (i.finishing) return ok("Finishing", i.finishInfo ?? undefined);
  if (i.reserved) return ok("Reserved");
  if (i.ev !== "A") return ok("Preparing");
  return ok("Available");
}

interface Conn extends Omit<StatusInputs, "stopOnEvDisconnect"> {
  /** What the last StatusNotification.req queued said: the current status. */
  readonly sent: ConnectorStatus | null;
  readonly sentError: ChargePointErrorCode;
  readonly sentInfo: string | null;
  /** What the Central System confirmed (CALLRESULT) last: what it knows. */
  readonly reported: ConnectorStatus | null;
  /** The `ref` of the latest StatusNotification.req not answered yet. */
  readonly inflight: string | null;
  /** The latest StatusNotification.req failed: sent again when `retry:<id>` fires. */
  readonly retry: boolean;
  /** A new status waiting to be stable for MinimumStatusDuration, since when. */
  readonly pending: { readonly d: Derived; readonly since: number } | null;
}

/** The actor's state: index 0 is the Charge Point (connector 0); availability in {@link AvailabilityState}. */
export interface ConnectorStatusState extends AvailabilityState {
  readonly connectors: readonly Conn[];
  /** StatusNotification.req sent so far, for their `ref`s. */
  readonly calls: number;
  /**
   * The updates that wait to install (`fw.hold`, errata 3.49, L01.FR.07),
   * by holder, sorted, never empty: while one holds, every connector is
   * Unavailable once no transaction runs on it; it ends when the last
   * holder releases (one cannot release the other's). Not stored: a reboot
   * ends it.
   */
  readonly firmwareHolds?: readonly FirmwareHolder[];
}

/**
 * A StatusNotification.req that failed (timeout, CALLERROR) is sent again
 * after this long, with the status current then. One that failed because
 * the connection is down is sent again once the boot is accepted.
 */
export const STATUS_RETRY_MS = 30_000;

/** Message types the connector status actor receives. */
const RECEIVES = [
  "hw.ev_state",
  "hw.relay",
  "hw.locked",
  "hw.unlocked",
  "hw.fault",
  "hw.fault_cleared",
  "tx.authorized",
  "tx.dropped",
  "tx.deauthorized",
  "tx.started",
  "tx.stopping",
  "tx.stopped",
  "sc.limit",
  "backend.accepted",
  "trigger",
  "ocpp.request",
  "reservation.changed",
  "ocpp.result",
  "ocpp.failed",
  "config.written",
  "fw.hold",
] as const;

/** Messages the actor receives. */
export type ConnectorStatusMsg = MessageOf<(typeof RECEIVES)[number]>;

/** The initial state, availability read from InoperativeConnectors. */
export function initialConnectorStatus(ctx: Ctx): ConnectorStatusState {
  const inoperative = inoperativeConnectors(ctx.config);
  const n = ctx.config.int("NumberOfConnectors");
  const connectors = Array.from({ length: n + 1 }, (_, id): Conn => ({
    ev: "A",
    fault: null,
    tx: "none",
    relayClosed: false,
    energized: false,
    settling: false,
    locked: false,
    finishing: false,
    finishInfo: null,
    operative: operativeIn(inoperative, id),
    sent: null,
    sentError: "NoError",
    sentInfo: null,
    reported: null,
    inflight: null,
    retry: false,
    pending: null,
  }));
  return { connectors, inoperative, scheduled: [], writing: null, held: [], calls: 0 };
}

/** The connector a StatusNotification `ref` (`status:<connectorId>:<n>`) belongs to. */
function refConnector(ref: string | undefined): number | undefined {
  const m = /^status:(\d+):\d+$/.exec(ref ?? "");
  return m ? Number(m[1]) : undefined;
}

/** Most characters of StatusNotification.req `info` (CiString50Type). */
const INFO_MAX = 50;

function statusCall(
  id: number,
  d: Derived,
  status: ConnectorStatus,
  now: number,
  ref: string,
): Effect {
  return {
    type: "ocpp.call",
    action: "StatusNotification",
    ref,
    payload: {
      connectorId: id,
      errorCode: d.errorCode,
      status,
      timestamp: new Date(now).toISOString(),
      // CiString50 (section 7.7): a longer text from a driver is cut, never the status lost.
      ...(d.info ? { info: [...d.info].slice(0, INFO_MAX).join("") } : {}),
    },
  };
}

function sameDerived(a: Derived, b: Derived): boolean {
  return a.status === b.status && a.errorCode === b.errorCode && a.info === b.info;
}

function derive0(c: Conn): Derived {
  if (c.fault) return deriveStatus({ ...c, stopOnEvDisconnect: false });
  return { status: c.operative ? "Available" : "Unavailable", errorCode: "NoError" };
}

/** One transition of the connector status actor. */
export function transitionConnectorStatus(
  state: ConnectorStatusState,
  msg: ConnectorStatusMsg | TimerFired,
  ctx: Ctx,
): [ConnectorStatusState, Effect[]] {
  const conns = [...state.connectors];
  let { calls } = state;
  const effects: Effect[] = [];
  const set = (id: number, p: Partial<Conn>) => {
    if (conns[id]) conns[id] = { ...conns[id]!, ...p };
  };
  const n = conns.length - 1;
  let resendAll: number[] = [];

  const busy = (id: number) =>
    conns.some((c, cid) =>
      cid > 0 && (id === 0 || cid === id) && (c.tx === "active" || c.tx === "stopping")
    );
  const known = (id: number) => conns[id] !== undefined;
  let avail: AvailabilityState = state;
  let holds = state.firmwareHolds ?? [];

  switch (msg.type) {
    case "hw.ev_state": {
      const c = conns[msg.connectorId];
      if (!c || msg.connectorId === 0) break;
      set(msg.connectorId, { ev: msg.state });
      // A lock failure is cleared by removing the plug.
      if (msg.state === "A" && c.fault?.errorCode === "ConnectorLockFailure") {
        set(msg.connectorId, { fault: null });
      }
      if (msg.state === "C") set(msg.connectorId, { settling: false });
      break;
    }
    case "sc.limit":
      if (msg.connectorId > 0) set(msg.connectorId, { limitPaused: msg.currentA === 0 });
      break;
    case "hw.relay":
      if (!conns[msg.connectorId] || msg.connectorId === 0) break;
      set(msg.connectorId, {
        relayClosed: msg.closed,
        ...(msg.closed ? { energized: true, settling: true } : { settling: false }),
      });
      if (msg.closed) {
        effects.push({ type: "timer.start", id: `settle:${msg.connectorId}`, ms: EV_RESPONSE_MS });
      }
      break;
    case "hw.locked":
      if (msg.ok) set(msg.connectorId, { locked: true });
      break;
    case "hw.unlocked":
      if (msg.result !== "UnlockFailed") set(msg.connectorId, { locked: false });
      break;
    case "hw.fault":
      set(msg.connectorId, {
        fault: { errorCode: msg.errorCode, ...(msg.info ? { info: msg.info } : {}) },
      });
      break;
    case "hw.fault_cleared":
      set(msg.connectorId, { fault: null });
      break;
    case "tx.authorized":
      set(msg.connectorId, { tx: "authorized", finishing: false, finishInfo: null });
      break;
    case "tx.dropped":
      if (conns[msg.connectorId]?.tx === "authorized") set(msg.connectorId, { tx: "none" });
      break;
    case "tx.deauthorized":
      if (conns[msg.connectorId]?.tx === "active") {
        set(msg.connectorId, { evseSuspended: true });
      }
      break;
    case "tx.started":
      set(msg.connectorId, {
        tx: "active",
        energized: false,
        settling: false,
        finishing: false,
        finishInfo: null,
        evseSuspended: false,
      });
      break;
    case "tx.stopping":
      if (conns[msg.connectorId]?.tx === "active") set(msg.connectorId, { tx: "stopping" });
      break;
    case "tx.stopped": {
      set(msg.connectorId, {
        evseSuspended: false,
        tx: "none",
        finishing: true,
        finishInfo: msg.reason === "EVDisconnected" ? EV_DISCONNECTED_INFO : null,
        energized: false,
        settling: false,
      });
      avail = scheduledDue(avail, msg.connectorId, busy);
      break;
    }
    case "backend.accepted":
      // Section 4.2 / OCTT TC_001: after boot, the status of every connector and of connector 0.
      resendAll = conns.map((_, id) => id);
      break;
    case "trigger":
      if (msg.message !== "StatusNotification") break;
      resendAll = msg.connectorId === undefined
        ? conns.map((_, id) => id)
        : conns[msg.connectorId]
        ? [msg.connectorId]
        : [];
      break;
    case "ocpp.request":
      // Stored first, answered on config.written (_availability.ts).
      if (msg.action === "ChangeAvailability") {
        avail = changeAvailability(avail, msg, known, effects);
      }
      break;
    case "config.written":
      avail = availabilityWritten(avail, msg, known, busy, effects);
      break;
    case "ocpp.result": {
      // Reported only now: the Central System has it (section 4.9).
      const id = refConnector(msg.ref);
      const c = id === undefined ? undefined : conns[id];
      if (msg.action !== "StatusNotification" || !c) break;
      set(id!, {
        reported: msg.request.status as ConnectorStatus,
        ...(c.inflight === msg.ref ? { inflight: null } : {}),
      });
      break;
    }
    case "ocpp.failed": {
      const id = refConnector(msg.ref);
      const c = id === undefined ? undefined : conns[id];
      // An older report that a newer one replaced needs no retry.
      if (msg.action !== "StatusNotification" || !c || c.inflight !== msg.ref) break;
      // Offline: backend.accepted sends every current status after the reconnect.
      const retry = msg.code !== "Offline";
      set(id!, { inflight: null, retry });
      if (retry) effects.push({ type: "timer.start", id: `retry:${id}`, ms: STATUS_RETRY_MS });
      break;
    }
    case "fw.hold": {
      // Each holder holds and releases its own hold only.
      const others = holds.filter((h) => h !== msg.holder);
      holds = msg.hold ? [...others, msg.holder].sort() : others;
      break;
    }
    case "reservation.changed":
      for (let id = 1; id <= n; id++) {
        set(id, { reserved: msg.reservations.some((r) => r.heldConnectorId === id) });
      }
      break;
    case "timer.fired":
      if (msg.id.startsWith("settle:")) set(Number(msg.id.slice(7)), { settling: false });
      if (msg.id.startsWith("retry:")) {
        const id = Number(msg.id.slice(6));
        if (conns[id]?.retry) resendAll = [id];
      }
      break;
  }

  const firmwareHold = holds.length > 0;
  if (
    avail.inoperative !== state.inoperative || firmwareHold !== (state.firmwareHolds !== undefined)
  ) {
    for (let id = 0; id <= n; id++) {
      // A connector is Unavailable while a firmware update holds it (not connector 0).
      const op = operativeIn(avail.inoperative, id) && !(firmwareHold && id > 0);
      if (op === conns[id]!.operative) continue;
      set(id, { operative: op });
      if (id > 0) effects.push({ type: "availability.changed", connectorId: id, operative: op });
    }
  }
  for (let id = 1; id <= n; id++) {
    // Released: the plug is out and the lock open (or a fixed cable).
    if (conns[id]!.finishing && conns[id]!.ev === "A" && !conns[id]!.locked) {
      set(id, { finishing: false, finishInfo: null });
    }
  }
  const minMs = ctx.config.int("MinimumStatusDuration") * 1000;
  for (let id = 0; id <= n; id++) {
    const c = conns[id]!;
    const derived = id === 0 ? derive0(c) : deriveStatus({
      ...c,
      stopOnEvDisconnect: ctx.config.bool("StopTransactionOnEVSideDisconnect"),
    });
    // A transient state keeps the last status, as it was.
    const d: Derived = derived.status !== undefined ? derived : c.pending?.d ?? {
      status: c.sent ?? undefined,
      errorCode: c.sentError,
      ...(c.sentInfo !== null ? { info: c.sentInfo } : {}),
    };
    const status = d.status;
    if (status === undefined) continue;
    const resend = resendAll.includes(id);
    const changed = status !== c.sent || d.errorCode !== c.sentError;
    if (!changed && (d.info ?? null) === c.sentInfo && !resend) {
      if (c.pending) set(id, { pending: null });
      continue;
    }
    // Section 9.1.20 MinimumStatusDuration (and 4.9): only a status stable that long is reported.
    if (minMs > 0 && !resend) {
      if (!c.pending || !sameDerived(c.pending.d, d)) {
        set(id, { pending: { d, since: ctx.now } });
        effects.push({ type: "timer.start", id: `stable:${id}`, ms: minMs });
        continue;
      }
      if (ctx.now - c.pending.since < minMs) continue;
    }
    const ref = `status:${id}:${++calls}`;
    set(id, {
      sent: status,
      sentError: d.errorCode,
      sentInfo: d.info ?? null,
      pending: null,
      inflight: ref,
      retry: false,
    });
    effects.push(statusCall(id, d, status, ctx.now, ref));
    if (changed) {
      effects.push({ type: "status.changed", connectorId: id, status, errorCode: d.errorCode });
    }
  }
  const { inoperative, scheduled, writing, held } = avail;
  const hold = firmwareHold ? { firmwareHolds: holds } : {};
  return [{ connectors: conns, inoperative, scheduled, writing, held, calls, ...hold }, effects];
}

/** The connector status actor. */
export const connectorStatusActor: ActorLogic<ConnectorStatusState, ConnectorStatusMsg> = {
  name: "connector_status",
  receives: RECEIVES,
  handles: ["ChangeAvailability"],
  initial: initialConnectorStatus,
  transition: transitionConnectorStatus,
};
