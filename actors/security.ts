/**
 * The security actor's full logic: the certificate messages of the
 * Security Whitepaper (edition 2). The runtime starts the actor as its gate
 * (`security_gate.ts`), which loads this module with the first certificate
 * message; everything else (security events, ExtendedTriggerMessage) is
 * the gate's {@link transitionSecurityEvents}, which this logic runs too.
 *
 * - InstallCertificate (M05), GetInstalledCertificateIds (M03),
 *   DeleteCertificate (M04) and CertificateSigned (A02) are handed to the
 *   certificate service as `cert.job` (crypto and files are the shell's,
 *   `runtime/cert_service.ts`); its `cert.done` is answered. A refused
 *   Central System root is an InvalidCentralSystemCertificate event (TC_078),
 *   a refused signed certificate an InvalidChargePointCertificate one
 *   (A02.FR.07, TC_077); the answer goes first, the event after it.
 * - The `cert.done` of a CSR (ExtendedTriggerMessage
 *   SignChargePointCertificate) sends SignCertificate.req with it.
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
  call,
  type CertificateHashData,
  type CertificateUse,
  type CertOutcome,
  type MessageOf,
  reply,
} from "./messages.ts";
import type { V16 } from "../ocpp/types.ts";
import type { LastRun } from "./boot.ts";
import {
  CERT_ACTIONS,
  event,
  initialSecurity,
  SECURITY_ACTIONS,
  SECURITY_RECEIVES,
  type SecurityMsg,
  type SecurityState,
  transitionSecurityEvents,
} from "./security_gate.ts";

export { type HeldEvent, PUSHED, startupEvents } from "./_security_events.ts";
export {
  initialSecurity,
  SECURITY_ACTIONS,
  type SecurityMsg,
  type SecurityState,
} from "./security_gate.ts";

function request(msg: MessageOf<"ocpp.request">, ctx: Ctx): Effect[] {
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
  if (msg.type === "ocpp.request" && CERT_ACTIONS.includes(msg.action)) {
    return [state, request(msg, ctx)];
  }
  if (msg.type === "cert.done") return [state, done(msg)];
  return transitionSecurityEvents(state, msg, ctx);
}

/** The security actor, all of it from the start; `lastRun` gives StartupOfTheDevice's techInfo. */
export function securityActorWith(lastRun?: LastRun): ActorLogic<SecurityState, SecurityMsg> {
  return {
    name: "security",
    receives: SECURITY_RECEIVES,
    handles: SECURITY_ACTIONS,
    initial: (ctx) => ({ ...initialSecurity(ctx), ...(lastRun ? { lastRun } : {}) }),
    transition: transitionSecurity,
  };
}

/** The security actor of a start with no known previous run (the gate's full logic). */
export const securityActor: ActorLogic<SecurityState, SecurityMsg> = securityActorWith();
