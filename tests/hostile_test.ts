/**
 * Hostile input from the Central System against the whole runtime over
 * loopback (issue 16): string limits of the official OCPP 1.6 schemas and
 * secrets in the debug log whatever their JSON encoding.
 */
import assert from "node:assert/strict";
import { createApi } from "../api/api.ts";
import { type Rig, startRig } from "./harness.ts";

/** Sends a raw frame and returns the answer frame to `id`. */
async function rawCall(rig: Rig, id: string, text: string): Promise<unknown[]> {
  const { csms } = rig;
  const from = csms.frames.length;
  await csms.sendRaw(text);
  let answer: unknown[] | undefined;
  await csms.until(() => {
    answer = csms.frames.slice(from).filter((f) => !f.out).map((f) => JSON.parse(f.text))
      .find((x) => (x[0] === 3 || x[0] === 4) && x[1] === id);
    return answer !== undefined;
  }, `the answer to ${id}`);
  return answer!;
}

Deno.test("ChangeConfiguration with a value over CiString500 is a CALLERROR, 500 characters are not", async () => {
  await using rig = await startRig();
  const long = JSON.stringify([2, "cc-501", "ChangeConfiguration", {
    key: "MeterValuesSampledData",
    value: "Energy.Active.Import.Register,".repeat(17).slice(0, 501),
  }]);
  const answer = await rawCall(rig, "cc-501", long);
  assert.equal(answer[0], 4);
  assert.equal(answer[2], "PropertyConstraintViolation");
  assert.match(String(answer[3]), /value must be at most 500 characters/);
  const ok = JSON.stringify([2, "cc-500", "ChangeConfiguration", {
    key: "MeterValuesSampledData",
    value: "x".repeat(500),
  }]);
  const fine = await rawCall(rig, "cc-500", ok);
  assert.equal(fine[0], 3); // a CALLRESULT (Rejected: not a measurand), not a CALLERROR
});

Deno.test("the debug log never shows an AuthorizationKey sent with a JSON escape in its name", async () => {
  await using rig = await startRig();
  // Schema-invalid: an extra field between key and value (FormationViolation).
  const other = "fedcba9876543210fedc";
  const extra =
    `[2,"key-2","ChangeConfiguration",{"key":"AuthorizationKey","x":1,"value":"${other}"}]`;
  assert.equal((await rawCall(rig, "key-2", extra))[0], 4);
  // The key's name written with a JSON escape: Accepted (then the Charge Point reconnects).
  const secret = "0123456789abcdef0123";
  const escaped =
    `[2,"key-1","ChangeConfiguration",{"key":"Authorization\\u004bey","value":"${secret}"}]`;
  const answer = await rawCall(rig, "key-1", escaped);
  assert.deepEqual(answer, [3, "key-1", { status: "Accepted" }]);
  assert.equal(rig.store.get("AuthorizationKey"), secret);
  const received = rig.logs.filter((l) => l.startsWith("debug < "));
  assert.ok(received.some((l) => l.includes('"key-1"')), "the frame is logged, masked");
  for (const line of rig.logs) {
    assert.ok(!line.includes(secret) && !line.includes(other), line);
  }
});

Deno.test("no route of the local API answers 500 to a request a user can make", async () => {
  await using rig = await startRig();
  const token = "hostile-api-token-0123456789";
  const app = createApi(rig.cp, { token, web: { dataDir: rig.dataDir } });
  const deep = "[".repeat(5000) + "]".repeat(5000);
  const bodies: (string | undefined)[] = [
    undefined,
    "",
    "{",
    "null",
    "[]",
    "5",
    '"x"',
    "{}",
    deep,
    '{"charging":"yes"}',
    '{"charging":true,"x":1}',
    '{"idTag":""}',
    '{"idTag":"\\u0000"}',
    '{"idTag":"A","expiry":"2030-02-30T00:00:00Z"}',
    '{"entries":null}',
    '{"entries":[{}]}',
    '{"entries":[{"idTag":"A","expiry":"2030-04-31T00:00:00Z"}]}',
    '{"backendUrl":5}',
    '{"chargePointId":"x y"}',
    '{"__proto__":{"polluted":1},"constructor":{"prototype":{}}}',
    '{"token":{"length":1e9}}',
    JSON.stringify({ idTag: "\u{1F50C}".repeat(30) }),
  ];
  const routes: [string, string][] = [
    ["GET", "/api/status"],
    ["GET", "/api/settings"],
    ["PATCH", "/api/settings"],
    ["POST", "/api/sim/connectors/1/plug"],
    ["POST", "/api/sim/connectors/1/unplug"],
    ["POST", "/api/sim/connectors/1/ev"],
    ["POST", "/api/sim/connectors/0/ev"],
    ["POST", "/api/sim/connectors/99999999999/plug"],
    ["POST", "/api/sim/connectors/abc/plug"],
    ["POST", "/api/sim/rfid"],
    ["GET", "/api/whitelist"],
    ["PUT", "/api/whitelist"],
    ["POST", "/api/whitelist"],
    ["DELETE", "/api/whitelist/A"],
    ["DELETE", "/api/whitelist/%ZZ"],
    ["DELETE", "/api/whitelist/%00"],
    ["GET", "/api/whitelist/ocpp"],
    ["POST", "/api/storage/clear-safe-mode"],
    ["POST", "/api/certs/ca"],
    ["POST", "/api/certs/nope"],
    ["GET", "/api/session"],
    ["POST", "/login"],
    ["POST", "/logout"],
    ["GET", "/assets/..%2f..%2fmain.ts"],
    ["GET", "/api/nope"],
  ];
  const seen: string[] = [];
  for (const [method, path] of routes) {
    for (const body of bodies) {
      for (const type of ["application/json", "text/plain"]) {
        const res = await app.request(`http://127.0.0.1${path}`, {
          method,
          headers: { Authorization: `Bearer ${token}`, "Content-Type": type },
          ...(body !== undefined && method !== "GET" ? { body } : {}),
        }, { remoteAddr: { hostname: "127.0.0.1", port: 1, transport: "tcp" } });
        await res.body?.cancel();
        if (res.status >= 500) seen.push(`${method} ${path} ${body?.slice(0, 40)}: ${res.status}`);
      }
    }
  }
  assert.deepEqual(seen, []);
});
