/**
 * Tests of the durable authorization data: the store's tables survive a
 * reopen, the bus wiring answers SendLocalList and ClearCache only once the
 * change is stored (Failed / Rejected when it cannot be), a restart starts
 * from the stored data, and the whitelist is stored before the actor sees it.
 */
import assert from "node:assert/strict";
import { Bus } from "../actors/bus.ts";
import { FakeClock } from "../actors/clock.ts";
import type { BusMessage, IdTagInfo } from "../actors/messages.ts";
import { authorizationActorWith } from "../actors/authorization.ts";
import { type Value, viewOf } from "../config/registry.ts";
import { attachAuthStore, AuthStore, whitelistAccess } from "./auth_store.ts";
import { Storage } from "./storage.ts";

const OK: IdTagInfo = { status: "Accepted" };

async function withDir(fn: (path: string) => void | Promise<void>): Promise<void> {
  const dir = await Deno.makeTempDir({ prefix: "auth-store-" });
  try {
    await fn(`${dir}/state.db`);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

/** A bus with only the authorization actor, started from the store. */
function boot(store: AuthStore, values: Record<string, Value> = {}) {
  const config = viewOf(new Map(Object.entries(values)));
  const bus = new Bus({ clock: new FakeClock(), config: () => config });
  const seen: BusMessage[] = [];
  bus.inspect((m) => seen.push(m));
  bus.spawn(authorizationActorWith(store.load()));
  attachAuthStore(bus, store);
  const replies = () =>
    seen.flatMap((m) => m.type === "ocpp.reply" ? [[m.action, m.payload] as const] : []);
  const ask = (action: string, payload: Record<string, unknown> = {}) =>
    bus.publish({ type: "ocpp.request", id: `q${seen.length}`, action, payload } as BusMessage);
  const state = () => bus.snapshot("authorization");
  return { bus, seen, replies, ask, state, config };
}

Deno.test("AuthStore keeps cache (in order), list and version, and whitelist across a reopen", async () => {
  await withDir((path) => {
    let storage = Storage.open(path);
    let store = new AuthStore(storage);
    store.apply({ kind: "cache.put", entry: { idTag: "a", info: OK }, evict: [] });
    store.apply({
      kind: "cache.put",
      entry: { idTag: "B", info: { status: "Blocked" } },
      evict: [],
    });
    store.apply({ kind: "cache.put", entry: { idTag: "A", info: OK }, evict: ["B"] });
    store.apply({
      kind: "list.replace",
      version: 4,
      entries: [{ idTag: "L1", info: OK }, { idTag: "L2", info: { status: "Expired" } }],
    });
    store.apply({
      kind: "list.update",
      version: 6,
      put: [{ idTag: "L3", info: OK }],
      remove: ["l1"],
    });
    store.replaceWhitelist([{ idTag: "W1", name: "Anna" }, { idTag: "W2" }]);
    store.putWhitelist({ idTag: "W3", expiry: "2030-01-01T00:00:00.000Z" });
    store.deleteWhitelist("w1");
    storage.close();
    storage = Storage.open(path);
    store = new AuthStore(storage);
    const data = store.load();
    assert.deepEqual([...data.cache.values()], [{ idTag: "A", info: OK }]);
    assert.equal(data.list.version, 6);
    assert.deepEqual([...data.list.entries.keys()].sort(), ["L2", "L3"]);
    assert.deepEqual([...data.whitelist.values()], [
      { idTag: "W2" },
      { idTag: "W3", expiry: "2030-01-01T00:00:00.000Z" },
    ]);
    // New cache entries keep coming after the stored ones.
    store.apply({ kind: "cache.put", entry: { idTag: "Z", info: OK }, evict: [] });
    assert.deepEqual([...store.load().cache.keys()], ["A", "Z"]);
    store.apply({ kind: "cache.clear" });
    assert.equal(store.load().cache.size, 0);
    storage.close();
  });
});

Deno.test("attachAuthStore(): SendLocalList and ClearCache answered once stored; a restart starts from the store", async () => {
  await withDir((path) => {
    const storage = Storage.open(path);
    const store = new AuthStore(storage);
    let cp = boot(store);
    cp.ask("SendLocalList", {
      listVersion: 3,
      updateType: "Full",
      localAuthorizationList: [{ idTag: "CARD", idTagInfo: OK }],
    });
    cp.bus.publish({ type: "auth.info", idTag: "CACHED", info: OK });
    assert.deepEqual(cp.replies(), [["SendLocalList", { status: "Accepted" }]]);
    const persisted = cp.seen.filter((m) => m.type === "auth.persisted");
    assert.deepEqual(persisted.map((m) => m.type === "auth.persisted" && m.ok), [true]);
    cp.bus.stop();
    // Reboot (Reset, power loss): list, version and cache come back (errata 3.4).
    cp = boot(store);
    cp.ask("GetLocalListVersion");
    assert.deepEqual(cp.replies(), [["GetLocalListVersion", { listVersion: 3 }]]);
    assert.deepEqual([...cp.state().cache.keys()], ["CACHED"]);
    cp.ask("ClearCache");
    assert.deepEqual(cp.replies().at(-1), ["ClearCache", { status: "Accepted" }]);
    assert.equal(store.load().cache.size, 0);
    storage.close();
  });
});

Deno.test("attachAuthStore(): a store that cannot write makes SendLocalList Failed and ClearCache Rejected, nothing changed", async () => {
  await withDir((path) => {
    const storage = Storage.open(path);
    const store = new AuthStore(storage);
    store.apply({ kind: "cache.put", entry: { idTag: "KEEP", info: OK }, evict: [] });
    const cp = boot(store);
    storage.db.exec("DROP TABLE auth_list"); // the disk can no longer take the list
    storage.db.exec(
      "CREATE TRIGGER no_clear BEFORE DELETE ON auth_cache BEGIN SELECT RAISE(ABORT, 'disk full'); END",
    );
    cp.ask("SendLocalList", {
      listVersion: 2,
      updateType: "Full",
      localAuthorizationList: [{ idTag: "CARD", idTagInfo: OK }],
    });
    cp.ask("ClearCache");
    assert.deepEqual(cp.replies(), [
      ["SendLocalList", { status: "Failed" }],
      ["ClearCache", { status: "Rejected" }],
    ]);
    assert.equal(cp.state().list.entries.size, 0);
    assert.deepEqual([...cp.state().cache.keys()], ["KEEP"]);
    assert.ok(cp.seen.some((m) => m.type === "log" && m.level === "error"));
    storage.close();
  });
});

Deno.test("whitelistAccess() stores first, then tells the actor; a store failure changes nothing", async () => {
  await withDir((path) => {
    const storage = Storage.open(path);
    const store = new AuthStore(storage);
    const cp = boot(store, { WhitelistSource: "local" });
    const access = whitelistAccess({ bus: () => cp.bus, config: () => cp.config, store });
    assert.equal(access.source(), "local");
    access.replace([{ idTag: "A", name: "Anna" }, { idTag: "B" }]);
    assert.equal(access.add({ idTag: "C" }), true);
    assert.equal(access.add({ idTag: "c" }), false, "idTags are case-insensitive");
    assert.equal(access.remove("a"), true);
    assert.equal(access.remove("nope"), false);
    const expected = [{ idTag: "B" }, { idTag: "C" }];
    assert.deepEqual(access.entries(), expected);
    assert.deepEqual([...store.load().whitelist.values()], expected);
    storage.db.exec("DROP TABLE auth_whitelist");
    assert.throws(() => access.add({ idTag: "D" }));
    assert.throws(() => access.replace([]));
    assert.deepEqual(access.entries(), expected, "the actor did not see the failed changes");
    assert.deepEqual(access.ocppList(), { managed: false, version: -1, entries: [] });
    storage.close();
  });
});
