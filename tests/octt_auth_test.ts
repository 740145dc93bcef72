/**
 * OCTT cases of authorization: the authorization cache (TC_007, TC_061), an
 * invalid idTag with every refusing status (TC_023), and the Local
 * Authorization List (TC_008, TC_042_1/2, TC_043, TC_043_1/2/3), OCTT test
 * case document chapter 2, Tables 11, 12, 29, 48-54, against the real
 * Central System of `csms.ts`.
 */
import assert from "node:assert/strict";
import { idKey } from "../actors/auth_decision.ts";
import type { BusMessage } from "../actors/messages.ts";
import {
  advanceIdle,
  configure,
  OCTT,
  reachAuthorized,
  type Rig,
  rpcIdle,
  startRig,
  statusesOf,
} from "./harness.ts";

const auth = (rig: Rig) => rig.cp.bus.snapshot("authorization");
const results = (rig: Rig, from: number) =>
  rig.messages.slice(from).filter((m): m is Extract<BusMessage, { type: "auth.result" }> =>
    m.type === "auth.result"
  );

Deno.test("TC_007 Regular start charging session - cached id", async () => {
  await using rig = await startRig();
  const { csms, station } = rig;
  await configure(rig, {
    AuthorizationCacheEnabled: "true",
    AuthorizeRemoteTxRequests: "true",
    LocalPreAuthorize: "false",
  });
  // Memory state IdTagCached: the card was authorized once (then presented again to cancel).
  await reachAuthorized(rig);
  const cancel = csms.mark;
  station.tap(OCTT.validIdTag);
  await csms.next("StatusNotification", cancel, (p) => p.status === "Available");
  await rpcIdle(rig);
  assert.equal(auth(rig).cache.get(idKey(OCTT.validIdTag))?.info.status, "Accepted");
  await configure(rig, { LocalPreAuthorize: "true" });
  const m = csms.mark;
  const from = rig.messages.length;
  station.plug(1);
  await csms.next("StatusNotification", m, (p) => p.status === "Preparing");
  const remote = await csms.call("RemoteStartTransaction", {
    connectorId: 1,
    idTag: OCTT.validIdTag,
  });
  assert.deepEqual(remote, { status: "Accepted" });
  const start = await csms.next("StartTransaction", m);
  assert.equal(start.params.idTag, OCTT.validIdTag);
  await csms.next("StatusNotification", m, (p) => p.status === "Charging");
  await rpcIdle(rig);
  // Authorized from the cache: no Authorize.req (LocalPreAuthorize).
  assert.deepEqual(csms.all("Authorize", m), []);
  assert.deepEqual(results(rig, from).map((r) => [r.purpose, r.source]), [["remote", "cache"]]);
  assert.deepEqual(statusesOf(rig, m), ["Preparing", "Charging"]);
  assert.deepEqual(csms.invalid, []);
});

Deno.test("TC_061 Clear authorization data in authorization cache", async () => {
  await using rig = await startRig();
  const { csms, station } = rig;
  await configure(rig, {
    AuthorizationCacheEnabled: "true",
    LocalPreAuthorize: "true",
    ConnectionTimeOut: "30",
  });
  const m = csms.mark;
  await reachAuthorized(rig);
  await advanceIdle(rig, 30_000);
  await csms.next("StatusNotification", m, (p) => p.status === "Available");
  assert.deepEqual(statusesOf(rig, m), ["Preparing", "Available"]);
  assert.equal(auth(rig).cache.size, 1);
  const cleared = await csms.call("ClearCache", {});
  assert.deepEqual(cleared, { status: "Accepted" });
  assert.equal(auth(rig).cache.size, 0);
  // Without the cache entry, LocalPreAuthorize cannot answer: Authorize.req again.
  const again = csms.mark;
  station.tap(OCTT.validIdTag);
  const authorize = await csms.next("Authorize", again);
  assert.deepEqual(authorize.params, { idTag: OCTT.validIdTag });
  await csms.next("StatusNotification", again, (p) => p.status === "Preparing");
  assert.deepEqual(csms.invalid, []);
});

Deno.test("TC_023 Start charging session - authorize invalid, with each refusing idTag status", async () => {
  const statuses = ["Invalid", "Blocked", "Expired", "ConcurrentTx"] as const;
  await using rig = await startRig({
    before: (csms) => {
      csms.handlers.Authorize = (p) => ({
        idTagInfo: { status: statuses.find((s) => p.idTag === `OCTT-${s}`) ?? "Accepted" },
      });
    },
  });
  const { csms, station } = rig;
  await configure(rig, { MinimumStatusDuration: "10", LocalPreAuthorize: "true" });
  const m = csms.mark;
  station.plug(1);
  await advanceIdle(rig, 10_000);
  await csms.next("StatusNotification", m, (p) => p.status === "Preparing");
  for (const status of statuses) {
    const at = csms.mark;
    station.tap(`OCTT-${status}`);
    await csms.next("Authorize", at, (p) => p.idTag === `OCTT-${status}`);
    await advanceIdle(rig, 15_000);
    assert.equal(auth(rig).cache.get(idKey(`OCTT-${status}`))?.info.status, status);
  }
  // Presented again online: a NOT-valid cache entry is asked again (3.5.1), never started.
  const at = csms.mark;
  station.tap("OCTT-Blocked");
  await csms.next("Authorize", at);
  await advanceIdle(rig, 15_000);
  assert.deepEqual(csms.all("StartTransaction", m), []);
  assert.equal(station.connector(1).relay.closed, false);
  assert.deepEqual(statusesOf(rig, m), ["Preparing"]);
  assert.deepEqual(csms.invalid, []);
});

Deno.test("TC_042_1 Get local list version (not supported)", async () => {
  await using rig = await startRig();
  await configure(rig, { LocalAuthListEnabled: "false" });
  assert.deepEqual(await rig.csms.call("GetLocalListVersion", {}), { listVersion: -1 });
  assert.deepEqual(rig.csms.invalid, []);
});

Deno.test("TC_042_2 Get local list version (empty)", async () => {
  await using rig = await startRig();
  const { csms } = rig;
  await configure(rig, { LocalAuthListEnabled: "true" });
  const sent = await csms.call("SendLocalList", { listVersion: 1, updateType: "Full" });
  assert.deepEqual(sent, { status: "Accepted" });
  assert.deepEqual(await csms.call("GetLocalListVersion", {}), { listVersion: 0 });
  assert.deepEqual(csms.invalid, []);
});

Deno.test("TC_043 Send local authorization list", async () => {
  await using rig = await startRig();
  const { csms, station } = rig;
  await configure(rig, { LocalAuthListEnabled: "true", LocalPreAuthorize: "true" });
  const full = await csms.call("SendLocalList", {
    listVersion: 1,
    updateType: "Full",
    localAuthorizationList: [{ idTag: OCTT.validIdTag, idTagInfo: { status: "Accepted" } }],
  });
  assert.deepEqual(full, { status: "Accepted" });
  const diff = await csms.call("SendLocalList", {
    listVersion: 2,
    updateType: "Differential",
    localAuthorizationList: [{ idTag: OCTT.validIdTag2, idTagInfo: { status: "Accepted" } }],
  });
  assert.deepEqual(diff, { status: "Accepted" });
  // The Charge Point authorizes a card on the list by itself.
  const m = csms.mark;
  station.plug(1);
  station.tap(OCTT.validIdTag2);
  const start = await csms.next("StartTransaction", m);
  assert.equal(start.params.idTag, OCTT.validIdTag2);
  await csms.next("StatusNotification", m, (p) => p.status === "Charging");
  assert.deepEqual(csms.all("Authorize", m), []);
  assert.deepEqual(await csms.call("GetLocalListVersion", {}), { listVersion: 2 });
  assert.deepEqual(csms.invalid, []);
});

Deno.test("TC_043_1 Send local authorization list - NotSupported (whitelist source local)", async () => {
  await using rig = await startRig({ settings: { whitelistSource: "local" } });
  const { csms, station } = rig;
  await configure(rig, { LocalPreAuthorize: "true" });
  const answer = await csms.call("SendLocalList", {
    listVersion: 1,
    updateType: "Full",
    localAuthorizationList: [{ idTag: OCTT.validIdTag, idTagInfo: { status: "Accepted" } }],
  });
  assert.deepEqual(answer, { status: "NotSupported" });
  // The card of that list is not authorized locally: Authorize.req goes to the backend.
  const m = csms.mark;
  station.tap(OCTT.validIdTag);
  await csms.next("Authorize", m);
  assert.deepEqual(await csms.call("GetLocalListVersion", {}), { listVersion: -1 });
  assert.deepEqual(csms.invalid, []);
});

Deno.test("TC_043_2 Send local authorization list - VersionMismatch", async () => {
  await using rig = await startRig();
  const { csms } = rig;
  await configure(rig, { LocalAuthListEnabled: "true" });
  const entry = (idTag: string) => ({ idTag, idTagInfo: { status: "Accepted" } });
  const send = (listVersion: number, updateType: string, idTag: string) =>
    csms.call("SendLocalList", { listVersion, updateType, localAuthorizationList: [entry(idTag)] });
  const version = async () => (await csms.call("GetLocalListVersion", {})).listVersion;
  assert.deepEqual(await send(2, "Full", OCTT.validIdTag), { status: "Accepted" });
  assert.equal(await version(), 2);
  assert.deepEqual(await send(5, "Differential", OCTT.validIdTag2), { status: "Accepted" });
  assert.equal(await version(), 5);
  assert.deepEqual(await send(4, "Differential", "OCTT-LATE"), { status: "VersionMismatch" });
  assert.equal(await version(), 5);
  assert.equal(auth(rig).list.entries.has(idKey("OCTT-LATE")), false);
  assert.equal(auth(rig).list.entries.has(idKey(OCTT.validIdTag2)), true);
  assert.deepEqual(csms.invalid, []);
});

Deno.test("TC_043_3 Send local authorization list - Failed (longer than LocalAuthListMaxLength)", async () => {
  await using rig = await startRig();
  const { csms } = rig;
  await configure(rig, { LocalAuthListEnabled: "true" });
  const conf = await csms.call("GetConfiguration", { key: ["LocalAuthListMaxLength"] });
  const max = Number(conf.configurationKey[0].value);
  const ok = { status: "Accepted" };
  assert.deepEqual(
    await csms.call("SendLocalList", {
      listVersion: 1,
      updateType: "Full",
      localAuthorizationList: [{ idTag: OCTT.validIdTag, idTagInfo: ok }],
    }),
    { status: "Accepted" },
  );
  const tooMany = Array.from({ length: max + 1 }, (_, i) => ({ idTag: `T${i}`, idTagInfo: ok }));
  const answer = await csms.call("SendLocalList", {
    listVersion: 2,
    updateType: "Full",
    localAuthorizationList: tooMany,
  });
  assert.deepEqual(answer, { status: "Failed" });
  // Nothing changed.
  assert.deepEqual(await csms.call("GetLocalListVersion", {}), { listVersion: 1 });
  assert.deepEqual([...auth(rig).list.entries.keys()], [idKey(OCTT.validIdTag)]);
  assert.deepEqual(csms.invalid, []);
});

Deno.test("TC_008 Regular start charging session - id in local authorization list", async () => {
  await using rig = await startRig();
  const { csms, station } = rig;
  await configure(rig, {
    LocalPreAuthorize: "true",
    AuthorizationCacheEnabled: "false",
    LocalAuthListEnabled: "true",
    AuthorizeRemoteTxRequests: "true",
  });
  const m = csms.mark;
  const from = rig.messages.length;
  assert.deepEqual(await csms.call("GetLocalListVersion", {}), { listVersion: 0 });
  const sent = await csms.call("SendLocalList", {
    listVersion: 1,
    updateType: "Full",
    localAuthorizationList: [{ idTag: OCTT.validIdTag, idTagInfo: { status: "Accepted" } }],
  });
  assert.deepEqual(sent, { status: "Accepted" });
  station.plug(1);
  await csms.next("StatusNotification", m, (p) => p.status === "Preparing");
  const remote = await csms.call("RemoteStartTransaction", {
    connectorId: 1,
    idTag: OCTT.validIdTag,
  });
  assert.deepEqual(remote, { status: "Accepted" });
  const start = await csms.next("StartTransaction", m);
  assert.equal(start.params.idTag, OCTT.validIdTag);
  await csms.next("StatusNotification", m, (p) => p.status === "Charging");
  await rpcIdle(rig);
  assert.deepEqual(csms.all("Authorize", m), []);
  assert.deepEqual(results(rig, from).map((r) => [r.purpose, r.source]), [["remote", "list"]]);
  // The cache is off and list ids never go into it (3.5.3).
  assert.equal(auth(rig).cache.size, 0);
  assert.deepEqual(statusesOf(rig, m), ["Preparing", "Charging"]);
  assert.deepEqual(csms.invalid, []);
});
