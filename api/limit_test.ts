import assert from "node:assert/strict";
import type { LocalLimit } from "../actors/composite_schedule.ts";
import { createApi } from "./api.ts";
import { fakeRuntime } from "./_testing.ts";
import { parseLimit } from "./limit.ts";

const TOKEN = "t".repeat(32);
const auth = { Authorization: `Bearer ${TOKEN}`, "Content-Type": "application/json" };

Deno.test("parseLimit() takes currentA and an optional ISO until, and names each bad field", () => {
  assert.deepEqual(parseLimit({ currentA: 10 }), { currentA: 10 });
  assert.deepEqual(parseLimit({ currentA: 0, until: "2026-05-01T10:00:00Z" }), {
    currentA: 0,
    until: Date.parse("2026-05-01T10:00:00Z"),
  });
  assert.deepEqual(parseLimit({ currentA: -1, until: "tomorrow", colour: 1 }), {
    fields: [
      { field: "colour", reason: "is unknown" },
      { field: "currentA", reason: "must be a number of A from 0 to 80" },
      { field: "until", reason: "must be an ISO 8601 time" },
    ],
  });
  assert.deepEqual(parseLimit([]), {
    fields: [{ field: "(body)", reason: 'must be an object { "currentA": n }' }],
  });
  assert.ok("fields" in parseLimit({ currentA: "10" }));
  assert.ok("fields" in parseLimit({ currentA: 81 }));
});

Deno.test("PUT/GET/DELETE /api/limit set, show and remove the external limit; bad input changes nothing", async () => {
  let current: LocalLimit | null = null;
  const app = createApi({
    ...fakeRuntime(),
    externalLimit: () => current,
    setExternalLimit: (l) => {
      if (l?.until !== undefined && l.until < Date.parse("2026-01-01T00:00:00Z")) {
        throw new RangeError("must be in the future");
      }
      current = l;
    },
  }, { token: TOKEN });
  const req = (method: string, body?: unknown) =>
    app.request("/api/limit", {
      method,
      headers: auth,
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
  assert.deepEqual(await (await req("GET")).json(), { currentA: null });
  let res = await req("PUT", { currentA: 10, until: "2026-06-01T00:00:00.000Z" });
  assert.equal(res.status, 200);
  assert.deepEqual(await res.json(), { currentA: 10, until: "2026-06-01T00:00:00.000Z" });
  res = await req("PUT", { currentA: "lots" });
  assert.equal(res.status, 400);
  assert.deepEqual((await res.json()).fields, [{
    field: "currentA",
    reason: "must be a number of A from 0 to 80",
  }]);
  res = await req("PUT", { currentA: 6, until: "2020-01-01T00:00:00Z" });
  assert.equal(res.status, 400);
  assert.deepEqual((await res.json()).fields, [{
    field: "until",
    reason: "must be in the future",
  }]);
  assert.deepEqual(await (await req("GET")).json(), {
    currentA: 10,
    until: "2026-06-01T00:00:00.000Z",
  });
  assert.deepEqual(await (await req("DELETE")).json(), { currentA: null });
  assert.equal(current, null);
  const noAuth = await app.request("/api/limit", { method: "DELETE" });
  assert.equal(noAuth.status, 401);
});
