import assert from "node:assert/strict";
import { parseCommandLine } from "./main.ts";

Deno.test("parseCommandLine() gives the contract's defaults", () => {
  assert.deepEqual(parseCommandLine([]), { dataDir: "./data", hostname: "127.0.0.1", port: 8080 });
});

Deno.test("parseCommandLine() reads --data-dir, --config and --http in both forms", () => {
  assert.deepEqual(
    parseCommandLine(["--data-dir", "/var/lib/cp", "--config=c.json", "--http", "[::1]:9000"]),
    {
      dataDir: "/var/lib/cp",
      config: "c.json",
      hostname: "::1",
      port: 9000,
    },
  );
});

Deno.test("parseCommandLine() rejects unknown arguments, missing values and bad addresses", () => {
  assert.throws(() => parseCommandLine(["--verbose"]), /unknown argument --verbose/);
  assert.throws(() => parseCommandLine(["--config"]), /--config needs a value/);
  assert.throws(() => parseCommandLine(["--http", "8080"]), /expected HOST:PORT/);
  assert.throws(() => parseCommandLine(["--http", "h:99999"]), /expected HOST:PORT/);
});

/** Runs main.ts with `args` until it exits (or `ms` pass), returning its exit code and stderr. */
async function runMain(args: string[], ms = 30_000): Promise<{ code: number; stderr: string }> {
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", new URL("./main.ts", import.meta.url).pathname, ...args],
    stdin: "null",
    stdout: "null",
    stderr: "piped",
  }).spawn();
  const timer = setTimeout(() => child.kill("SIGKILL"), ms);
  const out = await child.output();
  clearTimeout(timer);
  return { code: out.code, stderr: new TextDecoder().decode(out.stderr) };
}

Deno.test("main: a port in use prints one clear line and exits 1, starting nothing", async () => {
  const busy = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const dir = await Deno.makeTempDir({ prefix: "cp-main-" });
  try {
    const { port } = busy.addr as Deno.NetAddr;
    const { code, stderr } = await runMain([
      "--data-dir",
      `${dir}/data`,
      "--http",
      `127.0.0.1:${port}`,
    ]);
    assert.equal(code, 1);
    const lines = stderr.trim().split("\n").filter((l) => !/^\S*info\b/i.test(l) && l !== "");
    const fatal = lines.filter((l) => l.startsWith("Cannot start"));
    assert.equal(fatal.length, 1, stderr);
    assert.match(fatal[0]!, /address of the web app is in use .*--http HOST:PORT/);
    assert.ok(!/\n\s+at /.test(stderr), `no stack trace: ${stderr}`);
  } finally {
    busy.close();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("main: a fresh standalone data directory starts with the local whitelist", async () => {
  const dir = await Deno.makeTempDir({ prefix: "cp-main-" });
  const busy = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  try {
    // The port is in use, so main stops right after writing its first-run settings.
    const { port } = busy.addr as Deno.NetAddr;
    await runMain(["--data-dir", `${dir}/data`, "--http", `127.0.0.1:${port}`]);
    const settings = JSON.parse(await Deno.readTextFile(`${dir}/data/settings.json`));
    assert.equal(settings.AuthorizationMode, "local");
    assert.equal(settings.WhitelistSource, "local");
  } finally {
    busy.close();
    await Deno.remove(dir, { recursive: true });
  }
});
