import assert from "node:assert/strict";
import { FakeClock } from "../actors/clock.ts";
import { ConfigStore } from "../config/store.ts";
import { denoTransport } from "../ocpp/transport_deno.ts";
import { authReason, backendReasonCode } from "./activity.ts";
import { memoryLogger } from "./log.ts";
import { Runtime } from "./runtime.ts";
import { simHardware } from "./sim_hardware.ts";
import { BOOT_INFO } from "./version.ts";

Deno.test("authReason() gives every decision its code", () => {
  const cases: [Parameters<typeof authReason>, string][] = [
    [[{ status: "Accepted" }, "free", "free"], "free_charging"],
    [[{ status: "Accepted" }, "list", "local"], "on_whitelist"],
    [[{ status: "Accepted" }, "list", "ocpp"], "local_list"],
    [[{ status: "Accepted" }, "cache", "ocpp"], "cache"],
    [[{ status: "Accepted" }, "backend", "ocpp"], "backend_accepted"],
    [[{ status: "Accepted" }, "offline", "ocpp"], "offline_allowed"],
    [[{ status: "Invalid" }, "list", "local"], "not_on_whitelist"],
    [[{ status: "Invalid" }, "list", "ocpp"], "known_invalid"],
    [[{ status: "Invalid" }, "backend", "ocpp"], "backend_invalid"],
    [[{ status: "Invalid" }, "offline", "ocpp"], "offline_unknown"],
    [[{ status: "Expired" }, "list", "local"], "expired"],
    [[{ status: "Blocked" }, "backend", "ocpp"], "blocked"],
    [[{ status: "ConcurrentTx" }, "backend", "ocpp"], "concurrent_tx"],
  ];
  for (const [args, code] of cases) assert.equal(authReason(...args), code, JSON.stringify(args));
});

Deno.test("backendReasonCode() names the reason of each backend state", () => {
  assert.equal(backendReasonCode("disabled", "no backend configured"), "no_backend");
  assert.equal(backendReasonCode("backoff", "Connection refused: nothing listens"), "refused");
  assert.equal(backendReasonCode("backoff", "HTTP 401 Unauthorized"), "unauthorized");
  assert.equal(backendReasonCode("pending", "BootNotification Pending"), "boot_pending");
  assert.equal(backendReasonCode("backoff", "something else"), "closed");
  assert.equal(backendReasonCode("accepted", null), null);
});

async function standalone() {
  const dir = await Deno.makeTempDir({ prefix: "cp-activity-" });
  const store = await ConfigStore.open(dir);
  await store.apply(
    store.validateSettings({ authorizationMode: "local", whitelistSource: "local" }),
  );
  const clock = new FakeClock(Date.UTC(2026, 0, 1, 8));
  const hw = simHardware({ clock, connectors: 1 });
  const logs: string[] = [];
  const cp = new Runtime({
    store,
    clock,
    transport: denoTransport,
    hardware: hw,
    logger: memoryLogger(logs),
    bootInfo: BOOT_INFO,
  }).start();
  await new Promise((r) => setTimeout(r, 0));
  return {
    cp,
    clock,
    hw,
    async [Symbol.asyncDispose]() {
      cp.stop();
      await Deno.remove(dir, { recursive: true });
    },
  };
}

Deno.test("Runtime: a refused card is visible with its reason; an added one charges into the history", async () => {
  await using r = await standalone();
  const { cp, hw } = r;
  hw.station.tap("04A2B3C4");
  const refused = cp.status().connectors[0]!.lastAuthorization;
  assert.deepEqual(
    { ...refused, at: undefined },
    {
      idTag: "04A2B3C4",
      accepted: false,
      reason: "not_on_whitelist",
      purpose: "start",
      at: undefined,
    },
  );
  assert.deepEqual(cp.history.events(1)[0]!.params, {
    connectorId: 1,
    idTag: "04A2B3C4",
    reason: "not_on_whitelist",
  });
  assert.equal(cp.history.events(1)[0]!.code, "auth_refused");

  assert.ok(cp.whitelist.add({ idTag: "04A2B3C4" }));
  hw.station.plug(1);
  hw.station.tap("04A2B3C4");
  assert.equal(cp.status().connectors[0]!.lastAuthorization?.reason, "on_whitelist");
  hw.station.setEvCharging(1, true);
  for (let i = 0; i < 60; i++) {
    r.clock.advance(1000);
    await new Promise((res) => setTimeout(res, 0));
  }
  const running = cp.status().connectors[0]!;
  assert.equal(running.status, "Charging");
  hw.station.unplug(1);
  await new Promise((res) => setTimeout(res, 0));
  const [row] = cp.history.transactions();
  assert.ok(row);
  assert.equal(row.idTag, "04A2B3C4");
  assert.equal(row.stopReason, "EVDisconnected");
  assert.equal(row.energyWh, row.meterStopWh! - row.meterStartWh);
  assert.ok(row.energyWh! > 0, `energy ${row.energyWh}`);
  assert.equal(row.transactionId, null, "standalone: no backend transactionId");
  const codes = cp.history.events(10).map((e) => e.code);
  assert.deepEqual(codes.slice(0, 2), ["tx_stopped", "tx_started"]);
});

Deno.test("Runtime: the status names the backend, and PATCH refuses settings that cannot work", async () => {
  await using r = await standalone();
  const b = r.cp.status().backend;
  assert.equal(b.state, "disabled");
  assert.equal(b.reasonCode, "no_backend");
  assert.equal(b.url, null);
  assert.equal(b.connected, false);
  await assert.rejects(
    r.cp.updateSettings({
      backendConnectionType: "ethernet",
      backendUrl: "ws://127.0.0.1:1/ocpp",
      securityProfile: 3,
    }),
    (err: Error & { errors?: { field: string; code?: string }[] }) => {
      assert.deepEqual(err.errors?.map((e) => [e.field, e.code]), [
        ["backendUrl", "needs_wss"],
        ["tlsClientCertFile", "needs_client_cert"],
      ]);
      return true;
    },
  );
  assert.equal(r.cp.settings().backendConnectionType, "none", "nothing changed");
});
