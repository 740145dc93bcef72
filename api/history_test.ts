/**
 * The routes of the stored history, the backend link, the configuration
 * keys and fault injection, over a real runtime (standalone, simulated
 * hardware, state in memory): answers and bad input (400 naming the field).
 */
import assert from "node:assert/strict";
import { FakeClock } from "../actors/clock.ts";
import { ConfigStore } from "../config/store.ts";
import { denoTransport } from "../ocpp/transport_deno.ts";
import { memoryLogger } from "../runtime/log.ts";
import { Runtime } from "../runtime/runtime.ts";
import { simHardware } from "../runtime/sim_hardware.ts";
import { BOOT_INFO } from "../runtime/version.ts";
import { createApi } from "./api.ts";

const TOKEN = "history-test-token-0123456789";
const AUTH = { Authorization: `Bearer ${TOKEN}` };

async function rig() {
  const store = new ConfigStore();
  await store.apply(store.validateSettings({ authorizationMode: "free" }));
  const clock = new FakeClock(Date.UTC(2026, 0, 1, 8));
  const hw = simHardware({ clock, connectors: 1 });
  const cp = new Runtime({
    store,
    clock,
    transport: denoTransport,
    hardware: hw,
    logger: memoryLogger([]),
    bootInfo: BOOT_INFO,
  }).start();
  await new Promise((r) => setTimeout(r, 0));
  const app = createApi(cp, { token: TOKEN });
  const call = async (method: string, path: string, body?: unknown) => {
    const res = await app.request(path, {
      method,
      headers: { ...AUTH, ...(body === undefined ? {} : { "Content-Type": "application/json" }) },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const type = res.headers.get("Content-Type") ?? "";
    return {
      status: res.status,
      headers: res.headers,
      data: type.startsWith("application/json") ? await res.json() : await res.text(),
    };
  };
  return {
    cp,
    store,
    hw,
    clock,
    call,
    [Symbol.dispose]: () => cp.stop(),
  };
}

/** The HeartbeatInterval the store holds. */
function heartbeat(r: Awaited<ReturnType<typeof rig>>): Promise<number> {
  return Promise.resolve(r.store.view.int("HeartbeatInterval"));
}

/** One charge in free mode: plug, draw for a minute, unplug. */
async function charge(r: Awaited<ReturnType<typeof rig>>) {
  r.hw.station.plug(1);
  r.hw.station.setEvCharging(1, true);
  for (let i = 0; i < 60; i++) {
    r.clock.advance(1000);
    await new Promise((res) => setTimeout(res, 0));
  }
  r.hw.station.unplug(1);
  await new Promise((res) => setTimeout(res, 0));
}

Deno.test("GET /api/transactions gives the history newest first, as JSON and CSV", async () => {
  using r = await rig();
  assert.deepEqual((await r.call("GET", "/api/transactions")).data, { transactions: [] });
  await charge(r);
  await charge(r);
  const { status, data } = await r.call("GET", "/api/transactions");
  assert.equal(status, 200);
  assert.equal(data.transactions.length, 2);
  const [newest, older] = data.transactions;
  assert.ok(newest.tx > older.tx);
  assert.equal(newest.stopReason, "EVDisconnected");
  assert.equal(newest.energyWh, newest.meterStopWh - newest.meterStartWh);
  assert.equal((await r.call("GET", "/api/transactions?limit=1")).data.transactions.length, 1);
  const csv = await r.call("GET", "/api/transactions?format=csv");
  assert.equal(csv.status, 200);
  assert.equal(csv.headers.get("Content-Type"), "text/csv; charset=utf-8");
  assert.match(
    csv.headers.get("Content-Disposition") ?? "",
    /attachment; filename="transactions.csv"/,
  );
  assert.equal(csv.data.trim().split("\r\n").length, 3);
});

Deno.test("GET /api/transactions and /api/journal refuse bad parameters naming the field", async () => {
  using r = await rig();
  for (
    const [path, field] of [
      ["/api/transactions?limit=0", "limit"],
      ["/api/transactions?limit=abc", "limit"],
      ["/api/transactions?limit=1001", "limit"],
      ["/api/transactions?offset=-1", "offset"],
      ["/api/transactions?format=xml", "format"],
      ["/api/journal?limit=5000", "limit"],
    ]
  ) {
    const { status, data } = await r.call("GET", path!);
    assert.equal(status, 400, path);
    assert.equal(data.fields[0].field, field, path);
    assert.match(data.fields[0].reason, /must be/);
  }
});

Deno.test("GET /api/journal lists stored events; POST /api/sim/connectors/1/fault raises and clears", async () => {
  using r = await rig();
  const bad = await r.call("POST", "/api/sim/connectors/1/fault", { errorCode: "Bogus" });
  assert.equal(bad.status, 400);
  assert.equal(bad.data.fields[0].field, "errorCode");
  assert.equal((await r.call("POST", "/api/sim/connectors/1/fault", {})).status, 400);
  assert.equal(
    (await r.call("POST", "/api/sim/connectors/9/fault", { errorCode: null })).status,
    404,
  );
  const raised = await r.call("POST", "/api/sim/connectors/1/fault", {
    errorCode: "GroundFailure",
  });
  assert.equal(raised.status, 202);
  await new Promise((res) => setTimeout(res, 0));
  assert.equal(r.cp.status().connectors[0]!.errorCode, "GroundFailure");
  assert.equal(
    (await r.call("POST", "/api/sim/connectors/1/fault", { errorCode: null })).status,
    202,
  );
  await new Promise((res) => setTimeout(res, 0));
  const { data } = await r.call("GET", "/api/journal?limit=2");
  assert.deepEqual(data.events.map((e: { code: string }) => e.code), ["fault_cleared", "fault"]);
  assert.deepEqual(data.events[1].params, { connectorId: 1, errorCode: "GroundFailure" });
});

Deno.test("GET /api/configuration lists the OCPP keys without secrets; POST /api/backend/reconnect", async () => {
  using r = await rig();
  const { status, data } = await r.call("GET", "/api/configuration");
  assert.equal(status, 200);
  const keys = new Map(data.keys.map((k: { key: string; value: string }) => [k.key, k]));
  assert.deepEqual(keys.get("HeartbeatInterval"), {
    key: "HeartbeatInterval",
    readonly: false,
    value: String(await heartbeat(r)),
  });
  assert.ok(!keys.has("AuthorizationKey"));
  assert.ok(!keys.has("BackendConnectionType"), "app-only keys are not OCPP keys");
  assert.equal((await r.call("POST", "/api/backend/reconnect")).status, 202);
  assert.equal(r.cp.status().backend.state, "disabled", "standalone stays standalone");
});

Deno.test("PATCH /api/settings refuses settings that cannot work with the field, code and parameters", async () => {
  using r = await rig();
  const { status, data } = await r.call("PATCH", "/api/settings", {
    backendConnectionType: "ethernet",
    backendUrl: "ws://127.0.0.1:1/ocpp",
    securityProfile: 2,
  });
  assert.equal(status, 400);
  assert.deepEqual(data.fields.map((f: { field: string; code: string }) => [f.field, f.code]), [
    ["backendUrl", "needs_wss"],
    ["backendPassword", "needs_password"],
  ]);
  assert.deepEqual(data.fields[0].params, { profile: 2 });
  assert.equal(r.cp.settings().backendConnectionType, "none");
});

Deno.test("POST /api/reset and /api/connectors/:id/availability act as the backend's, bad input named", async () => {
  using r = await rig();
  for (
    const [path, body, field] of [
      ["/api/reset", { type: "Warm" }, "type"],
      ["/api/reset", [], "(body)"],
      ["/api/connectors/2/availability", { operative: false }, "connectorId"],
      ["/api/connectors/x/availability", { operative: false }, "connectorId"],
      ["/api/connectors/1/availability", { operative: "no" }, "operative"],
    ] as const
  ) {
    const res = await r.call("POST", path, body);
    assert.equal(res.status, 400, `${path} ${JSON.stringify(body)}`);
    assert.equal(res.data.fields[0].field, field);
  }
  const off = await r.call("POST", "/api/connectors/1/availability", { operative: false });
  assert.deepEqual([off.status, off.data], [200, { status: "Accepted" }]);
  await new Promise((res) => setTimeout(res, 0));
  assert.equal(r.cp.status().connectors[0]!.status, "Unavailable");
  const on = await r.call("POST", "/api/connectors/0/availability", { operative: true });
  assert.deepEqual(on.data, { status: "Accepted" });
  const reset = await r.call("POST", "/api/reset", { type: "Soft" });
  assert.deepEqual([reset.status, reset.data], [202, { status: "Accepted" }]);
  for (let i = 0; i < 20 && r.cp.restarts === 0; i++) {
    await new Promise((res) => setTimeout(res, 5));
  }
  assert.equal(r.cp.restarts, 1, "the actors restarted");
  const codes = r.cp.history.events(5).map((e) => e.code);
  assert.ok(codes.includes("reset") && codes.includes("availability_changed"), String(codes));
  assert.deepEqual(r.cp.history.events(10).find((e) => e.code === "reset")?.params, {
    kind: "Soft",
    by: "local",
  });
});
