import assert from "node:assert/strict";
import type { Ctx, Effect, TimerFired } from "./bus.ts";
import {
  firmwareActorWith,
  type FirmwareMsg,
  type FirmwareState,
  IDLE,
  REBOOT_WAIT_MS,
  restoreFirmware,
  transitionFirmware,
} from "./firmware.ts";
import { viewOf } from "../config/registry.ts";
import type { BackendState } from "./messages.ts";
import { validatePayload } from "../ocpp/schema.ts";

const T0 = Date.parse("2026-12-01T10:00:00Z");
/** A context; the boot Accepted (the supervisor's phase, `ctx.backend`) unless `backend` says otherwise. */
const ctx = (backend: BackendState = "accepted"): Ctx => ({
  now: T0,
  config: viewOf(new Map()),
  backend,
});

/** Runs messages through the actor from `state`, collecting every effect. */
function run(
  state: FirmwareState,
  msgs: (FirmwareMsg | TimerFired)[],
  backend: BackendState = "accepted",
): [FirmwareState, Effect[]] {
  const all: Effect[] = [];
  for (const m of msgs) {
    const [next, effects] = transitionFirmware(state, m, ctx(backend));
    state = next;
    all.push(...effects);
  }
  return [state, all];
}

function fresh(): FirmwareState {
  const s = firmwareActorWith(IDLE, "0.1.0").initial(ctx());
  return { ...s, started: true };
}

function update(payload: Record<string, unknown>): FirmwareMsg {
  return {
    type: "ocpp.request",
    id: "u1",
    action: "UpdateFirmware",
    payload: {
      location: "ftp://u:p@host/fw.bin",
      retrieveDate: new Date(T0).toISOString(),
      ...payload,
    },
  };
}

const statuses = (effects: Effect[]) =>
  effects.flatMap((e) =>
    e.type === "ocpp.call" && e.action === "FirmwareStatusNotification"
      ? [String(e.payload.status)]
      : []
  );
const ofType = (effects: Effect[], type: string) => effects.filter((e) => e.type === type);
const result = (ref: string): FirmwareMsg => ({
  type: "ocpp.result",
  action: "FirmwareStatusNotification",
  payload: {},
  request: { status: "Downloading" },
  ref,
});

Deno.test("transitionFirmware() answers UpdateFirmware with an empty conf and starts at retrieveDate", () => {
  const [s, e] = run(fresh(), [update({})]);
  assert.deepEqual(e[0], {
    type: "store.fw_state",
    state: { update: s.update, outbox: s.outbox, last: "Downloading" },
  });
  assert.deepEqual(ofType(e, "ocpp.reply"), [{
    type: "ocpp.reply",
    id: "u1",
    action: "UpdateFirmware",
    payload: {},
  }]);
  assert.deepEqual(statuses(e), ["Downloading"]);
  assert.deepEqual(ofType(e, "fw.download"), [{
    type: "fw.download",
    url: "ftp://u:p@host/fw.bin",
    attempt: 1,
  }]);
});

Deno.test("transitionFirmware() waits for a future retrieveDate on the clock", () => {
  const later = new Date(T0 + 3_600_000).toISOString();
  const [s, e] = run(fresh(), [update({ retrieveDate: later })]);
  assert.equal(s.update.phase, "waiting");
  assert.deepEqual(statuses(e), []);
  assert.deepEqual(ofType(e, "timer.start"), [{
    type: "timer.start",
    id: "retrieve",
    ms: 3_600_000,
  }]);
  const [s2, e2] = run(s, [{ type: "timer.fired", id: "retrieve" }]);
  assert.equal(s2.update.phase, "downloading");
  assert.deepEqual(statuses(e2), ["Downloading"]);
});

Deno.test("transitionFirmware() retries 0 is one attempt, then DownloadFailed (errata 3.50)", () => {
  const [s, e] = run(fresh(), [update({ retries: 0 }), {
    type: "fw.download_failed",
    reason: "550 no such file",
  }]);
  assert.deepEqual(statuses(e), ["Downloading", "DownloadFailed"]);
  assert.equal(ofType(e, "fw.download").length, 1);
  assert.deepEqual(ofType(e, "timer.start"), []);
  assert.deepEqual(s.update, { phase: "idle" });
});

Deno.test("transitionFirmware() retries 2 makes three attempts, retryInterval apart, Downloading once", () => {
  const fail: FirmwareMsg = { type: "fw.download_failed", reason: "refused" };
  const retry: TimerFired = { type: "timer.fired", id: "retry" };
  const [, e] = run(fresh(), [
    update({ retries: 2, retryInterval: 30 }),
    fail,
    retry,
    fail,
    retry,
    fail,
  ]);
  assert.deepEqual(ofType(e, "fw.download").map((d) => (d as { attempt: number }).attempt), [
    1,
    2,
    3,
  ]);
  assert.deepEqual(ofType(e, "timer.start"), [
    { type: "timer.start", id: "retry", ms: 30_000 },
    { type: "timer.start", id: "retry", ms: 30_000 },
  ]);
  assert.deepEqual(statuses(e), ["Downloading", "DownloadFailed"]);
});

Deno.test("transitionFirmware() installs only when no transaction runs (errata 3.49)", () => {
  const started: FirmwareMsg = {
    type: "tx.started",
    connectorId: 1,
    idTag: "A",
    meterStartWh: 0,
    timestamp: T0,
  };
  const [s, e] = run(fresh(), [started, update({}), {
    type: "fw.downloaded",
    file: "/d/image.bin",
    bytes: 10,
  }]);
  assert.deepEqual(statuses(e), ["Downloading", "Downloaded"]);
  assert.deepEqual(ofType(e, "fw.install"), []);
  const [s2, e2] = run(s, [{
    type: "tx.stopped",
    connectorId: 1,
    transactionId: 5,
    reason: "Local",
  }]);
  assert.deepEqual(statuses(e2), ["Installing"]);
  assert.deepEqual(ofType(e2, "fw.install"), [{ type: "fw.install", file: "/d/image.bin" }]);
  assert.equal(e2[0]!.type, "store.fw_state", "on disk before the install starts");
  assert.equal(s2.update.phase, "installing");
  // Errata 3.49: while it waited the other connectors were held Unavailable, once.
  assert.deepEqual(ofType(e, "fw.hold"), [{ type: "fw.hold", hold: true, holder: "firmware" }]);
  assert.deepEqual(ofType(e2, "fw.hold"), [], "held until the update is over");
  const [s3, e3] = run(s2, [{ type: "fw.install_failed", reason: "bad image" }]);
  assert.deepEqual(ofType(e3, "fw.hold"), [{ type: "fw.hold", hold: false, holder: "firmware" }]);
  assert.equal(s3.held, undefined);
  assert.equal(s3.update.phase, "idle");
});

Deno.test("transitionFirmware() holds no connector when nothing charges at Downloaded", () => {
  const [, e] = run(fresh(), [update({}), { type: "fw.downloaded", file: "/d/i", bytes: 1 }]);
  assert.deepEqual(ofType(e, "fw.hold"), []);
  assert.deepEqual(statuses(e), ["Downloading", "Downloaded", "Installing"]);
});

Deno.test("transitionFirmware() reboots once Installing is delivered, then reports Installed only if the new version runs", () => {
  const [s, e] = run(fresh(), [
    update({}),
    { type: "fw.downloaded", file: "/d/image.bin", bytes: 10 },
    { type: "fw.installed", version: "1.2.0", reboot: "runtime" },
  ]);
  assert.deepEqual(
    ofType(e, "fw.reboot"),
    [],
    "Downloading, Downloaded, Installing not answered yet",
  );
  const [s2, e2] = run(s, [result("fw-1"), result("fw-2"), result("fw-3")]);
  assert.deepEqual(ofType(e2, "fw.reboot"), [{ type: "fw.reboot", scope: "runtime" }]);
  const stored = { update: s2.update, outbox: s2.outbox, last: s2.last };
  // After the reboot: the new version runs.
  const ok = firmwareActorWith(restoreFirmware(JSON.parse(JSON.stringify(stored))).saved, "1.2.0");
  const [, e3] = run(ok.initial(ctx()), [{ type: "system.started" }, {
    type: "backend.accepted",
    currentTime: "",
  }]);
  assert.deepEqual(statuses(e3), ["Installed"]);
  // Or the old one still runs.
  const old = firmwareActorWith(restoreFirmware(stored).saved, "0.1.0");
  const [s4, e4] = run(old.initial(ctx()), [{ type: "system.started" }, {
    type: "backend.accepted",
    currentTime: "",
  }]);
  assert.deepEqual(statuses(e4), ["InstallationFailed"]);
  assert.deepEqual(s4.update, { phase: "idle" });
});

Deno.test("transitionFirmware() reboots after REBOOT_WAIT_MS even when Installing is not answered", () => {
  const [s, e] = run(fresh(), [
    update({}),
    { type: "fw.downloaded", file: "/d/image.bin", bytes: 10 },
    { type: "fw.installed", reboot: "process" },
  ], "connecting");
  assert.deepEqual(ofType(e, "timer.start"), [{
    type: "timer.start",
    id: "reboot",
    ms: REBOOT_WAIT_MS,
  }]);
  const [, e2] = run(s, [{ type: "timer.fired", id: "reboot" }]);
  assert.deepEqual(ofType(e2, "fw.reboot"), [{ type: "fw.reboot", scope: "process" }]);
});

Deno.test("transitionFirmware() after a power loss in the install: InstallationFailed, old version", () => {
  const [s] = run(fresh(), [update({}), {
    type: "fw.downloaded",
    file: "/d/image.bin",
    bytes: 10,
  }]);
  assert.equal(s.update.phase, "installing");
  const again = firmwareActorWith(
    restoreFirmware({ update: s.update, outbox: s.outbox, last: s.last }).saved,
    "0.1.0",
  );
  const [s2, e2] = run(again.initial(ctx()), [{ type: "system.started" }, {
    type: "system.started",
  }], "booting");
  assert.deepEqual(ofType(e2, "ocpp.call"), [], "offline: kept until the boot is accepted");
  const [, e3] = run(s2, [{ type: "backend.accepted", currentTime: "" }]);
  // Everything unanswered before the cut is sent again, in order, then the failure.
  assert.deepEqual(statuses(e3), ["Downloading", "Downloaded", "Installing", "InstallationFailed"]);
});

Deno.test("transitionFirmware() after a power loss in the download starts it again", () => {
  const [s] = run(fresh(), [update({}), result("fw-1")]);
  const again = firmwareActorWith(
    restoreFirmware({ update: s.update, outbox: s.outbox, last: s.last }).saved,
    "0.1.0",
  );
  const [, e] = run(again.initial(ctx()), [{ type: "system.started" }]);
  assert.deepEqual(ofType(e, "fw.download"), [{
    type: "fw.download",
    url: "ftp://u:p@host/fw.bin",
    attempt: 1,
  }]);
  assert.deepEqual(statuses(e), []);
});

Deno.test("transitionFirmware() keeps statuses while offline and sends them in order after the boot", () => {
  const [s, e] = run(fresh(), [update({ retries: 0 }), {
    type: "fw.download_failed",
    reason: "x",
  }], "pending");
  assert.deepEqual(statuses(e), []);
  const [s2, e2] = run(s, [{ type: "backend.accepted", currentTime: "" }]);
  assert.deepEqual(statuses(e2), ["Downloading", "DownloadFailed"]);
  // A CALL that failed for want of a connection is sent again on the next boot.
  const failed: FirmwareMsg = {
    type: "ocpp.failed",
    action: "FirmwareStatusNotification",
    ref: "fw-2",
    request: { status: "Downloading" },
    code: "Offline",
    description: "",
  };
  const [s3, e3] = run(s2, [result("fw-1"), failed], "backoff");
  assert.deepEqual(ofType(e3, "timer.start"), [], "no resend timer while the boot is not Accepted");
  const [, e4] = run(s3, [{ type: "backend.accepted", currentTime: "" }]);
  assert.deepEqual(statuses(e4), ["DownloadFailed"]);
});

Deno.test("transitionFirmware() TriggerMessage reports where the update is; Idle when none runs", () => {
  const trigger: FirmwareMsg = { type: "trigger", message: "FirmwareStatusNotification" };
  assert.deepEqual(statuses(run(fresh(), [trigger])[1]), ["Idle"]);
  const [s] = run(fresh(), [update({}), { type: "fw.downloaded", file: "/f", bytes: 1 }]);
  assert.deepEqual(statuses(run(s, [trigger])[1]), ["Installing"]);
  const other: FirmwareMsg = { type: "trigger", message: "Heartbeat" };
  assert.deepEqual(run(fresh(), [other])[1], []);
});

Deno.test("transitionFirmware() keeps a running update when another UpdateFirmware comes", () => {
  const [s] = run(fresh(), [update({})]);
  const [s2, e] = run(s, [update({ location: "http://other/fw" })]);
  assert.deepEqual(s2, s);
  assert.deepEqual(ofType(e, "ocpp.reply").length, 1);
  assert.match(JSON.stringify(e), /ignored: an update is downloading/);
});

Deno.test("restoreFirmware() turns an unreadable stored state into no update, and says so", () => {
  assert.deepEqual(restoreFirmware(null), {
    saved: IDLE,
    problem: "stored firmware update state is unreadable: ignored",
  });
  assert.equal(
    restoreFirmware({ update: { phase: "flying" }, outbox: { items: [] }, last: "Idle" }).saved,
    IDLE,
  );
});

Deno.test("transitionFirmware() calls and replies satisfy the official schemas", () => {
  const [, e] = run(fresh(), [
    update({ retries: 1 }),
    { type: "fw.downloaded", file: "/f", bytes: 1 },
    { type: "fw.install_failed", reason: "bad" },
    { type: "trigger", message: "FirmwareStatusNotification" },
  ]);
  for (const x of e) {
    if (x.type === "ocpp.call") {
      assert.equal(validatePayload(x.action, "Request", x.payload), undefined);
    }
    if (x.type === "ocpp.reply") {
      assert.equal(validatePayload(x.action, "Response", x.payload), undefined);
    }
  }
  assert.deepEqual(statuses(e), [
    "Downloading",
    "Downloaded",
    "Installing",
    "InstallationFailed",
    "Idle",
  ]);
});

Deno.test("transitionFirmware() a session that began during the install delays the reboot until it ends", () => {
  const [s] = run(fresh(), [update({}), { type: "fw.downloaded", file: "/f", bytes: 1 }]);
  const started: FirmwareMsg = {
    type: "tx.started",
    connectorId: 1,
    idTag: "A",
    meterStartWh: 0,
    timestamp: T0,
  };
  const [s2, e2] = run(s, [
    started,
    { type: "fw.installed", version: "1.2.0", reboot: "runtime" },
    result("fw-1"),
    result("fw-2"),
    result("fw-3"),
    { type: "timer.fired", id: "reboot" },
  ]);
  assert.deepEqual(ofType(e2, "fw.reboot"), []);
  const [, e3] = run(s2, [{
    type: "tx.stopped",
    connectorId: 1,
    transactionId: 1,
    reason: "Local",
  }]);
  assert.deepEqual(ofType(e3, "fw.reboot"), [{ type: "fw.reboot", scope: "runtime" }]);
});

Deno.test("transitionFirmware() sends by the supervisor's phase (ctx.backend), not by the messages it saw: a reconnect whose boot is Pending", () => {
  // The first boot Accepted: Downloading goes at once, and is answered.
  const [s, e] = run(fresh(), [{ type: "backend.accepted", currentTime: "" }, update({})]);
  assert.deepEqual(statuses(e), ["Downloading"]);
  const [s1] = run(s, [result("fw-1")]);
  // Reconnected; the new BootNotification is Pending. No backend.* message says so to this actor.
  const [s2, e2] = run(s1, [{ type: "fw.downloaded", file: "/d/i", bytes: 1 }], "pending");
  assert.deepEqual(statuses(e2), [], "kept: the Central System may not get CALLs yet (4.2)");
  assert.deepEqual(s2.outbox.items.map((p) => [p.status, p.sent]), [
    ["Downloaded", false],
    ["Installing", false],
  ]);
  // Accepted, before backend.accepted reached the actor: a new status goes after the kept ones.
  const [s3, e3] = run(s2, [{ type: "fw.install_failed", reason: "bad image" }]);
  assert.deepEqual(statuses(e3), ["Downloaded", "Installing", "InstallationFailed"]);
  // backend.accepted then has nothing left to send.
  const [, e4] = run(s3, [{ type: "backend.accepted", currentTime: "" }]);
  assert.deepEqual(statuses(e4), []);
});
