/**
 * Live status for the web app as Server-Sent Events (`GET /api/events`).
 *
 * While at least one stream is open, the hub reads `runtime.status()` every
 * `pollMs` (500 ms) and pushes it only when it changed. From the difference
 * of two readings it derives the recent events (backend state changes,
 * connector status changes, transactions started and stopped), keeps the
 * last {@linkcode MAX_EVENTS} and pushes each new one. With no stream open
 * nothing runs: events that happen while nobody watches are not recorded.
 *
 * Stream messages:
 * - `event: status`, data: the {@linkcode StatusView} (at open, then on change);
 * - `event: events`, data: the recent events, newest first (at open);
 * - `event: event`, data: one new event;
 * - a comment line every {@linkcode KEEP_ALIVE_MS} when nothing else was sent.
 *
 * A stream whose `alive()` turns false (its session ended) is closed; so is
 * one whose reader falls more than {@linkcode MAX_QUEUED} messages behind.
 *
 * @module
 */
import type { RuntimeHandle, StatusView } from "../runtime/handle.ts";
import { type Clock, systemClock, type TimerHandle } from "../actors/clock.ts";

/** Events kept for a newly opened stream. */
export const MAX_EVENTS = 30;
/** A comment is sent after this long without a message, ms. */
export const KEEP_ALIVE_MS = 15_000;
/** A stream more than this many messages behind its reader is closed. */
export const MAX_QUEUED = 64;

/** Something that happened, as the status page lists it. */
export type StatusEvent =
  & { readonly at: string }
  & (
    | {
      readonly type: "backend";
      readonly state: StatusView["backend"]["state"];
      readonly reason: string | null;
    }
    | {
      readonly type: "connector";
      readonly connectorId: number;
      readonly status: string;
      readonly errorCode: string;
    }
    | {
      readonly type: "transaction.started";
      readonly connectorId: number;
      readonly idTag: string | null;
    }
    | {
      readonly type: "transaction.stopped";
      readonly connectorId: number;
      readonly idTag: string | null;
      readonly energyWh: number | null;
    }
  );

/** Options of {@linkcode StatusHub}. */
export interface StatusHubOptions {
  /** Interval of `runtime.status()` reads while a stream is open, ms (default 500). */
  readonly pollMs?: number;
  /**
   * The clock that runs the polls and stamps events (default the system
   * clock); tests pass a FakeClock and advance it.
   */
  readonly clock?: Clock;
}

interface Subscriber {
  readonly ctrl: ReadableStreamDefaultController<Uint8Array>;
  readonly alive: () => boolean;
  lastSent: number;
}

const encoder = new TextEncoder();

/**
 * The status poller and its SSE streams.
 *
 * @example Usage
 * ```ts ignore
 * const hub = new StatusHub(runtime);
 * return new Response(hub.open(), { headers: { "Content-Type": "text/event-stream" } });
 * ```
 */
export class StatusHub {
  #runtime: RuntimeHandle;
  #pollMs: number;
  #clock: Clock;
  #subs = new Set<Subscriber>();
  #timer: TimerHandle | undefined;
  #last: StatusView | undefined;
  #lastJson = "";
  #events: StatusEvent[] = [];

  constructor(runtime: RuntimeHandle, opts: StatusHubOptions = {}) {
    this.#runtime = runtime;
    this.#pollMs = opts.pollMs ?? 500;
    this.#clock = opts.clock ?? systemClock;
  }

  /** How many streams are open. */
  get streams(): number {
    return this.#subs.size;
  }

  /** The recent events, newest first. */
  get events(): readonly StatusEvent[] {
    return this.#events;
  }

  /**
   * Opens a stream: the current status and the recent events at once, then
   * every change until the reader cancels or `alive()` turns false.
   */
  open(opts: { alive?: () => boolean } = {}): ReadableStream<Uint8Array> {
    let sub: Subscriber | undefined;
    return new ReadableStream<Uint8Array>({
      start: (ctrl) => {
        this.#poll(); // before joining: this stream gets the current status once, below
        sub = { ctrl, alive: opts.alive ?? (() => true), lastSent: this.#clock.now() };
        this.#subs.add(sub);
        this.#send(sub, "retry: 2000\n\n");
        if (this.#last) this.#send(sub, message("status", this.#lastJson));
        this.#send(sub, message("events", JSON.stringify(this.#events)));
        if (this.#timer === undefined) this.#schedule();
      },
      cancel: () => {
        if (sub) this.#drop(sub, false);
      },
    });
  }

  /** The next poll, on the clock (one timer at a time, while a stream is open). */
  #schedule(): void {
    this.#timer = this.#clock.setTimeout(() => {
      this.#timer = undefined;
      this.#tick();
      if (this.#subs.size > 0 && this.#timer === undefined) this.#schedule();
    }, this.#pollMs);
  }

  #tick(): void {
    for (const sub of this.#subs) if (!sub.alive()) this.#drop(sub, true);
    if (this.#subs.size === 0) return;
    this.#poll();
    const now = this.#clock.now();
    for (const sub of this.#subs) {
      if (now - sub.lastSent >= KEEP_ALIVE_MS) this.#send(sub, ": keep-alive\n\n");
    }
  }

  /** Reads the status; on a change pushes it and the events it implies. */
  #poll(): void {
    let next: StatusView;
    try {
      next = this.#runtime.status();
    } catch {
      return; // the next poll tries again; nothing of the error reaches a client
    }
    const json = JSON.stringify(next);
    if (json === this.#lastJson) return;
    const events = this.#last ? diffStatus(this.#last, next, new Date(this.#clock.now())) : [];
    this.#last = next;
    this.#lastJson = json;
    this.#events = [...events.toReversed(), ...this.#events].slice(0, MAX_EVENTS);
    for (const sub of this.#subs) {
      this.#send(sub, message("status", json));
      // Oldest first: the page puts each one on top of its list.
      for (const e of events) this.#send(sub, message("event", JSON.stringify(e)));
    }
  }

  #send(sub: Subscriber, text: string): void {
    if (!this.#subs.has(sub)) return;
    if ((sub.ctrl.desiredSize ?? 0) < -MAX_QUEUED) {
      this.#drop(sub, true);
      return;
    }
    sub.ctrl.enqueue(encoder.encode(text));
    sub.lastSent = this.#clock.now();
  }

  #drop(sub: Subscriber, close: boolean): void {
    if (!this.#subs.delete(sub)) return;
    if (close) {
      try {
        sub.ctrl.close();
      } catch {
        // already closed or errored by the reader
      }
    }
    if (this.#subs.size === 0 && this.#timer !== undefined) {
      this.#clock.clearTimeout(this.#timer);
      this.#timer = undefined;
    }
  }
}

function message(event: string, data: string): string {
  return `event: ${event}\ndata: ${data}\n\n`;
}

/**
 * The events between two status readings, oldest first.
 *
 * @example A transaction started
 * ```ts ignore
 * diffStatus(before, after, new Date()); // [{ type: "connector", ... }, { type: "transaction.started", ... }]
 * ```
 */
export function diffStatus(prev: StatusView, next: StatusView, time: Date): StatusEvent[] {
  const at = time.toISOString();
  const out: StatusEvent[] = [];
  if (prev.backend.state !== next.backend.state) {
    out.push({ at, type: "backend", state: next.backend.state, reason: next.backend.reason });
  }
  for (const c of next.connectors) {
    const p = prev.connectors.find((x) => x.id === c.id);
    if (!p) continue;
    if (p.startedAt !== null && p.startedAt !== c.startedAt) {
      out.push({
        at,
        type: "transaction.stopped",
        connectorId: c.id,
        idTag: p.idTag,
        energyWh: p.energyWh,
      });
    }
    if (p.status !== c.status || p.errorCode !== c.errorCode) {
      out.push({
        at,
        type: "connector",
        connectorId: c.id,
        status: c.status,
        errorCode: c.errorCode,
      });
    }
    if (c.startedAt !== null && p.startedAt !== c.startedAt) {
      out.push({ at, type: "transaction.started", connectorId: c.id, idTag: c.idTag });
    }
  }
  return out;
}
