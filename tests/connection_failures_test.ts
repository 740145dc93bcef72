/**
 * Why the Charge Point is not connected, as `/api/status` tells it: DNS,
 * refused, HTTP 404, a missing interface; and the interface binding
 * (`ethernetInterface`: the socket binds to the interface's address).
 */
import assert from "node:assert/strict";
import type { BusMessage } from "../actors/messages.ts";
import { type Rig, type RigOptions, startRig } from "./harness.ts";

/** A rig that does not wait for the boot. */
function rig(opts: RigOptions): Promise<Rig> {
  return startRig({ noWait: true, ...opts });
}

/** The reason of the first failed attempt, once the supervisor backs off. */
async function failure(r: Rig): Promise<string> {
  const find = () =>
    r.messages.find((m): m is Extract<BusMessage, { type: "backend.state" }> =>
      m.type === "backend.state" && m.state === "backoff"
    );
  await r.csms.until(() => find() !== undefined, "a failed connection");
  const status = r.cp.status().backend;
  assert.equal(status.state, "backoff");
  assert.equal(status.reason, find()!.reason);
  return status.reason ?? "";
}

Deno.test("status: a host name that does not resolve is a DNS failure", async () => {
  await using r = await rig({ settings: { backendUrl: "ws://no-such-backend.invalid:9000/ocpp" } });
  assert.match(await failure(r), /^DNS lookup failed: cannot resolve the backend no-such-backend/);
});

Deno.test("status: a port nothing listens on is a refused connection", async () => {
  const l = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (l.addr as Deno.NetAddr).port;
  l.close();
  await using r = await rig({ settings: { backendUrl: `ws://127.0.0.1:${port}` } });
  assert.match(await failure(r), new RegExp(`^Connection refused: .*127\\.0\\.0\\.1:${port}`));
});

Deno.test("status: an unknown Charge Point or path (HTTP 404) is reported and backed off", async () => {
  await using r = await rig({ before: (csms) => csms.refuseWith = 404 });
  assert.match(await failure(r), /^HTTP 404 Not Found/);
  await r.advance(1_000);
  // No reconnect storm: the next attempt waits for the backoff (1.5 s at the least). An
  // attempt is a ws.connect on the bus, published when the reconnect timer fires.
  assert.equal(r.messages.filter((m) => m.type === "ws.connect").length, 1);
  assert.equal(r.csms.refused.length, 1);
  await r.advance(2_000);
  await r.csms.until(() => r.csms.refused.length === 2, "the second attempt");
});

Deno.test("status: a configured interface that is missing is 'Interface down', and retried", async () => {
  await using r = await rig({ settings: { ethernetInterface: "nosuch9" } });
  assert.match(await failure(r), /^Interface down: /);
  assert.equal(r.csms.upgrades, 0);
  // Retried: after the backoff the supervisor tries again (and fails the same way).
  await r.advance(3_000);
  await r.csms.until(
    () => r.messages.filter((m) => m.type === "ws.connect").length >= 2,
    "a second attempt",
  );
});

const sysGranted = (await Deno.permissions.query({ name: "sys", kind: "networkInterfaces" }))
  .state === "granted";

Deno.test({
  name: "interface: the socket binds to the address of the configured interface",
  ignore: !sysGranted,
  async fn() {
    const lo = Deno.networkInterfaces().find((i) =>
      i.family === "IPv4" && i.address === "127.0.0.1"
    );
    assert.ok(lo, "a loopback interface with 127.0.0.1");
    await using r = await rig({ settings: { ethernetInterface: lo.name } });
    await r.csms.next("BootNotification");
    assert.equal(r.csms.lastHandshake?.remoteAddress?.replace(/^::ffff:/, ""), "127.0.0.1");
  },
});
