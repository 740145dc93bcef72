/**
 * The in-process bus and the actor runner.
 *
 * Messages are delivered in publish order, one at a time (run to
 * completion, like xstate's mailbox): a message published while another is
 * being handled waits its turn. Each actor is a pure
 * `transition(state, msg, ctx) -> [state, effects]`; the runner applies the
 * effects: bus messages are published, timers are started on the injected
 * clock and fire back to their actor as `timer.fired`.
 *
 * Durable first: the `store.*` effects of a transition are handed to
 * `persist` before anything else of it happens; if one cannot be written
 * the transition is not taken at all. Errors are never swallowed: a
 * transition, subscriber or tap that throws goes to `onError` (default:
 * rethrow).
 *
 * @module
 */
import type { Clock } from "./clock.ts";
import type { BusMessage, BusMessageType, MessageOf } from "./messages.ts";
import type { ConfigView } from "../config/registry.ts";
import type { ActorName, ActorStates } from "./states.ts";
import type { CsAction } from "../ocpp/types.ts";

/** What a transition may read besides its state and message. */
export interface Ctx {
  /** Milliseconds since the epoch, from the injected clock. */
  readonly now: number;
  readonly config: ConfigView;
}

/** Timer effects, keyed per actor by `id`. Starting an id that runs restarts it. */
export type TimerEffect =
  | { readonly type: "timer.start"; readonly id: string; readonly ms: number }
  | { readonly type: "timer.cancel"; readonly id: string };

/** The message a timer delivers to the actor that started it. */
export interface TimerFired {
  readonly type: "timer.fired";
  readonly id: string;
}

/** What a transition returns besides its new state. */
export type Effect = BusMessage | TimerEffect;

/** An actor's logic: pure, no I/O. */
export interface ActorLogic<S, M extends BusMessage> {
  readonly name: string;
  /** Message types the actor receives. */
  readonly receives: readonly M["type"][];
  /** Inbound OCPP actions it answers (`ocpp.request` is routed by these). */
  readonly handles?: readonly CsAction[];
  initial(ctx: Ctx): S;
  transition(state: S, msg: M | TimerFired, ctx: Ctx): readonly [S, readonly Effect[]];
}

/** A running actor, as the bus sees it. */
interface RunningActor {
  readonly logic: ActorLogic<unknown, BusMessage>;
  state: unknown;
  readonly timers: Map<string, unknown>;
}

/** A write to the durable store: every bus message whose type starts with `store.`. */
export type StoreEffect = Extract<BusMessage, { type: `store.${string}` }>;

/** An error raised inside the bus: by a transition, a subscriber or an inspection tap. */
export interface BusError {
  /** Where: `actor <name> on <type>`, `subscriber of <type>`, `tap on <type>`. */
  readonly where: string;
  readonly error: unknown;
}

/** Options for {@link Bus}. */
export interface BusOptions {
  readonly clock: Clock;
  /** Current configuration, read at each delivery. */
  readonly config: () => ConfigView;
  /**
   * Called for a transition, subscriber or tap that throws (a programmer
   * error: the actor keeps its old state). Default: rethrow, so a test
   * fails where it happened; the runtime logs and faults the charge point.
   */
  readonly onError?: (e: BusError) => void;
  /**
   * Performs a `store.*` effect durably, synchronously, before any effect of
   * the same transition is applied; it throws when the write failed. A
   * transition whose write fails is not taken: the actor keeps its old
   * state, none of its effects happen (no relay closes, no frame leaves for
   * a journal entry that is not on disk), and an error log is published (and,
   * for a request of the Central System, a CALLERROR InternalError).
   */
  readonly persist?: (m: StoreEffect) => void;
}

/** Rethrows: the default {@link BusOptions.onError}. */
function rethrow(e: BusError): never {
  throw e.error instanceof Error ? e.error : new Error(`${e.where}: ${String(e.error)}`);
}

/**
 * The bus. Actors and shell subscribers receive messages in publish order.
 *
 * @example
 * ```ts
 * const bus = new Bus({ clock: systemClock, config: () => view });
 * bus.inspect((m) => console.log(m.type));
 * bus.publish({ type: "hw.rfid", idTag: "ABC" });
 * ```
 */
export class Bus {
  #opts: BusOptions;
  #queue: (BusMessage | { to: RunningActor; msg: TimerFired })[] = [];
  #draining = false;
  #actors: RunningActor[] = [];
  #subs = new Map<string, ((m: BusMessage) => void)[]>();
  #taps: ((m: BusMessage) => void)[] = [];
  #stopped = false;

  constructor(opts: BusOptions) {
    this.#opts = opts;
  }

  /** Adds an actor and gives it its initial state. */
  spawn<S, M extends BusMessage>(logic: ActorLogic<S, M>): void {
    const ctx = this.#ctx();
    this.#actors.push({
      logic: logic as unknown as ActorLogic<unknown, BusMessage>,
      state: logic.initial(ctx),
      timers: new Map(),
    });
  }

  /**
   * The current state of an actor, for status pages and tests (read-only):
   * typed from {@link ActorStates} for the runtime's actors; `unknown` for
   * any other name (a test's own actor), which the caller must narrow.
   */
  snapshot<K extends ActorName>(name: K): ActorStates[K];
  snapshot(name: string): unknown;
  snapshot(name: string): unknown {
    return this.#state(name);
  }

  #state(name: string): unknown {
    const actor = this.#actors.find((a) => a.logic.name === name);
    if (!actor) throw new RangeError(`Cannot read actor ${name}: no such actor`);
    return actor.state;
  }

  /** Every inbound OCPP action some actor answers. */
  handledActions(): Set<CsAction> {
    return new Set(this.#actors.flatMap((a) => a.logic.handles ?? []));
  }

  /** Subscribes a shell function to one message type; returns the unsubscribe function. */
  subscribe<K extends BusMessageType>(type: K, fn: (m: MessageOf<K>) => void): () => void {
    const list = this.#subs.get(type) ?? [];
    list.push(fn as (m: BusMessage) => void);
    this.#subs.set(type, list);
    return () => {
      const l = this.#subs.get(type) ?? [];
      const i = l.indexOf(fn as (m: BusMessage) => void);
      if (i >= 0) l.splice(i, 1);
    };
  }

  /** The one inspection tap: sees every message, in order. Returns the unsubscribe function. */
  inspect(fn: (m: BusMessage) => void): () => void {
    this.#taps.push(fn);
    return () => {
      const i = this.#taps.indexOf(fn);
      if (i >= 0) this.#taps.splice(i, 1);
    };
  }

  /** Publishes a message; it is delivered after those already queued. */
  publish(msg: BusMessage): void {
    if (this.#stopped) return;
    this.#queue.push(msg);
    this.#drain();
  }

  /** Stops every timer and ignores further messages. */
  stop(): void {
    this.#stopped = true;
    this.#queue.length = 0;
    for (const a of this.#actors) {
      for (const h of a.timers.values()) this.#opts.clock.clearTimeout(h);
      a.timers.clear();
    }
  }

  #ctx(): Ctx {
    return { now: this.#opts.clock.now(), config: this.#opts.config() };
  }

  #drain(): void {
    if (this.#draining) return;
    this.#draining = true;
    try {
      let item;
      while (!this.#stopped && (item = this.#queue.shift()) !== undefined) {
        if ("to" in item) this.#run(item.to, item.msg);
        else this.#deliver(item);
      }
    } finally {
      this.#draining = false;
    }
  }

  #deliver(msg: BusMessage): void {
    for (const tap of [...this.#taps]) this.#guard(() => tap(msg), `tap on ${msg.type}`);
    for (const actor of this.#actors) {
      if (!actor.logic.receives.includes(msg.type)) continue;
      if (msg.type === "ocpp.request" && !actor.logic.handles?.includes(msg.action)) continue;
      this.#run(actor, msg);
    }
    for (const fn of [...(this.#subs.get(msg.type) ?? [])]) {
      this.#guard(() => fn(msg), `subscriber of ${msg.type}`);
    }
  }

  #run(actor: RunningActor, msg: BusMessage | TimerFired): void {
    let result: readonly [unknown, readonly Effect[]];
    try {
      result = actor.logic.transition(actor.state, msg, this.#ctx());
    } catch (err) {
      // A throwing transition is a programmer error: the old state stays; onError decides.
      this.#error({ where: `actor ${actor.logic.name} on ${msg.type}`, error: err });
      return;
    }
    const persist = this.#opts.persist;
    if (persist) {
      for (const effect of result[1]) {
        if (!effect.type.startsWith("store.")) continue;
        try {
          persist(effect as StoreEffect);
        } catch (err) {
          // Not durable, not done: the transition is dropped whole.
          this.publish({
            type: "log",
            level: "error",
            text: `Cannot handle ${msg.type} in actor ${actor.logic.name}: ` +
              `cannot write ${effect.type} to the store (${errorText(err)}); nothing done`,
          });
          // A request of the Central System still gets an answer: not processed (OCPP-J 4.2.3).
          if (msg.type === "ocpp.request") {
            this.publish({
              type: "ocpp.reply_error",
              id: msg.id,
              code: "InternalError",
              description: "cannot store the change",
            });
          }
          return;
        }
      }
    }
    actor.state = result[0];
    for (const effect of result[1]) this.#apply(actor, effect);
  }

  #error(e: BusError): void {
    (this.#opts.onError ?? rethrow)(e);
  }

  #apply(actor: RunningActor, effect: Effect): void {
    if (effect.type === "timer.start") {
      const old = actor.timers.get(effect.id);
      if (old !== undefined) this.#opts.clock.clearTimeout(old);
      const handle = this.#opts.clock.setTimeout(() => {
        actor.timers.delete(effect.id);
        if (this.#stopped) return;
        this.#queue.push({ to: actor, msg: { type: "timer.fired", id: effect.id } });
        this.#drain();
      }, effect.ms);
      actor.timers.set(effect.id, handle);
    } else if (effect.type === "timer.cancel") {
      const old = actor.timers.get(effect.id);
      if (old !== undefined) this.#opts.clock.clearTimeout(old);
      actor.timers.delete(effect.id);
    } else {
      this.publish(effect);
    }
  }

  #guard(fn: () => void, what: string): void {
    try {
      fn();
    } catch (err) {
      this.#error({ where: what, error: err });
    }
  }
}

/** The message of an unknown thrown value. */
export function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
