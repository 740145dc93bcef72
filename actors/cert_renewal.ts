/**
 * Renewal of the Charge Point certificate initiated by the Charge Point
 * (Security Whitepaper edition 2, A03): when the client certificate in use
 * (`TlsClientCertFile`) will expire within a month (A03.FR.02, "will expire
 * in one month": {@link RENEW_BEFORE_MS}), the Charge Point starts the same
 * key update as ExtendedTriggerMessage SignChargePointCertificate (A02): the
 * `cert.job` csr, whose `cert.done` makes the security actor send
 * SignCertificate.req with the CSR (A03.FR.03/13); CertificateSigned is
 * checked, installed and switched to as in A02 (A03.FR.06-10).
 *
 * A small actor, eager (it only holds a timer and a few numbers): the check
 * runs {@link FIRST_CHECK_MS} after each Accepted boot, then every
 * {@link CHECK_MS} on the injected clock, while the connection presents a
 * client certificate (TLS with `TlsClientCertFile` and `TlsClientKeyFile`).
 * It asks the certificate store for the expiry (`cert.expiry_check`;
 * `runtime/cert_store.ts` knows it without loading the X.509 code, see
 * there) and decides on its answer (`cert.expiry`), a pure comparison of
 * now with notAfter - one month.
 *
 * - Only one key update at a time: one of the Central System's (a `cert.job`
 *   csr of another ref) counts as running too.
 * - A key update fails when no CSR could be made, SignCertificate is
 *   Rejected or gets no answer, or no accepted CertificateSigned came within
 *   {@link SIGNED_WAIT_MS}. The next starts no sooner than
 *   {@link retryWaitMs} after the last start: a day, then 2, 4 and 8 days.
 *   After {@link MAX_FAILURES} failures in a row it gives up (an error log:
 *   the operator can re-run A02). The whitepaper (A03 error handling)
 *   advises against a retry after minutes or hours: a wrong CSR or an
 *   offline CA is the operator's to fix, so retries are days apart and few.
 *   A new certificate (another notAfter) starts the count again; the count
 *   is not stored, so a restart of the runtime starts it again too.
 * - A renewal needs the boot Accepted (`ctx.backend`) and CpoName (A03's
 *   prerequisite, A03.FR.13); while either is missing it waits for the next
 *   check.
 *
 * Receives: `backend.accepted`, `cert.expiry`, `cert.job`, `cert.done`,
 * `ocpp.result`, `ocpp.failed`, timer `check`. Emits: `cert.expiry_check`,
 * `cert.job`, `log`.
 *
 * @module
 */
import type { ActorLogic, Ctx, Effect, TimerFired } from "./bus.ts";
import type { MessageOf } from "./messages.ts";
import type { V16 } from "../ocpp/types.ts";

const DAY = 24 * 3600_000;

/** How long before notAfter the Charge Point renews its certificate (A03.FR.02: one month). */
export const RENEW_BEFORE_MS = 30 * DAY;
/** The first check after an Accepted boot (the boot's own messages go first). */
export const FIRST_CHECK_MS = 60_000;
/** The period of the check. */
export const CHECK_MS = DAY;
/** How long a key update waits for an accepted CertificateSigned. */
export const SIGNED_WAIT_MS = DAY;
/** Failed key updates in a row after which the Charge Point stops trying. */
export const MAX_FAILURES = 5;
/** The ref of this actor's `cert.job`. */
export const RENEW_REF = "cert-renewal";

/** The wait after the last start before the next one, by failures in a row: 1, 1, 2, 4, 8 days. */
export function retryWaitMs(failures: number): number {
  return DAY * 2 ** Math.max(0, failures - 1);
}

/** The renewal actor's state. */
export interface RenewalState {
  /** The notAfter (ms) of the certificate in use, as last reported by the store. */
  readonly notAfter?: number;
  /** A key update under way (this actor's or the Central System's): when it started. */
  readonly running?: number | undefined;
  /** When the last key update started. */
  readonly lastStart?: number;
  /** Key updates that failed in a row. */
  readonly failures: number;
}

export const RENEWAL_RECEIVES = [
  "backend.accepted",
  "cert.expiry",
  "cert.job",
  "cert.done",
  "ocpp.result",
  "ocpp.failed",
] as const;

/** Messages the renewal actor receives. */
export type RenewalMsg = MessageOf<(typeof RENEWAL_RECEIVES)[number]>;

const log = (level: "info" | "warn" | "error", text: string): Effect => ({
  type: "log",
  level,
  text,
});

const iso = (ms: number) => new Date(ms).toISOString();

/** A key update ended without a new certificate. */
function failed(state: RenewalState, why: string): [RenewalState, Effect[]] {
  if (state.running === undefined) return [state, []];
  const failures = state.failures + 1;
  const next: RenewalState = { ...state, running: undefined, failures };
  if (failures >= MAX_FAILURES) {
    return [next, [log(
      "error",
      `Charge Point certificate renewal failed (${why}): given up after ${failures} attempts; ` +
        "the Central System can start one (ExtendedTriggerMessage SignChargePointCertificate)",
    )]];
  }
  const at = (state.lastStart ?? state.running) + retryWaitMs(failures);
  return [next, [
    log("warn", `Charge Point certificate renewal failed (${why}): next attempt after ${iso(at)}`),
  ]];
}

/** The check: the certificate's notAfter is known; starts a key update when it is due. */
function check(
  state: RenewalState,
  msg: MessageOf<"cert.expiry">,
  ctx: Ctx,
): [RenewalState, Effect[]] {
  if (msg.file !== ctx.config.str("TlsClientCertFile")) return [state, []];
  if (msg.notAfter === undefined) {
    return [state, [
      log("warn", `Cannot tell when the Charge Point certificate expires: ${msg.reason}`),
    ]];
  }
  // Another certificate (installed meanwhile): the count of failures starts again.
  let s: RenewalState = state.notAfter === undefined || state.notAfter === msg.notAfter
    ? { ...state, notAfter: msg.notAfter }
    : { ...state, notAfter: msg.notAfter, failures: 0 };
  const effects: Effect[] = [];
  if (s.running !== undefined) {
    if (ctx.now < s.running + SIGNED_WAIT_MS) return [s, []];
    const [f, e] = failed(s, "no accepted CertificateSigned within a day");
    s = f;
    effects.push(...e);
  }
  if (ctx.now < msg.notAfter - RENEW_BEFORE_MS) return [s, effects];
  if (ctx.backend !== "accepted" || s.failures >= MAX_FAILURES) return [s, effects];
  if (s.lastStart !== undefined && ctx.now < s.lastStart + retryWaitMs(s.failures)) {
    return [s, effects];
  }
  if (ctx.config.str("CpoName") === "") {
    effects.push(
      log("warn", "The Charge Point certificate expires soon but CpoName is not set (A03)"),
    );
    return [s, effects];
  }
  effects.push(
    log(
      "info",
      `The Charge Point certificate expires on ${iso(msg.notAfter)}: a new key and ` +
        "SignCertificate (A03.FR.02)",
    ),
    { type: "cert.job", ref: RENEW_REF, job: { kind: "csr" } },
  );
  return [{ ...s, running: ctx.now, lastStart: ctx.now }, effects];
}

/**
 * The client certificate file the connection presents (as `runtime/link.ts`
 * does: a certificate and a key over TLS), or undefined when it uses none.
 */
function inUse(ctx: Ctx): string | undefined {
  const v = ctx.config;
  const file = v.str("TlsClientCertFile");
  if (file === "" || v.str("TlsClientKeyFile") === "") return undefined;
  const tls = v.int("SecurityProfile") >= 2 || v.str("CentralSystemUrl").startsWith("wss:");
  return tls ? file : undefined;
}

/** One transition of the renewal actor. */
export function transitionRenewal(
  state: RenewalState,
  msg: RenewalMsg | TimerFired,
  ctx: Ctx,
): [RenewalState, Effect[]] {
  switch (msg.type) {
    case "backend.accepted":
      return [state, [{ type: "timer.start", id: "check", ms: FIRST_CHECK_MS }]];
    case "timer.fired": {
      if (msg.id !== "check") return [state, []];
      const file = inUse(ctx);
      const again: Effect = { type: "timer.start", id: "check", ms: CHECK_MS };
      return [state, file === undefined ? [again] : [again, { type: "cert.expiry_check", file }]];
    }
    case "cert.expiry":
      return check(state, msg, ctx);
    case "cert.job":
      // The Central System's key update (A02) counts as running: no second one.
      if (msg.job.kind !== "csr" || msg.ref === RENEW_REF) return [state, []];
      return [{ ...state, running: ctx.now, lastStart: ctx.now }, []];
    case "cert.done": {
      const o = msg.outcome;
      if (o.kind === "csr" && o.csr === undefined) return failed(state, "no CSR");
      if (o.kind !== "signed") return [state, []];
      if (o.status === "Accepted") return [{ ...state, running: undefined, failures: 0 }, []];
      return failed(state, "CertificateSigned rejected");
    }
    case "ocpp.result": {
      if (msg.action !== "SignCertificate") return [state, []];
      const status = (msg.payload as V16.SignCertificateResponse).status;
      return status === "Accepted" ? [state, []] : failed(state, `SignCertificate ${status}`);
    }
    case "ocpp.failed":
      if (msg.action !== "SignCertificate") return [state, []];
      return failed(state, `SignCertificate got no answer (${msg.code})`);
    default:
      return [state, []];
  }
}

/** The renewal actor. */
export const certRenewalActor: ActorLogic<RenewalState, RenewalMsg> = {
  name: "cert_renewal",
  receives: RENEWAL_RECEIVES,
  initial: () => ({ failures: 0 }),
  transition: transitionRenewal,
};
