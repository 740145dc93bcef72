/**
 * The security actor as it starts: its gate (see `bus.ts`, lazy features).
 * What has to run from the start is here: security events (the security
 * log, SecurityEventNotification, the start-up's events held until the boot
 * is Accepted), the connection's certificate and password refusals, changes
 * of security settings, and ExtendedTriggerMessage. The certificate
 * messages (InstallCertificate, GetInstalledCertificateIds,
 * DeleteCertificate, CertificateSigned, and the `cert.done` answers of the
 * certificate service) load the full logic, `security.ts`, on first use;
 * it handles those and hands everything else to {@link transitionSecurityEvents}.
 *
 * - ExtendedTriggerMessage (whitepaper 5.5): BootNotification, Heartbeat,
 *   MeterValues and StatusNotification as TriggerMessage does them
 *   (`trigger`); LogStatusNotification is the log upload actor's
 *   (`log.status_requested`), FirmwareStatusNotification the signed
 *   firmware actor's (`sfw.status_requested`, SignedFirmwareStatusNotification);
 *   SignChargePointCertificate asks the service for a new key and CSR
 *   (`cert.job` csr; its `cert.done` sends SignCertificate.req, A02.FR.02/03).
 *   It is Rejected without a CpoName (A02.FR.13 needs it for the CSR).
 * - `sec.event`: every event goes to the security log (A04.FR.04,
 *   `store.security_log`); the critical ones of chapter 8 and those the
 *   OCTT cases expect (`PUSHED`) are sent as SecurityEventNotification
 *   through the durable outbox (A04.FR.02).
 * - The Charge Point's own critical events (chapter 8): StartupOfTheDevice
 *   at every start of the actors (`system.started`; techInfo says how the
 *   previous run ended), ResetOrReboot before it when that run ended by a
 *   Reset or a reboot, SettingSystemTime when the Central System's
 *   currentTime moved the clock beyond the tolerance (`clock.set`). See
 *   `_security_events.ts` for how they wait for the Accepted boot.
 * - A connection refused for the Central System's certificate (A00.FR.309,
 *   the first half of TC_078) is an InvalidCentralSystemCertificate event,
 *   a refused password a FailedToAuthenticateAtCentralSystem one, each once
 *   until a connection is accepted again; a change of a security setting
 *   is ReconfigurationOfSecurityParameters (the key named, never its value).
 *
 * @module
 */
import type { ActorLogic, Ctx, Effect } from "./bus.ts";
import {
  type MessageOf,
  reply,
  type SecurityEventType,
  type TriggerableMessage,
} from "./messages.ts";
import type { CsAction, V16 } from "../ocpp/types.ts";
import { failureKind } from "../ocpp/transport.ts";
import type { LastRun, PendingSecurityEvent } from "./boot.ts";
import {
  fromPending,
  type HeldEvent,
  hold,
  logLine,
  notify,
  release,
  startupEvents,
} from "./_security_events.ts";

/** The certificate actions: the full logic's (`security.ts`). */
export const CERT_ACTIONS: readonly CsAction[] = [
  "InstallCertificate",
  "GetInstalledCertificateIds",
  "DeleteCertificate",
  "CertificateSigned",
];

/** The inbound actions this actor answers. */
export const SECURITY_ACTIONS: readonly CsAction[] = [...CERT_ACTIONS, "ExtendedTriggerMessage"];

/** techInfo is CiString255. */
export const TECH_INFO_MAX = 255;

/** The security actor's state (the same for the gate and the full logic). */
export interface SecurityState {
  /** A certificate failure of the connection was reported (until a connection is accepted). */
  readonly tlsReported: boolean;
  /** A refusal of the credentials was reported (until a connection is accepted). */
  readonly authReported?: boolean;
  /** How the previous run ended (the shell's boot snapshot): StartupOfTheDevice's techInfo. */
  readonly lastRun?: LastRun;
  /** Events of the start-up, logged, waiting for the first Accepted boot of this run. */
  readonly held?: readonly HeldEvent[] | undefined;
  /** The id of the next event written to the store's pending events. */
  readonly nextPending?: number;
}

export const SECURITY_RECEIVES = [
  "ocpp.request",
  "cert.done",
  "sec.event",
  "ocpp.result",
  "backend.state",
  "config.changed",
  "system.started",
  "clock.set",
  "backend.accepted",
] as const;

/** Settings whose change is a ReconfigurationOfSecurityParameters event (their values never logged). */
const SECURITY_KEYS: ReadonlySet<string> = new Set([
  "SecurityProfile",
  "AuthorizationKey",
  "CpoName",
  "TlsVerifyServer",
  "TlsCaFile",
  "TlsClientCertFile",
  "TlsClientKeyFile",
]);

/** Messages the security actor receives. */
export type SecurityMsg = MessageOf<(typeof SECURITY_RECEIVES)[number]>;

/** The initial state. */
export function initialSecurity(_ctx: Ctx): SecurityState {
  return { tlsReported: false, held: [] };
}

/** A security event raised by this actor. */
export function event(type: SecurityEventType, techInfo?: string): Effect {
  return {
    type: "sec.event",
    event: type,
    ...(techInfo !== undefined ? { techInfo: techInfo.slice(0, TECH_INFO_MAX) } : {}),
  };
}

const TRIGGERED: Readonly<Record<string, TriggerableMessage | undefined>> = {
  BootNotification: "BootNotification",
  Heartbeat: "Heartbeat",
  MeterValues: "MeterValues",
  StatusNotification: "StatusNotification",
};

function extendedTrigger(
  msg: MessageOf<"ocpp.request">,
  ctx: Ctx,
): Effect[] {
  const p = msg.payload as unknown as V16.ExtendedTriggerMessageRequest;
  const answer = (status: V16.ExtendedTriggerMessageResponse["status"]): Effect =>
    reply(msg.id, "ExtendedTriggerMessage", { status });
  const rejected = (why: string): Effect[] => [
    answer("Rejected"),
    {
      type: "log",
      level: "info",
      text: `ExtendedTriggerMessage ${p.requestedMessage} rejected: ${why}`,
    },
  ];
  // The boot's state has one source, the connection supervisor's phase (bus.ts, Ctx.backend).
  const accepted = ctx.backend === "accepted";
  if (p.requestedMessage === "BootNotification" && accepted) {
    return rejected("already accepted by the Central System");
  }
  if (p.requestedMessage !== "BootNotification" && !accepted) {
    return rejected("BootNotification is not accepted yet");
  }
  const count = ctx.config.int("NumberOfConnectors");
  const perConnector = p.requestedMessage === "MeterValues" ||
    p.requestedMessage === "StatusNotification";
  if (perConnector && p.connectorId !== undefined && p.connectorId > count) {
    return rejected(`connector ${p.connectorId} does not exist (1-${count})`);
  }
  const triggered = TRIGGERED[p.requestedMessage];
  if (triggered) {
    return [answer("Accepted"), {
      type: "trigger",
      message: triggered,
      ...(perConnector && p.connectorId !== undefined ? { connectorId: p.connectorId } : {}),
    }];
  }
  switch (p.requestedMessage) {
    case "LogStatusNotification":
      // The log upload actor knows whether an upload runs (N01.FR.12).
      return [answer("Accepted"), { type: "log.status_requested" }];
    case "FirmwareStatusNotification":
      // The signed firmware actor knows where an update is (5.19, L01.FR.21).
      return [answer("Accepted"), { type: "sfw.status_requested" }];
    case "SignChargePointCertificate":
      if (ctx.config.str("CpoName") === "") {
        return rejected("CpoName is not set (the CSR needs it, A02.FR.13)");
      }
      return [answer("Accepted"), { type: "cert.job", ref: msg.id, job: { kind: "csr" } }];
    default:
      return [answer("NotImplemented")];
  }
}

const LOAD: readonly Effect[] = [{ type: "actor.load" }];

/**
 * The gate's transition, and the full logic's for everything but the
 * certificate messages: those (and their `cert.done`) return `actor.load`.
 */
export function transitionSecurityEvents(
  state: SecurityState,
  msg: SecurityMsg,
  ctx: Ctx,
): [SecurityState, Effect[]] {
  switch (msg.type) {
    case "ocpp.request":
      if (msg.action === "ExtendedTriggerMessage") return [state, extendedTrigger(msg, ctx)];
      return [state, CERT_ACTIONS.includes(msg.action) ? [...LOAD] : []];
    case "cert.done": {
      // The signed firmware actor's outcomes are not this actor's.
      const k = msg.outcome.kind;
      return [state, k === "fw_certificate" || k === "fw_signature" ? [] : [...LOAD]];
    }
    case "sec.event":
      return [state, [
        logLine(ctx.now, msg.event, msg.techInfo),
        ...notify(ctx, ctx.now, msg.event, msg.techInfo),
      ]];
    case "system.started": {
      let next = state;
      const effects: Effect[] = [];
      for (const [type, techInfo] of startupEvents(state.lastRun)) {
        const [s, e] = hold(next, ctx, type, techInfo);
        next = s;
        effects.push(...e);
      }
      return [next, effects];
    }
    case "clock.set": {
      const by = `${msg.shiftMs > 0 ? "+" : ""}${msg.shiftMs} ms`;
      return hold(
        state,
        ctx,
        "SettingSystemTime",
        `clock moved ${by} to the Central System's currentTime`,
      );
    }
    case "backend.accepted": {
      // After the boot's StatusNotifications (connector_status is spawned first): the held events.
      if (state.held === undefined) return [state, []];
      return [{ ...state, held: undefined }, release(ctx, state.held)];
    }
    case "ocpp.result": {
      if (msg.action !== "SignCertificate") return [state, []];
      const status = (msg.payload as unknown as V16.SignCertificateResponse).status;
      return [state, [{
        type: "log",
        level: status === "Accepted" ? "info" : "warn",
        text: `SignCertificate ${status} by the Central System`,
      }]];
    }
    case "backend.state": {
      if (msg.state === "accepted") {
        return [{ ...state, tlsReported: false, authReported: false }, []];
      }
      const next = state;
      const reason = msg.reason ?? "";
      // A00.FR.309: the Central System's certificate could not be verified.
      if (!state.tlsReported && reason.startsWith("TLS verification failed")) {
        return [{ ...next, tlsReported: true }, [event("InvalidCentralSystemCertificate", reason)]];
      }
      // The backend refused the password (HTTP 401/403 at the handshake).
      if (!state.authReported && failureKind(reason) === "unauthorized") {
        return [{ ...next, authReported: true }, [
          event("FailedToAuthenticateAtCentralSystem", reason),
        ]];
      }
      return [next, []];
    }
    case "config.changed":
      if (!SECURITY_KEYS.has(msg.key)) return [state, []];
      return [state, [event("ReconfigurationOfSecurityParameters", `${msg.key} changed`)]];
    default:
      return [state, []];
  }
}

/**
 * The security actor as the runtime starts it: this gate, whose first
 * certificate message loads `security.ts`. `lastRun` (how the previous run
 * ended) gives StartupOfTheDevice's techInfo; `pending` are the events an
 * earlier run held and the store kept (they go first, at the Accepted boot).
 */
export function securityGateWith(
  lastRun?: LastRun,
  pending: readonly PendingSecurityEvent[] = [],
): ActorLogic<SecurityState, SecurityMsg> {
  return {
    name: "security",
    receives: SECURITY_RECEIVES,
    handles: SECURITY_ACTIONS,
    initial: (ctx) => ({
      ...initialSecurity(ctx),
      ...(lastRun ? { lastRun } : {}),
      ...fromPending(pending),
    }),
    transition: transitionSecurityEvents,
    load: () =>
      import("./security.ts").then((m) => ({
        logic: m.securityActor,
        from: (gate: SecurityState) => gate,
      })),
  };
}
