/**
 * OCTT compliance cases of the Core and Remote Trigger profiles
 * (`ocpp-1.6-octt-test-cases.txt`, chapter 2), one test per case, against
 * the real Central System of `csms.ts` with the whole runtime.
 *
 * Time-driven steps (boot retry, heartbeat) advance the FakeClock and read
 * the bus, where a CALL appears synchronously with the timer that caused it;
 * everything else waits for the Central System to receive it.
 */
import assert from "node:assert/strict";
import type { BusMessage, BusMessageType, MessageOf } from "../actors/messages.ts";
import { callsOnBus, OCTT, type Rig, startRig } from "./harness.ts";

/** Waits for a bus message of `type` at or after index `from` matching `match`. */
async function busNext<K extends BusMessageType>(
  rig: Rig,
  type: K,
  from = 0,
  match: (m: MessageOf<K>) => boolean = () => true,
): Promise<MessageOf<K>> {
  const find = () =>
    rig.messages.slice(from).find((m): m is MessageOf<K> =>
      m.type === type && match(m as MessageOf<K>)
    );
  await rig.csms.until(() => find() !== undefined, `bus message ${type} after #${from}`);
  return find()!;
}

/** Frames the Charge Point sent since frame index `from`, parsed. */
function cpFrames(rig: Rig, from: number): unknown[][] {
  return rig.csms.frames.slice(from).filter((f) => !f.out).map((f) => JSON.parse(f.text));
}

/** [connectorId, status] of the StatusNotifications received from `from` on. */
function statuses(rig: Rig, from: number): [number, string][] {
  return rig.csms.all("StatusNotification", from).map((
    r,
  ) => [r.params.connectorId, r.params.status]);
}

/**
 * Reusable state Charging (OCTT Table 105): plug-in first and a remote
 * start on connector 1. Returns the transactionId.
 */
async function charging(rig: Rig, idTag = OCTT.validIdTag): Promise<number> {
  const { csms, station } = rig;
  const m = csms.mark;
  const conf = await csms.call("GetConfiguration", { key: ["AuthorizeRemoteTxRequests"] });
  assert.equal(conf.configurationKey[0].key, "AuthorizeRemoteTxRequests");
  station.plug(1);
  await csms.next("StatusNotification", m, (p) => p.connectorId === 1 && p.status === "Preparing");
  const started = await csms.call("RemoteStartTransaction", { connectorId: 1, idTag });
  assert.equal(started.status, "Accepted");
  const start = await csms.next("StartTransaction", m);
  assert.equal(start.params.connectorId, 1);
  assert.equal(start.params.idTag, idTag);
  await csms.next("StatusNotification", m, (p) => p.connectorId === 1 && p.status === "Charging");
  return csms.nextTransactionId - 1;
}

Deno.test("TC_001 Cold boot charge point", async () => {
  let boots = 0;
  await using rig = await startRig({
    noWait: true,
    before: (csms) => {
      csms.handlers.BootNotification = () => ({
        status: ++boots === 1 ? "Rejected" : "Accepted",
        currentTime: new Date().toISOString(),
        interval: boots === 1 ? 10 : 60,
      });
    },
  });
  const { csms } = rig;
  await csms.next("BootNotification", 0);
  const rejectedAt = rig.messages.indexOf(
    await busNext(rig, "backend.state", 0, (m) => m.state === "rejected"),
  );
  // Step 3: the retry comes after the Rejected conf's interval, not before.
  await rig.advance(9_000);
  assert.deepEqual(callsOnBus(rig, "BootNotification", rejectedAt), []);
  await rig.advance(1_000);
  assert.equal(callsOnBus(rig, "BootNotification", rejectedAt).length, 1);
  const second = await csms.next("BootNotification", 1);
  // Nothing else was sent while Rejected.
  assert.deepEqual(
    csms.received.slice(0, second.seq + 1).map((r) => r.action),
    ["BootNotification", "BootNotification"],
  );
  // Step 5: connector 0 and every connector, Available.
  await csms.next("StatusNotification", second.seq, (p) => p.connectorId === 1);
  const sent = csms.all("StatusNotification", second.seq).map((r) => r.params);
  assert.deepEqual(sent.map((p) => [p.connectorId, p.status, p.errorCode]), [
    [0, "Available", "NoError"],
    [1, "Available", "NoError"],
  ]);
  // Step 7: Heartbeat every `interval` (60 s) of the Accepted conf.
  const acceptedAt = rig.messages.indexOf(
    await busNext(rig, "backend.state", rejectedAt, (m) => m.state === "accepted"),
  );
  const hb = csms.mark;
  await rig.advance(59_000);
  assert.deepEqual(callsOnBus(rig, "Heartbeat", acceptedAt), []);
  await rig.advance(1_000);
  assert.equal(callsOnBus(rig, "Heartbeat", acceptedAt).length, 1);
  await csms.next("Heartbeat", hb);
  await rig.advance(59_000);
  assert.equal(callsOnBus(rig, "Heartbeat", acceptedAt).length, 1);
  await rig.advance(1_000);
  assert.equal(callsOnBus(rig, "Heartbeat", acceptedAt).length, 2);
  await csms.until(() => csms.all("Heartbeat", hb).length === 2, "the second Heartbeat");
  assert.equal(rig.store.get("HeartbeatInterval"), 60);
  assert.deepEqual(csms.invalid, []);
});

/** TC_013 and TC_014: Inoperative survives a reset, Operative makes the connector Available. */
async function resetWithoutTransaction(kind: "Hard" | "Soft"): Promise<void> {
  await using rig = await startRig();
  const { csms } = rig;
  const m = csms.mark;
  const inop = await csms.call("ChangeAvailability", { connectorId: 1, type: "Inoperative" });
  assert.equal(inop.status, "Accepted");
  await csms.next("StatusNotification", m, (p) => p.connectorId === 1);
  assert.deepEqual(statuses(rig, m), [[1, "Unavailable"]]);

  const r = csms.mark;
  const connections = csms.connections;
  assert.equal((await csms.call("Reset", { type: kind })).status, "Accepted");
  const boot = await csms.next("BootNotification", r);
  // The setting is on disk before the runtime comes back up.
  const saved = JSON.parse(await Deno.readTextFile(`${rig.dataDir}/settings.json`));
  assert.equal(saved.InoperativeConnectors, "1");
  await csms.next("StatusNotification", boot.seq, (p) => p.connectorId === 1);
  assert.deepEqual(statuses(rig, boot.seq), [[0, "Available"], [1, "Unavailable"]]);
  assert.equal(rig.cp.restarts, 1);
  assert.equal(csms.connections, connections + 1);
  // Steps 7 and 9 in order. The Security Whitepaper's critical events of the reboot follow
  // the statuses, before step 11: the OCTT lists no Charge Point message there, and an
  // extra one reorders none of its steps (test case document 1.2).
  await csms.next("SecurityEventNotification", boot.seq, (p) => p.type === "StartupOfTheDevice");
  assert.deepEqual(
    csms.received.slice(r).map((x) =>
      x.action === "SecurityEventNotification" ? `Security:${x.params.type}` : x.action
    ),
    [
      "BootNotification",
      "StatusNotification",
      "StatusNotification",
      "Security:ResetOrReboot",
      "Security:StartupOfTheDevice",
    ],
  );

  const o = csms.mark;
  const op = await csms.call("ChangeAvailability", { connectorId: 1, type: "Operative" });
  assert.equal(op.status, "Accepted");
  await csms.next("StatusNotification", o, (p) => p.connectorId === 1);
  assert.deepEqual(statuses(rig, o), [[1, "Available"]]);
  assert.equal(rig.store.get("InoperativeConnectors"), "");
  assert.deepEqual(csms.invalid, []);
}

Deno.test("TC_013 Hard reset without transaction", () => resetWithoutTransaction("Hard"));

Deno.test("TC_014 Soft reset without transaction", () => resetWithoutTransaction("Soft"));

/** TC_015 and TC_016: the transaction stops with the reset's reason before the reboot. */
async function resetWithTransaction(kind: "Hard" | "Soft"): Promise<void> {
  await using rig = await startRig();
  const { csms } = rig;
  const transactionId = await charging(rig);
  const r = csms.mark;
  assert.equal((await csms.call("Reset", { type: kind })).status, "Accepted");
  const stop = await csms.next("StopTransaction", r);
  assert.equal(stop.params.transactionId, transactionId);
  assert.equal(stop.params.reason, `${kind}Reset`);
  assert.equal(stop.params.idTag, OCTT.validIdTag);
  const boot = await csms.next("BootNotification", r);
  assert.ok(stop.seq < boot.seq, "StopTransaction goes out before the reboot");
  // Finishing is reported before the reboot too (it may precede StopTransaction).
  const finishing = csms.all("StatusNotification", r).filter((x) => x.seq < boot.seq);
  assert.deepEqual(finishing.map((x) => [x.params.connectorId, x.params.status]), [
    [1, "Finishing"],
  ]);
  await csms.next("StatusNotification", boot.seq, (p) => p.connectorId === 1);
  const after = statuses(rig, boot.seq);
  assert.equal(after.length, 2);
  assert.deepEqual(after[0], [0, "Available"]);
  assert.equal(after[1]![0], 1);
  assert.ok(
    after[1]![1] === "Finishing" || after[1]![1] === "Preparing",
    `connector 1 after the reboot: ${after[1]![1]}`,
  );
  assert.equal(rig.cp.restarts, 1);
  // Exactly one StopTransaction, and no new transaction after the reboot.
  assert.equal(csms.all("StopTransaction", r).length, 1);
  assert.equal(csms.all("StartTransaction", r).length, 0);
  assert.deepEqual(csms.invalid, []);
}

Deno.test("TC_015 Hard reset with transaction", () => resetWithTransaction("Hard"));

Deno.test("TC_016 Soft reset with transaction", () => resetWithTransaction("Soft"));

/** Core profile keys every Charge Point has, readonly or not; null: either is allowed (Table 25). */
const CORE_KEYS: Record<string, boolean | null> = {
  AuthorizeRemoteTxRequests: null,
  ClockAlignedDataInterval: false,
  ConnectionTimeOut: false,
  ConnectorPhaseRotation: false,
  GetConfigurationMaxKeys: true,
  HeartbeatInterval: false,
  LocalAuthorizeOffline: false,
  LocalPreAuthorize: false,
  MeterValuesAlignedData: false,
  MeterValuesSampledData: false,
  MeterValueSampleInterval: false,
  NumberOfConnectors: true,
  ResetRetries: false,
  StopTransactionOnInvalidId: false,
  StopTxnAlignedData: false,
  StopTxnSampledData: false,
  SupportedFeatureProfiles: true,
  TransactionMessageAttempts: false,
  TransactionMessageRetryInterval: false,
  UnlockConnectorOnEVSideDisconnect: null,
};

/** Local Auth List Management profile keys (checked manually by the tool). */
const LOCAL_LIST_KEYS: Record<string, boolean> = {
  LocalAuthListEnabled: false,
  LocalAuthListMaxLength: true,
  SendLocalListMaxLength: true,
};

Deno.test("TC_019 Retrieve configuration", async () => {
  await using rig = await startRig();
  const { csms } = rig;
  // Steps 1-2.
  const profiles = await csms.call("GetConfiguration", { key: ["SupportedFeatureProfiles"] });
  assert.deepEqual(profiles.unknownKey ?? [], []);
  assert.equal(profiles.configurationKey.length, 1);
  assert.equal(profiles.configurationKey[0].key, "SupportedFeatureProfiles");
  const supported = String(profiles.configurationKey[0].value).split(",");
  assert.ok(supported.includes("Core"));
  // Steps 3-4: all keys, with their accessibility.
  const all = await csms.call("GetConfiguration", {});
  assert.deepEqual(all.unknownKey ?? [], []);
  const byKey = new Map<string, { readonly: boolean; value?: string }>(
    all.configurationKey.map((k: { key: string; readonly: boolean; value?: string }) => [k.key, k]),
  );
  assert.equal(byKey.size, all.configurationKey.length, "no key is listed twice");
  const required = {
    ...CORE_KEYS,
    ...(supported.includes("LocalAuthListManagement") ? LOCAL_LIST_KEYS : {}),
  };
  for (const [key, readonly] of Object.entries(required)) {
    const got = byKey.get(key);
    assert.ok(got, `${key} is listed`);
    assert.equal(typeof got.readonly, "boolean", `${key} has a readonly flag`);
    if (readonly !== null) assert.equal(got.readonly, readonly, `${key} readonly`);
    assert.equal(typeof got.value, "string", `${key} has a value`);
  }
  assert.equal(byKey.has("AuthorizationKey"), false, "the write-only password is never listed");
  // Steps 5-6.
  const max = await csms.call("GetConfiguration", { key: ["GetConfigurationMaxKeys"] });
  assert.deepEqual(max.unknownKey ?? [], []);
  assert.equal(max.configurationKey[0].key, "GetConfigurationMaxKeys");
  const maxKeys = Number(max.configurationKey[0].value);
  assert.ok(Number.isInteger(maxKeys) && maxKeys > 0, `GetConfigurationMaxKeys ${maxKeys}`);
  // Steps 7-8: that many keys of the list, answered in full.
  const keys = [...byKey.keys()].slice(0, Math.min(maxKeys, byKey.size));
  const some = await csms.call("GetConfiguration", { key: keys });
  assert.deepEqual(some.unknownKey ?? [], []);
  assert.deepEqual(
    some.configurationKey.map((k: { key: string }) => k.key).sort(),
    [...keys].sort(),
  );
  assert.deepEqual(csms.invalid, []);
});

Deno.test("TC_021 Change/set configuration", async () => {
  await using rig = await startRig();
  const { csms } = rig;
  const before = await csms.call("GetConfiguration", { key: ["MeterValueSampleInterval"] });
  assert.notEqual(before.configurationKey[0].value, "30");
  const changed = await csms.call("ChangeConfiguration", {
    key: "MeterValueSampleInterval",
    value: "30",
  });
  assert.equal(changed.status, "Accepted");
  const after = await csms.call("GetConfiguration", { key: ["MeterValueSampleInterval"] });
  assert.deepEqual(after.configurationKey, [
    { key: "MeterValueSampleInterval", readonly: false, value: "30" },
  ]);
  assert.equal(rig.store.get("MeterValueSampleInterval"), 30);
});

Deno.test("TC_040_1 Configuration key NotSupported", async () => {
  await using rig = await startRig();
  const { csms } = rig;
  const changed = await csms.call("ChangeConfiguration", { key: "Testing", value: "true" });
  assert.equal(changed.status, "NotSupported");
  const got = await csms.call("GetConfiguration", { key: ["Testing"] });
  assert.deepEqual(got, { configurationKey: [], unknownKey: ["Testing"] });
});

Deno.test("TC_040_2 Configuration key invalid value", async () => {
  await using rig = await startRig();
  const { csms } = rig;
  const changed = await csms.call("ChangeConfiguration", {
    key: "MeterValueSampleInterval",
    value: "-1",
  });
  assert.equal(changed.status, "Rejected");
  const got = await csms.call("GetConfiguration", { key: ["MeterValueSampleInterval"] });
  assert.equal(got.configurationKey[0].value, "60", "the old value stays");
});

/** Sends TriggerMessage and returns the triggered CALL, checking the conf went out first. */
async function trigger(
  rig: Rig,
  payload: { requestedMessage: string; connectorId?: number },
  action = payload.requestedMessage,
) {
  const { csms } = rig;
  const m = csms.mark;
  const f = csms.frames.length;
  const conf = await csms.call("TriggerMessage", payload);
  assert.equal(conf.status, "Accepted", `TriggerMessage ${action}`);
  const call = await csms.next(action, m);
  const frames = cpFrames(rig, f);
  const confAt = frames.findIndex((x) => x[0] === 3);
  const callAt = frames.findIndex((x) => x[0] === 2 && x[2] === action);
  assert.ok(
    confAt >= 0 && confAt < callAt,
    `TriggerMessage.conf before ${action}: ${JSON.stringify(frames)}`,
  );
  return call;
}

Deno.test("TC_054 Trigger message", async () => {
  await using rig = await startRig();
  const { csms } = rig;
  const mv = await trigger(rig, { requestedMessage: "MeterValues", connectorId: 1 });
  assert.equal(mv.params.connectorId, 1);
  assert.equal(mv.params.transactionId, undefined);
  const sv = mv.params.meterValue[0].sampledValue[0];
  assert.equal(sv.context, "Trigger");
  assert.equal(sv.measurand, "Energy.Active.Import.Register");

  await trigger(rig, { requestedMessage: "Heartbeat" });

  const sn = await trigger(rig, { requestedMessage: "StatusNotification", connectorId: 1 });
  assert.equal(sn.params.connectorId, 1);
  assert.equal(sn.params.status, "Available");

  const diag = await trigger(rig, { requestedMessage: "DiagnosticsStatusNotification" });
  assert.deepEqual(diag.params, { status: "Idle" });

  const fw = await trigger(rig, { requestedMessage: "FirmwareStatusNotification" });
  assert.deepEqual(fw.params, { status: "Idle" });
  assert.deepEqual(csms.invalid, []);
});

Deno.test("TC_055 Trigger message rejected", async () => {
  await using rig = await startRig();
  const { csms } = rig;
  const m = csms.mark;
  const bus = rig.messages.length;
  const conf = await csms.call("TriggerMessage", {
    requestedMessage: "MeterValues",
    connectorId: 2,
  });
  assert.equal(conf.status, "Rejected");
  assert.deepEqual(callsOnBus(rig, "MeterValues", bus), []);
  assert.equal(rig.messages.slice(bus).some((x: BusMessage) => x.type === "trigger"), false);
  // A later round trip shows nothing was sent in between either.
  await trigger(rig, { requestedMessage: "Heartbeat" });
  assert.deepEqual(csms.received.slice(m).map((r) => r.action), ["Heartbeat"]);
});

Deno.test("TC_062 Data transfer to a charge point", async () => {
  await using rig = await startRig();
  const conf = await rig.csms.call("DataTransfer", {
    vendorId: "com.example.octt",
    messageId: "TestMessage",
    data: "payload",
  });
  // Rejected, UnknownMessageId and UnknownVendorId pass; this Charge Point knows no vendor.
  assert.deepEqual(conf, { status: "UnknownVendorId" });
});
