/**
 * The decision table of `auth_decision.ts`, row by row: each case names the
 * rule it exercises and the spec section or seed setting it comes from, and
 * the last test proves every rule of the table has a case.
 */
import assert from "node:assert/strict";
import type { IdTagInfo, WhitelistEntry } from "./messages.ts";
import {
  decide,
  type Decision,
  DECISION_TABLE,
  type DecisionInput,
  type DecisionKeys,
  idKey,
  isValid,
  type Rule,
} from "./auth_decision.ts";

const NOW = Date.parse("2025-01-01T00:00:00.000Z");
const PAST = "2024-12-31T23:59:59.000Z";
const FUTURE = "2025-01-02T00:00:00.000Z";

/** Registry defaults (config/registry.ts). */
const DEFAULT_KEYS: DecisionKeys = {
  LocalAuthListEnabled: true,
  AuthorizationCacheEnabled: true,
  LocalPreAuthorize: false,
  LocalAuthorizeOffline: true,
  AllowOfflineTxForUnknownId: false,
};

interface Given {
  readonly mode?: DecisionInput["mode"];
  readonly source?: DecisionInput["source"];
  readonly online?: boolean;
  readonly idTag?: string;
  readonly list?: Record<string, IdTagInfo>;
  readonly whitelist?: readonly WhitelistEntry[];
  readonly cache?: Record<string, IdTagInfo>;
  readonly keys?: Partial<DecisionKeys>;
}

function input(g: Given): DecisionInput {
  const entries = (r: Record<string, IdTagInfo> = {}) =>
    new Map(Object.entries(r).map(([idTag, info]) => [idKey(idTag), { idTag, info }]));
  return {
    mode: g.mode ?? "ocpp",
    source: g.source ?? "ocpp",
    online: g.online ?? true,
    idTag: g.idTag ?? "TAG",
    list: { version: 1, entries: entries(g.list) },
    whitelist: new Map((g.whitelist ?? []).map((e) => [idKey(e.idTag), e])),
    cache: entries(g.cache),
    now: NOW,
    keys: { ...DEFAULT_KEYS, ...g.keys },
  };
}

const answer = (
  rule: Rule,
  info: IdTagInfo,
  source: "free" | "list" | "cache" | "offline",
): Decision => ({ kind: "answer", rule, info, source });
const ask: Decision = { kind: "ask", rule: "O3" };
const OK: IdTagInfo = { status: "Accepted" };
const INVALID: IdTagInfo = { status: "Invalid" };

/** [rule, source of the rule, what, given, expected]. */
const ROWS: readonly [Rule, string, string, Given, Decision][] = [
  // --- free charging ---
  ["F1", "seed: OCPP Authorisierung = Freies Laden", "free mode accepts an unknown idTag online", {
    mode: "free",
  }, answer("F1", OK, "free")],
  ["F1", "seed: Freies Laden", "free mode accepts offline, whatever the lists say", {
    mode: "free",
    online: false,
    list: { TAG: { status: "Blocked" } },
  }, answer("F1", OK, "free")],
  // --- no OCPP: the whitelist only ---
  ["L1", "seed: Kein OCPP + Lokale Whitelist", "local mode accepts an app whitelist entry", {
    mode: "local",
    source: "local",
    whitelist: [{ idTag: "TAG", name: "Anna" }],
  }, answer("L1", OK, "list")],
  ["L1", "section 7.28: IdToken is case-insensitive", "a whitelist entry matches in any case", {
    mode: "local",
    source: "local",
    idTag: "tag",
    whitelist: [{ idTag: "TAG" }],
  }, answer("L1", OK, "list")],
  [
    "L1",
    "seed: Kein OCPP + OCPP Whitelist",
    "local mode with an OCPP list entry keeps its parent",
    {
      mode: "local",
      list: { TAG: { status: "Accepted", parentIdTag: "P" } },
    },
    answer("L1", { status: "Accepted", parentIdTag: "P" }, "list"),
  ],
  ["L1", "seed: Kein OCPP (no Authorize.req)", "local mode decides the same offline", {
    mode: "local",
    source: "local",
    online: false,
    whitelist: [{ idTag: "TAG", expiry: FUTURE }],
  }, answer("L1", { status: "Accepted", expiryDate: FUTURE }, "list")],
  [
    "L2",
    "section 3.5.4: expired entries MUST be rejected",
    "an expired whitelist entry is Expired",
    {
      mode: "local",
      source: "local",
      whitelist: [{ idTag: "TAG", expiry: PAST }],
    },
    answer("L2", { status: "Expired", expiryDate: PAST }, "list"),
  ],
  ["L2", "section 3.5.4: Blocked list entries MUST be rejected", "a Blocked OCPP list entry", {
    mode: "local",
    list: { TAG: { status: "Blocked" } },
  }, answer("L2", { status: "Blocked" }, "list")],
  ["L3", "seed: Kein OCPP: only the whitelist counts", "cache and other list are not consulted", {
    mode: "local",
    source: "local",
    list: { TAG: OK },
    cache: { TAG: OK },
  }, answer("L3", INVALID, "list")],
  ["L3", "section 9.2.1 LocalAuthListEnabled", "a disabled OCPP list authorizes no one", {
    mode: "local",
    list: { TAG: OK },
    keys: { LocalAuthListEnabled: false },
  }, answer("L3", INVALID, "list")],
  // --- OCPP online ---
  ["O1", "sections 3.5, 9.1.13 LocalPreAuthorize", "a valid list entry answers at once", {
    keys: { LocalPreAuthorize: true },
    list: { TAG: { status: "Accepted", parentIdTag: "P" } },
  }, answer("O1", { status: "Accepted", parentIdTag: "P" }, "list")],
  ["O1", "seed: Lokale Whitelist as the list", "the app whitelist is the list in ocpp mode", {
    source: "local",
    keys: { LocalPreAuthorize: true },
    whitelist: [{ idTag: "TAG" }],
  }, answer("O1", OK, "list")],
  ["O2", "sections 3.5.1, 9.1.13 LocalPreAuthorize", "a valid cache entry answers at once", {
    keys: { LocalPreAuthorize: true },
    cache: { TAG: { status: "Accepted", expiryDate: FUTURE } },
  }, answer("O2", { status: "Accepted", expiryDate: FUTURE }, "cache")],
  ["O3", "section 4.1: unknown idTag SHALL be sent", "an unknown idTag is asked", {}, ask],
  [
    "O3",
    "section 4.1: known idTag MAY be sent",
    "without LocalPreAuthorize a list entry is asked",
    {
      list: { TAG: OK },
    },
    ask,
  ],
  ["O3", "section 3.5.1: NOT-valid cache entry is asked again", "a cached Invalid is asked", {
    keys: { LocalPreAuthorize: true },
    cache: { TAG: INVALID },
  }, ask],
  ["O3", "section 3.5.1: expired cache entries", "a cached Accepted past expiry is asked", {
    keys: { LocalPreAuthorize: true },
    cache: { TAG: { status: "Accepted", expiryDate: PAST } },
  }, ask],
  ["O3", "section 9.1.2 AuthorizationCacheEnabled", "a disabled cache does not answer", {
    keys: { LocalPreAuthorize: true, AuthorizationCacheEnabled: false },
    cache: { TAG: OK },
  }, ask],
  ["O3", "section 3.5.3: the list has priority", "a Blocked list entry hides a valid cache entry", {
    keys: { LocalPreAuthorize: true },
    list: { TAG: { status: "Blocked" } },
    cache: { TAG: OK },
  }, ask],
  ["O3", "section 3.5.2: ConcurrentTx does not start a transaction", "ConcurrentTx is asked", {
    keys: { LocalPreAuthorize: true },
    list: { TAG: { status: "ConcurrentTx" } },
  }, ask],
  // --- OCPP offline ---
  ["X1", "section 3.5.4: list entries not Accepted MUST be rejected", "a Blocked list entry", {
    online: false,
    keys: { AllowOfflineTxForUnknownId: true },
    list: { TAG: { status: "Blocked" } },
  }, answer("X1", { status: "Blocked" }, "list")],
  ["X1", "section 3.5.4: apparently expired MUST be rejected", "a list entry past its expiry", {
    online: false,
    keys: { AllowOfflineTxForUnknownId: true },
    list: { TAG: { status: "Accepted", expiryDate: PAST } },
  }, answer("X1", { status: "Expired", expiryDate: PAST }, "list")],
  ["X1", "section 3.5.4: only unknown ids are Unknown Offline", "a cached Invalid stays refused", {
    online: false,
    keys: { AllowOfflineTxForUnknownId: true },
    cache: { TAG: INVALID },
  }, answer("X1", INVALID, "cache")],
  ["X1", "section 3.5.1: expired cache entries are Expired", "a cached Accepted past expiry", {
    online: false,
    cache: { TAG: { status: "Accepted", expiryDate: PAST } },
  }, answer("X1", { status: "Expired", expiryDate: PAST }, "cache")],
  ["X1", "section 3.5.3: the list has priority", "a Blocked list entry beats a valid cache entry", {
    online: false,
    list: { TAG: { status: "Blocked" } },
    cache: { TAG: OK },
  }, answer("X1", { status: "Blocked" }, "list")],
  ["X2", "section 9.1.12 LocalAuthorizeOffline (seed: Lokale Offlineautorisierung)", "list entry", {
    online: false,
    list: { TAG: { status: "Accepted", parentIdTag: "P" } },
  }, answer("X2", { status: "Accepted", parentIdTag: "P" }, "list")],
  ["X2", "section 9.1.12 + seed: Lokale Whitelist", "the app whitelist offline in ocpp mode", {
    online: false,
    source: "local",
    whitelist: [{ idTag: "TAG" }],
  }, answer("X2", OK, "list")],
  ["X3", "section 9.1.12 LocalAuthorizeOffline", "a valid cache entry offline", {
    online: false,
    cache: { TAG: OK },
  }, answer("X3", OK, "cache")],
  ["X4", "sections 3.5.4, 9.1.1 (seed: Offline RFID Autorisierung)", "an unknown idTag offline", {
    online: false,
    keys: { AllowOfflineTxForUnknownId: true },
  }, answer("X4", OK, "offline")],
  ["X4", "design: a known good card is no worse than an unknown one", "valid, no local offline", {
    online: false,
    keys: { LocalAuthorizeOffline: false, AllowOfflineTxForUnknownId: true },
    cache: { TAG: OK },
  }, answer("X4", OK, "offline")],
  ["X4", "section 9.1.2: a disabled cache knows no one", "a cached Blocked with the cache off", {
    online: false,
    keys: { AuthorizationCacheEnabled: false, AllowOfflineTxForUnknownId: true },
    cache: { TAG: { status: "Blocked" } },
  }, answer("X4", OK, "offline")],
  ["X5", "section 3.5.4 (AllowOfflineTxForUnknownId false)", "an unknown idTag offline", {
    online: false,
  }, answer("X5", INVALID, "offline")],
  ["X5", "section 9.1.12 (LocalAuthorizeOffline false)", "a valid list entry without the switch", {
    online: false,
    keys: { LocalAuthorizeOffline: false },
    list: { TAG: OK },
  }, answer("X5", INVALID, "offline")],
  ["X5", "section 9.2.1 LocalAuthListEnabled", "a disabled list does not authorize offline", {
    online: false,
    keys: { LocalAuthListEnabled: false },
    list: { TAG: OK },
  }, answer("X5", INVALID, "offline")],
];

for (const [rule, cite, what, given, expected] of ROWS) {
  Deno.test(`decide() ${rule} [${cite}]: ${what}`, () => {
    assert.equal(expected.rule, rule, "the row's expectation names its rule");
    assert.deepEqual(decide(input(given)), expected);
  });
}

Deno.test("decide(): every rule of DECISION_TABLE has at least one row", () => {
  const covered = new Set(ROWS.map(([rule]) => rule));
  assert.deepEqual([...covered].sort(), Object.keys(DECISION_TABLE).sort());
});

Deno.test("isValid() is true only for Accepted entries not past their expiryDate", () => {
  assert.equal(isValid({ status: "Accepted" }, NOW), true);
  assert.equal(isValid({ status: "Accepted", expiryDate: FUTURE }, NOW), true);
  assert.equal(isValid({ status: "Accepted", expiryDate: PAST }, NOW), false);
  assert.equal(isValid({ status: "Blocked" }, NOW), false);
  assert.equal(isValid({ status: "ConcurrentTx" }, NOW), false);
});

Deno.test("isValid() reads every expiryDate the schemas accept (offset +01, leap second)", () => {
  const now = Date.parse("2030-06-01T00:00:00Z");
  assert.equal(isValid({ status: "Accepted", expiryDate: "2030-06-01T12:00:00+01" }, now), true);
  assert.equal(isValid({ status: "Accepted", expiryDate: "2030-06-30T23:59:60Z" }, now), true);
  assert.equal(isValid({ status: "Accepted", expiryDate: "2030-05-31T23:00:00+01" }, now), false);
});
