import assert from "node:assert/strict";
import { Storage, StorageError } from "./storage.ts";

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
