import assert from "node:assert/strict";
import type { WhitelistEntry } from "../actors/messages.ts";
import type { WhitelistAccess } from "../runtime/auth_store.ts";
import { createApi, MAX_BODY_BYTES } from "./api.ts";
import { fakeRuntime } from "./_testing.ts";

const TOKEN = "t".repeat(32);
const auth = { Authorization: `Bearer ${TOKEN}` };

function memoryWhitelist(): WhitelistAccess & { list: WhitelistEntry[] } {
  const list: WhitelistEntry[] = [];
  return {
    list,
    source: () => "local",
    entries: () => [...list],
    replace: (entries) => void list.splice(0, list.length, ...entries),
    add: (e) => !list.some((x) => x.idTag === e.idTag) && list.push(e) > 0,
    remove: (idTag) => {
      const i = list.findIndex((x) => x.idTag === idTag);
      return i >= 0 && list.splice(i, 1).length === 1;
    },
    ocppList: () =>
      ({ version: -1, entries: [] }) as unknown as ReturnType<WhitelistAccess["ocppList"]>,
  };
}

Deno.test("createApi() mounts the whitelist routes when the runtime keeps a whitelist", async () => {
  const wl = memoryWhitelist();
  const app = createApi({ ...fakeRuntime(), whitelist: wl }, { token: TOKEN });
  const res = await app.request("/api/whitelist", {
    method: "POST",
    headers: { ...auth, "Content-Type": "application/json" },
    body: JSON.stringify({ idTag: "CARD-1", name: "Anna" }),
  });
  assert.ok(res.status < 300, `status ${res.status}`);
  assert.deepEqual(wl.list.map((e) => e.idTag), ["CARD-1"]);
  const without = createApi(fakeRuntime(), { token: TOKEN });
  assert.equal((await without.request("/api/whitelist", { headers: auth })).status, 404);
});

Deno.test("createApi() takes a whole whitelist larger than the general body limit", async () => {
  const wl = memoryWhitelist();
  const app = createApi({ ...fakeRuntime(), whitelist: wl }, { token: TOKEN });
  const entries = Array.from(
    { length: 3000 },
    (_, i) => ({ idTag: `CARD-${i}`, name: "Fleet car" }),
  );
  const body = JSON.stringify({ entries });
  assert.ok(body.length > MAX_BODY_BYTES);
  const res = await app.request("/api/whitelist", {
    method: "PUT",
    headers: { ...auth, "Content-Type": "application/json" },
    body,
  });
  assert.ok(res.status < 300, `status ${res.status}: ${await res.text()}`);
  assert.equal(wl.list.length, 3000);
  const settings = await app.request("/api/settings", {
    method: "PATCH",
    headers: { ...auth, "Content-Type": "application/json" },
    body: JSON.stringify({ chargePointId: "x".repeat(MAX_BODY_BYTES) }),
  });
  assert.equal(settings.status, 413);
});

Deno.test("POST /api/storage/clear-safe-mode leaves safe mode and answers the durability view", async () => {
  const runtime = fakeRuntime();
  runtime.current = {
    ...runtime.current,
    durability: {
      ...runtime.current.durability,
      state: "safe_mode",
      chargingDisabled: "store damaged",
    },
  };
  const app = createApi(runtime, { token: TOKEN });
  assert.equal((await app.request("/api/storage/clear-safe-mode", { method: "POST" })).status, 401);
  const res = await app.request("/api/storage/clear-safe-mode", { method: "POST", headers: auth });
  assert.equal(res.status, 200);
  assert.equal((await res.json()).state, "ok");
  assert.deepEqual(runtime.simCalls, [["clearSafeMode"]]);
});
