/**
 * The answer of `/api/status` built from the actors' snapshots, the shell's
 * backend facts and the activity (`activity.ts`), and the read-only view of
 * the OCPP configuration keys (`GET /api/configuration`).
 *
 * @module
 */
import type { Bus } from "../actors/bus.ts";
import type { BackendState, LimitSource } from "../actors/messages.ts";
import { endpointUrl } from "../actors/connection.ts";
import { type ConfigView, REGISTRY } from "../config/registry.ts";
import type { AnyConfigView } from "../config/_types.ts";
import { type Activity, backendReasonCode } from "./activity.ts";
import type { DurabilityView } from "./durability_view.ts";
import type { ConnectorView, PhaseView, StatusView } from "./handle.ts";
import type { PhaseValues } from "../actors/meter.ts";
import { reservationView } from "./reservation_store.ts";

/** What {@link statusView} reads. */
export interface StatusSources {
  readonly bus: Bus;
  readonly config: ConfigView;
  readonly backend: { state: BackendState; since: number; reason: string | null };
  readonly activity: Activity;
  readonly durability: DurabilityView;
  /** Stored settings that were invalid at start (`ConfigStore.problems`). */
  readonly settingsProblems: readonly { field: string; reason: string }[];
}

/** The runtime's status. */
export function statusView(src: StatusSources): StatusView {
  const { bus, config, activity } = src;
  const status = bus.snapshot("connector_status");
  const tx = bus.snapshot("transaction");
  const conn = bus.snapshot("connection");
  const meter = bus.snapshot("meter");
  const reservations = bus.snapshot("reservation").reservations;
  const sc = bus.snapshot("smart_charging");
  const connectors: ConnectorView[] = tx.connectors.map((c, i) => {
    const s = status.connectors[i + 1]!;
    const running = c.tx.phase === "active" || c.tx.phase === "stopping" ? c.tx : undefined;
    return {
      id: i + 1,
      status: s.sent ?? "Available",
      errorCode: s.sentError,
      evState: c.ev,
      transactionId: running?.transactionId ?? null,
      idTag: running?.idTag ?? null,
      startedAt: running ? new Date(running.startedAt).toISOString() : null,
      energyWh: running ? Math.max(0, Math.floor(c.meterWh) - running.meterStartWh) : null,
      meterWh: Math.floor(c.meterWh),
      powerW: Math.round(meter.connectors[i]?.w ?? 0),
      phases: phaseViews(meter.connectors[i]?.phases),
      reservation: reservationView(reservations.find((r) => r.heldConnectorId === i + 1)),
      limitA: sc.published[i]?.currentA ?? config.int("MaxCurrentA"),
      limitSource: sc.published[i]?.source ?? ("installer" as LimitSource),
      lastAuthorization: activity.lastAuthorization(i + 1),
    };
  });
  const base = config.str("CentralSystemUrl");
  const id = config.str("ChargePointId");
  const profile = config.int("SecurityProfile");
  return {
    backend: {
      state: conn.phase,
      since: new Date(src.backend.since).toISOString(),
      reason: src.backend.reason,
      reasonCode: backendReasonCode(conn.phase, src.backend.reason),
      url: base === "" ? null : endpointUrl(base, id, profile),
      chargePointId: id,
      securityProfile: profile,
      ...activity.link(),
    },
    connectors,
    durability: src.durability,
    settings: {
      problems: src.settingsProblems.map(({ field, reason }) => ({ field, reason })),
    },
  };
}

/** The meter's phase values for the page: L1-L3, current to 2 and voltage to 1 decimal. */
function phaseViews(p: PhaseValues | null | undefined): PhaseView[] | null {
  if (!p) return null;
  return (["L1", "L2", "L3"] as const).map((phase, i) => ({
    phase,
    currentA: Math.round(p.currentA[i]! * 100) / 100,
    voltageV: Math.round(p.voltageV[i]! * 10) / 10,
  }));
}

/** One OCPP configuration key as the status page lists it. */
export interface ConfigurationKey {
  readonly key: string;
  readonly readonly: boolean;
  readonly value: string;
}

/** The keys GetConfiguration shows (no app-only, write-only or secret keys), with their values. */
export function configurationKeys(config: AnyConfigView): ConfigurationKey[] {
  return REGISTRY.filter((d) => !d.appOnly && d.access !== "W" && !d.secret).map((d) => ({
    key: d.key,
    readonly: d.access !== "RW",
    value: d.kind === "integer"
      ? String(config.int(d.key))
      : d.kind === "boolean"
      ? String(config.bool(d.key))
      : config.str(d.key),
  }));
}
