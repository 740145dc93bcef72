/**
 * Protocol robustness against the real Central System: boot and heartbeat
 * timing, the boot states, inbound CALLs the runtime must refuse (OCPP-J
 * 1.6 section 4.2.3), garbage frames, a dropped connection and CALLERROR
 * answers to the Charge Point's own CALLs.
 */
import assert from "node:assert/strict";
import { createRPCError } from "ocpp-rpc";
import type { BusMessageType, MessageOf } from "../actors/messages.ts";
import { BACKOFF_BASE_MS, BOOT_RETRY_MS } from "../actors/connection.ts";
import { BOOT_INFO } from "../runtime/version.ts";
import { callsOnBus, type Rig, startRig } from "./harness.ts";

/** Waits for a bus message of `type` at or after index `from` matching `match`; returns its index. */
async function busNext<K extends BusMessageType>(
  rig: Rig,
  type: K,
  from = 0,
  match: (m: MessageOf<K>) => boolean = () => true,
): Promise<number> {
  const find = () =>
    rig.messages.findIndex((m, i) => i >= from && m.type === type && match(m as MessageOf<K>));
  await rig.csms.until(() => find() >= 0, `bus message ${type} after #${from}`);
  return find();
}

/** Sends a raw CALL (`payload` is the frame's text when `action` is undefined) and returns the answer frame. */
async function rawCall(
  rig: Rig,
  id: string,
  action: string | undefined,
  payload: unknown,
): Promise<unknown[]> {
  const { csms } = rig;
  const from = csms.frames.length;
  await csms.sendRaw(
    action === undefined ? String(payload) : JSON.stringify([2, id, action, payload]),
  );
  let answer: unknown[] | undefined;
  await csms.until(() => {
    answer = csms.frames.slice(from).filter((f) => !f.out).map((f) => JSON.parse(f.text))
      .find((x) => (x[0] === 3 || x[0] === 4) && x[1] === id);
    return answer !== undefined;
  }, `the answer to ${action} ${id}`);
  return answer!;
}

/** A TriggerMessage Heartbeat round trip: proves the link and the actors work. */
async function heartbeatWorks(rig: Rig): Promise<void> {
  const m = rig.csms.mark;
  const conf = await rig.csms.call("TriggerMessage", { requestedMessage: "Heartbeat" });
  assert.equal(conf.status, "Accepted");
  await rig.csms.next("Heartbeat", m);
}

Deno.test("boot: BootNotification describes the Charge Point, Heartbeat follows its interval", async () => {
  await using rig = await startRig({
    noWait: true,
    before: (csms) => {
      csms.handlers.BootNotification = () => ({
        status: "Accepted",
        currentTime: new Date().toISOString(),
        interval: 30,
      });
    },
  });
  const { csms } = rig;
  const boot = await csms.next("BootNotification", 0);
  assert.equal(boot.params.chargePointVendor, BOOT_INFO.chargePointVendor);
  assert.equal(boot.params.chargePointModel, BOOT_INFO.chargePointModel);
  assert.equal(boot.params.firmwareVersion, BOOT_INFO.firmwareVersion);
  assert.equal(csms.lastHandshake?.identity, "CP-TEST-1");
  assert.deepEqual(csms.lastHandshake?.protocols, ["ocpp1.6"]);
  const accepted = await busNext(rig, "backend.state", 0, (m) => m.state === "accepted");
  for (let n = 1; n <= 3; n++) {
    await rig.advance(29_000);
    assert.equal(callsOnBus(rig, "Heartbeat", accepted).length, n - 1, `before heartbeat ${n}`);
    await rig.advance(1_000);
    assert.equal(callsOnBus(rig, "Heartbeat", accepted).length, n, `heartbeat ${n}`);
  }
  await csms.until(() => csms.all("Heartbeat").length === 3, "three Heartbeats");
  const conf = await csms.call("GetConfiguration", { key: ["HeartbeatInterval"] });
  assert.equal(conf.configurationKey[0].value, "30");
  assert.deepEqual(csms.invalid, []);
});

Deno.test("boot: Pending, then Accepted; nothing but BootNotification goes out while Pending", async () => {
  let boots = 0;
  await using rig = await startRig({
    noWait: true,
    before: (csms) => {
      csms.handlers.BootNotification = () => ({
        status: ++boots === 1 ? "Pending" : "Accepted",
        currentTime: new Date().toISOString(),
        interval: boots === 1 ? 20 : 300,
      });
    },
  });
  const { csms, station } = rig;
  await csms.next("BootNotification", 0);
  const pending = await busNext(rig, "backend.state", 0, (m) => m.state === "pending");
  // Things happen while Pending: a cable, and a Central System request (section 4.2 allows it).
  station.plug(1);
  const conf = await csms.call("GetConfiguration", { key: ["HeartbeatInterval"] });
  assert.equal(conf.configurationKey[0].key, "HeartbeatInterval");
  await rig.advance(19_000);
  assert.deepEqual(callsOnBus(rig, "BootNotification", pending), []);
  assert.deepEqual(csms.received.map((r) => r.action), ["BootNotification"]);
  await rig.advance(1_000);
  const second = await csms.next("BootNotification", 1);
  assert.deepEqual(
    csms.received.slice(0, second.seq + 1).map((r) => r.action),
    ["BootNotification", "BootNotification"],
  );
  // Accepted: now the statuses, the plugged connector Preparing.
  await csms.next("StatusNotification", second.seq, (p) => p.connectorId === 1);
  assert.deepEqual(
    csms.all("StatusNotification", second.seq).map((r) => [r.params.connectorId, r.params.status]),
    [[0, "Available"], [1, "Preparing"]],
  );
  assert.deepEqual(csms.invalid, []);
});

Deno.test("boot: RemoteStartTransaction and RemoteStopTransaction are Rejected while Pending (section 4.2)", async () => {
  await using rig = await startRig({
    noWait: true,
    before: (csms) => {
      csms.handlers.BootNotification = () => ({
        status: "Pending",
        currentTime: new Date().toISOString(),
        interval: 60,
      });
    },
  });
  const { csms, station } = rig;
  await csms.next("BootNotification", 0);
  const pending = await busNext(rig, "backend.state", 0, (m) => m.state === "pending");
  station.plug(1);
  const start = await csms.call("RemoteStartTransaction", { connectorId: 1, idTag: "TAG" });
  assert.equal(start.status, "Rejected");
  const stop = await csms.call("RemoteStopTransaction", { transactionId: 1 });
  assert.equal(stop.status, "Rejected");
  assert.deepEqual(rig.messages.slice(pending).filter((m) => m.type === "tx.authorized"), []);
  assert.deepEqual(csms.received.map((r) => r.action), ["BootNotification"]);
  assert.deepEqual(csms.invalid, []);
});

Deno.test("boot: no answer to the Central System while Rejected", async () => {
  await using rig = await startRig({
    noWait: true,
    before: (csms) => {
      csms.handlers.BootNotification = () => ({
        status: "Rejected",
        currentTime: new Date().toISOString(),
        interval: 60,
      });
    },
  });
  await rig.csms.next("BootNotification", 0);
  await busNext(rig, "backend.state", 0, (m) => m.state === "rejected");
  const from = rig.messages.length;
  await rig.csms.sendRaw(JSON.stringify([2, "while-rejected", "GetConfiguration", {}]));
  const got = await busNext(rig, "ws.received", from);
  // The bus handles a frame to completion: an answer would be on it by now.
  assert.deepEqual(rig.messages.slice(got).filter((m) => m.type === "ws.send"), []);
});

Deno.test("rpc: an unknown action gets CALLERROR NotImplemented", async () => {
  await using rig = await startRig();
  const answer = await rawCall(rig, "unknown-1", "MakeCoffee", { sugar: 2 });
  assert.deepEqual(answer.slice(0, 3), [4, "unknown-1", "NotImplemented"]);
  assert.equal(answer.length, 5);
  assert.deepEqual(answer[4], {});
  await heartbeatWorks(rig);
});

Deno.test("rpc: a Central System action without a handler gets CALLERROR NotSupported", async () => {
  await using rig = await startRig();
  // The first of these actions (OCPP 1.6 and its Security Whitepaper) no actor answers (yet),
  // with a valid payload. ocpp-rpc's strict client sends only OCPP 1.6 actions, so the frame is raw.
  const candidates = {
    ClearChargingProfile: {},
    ExtendedTriggerMessage: { requestedMessage: "Heartbeat" },
    GetInstalledCertificateIds: { certificateType: "CentralSystemRootCertificate" },
  } as const;
  const handled = rig.cp.bus.handledActions();
  const action = (Object.keys(candidates) as (keyof typeof candidates)[]).find((a) =>
    !handled.has(a)
  );
  assert.ok(action, "an action without a handler");
  await rig.csms.sendRaw(JSON.stringify([2, "not-supported-1", action, candidates[action]]));
  await rig.csms.until(
    () => rig.csms.frames.some((f) => !f.out && f.text.startsWith('[4,"not-supported-1"')),
    "the CALLERROR",
  );
  const frame = rig.csms.frames.find((f) => !f.out && f.text.startsWith('[4,"not-supported-1"'))!;
  assert.equal(JSON.parse(frame.text)[2], "NotSupported");
  await heartbeatWorks(rig);
});

Deno.test("rpc: invalid payloads get the OCPP-J 4.2.3 error codes and change nothing", async () => {
  await using rig = await startRig();
  const cases: [string, unknown, string][] = [
    ["missing", { connectorId: 1 }, "OccurenceConstraintViolation"],
    ["type", { connectorId: "1", type: "Inoperative" }, "TypeConstraintViolation"],
    ["enum", { connectorId: 1, type: "Sideways" }, "PropertyConstraintViolation"],
    ["extra", { connectorId: 1, type: "Inoperative", colour: "red" }, "FormationViolation"],
  ];
  for (const [id, payload, code] of cases) {
    const answer = await rawCall(rig, id, "ChangeAvailability", payload);
    assert.deepEqual(answer.slice(0, 3), [4, id, code], `${id}: ${JSON.stringify(answer)}`);
  }
  const notObject = await rawCall(rig, "not-object", "TriggerMessage", "Heartbeat");
  assert.deepEqual(notObject.slice(0, 3), [4, "not-object", "FormationViolation"]);
  const short = await rawCall(rig, "short", undefined, '[2,"short","GetConfiguration"]');
  assert.deepEqual(short.slice(0, 3), [4, "short", "FormationViolation"]);
  // Nothing was made Inoperative.
  assert.equal(rig.store.get("InoperativeConnectors"), "");
  assert.equal(rig.messages.some((m) => m.type === "availability.changed"), false);
  await heartbeatWorks(rig);
  assert.deepEqual(rig.csms.invalid, []);
});

Deno.test("rpc: garbage frames are ignored and the connection keeps working", async () => {
  await using rig = await startRig();
  const { csms } = rig;
  const connections = csms.connections;
  const from = rig.messages.length;
  const frames = [
    "this is not JSON",
    '{"not":"an array"}',
    "[]",
    '[9,"x-1","Heartbeat",{}]',
    '[2,42,"Heartbeat",{}]',
    '[3,"nobody-asked",{}]',
    '[4,"nobody-asked","GenericError","",{}]',
  ];
  for (const text of frames) await csms.sendRaw(text);
  const arrived = () =>
    rig.messages.slice(from).filter((m) => m.type === "ws.received" && frames.includes(m.text));
  await csms.until(() => arrived().length === frames.length, "every garbage frame to arrive");
  assert.deepEqual(rig.messages.slice(from).filter((m) => m.type === "ws.send"), []);
  assert.equal(rig.messages.slice(from).some((m) => m.type === "ws.closed"), false);
  await heartbeatWorks(rig);
  assert.equal(csms.connections, connections);
  assert.equal(rig.logs.some((l) => l.startsWith("error")), false, rig.logs.join("\n"));
});

Deno.test("connection: a dropped connection is re-established with a new BootNotification", async () => {
  await using rig = await startRig();
  const { csms } = rig;
  const m = csms.mark;
  const from = rig.messages.length;
  await csms.drop();
  await busNext(rig, "backend.state", from, (s) => s.state === "backoff");
  assert.ok(rig.messages.slice(from).some((x) => x.type === "backend.lost"));
  // Backoff of the first failure: BACKOFF_BASE_MS +-25 %.
  await rig.advance(BACKOFF_BASE_MS * 1.25 + 1_000);
  const boot = await csms.next("BootNotification", m);
  await csms.next("StatusNotification", boot.seq, (p) => p.connectorId === 1);
  assert.equal(csms.connections, 2);
  assert.deepEqual(csms.received.slice(m).map((r) => r.action), [
    "BootNotification",
    "StatusNotification",
    "StatusNotification",
  ]);
  await heartbeatWorks(rig);
});

Deno.test("rpc: CALLERROR answers to the Charge Point's CALLs crash nothing", async () => {
  let failBoot = true;
  await using rig = await startRig({
    noWait: true,
    before: (csms) => {
      csms.handlers.BootNotification = () => {
        if (failBoot) throw createRPCError("InternalError", "backend database down");
        return { status: "Accepted", currentTime: new Date().toISOString(), interval: 300 };
      };
    },
  });
  const { csms } = rig;
  // A failed BootNotification is retried after BOOT_RETRY_MS.
  await csms.next("BootNotification", 0);
  const failed = await busNext(rig, "ocpp.failed", 0, (f) => f.action === "BootNotification");
  const f = rig.messages[failed] as MessageOf<"ocpp.failed">;
  assert.equal(f.code, "InternalError");
  failBoot = false;
  await rig.advance(BOOT_RETRY_MS - 1_000);
  assert.deepEqual(callsOnBus(rig, "BootNotification", failed), []);
  await rig.advance(1_000);
  const second = await csms.next("BootNotification", 1);
  await csms.next("StatusNotification", second.seq, (p) => p.connectorId === 1);
  // A Heartbeat and a StatusNotification answered with CALLERROR.
  csms.handlers.Heartbeat = () => {
    throw createRPCError("GenericError", "no heartbeats today");
  };
  csms.handlers.StatusNotification = () => {
    throw createRPCError("NotSupported", "no statuses today");
  };
  const from = rig.messages.length;
  await csms.call("TriggerMessage", { requestedMessage: "Heartbeat" });
  await csms.call("TriggerMessage", { requestedMessage: "StatusNotification", connectorId: 1 });
  await busNext(rig, "ocpp.failed", from, (x) => x.action === "StatusNotification");
  const codes = rig.messages.slice(from).filter((x): x is MessageOf<"ocpp.failed"> =>
    x.type === "ocpp.failed"
  ).map((x) => [x.action, x.code]);
  assert.deepEqual(codes, [["Heartbeat", "GenericError"], ["StatusNotification", "NotSupported"]]);
  delete csms.handlers.Heartbeat;
  delete csms.handlers.StatusNotification;
  await heartbeatWorks(rig);
  assert.equal(csms.connections, 1);
  assert.equal(rig.logs.some((l) => l.includes("Cannot handle")), false, rig.logs.join("\n"));
  assert.deepEqual(csms.invalid, []);
});

Deno.test("clock: the Charge Point takes the time of BootNotification.conf (OCPP 1.6 section 4.2)", async () => {
  const HOUR = 3_600_000;
  // This Central System is an hour ahead of the Charge Point's own clock.
  await using rig = await startRig({ csmsAheadMs: HOUR });
  const { csms, clock } = rig;
  const status = await csms.next("StatusNotification", 0);
  const stamped = Date.parse(status.params.timestamp);
  assert.ok(
    Math.abs(stamped - (clock.now() + HOUR)) < 5_000,
    `timestamp ${status.params.timestamp}`,
  );
});
