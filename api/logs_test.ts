import assert from "node:assert/strict";
import { createApi } from "./api.ts";
import { fakeRuntime } from "./_testing.ts";
import { LogFile } from "../runtime/log_file.ts";

const TOKEN = "test-token-0123456789abcdef";
const AUTH = { Authorization: `Bearer ${TOKEN}` };

Deno.test("GET /api/logs?limit=N returns the device log's last N entries, behind the token", async () => {
  const dir = await Deno.makeTempDir({ prefix: "api-logs-" });
  try {
    const logs = new LogFile({ dir, now: () => Date.parse("2026-12-01T10:00:00Z") });
    for (let i = 0; i < 5; i++) logs.log("info", `entry ${i}`);
    logs.log("warn", "password hidden: AuthorizationKey");
    const app = createApi(fakeRuntime(), { token: TOKEN, logs });
    assert.equal((await app.request("/api/logs")).status, 401);
    const res = await app.request("/api/logs?limit=2", { headers: AUTH });
    assert.equal(res.status, 200);
    assert.deepEqual(await res.json(), {
      lines: [
        { time: "2026-12-01T10:00:00.000Z", level: "info", text: "entry 4" },
        {
          time: "2026-12-01T10:00:00.000Z",
          level: "warn",
          text: "password hidden: AuthorizationKey",
        },
      ],
    });
    assert.equal(
      (await (await app.request("/api/logs", { headers: AUTH })).json()).lines.length,
      6,
    );
    for (const bad of ["0", "-1", "abc", "5001", "1.5"]) {
      const r = await app.request(`/api/logs?limit=${bad}`, { headers: AUTH });
      assert.equal(r.status, 400, bad);
      assert.match((await r.json()).error, /limit must be an integer from 1 to 5000/);
    }
    logs.close();
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("GET /api/logs is absent without a device log", async () => {
  const app = createApi(fakeRuntime(), { token: TOKEN });
  assert.equal((await app.request("/api/logs", { headers: AUTH })).status, 404);
});
