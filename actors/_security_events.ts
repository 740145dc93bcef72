/**
 * The security events the security actor sends and holds (whitepaper
 * chapter 8, A04): which are pushed, the security log line, the
 * notification, and the start-up's events, held until the boot is
 * Accepted: durably (A04.FR.02), in the store's pending events until their
 * notification is in the outbox. Private to the security actor's modules.
 *
 * @module
 */
import type { Ctx, Effect } from "./bus.ts";
import { call, type SecurityEventType } from "./messages.ts";
import type { V16 } from "../ocpp/types.ts";
import { type LastRun, PENDING_REF, type PendingSecurityEvent } from "./boot.ts";
import type { SecurityState } from "./security_gate.ts";

/**
 * Events sent to the Central System: the critical ones of whitepaper
 * chapter 8 (A04.FR.01), and the non-critical ones the OCTT cases expect
 * (TC_077, TC_078, TC_081), as EVerest libocpp also does.
 */
export const PUSHED: ReadonlySet<SecurityEventType> = new Set<SecurityEventType>([
  "FirmwareUpdated",
  "SettingSystemTime",
  "StartupOfTheDevice",
  "ResetOrReboot",
  "SecurityLogWasCleared",
  "MemoryExhaustion",
  "TamperDetectionActivated",
  "InvalidChargePointCertificate",
  "InvalidCentralSystemCertificate",
  "InvalidFirmwareSignature",
  "InvalidFirmwareSigningCertificate",
]);

/** Most events kept in the store's pending events (runs that never reach an Accepted boot). */
export const PENDING_MAX = 100;

/** An event logged at `at`, whose notification waits for the Accepted boot. */
export interface HeldEvent {
  readonly event: SecurityEventType;
  readonly techInfo: string;
  readonly at: number;
  /** Its row in the store's pending events (a pushed one), see `store.security_pending`. */
  readonly id?: number;
}

const RESETS: Readonly<Record<string, string | undefined>> = {
  HardReset: "Hard reset",
  SoftReset: "Soft reset",
  Reboot: "Reboot (firmware update or local restart)",
};

/** The events of a start after `lastRun`: ResetOrReboot when it ended by one, then StartupOfTheDevice. */
export function startupEvents(lastRun: LastRun | undefined): [SecurityEventType, string][] {
  const reset = lastRun?.clean ? RESETS[lastRun.reason ?? ""] : undefined;
  const how = lastRun === undefined
    ? "started"
    : lastRun.first
    ? "first start (empty store)"
    : !lastRun.clean
    ? "started after a power loss or crash (no clean stop)"
    : lastRun.reason === "PowerLoss"
    ? "started after a power loss (stopped on backup power)"
    : reset
    ? `started after: ${reset}`
    : "started after a clean stop";
  return [
    ...(reset ? [["ResetOrReboot", reset] as [SecurityEventType, string]] : []),
    ["StartupOfTheDevice", how],
  ];
}

/** A line of the security log (A04.FR.04). */
export function logLine(at: number, type: SecurityEventType, techInfo?: string): Effect {
  return {
    type: "store.security_log",
    at,
    event: type,
    ...(techInfo !== undefined ? { techInfo } : {}),
  };
}

/** SecurityEventNotification for a pushed event, unless no backend is configured (A04.FR.01). */
export function notify(
  ctx: Ctx,
  at: number,
  type: SecurityEventType,
  techInfo?: string,
  ref?: string,
): Effect[] {
  // Standalone (no backend configured) there is no one to tell: the log only.
  if (!PUSHED.has(type) || ctx.config.str("BackendConnectionType") === "none") return [];
  return [call(
    "SecurityEventNotification",
    {
      type,
      timestamp: new Date(at).toISOString(),
      ...(techInfo !== undefined ? { techInfo } : {}),
    } satisfies V16.SecurityEventNotificationRequest,
    ref !== undefined ? { ref } : {},
  )];
}

/**
 * Logs an event now; holds its notification while the start-up's boot is
 * not Accepted yet. A held event that will be pushed is written to the
 * store first (`store.security_pending`), so a power cut before the boot
 * does not lose it: the next start holds it again (see {@link release}).
 */
export function hold(
  state: SecurityState,
  ctx: Ctx,
  type: SecurityEventType,
  techInfo: string,
): [SecurityState, Effect[]] {
  const effects: Effect[] = [logLine(ctx.now, type, techInfo)];
  if (state.held === undefined) {
    return [state, [...effects, ...notify(ctx, ctx.now, type, techInfo)]];
  }
  const stored = state.held.filter((h) => h.id !== undefined).length;
  // Not sent standalone (notify): nothing to keep. Past the limit, held in memory only.
  if (notify(ctx, ctx.now, type).length === 0 || stored >= PENDING_MAX) {
    return [{ ...state, held: [...state.held, { event: type, techInfo, at: ctx.now }] }, effects];
  }
  const id = state.nextPending ?? 1;
  effects.unshift({
    type: "store.security_pending",
    op: "put",
    id,
    event: type,
    techInfo,
    at: ctx.now,
  });
  const held = [...state.held, { event: type, techInfo, at: ctx.now, id }];
  return [{ ...state, held, nextPending: id + 1 }, effects];
}

/**
 * The held events at the Accepted boot: each one's SecurityEventNotification
 * names its pending row (the journal deletes the row as it queues the
 * message, in one commit); one that is not sent (no backend) is dropped.
 */
export function release(ctx: Ctx, held: readonly HeldEvent[]): Effect[] {
  return held.flatMap((h): Effect[] => {
    const ref = h.id !== undefined ? `${PENDING_REF}${h.id}` : undefined;
    const sent = notify(ctx, h.at, h.event, h.techInfo, ref);
    if (sent.length > 0 || h.id === undefined) return sent;
    return [{ type: "store.security_pending", op: "drop", id: h.id }];
  });
}

/** The held events and next pending id of a start, from the store's pending events. */
export function fromPending(
  pending: readonly PendingSecurityEvent[],
): { held: HeldEvent[]; nextPending: number } {
  return {
    held: pending.map((p) => ({ event: p.event, techInfo: p.techInfo, at: p.at, id: p.id })),
    nextPending: Math.max(0, ...pending.map((p) => p.id)) + 1,
  };
}
