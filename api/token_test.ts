import assert from "node:assert/strict";
import { API_TOKEN_FILE, loadApiToken } from "./token.ts";

Deno.test("loadApiToken() returns the environment value and creates no file", async () => {
  const dir = await Deno.makeTempDir();
  try {
    assert.equal(await loadApiToken(dir, " from-env "), "from-env");
    await assert.rejects(Deno.stat(`${dir}/${API_TOKEN_FILE}`), Deno.errors.NotFound);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("loadApiToken() prefers the environment value over an existing file", async () => {
  const dir = await Deno.makeTempDir();
  try {
    await Deno.writeTextFile(`${dir}/${API_TOKEN_FILE}`, "from-file\n");
    assert.equal(await loadApiToken(dir, "from-env"), "from-env");
    assert.equal(await loadApiToken(dir, ""), "from-file");
    assert.equal(await loadApiToken(dir), "from-file");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("loadApiToken() creates a random token file with mode 0600 and reuses it", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const first = await loadApiToken(dir, undefined);
    assert.match(first, /^[0-9a-f]{64}$/);
    const path = `${dir}/${API_TOKEN_FILE}`;
    assert.equal((await Deno.readTextFile(path)).trim(), first);
    if (Deno.build.os !== "windows") assert.equal((await Deno.stat(path)).mode! & 0o777, 0o600);
    assert.equal(await loadApiToken(dir), first);
    assert.deepEqual(
      [...Deno.readDirSync(dir)].map((e) => e.name),
      [API_TOKEN_FILE],
      "no temp file left behind",
    );

    const other = await Deno.makeTempDir();
    try {
      assert.notEqual(await loadApiToken(other), first);
    } finally {
      await Deno.remove(other, { recursive: true });
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("loadApiToken() creates a missing data directory", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const token = await loadApiToken(`${dir}/data`);
    assert.equal((await Deno.readTextFile(`${dir}/data/${API_TOKEN_FILE}`)).trim(), token);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("loadApiToken() rejects an empty or whitespace-only token file", async () => {
  const dir = await Deno.makeTempDir();
  const path = `${dir}/${API_TOKEN_FILE}`;
  try {
    for (const text of ["", " \n\t\n"]) {
      await Deno.writeTextFile(path, text);
      await assert.rejects(loadApiToken(dir), {
        name: "Error",
        message: `Cannot read API token file ${path}: file is empty`,
      });
      assert.equal(await Deno.readTextFile(path), text, "the file is left as it was");
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("loadApiToken() rejects a token that cannot be sent in a header", async () => {
  const dir = await Deno.makeTempDir();
  try {
    await Deno.writeTextFile(`${dir}/${API_TOKEN_FILE}`, "two words\n");
    await assert.rejects(loadApiToken(dir), /^Error: Cannot read API token file .*: token must/);
    await assert.rejects(
      loadApiToken(dir, "   "),
      /^Error: Cannot use CP_API_TOKEN: token is empty/,
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
