/**
 * The local API under hostile input (issue 16): parallel token guessing by
 * login and by Bearer header, simulated-hardware requests the station
 * refuses, and bodies with fields or characters that do not belong.
 */
import assert from "node:assert/strict";
import { FakeClock } from "../actors/clock.ts";
import { SimStation } from "../drivers/sim_station.ts";
import { createApi } from "./api.ts";
import { fakeRuntime } from "./_testing.ts";

const TOKEN = "hostile-test-token-0123456789";
const BASE = "http://wallbox.local:8080";

function rig(opts: { web?: boolean; station?: SimStation } = {}) {
  const fake = fakeRuntime();
  const runtime = opts.station ? { ...fake, sim: opts.station } : fake;
  const logged: string[] = [];
  let now = Date.UTC(2026, 0, 1);
  const app = createApi(runtime, {
    token: TOKEN,
    ...(opts.web ? { web: { now: () => now } } : { authLimit: { now: () => now } }),
    log: (_level, text) => logged.push(text),
  });
  const request = (
    method: string,
    path: string,
    o: { body?: unknown; headers?: Record<string, string>; from?: string } = {},
  ) =>
    Promise.resolve(app.request(`${BASE}${path}`, {
      method,
      headers: { "Content-Type": "application/json", ...o.headers },
      ...(o.body !== undefined
        ? { body: typeof o.body === "string" ? o.body : JSON.stringify(o.body) }
        : {}),
    }, { remoteAddr: { hostname: o.from ?? "10.0.0.7", port: 50000, transport: "tcp" } }));
  return { request, logged, advance: (ms: number) => now += ms };
}

const bearer = (t: string) => ({ Authorization: `Bearer ${t}` });

async function statuses(responses: Promise<Response>[]): Promise<Record<number, number>> {
  const out: Record<number, number> = {};
  for (const r of await Promise.all(responses)) {
    out[r.status] = (out[r.status] ?? 0) + 1;
    await r.body?.cancel();
  }
  return out;
}

Deno.test("40 parallel wrong logins from one address: at most 5 are checked, the rest get 429", async () => {
  const r = rig({ web: true });
  const got = await statuses(
    Array.from(
      { length: 40 },
      (_, i) => r.request("POST", "/login", { body: { token: `wrong-${i}` } }),
    ),
  );
  assert.deepEqual(got, { 401: 5, 429: 35 });
  const right = await r.request("POST", "/login", { body: { token: TOKEN } });
  assert.equal(right.status, 429);
});

Deno.test("Bearer guessing has the login's limit: 5 wrong tokens, then 429 even for the right one", async () => {
  const r = rig();
  const got = await statuses(
    Array.from(
      { length: 50 },
      (_, i) => r.request("GET", "/api/status", { headers: bearer(`guess-${i}`) }),
    ),
  );
  assert.deepEqual(got, { 401: 5, 429: 45 });
  const right = await r.request("GET", "/api/status", { headers: bearer(TOKEN) });
  assert.equal(right.status, 429);
  assert.match(right.headers.get("Retry-After") ?? "", /^[1-9]\d*$/);
  assert.match((await right.json()).error, /^Too many failed token attempts/);
  // Another address is not affected; the limited one may try again after the window.
  assert.equal(
    (await r.request("GET", "/api/status", { headers: bearer(TOKEN), from: "10.0.0.8" })).status,
    200,
  );
  r.advance(60_000);
  assert.equal((await r.request("GET", "/api/status", { headers: bearer(TOKEN) })).status, 200);
  // Right tokens never count: many requests in a row all pass.
  const ok = await statuses(
    Array.from({ length: 20 }, () => r.request("GET", "/api/status", { headers: bearer(TOKEN) })),
  );
  assert.deepEqual(ok, { 200: 20 });
});

Deno.test("the login form and the Bearer header share one limit", async () => {
  const r = rig({ web: true });
  for (let i = 0; i < 3; i++) {
    await (await r.request("GET", "/api/status", { headers: bearer(`guess-${i}`) })).body?.cancel();
  }
  for (let i = 0; i < 2; i++) {
    await (await r.request("POST", "/login", { body: { token: `wrong-${i}` } })).body?.cancel();
  }
  assert.equal((await r.request("POST", "/login", { body: { token: TOKEN } })).status, 429);
  assert.equal((await r.request("GET", "/api/status", { headers: bearer(TOKEN) })).status, 429);
});

Deno.test("POST /api/sim/connectors/1/ev without a cable is a 409 with the reason, not a 500", async () => {
  const station = new SimStation(new FakeClock(), { connectors: 1 });
  const r = rig({ station });
  const res = await r.request("POST", "/api/sim/connectors/1/ev", {
    headers: bearer(TOKEN),
    body: { charging: true },
  });
  assert.equal(res.status, 409);
  assert.match((await res.json()).error, /no EV plugged in/);
  // Plugged in, the same request works.
  assert.equal(
    (await r.request("POST", "/api/sim/connectors/1/plug", { headers: bearer(TOKEN) })).status,
    202,
  );
  assert.equal(
    (await r.request("POST", "/api/sim/connectors/1/ev", {
      headers: bearer(TOKEN),
      body: { charging: false },
    })).status,
    202,
  );
  assert.deepEqual(r.logged, []);
});

Deno.test("/api/sim/rfid and /ev refuse unknown fields and idTags with control characters", async () => {
  const r = rig();
  const refused = async (path: string, body: unknown, re: RegExp) => {
    const res = await r.request("POST", path, { headers: bearer(TOKEN), body });
    assert.equal(res.status, 400, JSON.stringify(body));
    assert.match((await res.json()).error, re);
  };
  await refused("/api/sim/rfid", { idTag: "04A2B3C4", connector: 2 }, /"connector" is not a known/);
  await refused("/api/sim/connectors/1/ev", { charging: true, powerW: 5 }, /"powerW" is not/);
  await refused("/api/sim/rfid", { idTag: "04A2\nB3C4" }, /control characters/);
  await refused("/api/sim/rfid", { idTag: "\u0000" }, /control characters/);
  await refused("/api/sim/rfid", { idTag: "ab\u0085" }, /control characters/);
});

Deno.test("an unexpected failure of a route is a generic 500 and is logged", async () => {
  const fake = fakeRuntime();
  const logged: string[] = [];
  const app = createApi({
    ...fake,
    status: () => {
      throw new Error("disk on fire");
    },
  }, { token: TOKEN, log: (_l, t) => logged.push(t) });
  const res = await app.request("/api/status", { headers: bearer(TOKEN) });
  assert.equal(res.status, 500);
  assert.deepEqual(await res.json(), { error: "Internal server error" });
  assert.equal(logged.length, 1);
  assert.match(logged[0]!, /^Local API: GET \/api\/status failed: Error: disk on fire/);
});
