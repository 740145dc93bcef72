/**
 * Unit tests of the Local Authorization List rules: GetLocalListVersion's
 * answer and SendLocalList's Full and Differential updates with every
 * status of section 7.47.
 */
import assert from "node:assert/strict";
import { type Value, viewOf } from "../config/registry.ts";
import type { LocalList } from "./auth_decision.ts";
import {
  applySendLocalList,
  EMPTY_LIST,
  listManaged,
  type ListUpdate,
  reportedVersion,
} from "./local_list.ts";
import type { CsRequest } from "../ocpp/types.ts";

const config = (values: Record<string, Value> = {}) => viewOf(new Map(Object.entries(values)));

function accepted(u: ListUpdate): LocalList {
  assert.equal(u.status, "Accepted", "reason" in u ? u.reason : "");
  return (u as Extract<ListUpdate, { status: "Accepted" }>).list;
}

const ok = { status: "Accepted" } as const;
type Entries = NonNullable<CsRequest<"SendLocalList">["localAuthorizationList"]>;
const full = (listVersion: number, list?: Entries): CsRequest<"SendLocalList"> => ({
  listVersion,
  updateType: "Full",
  ...(list ? { localAuthorizationList: list } : {}),
});
const diff = (listVersion: number, list: Entries): CsRequest<"SendLocalList"> => ({
  listVersion,
  updateType: "Differential",
  localAuthorizationList: list,
});

Deno.test("reportedVersion(): -1 when not managed, 0 when empty, else the version (5.10)", () => {
  const list = accepted(
    applySendLocalList(EMPTY_LIST, full(7, [{ idTag: "A", idTagInfo: ok }]), config()),
  );
  assert.equal(reportedVersion(list, true), 7);
  assert.equal(reportedVersion(list, false), -1);
  assert.equal(reportedVersion({ version: 7, entries: new Map() }, true), 0);
  assert.equal(listManaged(config()), true);
  assert.equal(listManaged(config({ LocalAuthListEnabled: false })), false);
  assert.equal(listManaged(config({ WhitelistSource: "local" })), false);
});

Deno.test("applySendLocalList() Full replaces the list, keeps the given spelling, keys case-insensitively", () => {
  let list = accepted(
    applySendLocalList(EMPTY_LIST, full(1, [{ idTag: "old", idTagInfo: ok }]), config()),
  );
  const u = applySendLocalList(
    list,
    full(2, [
      { idTag: "abc", idTagInfo: { status: "Blocked" } },
      { idTag: "DEF", idTagInfo: { status: "Accepted", parentIdTag: "P" } },
    ]),
    config(),
  );
  list = accepted(u);
  assert.equal(list.version, 2);
  assert.deepEqual([...list.entries.keys()], ["ABC", "DEF"]);
  assert.deepEqual(list.entries.get("ABC"), { idTag: "abc", info: { status: "Blocked" } });
  assert.deepEqual(u.status === "Accepted" && u.change, {
    kind: "list.replace",
    version: 2,
    entries: [...list.entries.values()],
  });
});

Deno.test("applySendLocalList() Full without a list empties it (6.41; OCTT TC_042_2 then reads 0)", () => {
  const list = accepted(applySendLocalList(EMPTY_LIST, full(1), config()));
  assert.equal(list.entries.size, 0);
  assert.equal(reportedVersion(list, true), 0);
});

Deno.test("applySendLocalList() Differential adds, updates and removes (7.1), and needs a higher version (7.47)", () => {
  let list = accepted(applySendLocalList(
    EMPTY_LIST,
    full(2, [
      { idTag: "A", idTagInfo: ok },
      { idTag: "B", idTagInfo: ok },
    ]),
    config(),
  ));
  const u = applySendLocalList(
    list,
    diff(5, [
      { idTag: "a", idTagInfo: { status: "Blocked" } },
      { idTag: "B" },
      { idTag: "C", idTagInfo: ok },
    ]),
    config(),
  );
  list = accepted(u);
  assert.equal(list.version, 5);
  assert.deepEqual([...list.entries.values()].map((e) => [e.idTag, e.info.status]), [
    ["a", "Blocked"],
    ["C", "Accepted"],
  ]);
  assert.deepEqual(u.status === "Accepted" && u.change, {
    kind: "list.update",
    version: 5,
    put: [{ idTag: "a", info: { status: "Blocked" } }, { idTag: "C", info: ok }],
    remove: ["B"],
  });
  for (const v of [4, 5]) {
    const old = applySendLocalList(list, diff(v, [{ idTag: "D", idTagInfo: ok }]), config());
    assert.equal(old.status, "VersionMismatch", `version ${v}`);
  }
  // An empty differential changes nothing but the version (6.41).
  assert.equal(accepted(applySendLocalList(list, diff(6, []), config())).entries.size, 2);
});

Deno.test("applySendLocalList() answers Failed and changes nothing for invalid updates", () => {
  const cases: [string, CsRequest<"SendLocalList">, Record<string, Value>][] = [
    ["listVersion 0 (errata 3.52)", full(0, []), {}],
    ["listVersion -1 (errata 3.52)", diff(-1, []), {}],
    [
      "duplicate idTag, any case (6.41)",
      full(1, [{ idTag: "A", idTagInfo: ok }, {
        idTag: "a",
        idTagInfo: ok,
      }]),
      {},
    ],
    ["Full entry without idTagInfo (7.1)", full(1, [{ idTag: "A" }]), {}],
    [
      "more than SendLocalListMaxLength",
      full(1, [{ idTag: "A", idTagInfo: ok }, {
        idTag: "B",
        idTagInfo: ok,
      }]),
      { SendLocalListMaxLength: 1 },
    ],
    [
      "more than LocalAuthListMaxLength after a Full",
      full(1, [{ idTag: "A", idTagInfo: ok }, {
        idTag: "B",
        idTagInfo: ok,
      }]),
      { LocalAuthListMaxLength: 1 },
    ],
  ];
  for (const [what, payload, values] of cases) {
    const u = applySendLocalList(EMPTY_LIST, payload, config(values));
    assert.equal(u.status, "Failed", what);
  }
  const one = accepted(
    applySendLocalList(EMPTY_LIST, full(1, [{ idTag: "A", idTagInfo: ok }]), config()),
  );
  const grown = applySendLocalList(
    one,
    diff(2, [{ idTag: "B", idTagInfo: ok }]),
    config({
      LocalAuthListMaxLength: 1,
    }),
  );
  assert.equal(grown.status, "Failed", "a differential may not grow the list past its maximum");
});

Deno.test("applySendLocalList() answers NotSupported when the backend does not manage the list (TC_043_1)", () => {
  for (const values of [{ WhitelistSource: "local" }, { LocalAuthListEnabled: false }]) {
    const u = applySendLocalList(EMPTY_LIST, full(1, []), config(values));
    assert.equal(u.status, "NotSupported");
  }
});
