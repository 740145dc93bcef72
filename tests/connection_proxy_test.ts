/**
 * The WebSocket proxy setting against a real HTTP CONNECT proxy on loopback:
 * ws and wss (and wss with a client certificate, which takes the node:tls
 * path) tunnel through it; a refusing or unreachable proxy is a clear
 * status, retried with backoff.
 */
import assert from "node:assert/strict";
import type { BusMessage } from "../actors/messages.ts";
import { makeTestPki, type Rig, startProxy, startRig } from "./harness.ts";

const pki = await makeTestPki();
globalThis.addEventListener("unload", () => Deno.removeSync(pki.dir, { recursive: true }));

const KEY = "proxy-test-password-1";

async function failure(r: Rig): Promise<string> {
  const find = () =>
    r.messages.find((m): m is Extract<BusMessage, { type: "backend.state" }> =>
      m.type === "backend.state" && m.state === "backoff"
    );
  await r.csms.until(() => find() !== undefined, "a failed connection");
  return find()!.reason ?? "";
}

Deno.test("proxy: ws:// tunnels through an HTTP CONNECT proxy", async () => {
  await using proxy = startProxy();
  await using r = await startRig({ settings: { proxy: proxy.address } });
  const port = new URL(r.csms.url).port;
  assert.deepEqual(proxy.targets, [`127.0.0.1:${port}`]);
  assert.equal(r.cp.status().backend.state, "accepted");
  // The tunnel carries OCPP both ways.
  const conf = await r.csms.call("GetConfiguration", { key: ["HeartbeatInterval"] });
  assert.equal(conf.configurationKey[0].key, "HeartbeatInterval");
});

Deno.test("proxy: wss:// tunnels through the proxy with TLS end to end (profile 2)", async () => {
  await using proxy = startProxy();
  await using r = await startRig({
    settings: {
      proxy: proxy.address,
      securityProfile: 2,
      backendPassword: KEY,
      tlsCaFile: pki.ca.file,
    },
    csms: { tls: pki.server, passwords: () => [KEY] },
  });
  assert.equal(proxy.targets.length, 1);
  assert.match(r.csms.lastHandshake?.tlsVersion ?? "", /^TLSv1\.[23]$/);
  assert.equal(r.cp.status().backend.state, "accepted");
});

Deno.test("proxy: wss:// with a client certificate tunnels through the proxy (profile 3)", async () => {
  await using proxy = startProxy();
  await using r = await startRig({
    settings: {
      proxy: proxy.address,
      securityProfile: 3,
      tlsCaFile: pki.ca.file,
      tlsClientCertFile: pki.client.certFile,
      tlsClientKeyFile: pki.client.keyFile,
    },
    csms: { tls: { ...pki.server, ca: pki.ca.pem, clientCert: "required" } },
  });
  assert.equal(proxy.targets.length, 1);
  assert.equal(r.csms.lastHandshake?.clientCn, "CP-TEST-1");
});

Deno.test("proxy: a proxy that refuses the tunnel is reported as such and retried", async () => {
  await using proxy = startProxy();
  proxy.refuse = 403;
  await using r = await startRig({ noWait: true, settings: { proxy: proxy.address } });
  assert.match(
    await failure(r),
    /^Proxy refused: the proxy 127\.0\.0\.1:\d+ answered CONNECT .* 403/,
  );
  assert.equal(r.csms.upgrades, 0);
  // The proxy lets it through again: the next attempt (after the backoff) connects.
  proxy.refuse = undefined;
  await r.advance(3_000);
  await r.csms.next("BootNotification");
  assert.equal(proxy.targets.length, 2);
});

Deno.test("proxy: an unreachable proxy is reported as such", async () => {
  // A port nothing listens on: bind one, note it, close it.
  const l = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (l.addr as Deno.NetAddr).port;
  l.close();
  await using r = await startRig({ noWait: true, settings: { proxy: `127.0.0.1:${port}` } });
  assert.match(await failure(r), /^Proxy unreachable: Connection refused/);
});
