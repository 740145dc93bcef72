/**
 * Unit tests of the authorization actor: Authorize.req and its answer or
 * failure, online tracking, the cache (updates, expiry, eviction), the
 * list/cache relation and LocalListConflict, ClearCache, SendLocalList and
 * GetLocalListVersion with and without a confirming store, the whitelist.
 */
import assert from "node:assert/strict";
import type { Ctx, Effect } from "./bus.ts";
import type { BackendState, IdTagInfo } from "./messages.ts";
import { byKey, parseJson, type Value, viewOf } from "../config/registry.ts";
import { type Cache, idKey } from "./auth_decision.ts";
import { CACHE_MAX, cacheExpire, cachePut } from "./auth_cache.ts";
import {
  type AuthData,
  type AuthorizationMsg,
  type AuthorizationState,
  initialAuthorization,
  NO_AUTH_DATA,
  transitionAuthorization,
  whitelistOf,
} from "./authorization.ts";

const T0 = Date.parse("2025-01-01T00:00:00.000Z");
const PAST = "2024-12-31T23:59:59.000Z";
const OK: IdTagInfo = { status: "Accepted" };

/** A context at T0; online (the boot Accepted, the supervisor's phase) unless `backend` says otherwise. */
function ctx(values: Record<string, Value> = {}, backend: BackendState = "accepted"): Ctx {
  return { now: T0, config: viewOf(new Map(Object.entries(values))), backend };
}

const entries = (r: Record<string, IdTagInfo>) =>
  new Map(Object.entries(r).map(([idTag, info]) => [idKey(idTag), { idTag, info }]));

/** A state from data. */
function given(
  data: { cache?: Record<string, IdTagInfo>; list?: Record<string, IdTagInfo> } = {},
  opts: { durable?: boolean } = {},
): AuthorizationState {
  const d: AuthData = {
    ...NO_AUTH_DATA,
    cache: entries(data.cache ?? {}),
    list: { version: 3, entries: entries(data.list ?? {}) },
  };
  const s = initialAuthorization(ctx(), opts.durable ? d : undefined);
  return { ...s, ...d };
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

/** The effects without log lines. */
const quiet = (effects: readonly Effect[]) => effects.filter((e) => e.type !== "log");

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
const conf = (info: IdTagInfo): AuthorizationMsg => ({
  type: "ocpp.result",
  action: "Authorize",
  ref: "start:1:TAG",
  payload: { idTagInfo: info },
  request: { idTag: "TAG" },
});
const failed = (code: "Offline" | "Timeout" | "InternalError"): AuthorizationMsg => ({
  type: "ocpp.failed",
  action: "Authorize",
  ref: "start:1:TAG",
  request: { idTag: "TAG" },
  code,
  description: "no answer",
});
const req = (action: string, payload: Record<string, unknown> = {}): AuthorizationMsg =>
  ({ type: "ocpp.request", id: "r1", action, payload }) as AuthorizationMsg;
const replied = (action: string, payload: Record<string, unknown>): Effect =>
  ({ type: "ocpp.reply", id: "r1", action, payload }) as Effect;

Deno.test("transitionAuthorization() sends Authorize.req online and passes the answer on, caching it", () => {
  const info: IdTagInfo = { status: "Accepted", parentIdTag: "P" };
  let [state, effects] = run(initialAuthorization(ctx()), [request]);
  assert.deepEqual(effects, [authorizeCall]);
  [state, effects] = run(state, [conf(info)]);
  assert.deepEqual(effects, [
    {
      type: "auth.persist",
      change: { kind: "cache.put", entry: { idTag: "TAG", info }, evict: [] },
    },
    result(info, "backend"),
  ]);
  assert.deepEqual(state.cache.get("TAG"), { idTag: "TAG", info });
});

Deno.test("transitionAuthorization() decides offline at once while the backend is not accepted", () => {
  for (const phase of ["backoff", "booting", "pending", "rejected", "disabled"] as const) {
    const c = ctx({ AllowOfflineTxForUnknownId: true }, phase);
    const [, effects] = run(initialAuthorization(c), [request], c);
    assert.deepEqual(quiet(effects), [result(OK, "offline")], phase);
  }
});

Deno.test("transitionAuthorization() applies the offline rules when Authorize.req gets no answer", () => {
  const c = ctx({ AllowOfflineTxForUnknownId: true });
  for (const code of ["Offline", "Timeout", "InternalError"] as const) {
    const [state, effects] = run(given(), [request, failed(code)], c);
    assert.deepEqual(quiet(effects), [result(OK, "offline")], code);
    assert.equal(state.cache.size, 0, "an offline decision is not cached");
  }
  const [, cached] = run(given({ cache: { TAG: OK } }), [failed("Timeout")]);
  assert.deepEqual(quiet(cached), [result(OK, "cache")]);
  const [, refused] = run(given(), [failed("Timeout")]);
  assert.deepEqual(quiet(refused), [result({ status: "Invalid" }, "offline")]);
});

Deno.test("transitionAuthorization() answers from the cache with LocalPreAuthorize, sending nothing", () => {
  const c = ctx({ LocalPreAuthorize: true });
  const [, effects] = run(given({ cache: { tag: OK } }), [request], c);
  assert.deepEqual(quiet(effects), [result(OK, "cache")]);
  assert.match((effects[0] as { text: string }).text, /Accepted by O2/);
});

Deno.test("transitionAuthorization() marks an expired Accepted entry Expired when the id is presented", () => {
  const [state, effects] = run(
    given({ cache: { TAG: { status: "Accepted", expiryDate: PAST } } }),
    [
      request,
    ],
  );
  const expired = { status: "Expired", expiryDate: PAST } as const;
  assert.deepEqual(effects, [
    {
      type: "auth.persist",
      change: { kind: "cache.put", entry: { idTag: "TAG", info: expired }, evict: [] },
    },
    authorizeCall,
  ]);
  assert.deepEqual(state.cache.get("TAG"), { idTag: "TAG", info: expired });
});

Deno.test("transitionAuthorization() caches StartTransaction/StopTransaction idTagInfo (auth.info), unless disabled", () => {
  const [state, effects] = run(given({ cache: { TAG: OK } }), [
    { type: "auth.info", idTag: "tag", info: { status: "Blocked" } },
  ]);
  assert.equal(effects.length, 1);
  assert.deepEqual(state.cache.get("TAG"), { idTag: "tag", info: { status: "Blocked" } });
  const off = ctx({ AuthorizationCacheEnabled: false });
  const [unchanged, none] = run(given(), [{ type: "auth.info", idTag: "TAG", info: OK }], off);
  assert.equal(unchanged.cache.size, 0);
  assert.deepEqual(none, []);
});

Deno.test("transitionAuthorization() keeps list ids out of the cache and reports a conflict on connector 0 (3.5.2, 3.5.3)", () => {
  let [state, effects] = run(given({ list: { TAG: OK } }), [
    { type: "status.changed", connectorId: 0, status: "Unavailable", errorCode: "NoError" },
    { type: "status.changed", connectorId: 1, status: "Charging", errorCode: "NoError" },
    conf({ status: "Blocked" }),
  ]);
  assert.equal(state.cache.size, 0);
  assert.deepEqual(quiet(effects), [
    {
      type: "ocpp.call",
      action: "StatusNotification",
      payload: {
        connectorId: 0,
        errorCode: "LocalListConflict",
        status: "Unavailable",
        info: "idTag TAG",
        timestamp: "2025-01-01T00:00:00.000Z",
      },
    },
    result({ status: "Blocked" }, "backend"),
  ]);
  // The same status is no conflict; the list is never changed by it.
  [state, effects] = run(state, [{ type: "auth.info", idTag: "TAG", info: OK }]);
  assert.deepEqual(effects, []);
  assert.deepEqual(state.list.entries.get("TAG")?.info, OK);
  // The app whitelist is not the Central System's list: no conflict report for it.
  const local = ctx({ WhitelistSource: "local" });
  const wl = { ...given(), whitelist: whitelistOf([{ idTag: "TAG" }]) };
  assert.deepEqual(
    run(wl, [{ type: "auth.info", idTag: "TAG", info: { status: "Invalid" } }], local)[1],
    [],
  );
});

Deno.test("cachePut() evicts NOT-valid entries first, then the least recently updated valid one", () => {
  let cache: Cache = entries({
    A: OK,
    B: { status: "Blocked" },
    C: OK,
    D: { status: "Accepted", expiryDate: PAST },
  });
  let u = cachePut(cache, "E", OK, T0, 4);
  assert.deepEqual(u.change, { kind: "cache.put", entry: { idTag: "E", info: OK }, evict: ["B"] });
  u = cachePut(u.cache, "F", OK, T0, 4);
  assert.deepEqual([...u.cache.keys()], ["A", "C", "E", "F"], "then the expired D");
  u = cachePut(u.cache, "A", { status: "Blocked" }, T0, 4);
  assert.deepEqual(
    [...u.cache.keys()],
    ["C", "E", "F", "A"],
    "an update takes no room, becomes newest",
  );
  u = cachePut(u.cache, "G", OK, T0, 4);
  assert.deepEqual(
    [...u.cache.keys()],
    ["C", "E", "F", "G"],
    "the NOT-valid A goes before older valid C",
  );
  u = cachePut(u.cache, "H", OK, T0, 4);
  assert.deepEqual([...u.cache.keys()], ["E", "F", "G", "H"], "then the oldest valid entry");
  cache = u.cache;
  assert.deepEqual(cacheExpire(cache, "E", T0), { cache }, "a valid entry stays");
  assert.equal(CACHE_MAX, 1000);
});

Deno.test("transitionAuthorization() ClearCache: answers at once without a store", () => {
  const [state, effects] = run(given({ cache: { TAG: OK } }), [req("ClearCache")]);
  assert.deepEqual(effects, [
    { type: "auth.persist", change: { kind: "cache.clear" } },
    replied("ClearCache", { status: "Accepted" }),
  ]);
  assert.equal(state.cache.size, 0);
});

Deno.test("transitionAuthorization() ClearCache with a store: Accepted once stored, Rejected and undone when not", () => {
  let [state, effects] = run(given({ cache: { TAG: OK } }, { durable: true }), [req("ClearCache")]);
  assert.deepEqual(effects, [{
    type: "auth.persist",
    change: { kind: "cache.clear" },
    ref: "ocpp:r1",
  }]);
  assert.equal(state.cache.size, 0);
  const waiting = state;
  [state, effects] = run(waiting, [{ type: "auth.persisted", ref: "ocpp:r1", ok: true }]);
  assert.deepEqual(effects, [replied("ClearCache", { status: "Accepted" })]);
  assert.equal(state.waiting.size, 0);
  [state, effects] = run(waiting, [{ type: "auth.persisted", ref: "ocpp:r1", ok: false }]);
  assert.deepEqual(quiet(effects), [replied("ClearCache", { status: "Rejected" })]);
  assert.equal(state.cache.size, 1, "the cache is as it is on disk");
  assert.deepEqual(run(state, [{ type: "auth.persisted", ref: "ocpp:r1", ok: true }])[1], []);
});

Deno.test("transitionAuthorization() SendLocalList then GetLocalListVersion, with and without a store", () => {
  const payload = {
    listVersion: 9,
    updateType: "Full",
    localAuthorizationList: [{ idTag: "NEW", idTagInfo: OK }],
  };
  let [state, effects] = run(given(), [req("SendLocalList", payload)]);
  assert.deepEqual(quiet(effects), [
    {
      type: "auth.persist",
      change: { kind: "list.replace", version: 9, entries: [{ idTag: "NEW", info: OK }] },
    },
    replied("SendLocalList", { status: "Accepted" }),
  ]);
  [state, effects] = run(state, [req("GetLocalListVersion")]);
  assert.deepEqual(effects, [replied("GetLocalListVersion", { listVersion: 9 })]);
  // With a store: the answer waits for it; a failed write answers Failed and keeps the old list.
  const durable = given({ list: { OLD: OK } }, { durable: true });
  [state, effects] = run(durable, [req("SendLocalList", payload)]);
  assert.equal(effects.length, 1);
  assert.equal(state.list.version, 9);
  [state, effects] = run(state, [{ type: "auth.persisted", ref: "ocpp:r1", ok: false }]);
  assert.deepEqual(quiet(effects), [replied("SendLocalList", { status: "Failed" })]);
  assert.deepEqual(state.list, durable.list);
});

Deno.test("transitionAuthorization() SendLocalList refusals are answered at once and change nothing", () => {
  const state = given({ list: { A: OK } });
  const diff = { listVersion: 2, updateType: "Differential", localAuthorizationList: [] };
  const [s1, e1] = run(state, [req("SendLocalList", diff)]);
  assert.deepEqual(quiet(e1), [replied("SendLocalList", { status: "VersionMismatch" })]);
  assert.equal(s1, state);
  const local = ctx({ WhitelistSource: "local" });
  const [, e2] = run(state, [req("SendLocalList", { ...diff, listVersion: 4 })], local);
  assert.deepEqual(quiet(e2), [replied("SendLocalList", { status: "NotSupported" })]);
  const [, e3] = run(state, [req("GetLocalListVersion")], local);
  assert.deepEqual(e3, [replied("GetLocalListVersion", { listVersion: -1 })]);
});

Deno.test("transitionAuthorization() takes the app whitelist from auth.whitelist and decides by it in local mode", () => {
  const c = ctx({ AuthorizationMode: "local", WhitelistSource: "local" });
  let [state, effects] = run(given(), [
    { type: "auth.whitelist", entries: [{ idTag: "tag", name: "Anna" }] },
    request,
  ], c);
  assert.deepEqual(quiet(effects), [result(OK, "list")]);
  [state, effects] = run(state, [{ type: "auth.whitelist", entries: [] }, request], c);
  assert.deepEqual(quiet(effects), [result({ status: "Invalid" }, "list")]);
  assert.equal(state.whitelist.size, 0);
});

Deno.test("transitionAuthorization() ignores results of other actions and unrelated requests", () => {
  const state = given({ cache: { TAG: OK } });
  assert.deepEqual(
    run(state, [{
      type: "ocpp.result",
      action: "Heartbeat",
      payload: { currentTime: "2025-01-01T00:00:00.000Z" },
      request: {},
    }, req("Reset", { type: "Soft" })]),
    [state, []],
  );
});

Deno.test("registry: FreeChargingIdTag must be an OCPP IdToken (1-20 printable ASCII)", () => {
  const def = byKey("FreeChargingIdTag")!;
  assert.deepEqual(parseJson(def, "WALLBOX-FREE"), { ok: true, value: "WALLBOX-FREE" });
  for (const bad of ["", " FREE", "FREE ", "caf\u00e9", "X".repeat(21)]) {
    assert.equal(parseJson(def, bad).ok, false, JSON.stringify(bad));
  }
});
