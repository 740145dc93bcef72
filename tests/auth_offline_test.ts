/**
 * Offline authorization against the real Central System: the authorization
 * side of OCTT TC_037_1..3 (Tables 40-42), a start offline with a listed,
 * a cached and an unknown idTag under each offline switch (OCPP 1.6 section
 * 3.5, seed "Lokale Offlineautorisierung" / "Offline RFID Autorisierung"),
 * and a session started offline whose idTag the Central System then rejects.
 *
 * "Offline": the Central System drops the connection and the Charge Point
 * waits out its reconnect backoff on the FakeClock, so nothing reaches the
 * Central System until the test advances the clock ({@link goOnline}).
 */
import assert from "node:assert/strict";
import {
  configure,
  lastDecision,
  OCTT,
  reachAuthorized,
  type Rig,
  rpcIdle,
  startRig,
} from "./harness.ts";

/** Cuts the connection; resolves once the Charge Point knows it is offline. */
async function goOffline(rig: Rig): Promise<void> {
  await rig.csms.drop();
  await rig.csms.until(
    () => rig.cp.status().backend.state !== "accepted",
    "the Charge Point to notice it is offline",
  );
}

/** Lets the Charge Point reconnect (backoff on the FakeClock) and boot again. */
async function goOnline(rig: Rig): Promise<void> {
  const m = rig.csms.mark;
  await rig.advance(5_000);
  await rig.csms.next("BootNotification", m);
  await rig.csms.until(() => rig.cp.status().backend.state === "accepted", "boot accepted");
}

/** Puts idTags on the Local Authorization List with the given status. */
async function sendList(rig: Rig, entries: Record<string, string>): Promise<void> {
  const answer = await rig.csms.call("SendLocalList", {
    listVersion: 1,
    updateType: "Full",
    localAuthorizationList: Object.entries(entries).map(([idTag, status]) => ({
      idTag,
      idTagInfo: { status },
    })),
  });
  assert.deepEqual(answer, { status: "Accepted" });
}

/** Puts an idTag into the authorization cache: an online Authorize, then cancelled. */
async function cache(rig: Rig, idTag: string): Promise<void> {
  await reachAuthorized(rig, idTag);
  const m = rig.csms.mark;
  rig.station.tap(idTag);
  await rig.csms.next("StatusNotification", m, (p) => p.status === "Available");
  await rpcIdle(rig);
}

const OFFLINE_KEYS = {
  LocalAuthorizeOffline: "true",
  LocalAuthListEnabled: "true",
  AuthorizationCacheEnabled: "true",
  AllowOfflineTxForUnknownId: "true",
};

Deno.test("TC_037_1 Offline start transaction - valid idTag (authorization side)", async () => {
  await using rig = await startRig();
  const { csms, station } = rig;
  await configure(rig, OFFLINE_KEYS);
  await sendList(rig, { [OCTT.validIdTag]: "Accepted" });
  await goOffline(rig);
  const m = csms.mark;
  station.plug(1);
  station.tap(OCTT.validIdTag);
  await csms.until(() => station.connector(1).relay.closed, "the relay to close offline");
  assert.equal(lastDecision(rig, OCTT.validIdTag).source, "list");
  assert.deepEqual(csms.all("Authorize", m), []);
  await goOnline(rig);
  const start = await csms.next("StartTransaction", m);
  assert.equal(start.params.idTag, OCTT.validIdTag);
  await csms.next("StatusNotification", m, (p) => p.connectorId === 1 && p.status === "Charging");
  await rpcIdle(rig);
  assert.equal(station.connector(1).relay.closed, true);
  assert.deepEqual(csms.invalid, []);
});

/** TC_037_2 and TC_037_3: an idTag the list accepts, started offline, that the Central System refuses. */
async function offlineInvalid(stopOnInvalid: boolean): Promise<void> {
  await using rig = await startRig({
    before: (csms) => {
      csms.handlers.StartTransaction = (p) => ({
        transactionId: csms.nextTransactionId++,
        idTagInfo: { status: p.idTag === OCTT.invalidIdTag ? "Invalid" : "Accepted" },
      });
    },
  });
  const { csms, station } = rig;
  await configure(rig, {
    ...OFFLINE_KEYS,
    StopTransactionOnInvalidId: String(stopOnInvalid),
    MaxEnergyOnInvalidId: "0",
  });
  // Memory state: the list still holds the idTag the Central System now refuses.
  await sendList(rig, { [OCTT.invalidIdTag]: "Accepted" });
  await goOffline(rig);
  const m = csms.mark;
  station.plug(1);
  station.tap(OCTT.invalidIdTag);
  await csms.until(() => station.connector(1).relay.closed, "the relay to close offline");
  assert.equal(lastDecision(rig, OCTT.invalidIdTag).source, "list");
  await goOnline(rig);
  const start = await csms.next("StartTransaction", m);
  assert.equal(start.params.idTag, OCTT.invalidIdTag);
  const charging = await csms.next(
    "StatusNotification",
    m,
    (p) => p.connectorId === 1 && p.status === "Charging",
  );
  if (stopOnInvalid) {
    const stop = await csms.next("StopTransaction", m);
    assert.equal(stop.params.reason, "DeAuthorized");
    const finishing = await csms.next("StatusNotification", m, (p) => p.status === "Finishing");
    assert.ok(charging.seq < stop.seq && stop.seq < finishing.seq);
  } else {
    const suspended = await csms.next(
      "StatusNotification",
      m,
      (p) => p.status === "SuspendedEVSE",
    );
    assert.ok(charging.seq < suspended.seq, "Charging, then SuspendedEVSE");
    await rpcIdle(rig);
    assert.deepEqual(csms.all("StopTransaction", m), []);
  }
  // The list said Accepted, the Central System Invalid: reported on connector 0 (3.5.2).
  const conflict = await csms.next(
    "StatusNotification",
    m,
    (p) => p.connectorId === 0 && p.errorCode === "LocalListConflict",
  );
  assert.equal(conflict.params.status, "Available");
  await rpcIdle(rig);
  assert.equal(station.connector(1).relay.closed, false);
  assert.deepEqual(csms.invalid, []);
}

Deno.test(
  "TC_037_2 Offline start transaction - invalid idTag - StopTransactionOnInvalidId = false (authorization side)",
  () => offlineInvalid(false),
);

Deno.test(
  "TC_037_3 Offline start transaction - invalid idTag - StopTransactionOnInvalidId = true (authorization side)",
  () => offlineInvalid(true),
);

/** [LocalAuthorizeOffline, AllowOfflineTxForUnknownId] -> who starts offline. */
const SWITCHES: [boolean, boolean, Record<string, string>][] = [
  [true, false, { LISTED: "list", CACHED: "cache", UNKNOWN: "refused", BLOCKED: "refused" }],
  [true, true, { LISTED: "list", CACHED: "cache", UNKNOWN: "offline", BLOCKED: "refused" }],
  [false, true, { LISTED: "offline", CACHED: "offline", UNKNOWN: "offline", BLOCKED: "refused" }],
  [false, false, { LISTED: "refused", CACHED: "refused", UNKNOWN: "refused", BLOCKED: "refused" }],
];

for (const [localOffline, unknownOffline, expected] of SWITCHES) {
  Deno.test(
    `offline start: listed, cached, unknown and cached-Blocked idTags with LocalAuthorizeOffline ${localOffline}, AllowOfflineTxForUnknownId ${unknownOffline}`,
    async () => {
      await using rig = await startRig({
        before: (csms) => {
          csms.handlers.Authorize = (p) => ({
            idTagInfo: { status: p.idTag === "BLOCKED" ? "Blocked" : "Accepted" },
          });
        },
      });
      const { csms, station } = rig;
      await configure(rig, {
        LocalAuthorizeOffline: String(localOffline),
        AllowOfflineTxForUnknownId: String(unknownOffline),
      });
      await sendList(rig, { LISTED: "Accepted" });
      await cache(rig, "CACHED");
      const blocked = csms.mark;
      station.tap("BLOCKED");
      await csms.next("Authorize", blocked);
      await rpcIdle(rig);
      await goOffline(rig);
      const m = csms.mark;
      for (const [idTag, how] of Object.entries(expected)) {
        const from = rig.messages.length;
        station.plug(1);
        station.tap(idTag);
        await csms.until(
          () => rig.messages.slice(from).some((x) => x.type === "auth.result"),
          `a decision for ${idTag}`,
        );
        const d = lastDecision(rig, idTag);
        assert.equal(d.info.status === "Accepted" ? d.source : "refused", how, idTag);
        if (how !== "refused") {
          await csms.until(() => station.connector(1).relay.closed, `${idTag} charging`);
          station.tap(idTag);
          await csms.until(() => !station.connector(1).relay.closed, `${idTag} stopped`);
        }
        assert.equal(station.connector(1).relay.closed, false);
        station.unplug(1);
      }
      await goOnline(rig);
      const want = Object.keys(expected).filter((k) => expected[k] !== "refused");
      await csms.until(
        () => csms.all("StopTransaction", m).length === want.length,
        "the offline transactions to reach the Central System",
      );
      await rpcIdle(rig);
      assert.deepEqual(csms.all("StartTransaction", m).map((r) => r.params.idTag), want);
      assert.deepEqual(csms.all("Authorize", m), [], "nothing was asked while offline");
      assert.deepEqual(csms.invalid, []);
    },
  );
}

Deno.test("offline start with an unknown idTag the backend then rejects: MaxEnergyOnInvalidId limits the energy", async () => {
  await using rig = await startRig({
    before: (csms) => {
      csms.handlers.StartTransaction = () => ({
        transactionId: csms.nextTransactionId++,
        idTagInfo: { status: "Invalid" },
      });
    },
  });
  const { csms, station } = rig;
  await configure(rig, {
    AllowOfflineTxForUnknownId: "true",
    StopTransactionOnInvalidId: "false",
    MaxEnergyOnInvalidId: "100",
  });
  await goOffline(rig);
  const m = csms.mark;
  station.plug(1);
  station.tap("STRANGER");
  await csms.until(() => station.connector(1).relay.closed, "the relay to close offline");
  assert.equal(lastDecision(rig, "STRANGER").source, "offline");
  await goOnline(rig);
  const start = await csms.next("StartTransaction", m);
  await rpcIdle(rig);
  // Invalid now, but the EV may take up to 100 Wh in this transaction (7.4 kW: about 49 s).
  assert.equal(station.connector(1).relay.closed, true);
  await rig.advance(60_000);
  await csms.until(() => !station.connector(1).relay.closed, "the relay to open at 100 Wh");
  await csms.next(
    "StatusNotification",
    m,
    (p) => p.connectorId === 1 && p.status === "SuspendedEVSE",
  );
  const wh = rig.cp.status().connectors[0]!.meterWh - start.params.meterStart;
  assert.ok(wh >= 100 && wh <= 116, `delivered ${wh} Wh`);
  assert.deepEqual(csms.all("StopTransaction", m), [], "StopTransactionOnInvalidId false");
  assert.deepEqual(csms.invalid, []);
});

Deno.test("an Authorize.req answered with a CALLERROR is decided by the offline rules (cached idTag starts)", async () => {
  await using rig = await startRig();
  const { csms, station } = rig;
  await configure(rig, { LocalAuthorizeOffline: "true", AllowOfflineTxForUnknownId: "false" });
  await cache(rig, "CACHED");
  csms.handlers.Authorize = () => {
    throw new Error("backend database down");
  };
  const m = csms.mark;
  station.plug(1);
  station.tap("UNKNOWN");
  await csms.next("Authorize", m);
  await rpcIdle(rig);
  assert.equal(lastDecision(rig, "UNKNOWN").info.status, "Invalid", "X5: not known, not allowed");
  station.tap("CACHED");
  const start = await csms.next("StartTransaction", m);
  assert.equal(start.params.idTag, "CACHED");
  assert.equal(csms.all("Authorize", m).length, 2);
  assert.equal(lastDecision(rig, "CACHED").source, "cache");
  assert.deepEqual(csms.invalid, []);
});
