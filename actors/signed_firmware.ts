/**
 * The signed firmware actor: SignedUpdateFirmware (Security Whitepaper L01,
 * section 5.21) and its SignedFirmwareStatusNotifications, pure.
 *
 * - The signing certificate is checked first (L01.FR.23, `cert.job`
 *   fw_certificate): not leading to an installed ManufacturerRootCertificate
 *   (or expired) answers InvalidCertificate with the
 *   InvalidFirmwareSigningCertificate event (L01.FR.24/25); otherwise
 *   Accepted. A request while an update runs is Rejected.
 * - At `retrieveDateTime` (DownloadScheduled until then) Downloading and the
 *   shell's download (`fw.download`, the firmware shell of UpdateFirmware),
 *   retried `retries` times `retryInterval` s apart, else DownloadFailed;
 *   Downloaded; the signature over the image is verified (`cert.job`
 *   fw_signature, L01.FR.04): SignatureVerified, or InvalidSignature and the
 *   InvalidFirmwareSignature event (L01.FR.03), and the update ends.
 * - Installing waits until no transaction runs (L01.FR.06); meanwhile, and
 *   until the update is over (Installed, InstallationFailed, or the reboot,
 *   which starts the connectors afresh), every connector not in use is
 *   Unavailable, and one whose session ends becomes so (L01.FR.07:
 *   `fw.hold`, holder `signed_firmware`, to `connector_status.ts`). Then
 *   `fw.install`; the reboot (`fw.reboot`) once Installing was delivered
 *   (or after {@link REBOOT_WAIT_MS}); after it, Installed and the
 *   FirmwareUpdated event when the new version runs, else
 *   InstallationFailed.
 * - Every status carries the requestId (L01.FR.10) and goes through the
 *   durable outbox; the state is written to the store before its effects
 *   (`store.signed_fw`), so an update goes on after a restart (a download
 *   starts again, a verification is done again, an interrupted install is
 *   InstallationFailed).
 * - ExtendedTriggerMessage FirmwareStatusNotification
 *   (`sfw.status_requested`): the last status with the requestId, Idle
 *   without one when none runs (L01.FR.21).
 *
 * UpdateFirmware stays supported beside it (TC_044; the whitepaper's
 * L01.FR.20 would answer it NotSupported): the two must not run at once,
 * which the Central System is trusted with.
 *
 * @module
 */
import { type ActorLogic, type Ctx, type Effect, fullLogic, type TimerFired } from "./bus.ts";
import { call, type MessageOf, reply } from "./messages.ts";
import { signedFirmwareGate, type SignedFirmwareMsg } from "./signed_firmware_gate.ts";
import type { V16 } from "../ocpp/types.ts";

/** Longest wait for Installing to be delivered before rebooting anyway. */
export const REBOOT_WAIT_MS = 30_000;
const DEFAULT_RETRIES = 2;
const DEFAULT_RETRY_INTERVAL_S = 60;

type Status = V16.SignedFirmwareStatusNotificationRequest["status"];

/** One signed update, as SignedUpdateFirmware.req asked for it. */
export interface SignedJob {
  readonly requestId: number;
  readonly location: string;
  readonly retrieveAt: number;
  readonly retries: number;
  readonly retryIntervalS: number;
  readonly signingCertificate: string;
  readonly signature: string;
  /** The version that ran when the update was asked for. */
  readonly previous: string;
}

/** Where a signed update is (stored). */
export type SignedPhase =
  | { readonly phase: "idle" }
  | { readonly phase: "checking"; readonly job: SignedJob; readonly id: string }
  | { readonly phase: "waiting"; readonly job: SignedJob }
  | { readonly phase: "downloading"; readonly job: SignedJob; readonly attempt: number }
  | { readonly phase: "retry_wait"; readonly job: SignedJob; readonly attempt: number }
  | { readonly phase: "verifying"; readonly job: SignedJob; readonly file: string }
  | { readonly phase: "verified"; readonly job: SignedJob; readonly file: string }
  | { readonly phase: "installing"; readonly job: SignedJob; readonly file: string }
  | {
    readonly phase: "rebooting";
    readonly job: SignedJob;
    readonly expect?: string;
    readonly scope: "runtime" | "process";
    readonly asked: boolean;
  };

/** The signed firmware actor's state. */
export interface SignedFirmwareState {
  readonly update: SignedPhase;
  readonly last?: Status;
  readonly busy: readonly number[];
  readonly running: string;
  readonly started: boolean;
  /** The Installing status was answered (the reboot may come). */
  readonly installingAnswered?: boolean;
  /** The connectors not in use are held Unavailable (`fw.hold`, L01.FR.07). Not stored. */
  readonly held?: boolean;
}

export type { SignedFirmwareMsg } from "./signed_firmware_gate.ts";

type Step = [SignedFirmwareState, Effect[]];

function notify(job: SignedJob, status: Status, ref?: string): Effect {
  return call(
    "SignedFirmwareStatusNotification",
    { status, requestId: job.requestId } satisfies V16.SignedFirmwareStatusNotificationRequest,
    ref ? { ref } : {},
  );
}

function log(level: "info" | "warn" | "error", text: string): Effect {
  return { type: "log", level, text };
}

/** Persists `s` first, then the effects. */
function commit(s: SignedFirmwareState, effects: Effect[]): Step {
  return [s, [{ type: "store.signed_fw", state: s.update }, ...effects]];
}

/** Reports a status; a final one ends the update (and releases the connectors it held). */
function report(
  s: SignedFirmwareState,
  job: SignedJob,
  status: Status,
  e: Effect[],
  ref?: string,
): SignedFirmwareState {
  e.push(notify(job, status, ref));
  const final = ["DownloadFailed", "InvalidSignature", "InstallationFailed", "Installed"].includes(
    status,
  );
  if (!final) return { ...s, last: status };
  const { held, ...rest } = s;
  // The update is over: the connectors held for it take sessions again (L01.FR.07 "until installed").
  if (held) e.push({ type: "fw.hold", hold: false, holder: "signed_firmware" });
  return { ...rest, last: status, update: { phase: "idle" } };
}

function download(s: SignedFirmwareState, job: SignedJob, attempt: number, e: Effect[]) {
  e.push({ type: "fw.download", url: job.location, attempt });
  return { ...s, update: { phase: "downloading", job, attempt } } as SignedFirmwareState;
}

function begin(s: SignedFirmwareState, job: SignedJob, e: Effect[]): SignedFirmwareState {
  return download(report(s, job, "Downloading", e), job, 1, e);
}

function maybeInstall(s: SignedFirmwareState, e: Effect[]): SignedFirmwareState {
  if (s.update.phase !== "verified") return s;
  if (s.busy.length > 0) {
    if (s.held) return s;
    // L01.FR.07: the connectors not in use are Unavailable while the install waits.
    e.push(
      log(
        "info",
        `Signed firmware installation waits for the transaction on connector ${
          s.busy.join(", ")
        } to end; the other connectors are Unavailable meanwhile`,
      ),
      { type: "fw.hold", hold: true, holder: "signed_firmware" },
    );
    return { ...s, held: true };
  }
  const { job, file } = s.update;
  e.push({ type: "fw.install", file });
  const next = {
    ...s,
    update: { phase: "installing", job, file } as const,
    installingAnswered: false,
  };
  return report(next, job, "Installing", e, "sfw-installing");
}

function reboot(s: SignedFirmwareState, e: Effect[]): SignedFirmwareState {
  if (s.update.phase !== "rebooting" || s.update.asked || s.busy.length > 0) return s;
  e.push({ type: "timer.cancel", id: "reboot" }, { type: "fw.reboot", scope: s.update.scope });
  return { ...s, update: { ...s.update, asked: true } };
}

function request(s: SignedFirmwareState, msg: MessageOf<"ocpp.request">, ctx: Ctx): Step {
  const p = msg.payload as unknown as V16.SignedUpdateFirmwareRequest;
  if (s.update.phase !== "idle") {
    return [s, [
      reply(msg.id, "SignedUpdateFirmware", { status: "Rejected" }),
      log("warn", `SignedUpdateFirmware ${p.requestId} rejected: an update is ${s.update.phase}`),
    ]];
  }
  const at = Date.parse(p.firmware.retrieveDateTime);
  const job: SignedJob = {
    requestId: p.requestId,
    location: p.firmware.location,
    retrieveAt: Number.isFinite(at) ? at : ctx.now,
    retries: Math.max(0, Math.floor(p.retries ?? DEFAULT_RETRIES)),
    retryIntervalS: Math.max(0, Math.floor(p.retryInterval ?? DEFAULT_RETRY_INTERVAL_S)),
    signingCertificate: p.firmware.signingCertificate,
    signature: p.firmware.signature,
    previous: s.running,
  };
  return [{ ...s, update: { phase: "checking", job, id: msg.id } }, [{
    type: "cert.job",
    ref: "sfw-cert",
    job: { kind: "fw_certificate", certificate: job.signingCertificate },
  }]];
}

function certDone(s: SignedFirmwareState, msg: MessageOf<"cert.done">, ctx: Ctx): Step {
  const u = s.update;
  const o = msg.outcome;
  const e: Effect[] = [];
  if (msg.ref === "sfw-cert" && u.phase === "checking" && o.kind === "fw_certificate") {
    const answer = (status: V16.SignedUpdateFirmwareResponse["status"]): Effect =>
      reply(u.id, "SignedUpdateFirmware", { status });
    if (!o.ok) {
      e.push(
        answer("InvalidCertificate"),
        log("warn", `SignedUpdateFirmware ${u.job.requestId}: ${o.reason}`),
        {
          type: "sec.event",
          event: "InvalidFirmwareSigningCertificate",
          ...(o.reason ? { techInfo: o.reason.slice(0, 255) } : {}),
        },
      );
      return [{ ...s, update: { phase: "idle" } }, e];
    }
    e.push(answer("Accepted"));
    const wait = u.job.retrieveAt - ctx.now;
    if (wait > 0) {
      e.push({ type: "timer.start", id: "retrieve", ms: wait });
      return commit(
        report({ ...s, update: { phase: "waiting", job: u.job } }, u.job, "DownloadScheduled", e),
        e,
      );
    }
    return commit(begin(s, u.job, e), e);
  }
  if (msg.ref === "sfw-sig" && u.phase === "verifying" && o.kind === "fw_signature") {
    if (!o.ok) {
      e.push(
        log("error", `Firmware signature of update ${u.job.requestId} invalid: ${o.reason}`),
        {
          type: "sec.event",
          event: "InvalidFirmwareSignature",
          ...(o.reason ? { techInfo: o.reason.slice(0, 255) } : {}),
        },
      );
      return commit(report(s, u.job, "InvalidSignature", e), e);
    }
    const next = report(
      { ...s, update: { phase: "verified", job: u.job, file: u.file } },
      u.job,
      "SignatureVerified",
      e,
    );
    return commit(maybeInstall(next, e), e);
  }
  return [s, []];
}

function verify(
  s: SignedFirmwareState,
  job: SignedJob,
  file: string,
  e: Effect[],
): SignedFirmwareState {
  e.push({
    type: "cert.job",
    ref: "sfw-sig",
    job: {
      kind: "fw_signature",
      file,
      certificate: job.signingCertificate,
      signature: job.signature,
    },
  });
  return { ...s, update: { phase: "verifying", job, file } };
}

/** After a start: what a stored update still has to do. */
function resume(s: SignedFirmwareState, ctx: Ctx): Step {
  const u = s.update;
  const e: Effect[] = [];
  switch (u.phase) {
    case "idle":
    case "checking":
      return [{ ...s, update: { phase: "idle" } }, []];
    case "waiting":
      return [s, [{
        type: "timer.start",
        id: "retrieve",
        ms: Math.max(0, u.job.retrieveAt - ctx.now),
      }]];
    case "downloading":
    case "retry_wait":
      return commit(download(s, u.job, u.attempt, e), e);
    case "verifying":
      return commit(verify(s, u.job, u.file, e), e);
    case "verified":
      return commit(maybeInstall(s, e), e);
    case "installing":
      e.push(log("error", `Signed firmware installation ${u.job.requestId} was interrupted`));
      return commit(report(s, u.job, "InstallationFailed", e), e);
    case "rebooting": {
      const ok = u.expect !== undefined ? s.running === u.expect : s.running !== u.job.previous;
      if (!ok) {
        e.push(log("error", `Signed firmware: version ${s.running} still runs after the reboot`));
        return commit(report(s, u.job, "InstallationFailed", e), e);
      }
      e.push({ type: "sec.event", event: "FirmwareUpdated", techInfo: `version ${s.running}` });
      return commit(report(s, u.job, "Installed", e), e);
    }
    default:
      return u satisfies never;
  }
}

/** One transition of the signed firmware actor. */
export function transitionSignedFirmware(
  s: SignedFirmwareState,
  msg: SignedFirmwareMsg | TimerFired,
  ctx: Ctx,
): Step {
  const u = s.update;
  const e: Effect[] = [];
  switch (msg.type) {
    case "ocpp.request":
      return msg.action === "SignedUpdateFirmware" ? request(s, msg, ctx) : [s, []];
    case "cert.done":
      return certDone(s, msg, ctx);
    case "system.started":
      return s.started ? [s, []] : resume({ ...s, started: true }, ctx);
    case "fw.downloaded":
      if (u.phase !== "downloading") return [s, []];
      return commit(verify(report(s, u.job, "Downloaded", e), u.job, msg.file, e), e);
    case "fw.download_failed": {
      if (u.phase !== "downloading") return [s, []];
      if (u.job.retries - (u.attempt - 1) > 0) {
        e.push(
          log("warn", `Signed firmware download attempt ${u.attempt} failed: ${msg.reason}`),
          { type: "timer.start", id: "retry", ms: u.job.retryIntervalS * 1000 },
        );
        return commit(
          { ...s, update: { phase: "retry_wait", job: u.job, attempt: u.attempt + 1 } },
          e,
        );
      }
      e.push(log("error", `Signed firmware download failed: ${msg.reason}`));
      return commit(report(s, u.job, "DownloadFailed", e), e);
    }
    case "fw.installed": {
      if (u.phase !== "installing") return [s, []];
      e.push({ type: "timer.start", id: "reboot", ms: REBOOT_WAIT_MS });
      const next: SignedFirmwareState = {
        ...s,
        update: {
          phase: "rebooting",
          job: u.job,
          scope: msg.reboot,
          asked: false,
          ...(msg.version ? { expect: msg.version } : {}),
        },
      };
      // Rebooting once Installing is answered (ocpp.result of sfw-installing), or on the timer.
      return commit(s.installingAnswered ? reboot(next, e) : next, e);
    }
    case "fw.install_failed":
      if (u.phase !== "installing") return [s, []];
      e.push(log("error", `Signed firmware installation failed: ${msg.reason}`));
      return commit(report(s, u.job, "InstallationFailed", e), e);
    case "ocpp.result":
      if (msg.ref !== "sfw-installing") return [s, []];
      return commit(reboot({ ...s, installingAnswered: true }, e), e);
    case "tx.started":
      return [
        { ...s, busy: [...s.busy.filter((c) => c !== msg.connectorId), msg.connectorId] },
        [],
      ];
    case "tx.stopped": {
      const next = { ...s, busy: s.busy.filter((c) => c !== msg.connectorId) };
      if (next.busy.length > 0) return [next, []];
      return commit(reboot(maybeInstall(next, e), e), e);
    }
    case "sfw.status_requested":
      if (u.phase === "idle" || s.last === undefined) {
        return [s, [call("SignedFirmwareStatusNotification", { status: "Idle" })]];
      }
      return [s, [notify(u.job, s.last)]];
    case "timer.fired":
      if (msg.id === "retrieve" && u.phase === "waiting") return commit(begin(s, u.job, e), e);
      if (msg.id === "retry" && u.phase === "retry_wait") {
        return commit(download(s, u.job, u.attempt, e), e);
      }
      if (msg.id === "reboot") return commit(reboot(s, e), e);
      return [s, []];
    default:
      return [s, []];
  }
}

/**
 * The signed firmware actor from the stored phase, with the version that
 * runs now (the gate's full logic, `signed_firmware_gate.ts`).
 */
export function signedFirmwareActorWith(
  stored: unknown,
  running: string,
): ActorLogic<SignedFirmwareState, SignedFirmwareMsg> {
  return fullLogic(signedFirmwareGate(stored, running).logic, transitionSignedFirmware);
}
