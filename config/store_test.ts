import assert from "node:assert/strict";
import { ConfigStore, SettingsError } from "./store.ts";
import { readOnlyDir } from "./_disk_testing.ts";

const SECRET = "0123456789abcdef0123";

async function withDir(fn: (dir: string) => Promise<void>): Promise<void> {
  const dir = await Deno.makeTempDir({ prefix: "store_test_" });
  try {
    await fn(dir);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

async function readJson(path: string): Promise<unknown> {
  return JSON.parse(await Deno.readTextFile(path));
}

Deno.test("ConfigStore.get() gives defaults and throws RangeError for an unknown key", () => {
  const store = new ConfigStore();
  assert.equal(store.get("HeartbeatInterval"), 86400);
  assert.equal(store.view.int("HeartbeatInterval"), 86400);
  assert.throws(() => store.get("Testing"), {
    name: "RangeError",
    message: "Cannot read config key Testing: unknown key",
  });
});

Deno.test("ConfigStore.open() starts from defaults without a settings file", async () => {
  await withDir(async (dir) => {
    const store = await ConfigStore.open(dir);
    assert.equal(store.get("BackendConnectionType"), "none");
    await assert.rejects(Deno.stat(`${dir}/settings.json`), Deno.errors.NotFound);
  });
});

Deno.test("ConfigStore persists set() and apply() across a reopen", async () => {
  await withDir(async (dir) => {
    const store = await ConfigStore.open(dir);
    await store.set("HeartbeatInterval", 300);
    await store.apply(
      new Map<string, string | number | boolean>([
        ["CentralSystemUrl", "ws://cs.example.com/ocpp"],
        ["LocalAuthorizeOffline", false],
      ]),
    );
    assert.deepEqual(await readJson(`${dir}/settings.json`), {
      HeartbeatInterval: 300,
      CentralSystemUrl: "ws://cs.example.com/ocpp",
      LocalAuthorizeOffline: false,
    });
    const again = await ConfigStore.open(dir);
    assert.equal(again.get("HeartbeatInterval"), 300);
    assert.equal(again.view.str("CentralSystemUrl"), "ws://cs.example.com/ocpp");
    assert.equal(again.view.bool("LocalAuthorizeOffline"), false);
    assert.equal(again.get("BlinkRepeat"), 0);
    await assert.rejects(Deno.stat(`${dir}/settings.json.tmp`), Deno.errors.NotFound);
  });
});

Deno.test({
  name: "ConfigStore writes settings.json with mode 0600",
  ignore: Deno.build.os === "windows",
  fn: async () => {
    await withDir(async (dir) => {
      const store = await ConfigStore.open(dir);
      await store.set("AuthorizationKey", SECRET);
      const info = await Deno.stat(`${dir}/settings.json`);
      assert.equal((info.mode ?? 0) & 0o777, 0o600);
    });
  },
});

Deno.test("ConfigStore persists concurrent set() calls, one save after another", async () => {
  await withDir(async (dir) => {
    const store = await ConfigStore.open(dir);
    await Promise.all([
      store.set("HeartbeatInterval", 300),
      store.set("BlinkRepeat", 2),
      store.set("LightIntensity", 50),
    ]);
    assert.deepEqual(await readJson(`${dir}/settings.json`), {
      HeartbeatInterval: 300,
      BlinkRepeat: 2,
      LightIntensity: 50,
    });
  });
});

Deno.test("ConfigStore.open() drops unknown keys and invalid values of a settings file", async () => {
  await withDir(async (dir) => {
    await Deno.writeTextFile(
      `${dir}/settings.json`,
      JSON.stringify({
        HeartbeatInterval: 120,
        OldKey: 1,
        BlinkRepeat: "fast",
        LightIntensity: 101,
      }),
    );
    const store = await ConfigStore.open(dir);
    assert.equal(store.get("HeartbeatInterval"), 120);
    assert.equal(store.get("BlinkRepeat"), 0);
    assert.equal(store.get("LightIntensity"), 100);
    await store.set("MinimumStatusDuration", 5);
    assert.deepEqual(await readJson(`${dir}/settings.json`), {
      HeartbeatInterval: 120,
      MinimumStatusDuration: 5,
    });
  });
});

Deno.test("ConfigStore.open() throws SyntaxError naming a settings file that is not JSON", async () => {
  await withDir(async (dir) => {
    await Deno.writeTextFile(`${dir}/settings.json`, "{ HeartbeatInterval: 60");
    await assert.rejects(ConfigStore.open(dir), {
      name: "SyntaxError",
      message: `Cannot read ${dir}/settings.json: not JSON`,
    });
  });
});

Deno.test("ConfigStore.open() throws TypeError for a settings file that is not an object", async () => {
  await withDir(async (dir) => {
    await Deno.writeTextFile(`${dir}/settings.json`, "[1, 2]");
    await assert.rejects(ConfigStore.open(dir), {
      name: "TypeError",
      message: `Cannot read ${dir}/settings.json: not a JSON object`,
    });
  });
});

Deno.test("ConfigStore.validateSettings() returns the changes by OCPP key", () => {
  const store = new ConfigStore();
  const changes = store.validateSettings({
    backendUrl: "wss://cs.example.com/ocpp",
    HeartbeatInterval: 600,
    keepAliveIntervalS: 0,
    proxy: "proxy:3128",
  });
  assert.deepEqual(
    changes,
    new Map<string, string | number>([
      ["CentralSystemUrl", "wss://cs.example.com/ocpp"],
      ["HeartbeatInterval", 600],
      ["WebSocketProxy", "proxy:3128"],
    ]),
  );
});

Deno.test("ConfigStore.validateSettings() names every bad field and changes nothing", () => {
  const store = new ConfigStore();
  const input = {
    backendUrl: "http://cs.example.com/",
    HeartbeatInterval: 600,
    keepAliveIntervalS: -1,
    NumberOfConnectors: 2,
    colour: "red",
    chargePointId: "",
  };
  let caught: unknown;
  try {
    store.validateSettings(input);
  } catch (e) {
    caught = e;
  }
  assert.ok(caught instanceof SettingsError);
  assert.equal(caught.name, "SettingsError");
  assert.deepEqual(caught.errors, [
    { field: "backendUrl", reason: "must be a ws:// or wss:// URL" },
    { field: "keepAliveIntervalS", reason: "must be >= 0" },
    { field: "NumberOfConnectors", reason: "is read-only" },
    { field: "colour", reason: "is not a known setting" },
    { field: "chargePointId", reason: "must not be empty" },
  ]);
  assert.equal(
    caught.message,
    "Cannot apply settings: backendUrl must be a ws:// or wss:// URL; keepAliveIntervalS must be >= 0; " +
      "NumberOfConnectors is read-only; colour is not a known setting; chargePointId must not be empty",
  );
  assert.equal(store.get("HeartbeatInterval"), 86400);
  assert.equal(store.get("CentralSystemUrl"), "");
});

Deno.test("ConfigStore.validateSettings() rejects a body that is not an object", () => {
  const store = new ConfigStore();
  for (const body of [null, [], "x", 1]) {
    assert.throws(() => store.validateSettings(body), {
      name: "SettingsError",
      message: "Cannot apply settings: (body) must be a JSON object",
    });
  }
});

Deno.test("ConfigStore.publicSettings() shows whether the password is set, never its value", async () => {
  const store = new ConfigStore();
  const before = store.publicSettings();
  assert.equal(before.backendPasswordSet, false);
  assert.equal(before.backendUrl, "");
  assert.equal(before.keepAliveIntervalS, 0);
  await store.apply(store.validateSettings({ backendPassword: SECRET }));
  const after = store.publicSettings();
  assert.equal(after.backendPasswordSet, true);
  assert.equal("backendPassword" in after, false);
  assert.equal(JSON.stringify(after).includes(SECRET), false);
  assert.deepEqual(Object.keys(after).sort(), Object.keys(before).sort());
  assert.equal("HeartbeatInterval" in after, false);
});

Deno.test("ConfigStore.set() has the value on disk before it returns, without awaiting", async () => {
  const dir = await Deno.makeTempDir();
  const store = await ConfigStore.open(dir);
  const pending = store.set("HeartbeatInterval", 123);
  // Nothing awaited yet: a kill at this instant must still find the value.
  const onDisk = JSON.parse(Deno.readTextFileSync(`${dir}/settings.json`));
  assert.equal(onDisk.HeartbeatInterval, 123);
  await pending;
  await Deno.remove(dir, { recursive: true });
});

Deno.test("ConfigStore.set() and apply() on a read-only data directory throw and change nothing", async () => {
  await withDir(async (dir) => {
    const store = await ConfigStore.open(dir);
    await store.set("HeartbeatInterval", 300);
    const restore = await readOnlyDir(dir);
    try {
      assert.throws(() => store.setSync("HeartbeatInterval", 60), Deno.errors.PermissionDenied);
      await assert.rejects(store.set("HeartbeatInterval", 60));
      await assert.rejects(store.apply(new Map([["HeartbeatInterval", 60], ["BlinkRepeat", 2]])));
      // Memory still agrees with the disk.
      assert.equal(store.get("HeartbeatInterval"), 300);
      assert.equal(store.view.int("HeartbeatInterval"), 300);
      assert.equal(store.get("BlinkRepeat"), (await ConfigStore.open(dir)).get("BlinkRepeat"));
      assert.equal(
        ((await readJson(`${dir}/settings.json`)) as Record<string, unknown>).HeartbeatInterval,
        300,
      );
    } finally {
      await restore();
    }
    // Writable again: the next write goes through.
    store.setSync("HeartbeatInterval", 60);
    assert.equal((await ConfigStore.open(dir)).get("HeartbeatInterval"), 60);
  });
});

Deno.test("ConfigStore.open() reports each invalid stored value and keeps the rest", async () => {
  await withDir(async (dir) => {
    await Deno.writeTextFile(
      `${dir}/settings.json`,
      JSON.stringify({
        ChargePointId: 5,
        CentralSystemUrl: "http://wrong",
        AuthorizationKey: 42,
        HeartbeatInterval: 120,
      }),
    );
    const store = await ConfigStore.open(dir);
    assert.equal(store.get("HeartbeatInterval"), 120);
    assert.deepEqual(store.problems.map((p) => p.field), [
      "ChargePointId",
      "CentralSystemUrl",
      "AuthorizationKey",
    ]);
    assert.match(store.problems[0]!.reason, /^stored value must be a string; using the default "/);
    assert.match(store.problems[1]!.reason, /^stored value .*ws/);
    // A secret's stored value is never repeated.
    assert.equal(store.problems[2]!.reason, "stored value must be a string; using the default");
  });
});

Deno.test("ConfigStore.open() reads a settings file that starts with a UTF-8 byte order mark", async () => {
  await withDir(async (dir) => {
    await Deno.writeTextFile(`${dir}/settings.json`, '\uFEFF{"HeartbeatInterval": 90}');
    const store = await ConfigStore.open(dir);
    assert.equal(store.get("HeartbeatInterval"), 90);
    assert.deepEqual(store.problems, []);
  });
});

Deno.test("ConfigStore.validateSettings() keeps values the backend reads within CiString500", () => {
  const store = new ConfigStore();
  const rotation = Array.from({ length: 100 }, (_, i) => `${i}.RST`).join(",");
  assert.throws(
    () => store.validateSettings({ ConnectorPhaseRotation: rotation }),
    (e: unknown) =>
      e instanceof SettingsError &&
      e.errors[0]?.field === "ConnectorPhaseRotation" &&
      /at most 500 characters/.test(e.errors[0].reason),
  );
  assert.equal(store.validateSettings({ ConnectorPhaseRotation: "0.RST,1.RTS" }).size, 1);
});
