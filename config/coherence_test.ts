import assert from "node:assert/strict";
import { coherenceErrors } from "./coherence.ts";
import { type Value, viewOf } from "./registry.ts";

const BASE: Record<string, Value> = {
  BackendConnectionType: "ethernet",
  CentralSystemUrl: "ws://cs.example/ocpp",
  ChargePointId: "CP1",
  SecurityProfile: 0,
};
const view = (extra: Record<string, Value> = {}) =>
  viewOf(new Map(Object.entries({ ...BASE, ...extra })));
const codes = (v: ReturnType<typeof view>, changes: Record<string, Value>) =>
  coherenceErrors(v, new Map(Object.entries(changes))).map((e) => [e.field, e.code]);

Deno.test("coherenceErrors() refuses profile 3 on ws:// without a client certificate", () => {
  assert.deepEqual(codes(view(), { SecurityProfile: 3 }), [
    ["backendUrl", "needs_wss"],
    ["tlsClientCertFile", "needs_client_cert"],
  ]);
  assert.deepEqual(
    codes(view({ TlsClientCertFile: "/c.pem", TlsClientKeyFile: "/k.pem" }), {
      SecurityProfile: 3,
      CentralSystemUrl: "wss://cs.example/ocpp",
    }),
    [],
  );
});

Deno.test("coherenceErrors() refuses profile 2 on ws:// and profiles 1 and 2 without a password", () => {
  assert.deepEqual(codes(view(), { SecurityProfile: 2 }), [
    ["backendUrl", "needs_wss"],
    ["backendPassword", "needs_password"],
  ]);
  assert.deepEqual(codes(view(), { SecurityProfile: 1 }), [["backendPassword", "needs_password"]]);
  assert.deepEqual(codes(view(), { SecurityProfile: 1, AuthorizationKey: "0123456789abcdef" }), []);
  const e = coherenceErrors(view(), new Map([["SecurityProfile", 2]]))[0]!;
  assert.deepEqual(e.params, { profile: 2 });
});

Deno.test("coherenceErrors() wants a URL for a connection type, nothing when standalone or unrelated", () => {
  assert.deepEqual(codes(view({ CentralSystemUrl: "" }), { BackendConnectionType: "wlan" }), [
    ["backendUrl", "needs_url"],
  ]);
  assert.deepEqual(codes(view({ BackendConnectionType: "none" }), { SecurityProfile: 3 }), []);
  // A setting that is not a connection setting is saved whatever the connection settings are.
  assert.deepEqual(codes(view({ SecurityProfile: 3 }), { LocalAuthorizeOffline: false }), []);
});
