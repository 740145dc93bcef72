/**
 * Smart charging on the hardware: the simulated EVs' measured power follows
 * a TxProfile with three periods and a ChargePointMaxProfile shared by two
 * connectors, on the injected clock; profiles survive a reset; bad input
 * gets the spec's answer and changes nothing. Against the real Central
 * System of `csms.ts`.
 */
import assert from "node:assert/strict";
import type { V16 } from "../ocpp/types.ts";
import { createApi } from "../api/api.ts";
import { configure, OCTT, reachCharging, type Rig, rpcIdle, startRig } from "./harness.ts";
import { startDurableRig } from "./_durability_rig.ts";

type Profile = V16.SetChargingProfileRequest["csChargingProfiles"];

async function setProfile(rig: Rig, connectorId: number, p: Profile): Promise<string> {
  const req: V16.SetChargingProfileRequest = { connectorId, csChargingProfiles: p };
  const conf: V16.SetChargingProfileResponse = await rig.csms.call("SetChargingProfile", req);
  return conf.status;
}

function amps(id: number, periods: [number, number][], more: Partial<Profile> = {}): Profile {
  return {
    chargingProfileId: id,
    stackLevel: 0,
    chargingProfilePurpose: "TxDefaultProfile",
    chargingProfileKind: "Absolute",
    chargingSchedule: {
      chargingRateUnit: "A",
      chargingSchedulePeriod: periods.map(([startPeriod, limit]) => ({ startPeriod, limit })),
    },
    ...more,
  };
}

/** Power (W) and meter register (Wh) of both connectors as the runtime saw them last. */
function power(rig: Rig): number[] {
  return rig.cp.status().connectors.map((c) => c.powerW);
}

Deno.test("Smart charging: EV power follows a 3-period TxProfile and a shared ChargePointMaxProfile", async () => {
  await using rig = await startRig({ connectors: 2 });
  await configure(rig, {
    MeterValuesSampledData: "Power.Active.Import,Current.Offered",
    MeterValueSampleInterval: "30",
  });
  // Two three-phase EVs that could draw 22 kW (31.8 A) each.
  for (const id of [1, 2]) {
    rig.station.setPhases(id, 3);
    rig.station.setPowerW(id, 22_000);
  }
  const one = await reachCharging(rig, { connectorId: 1, idTag: OCTT.validIdTag });
  await reachCharging(rig, { connectorId: 2, idTag: OCTT.validIdTag2 });
  await rig.advance(2_000);
  // The installation's 32 A (maxCurrentA) are shared: 16 A each, 16 x 230 V x 3.
  assert.deepEqual(power(rig), [11_040, 11_040]);
  const start = new Date(Math.ceil(rig.clock.now() / 1000) * 1000).toISOString();
  // The house connection allows 24 A for both; connector 1's transaction 10 A, 16 A, then 3 A.
  const cpMax = amps(1, [[0, 24]], { chargingProfilePurpose: "ChargePointMaxProfile" });
  cpMax.chargingSchedule.startSchedule = start;
  const tx = amps(2, [[0, 10], [60, 16], [120, 3]], {
    chargingProfilePurpose: "TxProfile",
    transactionId: one.transactionId,
  });
  tx.chargingSchedule.startSchedule = start;
  assert.equal(await setProfile(rig, 0, cpMax), "Accepted");
  assert.equal(await setProfile(rig, 1, tx), "Accepted");
  const from = rig.csms.mark;
  await rig.advance(3_000);
  // 0-60 s: connector 1 at 10 A, connector 2 gets the rest of 24 A: 14 A (x 230 V x 3).
  assert.deepEqual(power(rig), [6_900, 9_660]);
  const status = rig.cp.status().connectors;
  assert.deepEqual(status.map((c) => [c.limitA, c.limitSource]), [[10, "ocpp"], [14, "ocpp"]]);
  assert.deepEqual(status.map((c) => rig.station.connector(c.id).pilot.offered), [10, 14]);
  const wh0 = rig.station.connector(1).state.meterWh;
  await rig.advance(60_000);
  // 60-120 s: connector 1 may take 16 A, the 24 A are shared equally.
  assert.deepEqual(power(rig), [8_280, 8_280]);
  // The meter followed: about 57 s at 6,900 W and 3 s at 8,280 W.
  const wh1 = rig.station.connector(1).state.meterWh;
  assert.ok(Math.abs(wh1 - wh0 - (57 * 6_900 + 3 * 8_280) / 3600) <= 2, `${wh1 - wh0} Wh`);
  await rig.advance(60_000);
  // From 120 s: 3 A is below the 6 A of IEC 61851-1: connector 1 pauses, connector 2 takes 24 A.
  assert.deepEqual(power(rig), [0, 16_560]);
  await rpcIdle(rig);
  const c1 = rig.csms.all("StatusNotification", from).filter((r) => r.params.connectorId === 1);
  assert.equal(c1.at(-1)?.params.status, "SuspendedEVSE");
  // MeterValues showed the offered current and the power of connector 1 during the first period.
  const first = rig.csms.all("MeterValues", from).find((r) => r.params.connectorId === 1);
  const values = first!.params.meterValue[0].sampledValue.map((
    s: { measurand: string; value: string },
  ) => [s.measurand, s.value]);
  assert.deepEqual(values, [["Power.Active.Import", "6900"], ["Current.Offered", "10"]]);
  assert.deepEqual(rig.csms.invalid, []);
});

Deno.test("Smart charging: profiles survive a reset; TxProfiles end with their transaction", async () => {
  await using rig = await startRig();
  const start = new Date(rig.clock.now()).toISOString();
  const def = amps(1, [[0, 13]]);
  def.chargingSchedule.startSchedule = start;
  assert.equal(await setProfile(rig, 1, def), "Accepted");
  const { transactionId } = await reachCharging(rig);
  assert.equal(
    await setProfile(
      rig,
      1,
      amps(2, [[0, 7]], { chargingProfilePurpose: "TxProfile", transactionId }),
    ),
    "Accepted",
  );
  assert.equal(rig.cp.status().connectors[0]!.limitA, 7);
  const m = rig.csms.mark;
  assert.deepEqual(await rig.csms.call("Reset", { type: "Soft" }), { status: "Accepted" });
  await rig.csms.next("StopTransaction", m);
  await rig.csms.next("BootNotification", m);
  await rig.csms.next("StatusNotification", m, (p) => p.connectorId === 1);
  await rpcIdle(rig);
  const conf: V16.GetCompositeScheduleResponse = await rig.csms.call("GetCompositeSchedule", {
    connectorId: 1,
    duration: 60,
  });
  assert.deepEqual(conf.chargingSchedule?.chargingSchedulePeriod, [{ startPeriod: 0, limit: 13 }]);
  assert.equal(rig.cp.status().connectors[0]!.limitA, 13);
  assert.deepEqual(rig.csms.invalid, []);
});

Deno.test("Smart charging: bad input gets the spec's answer and changes nothing", async () => {
  await using rig = await startRig();
  const code = async (action: string, params: unknown) => {
    try {
      return await rig.csms.call(action, params);
    } catch (err) {
      return (err as { rpcErrorCode?: string }).rpcErrorCode;
    }
  };
  // Errata 3.39: an unknown connector is a CALLERROR.
  assert.equal(
    await code("SetChargingProfile", { connectorId: 2, csChargingProfiles: amps(1, [[0, 6]]) }),
    "PropertyConstraintViolation",
  );
  // Errata 3.38 / 3.24: an invalid unit is a CALLERROR (checked against the schema); sent raw,
  // as ocpp-rpc refuses to send it.
  const raw = async (id: string, action: string, payload: unknown) => {
    const from = rig.csms.frames.length;
    await rig.csms.sendRaw(JSON.stringify([2, id, action, payload]));
    let answer: unknown[] | undefined;
    await rig.csms.until(() => {
      answer = rig.csms.frames.slice(from).filter((f) => !f.out).map((f) => JSON.parse(f.text))
        .find((x) => x[1] === id);
      return answer !== undefined;
    }, `the answer to ${id}`);
    return answer!.slice(0, 3);
  };
  const badUnit = amps(1, [[0, 6]]);
  (badUnit.chargingSchedule as { chargingRateUnit: string }).chargingRateUnit = "kW";
  assert.deepEqual(
    await raw("u1", "SetChargingProfile", { connectorId: 1, csChargingProfiles: badUnit }),
    [4, "u1", "PropertyConstraintViolation"],
  );
  assert.deepEqual(
    await raw("u2", "GetCompositeSchedule", {
      connectorId: 1,
      duration: 60,
      chargingRateUnit: "kW",
    }),
    [4, "u2", "PropertyConstraintViolation"],
  );
  // Schema-valid but inconsistent profiles: Rejected.
  for (
    const p of [
      amps(1, [[10, 6]]),
      amps(1, [[0, 6], [0, 8]]),
      amps(1, [[0, -2]]),
      amps(1, [[0, 6]], { stackLevel: 99 }),
    ]
  ) {
    assert.deepEqual(await code("SetChargingProfile", { connectorId: 1, csChargingProfiles: p }), {
      status: "Rejected",
    });
  }
  assert.deepEqual(
    await code("SetChargingProfile", {
      connectorId: 1,
      csChargingProfiles: amps(1, [[0, 6]], { chargingProfilePurpose: "ChargePointMaxProfile" }),
    }),
    { status: "Rejected" },
  );
  assert.deepEqual(await code("GetCompositeSchedule", { connectorId: 5, duration: 60 }), {
    status: "Rejected",
  });
  assert.deepEqual(await code("ClearChargingProfile", {}), { status: "Unknown" });
  const conf = await code("GetCompositeSchedule", { connectorId: 1, duration: 60 });
  assert.deepEqual(conf.chargingSchedule.chargingSchedulePeriod, [{ startPeriod: 0, limit: 32 }]);
  assert.deepEqual(rig.csms.invalid, []);
});

Deno.test("Smart charging: local limits beside OCPP: installer maxCurrentA and PUT /api/limit", async () => {
  await using rig = await startRig();
  const token = "k".repeat(32);
  const api = createApi(rig.cp, { token });
  const call = (method: string, path: string, body?: unknown) =>
    api.request(path, {
      method,
      headers: { Authorization: `Bearer ${token}`, "Content-Type": "application/json" },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
  rig.station.setPowerW(1, 22_000);
  await reachCharging(rig);
  await rig.advance(2_000);
  assert.equal(rig.cp.status().connectors[0]!.powerW, 22_000);
  // A charging profile of 20 A; the installer's rating of 16 A is lower.
  const start = new Date(rig.clock.now()).toISOString();
  const p = amps(1, [[0, 20]]);
  p.chargingSchedule.startSchedule = start;
  assert.equal(await setProfile(rig, 1, p), "Accepted");
  assert.equal((await call("PATCH", "/api/settings", { maxCurrentA: 16 })).status, 200);
  await rig.advance(2_000);
  let c = (await (await call("GET", "/api/status")).json()).connectors[0];
  assert.deepEqual([c.limitA, c.limitSource, c.powerW], [16, "installer", 16 * 690]);
  // The energy manager dims to 8 A for a minute.
  const until = new Date(rig.clock.now() + 60_000).toISOString();
  const put = await call("PUT", "/api/limit", { currentA: 8, until });
  assert.deepEqual([put.status, await put.json()], [200, { currentA: 8, until }]);
  await rig.advance(2_000);
  c = (await (await call("GET", "/api/status")).json()).connectors[0];
  assert.deepEqual([c.limitA, c.limitSource, c.powerW], [8, "external", 8 * 690]);
  // The composite shows it too (a local limit, section 5.7).
  const conf: V16.GetCompositeScheduleResponse = await rig.csms.call("GetCompositeSchedule", {
    connectorId: 1,
    duration: 120,
  });
  assert.deepEqual(conf.chargingSchedule?.chargingSchedulePeriod, [
    { startPeriod: 0, limit: 8 },
    { startPeriod: 58, limit: 16 },
  ]);
  await rig.advance(60_000);
  c = rig.cp.status().connectors[0]!;
  assert.deepEqual([c.limitA, c.limitSource, c.powerW], [16, "installer", 16 * 690]);
  // Invalid: nothing changes.
  assert.equal((await call("PUT", "/api/limit", { currentA: -3 })).status, 400);
  assert.deepEqual(await (await call("GET", "/api/limit")).json(), { currentA: null });
  assert.equal((await call("PATCH", "/api/settings", { maxCurrentA: 2 })).status, 400);
  assert.equal(rig.cp.status().connectors[0]!.limitA, 16);
  assert.equal((await call("PUT", "/api/limit", { currentA: 3 })).status, 200);
  await rig.advance(2_000);
  c = rig.cp.status().connectors[0]!;
  assert.deepEqual([c.limitA, c.limitSource, c.powerW], [0, "external", 0]);
  assert.equal((await call("DELETE", "/api/limit")).status, 200);
  await rig.advance(2_000);
  assert.equal(rig.cp.status().connectors[0]!.powerW, 16 * 690);
  assert.deepEqual(rig.csms.invalid, []);
});

Deno.test("Smart charging is loaded at first use; the local limits act before; stored profiles load it at boot", async () => {
  await using rig = await startRig();
  const token = "k".repeat(32);
  const api = createApi(rig.cp, { token });
  const call = (method: string, path: string, body?: unknown) =>
    api.request(path, {
      method,
      headers: { Authorization: `Bearer ${token}`, "Content-Type": "application/json" },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
  const loaded = () => rig.cp.bus.isLoaded("smart_charging");
  rig.station.setPowerW(1, 22_000);
  await reachCharging(rig);
  await rig.advance(2_000);
  assert.equal(loaded(), false);
  // The external limit and the installer's rating act without the profile code.
  const until = new Date(rig.clock.now() + 30_000).toISOString();
  assert.equal((await call("PUT", "/api/limit", { currentA: 8, until })).status, 200);
  await rig.advance(2_000);
  let c = (await (await call("GET", "/api/status")).json()).connectors[0];
  assert.deepEqual([c.limitA, c.limitSource, c.powerW], [8, "external", 8 * 690]);
  assert.deepEqual(await (await call("GET", "/api/limit")).json(), { currentA: 8, until });
  assert.equal((await call("PATCH", "/api/settings", { maxCurrentA: 16 })).status, 200);
  await rig.advance(30_000);
  c = (await (await call("GET", "/api/status")).json()).connectors[0];
  assert.deepEqual([c.limitA, c.limitSource, c.powerW], [16, "installer", 16 * 690]);
  assert.equal(loaded(), false);
  // The first smart charging request loads it; the answer knows the local limits.
  const conf: V16.GetCompositeScheduleResponse = await rig.csms.call("GetCompositeSchedule", {
    connectorId: 1,
    duration: 60,
  });
  assert.deepEqual(conf.chargingSchedule?.chargingSchedulePeriod, [{ startPeriod: 0, limit: 16 }]);
  assert.equal(loaded(), true);
  const p = amps(1, [[0, 10]]);
  p.chargingSchedule.startSchedule = new Date(rig.clock.now()).toISOString();
  assert.equal(await setProfile(rig, 1, p), "Accepted");
  const m = rig.csms.mark;
  assert.deepEqual(await rig.csms.call("Reset", { type: "Soft" }), { status: "Accepted" });
  await rig.csms.next("BootNotification", m);
  await rig.cp.bus.loaded();
  assert.equal(loaded(), true, "a stored profile loads smart charging at boot");
  assert.equal(rig.cp.status().connectors[0]!.limitA, 10);
  assert.deepEqual(rig.csms.invalid, []);
});

Deno.test("Smart charging: profiles survive a power cut (errata 3.37); the TxProfile does not", async () => {
  await using rig = await startDurableRig();
  const start = new Date(rig.clock.now()).toISOString();
  const cpMax = amps(1, [[0, 20]], { chargingProfilePurpose: "ChargePointMaxProfile" });
  cpMax.chargingSchedule.startSchedule = start;
  const def = amps(2, [[0, 11]]);
  def.chargingSchedule.startSchedule = start;
  assert.equal(await setProfile(rig, 0, cpMax), "Accepted");
  assert.equal(await setProfile(rig, 1, def), "Accepted");
  const { transactionId } = await reachCharging(rig);
  const tx = amps(3, [[0, 7]], { chargingProfilePurpose: "TxProfile", transactionId });
  assert.equal(await setProfile(rig, 1, tx), "Accepted");
  const m = rig.csms.mark;
  await rig.powerCycle();
  await rig.csms.next("BootNotification", m);
  await rig.csms.next("StopTransaction", m);
  await rpcIdle(rig);
  const conf: V16.GetCompositeScheduleResponse = await rig.csms.call("GetCompositeSchedule", {
    connectorId: 1,
    duration: 60,
  });
  assert.deepEqual(conf.chargingSchedule?.chargingSchedulePeriod, [{ startPeriod: 0, limit: 11 }]);
  const cleared: V16.ClearChargingProfileResponse = await rig.csms.call("ClearChargingProfile", {
    chargingProfilePurpose: "TxProfile",
  });
  assert.equal(cleared.status, "Unknown");
  assert.deepEqual(rig.csms.invalid, []);
});

Deno.test("Smart charging: a W profile on 1 phase, asked in A and in W (libocpp#908)", async () => {
  await using rig = await startRig();
  const start = new Date(rig.clock.now()).toISOString();
  const p = amps(1, [[0, 0]]);
  p.chargingSchedule = {
    startSchedule: start,
    chargingRateUnit: "W",
    chargingSchedulePeriod: [
      { startPeriod: 0, limit: 3680, numberPhases: 1 },
      { startPeriod: 60, limit: 6000 },
    ],
  };
  assert.equal(await setProfile(rig, 1, p), "Accepted");
  const ask = async (chargingRateUnit: "A" | "W") => {
    const conf: V16.GetCompositeScheduleResponse = await rig.csms.call("GetCompositeSchedule", {
      connectorId: 1,
      duration: 120,
      chargingRateUnit,
    });
    return conf.chargingSchedule?.chargingSchedulePeriod;
  };
  // 3680 W on 1 phase is 16 A; 6000 W on 3 phases (none given) is 8.69 A, rounded down.
  assert.deepEqual(await ask("A"), [{ startPeriod: 0, limit: 16 }, {
    startPeriod: 60,
    limit: 8.6,
  }]);
  assert.deepEqual(await ask("W"), [{ startPeriod: 0, limit: 3680 }, {
    startPeriod: 60,
    limit: 6000,
  }]);
  assert.deepEqual(rig.cp.status().connectors[0]!.limitA, 16);
  assert.deepEqual(rig.csms.invalid, []);
});
