/**
 * What the wallbox did, for people: the shell side that watches the bus of
 * each boot and keeps
 *
 * - the last authorization decision per connector (`lastAuthorization` of
 *   `/api/status`: idTag, accepted, a stable reason code, time);
 * - the backend connection as the status page shows it: connected or not
 *   since when (the time it last went up or down, not of every retry), the
 *   last message and heartbeat, the last security fallback;
 * - the stored transaction history and event journal (`history_store.ts`).
 *
 * The reason codes are translated by the pages (`api/static/i18n.js`,
 * checked by `tests/browser/codes_test.ts`).
 *
 * @module
 */
import type { Bus } from "../actors/bus.ts";
import type { BackendState, IdTagInfo, MessageOf } from "../actors/messages.ts";
import { type FailureKind, failureKind } from "../ocpp/transport.ts";
import type { ConfigView } from "../config/registry.ts";
import type { HistoryStore, JournalCode } from "./history_store.ts";
import { LOCAL_REQUEST_PREFIX } from "../actors/rpc.ts";
import type { EventParams } from "./history_store.ts";

/** Every reason code of an authorization decision. */
export const AUTH_REASONS = [
  "free_charging",
  "on_whitelist",
  "local_list",
  "cache",
  "backend_accepted",
  "offline_allowed",
  "not_on_whitelist",
  "expired",
  "blocked",
  "concurrent_tx",
  "backend_invalid",
  "offline_unknown",
  "known_invalid",
  "reserved",
] as const;

/** Why a card was accepted or refused. */
export type AuthReason = (typeof AUTH_REASONS)[number];

/** The last authorization decision of a connector. */
export interface LastAuthorization {
  readonly idTag: string;
  readonly accepted: boolean;
  readonly reason: AuthReason;
  /** ISO time of the decision. */
  readonly at: string;
  /** Start, stop or a RemoteStart's check. */
  readonly purpose: "start" | "stop" | "remote";
}

/** Every reason code of a backend state (`backend.reasonCode`). */
export const BACKEND_REASONS = [
  "no_backend",
  "boot_pending",
  "boot_rejected",
  "dns",
  "refused",
  "unreachable",
  "timeout",
  "tls",
  "unauthorized",
  "not_found",
  "http",
  "handshake",
  "proxy",
  "interface",
  "config",
  "keepalive",
  "lost",
  "closed",
  "tls_unverified",
] as const;

/** A backend state's reason as a code. */
export type BackendReason = (typeof BACKEND_REASONS)[number];

/** The code of a backend state's reason sentence. */
export function backendReasonCode(
  state: BackendState,
  reason: string | null,
): BackendReason | null {
  if (reason === null || reason === "") return null;
  if (state === "disabled") return "no_backend";
  if (reason.startsWith("BootNotification Pending")) return "boot_pending";
  if (reason.startsWith("BootNotification Rejected")) return "boot_rejected";
  if (reason.startsWith("Connected without verifying")) return "tls_unverified";
  const kind: FailureKind = failureKind(reason);
  return kind;
}

/**
 * The reason code of an authorization result.
 *
 * @example A card not on the app's whitelist
 * ```ts
 * authReason({ status: "Invalid" }, "list", "local"); // "not_on_whitelist"
 * ```
 */
export function authReason(
  info: IdTagInfo,
  source: MessageOf<"auth.result">["source"],
  mode: string,
): AuthReason {
  switch (info.status) {
    case "Accepted":
      switch (source) {
        case "free":
          return "free_charging";
        case "list":
          return mode === "local" ? "on_whitelist" : "local_list";
        case "cache":
          return "cache";
        case "backend":
          return "backend_accepted";
        default:
          return "offline_allowed";
      }
    case "Expired":
      return "expired";
    case "Blocked":
      return "blocked";
    case "ConcurrentTx":
      return "concurrent_tx";
    default:
      if (source === "backend") return "backend_invalid";
      if (source === "offline") return "offline_unknown";
      return mode === "local" ? "not_on_whitelist" : "known_invalid";
  }
}

/** The backend connection as the status page shows it. */
export interface LinkActivity {
  /** The WebSocket is open (booting, pending, rejected or accepted). */
  readonly connected: boolean;
  /** ISO time the connection last went up or down (not of each retry). */
  readonly connectedChangedAt: string;
  /** ISO time of the last message from the backend. */
  readonly lastMessageAt: string | null;
  /** ISO time of the last Heartbeat.conf. */
  readonly lastHeartbeatAt: string | null;
  /** The last security fallback the runtime made, or null. */
  readonly fallback: {
    readonly at: string;
    readonly from: number;
    readonly to: number;
    readonly reasonCode: BackendReason | null;
  } | null;
}

const UP: ReadonlySet<BackendState> = new Set(["booting", "pending", "rejected", "accepted"]);

/** The StartTransaction.req fields the history keeps (as the schema checked them). */
interface StartPayload {
  readonly connectorId: number;
  readonly idTag: string;
  readonly meterStart: number;
  readonly timestamp: string;
}

/** The StopTransaction.req fields the history keeps. */
interface StopPayload {
  readonly meterStop: number;
  readonly timestamp: string;
  readonly reason?: string;
}

/** Keys whose values never go into the journal. */
const SECRET_KEYS = new Set(["AuthorizationKey", "FallbackAuthorizationKey"]);

/** The activity of the runtime across its boots. */
export class Activity {
  readonly #history: HistoryStore;
  readonly #now: () => number;
  readonly #onError: (text: string) => void;
  #auth = new Map<number, LastAuthorization>();
  #connected = false;
  #changedAt: number;
  #lastMessage: number | null = null;
  #lastHeartbeat: number | null = null;
  #fallback: LinkActivity["fallback"] = null;
  /** Open transactions: local number by connector. */
  #openTx = new Map<number, number>();

  constructor(history: HistoryStore, now: () => number, onError: (text: string) => void) {
    this.#history = history;
    this.#now = now;
    this.#changedAt = now();
    this.#onError = onError;
  }

  /** The stored history. */
  get history(): HistoryStore {
    return this.#history;
  }

  /** The last decision for a connector (one made for connector 0 counts for all). */
  lastAuthorization(connectorId: number): LastAuthorization | null {
    const own = this.#auth.get(connectorId);
    const any = this.#auth.get(0);
    if (!own) return any ?? null;
    if (!any) return own;
    return own.at >= any.at ? own : any;
  }

  /** The connection facts. */
  link(): LinkActivity {
    const iso = (t: number | null) => (t === null ? null : new Date(t).toISOString());
    return {
      connected: this.#connected,
      connectedChangedAt: new Date(this.#changedAt).toISOString(),
      lastMessageAt: iso(this.#lastMessage),
      lastHeartbeatAt: iso(this.#lastHeartbeat),
      fallback: this.#fallback,
    };
  }

  /** Writes a journal event; a failure is reported, never thrown. */
  journal(code: JournalCode, params: EventParams = {}): void {
    this.#safe(() => this.#history.event(this.#now(), code, params));
  }

  #safe(write: () => void): void {
    try {
      write();
    } catch (err) {
      this.#onError(`Cannot write the history: ${err instanceof Error ? err.message : err}`);
    }
  }

  /** Watches one boot's bus; `config` reads the settings (authorization mode). */
  attach(bus: Bus, config: () => ConfigView): void {
    bus.subscribe("auth.result", (m) => {
      const reason = authReason(m.info, m.source, config().str("AuthorizationMode"));
      this.#decided(m.connectorId, m.idTag, m.info.status === "Accepted", reason, m.purpose);
    });
    bus.subscribe("tx.refused", (m) => {
      this.#decided(m.connectorId, m.idTag, false, m.reason, "start");
    });
    bus.subscribe("backend.state", (m) => {
      const up = UP.has(m.state);
      if (up !== this.#connected) {
        this.#connected = up;
        this.#changedAt = m.since;
        if (up) this.journal("backend_connected", {});
        else {
          this.journal("backend_disconnected", {
            reason: backendReasonCode(m.state, m.reason ?? null),
          });
        }
      }
      if (m.state === "pending" || m.state === "rejected") {
        this.journal("backend_disconnected", {
          reason: backendReasonCode(m.state, m.reason ?? null),
        });
      }
    });
    bus.subscribe("ws.received", () => {
      this.#lastMessage = this.#now();
    });
    bus.subscribe("ocpp.result", (m) => {
      if (m.action === "Heartbeat") this.#lastHeartbeat = this.#now();
      if (m.action === "StartTransaction" && m.ref?.startsWith("start:")) {
        const tx = Number(m.ref.slice(6));
        const id = (m.payload as { transactionId?: unknown }).transactionId;
        if (Number.isInteger(tx) && typeof id === "number") {
          this.#safe(() => this.#history.confirmed(tx, id));
        }
      }
    });
    bus.subscribe("ocpp.call", (m) => {
      if (m.action === "StartTransaction" && m.tx !== undefined) {
        const tx = m.tx;
        const p = m.payload as unknown as StartPayload;
        this.#openTx.set(p.connectorId, tx);
        this.#safe(() =>
          this.#history.started({
            tx,
            connectorId: p.connectorId,
            idTag: p.idTag,
            at: Date.parse(p.timestamp),
            meterStartWh: p.meterStart,
          })
        );
        this.journal("tx_started", { connectorId: p.connectorId, idTag: p.idTag });
      } else if (m.action === "StopTransaction" && m.tx !== undefined) {
        const tx = m.tx;
        const p = m.payload as unknown as StopPayload;
        const reason = p.reason ?? "Local";
        this.#safe(() =>
          this.#history.stopped(tx, {
            at: Date.parse(p.timestamp),
            meterStopWh: p.meterStop,
            reason,
          })
        );
        this.journal("tx_stopped", { reason, meterStopWh: p.meterStop });
      }
    });
    bus.subscribe("backend.fallback", (m) => {
      this.#fallback = {
        at: new Date(this.#now()).toISOString(),
        from: m.fromProfile,
        to: m.toProfile,
        reasonCode: backendReasonCode("backoff", m.reason),
      };
      this.journal("security_fallback", {
        from: m.fromProfile,
        to: m.toProfile,
        reason: backendReasonCode("backoff", m.reason),
        keyRestored: m.keyRestored,
      });
    });
    const changes = new Map<string, { key: string; value: string }>();
    bus.subscribe("ocpp.request", (m) => {
      const p = m.payload as Record<string, unknown>;
      if (m.action === "ChangeConfiguration") {
        const key = String(p.key);
        const value = SECRET_KEYS.has(key) ? "***" : String(p.value);
        changes.set(m.id, { key, value });
      } else if (m.action === "Reset") {
        const by = m.id.startsWith(LOCAL_REQUEST_PREFIX) ? "local" : "backend";
        this.journal("reset", { kind: String(p.type), by });
      } else if (m.action === "ChangeAvailability" && m.id.startsWith(LOCAL_REQUEST_PREFIX)) {
        this.journal("availability_changed", {
          connectorId: Number(p.connectorId),
          operative: p.type === "Operative",
        });
      }
    });
    bus.subscribe("ocpp.reply", (m) => {
      const change = changes.get(m.id);
      if (!change) return;
      changes.delete(m.id);
      const status = String((m.payload as { status?: unknown }).status);
      if (status === "Accepted" || status === "RebootRequired") {
        this.journal("config_changed_by_backend", { ...change, status });
      }
    });
    bus.subscribe("hw.fault", (m) => {
      this.journal("fault", { connectorId: m.connectorId, errorCode: m.errorCode });
    });
    bus.subscribe("hw.fault_cleared", (m) => {
      this.journal("fault_cleared", { connectorId: m.connectorId });
    });
  }

  #decided(
    connectorId: number,
    idTag: string,
    accepted: boolean,
    reason: AuthReason,
    purpose: LastAuthorization["purpose"],
  ): void {
    const at = new Date(this.#now()).toISOString();
    this.#auth.set(connectorId, { idTag, accepted, reason, at, purpose });
    if (!accepted) this.journal("auth_refused", { connectorId, idTag, reason });
  }
}
