import assert from "node:assert/strict";
import { DatabaseSync } from "node:sqlite";
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

async function sha256(path: string): Promise<string> {
  const bytes = await Deno.readFile(path);
  return Array.from(new Uint8Array(await crypto.subtle.digest("SHA-256", bytes)))
    .map((b) => b.toString(16).padStart(2, "0")).join("");
}

Deno.test("openStore() treats a store truncated to 0 bytes as damage, not as a first start", async () => {
  const dir = await Deno.makeTempDir();
  const first = openStore(dir, () => {});
  first.storage.close();
  await Deno.truncate(`${dir}/state.db`, 0);
  const logs: string[] = [];
  const opened = openStore(dir, (level, t) => logs.push(`${level}: ${t}`), NOW);
  const aside = `${dir}/state.db.damaged-2026-03-01T10-00-00-000Z`;
  assert.equal(opened.movedTo, aside);
  assert.equal(opened.safeMode, `store was damaged and moved to ${aside}`);
  assert.equal((await Deno.stat(aside)).size, 0);
  assert.match(logs[0]!, /^error: Cannot use store .*empty \(0 bytes\).*Moved it to/);
  opened.storage.close();
  await Deno.remove(dir, { recursive: true });
});

Deno.test("openStore() treats a store whose tables are gone as damage", async () => {
  const dir = await Deno.makeTempDir();
  const first = openStore(dir, () => {});
  const names = first.storage.db.prepare("SELECT name FROM sqlite_master WHERE type = 'table'")
    .all().map((r) => String(r.name));
  for (const name of names) first.storage.db.exec(`DROP TABLE "${name}"`);
  first.storage.close();
  const opened = openStore(dir, () => {}, NOW);
  assert.match(opened.safeMode ?? "", /^store was damaged and moved to /);
  opened.storage.close();
  await Deno.remove(dir, { recursive: true });
});

Deno.test("openStore() keeps a foreign SQLite file byte-identical: no migrations table, no WAL", async () => {
  const dir = await Deno.makeTempDir();
  const path = `${dir}/state.db`;
  const foreign = new DatabaseSync(path);
  foreign.exec("CREATE TABLE photos (id INTEGER PRIMARY KEY, name TEXT)");
  foreign.exec("INSERT INTO photos (name) VALUES ('holiday.jpg')");
  foreign.close();
  const before = await sha256(path);
  const opened = openStore(dir, () => {}, NOW);
  const aside = `${dir}/state.db.damaged-2026-03-01T10-00-00-000Z`;
  assert.equal(opened.movedTo, aside);
  assert.equal(await sha256(aside), before);
  for (const suffix of ["-wal", "-journal"]) {
    await assert.rejects(() => Deno.stat(aside + suffix), Deno.errors.NotFound);
  }
  const kept = new DatabaseSync(aside, { readOnly: true });
  assert.deepEqual(
    kept.prepare("SELECT name FROM sqlite_master WHERE type = 'table'").all().map((r) => r.name),
    ["photos"],
  );
  assert.equal(
    (kept.prepare("PRAGMA journal_mode").get() as { journal_mode: string }).journal_mode,
    "delete",
  );
  kept.close();
  opened.storage.close();
  await Deno.remove(dir, { recursive: true });
});

Deno.test("openStore() on a first start (no file) is no damage", async () => {
  const dir = await Deno.makeTempDir();
  const logs: string[] = [];
  const opened = openStore(dir, (_, t) => logs.push(t));
  assert.equal(opened.safeMode, undefined);
  assert.deepEqual(logs, []);
  opened.storage.close();
  await Deno.remove(dir, { recursive: true });
});

Deno.test("openStore() after a first start cut off while making the store: no damage, a clean start", async () => {
  const dir = await Deno.makeTempDir();
  // What a kill during the first start's migrations leaves: a store being made, header only.
  const half = new DatabaseSync(`${dir}/state.db.new`);
  half.exec("PRAGMA journal_mode = WAL");
  half.close();
  const logs: string[] = [];
  const opened = openStore(dir, (_, t) => logs.push(t));
  assert.equal(opened.safeMode, undefined);
  assert.deepEqual(logs, []);
  assert.ok(
    opened.storage.db.prepare("SELECT 1 FROM sqlite_master WHERE name = 'migrations'").get(),
  );
  opened.storage.close();
  const names = [...Deno.readDirSync(dir)].map((e) => e.name).filter((n) =>
    !n.startsWith("state.db-")
  );
  assert.deepEqual(names.sort(), ["state.db"]);
  await Deno.remove(dir, { recursive: true });
});

Deno.test("openStore() makes a first store that is complete on disk before it is used", async () => {
  const dir = await Deno.makeTempDir();
  const opened = openStore(dir, () => {});
  // A second, read-only look sees the migrations already: no half-made state.db ever exists.
  const look = new DatabaseSync(`${dir}/state.db`, { readOnly: true });
  const n = look.prepare("SELECT count(*) AS n FROM migrations").get() as { n: number };
  look.close();
  opened.storage.close();
  assert.ok(n.n > 0);
  await Deno.remove(dir, { recursive: true });
});
