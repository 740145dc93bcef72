import assert from "node:assert/strict";
import { RELAXED_MAX_MS, Storage, StorageError } from "./storage.ts";

Deno.test("Storage.migrate() runs a migration once and keeps its data across reopen", async () => {
  const dir = await Deno.makeTempDir();
  const path = `${dir}/state.db`;
  let s = Storage.open(path);
  s.migrate("t1", "CREATE TABLE t (v INTEGER)");
  s.migrate("t1", "CREATE TABLE t (v INTEGER)"); // would throw if run twice
  s.db.prepare("INSERT INTO t (v) VALUES (?)").run(7);
  s.close();
  s = Storage.open(path);
  assert.deepEqual(s.db.prepare("SELECT v FROM t").all().map((r) => (r as { v: number }).v), [7]);
  assert.ok(s.sizeBytes() > 0);
  s.close();
  await Deno.remove(dir, { recursive: true });
});

Deno.test("Storage.transaction() commits all or nothing", async () => {
  const dir = await Deno.makeTempDir();
  const s = Storage.open(`${dir}/state.db`);
  s.migrate("t1", "CREATE TABLE t (v INTEGER NOT NULL)");
  assert.throws(() =>
    s.transaction(() => {
      s.db.prepare("INSERT INTO t (v) VALUES (?)").run(1);
      s.db.prepare("INSERT INTO t (v) VALUES (NULL)").run();
    })
  );
  assert.equal((s.db.prepare("SELECT count(*) AS n FROM t").get() as { n: number }).n, 0);
  s.close();
  await Deno.remove(dir, { recursive: true });
});

Deno.test("Storage.open() refuses a file that is not a database with a StorageError", async () => {
  const dir = await Deno.makeTempDir();
  await Deno.writeTextFile(
    `${dir}/state.db`,
    "this is not a database, it is a text file of some length\n".repeat(100),
  );
  assert.throws(
    () => Storage.open(`${dir}/state.db`),
    (err) => err instanceof StorageError && /Cannot (open|use) store/.test(err.message),
  );
  await Deno.remove(dir, { recursive: true });
});

Deno.test("Storage.transaction() relaxed: no fsync of its own, covered by the next full commit, bounded in time", async () => {
  const dir = await Deno.makeTempDir();
  const s = Storage.open(`${dir}/state.db`);
  let now = 1_000;
  s.now = () => now;
  s.migrate("t1", "CREATE TABLE t (v INTEGER NOT NULL)");
  const sync = () => (s.db.prepare("PRAGMA synchronous").get() as { synchronous: number });
  const insert = (v: number) => s.db.prepare("INSERT INTO t (v) VALUES (?)").run(v);
  s.synced();
  let inside = -1;
  s.transaction(() => {
    insert(1);
    inside = sync().synchronous;
  }, "relaxed");
  assert.equal(inside, 1, "NORMAL while the relaxed transaction commits");
  assert.equal(sync().synchronous, 2, "FULL again after it");
  s.transaction(() => insert(2), "relaxed");
  assert.equal(s.unsynced, 2);
  // A full commit's fsync covers the relaxed ones before it.
  s.transaction(() => insert(3));
  assert.equal(s.unsynced, 0);
  s.transaction(() => insert(4), "relaxed");
  assert.equal(s.unsynced, 1);
  // Past the bound, a relaxed commit is a full one.
  now += RELAXED_MAX_MS;
  s.transaction(() => {
    insert(5);
    inside = sync().synchronous;
  }, "relaxed");
  assert.equal(inside, 2);
  assert.equal(s.unsynced, 0);
  // A failed relaxed transaction commits nothing and leaves FULL on.
  assert.throws(() =>
    s.transaction(() => s.db.prepare("INSERT INTO t (v) VALUES (NULL)").run(), "relaxed")
  );
  assert.equal(sync().synchronous, 2);
  assert.deepEqual(s.db.prepare("SELECT v FROM t").all().map((r) => (r as { v: number }).v), [
    1,
    2,
    3,
    4,
    5,
  ]);
  s.close();
  await Deno.remove(dir, { recursive: true });
});
