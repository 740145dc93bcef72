import assert from "node:assert/strict";
import type { Value } from "../config/registry.ts";
import { SettingsError } from "../config/store.ts";
import type { RuntimeHandle, SimControls, StatusView } from "../runtime/handle.ts";
import { createApi, MAX_BODY_BYTES } from "./api.ts";
import { BACKEND_DETAILS, OK_DURABILITY } from "./_testing.ts";

const TOKEN = "test-token-0123456789abcdef";
const AUTH = { Authorization: `Bearer ${TOKEN}` };
const PASSWORD = "s3cret-Passw0rd";

const STATUS: StatusView = {
  backend: {
    ...BACKEND_DETAILS,
    state: "disabled",
    since: "2024-01-01T00:00:00.000Z",
    reason: null,
  },
  connectors: [{
    id: 1,
    status: "Available",
    errorCode: "NoError",
    evState: "A",
    transactionId: null,
    idTag: null,
    startedAt: null,
    energyWh: null,
    meterWh: 1234,
    powerW: 0,
    phases: null,
    reservation: null,
    limitA: 32,
    limitSource: "installer",
    lastAuthorization: null,
  }],
  durability: OK_DURABILITY,
};

interface Fake {
  readonly runtime: RuntimeHandle;
  /** Every call on the runtime and its sim controls, in order. */
  readonly calls: unknown[][];
  /** Inputs `updateSettings` accepted. */
  readonly applied: unknown[];
}

/**
 * A runtime that records calls. `updateSettings` rejects any input with a
 * `bad` field, the way the real store names each invalid field, and any
 * `backendPassword` longer than 40 characters.
 */
function fakeRuntime(opts: { sim?: boolean; connectorCount?: number; fail?: boolean } = {}): Fake {
  const calls: unknown[][] = [];
  const applied: unknown[] = [];
  const settings: Record<string, Value> = { chargePointId: "wallbox-1", backendPasswordSet: false };
  const sim: SimControls = {
    plug: (id) => void calls.push(["plug", id]),
    unplug: (id) => void calls.push(["unplug", id]),
    tap: (idTag) => void calls.push(["tap", idTag]),
    setEvCharging: (id, charging) => void calls.push(["setEvCharging", id, charging]),
  };
  const runtime: RuntimeHandle = {
    connectorCount: opts.connectorCount ?? 2,
    status: () => {
      if (opts.fail) throw new Error(`disk failure at /data with ${PASSWORD}`);
      return STATUS;
    },
    settings: () => ({ ...settings }),
    clearSafeMode: () => {
      calls.push(["clearSafeMode"]);
      return Promise.resolve();
    },
    updateSettings: (input) => {
      calls.push(["updateSettings", input]);
      const errors = [];
      const body = input as Record<string, unknown>;
      if ("bad" in body) errors.push({ field: "bad", reason: "is not a known setting" });
      if (typeof body.backendPassword === "string" && body.backendPassword.length > 40) {
        errors.push({ field: "backendPassword", reason: "must be at most 40 characters" });
      }
      if (body.echo === true) {
        // A careless validator that quotes the submitted value.
        errors.push({ field: "backendPassword", reason: `${body.backendPassword} is weak` });
      }
      if (errors.length) return Promise.reject(new SettingsError(errors));
      applied.push(input);
      for (const [k, v] of Object.entries(body)) {
        if (k === "backendPassword") settings.backendPasswordSet = v !== "";
        else settings[k] = v as Value;
      }
      return Promise.resolve();
    },
    ...(opts.sim === false ? {} : { sim }),
  };
  return { runtime, calls, applied };
}

function request(
  fake: Fake,
  method: string,
  path: string,
  body?: unknown,
  headers: Record<string, string> = AUTH,
): Promise<Response> {
  const app = createApi(fake.runtime, { token: TOKEN });
  const init: RequestInit = { method, headers: { ...headers } };
  if (body !== undefined) init.body = typeof body === "string" ? body : JSON.stringify(body);
  return Promise.resolve(app.request(`http://localhost${path}`, init));
}

Deno.test("createApi() answers GET /api/health without a token", async () => {
  const res = await request(fakeRuntime(), "GET", "/api/health", undefined, {});
  assert.equal(res.status, 200);
  assert.deepEqual(await res.json(), { ok: true });
});

Deno.test("createApi() rejects a request without a token with 401 JSON", async () => {
  const fake = fakeRuntime();
  for (const path of ["/api/status", "/api/settings", "/api/nope"]) {
    const res = await request(fake, "GET", path, undefined, {});
    assert.equal(res.status, 401, path);
    assert.equal(res.headers.get("WWW-Authenticate"), "Bearer");
    assert.deepEqual(await res.json(), { error: "Missing bearer token" });
  }
});

Deno.test("createApi() rejects a wrong token with 401 and changes nothing", async () => {
  const fake = fakeRuntime();
  for (
    const auth of [`Bearer ${TOKEN}x`, `Bearer ${TOKEN.slice(1)}`, `Basic ${TOKEN}`, TOKEN]
  ) {
    const res = await request(fake, "PATCH", "/api/settings", { chargePointId: "x" }, {
      Authorization: auth,
    });
    assert.equal(res.status, 401, auth);
    assert.match((await res.json()).error, /bearer token/);
  }
  const plug = await request(fake, "POST", "/api/sim/connectors/1/plug", undefined, {
    Authorization: "Bearer wrong",
  });
  assert.equal(plug.status, 401);
  assert.deepEqual(fake.calls, []);
});

Deno.test("createApi() accepts the bearer scheme in any case", async () => {
  const res = await request(fakeRuntime(), "GET", "/api/status", undefined, {
    Authorization: `bearer ${TOKEN}`,
  });
  assert.equal(res.status, 200);
});

Deno.test("createApi() answers GET /api/status with the runtime status", async () => {
  const res = await request(fakeRuntime(), "GET", "/api/status");
  assert.equal(res.status, 200);
  assert.match(res.headers.get("Content-Type") ?? "", /^application\/json/);
  assert.equal(res.headers.get("Cache-Control"), "no-store");
  assert.deepEqual(await res.json(), STATUS);
});

Deno.test("createApi() answers GET /api/settings with the runtime settings", async () => {
  const res = await request(fakeRuntime(), "GET", "/api/settings");
  assert.equal(res.status, 200);
  assert.deepEqual(await res.json(), { chargePointId: "wallbox-1", backendPasswordSet: false });
});

Deno.test("createApi() PATCH /api/settings applies and returns the new settings", async () => {
  const fake = fakeRuntime();
  const body = { chargePointId: "wb-7", backendPassword: PASSWORD };
  const res = await request(fake, "PATCH", "/api/settings", body);
  assert.equal(res.status, 200);
  const text = await res.text();
  assert.deepEqual(JSON.parse(text), { chargePointId: "wb-7", backendPasswordSet: true });
  assert.ok(!text.includes(PASSWORD));
  assert.deepEqual(fake.applied, [body]);
});

Deno.test("createApi() PATCH /api/settings answers 400 with fields and applies nothing", async () => {
  const fake = fakeRuntime();
  const password = PASSWORD.repeat(4); // 60 characters, over the limit
  const res = await request(fake, "PATCH", "/api/settings", {
    chargePointId: "wb-7",
    bad: 1,
    backendPassword: password,
  });
  assert.equal(res.status, 400);
  const text = await res.text();
  assert.deepEqual(JSON.parse(text), {
    error: "Invalid settings",
    fields: [
      { field: "bad", reason: "is not a known setting" },
      { field: "backendPassword", reason: "must be at most 40 characters" },
    ],
  });
  assert.ok(!text.includes(PASSWORD));
  assert.equal(fake.calls.length, 1);
  assert.deepEqual(fake.applied, []);
  const after = await request(fake, "GET", "/api/settings");
  assert.deepEqual(await after.json(), { chargePointId: "wallbox-1", backendPasswordSet: false });
});

Deno.test("createApi() never echoes a submitted password in a field reason", async () => {
  const fake = fakeRuntime();
  const res = await request(fake, "PATCH", "/api/settings", {
    backendPassword: PASSWORD,
    echo: true,
  });
  assert.equal(res.status, 400);
  const text = await res.text();
  assert.ok(!text.includes(PASSWORD), text);
  assert.deepEqual(JSON.parse(text).fields, [{ field: "backendPassword", reason: "is invalid" }]);
});

Deno.test("createApi() PATCH /api/settings rejects a body that is not JSON", async () => {
  const fake = fakeRuntime();
  for (const body of [`{"backendPassword": "${PASSWORD}"`, "", "chargePointId=x"]) {
    const res = await request(fake, "PATCH", "/api/settings", body);
    assert.equal(res.status, 400);
    const text = await res.text();
    assert.match(JSON.parse(text).error, /^Cannot parse request body: /);
    assert.ok(!text.includes(PASSWORD));
  }
  assert.deepEqual(fake.calls, []);
});

Deno.test("createApi() answers 413 to a body over the limit", async () => {
  const fake = fakeRuntime();
  const big = JSON.stringify({ chargePointId: "x".repeat(MAX_BODY_BYTES) });
  const res = await request(fake, "PATCH", "/api/settings", big);
  assert.equal(res.status, 413);
  assert.match((await res.json()).error, /too large/);
  assert.deepEqual(fake.calls, []);
});

Deno.test("createApi() sim routes drive the simulated hardware with 202", async () => {
  const fake = fakeRuntime();
  const cases: [string, unknown][] = [
    ["/api/sim/connectors/1/plug", undefined],
    ["/api/sim/connectors/2/ev", { charging: true }],
    ["/api/sim/rfid", { idTag: "ABCDEFGHIJ0123456789" }],
    ["/api/sim/connectors/2/unplug", undefined],
  ];
  for (const [path, body] of cases) {
    const res = await request(fake, "POST", path, body);
    assert.equal(res.status, 202, path);
    assert.deepEqual(await res.json(), { ok: true });
  }
  assert.deepEqual(fake.calls, [
    ["plug", 1],
    ["setEvCharging", 2, true],
    ["tap", "ABCDEFGHIJ0123456789"],
    ["unplug", 2],
  ]);
});

Deno.test("createApi() sim routes answer 404 to a connector id outside 1..count", async () => {
  const fake = fakeRuntime({ connectorCount: 2 });
  for (const id of ["0", "3", "-1", "1.5", "01", "abc", "1e0", "99999999999"]) {
    const res = await request(fake, "POST", `/api/sim/connectors/${id}/plug`);
    assert.equal(res.status, 404, id);
    assert.match((await res.json()).error, /^Cannot find connector: .*1 to 2/);
  }
  const ev = await request(fake, "POST", "/api/sim/connectors/3/ev", { charging: true });
  assert.equal(ev.status, 404);
  assert.deepEqual(fake.calls, []);
});

Deno.test("createApi() sim routes answer 400 to a bad body", async () => {
  const fake = fakeRuntime();
  const cases: [string, unknown, RegExp][] = [
    ["/api/sim/rfid", {}, /idTag/],
    ["/api/sim/rfid", { idTag: "" }, /1-20 characters/],
    ["/api/sim/rfid", { idTag: "A".repeat(21) }, /1-20 characters/],
    ["/api/sim/rfid", { idTag: 42 }, /idTag/],
    ["/api/sim/rfid", "not json", /not valid JSON/],
    ["/api/sim/connectors/1/ev", { charging: "yes" }, /charging/],
    ["/api/sim/connectors/1/ev", [true], /charging/],
    ["/api/sim/connectors/1/ev", undefined, /body is empty/],
  ];
  for (const [path, body, reason] of cases) {
    const res = await request(fake, "POST", path, body);
    assert.equal(res.status, 400, `${path} ${JSON.stringify(body)}`);
    assert.match((await res.json()).error, reason);
  }
  assert.deepEqual(fake.calls, []);
});

Deno.test("createApi() sim routes answer 404 without simulated hardware", async () => {
  const fake = fakeRuntime({ sim: false });
  const cases: [string, unknown][] = [
    ["/api/sim/connectors/1/plug", undefined],
    ["/api/sim/rfid", { idTag: "A" }],
    // The missing hardware is named before a bad id or body.
    ["/api/sim/connectors/9/unplug", undefined],
    ["/api/sim/connectors/1/ev", "not json"],
  ];
  for (const [path, body] of cases) {
    const res = await request(fake, "POST", path, body);
    assert.equal(res.status, 404, path);
    assert.deepEqual(await res.json(), { error: "no simulated hardware" });
  }
});

Deno.test("createApi() answers unknown routes with 404 JSON", async () => {
  const fake = fakeRuntime();
  for (const [method, path] of [["GET", "/api/nope"], ["DELETE", "/api/status"], ["GET", "/"]]) {
    const res = await request(fake, method!, path!);
    assert.equal(res.status, 404, `${method} ${path}`);
    assert.deepEqual(await res.json(), { error: "Not found" });
  }
});

Deno.test("createApi() hides an unexpected error behind a generic 500", async () => {
  const res = await request(fakeRuntime({ fail: true }), "GET", "/api/status");
  assert.equal(res.status, 500);
  const text = await res.text();
  assert.deepEqual(JSON.parse(text), { error: "Internal server error" });
  assert.ok(!text.includes(PASSWORD) && !text.includes("/data"));
});

Deno.test("createApi() refuses an empty token", () => {
  assert.throws(() => createApi(fakeRuntime().runtime, { token: "" }), TypeError);
});
