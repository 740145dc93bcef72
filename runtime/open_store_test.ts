import assert from "node:assert/strict";
import { openStore } from "./open_store.ts";

const NOW = new Date("2026-03-01T10:00:00.000Z");

Deno.test("openStore() opens a good store without safe mode", async () => {
  const dir = await Deno.makeTempDir();
  const logs: string[] = [];
  const first = openStore(dir, (_, t) => logs.push(t));
  first.storage.db.exec("CREATE TABLE kept (v INTEGER)");
  first.storage.close();
  const again = openStore(dir, (_, t) => logs.push(t));
  assert.equal(again.safeMode, undefined);
  assert.ok(again.storage.db.prepare("SELECT 1 FROM sqlite_master WHERE name = 'kept'").get());
  again.storage.close();
  assert.deepEqual(logs, []);
  await Deno.remove(dir, { recursive: true });
});

Deno.test("openStore() moves a damaged store aside, never deletes it, and starts empty in safe mode", async () => {
  const dir = await Deno.makeTempDir();
  const garbage = "not a database, but someone's data all the same\n".repeat(200);
  await Deno.writeTextFile(`${dir}/state.db`, garbage);
  await Deno.writeTextFile(`${dir}/state.db-wal`, "wal bytes");
  const logs: string[] = [];
  const opened = openStore(dir, (level, t) => logs.push(`${level}: ${t}`), NOW);
  const aside = `${dir}/state.db.damaged-2026-03-01T10-00-00-000Z`;
  assert.equal(opened.movedTo, aside);
  assert.equal(await Deno.readTextFile(aside), garbage);
  assert.equal(await Deno.readTextFile(`${aside}-wal`), "wal bytes");
  assert.equal(opened.safeMode, `store was damaged and moved to ${aside}`);
  assert.equal(logs.length, 1);
  assert.match(logs[0]!, /^error: Cannot (open|use) store .*Moved it to .*nothing deleted/);
  // The new store works.
  opened.storage.db.exec("CREATE TABLE t (v INTEGER)");
  assert.ok(opened.storage.sizeBytes() > 0);
  opened.storage.close();
  await Deno.remove(dir, { recursive: true });
});

Deno.test("openStore() runs on a store in memory, in safe mode, when none can be created", () => {
  const logs: string[] = [];
  const opened = openStore("/dev/null/no-such-dir", (_, t) => logs.push(t));
  assert.match(opened.safeMode ?? "", /^(cannot create the store|store unreadable)/);
  assert.equal(opened.movedTo, undefined);
  assert.match(logs[0] ?? "", /running on a store in memory, charging disabled$/);
  opened.storage.db.exec("CREATE TABLE t (v INTEGER)");
  opened.storage.close();
});
