import assert from "node:assert/strict";
import type { Ctx, Effect } from "./bus.ts";
import {
  asRequest,
  type BackendState,
  type CertOutcome,
  type SecurityEventType,
} from "./messages.ts";
import {
  initialSecurity,
  PUSHED,
  type SecurityMsg,
  type SecurityState,
  startupEvents,
  transitionSecurity,
} from "./security.ts";
import { isTransactional } from "./rpc.ts";
import { securityGateWith } from "./security_gate.ts";
import { type Value, viewOf } from "../config/registry.ts";
import { validatePayload } from "../ocpp/schema.ts";
import type { CsAction } from "../ocpp/types.ts";

/** The boot is Accepted unless `backend` says otherwise (bus.ts, Ctx.backend). */
function ctxWith(
  entries: [string, Value][] = [],
  now = Date.UTC(2026, 11, 1),
  backend: BackendState = "accepted",
): Ctx {
  return { now, config: viewOf(new Map(entries)), backend };
}

const accepted: SecurityState = { tlsReported: false };

function req(action: CsAction, payload: Record<string, unknown>): SecurityMsg {
  return asRequest("m1", action, payload);
}

function run(msg: SecurityMsg, state = accepted, ctx = ctxWith()): [SecurityState, Effect[]] {
  return transitionSecurity(state, msg, ctx);
}

/** Every ocpp.reply and ocpp.call of the effects is valid by the official schemas. */
function schemaValid(effects: Effect[]): void {
  for (const e of effects) {
    if (e.type === "ocpp.reply") {
      assert.equal(validatePayload(e.action, "Response", e.payload), undefined, e.action);
    }
    if (e.type === "ocpp.call") {
      assert.equal(validatePayload(e.action, "Request", e.payload), undefined, e.action);
    }
  }
}

/** The status of the answer among the effects. */
function status(effects: Effect[]): unknown {
  const r = effects.find((e) => e.type === "ocpp.reply");
  return r && r.type === "ocpp.reply" ? (r.payload as { status?: unknown }).status : undefined;
}

function done(outcome: CertOutcome): SecurityMsg {
  return { type: "cert.done", ref: "m1", outcome };
}

Deno.test("transitionSecurity() hands the certificate requests to the service under the request's id", () => {
  const hash = {
    hashAlgorithm: "SHA256",
    issuerNameHash: "aa",
    issuerKeyHash: "bb",
    serialNumber: "1",
  };
  const cases: [CsAction, Record<string, unknown>, unknown][] = [
    ["InstallCertificate", { certificateType: "ManufacturerRootCertificate", certificate: "P" }, {
      kind: "install",
      certificateType: "ManufacturerRootCertificate",
      certificate: "P",
    }],
    ["GetInstalledCertificateIds", { certificateType: "CentralSystemRootCertificate" }, {
      kind: "list",
      certificateType: "CentralSystemRootCertificate",
    }],
    ["DeleteCertificate", { certificateHashData: hash }, { kind: "delete", hash }],
    ["CertificateSigned", { certificateChain: "C" }, { kind: "signed", chain: "C" }],
  ];
  for (const [action, payload, job] of cases) {
    const [, effects] = run(
      req(action, payload),
      accepted,
      ctxWith([["CertificateSignedMaxChainSize", 10]]),
    );
    assert.deepEqual(effects, [{ type: "cert.job", ref: "m1", job }], action);
  }
});

Deno.test("transitionSecurity() answers the service's outcomes, the answer before the security event", () => {
  const [, rejectedRoot] = run(done({
    kind: "install",
    status: "Rejected",
    certificateType: "CentralSystemRootCertificate",
    reason: "the certificate is expired on 2020-02-01",
  }));
  assert.deepEqual(rejectedRoot.map((e) => e.type), ["ocpp.reply", "log", "sec.event"]);
  assert.deepEqual(rejectedRoot[2], {
    type: "sec.event",
    event: "InvalidCentralSystemCertificate",
    techInfo: "the certificate is expired on 2020-02-01",
  });
  // A refused manufacturer root is no Central System event.
  const [, rejectedMaker] = run(done({
    kind: "install",
    status: "Rejected",
    certificateType: "ManufacturerRootCertificate",
  }));
  assert.ok(!rejectedMaker.some((e) => e.type === "sec.event"));
  const [, signed] = run(done({ kind: "signed", status: "Rejected", reason: "x".repeat(300) }));
  const ev = signed.find((e) => e.type === "sec.event");
  assert.equal(signed[0]!.type, "ocpp.reply");
  assert.equal(ev && "techInfo" in ev ? ev.techInfo?.length : 0, 255);
  const [, none] = run(done({ kind: "list", hashes: [] }));
  assert.deepEqual(none, [{
    type: "ocpp.reply",
    id: "m1",
    action: "GetInstalledCertificateIds",
    payload: { status: "NotFound" },
  }]);
  const [, csr] = run(done({ kind: "csr", csr: "-----BEGIN CERTIFICATE REQUEST-----" }));
  assert.equal(csr[0]!.type === "ocpp.call" && csr[0]!.action, "SignCertificate");
  const [, noCsr] = run(done({ kind: "csr", reason: "no data directory" }));
  assert.deepEqual(noCsr.map((e) => e.type), ["log"]);
  schemaValid([...rejectedRoot, ...rejectedMaker, ...signed, ...none, ...csr]);
});

Deno.test("transitionSecurity() refuses a CertificateSigned longer than CertificateSignedMaxChainSize without the service", () => {
  const [, effects] = run(
    req("CertificateSigned", { certificateChain: "x".repeat(11) }),
    accepted,
    ctxWith([["CertificateSignedMaxChainSize", 10]]),
  );
  assert.deepEqual(effects.map((e) => e.type), ["ocpp.reply", "log", "sec.event"]);
  assert.ok(!effects.some((e) => e.type === "cert.job"));
});

Deno.test("transitionSecurity() ExtendedTriggerMessage: answers first, then the message; rules of TriggerMessage", () => {
  const entries: [string, Value][] = [["NumberOfConnectors", 2], ["CpoName", "CPO"]];
  const ext = (
    requestedMessage: string,
    connectorId?: number,
    backend: BackendState = "accepted",
  ) =>
    run(
      req("ExtendedTriggerMessage", {
        requestedMessage,
        ...(connectorId !== undefined ? { connectorId } : {}),
      }),
      accepted,
      ctxWith(entries, undefined, backend),
    )[1];
  assert.deepEqual(ext("Heartbeat")[1], { type: "trigger", message: "Heartbeat" });
  assert.deepEqual(ext("StatusNotification", 2)[1], {
    type: "trigger",
    message: "StatusNotification",
    connectorId: 2,
  });
  assert.equal(
    status(ext("StatusNotification", 3)),
    "Rejected",
  );
  assert.deepEqual(ext("SignChargePointCertificate")[1], {
    type: "cert.job",
    ref: "m1",
    job: { kind: "csr" },
  });
  // The boot's state is the Ctx's (the supervisor's phase), not the actor's own.
  const booting: BackendState = "pending";
  assert.equal(
    status(ext("Heartbeat", undefined, booting)),
    "Rejected",
  );
  assert.deepEqual(ext("BootNotification", undefined, booting)[1], {
    type: "trigger",
    message: "BootNotification",
  });
  assert.deepEqual(ext("FirmwareStatusNotification")[1], { type: "sfw.status_requested" });
  assert.deepEqual(ext("LogStatusNotification")[1], { type: "log.status_requested" });
  // Without a CpoName no CSR can be made (A02.FR.13).
  const [, noCpo] = run(
    req("ExtendedTriggerMessage", { requestedMessage: "SignChargePointCertificate" }),
    accepted,
    ctxWith([["CpoName", ""]]),
  );
  assert.equal(status(noCpo), "Rejected");
  assert.ok(!noCpo.some((e) => e.type === "cert.job"));
});

Deno.test("transitionSecurity() logs every security event and sends the critical and OCTT ones", () => {
  const all: SecurityEventType[] = [
    "FirmwareUpdated",
    "FailedToAuthenticateAtCentralSystem",
    "InvalidChargePointCertificate",
    "InvalidMessages",
  ];
  const online = ctxWith([["BackendConnectionType", "ethernet"]]);
  for (const event of all) {
    const [, effects] = run({ type: "sec.event", event, techInfo: "why" }, accepted, online);
    assert.deepEqual(effects[0], {
      type: "store.security_log",
      at: Date.UTC(2026, 11, 1),
      event,
      techInfo: "why",
    });
    const call = effects.find((e) => e.type === "ocpp.call");
    assert.equal(call !== undefined, PUSHED.has(event), event);
    if (call && call.type === "ocpp.call") {
      assert.deepEqual(call.payload, {
        type: event,
        timestamp: "2026-12-01T00:00:00.000Z",
        techInfo: "why",
      });
      // Queued durably, delivered like transaction messages (A04.FR.02).
      assert.ok(isTransactional(call.action, call.payload));
      schemaValid([call]);
    }
  }
});

Deno.test("transitionSecurity() raises InvalidCentralSystemCertificate once per failing streak of TLS verification", () => {
  const fail = {
    type: "backend.state",
    state: "backoff",
    reason: "TLS verification failed: the backend 127.0.0.1:1 presented a certificate ...",
    since: 0,
  } as const;
  let [s, effects] = run(fail, initialSecurity(ctxWith()));
  assert.deepEqual(effects.map((e) => e.type), ["sec.event"]);
  [s, effects] = run(fail, s);
  assert.deepEqual(effects, []);
  [s] = run({ type: "backend.state", state: "accepted", since: 0 }, s);
  [, effects] = run(fail, s);
  assert.deepEqual(effects.map((e) => e.type), ["sec.event"]);
  const [, refused] = run({ ...fail, reason: "Connection refused: nothing listens" });
  assert.deepEqual(refused, []);
});

Deno.test("transitionSecurity() sends no event without a backend configured: the security log only", () => {
  const [, effects] = run(
    { type: "sec.event", event: "StartupOfTheDevice" },
    accepted,
    ctxWith([["BackendConnectionType", "none"]]),
  );
  assert.deepEqual(effects.map((e) => e.type), ["store.security_log"]);
});

Deno.test("transitionSecurity() refused credentials and security setting changes are events, without values", () => {
  const refused = {
    type: "backend.state",
    state: "backoff",
    reason: "HTTP 401 Unauthorized: the backend refused the credentials",
    since: 0,
  } as const;
  const [s, effects] = run(refused, initialSecurity(ctxWith()));
  assert.deepEqual(effects.map((e) => e.type === "sec.event" && e.event), [
    "FailedToAuthenticateAtCentralSystem",
  ]);
  assert.deepEqual(run(refused, s)[1], []);
  const [, changed] = run({
    type: "config.changed",
    key: "AuthorizationKey",
    value: "secret-value",
  });
  assert.deepEqual(changed, [{
    type: "sec.event",
    event: "ReconfigurationOfSecurityParameters",
    techInfo: "AuthorizationKey changed",
  }]);
  assert.deepEqual(run({ type: "config.changed", key: "HeartbeatInterval", value: 60 })[1], []);
});

Deno.test("transitionSecurity() start-up: logged at system.started, sent once after the Accepted boot", () => {
  const online = ctxWith([["BackendConnectionType", "ethernet"]]);
  const start = {
    ...initialSecurity(online),
    lastRun: { clean: true, reason: "HardReset" },
  } as const;
  const [s1, started] = run({ type: "system.started" }, start, online);
  // Logged now, nothing sent before the boot is Accepted (OCPP 1.6 4.2.1); each kept in
  // the store's pending events first (A04.FR.02: a power cut does not lose it).
  const pending = (id: number, event: SecurityEventType, techInfo: string) => ({
    type: "store.security_pending",
    op: "put",
    id,
    event,
    techInfo,
    at: online.now,
  });
  assert.deepEqual(started, [
    pending(1, "ResetOrReboot", "Hard reset"),
    { type: "store.security_log", at: online.now, event: "ResetOrReboot", techInfo: "Hard reset" },
    pending(2, "StartupOfTheDevice", "started after: Hard reset"),
    {
      type: "store.security_log",
      at: online.now,
      event: "StartupOfTheDevice",
      techInfo: "started after: Hard reset",
    },
  ]);
  // The Central System's time moves the clock before backend.accepted: held too.
  const later = ctxWith([["BackendConnectionType", "ethernet"]], online.now + 5_000);
  const [s2, set] = run({ type: "clock.set", shiftMs: -3_600_000 }, s1, later);
  assert.deepEqual(set.map((e) => e.type), ["store.security_pending", "store.security_log"]);
  const [s3, sent] = run({ type: "backend.accepted", currentTime: "" }, s2, later);
  // Each names its pending row: the journal deletes it as it queues the message.
  assert.deepEqual(sent.map((e) => e.type === "ocpp.call" && e.ref), [
    "sec-pending:1",
    "sec-pending:2",
    "sec-pending:3",
  ]);
  assert.deepEqual(sent.map((e) => e.type === "ocpp.call" && e.payload), [
    { type: "ResetOrReboot", timestamp: "2026-12-01T00:00:00.000Z", techInfo: "Hard reset" },
    {
      type: "StartupOfTheDevice",
      timestamp: "2026-12-01T00:00:00.000Z",
      techInfo: "started after: Hard reset",
    },
    {
      type: "SettingSystemTime",
      timestamp: "2026-12-01T00:00:05.000Z",
      techInfo: "clock moved -3600000 ms to the Central System's currentTime",
    },
  ]);
  schemaValid(sent);
  for (const e of sent) {
    assert.ok(e.type === "ocpp.call" && isTransactional(e.action, e.payload as never));
  }
  // A reconnect later sends nothing again; a later clock.set is sent at once.
  assert.deepEqual(run({ type: "backend.accepted", currentTime: "" }, s3, later)[1], []);
  const [, moved] = run({ type: "clock.set", shiftMs: 2_500 }, s3, later);
  assert.deepEqual(
    moved.map((e) => e.type === "ocpp.call" && (e.payload as { techInfo?: string }).techInfo),
    [
      false,
      "clock moved +2500 ms to the Central System's currentTime",
    ],
  );
});

Deno.test("startupEvents() names how the previous run ended; ResetOrReboot only after one", () => {
  const types = (r?: Parameters<typeof startupEvents>[0]) => startupEvents(r);
  assert.deepEqual(types({ clean: false }), [
    ["StartupOfTheDevice", "started after a power loss or crash (no clean stop)"],
  ]);
  assert.deepEqual(types({ clean: true, first: true }), [
    ["StartupOfTheDevice", "first start (empty store)"],
  ]);
  assert.deepEqual(types({ clean: true, reason: "PowerLoss" }), [
    ["StartupOfTheDevice", "started after a power loss (stopped on backup power)"],
  ]);
  assert.deepEqual(types({ clean: true, reason: "SoftReset" }).map((e) => e[0]), [
    "ResetOrReboot",
    "StartupOfTheDevice",
  ]);
  assert.deepEqual(types({ clean: true, reason: "Reboot" })[0]![0], "ResetOrReboot");
  assert.deepEqual(types(undefined), [["StartupOfTheDevice", "started"]]);
});

Deno.test("transitionSecurity() standalone: start-up events are logged, never sent", () => {
  const none = ctxWith([["BackendConnectionType", "none"]]);
  const [s, started] = run({ type: "system.started" }, initialSecurity(none), none);
  assert.deepEqual(started.map((e) => e.type), ["store.security_log"]);
  assert.deepEqual(run({ type: "backend.accepted", currentTime: "" }, s, none)[1], []);
});

Deno.test("transitionSecurity() start-up: the events an earlier run kept pending go first, ids go on", () => {
  const online = ctxWith([["BackendConnectionType", "ethernet"]]);
  const logic = securityGateWith({ clean: false }, [
    { id: 4, event: "StartupOfTheDevice", techInfo: "first start (empty store)", at: 1_000 },
  ]);
  const [s1, started] = run({ type: "system.started" }, logic.initial(online), online);
  assert.deepEqual(
    started.flatMap((e) => e.type === "store.security_pending" && e.op === "put" ? [e.id] : []),
    [5],
  );
  const [, sent] = run({ type: "backend.accepted", currentTime: "" }, s1, online);
  assert.deepEqual(
    sent.map((e) =>
      e.type === "ocpp.call" && [e.ref, (e.payload as { techInfo: string }).techInfo]
    ),
    [
      ["sec-pending:4", "first start (empty store)"],
      ["sec-pending:5", "started after a power loss or crash (no clean stop)"],
    ],
  );
  // A kept event that cannot be sent (the backend was switched off meanwhile) is dropped.
  const none = ctxWith([["BackendConnectionType", "none"]]);
  assert.deepEqual(run({ type: "backend.accepted", currentTime: "" }, s1, none)[1], [
    { type: "store.security_pending", op: "drop", id: 4 },
    { type: "store.security_pending", op: "drop", id: 5 },
  ]);
});
