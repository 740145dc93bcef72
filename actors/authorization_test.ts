/**
 * Unit tests of the authorization actor: the modes, the online and offline
 * rules of OCPP 1.6 section 3.5 in {@link decide}, Authorize.req and its
 * answer, the cache (updates, expiry, eviction) and ClearCache.
 */
import assert from "node:assert/strict";
import type { Ctx, Effect } from "./bus.ts";
import type { IdTagInfo } from "./messages.ts";
import { type Value, viewOf } from "../config/registry.ts";
import {
  type AuthorizationMsg,
  type AuthorizationState,
  CACHE_MAX,
  decide,
  initialAuthorization,
  isValid,
  transitionAuthorization,
} from "./authorization.ts";

const T0 = Date.parse("2025-01-01T00:00:00.000Z");
const PAST = "2024-12-31T23:59:59.000Z";
const FUTURE = "2025-01-02T00:00:00.000Z";

function ctx(values: Record<string, Value> = {}): Ctx {
  return { now: T0, config: viewOf(new Map(Object.entries(values))) };
}

function withCache(entries: Record<string, IdTagInfo>): AuthorizationState {
  return {
    ...initialAuthorization(ctx()),
    cache: new Map(Object.entries(entries).map(([k, info]) => [k, { info }])),
  };
}

function run(
  state: AuthorizationState,
  msgs: readonly AuthorizationMsg[],
  c: Ctx = ctx(),
): [AuthorizationState, Effect[]] {
  let effects: Effect[] = [];
  for (const m of msgs) [state, effects] = transitionAuthorization(state, m, c);
  return [state, effects];
}

const request: AuthorizationMsg = {
  type: "auth.request",
  idTag: "TAG",
  connectorId: 1,
  purpose: "start",
};
const result = (info: IdTagInfo, source: string): Effect =>
  ({ type: "auth.result", idTag: "TAG", connectorId: 1, purpose: "start", info, source }) as Effect;
const authorizeCall: Effect = {
  type: "ocpp.call",
  action: "Authorize",
  payload: { idTag: "TAG" },
  ref: "start:1:TAG",
};
const authorizeFailed = (code: "Offline" | "Timeout"): AuthorizationMsg => ({
  type: "ocpp.failed",
  action: "Authorize",
  ref: "start:1:TAG",
  request: { idTag: "TAG" },
  code,
  description: "no answer",
});

Deno.test("isValid() is true only for Accepted entries not past their expiryDate", () => {
  assert.equal(isValid({ status: "Accepted" }, T0), true);
  assert.equal(isValid({ status: "Accepted", expiryDate: FUTURE }, T0), true);
  assert.equal(isValid({ status: "Accepted", expiryDate: PAST }, T0), false);
  assert.equal(isValid({ status: "Blocked" }, T0), false);
  assert.equal(isValid({ status: "ConcurrentTx" }, T0), false);
});

const decisions: [string, Record<string, Value>, Record<string, IdTagInfo>, boolean, unknown][] = [
  ["free mode accepts anyone", { AuthorizationMode: "free" }, {}, true, {
    kind: "answer",
    info: { status: "Accepted" },
    source: "free",
  }],
  [
    "local mode refuses an id not on the whitelist, even online",
    {
      AuthorizationMode: "local",
    },
    { TAG: { status: "Accepted" } },
    true,
    {
      kind: "answer",
      info: { status: "Invalid" },
      source: "list",
    },
  ],
  [
    "online without LocalPreAuthorize asks the Central System",
    {},
    {
      TAG: { status: "Accepted" },
    },
    true,
    { kind: "ask" },
  ],
  [
    "online with LocalPreAuthorize answers a valid cache entry",
    { LocalPreAuthorize: true },
    {
      TAG: { status: "Accepted", parentIdTag: "P" },
    },
    true,
    { kind: "answer", info: { status: "Accepted", parentIdTag: "P" }, source: "cache" },
  ],
  [
    "online with LocalPreAuthorize asks again for a NOT-valid cache entry",
    {
      LocalPreAuthorize: true,
    },
    { TAG: { status: "Invalid" } },
    true,
    { kind: "ask" },
  ],
  [
    "online with LocalPreAuthorize asks again for an expired cache entry",
    {
      LocalPreAuthorize: true,
    },
    { TAG: { status: "Accepted", expiryDate: PAST } },
    true,
    { kind: "ask" },
  ],
  [
    "online with the cache disabled asks",
    {
      LocalPreAuthorize: true,
      AuthorizationCacheEnabled: false,
    },
    { TAG: { status: "Accepted" } },
    true,
    { kind: "ask" },
  ],
  [
    "offline with LocalAuthorizeOffline accepts a valid cache entry",
    {},
    {
      TAG: { status: "Accepted" },
    },
    false,
    { kind: "answer", info: { status: "Accepted" }, source: "cache" },
  ],
  [
    "offline refuses an expired cache entry as Expired",
    {},
    {
      TAG: { status: "Accepted", expiryDate: PAST },
    },
    false,
    { kind: "answer", info: { status: "Expired", expiryDate: PAST }, source: "cache" },
  ],
  [
    "offline refuses a Blocked cache entry even with AllowOfflineTxForUnknownId",
    {
      AllowOfflineTxForUnknownId: true,
    },
    { TAG: { status: "Blocked" } },
    false,
    {
      kind: "answer",
      info: { status: "Blocked" },
      source: "cache",
    },
  ],
  [
    "offline without LocalAuthorizeOffline refuses a valid cache entry",
    {
      LocalAuthorizeOffline: false,
    },
    { TAG: { status: "Accepted" } },
    false,
    {
      kind: "answer",
      info: { status: "Invalid" },
      source: "offline",
    },
  ],
  [
    "offline accepts an unknown id with AllowOfflineTxForUnknownId",
    {
      AllowOfflineTxForUnknownId: true,
    },
    {},
    false,
    { kind: "answer", info: { status: "Accepted" }, source: "offline" },
  ],
  ["offline refuses an unknown id without AllowOfflineTxForUnknownId", {}, {}, false, {
    kind: "answer",
    info: { status: "Invalid" },
    source: "offline",
  }],
];
for (const [what, config, cache, online, expected] of decisions) {
  Deno.test(`decide(): ${what}`, () => {
    assert.deepEqual(decide(withCache(cache), "TAG", online, ctx(config)), expected);
  });
}

Deno.test("transitionAuthorization() sends Authorize.req and passes the answer on, caching it", () => {
  const info: IdTagInfo = { status: "Accepted", parentIdTag: "P" };
  let [state, effects] = run(initialAuthorization(ctx()), [request]);
  assert.deepEqual(effects, [authorizeCall]);
  [state, effects] = run(state, [{
    type: "ocpp.result",
    action: "Authorize",
    ref: "start:1:TAG",
    payload: { idTagInfo: info },
    request: { idTag: "TAG" },
  }]);
  assert.deepEqual(effects, [result(info, "backend")]);
  assert.deepEqual(state.cache.get("TAG"), { info });
});

Deno.test("transitionAuthorization() answers from the cache with LocalPreAuthorize, sending nothing", () => {
  const c = ctx({ LocalPreAuthorize: true });
  const [, effects] = run(withCache({ TAG: { status: "Accepted" } }), [request], c);
  assert.deepEqual(effects, [result({ status: "Accepted" }, "cache")]);
});

Deno.test("transitionAuthorization() applies the offline rules when Authorize.req gets no answer", () => {
  const c = ctx({ AllowOfflineTxForUnknownId: true });
  const [state, effects] = run(initialAuthorization(c), [request, authorizeFailed("Offline")], c);
  assert.deepEqual(effects, [result({ status: "Accepted" }, "offline")]);
  assert.equal(state.cache.size, 0, "an offline decision is not cached");
  const [, cached] = run(withCache({ TAG: { status: "Accepted" } }), [authorizeFailed("Timeout")]);
  assert.deepEqual(cached, [result({ status: "Accepted" }, "cache")]);
});

Deno.test("transitionAuthorization() marks an expired Accepted entry Expired when the id is presented", () => {
  const [state, effects] = run(withCache({ TAG: { status: "Accepted", expiryDate: PAST } }), [
    request,
  ]);
  assert.deepEqual(effects, [authorizeCall]);
  assert.deepEqual(state.cache.get("TAG"), { info: { status: "Expired", expiryDate: PAST } });
});

Deno.test("transitionAuthorization() caches the idTagInfo of StartTransaction.conf and StopTransaction.conf (auth.info)", () => {
  const [state, effects] = run(withCache({ TAG: { status: "Accepted" } }), [
    { type: "auth.info", idTag: "TAG", info: { status: "Blocked" } },
  ]);
  assert.deepEqual(effects, []);
  assert.deepEqual(state.cache.get("TAG"), { info: { status: "Blocked" } });
  const off = ctx({ AuthorizationCacheEnabled: false });
  const [unchanged] = run(initialAuthorization(off), [
    { type: "auth.info", idTag: "TAG", info: { status: "Accepted" } },
  ], off);
  assert.equal(unchanged.cache.size, 0);
});

Deno.test("transitionAuthorization() evicts NOT-valid entries first, then the oldest valid one, when the cache is full", () => {
  const entries: Record<string, IdTagInfo> = {};
  for (let i = 0; i < CACHE_MAX; i++) entries[`V${i}`] = { status: "Accepted" };
  entries["V5"] = { status: "Blocked" };
  entries["V9"] = { status: "Accepted", expiryDate: PAST };
  let [state] = run(withCache(entries), [
    { type: "auth.info", idTag: "NEW1", info: { status: "Accepted" } },
    { type: "auth.info", idTag: "NEW2", info: { status: "Accepted" } },
  ]);
  assert.equal(state.cache.size, CACHE_MAX);
  assert.equal(state.cache.has("V5"), false);
  assert.equal(state.cache.has("V9"), false);
  assert.equal(state.cache.has("V0"), true);
  [state] = run(state, [{ type: "auth.info", idTag: "NEW3", info: { status: "Accepted" } }]);
  assert.equal(state.cache.has("V0"), false, "then the oldest valid entry");
  assert.equal(state.cache.has("V1"), true);
  // An update of a known id takes no room.
  [state] = run(state, [{ type: "auth.info", idTag: "V1", info: { status: "Accepted" } }]);
  assert.equal(state.cache.has("V2"), true);
  assert.equal(state.cache.size, CACHE_MAX);
});

Deno.test("transitionAuthorization() empties the cache on ClearCache and answers Accepted", () => {
  const [state, effects] = run(withCache({ TAG: { status: "Accepted" } }), [
    { type: "ocpp.request", id: "c1", action: "ClearCache", payload: {} },
  ]);
  assert.deepEqual(effects, [
    { type: "ocpp.reply", id: "c1", action: "ClearCache", payload: { status: "Accepted" } },
  ]);
  assert.equal(state.cache.size, 0);
});

Deno.test("transitionAuthorization() ignores results of other actions and unrelated requests", () => {
  const state = withCache({ TAG: { status: "Accepted" } });
  assert.deepEqual(
    run(state, [{
      type: "ocpp.result",
      action: "Heartbeat",
      payload: {},
      request: {},
    }, { type: "ocpp.request", id: "x", action: "Reset", payload: { type: "Soft" } }]),
    [state, []],
  );
});

Deno.test("decide(): local mode accepts an id on the whitelist, offline too", () => {
  const state = { ...initialAuthorization(ctx()), whitelist: new Set(["TAG"]) };
  const c = ctx({ AuthorizationMode: "local" });
  const accepted = { kind: "answer", info: { status: "Accepted" }, source: "list" };
  assert.deepEqual(decide(state, "TAG", true, c), accepted);
  assert.deepEqual(decide(state, "TAG", false, c), accepted);
});
