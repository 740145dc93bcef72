/**
 * Tests of the whitelist routes with `app.request`, over the real
 * authorization actor on a bus (no store): list, add, replace, remove, the
 * read-only OCPP list, and invalid input answered 400 with every reason and
 * nothing changed.
 */
import assert from "node:assert/strict";
import { Hono } from "hono";
import { Bus } from "../actors/bus.ts";
import { FakeClock } from "../actors/clock.ts";
import type { BusMessage } from "../actors/messages.ts";
import { authorizationActor } from "../actors/authorization.ts";
import { viewOf } from "../config/registry.ts";
import { whitelistAccess } from "../runtime/auth_store.ts";
import { registerWhitelistRoutes, WHITELIST_MAX } from "./whitelist.ts";

function setup() {
  const config = viewOf(new Map([["AuthorizationMode", "local"], ["WhitelistSource", "local"]]));
  const bus = new Bus({ clock: new FakeClock(), config: () => config });
  const seen: BusMessage[] = [];
  bus.inspect((m) => seen.push(m));
  bus.spawn(authorizationActor);
  const app = new Hono();
  registerWhitelistRoutes(app, whitelistAccess({ bus: () => bus, config: () => config }));
  const send = (method: string, path: string, body?: unknown) =>
    app.request(path, {
      method,
      ...(body === undefined
        ? {}
        : { body: typeof body === "string" ? body : JSON.stringify(body) }),
    });
  /** Whether the authorization actor lets `idTag` start now. */
  const accepts = (idTag: string) => {
    bus.publish({ type: "auth.request", idTag, connectorId: 1, purpose: "start" });
    const r = seen.findLast((m) => m.type === "auth.result");
    return r?.type === "auth.result" && r.info.status === "Accepted";
  };
  return { send, accepts };
}

async function json(res: Response | Promise<Response>, status: number): Promise<unknown> {
  const r = await res;
  assert.equal(r.status, status, await r.clone().text());
  return r.status === 204 ? null : await r.json();
}

Deno.test("GET /api/whitelist lists the source and the entries", async () => {
  const { send } = setup();
  assert.deepEqual(await json(send("GET", "/api/whitelist"), 200), {
    source: "local",
    entries: [],
  });
});

Deno.test("POST /api/whitelist adds an entry (expiry in UTC, empty name dropped) and it authorizes", async () => {
  const { send, accepts } = setup();
  assert.equal(accepts("04A2B3C4"), false);
  const entry = await json(
    send("POST", "/api/whitelist", {
      idTag: "04A2B3C4",
      name: "",
      expiry: "2999-12-31T23:59:59+01:00",
    }),
    201,
  );
  assert.deepEqual(entry, { idTag: "04A2B3C4", expiry: "2999-12-31T22:59:59.000Z" });
  assert.equal(accepts("04a2b3c4"), true, "idTags are case-insensitive");
  await json(send("POST", "/api/whitelist", { idTag: "04a2b3c4" }), 409);
  await json(send("POST", "/api/whitelist", { idTag: "OLD", expiry: "2000-01-01T00:00:00Z" }), 201);
  assert.equal(accepts("OLD"), false, "an expired entry refuses");
});

Deno.test("POST /api/whitelist refuses invalid entries with every reason, changing nothing", async () => {
  const { send } = setup();
  const body = await json(
    send("POST", "/api/whitelist", { idTag: " x", name: 5, expiry: "tomorrow", card: 1 }),
    400,
  ) as { error: string; fields: { field: string; reason: string }[] };
  assert.equal(body.error, "Invalid whitelist");
  assert.deepEqual(body.fields.map((f) => f.field), ["card", "idTag", "name", "expiry"]);
  const bad: unknown[] = [
    { idTag: "" },
    { idTag: "X".repeat(21) },
    { idTag: "caf\u00e9" },
    { idTag: "A", name: "x".repeat(51) },
    { idTag: "A", name: "tab\there" },
    { idTag: "A", expiry: "2030-12-31" },
    { idTag: "A", expiry: "2030-13-45T00:00:00Z" },
    [],
    "text",
  ];
  for (const b of bad) await json(send("POST", "/api/whitelist", b), 400);
  await json(send("POST", "/api/whitelist", "{not json"), 400);
  assert.deepEqual(await json(send("GET", "/api/whitelist"), 200), {
    source: "local",
    entries: [],
  });
});

Deno.test("PUT /api/whitelist replaces the list; an invalid list is refused whole", async () => {
  const { send, accepts } = setup();
  await json(send("POST", "/api/whitelist", { idTag: "KEEP" }), 201);
  const bad = await json(
    send("PUT", "/api/whitelist", {
      entries: [{ idTag: "A" }, { idTag: "a" }, { idTag: "B", expiry: 7 }],
    }),
    400,
  ) as { fields: { field: string }[] };
  assert.deepEqual(bad.fields.map((f) => f.field), ["entries[1].idTag", "entries[2].expiry"]);
  await json(send("PUT", "/api/whitelist", [{ idTag: "A" }]), 400);
  await json(send("PUT", "/api/whitelist", { entries: [], extra: true }), 400);
  const many = Array.from({ length: WHITELIST_MAX + 1 }, (_, i) => ({ idTag: `T${i}` }));
  await json(send("PUT", "/api/whitelist", { entries: many }), 400);
  assert.equal(accepts("KEEP"), true, "nothing changed");
  const replaced = await json(
    send("PUT", "/api/whitelist", { entries: [{ idTag: "A", name: "Anna" }, { idTag: "B" }] }),
    200,
  );
  assert.deepEqual(replaced, {
    source: "local",
    entries: [{ idTag: "A", name: "Anna" }, { idTag: "B" }],
  });
  assert.equal(accepts("KEEP"), false);
  assert.equal(accepts("B"), true);
});

Deno.test("DELETE /api/whitelist/:idTag removes an entry (any case, URL-encoded); 404 when absent", async () => {
  const { send, accepts } = setup();
  await json(send("PUT", "/api/whitelist", { entries: [{ idTag: "A B" }, { idTag: "C" }] }), 200);
  await json(send("DELETE", `/api/whitelist/${encodeURIComponent("a b")}`), 204);
  assert.equal(accepts("A B"), false);
  await json(send("DELETE", "/api/whitelist/A%20B"), 404);
  assert.deepEqual(await json(send("GET", "/api/whitelist"), 200), {
    source: "local",
    entries: [{ idTag: "C" }],
  });
});

Deno.test("GET /api/whitelist/ocpp shows the Central System's list read-only", async () => {
  const { send } = setup();
  assert.deepEqual(await json(send("GET", "/api/whitelist/ocpp"), 200), {
    managed: false,
    version: -1,
    entries: [],
  });
  assert.equal((await send("PUT", "/api/whitelist/ocpp", { entries: [] })).status, 404);
});

Deno.test("PUT /api/whitelist refuses days that do not exist (2030-02-30, April 31), naming the field", async () => {
  const { send } = setup();
  for (const expiry of ["2030-02-30T00:00:00Z", "2030-04-31T12:00:00+02:00"]) {
    const body = await json(
      send("PUT", "/api/whitelist", { entries: [{ idTag: "A" }, { idTag: "B", expiry }] }),
      400,
    ) as { fields: { field: string; reason: string }[] };
    assert.deepEqual(body.fields.map((f) => f.field), ["entries[1].expiry"], expiry);
  }
  await json(send("POST", "/api/whitelist", { idTag: "C", expiry: "2030-02-29T00:00:00Z" }), 400);
  assert.deepEqual(await json(send("GET", "/api/whitelist"), 200), {
    source: "local",
    entries: [],
  });
});
