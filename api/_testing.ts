/**
 * Test helpers of the web app's unit tests: a fake runtime with real
 * settings validation, and a reader of Server-Sent Events.
 *
 * @module
 */
import { ConfigStore } from "../config/store.ts";
import type { ConnectorView, RuntimeHandle, SimControls, StatusView } from "../runtime/handle.ts";
import type { DurabilityView } from "../runtime/durability_view.ts";

/** A healthy durable store, as the status shows it. */
export const OK_DURABILITY: DurabilityView = {
  state: "ok",
  detail: null,
  chargingDisabled: null,
  queued: 0,
  limit: 20_000,
  givenUp: 0,
  thinned: 0,
  openTransactions: 0,
  storeBytes: 4096,
  previousRun: "clean",
  recentGivenUp: [],
};

/** The backend facts of a status besides state, since and reason (standalone). */
export const BACKEND_DETAILS = {
  reasonCode: null,
  url: null,
  chargePointId: "CP-1",
  securityProfile: 0,
  connected: false,
  connectedChangedAt: "2026-01-01T00:00:00.000Z",
  lastMessageAt: null,
  lastHeartbeatAt: null,
  fallback: null,
} as const;

/** A fake runtime whose status the test changes. */
export interface FakeRuntime extends RuntimeHandle {
  /** The status `status()` returns; replace it to simulate a change. */
  current: StatusView;
  /** Calls on the simulated hardware, in order. */
  readonly simCalls: unknown[][];
  /** The settings store behind `settings()` / `updateSettings()` (memory only). */
  readonly store: ConfigStore;
}

/** A connector at rest. */
export function idleConnector(id: number): ConnectorView {
  return {
    id,
    status: "Available",
    errorCode: "NoError",
    evState: "A",
    transactionId: null,
    idTag: null,
    startedAt: null,
    energyWh: null,
    meterWh: 0,
    powerW: 0,
    phases: null,
    reservation: null,
    limitA: 32,
    limitSource: "installer",
    lastAuthorization: null,
  };
}

/** A runtime with a real (in-memory) settings store and recorded sim calls. */
export function fakeRuntime(opts: { sim?: boolean } = {}): FakeRuntime {
  const store = new ConfigStore();
  const simCalls: unknown[][] = [];
  const sim: SimControls = {
    plug: (id) => void simCalls.push(["plug", id]),
    unplug: (id) => void simCalls.push(["unplug", id]),
    tap: (idTag) => void simCalls.push(["tap", idTag]),
    setEvCharging: (id, charging) => void simCalls.push(["setEvCharging", id, charging]),
  };
  const fake: FakeRuntime = {
    current: {
      backend: {
        ...BACKEND_DETAILS,
        state: "disabled",
        since: "2026-01-01T00:00:00.000Z",
        reason: null,
      },
      connectors: [idleConnector(1)],
      durability: OK_DURABILITY,
    },
    simCalls,
    store,
    connectorCount: 1,
    sim: opts.sim === false ? undefined : sim,
    status: () => fake.current,
    settings: () => store.publicSettings(),
    updateSettings: async (input) => await store.apply(store.validateSettings(input)),
    clearSafeMode: () => {
      simCalls.push(["clearSafeMode"]);
      fake.current = { ...fake.current, durability: OK_DURABILITY };
      return Promise.resolve();
    },
  };
  return fake;
}

/** Reads Server-Sent Events from a response body. */
export class SseReader {
  #reader: ReadableStreamDefaultReader<Uint8Array>;
  #decoder = new TextDecoder();
  #buffer = "";
  /** Every message read so far. */
  readonly messages: { event: string; data: string }[] = [];

  constructor(body: ReadableStream<Uint8Array>) {
    this.#reader = body.getReader();
  }

  /**
   * Reads until a message matches, failing after `ms`.
   *
   * @returns the matching message.
   */
  async until(
    match: (m: { event: string; data: string }) => boolean,
    ms = 2000,
  ): Promise<{ event: string; data: string }> {
    const deadline = Date.now() + ms;
    for (;;) {
      const found = this.messages.find(match);
      if (found) return found;
      const chunk = await this.#read(deadline - Date.now());
      if (chunk === undefined) throw new Error("Cannot read event: stream ended");
      this.#buffer += chunk;
      let end;
      while ((end = this.#buffer.indexOf("\n\n")) >= 0) {
        const block = this.#buffer.slice(0, end);
        this.#buffer = this.#buffer.slice(end + 2);
        const event = /^event: (.*)$/m.exec(block)?.[1] ?? "";
        const data = [...block.matchAll(/^data: (.*)$/gm)].map((m) => m[1]).join("\n");
        this.messages.push({ event, data });
      }
    }
  }

  /** Reads until the stream ends, failing after `ms`. */
  async ended(ms = 2000): Promise<void> {
    const deadline = Date.now() + ms;
    while ((await this.#read(deadline - Date.now())) !== undefined) {
      // discard
    }
  }

  /** Cancels the stream (the client goes away). */
  async cancel(): Promise<void> {
    await this.#reader.cancel();
  }

  async #read(ms: number): Promise<string | undefined> {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`Timed out reading events after ${ms} ms`)), ms);
    });
    try {
      const { value, done } = await Promise.race([this.#reader.read(), timeout]);
      return done ? undefined : this.#decoder.decode(value);
    } finally {
      clearTimeout(timer);
    }
  }
}
