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
 * Lazy features: an actor may start as a small *gate* whose transition
 * returns the `actor.load` effect when its feature is first used; the bus
 * then loads the full logic (`ActorLogic.load`, a dynamic import), holds
 * that message and every later one for the actor, in order, and hands them
 * to the full logic once it is loaded, its state made from the gate's. An
 * unused feature's code is never loaded, so it costs no idle memory.
 *
 * Durable first: the `store.*` effects of a transition are handed to
 * `persist` before anything else of it happens; if one cannot be written
 * the transition is not taken at all. Errors are never swallowed: a
 * transition, subscriber or tap that throws goes to `onError` (default:
 * rethrow). {@link Bus.afterDrain} callbacks run once a turn is drained
 * (every write of it done): the backend link sends its frames then.
 *
 * One boot state: every transition's {@link Ctx} carries the connection
 * supervisor's phase (`ctx.backend`), so "is the BootNotification
 * Accepted?" has one answer for every actor.
 *
 * @module
 */
import type { Clock } from "./clock.ts";
import type { BackendState, BusMessage, BusMessageType, MessageOf } from "./messages.ts";
import type { ConfigView } from "../config/registry.ts";
import type { ActorName, ActorStates } from "./states.ts";
import type { CsAction } from "../ocpp/types.ts";

/** What a transition may read besides its state and message. */
export interface Ctx {
  /** Milliseconds since the epoch, from the injected clock. */
  readonly now: number;
  readonly config: ConfigView;
  /**
   * The connection supervisor's phase ({@link BusOptions.backend}), the one
   * answer to "is the BootNotification Accepted?" (`accepted`) that every
   * actor reads, so none can disagree with it (absent: `disabled`).
   */
  readonly backend?: BackendState;
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

/**
 * Loads the actor's full logic ({@link ActorLogic.load}): the message that
 * returned it, and every later one, go to the loaded logic.
 */
export interface LoadEffect {
  readonly type: "actor.load";
}

/** What a transition returns besides its new state. */
export type Effect = BusMessage | TimerEffect | LoadEffect;

/** The full logic of a lazily loaded actor (see {@link ActorLogic.load}). */
export interface LoadedLogic<G> {
  // deno-lint-ignore no-explicit-any
  readonly logic: ActorLogic<any, any>;
  /** The full logic's first state, from the gate's last one. */
  from(gate: G, ctx: Ctx): unknown;
}

/** An actor's logic: pure, no I/O. */
export interface ActorLogic<S, M extends BusMessage> {
  readonly name: string;
  /** Message types the actor receives. */
  readonly receives: readonly M["type"][];
  /** Inbound OCPP actions it answers (`ocpp.request` is routed by these). */
  readonly handles?: readonly CsAction[];
  initial(ctx: Ctx): S;
  transition(state: S, msg: M | TimerFired, ctx: Ctx): readonly [S, readonly Effect[]];
  /**
   * For a gate: loads the full logic (a dynamic import) when a transition
   * returns `actor.load`. The loaded logic has the gate's name and receives
   * and handles what the gate does; the bus keeps routing by the gate's lists.
   */
  readonly load?: () => Promise<LoadedLogic<S>>;
}

/**
 * A gate's full logic: the gate's name, lists and initial state with the
 * full `transition`, so the two cannot drift apart (the bus checks them at
 * load).
 */
export function fullLogic<S, M extends BusMessage>(
  gate: ActorLogic<S, M>,
  transition: ActorLogic<S, M>["transition"],
): ActorLogic<S, M> {
  const { load: _load, ...same } = gate;
  return { ...same, transition };
}

/** A running actor, as the bus sees it. */
interface RunningActor {
  logic: ActorLogic<unknown, BusMessage>;
  readonly name: string;
  readonly receives: readonly string[];
  readonly handles: readonly CsAction[];
  state: unknown;
  readonly timers: Map<string, unknown>;
  /** While its full logic loads: the messages held for it, in order. */
  held?: (BusMessage | TimerFired)[] | undefined;
}

/** A write to the durable store: every bus message whose type starts with `store.`. */
export type StoreEffect = Extract<BusMessage, { type: `store.${string}` }>;

/** An error raised inside the bus: by a transition, a subscriber or an inspection tap. */
export interface BusError {
  /** Where: `actor <name> on <type>`, `subscriber of <type>`, `tap on <type>`, `after-drain callback`. */
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
  /** The connection supervisor's phase now, read at each delivery ({@link Ctx.backend}). */
  readonly backend?: () => BackendState;
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
  #queue: (BusMessage | { to: RunningActor; msg: BusMessage | TimerFired })[] = [];
  #draining = false;
  #actors: RunningActor[] = [];
  #subs = new Map<string, ((m: BusMessage) => void)[]>();
  #taps: ((m: BusMessage) => void)[] = [];
  #drained: (() => void)[] = [];
  #stopped = false;
  #loading = new Set<Promise<void>>();

  constructor(opts: BusOptions) {
    this.#opts = opts;
  }

  /**
   * Adds an actor and gives it its initial state. With `load`, a gate's
   * full logic is loaded at once (its feature has stored work to resume);
   * messages for it are held until then.
   */
  spawn<S, M extends BusMessage>(logic: ActorLogic<S, M>, opts: { load?: boolean } = {}): void {
    const ctx = this.#ctx();
    const actor: RunningActor = {
      logic: logic as unknown as ActorLogic<unknown, BusMessage>,
      name: logic.name,
      receives: logic.receives,
      handles: logic.handles ?? [],
      state: logic.initial(ctx),
      timers: new Map(),
    };
    this.#actors.push(actor);
    if (opts.load) this.#load(actor, []);
  }

  /** Resolves once no actor's full logic is loading (tests, the runtime). */
  async loaded(): Promise<void> {
    while (this.#loading.size > 0) await Promise.all([...this.#loading]);
  }

  /** Whether `name`'s full logic is loaded (false for a gate, or while it loads). */
  isLoaded(name: string): boolean {
    const actor = this.#actors.find((a) => a.name === name);
    return actor !== undefined && actor.held === undefined && actor.logic.load === undefined;
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
    const actor = this.#actors.find((a) => a.name === name);
    if (!actor) throw new RangeError(`Cannot read actor ${name}: no such actor`);
    return actor.state;
  }

  /** Every inbound OCPP action some actor answers. */
  handledActions(): Set<CsAction> {
    return new Set(this.#actors.flatMap((a) => a.handles));
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

  /**
   * Calls `fn` each time the queue has been drained: every message of the
   * turn delivered, so every `store.*` write of it done. The backend link
   * sends its frames then, so a frame never leaves before a write its turn
   * caused. Returns the unsubscribe function.
   */
  afterDrain(fn: () => void): () => void {
    this.#drained.push(fn);
    return () => {
      const i = this.#drained.indexOf(fn);
      if (i >= 0) this.#drained.splice(i, 1);
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
    const now = this.#opts.clock.now();
    const config = this.#opts.config();
    const backend = this.#opts.backend?.();
    return backend === undefined ? { now, config } : { now, config, backend };
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
    // A callback that publishes drains again (and is called again at its end).
    if (this.#stopped) return;
    for (const fn of [...this.#drained]) this.#guard(fn, "after-drain callback");
  }

  #deliver(msg: BusMessage): void {
    for (const tap of [...this.#taps]) this.#guard(() => tap(msg), `tap on ${msg.type}`);
    for (const actor of this.#actors) {
      if (!actor.receives.includes(msg.type)) continue;
      if (msg.type === "ocpp.request" && !actor.handles.includes(msg.action)) continue;
      this.#run(actor, msg);
    }
    for (const fn of [...(this.#subs.get(msg.type) ?? [])]) {
      this.#guard(() => fn(msg), `subscriber of ${msg.type}`);
    }
  }

  #run(actor: RunningActor, msg: BusMessage | TimerFired): void {
    if (actor.held) {
      actor.held.push(msg);
      return;
    }
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
    let load = false;
    for (const effect of result[1]) {
      if (effect.type === "actor.load") load = true;
      else this.#apply(actor, effect);
    }
    if (load && !actor.held && actor.logic.load) this.#load(actor, [msg]);
  }

  /**
   * Loads a gate's full logic; `held` (the message that asked for it) and
   * every message that arrives meanwhile are handed to it, in order. A load
   * that fails goes to `onError`; the gate stays, requests held get a
   * CALLERROR InternalError, the rest is dropped.
   */
  #load(actor: RunningActor, held: (BusMessage | TimerFired)[]): void {
    const load = actor.logic.load!;
    actor.held = held;
    const done = load().then((loaded) => {
      if (this.#stopped) return;
      const logic = loaded.logic as ActorLogic<unknown, BusMessage>;
      const same = logic.name === actor.name &&
        actor.receives.every((t) => logic.receives.includes(t as BusMessageType)) &&
        actor.handles.every((a) => logic.handles?.includes(a));
      if (!same) {
        throw new Error(`the loaded logic ${logic.name} does not take the gate's messages`);
      }
      for (const h of actor.timers.values()) this.#opts.clock.clearTimeout(h);
      actor.timers.clear();
      actor.state = loaded.from(actor.state, this.#ctx());
      actor.logic = logic;
    }).catch((err) => {
      if (this.#stopped) return;
      this.#error({ where: `loading actor ${actor.name}`, error: err });
      for (const m of actor.held ?? []) {
        if (m.type !== "ocpp.request") continue;
        this.publish({
          type: "ocpp.reply_error",
          id: m.id,
          code: "InternalError",
          description: `cannot load ${actor.name}`,
        });
      }
      actor.held = [];
    }).finally(() => {
      this.#loading.delete(done);
      if (this.#stopped) return;
      const waiting = actor.held ?? [];
      actor.held = undefined;
      for (const msg of waiting) this.#queue.push({ to: actor, msg });
      this.#drain();
    });
    this.#loading.add(done);
  }

  #error(e: BusError): void {
    (this.#opts.onError ?? rethrow)(e);
  }

  #apply(actor: RunningActor, effect: Exclude<Effect, LoadEffect>): void {
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
