import assert from "node:assert/strict";
import { writeFileAtomicSync } from "./atomic_write.ts";

Deno.test("writeFileAtomicSync() replaces the file with the given mode and leaves no temp file", async () => {
  const dir = await Deno.makeTempDir();
  const path = `${dir}/secret.txt`;
  await Deno.writeTextFile(path, "old");
  writeFileAtomicSync(path, new TextEncoder().encode("new\n"), 0o600);
  assert.equal(await Deno.readTextFile(path), "new\n");
  assert.equal((await Deno.stat(path)).mode! & 0o777, 0o600);
  assert.deepEqual([...Deno.readDirSync(dir)].map((e) => e.name), ["secret.txt"]);
  await Deno.remove(dir, { recursive: true });
});

Deno.test("writeFileAtomicSync() leaves the target as it was and no temp file when the rename fails", async () => {
  const dir = await Deno.makeTempDir();
  await Deno.mkdir(`${dir}/blocker`);
  // Renaming a file over a directory fails: the target must stand, the temp file must go.
  assert.throws(() => writeFileAtomicSync(`${dir}/blocker`, new TextEncoder().encode("x"), 0o600));
  assert.ok((await Deno.stat(`${dir}/blocker`)).isDirectory);
  assert.deepEqual([...Deno.readDirSync(dir)].map((e) => e.name), ["blocker"]);
  await Deno.remove(dir, { recursive: true });
});
