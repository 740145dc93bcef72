/**
 * Availability (ChangeAvailability, OCPP 1.6 section 5.2) for the connector
 * status actor: which connectors are Inoperative, which changes wait for a
 * transaction to end (Scheduled), and the InoperativeConnectors write each
 * change makes before it is answered. Pure.
 *
 * Stored first: a change is written (`config.write` InoperativeConnectors,
 * the connectors Inoperative now and those Scheduled to be) and answered
 * once `config.written` says it is on disk: Accepted (applied then) or
 * Scheduled; Rejected, with nothing changed, when the write failed. One
 * write at a time: a ChangeAvailability that arrives while one is being
 * written waits for it ({@link AvailabilityState.held}), so no write is
 * computed from a list that another one is about to change.
 *
 * Private to `connector_status.ts`.
 *
 * @module
 */
import type { Effect } from "./bus.ts";
import { type MessageOf, type OcppRequest, reply } from "./messages.ts";

/** The setting that keeps availability across reboots (section 5.2). */
export const AVAILABILITY_KEY = "InoperativeConnectors";

/** A ChangeAvailability.req. */
export type ChangeAvailabilityRequest = Extract<OcppRequest, { action: "ChangeAvailability" }>;

/** A change waiting for a transaction to end (Scheduled). */
export interface ScheduledChange {
  readonly connectorId: number;
  readonly operative: boolean;
}

/** A change whose InoperativeConnectors write is not confirmed yet. */
export interface AvailabilityWrite {
  /** The request's id, answered once the write's outcome is known. */
  readonly id: string;
  readonly connectorId: number;
  readonly operative: boolean;
  /** The value written. */
  readonly value: string;
}

/** The availability part of the connector status actor's state. */
export interface AvailabilityState {
  /** Connector ids Inoperative now (0 = the whole Charge Point). */
  readonly inoperative: readonly number[];
  /** Availability changes waiting for a transaction to end (Scheduled). */
  readonly scheduled: readonly ScheduledChange[];
  /** The change being written, if any. */
  readonly writing: AvailabilityWrite | null;
  /** Requests that arrived during a write, in order. */
  readonly held: readonly ChangeAvailabilityRequest[];
}

/** `list` with `id` made operative (removed) or inoperative (added), sorted. */
export function withChange(
  list: readonly number[],
  id: number,
  operative: boolean,
): readonly number[] {
  const next = new Set(list);
  if (operative) next.delete(id);
  else next.add(id);
  return [...next].sort((a, b) => a - b);
}

/**
 * The write a ChangeAvailability asks for: what is Inoperative now and what
 * is Scheduled to be, with this change in (so a Scheduled change survives a
 * reboot too: the transaction it waits for ends with the reboot).
 */
export function availabilityWrite(
  a: AvailabilityState,
  msg: ChangeAvailabilityRequest,
): AvailabilityWrite {
  const id = msg.payload.connectorId;
  const operative = msg.payload.type === "Operative";
  const others = a.scheduled.filter((s) => s.connectorId !== id && !s.operative);
  const now = [...a.inoperative, ...others.map((s) => s.connectorId)];
  const stored = withChange(now, id, operative);
  return { id: msg.id, connectorId: id, operative, value: stored.join(",") };
}

/** Whether a transaction runs (or is stopping) on connector `id` (0: on any). */
export type Busy = (id: number) => boolean;

/**
 * A ChangeAvailability.req: Rejected for an unknown connector; else its
 * write is asked for (or it is held while another one is being written).
 */
export function changeAvailability(
  a: AvailabilityState,
  msg: ChangeAvailabilityRequest,
  known: (id: number) => boolean,
  effects: Effect[],
): AvailabilityState {
  // One write at a time: the next is computed from the list the previous one left.
  if (a.writing) return { ...a, held: [...a.held, msg] };
  if (!known(msg.payload.connectorId)) {
    effects.push(reply(msg.id, msg.action, { status: "Rejected" }));
    return a;
  }
  const writing = availabilityWrite(a, msg);
  effects.push({ type: "config.write", key: AVAILABILITY_KEY, value: writing.value });
  return { ...a, writing };
}

/**
 * The outcome of the write being made: Accepted (applied now), Scheduled
 * (a transaction runs) or, when it failed, Rejected with nothing changed;
 * then the next held request.
 */
export function availabilityWritten(
  a: AvailabilityState,
  msg: MessageOf<"config.written">,
  known: (id: number) => boolean,
  busy: Busy,
  effects: Effect[],
): AvailabilityState {
  const w = a.writing;
  if (!w || msg.key !== AVAILABILITY_KEY || msg.value !== w.value) return a;
  const answer = (status: "Accepted" | "Scheduled" | "Rejected") =>
    effects.push(reply(w.id, "ChangeAvailability", { status }));
  let next: AvailabilityState = { ...a, writing: null, held: [] };
  if (!msg.ok) {
    // Section 5.2 asks for a change that survives a reboot: one not stored is not made.
    answer("Rejected");
    effects.push({
      type: "log",
      level: "error",
      text: `ChangeAvailability connector ${w.connectorId} ${
        w.operative ? "Operative" : "Inoperative"
      } rejected: cannot store ${AVAILABILITY_KEY} (${msg.reason ?? "write failed"})`,
    });
  } else {
    const scheduled = next.scheduled.filter((s) => s.connectorId !== w.connectorId);
    if (!w.operative && busy(w.connectorId)) {
      // Section 5.2: a running transaction makes the change Scheduled until it ends.
      next = {
        ...next,
        scheduled: [...scheduled, { connectorId: w.connectorId, operative: false }],
      };
      answer("Scheduled");
    } else {
      next = {
        ...next,
        scheduled,
        inoperative: withChange(next.inoperative, w.connectorId, w.operative),
      };
      answer("Accepted");
    }
  }
  for (const held of a.held) next = changeAvailability(next, held, known, effects);
  return next;
}

/** A transaction ended on `connectorId`: the changes Scheduled for it take effect (in memory; stored already). */
export function scheduledDue(
  a: AvailabilityState,
  connectorId: number,
  busy: Busy,
): AvailabilityState {
  let next = a;
  for (const s of a.scheduled) {
    if (s.connectorId !== connectorId && s.connectorId !== 0) continue;
    if (s.connectorId === 0 && busy(0)) continue;
    next = {
      ...next,
      scheduled: next.scheduled.filter((x) => x !== s),
      inoperative: withChange(next.inoperative, s.connectorId, s.operative),
    };
  }
  return next;
}
