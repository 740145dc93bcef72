import assert from "node:assert/strict";
import {
  type AnyConfigView,
  byKey,
  bySetting,
  inoperativeConnectors,
  type KeyDef,
  operativeIn,
  type Parsed,
  parseJson,
  parseText,
  REGISTRY,
  toText,
  type Value,
  viewOf,
} from "./registry.ts";

function def(key: string): KeyDef {
  const d = byKey(key);
  assert.ok(d, `no registry entry ${key}`);
  return d;
}

const ok = (value: string | number | boolean): Parsed => ({ ok: true, value });
const bad = (reason: string): Parsed => ({ ok: false, reason });

Deno.test("REGISTRY has unique keys and setting names", () => {
  const keys = REGISTRY.map((d) => d.key);
  const settings = REGISTRY.flatMap((d) => d.setting ? [d.setting] : []);
  assert.deepEqual(keys.filter((k, i) => keys.indexOf(k) !== i), []);
  assert.deepEqual(settings.filter((s, i) => settings.indexOf(s) !== i), []);
});

Deno.test("REGISTRY defaults pass their own validators", () => {
  for (const d of REGISTRY) {
    assert.deepEqual(parseJson(d, d.default), ok(d.default), d.key);
    assert.deepEqual(parseText(d, toText(d.default)), ok(d.default), d.key);
  }
});

Deno.test("REGISTRY keeps secrets write-only", () => {
  const secrets = REGISTRY.filter((d) => d.secret);
  assert.deepEqual(secrets.map((d) => [d.key, d.access]), [
    ["AuthorizationKey", "W"],
    ["FallbackAuthorizationKey", "R"],
  ]);
});

Deno.test("byKey() and bySetting() find an entry by its OCPP key and app name", () => {
  assert.equal(byKey("CentralSystemUrl"), bySetting("backendUrl"));
  assert.equal(byKey("CentralSystemUrl")?.key, "CentralSystemUrl");
  assert.equal(byKey("Testing"), undefined);
  assert.equal(bySetting("HeartbeatInterval"), undefined);
});

Deno.test("parseText() parses booleans case-insensitively", () => {
  const d = def("LocalAuthorizeOffline");
  assert.deepEqual(parseText(d, "true"), ok(true));
  assert.deepEqual(parseText(d, "FALSE"), ok(false));
  assert.deepEqual(parseText(d, "yes"), bad("must be true or false"));
  assert.deepEqual(parseText(d, "1"), bad("must be true or false"));
});

Deno.test("parseText() parses integers and checks their bounds", () => {
  const d = def("HeartbeatInterval");
  assert.deepEqual(parseText(d, "300"), ok(300));
  assert.deepEqual(parseText(d, " 42 "), ok(42));
  assert.deepEqual(parseText(d, "0"), ok(0));
  assert.deepEqual(parseText(d, "604800"), ok(604800));
  assert.deepEqual(parseText(d, "604801"), bad("must be <= 604800"));
  assert.deepEqual(parseText(d, "-1"), bad("must be >= 0"));
  for (const text of ["", "1.5", "1e3", "abc", "0x10", "12345678901234567"]) {
    assert.deepEqual(parseText(d, text), bad("must be an integer"), text);
  }
});

Deno.test("parseText() leaves an integer without max unbounded above", () => {
  assert.deepEqual(parseText(def("MaxEnergyOnInvalidId"), "999999999"), ok(999999999));
});

Deno.test("parseText() checks string choices and length", () => {
  assert.deepEqual(parseText(def("BackendConnectionType"), "wlan"), ok("wlan"));
  assert.deepEqual(
    parseText(def("BackendConnectionType"), "wifi"),
    bad("must be one of none, ethernet, wlan"),
  );
  assert.deepEqual(parseText(def("FreeChargingIdTag"), "A".repeat(20)), ok("A".repeat(20)));
  assert.deepEqual(
    parseText(def("FreeChargingIdTag"), "A".repeat(21)),
    bad("must be at most 20 characters"),
  );
});

Deno.test("parseText() normalises CSL items and checks them against the supported ones", () => {
  const d = def("MeterValuesSampledData");
  assert.deepEqual(
    parseText(d, "Energy.Active.Import.Register , Power.Active.Import"),
    ok("Energy.Active.Import.Register,Power.Active.Import"),
  );
  assert.deepEqual(parseText(d, "Frequency"), bad('unsupported item "Frequency"'));
  assert.deepEqual(
    parseText(d, "Current.Import,Voltage,Voltage.L2"),
    ok("Current.Import,Voltage,Voltage.L2"),
  );
  assert.deepEqual(parseText(d, "Voltage.L4"), bad('unsupported item "Voltage.L4"'));
  assert.deepEqual(parseText(d, "Power.Active.Import,"), bad('unsupported item ""'));
  assert.deepEqual(
    parseText(d, Array(5).fill("Power.Active.Import").join(",")),
    bad("must have at most 4 items"),
  );
  assert.deepEqual(parseText(def("StopTxnSampledData"), ""), ok(""));
});

Deno.test("parseText() checks ConnectorPhaseRotation items", () => {
  const d = def("ConnectorPhaseRotation");
  assert.deepEqual(parseText(d, "0.RST, 1.NotApplicable"), ok("0.RST,1.NotApplicable"));
  assert.deepEqual(
    parseText(d, "1.XYZ"),
    bad("each item must be <connectorId>.<rotation> (e.g. 1.RST)"),
  );
});

Deno.test("parseJson() requires the JSON type of the kind", () => {
  assert.deepEqual(parseJson(def("LocalAuthorizeOffline"), false), ok(false));
  assert.deepEqual(parseJson(def("LocalAuthorizeOffline"), "false"), bad("must be a boolean"));
  assert.deepEqual(parseJson(def("HeartbeatInterval"), 60), ok(60));
  assert.deepEqual(parseJson(def("HeartbeatInterval"), "60"), bad("must be an integer"));
  assert.deepEqual(parseJson(def("HeartbeatInterval"), 1.5), bad("must be an integer"));
  assert.deepEqual(parseJson(def("HeartbeatInterval"), -5), bad("must be >= 0"));
  assert.deepEqual(parseJson(def("WebSocketProxy"), 8080), bad("must be a string"));
  assert.deepEqual(parseJson(def("WebSocketProxy"), null), bad("must be a string"));
  assert.deepEqual(
    parseJson(def("MeterValuesSampledData"), "Power.Active.Import, Energy.Active.Import.Register"),
    ok("Power.Active.Import,Energy.Active.Import.Register"),
  );
});

Deno.test("parseJson() accepts only ws:// and wss:// backend URLs", () => {
  const d = def("CentralSystemUrl");
  for (const url of ["", "ws://cs.example.com/ocpp", "wss://cs.example.com:8443/ocppj/"]) {
    assert.deepEqual(parseJson(d, url), ok(url), url);
  }
  for (const url of ["http://cs.example.com/", "cs.example.com", "ws://"]) {
    assert.deepEqual(parseJson(d, url), bad("must be a ws:// or wss:// URL"), url);
  }
  assert.deepEqual(parseJson(d, "ws://cs/ocpp?x=1"), bad("must not have a query or fragment"));
  assert.deepEqual(parseJson(d, "ws://cs/ocpp#a"), bad("must not have a query or fragment"));
});

Deno.test("parseJson() accepts a proxy as HOST or HOST:PORT", () => {
  const d = def("WebSocketProxy");
  for (const p of ["", "proxy", "proxy.example.com:3128", "10.0.0.1:8080", "[fe80::1]:8080"]) {
    assert.deepEqual(parseJson(d, p), ok(p), p);
  }
  for (const p of ["http://proxy:8080", "proxy:", "proxy:abc", "proxy:123456", "a b"]) {
    assert.deepEqual(parseJson(d, p), bad("must be HOST or HOST:PORT"), p);
  }
  assert.deepEqual(parseJson(d, "proxy:0"), bad("port must be 1-65535"));
  assert.deepEqual(parseJson(d, "proxy:65536"), bad("port must be 1-65535"));
  assert.deepEqual(parseJson(d, "proxy:65535"), ok("proxy:65535"));
});

Deno.test("parseJson() checks the Charge Point identity", () => {
  const d = def("ChargePointId");
  assert.deepEqual(parseJson(d, "CP001"), ok("CP001"));
  assert.deepEqual(parseJson(d, "x".repeat(48)), ok("x".repeat(48)));
  assert.deepEqual(parseJson(d, "x".repeat(49)), bad("must be at most 48 characters"));
  assert.deepEqual(parseJson(d, ""), bad("must not be empty"));
  for (const id of ["RDAM 123", "a/b", "a?b", "a#b", "user:name"]) {
    assert.deepEqual(parseJson(d, id), bad("must not contain spaces, '/', '?', '#' or ':'"), id);
  }
});

Deno.test("parseJson() checks the serial number: no URL or IP address (A00.FR.511)", () => {
  const d = def("ChargePointSerialNumber");
  for (const v of ["", "OW-2026-000417", "12345678", "SN.1.2"]) {
    assert.deepEqual(parseJson(d, v), ok(v));
  }
  const reason = "must not be a URL or an IP address (Security Whitepaper A00.FR.511)";
  for (const v of ["https://cp.example", "192.168.1.20", "fe80::1", "::1"]) {
    assert.deepEqual(parseJson(d, v), bad(reason), v);
  }
  assert.deepEqual(parseJson(d, "SN 1"), bad("must be printable ASCII without spaces"));
  assert.deepEqual(parseJson(d, "x".repeat(26)), bad("must be at most 25 characters"));
});

Deno.test("parseText() checks AuthorizationKey per the Security Whitepaper (A00.FR.205)", () => {
  const d = def("AuthorizationKey");
  const reason = "must be 16-40 printable ASCII characters";
  assert.deepEqual(parseText(d, ""), ok(""));
  assert.deepEqual(parseText(d, "0123456789abcdef"), ok("0123456789abcdef"));
  assert.deepEqual(parseText(d, "f".repeat(40)), ok("f".repeat(40)));
  assert.deepEqual(parseText(d, "correct horse battery"), ok("correct horse battery"));
  assert.deepEqual(parseText(d, "0123456789abcde"), bad(reason));
  assert.deepEqual(parseText(d, "f".repeat(41)), bad("must be at most 40 characters"));
  assert.deepEqual(parseText(d, "pässwörd-pässwörd"), bad(reason));
  assert.deepEqual(parseText(d, "0123456789abcdef\n"), bad(reason));
});

Deno.test("toText() writes values as OCPP text", () => {
  assert.equal(toText(true), "true");
  assert.equal(toText(300), "300");
  assert.equal(toText("a,b"), "a,b");
});

Deno.test("viewOf() reads values by kind, with defaults for missing keys", () => {
  const view = viewOf(
    new Map<string, Value>([["HeartbeatInterval", 60], ["LocalAuthorizeOffline", false]]),
  );
  assert.equal(view.int("HeartbeatInterval"), 60);
  assert.equal(view.int("MeterValueSampleInterval"), 60);
  assert.equal(view.int("GetConfigurationMaxKeys"), 100);
  assert.equal(view.bool("LocalAuthorizeOffline"), false);
  assert.equal(view.bool("AuthorizationCacheEnabled"), true);
  assert.equal(view.str("BackendConnectionType"), "none");
  assert.equal(view.str("MeterValuesSampledData"), "Energy.Active.Import.Register");
});

Deno.test("viewOf() reads are typed by the registry's keys; an unknown key or the wrong kind does not compile, and throws TypeError", () => {
  const view = viewOf(new Map());
  const interval: number = view.int("HeartbeatInterval");
  assert.equal(interval, 86400);
  // @ts-expect-error: not a key of the registry
  assert.throws(() => view.int("Testing"), {
    name: "TypeError",
    message: /^Cannot read config key Testing: /,
  });
  // @ts-expect-error: a boolean key read as an integer
  assert.throws(() => view.int("LocalAuthorizeOffline"), TypeError);
  // @ts-expect-error: an integer key read as a boolean
  assert.throws(() => view.bool("HeartbeatInterval"), TypeError);
  // @ts-expect-error: an integer key read as a string
  assert.throws(() => view.str("HeartbeatInterval"), TypeError);
  // Registry-driven readers (GetConfiguration) read any key through AnyConfigView.
  const any: AnyConfigView = view;
  assert.equal(any.int("HeartbeatInterval"), 86400);
});

Deno.test("inoperativeConnectors() is the one reader of InoperativeConnectors; operativeIn() applies connector 0 to all", () => {
  const view = (v: string) => viewOf(new Map([["InoperativeConnectors", v]]));
  assert.deepEqual(inoperativeConnectors(view("")), []);
  assert.deepEqual(inoperativeConnectors(view("1,3")), [1, 3]);
  assert.equal(operativeIn([1, 3], 2), true);
  assert.equal(operativeIn([1, 3], 3), false);
  assert.equal(operativeIn([0], 2), false);
});
