/**
 * OCTT cases of the Smart Charging profile (OCTT test case document,
 * section 2.22, Tables 77-86), with the document's own profiles and
 * expected composite values, against the real Central System of `csms.ts`.
 * "Configured" values: connector 1, stack level 0, numberPhases 3, max time
 * deviation 5 s; the cases with values run in A and in W (limits x 1000).
 */
import assert from "node:assert/strict";
import type { V16 } from "../ocpp/types.ts";
import { OCTT, reachCharging, type Rig, rpcIdle, startRig } from "./harness.ts";

type Profile = V16.SetChargingProfileRequest["csChargingProfiles"];
type Unit = "A" | "W";

/** The OCTT's "Configured max time deviation". */
const DEV_MS = 5_000;

const iso = (t: number) => new Date(t).toISOString();

/** The OCTT's "current dateTime - <Configured max time deviation>", on whole seconds. */
function schedStart(rig: Rig): number {
  return Math.floor((rig.clock.now() - DEV_MS) / 1000) * 1000;
}

function periods(unit: Unit, starts: number[], limits: number[]) {
  return starts.map((startPeriod, i) => ({
    startPeriod,
    limit: limits[i]! * (unit === "W" ? 1000 : 1),
    numberPhases: 3,
  }));
}

async function setProfile(rig: Rig, connectorId: number, p: Profile): Promise<string> {
  const req: V16.SetChargingProfileRequest = { connectorId, csChargingProfiles: p };
  const conf: V16.SetChargingProfileResponse = await rig.csms.call("SetChargingProfile", req);
  return conf.status;
}

async function composite(
  rig: Rig,
  duration: number,
  unit: Unit,
  connectorId: number = OCTT.connectorId,
): Promise<V16.GetCompositeScheduleResponse> {
  const req: V16.GetCompositeScheduleRequest = { connectorId, duration, chargingRateUnit: unit };
  return await rig.csms.call("GetCompositeSchedule", req);
}

/** Checks the fields every OCTT composite check lists, and returns the periods. */
function schedule(rig: Rig, conf: V16.GetCompositeScheduleResponse, duration: number, unit: Unit) {
  assert.equal(conf.status, "Accepted");
  assert.equal(conf.connectorId, OCTT.connectorId);
  const s = conf.chargingSchedule!;
  assert.equal(s.duration, duration);
  assert.equal(s.chargingRateUnit, unit);
  const start = Date.parse(s.startSchedule!);
  assert.ok(Math.abs(start - rig.clock.now()) <= DEV_MS, "startSchedule within the deviation");
  assert.equal(conf.scheduleStart, s.startSchedule);
  return { start, periods: s.chargingSchedulePeriod };
}

/** Expected periods: limits in the unit, startPeriod minus x. */
function expected(unit: Unit, x: number, rows: [number, number][]) {
  return rows.map(([at, limit], i) => ({
    startPeriod: i === 0 ? 0 : at - x,
    limit: limit * (unit === "W" ? 1000 : 1),
  }));
}

/** The TxDefaultProfile / TxProfile of TC_056, TC_057, TC_082: 6 A or 6000 W for 300 s. */
function sixFor300(unit: Unit, purpose: Profile["chargingProfilePurpose"], more = {}): Profile {
  return {
    chargingProfileId: 1,
    stackLevel: 0,
    chargingProfilePurpose: purpose,
    chargingProfileKind: "Absolute",
    chargingSchedule: {
      duration: 300,
      chargingRateUnit: unit,
      chargingSchedulePeriod: periods(unit, [0], [6]),
    },
    ...more,
  };
}

/** The current 6 A or 6000 W (3 phases, 230 V) allows, A per phase. */
const amps6 = (unit: Unit) => unit === "A" ? 6 : 8.6;

/** The limit the smart charging actor last published for connector 1. */
function limitOf(rig: Rig, connectorId = 1) {
  return rig.cp.status().connectors[connectorId - 1]!;
}

for (const unit of ["A", "W"] as const) {
  Deno.test(`TC_056 Central smart charging - TxDefaultProfile (${unit})`, async () => {
    await using rig = await startRig();
    assert.equal(await setProfile(rig, 1, sixFor300(unit, "TxDefaultProfile")), "Accepted");
    const { periods } = schedule(rig, await composite(rig, 300, unit), 300, unit);
    assert.deepEqual(periods, expected(unit, 0, [[0, 6]]));
    assert.deepEqual(rig.csms.invalid, []);
  });

  Deno.test(`TC_057 Central smart charging - TxProfile (${unit})`, async () => {
    await using rig = await startRig();
    const { transactionId } = await reachCharging(rig);
    const p = sixFor300(unit, "TxProfile", { transactionId });
    assert.equal(await setProfile(rig, 1, p), "Accepted");
    const { periods } = schedule(rig, await composite(rig, 300, unit), 300, unit);
    assert.deepEqual(periods, expected(unit, 0, [[0, 6]]));
    // The limit acts: the connector offers 6 A (6000 W on 3 phases: 8.6 A).
    await rpcIdle(rig);
    assert.deepEqual([limitOf(rig).limitA, limitOf(rig).limitSource], [amps6(unit), "ocpp"]);
    assert.deepEqual(rig.csms.invalid, []);
  });

  Deno.test(`TC_082 Central smart charging - TxDefaultProfile - with ongoing transaction (${unit})`, async () => {
    await using rig = await startRig();
    await reachCharging(rig);
    assert.equal(limitOf(rig).limitA, 32);
    assert.equal(await setProfile(rig, 1, sixFor300(unit, "TxDefaultProfile")), "Accepted");
    const { periods } = schedule(rig, await composite(rig, 300, unit), 300, unit);
    assert.deepEqual(periods, expected(unit, 0, [[0, 6]]));
    // Errata 3.8: the running transaction switches to the new TxDefaultProfile.
    await rpcIdle(rig);
    assert.deepEqual([limitOf(rig).limitA, limitOf(rig).limitSource], [amps6(unit), "ocpp"]);
    assert.deepEqual(rig.csms.invalid, []);
  });

  Deno.test(`TC_066 Get composite schedule (${unit})`, async () => {
    await using rig = await startRig();
    const { transactionId } = await reachCharging(rig);
    const s = schedStart(rig);
    const valid = { validFrom: iso(s), validTo: iso(s + 401_000) };
    const base = { stackLevel: 0, chargingProfileKind: "Absolute" } as const;
    assert.equal(
      await setProfile(rig, 0, {
        ...base,
        chargingProfileId: 1,
        chargingProfilePurpose: "ChargePointMaxProfile",
        chargingSchedule: {
          duration: 86400,
          startSchedule: iso(s),
          chargingRateUnit: unit,
          chargingSchedulePeriod: periods(unit, [0], [10]),
        },
      }),
      "Accepted",
    );
    assert.equal(
      await setProfile(rig, 1, {
        ...base,
        ...valid,
        chargingProfileId: 2,
        chargingProfilePurpose: "TxDefaultProfile",
        chargingSchedule: {
          duration: 300,
          startSchedule: iso(s),
          chargingRateUnit: unit,
          chargingSchedulePeriod: periods(unit, [0, 60, 120, 180, 260], [6, 10, 8, 15, 8]),
        },
      }),
      "Accepted",
    );
    assert.equal(
      await setProfile(rig, 1, {
        ...base,
        ...valid,
        chargingProfileId: 3,
        transactionId,
        chargingProfilePurpose: "TxProfile",
        chargingSchedule: {
          duration: 260,
          startSchedule: iso(s),
          chargingRateUnit: unit,
          chargingSchedulePeriod: periods(unit, [0, 50, 140, 200, 240], [8, 11, 16, 6, 12]),
        },
      }),
      "Accepted",
    );
    await rig.advance(3_000);
    const { start, periods: got } = schedule(rig, await composite(rig, 400, unit), 400, unit);
    const x = (start - s) / 1000;
    assert.deepEqual(got, expected(unit, x, [[0, 8], [50, 10], [200, 6], [240, 10]]));
    assert.deepEqual(rig.csms.invalid, []);
  });

  Deno.test(`TC_067 Clear charging profile (${unit})`, async () => {
    await using rig = await startRig();
    const s = schedStart(rig);
    const valid = { validFrom: iso(s), validTo: iso(s + 401_000) };
    const sched = (duration: number, starts: number[], limits: number[]) => ({
      duration,
      startSchedule: iso(s),
      chargingRateUnit: unit,
      chargingSchedulePeriod: periods(unit, starts, limits),
    });
    const kind = { chargingProfileKind: "Absolute" } as const;
    const purpose = "TxDefaultProfile" as const;
    assert.equal(
      await setProfile(rig, 1, {
        ...kind,
        chargingProfileId: 1,
        stackLevel: 1,
        chargingProfilePurpose: purpose,
        chargingSchedule: sched(400, [0, 60, 200], [6, 8, 10]),
      }),
      "Accepted",
    );
    assert.equal(
      await setProfile(rig, 1, {
        ...kind,
        ...valid,
        chargingProfileId: 2,
        stackLevel: 0,
        chargingProfilePurpose: purpose,
        chargingSchedule: sched(400, [0, 100], [7, 9]),
      }),
      "Accepted",
    );
    assert.equal(
      await setProfile(rig, 0, {
        ...kind,
        ...valid,
        chargingProfileId: 3,
        stackLevel: 0,
        chargingProfilePurpose: "ChargePointMaxProfile",
        chargingSchedule: sched(86400, [0, 200], [11, 12]),
      }),
      "Accepted",
    );
    await rig.advance(2_000);
    const clear = async (req: V16.ClearChargingProfileRequest) => {
      const conf: V16.ClearChargingProfileResponse = await rig.csms.call(
        "ClearChargingProfile",
        req,
      );
      return conf.status;
    };
    // Step 1: by the first profile's id, the other fields omitted.
    assert.equal(await clear({ id: 1 }), "Accepted");
    let c = schedule(rig, await composite(rig, 350, unit), 350, unit);
    assert.deepEqual(c.periods, expected(unit, (c.start - s) / 1000, [[0, 7], [100, 9]]));
    // Step 5: by the second profile's purpose and stackLevel (0 is a value).
    assert.equal(await clear({ chargingProfilePurpose: purpose, stackLevel: 0 }), "Accepted");
    c = schedule(rig, await composite(rig, 350, unit), 350, unit);
    assert.deepEqual(c.periods, expected(unit, (c.start - s) / 1000, [[0, 11], [200, 12]]));
    // Step 9: no fields clears all: the local limit, 32 A (22,080 W on 3 phases at 230 V).
    assert.equal(await clear({}), "Accepted");
    c = schedule(rig, await composite(rig, 350, unit), 350, unit);
    assert.deepEqual(c.periods, [{ startPeriod: 0, limit: unit === "A" ? 32 : 22080 }]);
    assert.deepEqual(rig.csms.invalid, []);
  });

  Deno.test(`TC_072 Stacking charging profiles (${unit})`, async () => {
    await using rig = await startRig();
    const s = schedStart(rig);
    const common = {
      chargingProfilePurpose: "TxDefaultProfile",
      chargingProfileKind: "Absolute",
      validFrom: iso(s),
      validTo: iso(s + 401_000),
    } as const;
    assert.equal(
      await setProfile(rig, 1, {
        ...common,
        chargingProfileId: 1,
        stackLevel: 0,
        chargingSchedule: {
          duration: 400,
          startSchedule: iso(s),
          chargingRateUnit: unit,
          chargingSchedulePeriod: periods(unit, [0, 100, 200], [6, 8, 10]),
        },
      }),
      "Accepted",
    );
    assert.equal(
      await setProfile(rig, 1, {
        ...common,
        chargingProfileId: 2,
        stackLevel: 1,
        chargingSchedule: {
          duration: 150,
          startSchedule: iso(s),
          chargingRateUnit: unit,
          chargingSchedulePeriod: periods(unit, [0, 100], [7, 9]),
        },
      }),
      "Accepted",
    );
    await rig.advance(4_000);
    const c = schedule(rig, await composite(rig, 350, unit), 350, unit);
    const x = (c.start - s) / 1000;
    assert.deepEqual(c.periods, expected(unit, x, [[0, 7], [100, 9], [150, 8], [200, 10]]));
    assert.deepEqual(rig.csms.invalid, []);
  });
}

Deno.test("TC_058_1 Central smart charging - no ongoing transaction", async () => {
  await using rig = await startRig();
  const p = sixFor300("A", "TxProfile", { transactionId: 1 });
  assert.equal(await setProfile(rig, 1, p), "Rejected");
  // Nothing was installed: the composite is the local limit.
  const { periods } = schedule(rig, await composite(rig, 300, "A"), 300, "A");
  assert.deepEqual(periods, [{ startPeriod: 0, limit: 32 }]);
  assert.deepEqual(rig.csms.invalid, []);
});

Deno.test("TC_058_2 Central smart charging - wrong transactionId", async () => {
  await using rig = await startRig();
  const { transactionId } = await reachCharging(rig);
  const p = sixFor300("A", "TxProfile", { transactionId: transactionId + 1 });
  assert.equal(await setProfile(rig, 1, p), "Rejected");
  const { periods } = schedule(rig, await composite(rig, 300, "A"), 300, "A");
  assert.deepEqual(periods, [{ startPeriod: 0, limit: 32 }]);
  assert.deepEqual(rig.csms.invalid, []);
});

Deno.test("TC_059 Remote start transaction with charging profile", async () => {
  await using rig = await startRig();
  const { csms, station } = rig;
  const m = csms.mark;
  station.plug(1);
  await csms.next("StatusNotification", m, (p) => p.status === "Preparing");
  const req: V16.RemoteStartTransactionRequest = {
    connectorId: 1,
    idTag: OCTT.validIdTag,
    chargingProfile: {
      chargingProfileId: 7,
      stackLevel: 0,
      chargingProfilePurpose: "TxProfile",
      chargingProfileKind: "Relative",
      chargingSchedule: {
        duration: 300,
        chargingRateUnit: "A",
        chargingSchedulePeriod: [{ startPeriod: 0, limit: 10, numberPhases: 3 }],
      },
    },
  };
  assert.deepEqual(await csms.call("RemoteStartTransaction", req), { status: "Accepted" });
  await csms.next("StartTransaction", m);
  await csms.next("StatusNotification", m, (p) => p.status === "Charging");
  await rpcIdle(rig);
  const { periods } = schedule(rig, await composite(rig, 300, "A"), 300, "A");
  assert.deepEqual(periods, [{ startPeriod: 0, limit: 10 }]);
  // "The profile sent by the Central System is followed by the Charge Point."
  assert.deepEqual([limitOf(rig).limitA, limitOf(rig).limitSource], [10, "ocpp"]);
  assert.deepEqual(csms.invalid, []);
});

Deno.test("TC_060 Remote start transaction with charging profile - rejected", async () => {
  await using rig = await startRig();
  const { csms, station } = rig;
  const m = csms.mark;
  station.plug(1);
  await csms.next("StatusNotification", m, (p) => p.status === "Preparing");
  const req: V16.RemoteStartTransactionRequest = {
    connectorId: 1,
    idTag: OCTT.validIdTag,
    chargingProfile: sixFor300("A", "TxDefaultProfile"),
  };
  assert.deepEqual(await csms.call("RemoteStartTransaction", req), { status: "Rejected" });
  await rig.advance(3_000);
  await rpcIdle(rig);
  assert.deepEqual(csms.all("StartTransaction", m), []);
  assert.deepEqual(csms.invalid, []);
});
