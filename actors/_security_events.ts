/**
 * The security events the security actor sends and holds (whitepaper
 * chapter 8, A04): which are pushed, the security log line, the
 * notification, and the start-up's events, held until the boot is
 * Accepted. Private to `security.ts`, which re-exports what others use.
 *
 * @module
 */
import type { Ctx, Effect } from "./bus.ts";
import { call, type SecurityEventType } from "./messages.ts";
import type { V16 } from "../ocpp/types.ts";
import type { LastRun } from "./boot.ts";
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

/** An event logged at `at`, whose notification waits for the Accepted boot. */
export interface HeldEvent {
  readonly event: SecurityEventType;
  readonly techInfo: string;
  readonly at: number;
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
export function notify(ctx: Ctx, at: number, type: SecurityEventType, techInfo?: string): Effect[] {
  // Standalone (no backend configured) there is no one to tell: the log only.
  if (!PUSHED.has(type) || ctx.config.str("BackendConnectionType") === "none") return [];
  return [call(
    "SecurityEventNotification",
    {
      type,
      timestamp: new Date(at).toISOString(),
      ...(techInfo !== undefined ? { techInfo } : {}),
    } satisfies V16.SecurityEventNotificationRequest,
  )];
}

/** Logs an event now; holds its notification while the start-up's boot is not Accepted yet. */
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
  return [{ ...state, held: [...state.held, { event: type, techInfo, at: ctx.now }] }, effects];
}
