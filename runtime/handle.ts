/**
 * What the local API (and tests) may see and do of a running runtime.
 *
 * @module
 */
import type {
  BackendState,
  ChargePointErrorCode,
  ConnectorStatus,
  EvState,
  LimitSource,
} from "../actors/messages.ts";
import type { LocalLimit } from "../actors/composite_schedule.ts";
import type { Value } from "../config/registry.ts";
import type { DurabilityView } from "./durability_view.ts";

/** One phase of a connector's meter, as `/api/status` shows it. */
export interface PhaseView {
  readonly phase: "L1" | "L2" | "L3";
  /** A, 2 decimals. */
  readonly currentA: number;
  /** V against neutral, 1 decimal. */
  readonly voltageV: number;
}

/** One connector, as `/api/status` shows it. */
export interface ConnectorView {
  readonly id: number;
  readonly status: ConnectorStatus;
  readonly errorCode: ChargePointErrorCode;
  readonly evState: EvState;
  readonly transactionId: number | null;
  readonly idTag: string | null;
  /** ISO time the running transaction started. */
  readonly startedAt: string | null;
  /** Energy of the running transaction so far, Wh. */
  readonly energyWh: number | null;
  /** Meter register, Wh. */
  readonly meterWh: number;
  readonly powerW: number;
  /** Current (A) and voltage against neutral (V) of L1-L3 as last measured; null when the meter gives none. */
  readonly phases: readonly PhaseView[] | null;
  /** The reservation holding the connector (ReserveNow, section 5.13), or null. */
  readonly reservation: {
    readonly reservationId: number;
    readonly idTag: string;
    readonly parentIdTag?: string;
    /** ISO time the reservation expires. */
    readonly expiryDate: string;
    /** Made for connector 0: the reserved idTag may charge on any connector. */
    readonly anyConnector: boolean;
  } | null;
  /** The current the connector may offer now, A per phase (0: paused). */
  readonly limitA: number;
  /** What sets it: a charging profile, the installer's rating, the external limit. */
  readonly limitSource: LimitSource;
  /** The last card decision on this connector (accepted or refused, and why), or null. */
  readonly lastAuthorization: import("./activity.ts").LastAuthorization | null;
}

/** The answer of `/api/status`. */
export interface StatusView {
  readonly backend: {
    readonly state: BackendState;
    /** ISO time of the last state change. */
    readonly since: string;
    readonly reason: string | null;
    /** The reason as a stable code the pages translate (`activity.ts` BACKEND_REASONS). */
    readonly reasonCode: import("./activity.ts").BackendReason | null;
    /** The URL connected to (identity appended), null when none is set. */
    readonly url: string | null;
    readonly chargePointId: string;
    /** The security profile in use (0-3). */
    readonly securityProfile: number;
  } & import("./activity.ts").LinkActivity;
  readonly connectors: readonly ConnectorView[];
  /** The durable store: queue filling, given-up messages, safe mode. */
  readonly durability: DurabilityView;
  /** Stored settings that were invalid at start (their defaults apply), each with why. */
  readonly settings?: { readonly problems: readonly { field: string; reason: string }[] };
}

/** Controls of the simulated hardware (absent with real drivers). */
export interface SimControls {
  plug(connectorId: number): void;
  unplug(connectorId: number): void;
  tap(idTag: string): void;
  /** EV stops or resumes drawing power (states B / C while plugged). */
  setEvCharging(connectorId: number, charging: boolean): void;
  /** A hardware fault appears on a connector (OCPP ChargePointErrorCode). */
  injectFault?(connectorId: number, errorCode: import("../drivers/fault.ts").FaultCode): void;
  /** The connector's hardware fault clears. */
  clearFault?(connectorId: number): void;
}

/** The runtime as the local API sees it. */
export interface RuntimeHandle {
  status(): StatusView;
  /** Settings by app name; secrets only as `<name>Set: boolean`. */
  settings(): Record<string, Value>;
  /**
   * Validates and applies settings (all or nothing); backend changes take
   * effect without a restart.
   *
   * @throws {import("../config/store.ts").SettingsError} naming each bad field.
   */
  updateSettings(input: unknown): Promise<void>;
  readonly connectorCount: number;
  /** Leaves safe mode (charging disabled after a damaged store was moved aside). */
  clearSafeMode(): Promise<void>;
  readonly sim?: SimControls | undefined;
  /** The external limit (`/api/limit`), where the runtime takes one. */
  externalLimit?(): LocalLimit | null;
  setExternalLimit?(limit: LocalLimit | null): void;
  /** Reset as the backend's Reset (transactions stop first); the answer's status. */
  reset?(kind: "Soft" | "Hard"): string;
  /** ChangeAvailability as the backend's (connector 0 = all); Accepted, Scheduled or Rejected. */
  changeAvailability?(connectorId: number, operative: boolean): string;
  /** Connects again at once ("reconnect now"), where the runtime has a backend link. */
  reconnect?(): void;
  /** The stored transaction history and event journal (`/api/transactions`, `/api/journal`). */
  readonly history?: import("./history_store.ts").HistoryStore | undefined;
  /** The OCPP configuration keys, read-only (`/api/configuration`). */
  configurationKeys?(): readonly import("./status_view.ts").ConfigurationKey[];
  /** The app's whitelist (`/api/whitelist`), where the runtime keeps one. */
  readonly whitelist?: import("./auth_store.ts").WhitelistAccess | undefined;
}
