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

/** Starts main.ts on a data directory; resolves with the API's address once it listens. */
async function startMain(dataDir: string, env: Record<string, string> = {}) {
  const child = new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "-A",
      new URL("./main.ts", import.meta.url).pathname,
      "--data-dir",
      dataDir,
      "--http",
      "127.0.0.1:0",
    ],
    env: { LOG_LEVEL: "info", ...env },
    clearEnv: false,
    stdin: "null",
    stdout: "null",
    stderr: "piped",
  }).spawn();
  let log = "";
  const reader = child.stderr.pipeThrough(new TextDecoderStream()).getReader();
  const listening = (async () => {
    for (;;) {
      const { value, done } = await reader.read();
      if (done) return undefined;
      log += value;
      const m = /local API on http:\/\/([\d.]+:\d+)/.exec(log);
      if (m) return m[1];
    }
  })();
  const timeout = new Promise<undefined>((ok) => setTimeout(() => ok(undefined), 20_000));
  const addr = await Promise.race([listening, timeout]);
  return {
    addr,
    log: () => log,
    async stop() {
      try {
        child.kill("SIGTERM");
      } catch { /* ended */ }
      const status = await child.status;
      reader.releaseLock();
      await child.stderr.cancel().catch(() => {});
      return status;
    },
  };
}

Deno.test("main: an empty api-token file is moved aside, a new token written and reported; the API listens", async () => {
  const dir = await Deno.makeTempDir();
  try {
    await Deno.writeTextFile(`${dir}/api-token`, "");
    const main = await startMain(dir);
    const stopped = main.stop;
    try {
      assert.ok(main.addr, `the API never listened:\n${main.log()}`);
      const token = (await Deno.readTextFile(`${dir}/api-token`)).trim();
      assert.match(token, /^[0-9a-f]{64}$/);
      const res = await fetch(`http://${main.addr}/api/status`, {
        headers: { Authorization: `Bearer ${token}` },
      });
      assert.equal(res.status, 200);
      await res.body?.cancel();
      assert.match(main.log(), /api-token: file is empty\. Moved it to .*api-token\.damaged-/);
      assert.ok([...Deno.readDirSync(dir)].some((e) => e.name.startsWith("api-token.damaged-")));
    } finally {
      await stopped();
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("main: an unusable CP_API_TOKEN stops the start with the reason and a non-zero exit", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const main = await startMain(dir, { CP_API_TOKEN: "has a space" });
    const status = await main.stop();
    assert.equal(main.addr, undefined);
    assert.equal(status.code, 1);
    assert.match(
      main.log(),
      /Cannot use CP_API_TOKEN: token must be visible ASCII.*; not starting/,
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("main: invalid stored settings are each reported in the log and /api/status, the rest kept", async () => {
  const dir = await Deno.makeTempDir();
  try {
    await Deno.writeTextFile(
      `${dir}/settings.json`,
      JSON.stringify({
        ChargePointId: 5,
        CentralSystemUrl: "http://wrong",
        HeartbeatInterval: 120,
      }),
    );
    const main = await startMain(dir, { CP_API_TOKEN: "main-test-token" });
    try {
      assert.ok(main.addr, main.log());
      assert.match(
        main.log(),
        /Stored setting ChargePointId is invalid: stored value must be a string/,
      );
      assert.match(main.log(), /Stored setting CentralSystemUrl is invalid/);
      const res = await fetch(`http://${main.addr}/api/status`, {
        headers: { Authorization: "Bearer main-test-token" },
      });
      const status = await res.json();
      assert.deepEqual(status.settings.problems.map((p: { field: string }) => p.field), [
        "ChargePointId",
        "CentralSystemUrl",
      ]);
    } finally {
      await main.stop();
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
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
    const fatal = stderr.split("\n").filter((l) => l.startsWith("Cannot start"));
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
