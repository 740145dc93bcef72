/**
 * The security actor: the Security Whitepaper (edition 2) messages of the
 * Central System, and security events.
 *
 * - InstallCertificate (M05), GetInstalledCertificateIds (M03),
 *   DeleteCertificate (M04) and CertificateSigned (A02) are handed to the
 *   certificate service as `cert.job` (crypto and files are the shell's,
 *   `runtime/cert_service.ts`); its `cert.done` is answered. A refused
 *   Central System root is an InvalidCentralSystemCertificate event (TC_078),
 *   a refused signed certificate an InvalidChargePointCertificate one
 *   (A02.FR.07, TC_077); the answer goes first, the event after it.
 * - ExtendedTriggerMessage (whitepaper 5.5): BootNotification, Heartbeat,
 *   MeterValues and StatusNotification as TriggerMessage does them
 *   (`trigger`); LogStatusNotification is the log upload actor's
 *   (`log.status_requested`), FirmwareStatusNotification the signed
 *   firmware actor's (`sfw.status_requested`, SignedFirmwareStatusNotification); SignChargePointCertificate asks the service for a
 *   new key and CSR and sends SignCertificate.req with it (A02.FR.02/03).
 *   It is Rejected without a CpoName (A02.FR.13 needs it for the CSR).
 * - `sec.event`: every event goes to the security log (A04.FR.04,
 *   `store.security_log`); the critical ones of chapter 8 and those the
 *   OCTT cases expect ({@link PUSHED}) are sent as
 *   SecurityEventNotification through the durable outbox (A04.FR.02).
 * - The Charge Point's own critical events (chapter 8): StartupOfTheDevice
 *   at every start of the actors (`system.started`; techInfo says how the
 *   previous run ended), ResetOrReboot before it when that run ended by a
 *   Reset or a reboot, SettingSystemTime when the Central System's
 *   currentTime moved the clock beyond the tolerance (`clock.set`). They are
 *   logged when they happen; those of the start-up are held until the boot is
 *   Accepted and sent after the boot's StatusNotifications (OCPP 1.6 4.2.1:
 *   only BootNotification before; the OCTT's TC_001/TC_013 order), each
 *   with the time it happened, then through the durable outbox.
 * - A connection refused for the Central System's certificate (A00.FR.309,
 *   the first half of TC_078) is an InvalidCentralSystemCertificate event,
 *   a refused password a FailedToAuthenticateAtCentralSystem one, each once
 *   until a connection is accepted again; a change of a security setting
 *   is ReconfigurationOfSecurityParameters (the key named, never its value).
 *
 * Receives: `ocpp.request`, `cert.done`, `sec.event`, `ocpp.result`,
 * `backend.state`, `config.changed`, `system.started`, `clock.set`,
 * `backend.accepted`. Emits: `ocpp.reply`, `ocpp.call`, `cert.job`, `trigger`,
 * `sec.event`, `store.security_log`, `log`.
 *
 * @module
 */
import type { ActorLogic, Ctx, Effect } from "./bus.ts";
import {
  type BackendState,
  call,
  type CertificateHashData,
  type CertificateUse,
  type CertOutcome,
  type MessageOf,
  reply,
  type SecurityEventType,
  type TriggerableMessage,
} from "./messages.ts";
import type { CsAction, V16 } from "../ocpp/types.ts";
import { failureKind } from "../ocpp/transport.ts";
import type { LastRun } from "./boot.ts";
import { type HeldEvent, hold, logLine, notify, startupEvents } from "./_security_events.ts";

export { type HeldEvent, PUSHED, startupEvents } from "./_security_events.ts";

/** The inbound actions this actor answers. */
export const SECURITY_ACTIONS: readonly CsAction[] = [
  "InstallCertificate",
  "GetInstalledCertificateIds",
  "DeleteCertificate",
  "CertificateSigned",
  "ExtendedTriggerMessage",
];

/** techInfo is CiString255. */
const TECH_INFO_MAX = 255;

/** The security actor's state. */
export interface SecurityState {
  readonly backend: BackendState;
  /** A certificate failure of the connection was reported (until a connection is accepted). */
  readonly tlsReported: boolean;
  /** A refusal of the credentials was reported (until a connection is accepted). */
  readonly authReported?: boolean;
  /** How the previous run ended (the shell's boot snapshot): StartupOfTheDevice's techInfo. */
  readonly lastRun?: LastRun;
  /** Events of the start-up, logged, waiting for the first Accepted boot of this run. */
  readonly held?: readonly HeldEvent[] | undefined;
}

const RECEIVES = [
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
export type SecurityMsg = MessageOf<(typeof RECEIVES)[number]>;

/** The initial state. */
export function initialSecurity(_ctx: Ctx): SecurityState {
  return { backend: "disabled", tlsReported: false, held: [] };
}

function event(type: SecurityEventType, techInfo?: string): Effect {
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
  state: SecurityState,
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
  if (p.requestedMessage === "BootNotification" && state.backend === "accepted") {
    return rejected("already accepted by the Central System");
  }
  if (p.requestedMessage !== "BootNotification" && state.backend !== "accepted") {
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

function request(
  state: SecurityState,
  msg: MessageOf<"ocpp.request">,
  ctx: Ctx,
): Effect[] {
  const job = (j: MessageOf<"cert.job">["job"]): Effect[] => [
    { type: "cert.job", ref: msg.id, job: j },
  ];
  switch (msg.action) {
    case "InstallCertificate": {
      const p = msg.payload as unknown as V16.InstallCertificateRequest;
      return job({
        kind: "install",
        certificateType: p.certificateType,
        certificate: p.certificate,
      });
    }
    case "GetInstalledCertificateIds": {
      const p = msg.payload as unknown as V16.GetInstalledCertificateIdsRequest;
      return job({ kind: "list", certificateType: p.certificateType as CertificateUse });
    }
    case "DeleteCertificate": {
      const p = msg.payload as unknown as V16.DeleteCertificateRequest;
      return job({ kind: "delete", hash: p.certificateHashData as CertificateHashData });
    }
    case "CertificateSigned": {
      const p = msg.payload as unknown as V16.CertificateSignedRequest;
      const max = ctx.config.int("CertificateSignedMaxChainSize");
      if ([...p.certificateChain].length > max) {
        const why = `the certificate chain is longer than CertificateSignedMaxChainSize (${max})`;
        return [
          reply(msg.id, "CertificateSigned", { status: "Rejected" }),
          { type: "log", level: "warn", text: `CertificateSigned rejected: ${why}` },
          event("InvalidChargePointCertificate", why),
        ];
      }
      return job({ kind: "signed", chain: p.certificateChain });
    }
    case "ExtendedTriggerMessage":
      return extendedTrigger(state, msg, ctx);
    default:
      return [];
  }
}

function done(msg: MessageOf<"cert.done">): Effect[] {
  const o: CertOutcome = msg.outcome;
  const why = "reason" in o && o.reason ? `: ${o.reason}` : "";
  switch (o.kind) {
    case "install": {
      const effects: Effect[] = [
        reply(
          msg.ref,
          "InstallCertificate",
          {
            status: o.status,
          } satisfies V16.InstallCertificateResponse,
        ),
        {
          type: "log",
          level: o.status === "Accepted" ? "info" : "warn",
          text: `InstallCertificate ${o.certificateType} ${o.status}${why}`,
        },
      ];
      if (o.status === "Rejected" && o.certificateType === "CentralSystemRootCertificate") {
        effects.push(event("InvalidCentralSystemCertificate", o.reason));
      }
      return effects;
    }
    case "list":
      return [reply(
        msg.ref,
        "GetInstalledCertificateIds",
        (o.hashes.length === 0 ? { status: "NotFound" } : {
          status: "Accepted",
          certificateHashData: [...o.hashes],
        }) satisfies V16.GetInstalledCertificateIdsResponse,
      )];
    case "delete":
      return [
        reply(
          msg.ref,
          "DeleteCertificate",
          {
            status: o.status,
          } satisfies V16.DeleteCertificateResponse,
        ),
        { type: "log", level: "info", text: `DeleteCertificate ${o.status}${why}` },
      ];
    case "csr":
      if (o.csr === undefined) {
        return [{ type: "log", level: "error", text: `Cannot make a CSR${why}` }];
      }
      return [call("SignCertificate", { csr: o.csr }, { ref: "sign-certificate" })];
    case "signed": {
      const effects: Effect[] = [
        reply(
          msg.ref,
          "CertificateSigned",
          {
            status: o.status,
          } satisfies V16.CertificateSignedResponse,
        ),
        {
          type: "log",
          level: o.status === "Accepted" ? "info" : "warn",
          text: `CertificateSigned ${o.status}${why}`,
        },
      ];
      if (o.status === "Rejected") effects.push(event("InvalidChargePointCertificate", o.reason));
      return effects;
    }
    case "fw_certificate":
    case "fw_signature":
      // The signed firmware actor's.
      return [];
    default:
      return o satisfies never;
  }
}

/** One transition of the security actor. */
export function transitionSecurity(
  state: SecurityState,
  msg: SecurityMsg,
  ctx: Ctx,
): [SecurityState, Effect[]] {
  switch (msg.type) {
    case "ocpp.request":
      return [state, request(state, msg, ctx)];
    case "cert.done":
      return [state, done(msg)];
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
      const effects = state.held.flatMap((h) => notify(ctx, h.at, h.event, h.techInfo));
      return [{ ...state, held: undefined }, effects];
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
        return [{ ...state, backend: msg.state, tlsReported: false, authReported: false }, []];
      }
      const next = { ...state, backend: msg.state };
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

/** The security actor; `lastRun` (how the previous run ended) gives StartupOfTheDevice's techInfo. */
export function securityActorWith(lastRun?: LastRun): ActorLogic<SecurityState, SecurityMsg> {
  return {
    name: "security",
    receives: RECEIVES,
    handles: SECURITY_ACTIONS,
    initial: (ctx) => ({ ...initialSecurity(ctx), ...(lastRun ? { lastRun } : {}) }),
    transition: transitionSecurity,
  };
}

/** The security actor of a start with no known previous run. */
export const securityActor: ActorLogic<SecurityState, SecurityMsg> = securityActorWith();
