/**
 * The firmware actor: UpdateFirmware (OCPP 1.6 section 5.19) and its
 * FirmwareStatusNotifications (section 4.5), pure.
 *
 * - UpdateFirmware.conf (no fields) is answered at once; the download starts
 *   at `retrieveDate` on the injected clock (at once when it is past).
 * - Downloading is sent, then the shell downloads (`fw.download`). A failed
 *   attempt is retried `retries` times (errata 3.50: `retries` counts
 *   retries, so 0 is one attempt; MicroOcpp PR 436 made none) every
 *   `retryInterval` seconds ({@link DEFAULT_RETRIES} / {@link
 *   DEFAULT_RETRY_INTERVAL_S} when absent); then DownloadFailed.
 * - Downloaded; installing waits while a transaction runs (errata 3.49:
 *   never interrupt a charging session), then Installing and `fw.install`.
 *   While it waits, and until the update is over, the connectors not in
 *   use are Unavailable (`fw.hold`, the errata's recommendation): no new
 *   session postpones the install.
 * - The installer accepts the image (`fw.installed`): the actor asks the
 *   shell for a reboot (`fw.reboot`, once Installing was delivered and no
 *   session that began meanwhile runs any more) and
 *   after it compares the version that now runs with the one installed:
 *   Installed only then (MicroOcpp issue 261), else InstallationFailed with
 *   the old version still running. A refused image: InstallationFailed.
 * - Every state change is written to the store (`store.fw_state`) before
 *   its effects, so a power loss in the middle resumes: a download starts
 *   again, a waiting install installs, an interrupted install is checked
 *   against the running version (InstallationFailed when the old one runs).
 * - Statuses not yet answered are kept and sent after a reconnect
 *   (`_status_outbox.ts`); TriggerMessage FirmwareStatusNotification reports
 *   the last status of a running update, Idle when none runs (section 4.5).
 *
 * Receives: `ocpp.request` (UpdateFirmware), `ocpp.result`, `ocpp.failed`,
 * `fw.downloaded`, `fw.download_failed`, `fw.installed`,
 * `fw.install_failed`, `tx.started`, `tx.stopped`, `backend.accepted` (sends
 * the statuses kept while the boot was not Accepted; whether it is, is
 * `ctx.backend`, the supervisor's phase), `trigger`, `system.started`. Emits: `ocpp.reply`,
 * `ocpp.call`, `fw.download`, `fw.install`, `fw.hold`, `fw.reboot`, `store.fw_state`,
 * `log`.
 *
 * @module
 */
import { type ActorLogic, type Ctx, type Effect, fullLogic, type TimerFired } from "./bus.ts";
import { type FirmwareStatus, type MessageOf, reply } from "./messages.ts";
import type { V16 } from "../ocpp/types.ts";
import { flush, push, settle } from "./_status_outbox.ts";
import {
  firmwareGateWith,
  type FirmwareJob,
  type FirmwareMsg,
  type FirmwareSaved,
  type FirmwareState,
} from "./update_gates.ts";

export {
  type FirmwareJob,
  type FirmwareMsg,
  type FirmwarePhase,
  type FirmwareSaved,
  type FirmwareState,
  IDLE,
  restoreFirmware,
} from "./update_gates.ts";

/** Retries when UpdateFirmware gives none (section 6.55: left to the Charge Point). */
export const DEFAULT_RETRIES = 2;
/** Seconds between attempts when UpdateFirmware gives no retryInterval. */
export const DEFAULT_RETRY_INTERVAL_S = 60;
/** After a restart with an image waiting to be installed: install this long after start even offline. */
export const RESUME_INSTALL_MS = 60_000;
/** Longest wait for Installing to be delivered before rebooting anyway. */
export const REBOOT_WAIT_MS = 30_000;

const PREFIX = "fw-";
const ACTION = "FirmwareStatusNotification";

function log(level: "debug" | "info" | "warn" | "error", text: string): Effect {
  return { type: "log", level, text };
}

function saved(s: FirmwareState): FirmwareSaved {
  return { update: s.update, outbox: s.outbox, last: s.last };
}

/** Reports `status`; a final one ends the update. */
function report(
  s: FirmwareState,
  status: FirmwareStatus,
  effects: Effect[],
  ctx: Ctx,
): FirmwareState {
  // Sent now when the boot is Accepted (the supervisor's phase), else kept for backend.accepted.
  const outbox = push(s.outbox, status, ctx.backend === "accepted", ACTION, PREFIX, effects);
  const final = status === "DownloadFailed" || status === "InstallationFailed" ||
    status === "Installed";
  const next: FirmwareState = {
    ...s,
    outbox,
    last: final ? "Idle" : status,
    update: final ? { phase: "idle" } : s.update,
  };
  if (!final || !s.held) return next;
  // The update is over: the connectors held for it take sessions again.
  effects.push({ type: "fw.hold", hold: false, holder: "firmware" });
  const { held: _, ...rest } = next;
  return rest;
}

/** Persists `next` (first effect) and returns it with the effects. */
function commit(next: FirmwareState, effects: Effect[]): [FirmwareState, Effect[]] {
  return [next, [{ type: "store.fw_state", state: saved(next) }, ...effects]];
}

function startAttempt(s: FirmwareState, job: FirmwareJob, attempt: number, e: Effect[]) {
  e.push({ type: "fw.download", url: job.location, attempt });
  return { ...s, update: { phase: "downloading", job, attempt } } as FirmwareState;
}

function updateFirmware(
  s: FirmwareState,
  msg: MessageOf<"ocpp.request">,
  ctx: Ctx,
): [FirmwareState, Effect[]] {
  const answer: Effect = reply(msg.id, "UpdateFirmware", {});
  // Validated against the schema by the rpc actor.
  const p = msg.payload as unknown as V16.UpdateFirmwareRequest;
  if (s.update.phase !== "idle" && s.update.phase !== "waiting") {
    // UpdateFirmware.conf has no status: answer, keep the running update, say why.
    return [s, [
      answer,
      log("warn", `UpdateFirmware ${p.location} ignored: an update is ${s.update.phase}`),
    ]];
  }
  const at = Date.parse(p.retrieveDate);
  const job: FirmwareJob = {
    location: p.location,
    retrieveAt: Number.isFinite(at) ? at : ctx.now,
    retries: Math.max(0, Math.floor(p.retries ?? DEFAULT_RETRIES)),
    retryIntervalS: Math.max(0, Math.floor(p.retryInterval ?? DEFAULT_RETRY_INTERVAL_S)),
    previous: s.running,
  };
  const effects: Effect[] = [answer];
  const wait = job.retrieveAt - ctx.now;
  if (wait > 0) {
    effects.push(
      log(
        "info",
        `Firmware update from ${job.location} waits for ${new Date(job.retrieveAt).toISOString()}`,
      ),
      { type: "timer.start", id: "retrieve", ms: wait },
    );
    return commit({ ...s, update: { phase: "waiting", job } }, effects);
  }
  effects.push({ type: "timer.cancel", id: "retrieve" });
  return commit(begin(s, job, effects, ctx), effects);
}

/** Downloading, and the first attempt. */
function begin(s: FirmwareState, job: FirmwareJob, effects: Effect[], ctx: Ctx): FirmwareState {
  effects.push(log("info", `Firmware download from ${job.location} (${job.retries} retries)`));
  return startAttempt(
    report(
      { ...s, update: { phase: "downloading", job, attempt: 1 } },
      "Downloading",
      effects,
      ctx,
    ),
    job,
    1,
    effects,
  );
}

/** Installs when nothing charges; otherwise waits (errata 3.49). */
function maybeInstall(s: FirmwareState, effects: Effect[], ctx: Ctx): FirmwareState {
  if (s.update.phase !== "downloaded") return s;
  if (s.busy.length > 0) {
    if (s.held) return s;
    // Errata 3.49: the connectors not in use are Unavailable while the install waits.
    effects.push(
      log(
        "info",
        `Firmware installation waits for the transaction on connector ${
          s.busy.join(", ")
        } to end; the other connectors are Unavailable meanwhile`,
      ),
      { type: "fw.hold", hold: true, holder: "firmware" },
    );
    return { ...s, held: true };
  }
  const { job, file } = s.update;
  effects.push({ type: "timer.cancel", id: "resume" }, { type: "fw.install", file });
  return report({ ...s, update: { phase: "installing", job, file } }, "Installing", effects, ctx);
}

/**
 * Asks for the reboot once Installing (and any status before it) was
 * delivered, or when `force` ({@link REBOOT_WAIT_MS} passed, e.g. offline).
 */
function maybeReboot(s: FirmwareState, effects: Effect[], force = false): FirmwareState {
  if (s.update.phase !== "rebooting" || s.update.asked) return s;
  if (!force && s.outbox.items.length > 0) return s;
  // A session that began while installing is never cut by the reboot (errata 3.49).
  if (s.busy.length > 0) return s;
  effects.push({ type: "timer.cancel", id: "reboot" }, {
    type: "fw.reboot",
    scope: s.update.scope,
  });
  return { ...s, update: { ...s.update, asked: true } };
}

/** After a restart: what the update still has to do. */
function resume(s: FirmwareState, ctx: Ctx): [FirmwareState, Effect[]] {
  const u = s.update;
  const effects: Effect[] = [];
  switch (u.phase) {
    case "idle":
      return [s, []];
    case "waiting":
      return [s, [{
        type: "timer.start",
        id: "retrieve",
        ms: Math.max(0, u.job.retrieveAt - ctx.now),
      }]];
    case "downloading":
      effects.push(
        log("warn", `Firmware download from ${u.job.location} was interrupted: starting it again`),
      );
      return commit(startAttempt(s, u.job, u.attempt, effects), effects);
    case "retry_wait":
      return [s, [{ type: "timer.start", id: "retry", ms: u.job.retryIntervalS * 1000 }]];
    case "downloaded":
      return [s, [{ type: "timer.start", id: "resume", ms: RESUME_INSTALL_MS }]];
    case "installing":
    case "rebooting": {
      const expect = u.phase === "rebooting" ? u.expect : undefined;
      const ok = expect !== undefined
        ? s.running === expect
        : u.phase === "rebooting" && s.running !== u.job.previous;
      if (ok) {
        effects.push(log("info", `Firmware ${s.running} installed and running`));
        return commit(report(s, "Installed", effects, ctx), effects);
      }
      effects.push(log(
        "error",
        u.phase === "installing"
          ? `Firmware installation was interrupted (power loss or crash): version ${s.running} still runs`
          : `Firmware installation failed: version ${s.running} still runs after the reboot${
            expect ? ` (expected ${expect})` : ""
          }`,
      ));
      return commit(report(s, "InstallationFailed", effects, ctx), effects);
    }
    default:
      return u satisfies never;
  }
}

function onTimer(s: FirmwareState, id: string, ctx: Ctx): [FirmwareState, Effect[]] {
  const u = s.update;
  const effects: Effect[] = [];
  if (id === "retrieve" && u.phase === "waiting") {
    return commit(begin(s, u.job, effects, ctx), effects);
  }
  if (id === "retry" && u.phase === "retry_wait") {
    return commit(startAttempt(s, u.job, u.attempt, effects), effects);
  }
  if (id === "resume") return commit(maybeInstall(s, effects, ctx), effects);
  if (id === "reboot") return commit(maybeReboot(s, effects, true), effects);
  if (id === "resend" && ctx.backend === "accepted") {
    return commit({ ...s, outbox: flush(s.outbox, ACTION, PREFIX, effects) }, effects);
  }
  return [s, []];
}

/** One transition of the firmware actor. */
export function transitionFirmware(
  s: FirmwareState,
  msg: FirmwareMsg | TimerFired,
  ctx: Ctx,
): [FirmwareState, Effect[]] {
  const u = s.update;
  const effects: Effect[] = [];
  switch (msg.type) {
    case "ocpp.request":
      return msg.action === "UpdateFirmware" ? updateFirmware(s, msg, ctx) : [s, []];
    case "system.started": {
      if (s.started) return [s, []];
      return resume({ ...s, started: true }, ctx);
    }
    case "fw.downloaded": {
      if (u.phase !== "downloading") return [s, []];
      effects.push(log("info", `Firmware downloaded: ${msg.bytes} bytes`));
      const next = report(
        { ...s, update: { phase: "downloaded", job: u.job, file: msg.file } },
        "Downloaded",
        effects,
        ctx,
      );
      return commit(maybeInstall(next, effects, ctx), effects);
    }
    case "fw.download_failed": {
      if (u.phase !== "downloading") return [s, []];
      const left = u.job.retries - (u.attempt - 1);
      if (left > 0) {
        effects.push(
          log(
            "warn",
            `Firmware download attempt ${u.attempt} failed: ${msg.reason}; ${left} retries left, next in ${u.job.retryIntervalS} s`,
          ),
          { type: "timer.start", id: "retry", ms: u.job.retryIntervalS * 1000 },
        );
        return commit(
          { ...s, update: { phase: "retry_wait", job: u.job, attempt: u.attempt + 1 } },
          effects,
        );
      }
      effects.push(
        log("error", `Firmware download failed: ${msg.reason}; version ${s.running} stays`),
      );
      return commit(report(s, "DownloadFailed", effects, ctx), effects);
    }
    case "fw.installed": {
      if (u.phase !== "installing") return [s, []];
      effects.push(
        log(
          "info",
          `Firmware image accepted by the installer${
            msg.version ? ` (version ${msg.version})` : ""
          }: rebooting`,
        ),
        { type: "timer.start", id: "reboot", ms: REBOOT_WAIT_MS },
      );
      const next: FirmwareState = {
        ...s,
        update: {
          phase: "rebooting",
          job: u.job,
          scope: msg.reboot,
          asked: false,
          ...(msg.version ? { expect: msg.version } : {}),
        },
      };
      return commit(maybeReboot(next, effects), effects);
    }
    case "fw.install_failed": {
      if (u.phase !== "installing") return [s, []];
      effects.push(
        log("error", `Firmware installation failed: ${msg.reason}; version ${s.running} stays`),
      );
      return commit(report(s, "InstallationFailed", effects, ctx), effects);
    }
    case "tx.started":
      return [
        { ...s, busy: [...s.busy.filter((c) => c !== msg.connectorId), msg.connectorId] },
        [],
      ];
    case "tx.stopped": {
      const next = { ...s, busy: s.busy.filter((c) => c !== msg.connectorId) };
      if (next.busy.length === 0 && u.phase === "rebooting") {
        return commit(maybeReboot(next, effects, true), effects);
      }
      return next.busy.length === 0 && u.phase === "downloaded"
        ? commit(maybeInstall(next, effects, ctx), effects)
        : [next, []];
    }
    case "backend.accepted": {
      // The boot is Accepted (ctx.backend says so from now on): what waited goes, in order.
      const next = { ...s, outbox: flush(s.outbox, ACTION, PREFIX, effects) };
      return commit(maybeInstall(next, effects, ctx), effects);
    }
    case "ocpp.result":
    case "ocpp.failed": {
      const outbox = settle(s.outbox, msg, PREFIX, effects);
      if (!outbox) return [s, []];
      if (msg.type === "ocpp.failed" && ctx.backend === "accepted") {
        effects.push({ type: "timer.start", id: "resend", ms: 30_000 });
      }
      return commit(maybeReboot({ ...s, outbox }, effects), effects);
    }
    case "trigger": {
      if (msg.message !== ACTION) return [s, []];
      // Section 4.5: Idle only when no update runs; otherwise where it is. Not kept: it is an answer.
      const payload = { status: s.last } satisfies V16.FirmwareStatusNotificationRequest;
      return [s, [{ type: "ocpp.call", action: ACTION, payload }]];
    }
    case "timer.fired":
      return onTimer(s, msg.id, ctx);
    default:
      return [s, []];
  }
}

/** The firmware actor, starting from the stored state, with the version that runs now. */
export function firmwareActorWith(
  stored: FirmwareSaved,
  running: string,
): ActorLogic<FirmwareState, FirmwareMsg> {
  return fullLogic(firmwareGateWith(stored, running), transitionFirmware);
}
