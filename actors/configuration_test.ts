import assert from "node:assert/strict";
import type { Ctx, Effect } from "./bus.ts";
import {
  configurationActor,
  type ConfigurationMsg,
  initialConfiguration,
  transitionConfiguration,
} from "./configuration.ts";
import { type KeyDef, REGISTRY, type Value, viewOf } from "../config/registry.ts";
import { validatePayload } from "../ocpp/schema.ts";
import { asRequest, reply } from "./messages.ts";
import { type CsRequest, type CsResponse, json } from "../ocpp/types.ts";

function ctxWith(entries: [string, Value][] = []): Ctx {
  return { now: 1_000, config: viewOf(new Map(entries)) };
}

function request<A extends "GetConfiguration" | "ChangeConfiguration">(
  action: A,
  payload: CsRequest<A>,
): Extract<ConfigurationMsg, { type: "ocpp.request" }> {
  return asRequest("m1", action, payload) as Extract<ConfigurationMsg, { type: "ocpp.request" }>;
}

function run(msg: ConfigurationMsg, ctx = ctxWith(), defs?: readonly KeyDef[]): Effect[] {
  const [state, effects] = transitionConfiguration(initialConfiguration(ctx), msg, ctx, defs);
  assert.deepEqual(state, {});
  return effects;
}

/**
 * A ChangeConfiguration that asks for one write, then the shell's
 * `config.written` (`ok`: stored or not): every effect of both steps.
 */
function change(
  msg: ConfigurationMsg,
  ctx = ctxWith(),
  defs?: readonly KeyDef[],
  ok = true,
): Effect[] {
  const first = run(msg, ctx, defs);
  assert.equal(first.length, 1);
  const write = first[0] as Extract<Effect, { type: "config.write" }>;
  assert.equal(write.type, "config.write");
  const written: ConfigurationMsg = {
    type: "config.written",
    key: write.key,
    value: write.value,
    ok,
    ...(ok ? {} : { reason: "Read-only file system (os error 30)" }),
    ...(write.request ? { request: write.request } : {}),
  };
  return [...first, ...run(written, ctx, defs)];
}

/** The payload of an `ocpp.reply` effect. */
function payloadOf(effect: Effect | undefined): Record<string, unknown> {
  assert.ok(effect?.type === "ocpp.reply", `an ocpp.reply, not ${effect?.type}`);
  return json(effect.payload);
}

function getReply(payload: CsResponse<"GetConfiguration">): Effect {
  return reply("m1", "GetConfiguration", payload);
}

function changeReply(status: CsResponse<"ChangeConfiguration">["status"]): Effect {
  return reply("m1", "ChangeConfiguration", { status });
}

/** A small registry; its keys also exist in REGISTRY so `viewOf` can read them. */
const DEFS: readonly KeyDef[] = [
  { key: "HeartbeatInterval", kind: "integer", access: "RW", default: 86400, min: 0 },
  { key: "NumberOfConnectors", kind: "integer", access: "R", default: 1, reboot: true },
  { key: "LocalAuthListEnabled", kind: "boolean", access: "RW", default: true },
  { key: "MeterValuesSampledData", kind: "csl", access: "RW", default: "Power.Active.Import" },
  { key: "AuthorizationKey", kind: "string", access: "W", default: "", secret: true },
  { key: "CentralSystemUrl", kind: "string", access: "R", default: "", appOnly: true },
  // A read-write key that needs a reboot (none in REGISTRY is both).
  { key: "ResetRetries", kind: "integer", access: "RW", default: 3, reboot: true },
];

Deno.test("transitionConfiguration() answers every readable OCPP key for an empty request", () => {
  const ctx = ctxWith([["HeartbeatInterval", 300], ["AuthorizationKey", "0123456789abcdef"]]);
  assert.deepEqual(run(request("GetConfiguration", {}), ctx, DEFS), [getReply({
    configurationKey: [
      { key: "HeartbeatInterval", readonly: false, value: "300" },
      { key: "NumberOfConnectors", readonly: true, value: "1" },
      { key: "LocalAuthListEnabled", readonly: false, value: "true" },
      { key: "MeterValuesSampledData", readonly: false, value: "Energy.Active.Import.Register" },
      { key: "ResetRetries", readonly: false, value: "3" },
    ],
  })]);
});

Deno.test("transitionConfiguration() treats an empty key list as a request for all keys (section 5.8)", () => {
  const [reply] = run(request("GetConfiguration", { key: [] }), ctxWith(), DEFS);
  assert.deepEqual(run(request("GetConfiguration", {}), ctxWith(), DEFS), [reply]);
  assert.equal(
    (payloadOf(reply).configurationKey as unknown[]).length,
    5,
  );
});

Deno.test("transitionConfiguration() lists the required Core keys with their accessibility (TC_019)", () => {
  const effects = run(request("GetConfiguration", {}));
  assert.equal(effects.length, 1);
  const payload = payloadOf(effects[0]) as {
    configurationKey: { key: string; readonly: boolean; value: string }[];
  };
  assert.deepEqual(Object.keys(payload), ["configurationKey"]);
  const got = new Map(payload.configurationKey.map((k) => [k.key, k.readonly]));
  const rw = [
    "ClockAlignedDataInterval",
    "ConnectionTimeOut",
    "ConnectorPhaseRotation",
    "HeartbeatInterval",
    "LocalAuthorizeOffline",
    "LocalPreAuthorize",
    "MeterValuesAlignedData",
    "MeterValuesSampledData",
    "MeterValueSampleInterval",
    "ResetRetries",
    "StopTransactionOnInvalidId",
    "StopTxnAlignedData",
    "StopTxnSampledData",
    "TransactionMessageAttempts",
    "TransactionMessageRetryInterval",
    "LocalAuthListEnabled",
  ];
  const r = [
    "GetConfigurationMaxKeys",
    "NumberOfConnectors",
    "SupportedFeatureProfiles",
    "LocalAuthListMaxLength",
    "SendLocalListMaxLength",
  ];
  for (const key of rw) assert.equal(got.get(key), false, key);
  for (const key of r) assert.equal(got.get(key), true, key);
  assert.ok(got.has("AuthorizeRemoteTxRequests") && got.has("UnlockConnectorOnEVSideDisconnect"));
  const hidden = REGISTRY.filter((d) => d.appOnly || d.secret).map((d) => d.key);
  assert.deepEqual(hidden.filter((k) => got.has(k)), []);
  assert.equal(payload.configurationKey.length, REGISTRY.length - hidden.length);
  assert.ok(payload.configurationKey.every((k) => typeof k.value === "string"));
});

Deno.test("transitionConfiguration() answers known keys and lists the others as unknown (TC_019)", () => {
  const msg = request("GetConfiguration", {
    key: [
      "SupportedFeatureProfiles",
      "Testing",
      "AuthorizationKey",
      "CentralSystemUrl",
      "heartbeatINTERVAL",
    ],
  });
  assert.deepEqual(run(msg, ctxWith([["HeartbeatInterval", 60]])), [getReply({
    configurationKey: [
      {
        key: "SupportedFeatureProfiles",
        readonly: true,
        value:
          "Core,FirmwareManagement,LocalAuthListManagement,RemoteTrigger,SmartCharging,Reservation",
      },
      { key: "HeartbeatInterval", readonly: false, value: "60" },
    ],
    unknownKey: ["Testing", "AuthorizationKey", "CentralSystemUrl"],
  })]);
});

Deno.test("transitionConfiguration() leaves Reservation out of SupportedFeatureProfiles when it is switched off", () => {
  const msg = request("GetConfiguration", { key: ["SupportedFeatureProfiles"] });
  assert.deepEqual(run(msg, ctxWith([["ReservationEnabled", false]])), [getReply({
    configurationKey: [
      {
        key: "SupportedFeatureProfiles",
        readonly: true,
        value: "Core,FirmwareManagement,LocalAuthListManagement,RemoteTrigger,SmartCharging",
      },
    ],
  })]);
});

Deno.test("transitionConfiguration() leaves unknownKey out when every key is known (TC_019)", () => {
  assert.deepEqual(run(request("GetConfiguration", { key: ["GetConfigurationMaxKeys"] })), [
    getReply({
      configurationKey: [{ key: "GetConfigurationMaxKeys", readonly: true, value: "100" }],
    }),
  ]);
});

Deno.test("transitionConfiguration() answers a repeated key once", () => {
  const msg = request("GetConfiguration", {
    key: ["Testing", "BlinkRepeat", "BlinkRepeat", "Testing"],
  });
  assert.deepEqual(run(msg), [getReply({
    configurationKey: [{ key: "BlinkRepeat", readonly: false, value: "0" }],
    unknownKey: ["Testing"],
  })]);
});

Deno.test("transitionConfiguration() answers the first GetConfigurationMaxKeys keys of a longer request", () => {
  const ctx = ctxWith([["GetConfigurationMaxKeys", 2]]);
  const msg = request("GetConfiguration", { key: ["BlinkRepeat", "Testing", "LightIntensity"] });
  assert.deepEqual(run(msg, ctx), [
    getReply({
      configurationKey: [{ key: "BlinkRepeat", readonly: false, value: "0" }],
      unknownKey: ["Testing"],
    }),
    {
      type: "log",
      level: "warn",
      text: "GetConfiguration asked for 3 keys: answering the first 2 (GetConfigurationMaxKeys)",
    },
  ]);
});

Deno.test("transitionConfiguration() answers NotSupported for an unknown key (TC_040_1)", () => {
  assert.deepEqual(run(request("ChangeConfiguration", { key: "Testing", value: "true" })), [
    changeReply("NotSupported"),
    { type: "log", level: "info", text: "Cannot change configuration key Testing: not supported" },
  ]);
});

Deno.test("transitionConfiguration() answers NotSupported for an app-only setting", () => {
  const msg = request("ChangeConfiguration", {
    key: "CentralSystemUrl",
    value: "ws://evil.example/",
  });
  assert.deepEqual(run(msg), [
    changeReply("NotSupported"),
    {
      type: "log",
      level: "info",
      text: "Cannot change configuration key CentralSystemUrl: not supported",
    },
  ]);
});

Deno.test("transitionConfiguration() rejects a change of a read-only key", () => {
  assert.deepEqual(run(request("ChangeConfiguration", { key: "NumberOfConnectors", value: "2" })), [
    changeReply("Rejected"),
    {
      type: "log",
      level: "warn",
      text: "Cannot change configuration key NumberOfConnectors: read-only",
    },
  ]);
});

Deno.test("transitionConfiguration() rejects an out-of-range value (TC_040_2)", () => {
  const msg = request("ChangeConfiguration", { key: "MeterValueSampleInterval", value: "-1" });
  assert.deepEqual(run(msg), [
    changeReply("Rejected"),
    {
      type: "log",
      level: "warn",
      text: 'Cannot change configuration key MeterValueSampleInterval to "-1": must be >= 0',
    },
  ]);
});

Deno.test("transitionConfiguration() rejects an unsupported measurand (section 3.16.4)", () => {
  const msg = request("ChangeConfiguration", { key: "MeterValuesSampledData", value: "Frequency" });
  assert.deepEqual(run(msg), [
    changeReply("Rejected"),
    {
      type: "log",
      level: "warn",
      text:
        'Cannot change configuration key MeterValuesSampledData to "Frequency": unsupported item "Frequency"',
    },
  ]);
});

Deno.test("transitionConfiguration() accepts a valid value and writes it parsed (TC_021)", () => {
  const msg = request("ChangeConfiguration", { key: "MeterValueSampleInterval", value: "15" });
  assert.deepEqual(change(msg), [
    {
      type: "config.write",
      key: "MeterValueSampleInterval",
      value: 15,
      request: { id: "m1", status: "Accepted" },
    },
    changeReply("Accepted"),
    {
      type: "log",
      level: "info",
      text: "Configuration key MeterValueSampleInterval changed to 15 by the Central System",
    },
  ]);
});

Deno.test("transitionConfiguration() then reads back the changed value (TC_021)", () => {
  const [write] = run(
    request("ChangeConfiguration", { key: "MeterValueSampleInterval", value: "15" }),
  );
  const { key, value } = write as { key: string; value: Value };
  const msg = request("GetConfiguration", { key: ["MeterValueSampleInterval"] });
  assert.deepEqual(run(msg, ctxWith([[key, value]])), [getReply({
    configurationKey: [{ key: "MeterValueSampleInterval", readonly: false, value: "15" }],
  })]);
});

Deno.test("transitionConfiguration() matches keys case-insensitively and writes the registry's spelling", () => {
  const msg = request("ChangeConfiguration", { key: "localauthorizeoffline", value: "FALSE" });
  assert.deepEqual(change(msg), [
    {
      type: "config.write",
      key: "LocalAuthorizeOffline",
      value: false,
      request: { id: "m1", status: "Accepted" },
    },
    changeReply("Accepted"),
    {
      type: "log",
      level: "info",
      text: "Configuration key LocalAuthorizeOffline changed to false by the Central System",
    },
  ]);
});

Deno.test("transitionConfiguration() answers RebootRequired for a reboot key and stores the value", () => {
  const msg = request("ChangeConfiguration", { key: "ResetRetries", value: "5" });
  assert.deepEqual(change(msg, ctxWith(), DEFS), [
    {
      type: "config.write",
      key: "ResetRetries",
      value: 5,
      request: { id: "m1", status: "RebootRequired" },
    },
    changeReply("RebootRequired"),
    {
      type: "log",
      level: "info",
      text:
        "Configuration key ResetRetries changed to 5 by the Central System; takes effect after a reboot",
    },
  ]);
});

Deno.test("transitionConfiguration() accepts a new AuthorizationKey without logging it (Whitepaper A01)", () => {
  const secret = "00112233445566778899aabbccddeeff";
  const msg = request("ChangeConfiguration", { key: "AuthorizationKey", value: secret });
  assert.deepEqual(change(msg), [
    {
      type: "config.write",
      key: "AuthorizationKey",
      value: secret,
      request: { id: "m1", status: "Accepted" },
    },
    changeReply("Accepted"),
    {
      type: "log",
      level: "info",
      text: "Configuration key AuthorizationKey changed (value not logged) by the Central System",
    },
  ]);
});

Deno.test("transitionConfiguration() rejects a too short AuthorizationKey without logging it", () => {
  const msg = request("ChangeConfiguration", { key: "AuthorizationKey", value: "short-secret" });
  assert.deepEqual(run(msg), [
    changeReply("Rejected"),
    {
      type: "log",
      level: "warn",
      text: "Cannot change configuration key AuthorizationKey: invalid value (not logged)",
    },
  ]);
});

Deno.test("transitionConfiguration() rejects an empty AuthorizationKey", () => {
  const msg = request("ChangeConfiguration", { key: "AuthorizationKey", value: "" });
  assert.deepEqual(run(msg), [
    changeReply("Rejected"),
    {
      type: "log",
      level: "warn",
      text: "Cannot change configuration key AuthorizationKey: invalid value (not logged)",
    },
  ]);
});

Deno.test("transitionConfiguration() ignores a timer and an action it does not handle", () => {
  const ctx = ctxWith();
  assert.deepEqual(transitionConfiguration({}, { type: "timer.fired", id: "x" }, ctx), [{}, []]);
  const msg: ConfigurationMsg = {
    type: "ocpp.request",
    id: "m2",
    action: "Reset",
    payload: { type: "Soft" },
  };
  assert.deepEqual(transitionConfiguration({}, msg, ctx), [{}, [{
    type: "log",
    level: "debug",
    text: "Ignored Reset in actor configuration: not handled here",
  }]]);
});

Deno.test("configurationActor handles GetConfiguration and ChangeConfiguration from the registry", () => {
  assert.equal(configurationActor.name, "configuration");
  assert.deepEqual(configurationActor.receives, ["ocpp.request", "config.written"]);
  assert.deepEqual(configurationActor.handles, ["GetConfiguration", "ChangeConfiguration"]);
  const ctx = ctxWith();
  const msg = request("ChangeConfiguration", { key: "HeartbeatInterval", value: "120" });
  const [, effects] = configurationActor.transition(configurationActor.initial(ctx), msg, ctx);
  assert.deepEqual(effects, [{
    type: "config.write",
    key: "HeartbeatInterval",
    value: 120,
    request: { id: "m1", status: "Accepted" },
  }]);
});

Deno.test("transitionConfiguration() replies satisfy the official response schemas", () => {
  const messages = [
    request("GetConfiguration", {}),
    request("GetConfiguration", { key: ["HeartbeatInterval", "Testing", "AuthorizationKey"] }),
    request("ChangeConfiguration", { key: "Testing", value: "1" }),
    request("ChangeConfiguration", { key: "NumberOfConnectors", value: "1" }),
    request("ChangeConfiguration", { key: "HeartbeatInterval", value: "60" }),
  ];
  const replyOf = (effects: Effect[]) => effects.find((e) => e.type === "ocpp.reply");
  for (const msg of messages) {
    const effects = run(msg);
    const reply = replyOf(effects[0]?.type === "config.write" ? change(msg) : effects);
    assert.equal(msg.type, "ocpp.request");
    if (msg.type !== "ocpp.request") continue;
    assert.equal(validatePayload(msg.action, "Response", payloadOf(reply)), undefined);
  }
  const reboot = replyOf(change(
    request("ChangeConfiguration", { key: "ResetRetries", value: "1" }),
    ctxWith(),
    DEFS,
  ));
  assert.equal(validatePayload("ChangeConfiguration", "Response", payloadOf(reboot)), undefined);
});

Deno.test("transitionConfiguration() answers only once the value is stored, Rejected when it cannot be", () => {
  const msg = request("ChangeConfiguration", { key: "MeterValueSampleInterval", value: "15" });
  // Nothing is answered before the shell says the value is on disk.
  assert.deepEqual(run(msg), [{
    type: "config.write",
    key: "MeterValueSampleInterval",
    value: 15,
    request: { id: "m1", status: "Accepted" },
  }]);
  assert.deepEqual(change(msg, ctxWith(), undefined, false).slice(1), [
    changeReply("Rejected"),
    {
      type: "log",
      level: "error",
      text: "Cannot change configuration key MeterValueSampleInterval to 15: cannot store it " +
        "(Read-only file system (os error 30))",
    },
  ]);
  // A secret is not logged, nor the reason (it could quote the value).
  const key = request("ChangeConfiguration", {
    key: "AuthorizationKey",
    value: "00112233445566778899aabbccddeeff",
  });
  const failed = change(key, ctxWith(), undefined, false);
  assert.deepEqual(failed[1], changeReply("Rejected"));
  assert.equal(JSON.stringify(failed).includes("os error"), false);
  // A write no request asked for (another actor's) is not answered.
  assert.deepEqual(
    run({ type: "config.written", key: "HeartbeatInterval", value: 60, ok: false, reason: "x" }),
    [],
  );
});
