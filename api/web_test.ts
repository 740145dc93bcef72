import assert from "node:assert/strict";
import { createApi } from "./api.ts";
import { BACKEND_DETAILS, type FakeRuntime, fakeRuntime, SseReader } from "./_testing.ts";
import { makeTestPki } from "../tests/harness.ts";

const TOKEN = "web-test-token-0123456789abcdef";
const PASSWORD = "Backend-Passw0rd-0123";
const BASE = "http://wallbox.local:8080";

interface Rig {
  readonly fake: FakeRuntime;
  /** The clock of sessions and login limits; tests move it. */
  now: number;
  request(
    method: string,
    path: string,
    opts?: { body?: unknown; headers?: Record<string, string>; from?: string },
  ): Promise<Response>;
  /** Logs in; returns the cookie header value and the CSRF token. */
  login(): Promise<{ cookie: string; csrf: string }>;
}

function rig(opts: { sim?: boolean; dataDir?: string } = {}): Rig {
  const fake = fakeRuntime(opts);
  const r: Rig = {
    fake,
    now: Date.UTC(2026, 0, 1),
    request: (method, path, o = {}) => {
      const headers: Record<string, string> = { ...o.headers };
      let body: string | Uint8Array<ArrayBuffer> | null = null;
      if (o.body !== undefined) {
        body = typeof o.body === "string" || o.body instanceof Uint8Array
          ? o.body as string | Uint8Array<ArrayBuffer>
          : JSON.stringify(o.body);
        headers["Content-Type"] ??= "application/json";
      }
      return Promise.resolve(app.request(`${BASE}${path}`, { method, headers, body }, {
        remoteAddr: { hostname: o.from ?? "192.168.1.20", port: 50000, transport: "tcp" },
      }));
    },
    async login() {
      const res = await r.request("POST", "/login", { body: { token: TOKEN } });
      assert.equal(res.status, 200);
      const cookie = (res.headers.get("Set-Cookie") ?? "").split(";")[0]!;
      return { cookie, csrf: (await res.json()).csrf };
    },
  };
  const app = createApi(fake, {
    token: TOKEN,
    web: {
      now: () => r.now,
      pollMs: 5,
      ...(opts.dataDir !== undefined ? { dataDir: opts.dataDir } : {}),
    },
  });
  return r;
}

Deno.test("web: GET / serves the page with a strict Content-Security-Policy", async () => {
  const { request } = rig();
  const res = await request("GET", "/");
  assert.equal(res.status, 200);
  assert.match(res.headers.get("Content-Type") ?? "", /^text\/html/);
  const csp = res.headers.get("Content-Security-Policy") ?? "";
  assert.match(csp, /default-src 'self'/);
  assert.match(csp, /frame-ancestors 'none'/);
  assert.equal(res.headers.get("X-Content-Type-Options"), "nosniff");
  const html = await res.text();
  assert.match(html, /<script type="module" src="\/assets\/app.js">/);
  assert.ok(!/https?:\/\/(?!127)/.test(html), "no external resource");
});

Deno.test("web: assets are served with their type and revalidated by ETag", async () => {
  const { request } = rig();
  for (const [name, type] of [["app.js", "text/javascript"], ["app.css", "text/css"]]) {
    const res = await request("GET", `/assets/${name}`);
    assert.equal(res.status, 200, name);
    assert.match(res.headers.get("Content-Type") ?? "", new RegExp(`^${type}`));
    await res.body?.cancel();
    const etag = res.headers.get("ETag") ?? "";
    const again = await request("GET", `/assets/${name}`, { headers: { "If-None-Match": etag } });
    assert.equal(again.status, 304);
  }
  for (
    const path of [
      "/assets/nope.js",
      "/assets/..%2Fweb.ts",
      "/assets/%2e%2e%2fweb.ts",
      "/assets/constructor",
      "/assets/__proto__",
    ]
  ) {
    const res = await request("GET", path);
    assert.equal(res.status, 404, path);
    await res.body?.cancel();
  }
});

Deno.test("web: every file of api/static/ is served, and every module the page imports", async () => {
  const { request } = rig();
  const dir = new URL("./static/", import.meta.url);
  const served = new Set<string>();
  for await (const entry of Deno.readDir(dir)) {
    const res = await request("GET", `/assets/${entry.name}`);
    assert.equal(res.status, 200, entry.name);
    const text = await res.text();
    served.add(entry.name);
    for (const m of text.matchAll(/from "\.\/([\w.]+)"/g)) {
      assert.ok(await Deno.stat(new URL(m[1]!, dir)), `${entry.name} imports ${m[1]}`);
    }
  }
  for (const name of ["whitelist.js", "csv.js", "status.js", "settings.js"]) {
    assert.ok(served.has(name), name);
  }
});

Deno.test("web: the page and login exist only when createApi() is given web", async () => {
  const app = createApi(fakeRuntime(), { token: TOKEN });
  for (const [method, path] of [["GET", "/"], ["POST", "/login"], ["GET", "/api/events"]]) {
    const res = await app.request(path!, { method: method! });
    assert.ok(res.status === 404 || res.status === 401, `${method} ${path} ${res.status}`);
    await res.body?.cancel();
  }
});

Deno.test("web: POST /login sets an HttpOnly SameSite=Strict session cookie", async () => {
  const { request } = rig();
  const res = await request("POST", "/login", { body: { token: TOKEN } });
  assert.equal(res.status, 200);
  const cookie = res.headers.get("Set-Cookie") ?? "";
  assert.match(cookie, /^wallbox_session=[A-Za-z0-9_-]{43}; /);
  assert.match(cookie, /; HttpOnly/);
  assert.match(cookie, /; SameSite=Strict/);
  assert.match(cookie, /; Path=\//);
  assert.doesNotMatch(cookie, /Max-Age|Expires|Secure/);
  assert.equal(res.headers.get("Cache-Control"), "no-store");
  const body = await res.json();
  assert.match(body.csrf, /^[A-Za-z0-9_-]{43}$/);
  assert.deepEqual({ ...body, csrf: "" }, { csrf: "", sim: true, connectorCount: 1, certs: false });
});

Deno.test("web: POST /login over https marks the cookie Secure", async () => {
  const app = createApi(fakeRuntime(), { token: TOKEN, web: true });
  const res = await app.request("https://wallbox.local/login", {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify({ token: TOKEN }),
  });
  assert.equal(res.status, 200);
  assert.match(res.headers.get("Set-Cookie") ?? "", /; Secure/);
});

Deno.test("web: POST /login refuses a wrong token, a form body and another origin", async () => {
  const { request } = rig();
  const cases: [Parameters<Rig["request"]>[2], number, RegExp][] = [
    [{ body: { token: "wrong" } }, 401, /^Invalid token$/],
    [{ body: { token: 42 } }, 400, /token/],
    [{ body: "not json" }, 400, /not valid JSON/],
    [
      { body: `token=${TOKEN}`, headers: { "Content-Type": "application/x-www-form-urlencoded" } },
      415,
      /JSON/,
    ],
    [{ body: { token: TOKEN }, headers: { Origin: "http://evil.example" } }, 403, /cross-origin/],
  ];
  for (const [opts, status, error] of cases) {
    const res = await request("POST", "/login", opts);
    assert.equal(res.status, status, JSON.stringify(opts));
    assert.match((await res.json()).error, error);
    assert.equal(res.headers.get("Set-Cookie"), null);
  }
  const same = await request("POST", "/login", {
    body: { token: TOKEN },
    headers: { Origin: BASE },
  });
  assert.equal(same.status, 200);
});

Deno.test("web: failed logins are limited to 5 a minute per client address", async () => {
  const r = rig();
  for (let i = 0; i < 5; i++) {
    const res = await r.request("POST", "/login", {
      body: { token: `wrong-${i}` },
      from: "10.0.0.9",
    });
    assert.equal(res.status, 401);
  }
  r.now += 20_000;
  // Refused even with the right token, without looking at it.
  const limited = await r.request("POST", "/login", { body: { token: TOKEN }, from: "10.0.0.9" });
  assert.equal(limited.status, 429);
  assert.equal(limited.headers.get("Retry-After"), "40");
  assert.deepEqual(await limited.json(), { error: "Too many failed logins: try again in 40 s" });
  // Another address is not affected.
  const other = await r.request("POST", "/login", { body: { token: TOKEN }, from: "10.0.0.10" });
  assert.equal(other.status, 200);
  r.now += 40_000;
  const later = await r.request("POST", "/login", { body: { token: TOKEN }, from: "10.0.0.9" });
  assert.equal(later.status, 200);
});

Deno.test("web: the session cookie authenticates GET /api/* and /api/session", async () => {
  const r = rig();
  const { cookie, csrf } = await r.login();
  const status = await r.request("GET", "/api/status", { headers: { Cookie: cookie } });
  assert.equal(status.status, 200);
  assert.deepEqual(await status.json(), r.fake.current);
  const session = await r.request("GET", "/api/session", { headers: { Cookie: cookie } });
  assert.deepEqual(await session.json(), { csrf, sim: true, connectorCount: 1, certs: false });
  const bearer = await r.request("GET", "/api/session", {
    headers: { Authorization: `Bearer ${TOKEN}` },
  });
  assert.deepEqual(await bearer.json(), { csrf: null, sim: true, connectorCount: 1, certs: false });
  const none = await r.request("GET", "/api/session");
  assert.equal(none.status, 401);
  assert.deepEqual(await none.json(), { error: "Missing bearer token" });
});

Deno.test("web: a state-changing request with the cookie needs the CSRF token and the own origin", async () => {
  const r = rig();
  const { cookie, csrf } = await r.login();
  const patch = (headers: Record<string, string>) =>
    r.request("PATCH", "/api/settings", {
      body: { chargePointId: "WB-9" },
      headers: { Cookie: cookie, ...headers },
    });
  for (
    const headers of [
      {},
      { "X-CSRF-Token": "wrong" },
      { "X-CSRF-Token": csrf.slice(1) },
      { "X-CSRF-Token": csrf, Origin: "http://evil.example" },
    ]
  ) {
    const res = await patch(headers);
    assert.equal(res.status, 403, JSON.stringify(headers));
    assert.match((await res.json()).error, /CSRF|cross-origin/);
  }
  const plug = await r.request("POST", "/api/sim/connectors/1/plug", {
    headers: { Cookie: cookie },
  });
  assert.equal(plug.status, 403);
  assert.equal(r.fake.store.get("ChargePointId"), "wallbox-1");
  assert.deepEqual(r.fake.simCalls, []);

  const ok = await patch({ "X-CSRF-Token": csrf, Origin: BASE });
  assert.equal(ok.status, 200);
  assert.equal(r.fake.store.get("ChargePointId"), "WB-9");
  const tap = await r.request("POST", "/api/sim/rfid", {
    body: { idTag: "CARD" },
    headers: { Cookie: cookie, "X-CSRF-Token": csrf },
  });
  assert.equal(tap.status, 202);
  assert.deepEqual(r.fake.simCalls, [["tap", "CARD"]]);
});

Deno.test("web: PATCH /api/settings by cookie answers field errors and saves nothing", async () => {
  const r = rig();
  const { cookie, csrf } = await r.login();
  const res = await r.request("PATCH", "/api/settings", {
    body: { backendConnectionType: "ethernet", backendUrl: "http://example.com" },
    headers: { Cookie: cookie, "X-CSRF-Token": csrf },
  });
  assert.equal(res.status, 400);
  assert.deepEqual((await res.json()).fields, [
    { field: "backendUrl", reason: "must be a ws:// or wss:// URL" },
  ]);
  assert.equal(r.fake.store.get("BackendConnectionType"), "none");
});

Deno.test("web: a bearer token still works, and wins over a cookie", async () => {
  const r = rig();
  const res = await r.request("PATCH", "/api/settings", {
    body: { chargePointId: "WB-2" },
    headers: { Authorization: `Bearer ${TOKEN}`, Cookie: "wallbox_session=stale" },
  });
  assert.equal(res.status, 200);
  const bad = await r.request("GET", "/api/status", {
    headers: { Authorization: "Bearer wrong", Cookie: (await r.login()).cookie },
  });
  assert.equal(bad.status, 401);
});

Deno.test("web: an unknown or idle session is refused with 401", async () => {
  const r = rig();
  const stale = await r.request("GET", "/api/status", { headers: { Cookie: "wallbox_session=x" } });
  assert.equal(stale.status, 401);
  assert.deepEqual(await stale.json(), { error: "Invalid session: log in again" });
  const { cookie } = await r.login();
  r.now += 12 * 60 * 60 * 1000;
  assert.equal(
    (await r.request("GET", "/api/status", { headers: { Cookie: cookie } })).status,
    200,
  );
  r.now += 12 * 60 * 60 * 1000 + 1;
  assert.equal(
    (await r.request("GET", "/api/status", { headers: { Cookie: cookie } })).status,
    401,
  );
});

Deno.test("web: POST /logout needs the CSRF token, ends the session and clears the cookie", async () => {
  const r = rig();
  const { cookie, csrf } = await r.login();
  const forged = await r.request("POST", "/logout", { headers: { Cookie: cookie } });
  assert.equal(forged.status, 403);
  const res = await r.request("POST", "/logout", {
    headers: { Cookie: cookie, "X-CSRF-Token": csrf },
  });
  assert.equal(res.status, 200);
  assert.match(res.headers.get("Set-Cookie") ?? "", /^wallbox_session=; Max-Age=0; Path=\//);
  assert.equal(
    (await r.request("GET", "/api/status", { headers: { Cookie: cookie } })).status,
    401,
  );
  const again = await r.request("POST", "/logout", { headers: { Cookie: cookie } });
  assert.equal(again.status, 200);
});

Deno.test("web: GET /api/events streams the status as Server-Sent Events", async () => {
  const r = rig();
  const { cookie } = await r.login();
  const res = await r.request("GET", "/api/events", { headers: { Cookie: cookie } });
  assert.equal(res.status, 200);
  assert.equal(res.headers.get("Content-Type"), "text/event-stream; charset=utf-8");
  assert.equal(res.headers.get("Cache-Control"), "no-store");
  const sse = new SseReader(res.body!);
  try {
    const first = await sse.until((m) => m.event === "status");
    assert.deepEqual(JSON.parse(first.data), r.fake.current);
    r.fake.current = {
      ...r.fake.current,
      backend: {
        ...BACKEND_DETAILS,
        state: "accepted",
        since: "2026-01-01T00:00:01.000Z",
        reason: null,
      },
    };
    const event = await sse.until((m) => m.event === "event");
    assert.deepEqual(JSON.parse(event.data).state, "accepted");
  } finally {
    await sse.cancel();
  }
  const anonymous = await r.request("GET", "/api/events");
  assert.equal(anonymous.status, 401);
  await anonymous.body?.cancel();
});

Deno.test("web: GET /api/events ends when the session is logged out", async () => {
  const r = rig();
  const { cookie, csrf } = await r.login();
  const res = await r.request("GET", "/api/events", { headers: { Cookie: cookie } });
  const sse = new SseReader(res.body!);
  await sse.until((m) => m.event === "status");
  await r.request("POST", "/logout", { headers: { Cookie: cookie, "X-CSRF-Token": csrf } });
  await sse.ended();
});

Deno.test("web: no response ever contains the backend password", async () => {
  const r = rig();
  const { cookie, csrf } = await r.login();
  const auth = { Cookie: cookie, "X-CSRF-Token": csrf };
  const texts: string[] = [];
  const keep = async (res: Response) => {
    texts.push([...res.headers].join("\n"), await res.text());
  };
  await keep(
    await r.request("PATCH", "/api/settings", {
      body: { backendPassword: PASSWORD },
      headers: auth,
    }),
  );
  assert.equal(r.fake.store.get("AuthorizationKey"), PASSWORD);
  await keep(
    await r.request("PATCH", "/api/settings", {
      body: { backendPassword: `${PASSWORD}!`, chargePointId: "" },
      headers: auth,
    }),
  );
  for (
    const path of ["/", "/assets/app.js", "/assets/settings.js", "/api/settings", "/api/session"]
  ) {
    await keep(await r.request("GET", path, { headers: auth }));
  }
  const settings = JSON.parse(texts.at(-3)!);
  assert.equal(settings.backendPasswordSet, true);
  assert.ok(!("backendPassword" in settings));
  const events = await r.request("GET", "/api/events", { headers: auth });
  const sse = new SseReader(events.body!);
  try {
    await sse.until((m) => m.event === "events");
    texts.push(...sse.messages.map((m) => m.data));
  } finally {
    await sse.cancel();
  }
  for (const text of texts) assert.ok(!text.includes(PASSWORD), text);
});

// --- Certificate upload (SSL mode) ---

const pki = await makeTestPki();
globalThis.addEventListener("unload", () => Deno.removeSync(pki.dir, { recursive: true }));
const CLIENT_CERT = await Deno.readTextFile(pki.client.certFile);
const CLIENT_KEY = await Deno.readTextFile(pki.client.keyFile);
/** The base64 body of the client key: must never appear in an answer. */
const KEY_BODY = CLIENT_KEY.split("\n").slice(1, -2).join("");

async function withDataDir(fn: (dir: string) => Promise<void>): Promise<void> {
  const dir = await Deno.makeTempDir({ prefix: "cp-web-certs-" });
  try {
    await fn(dir);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

async function files(dir: string): Promise<string[]> {
  const names: string[] = [];
  try {
    for await (const e of Deno.readDir(`${dir}/certs`)) names.push(e.name);
  } catch (err) {
    if (!(err instanceof Deno.errors.NotFound)) throw err;
  }
  return names.sort();
}

Deno.test("web: POST /api/certs/:kind exists only with a data directory, and the session says so", async () => {
  const r = rig();
  const { cookie, csrf } = await r.login();
  const res = await r.request("POST", "/api/certs/ca", {
    body: pki.ca.pem,
    headers: { Cookie: cookie, "X-CSRF-Token": csrf, "Content-Type": "application/x-pem-file" },
  });
  assert.equal(res.status, 404);
  await res.body?.cancel();
  await withDataDir(async (dir) => {
    const w = rig({ dataDir: dir });
    const login = await w.request("POST", "/login", { body: { token: TOKEN } });
    assert.equal((await login.json()).certs, true);
  });
});

Deno.test("web: uploading the CA, client certificate and key writes certs/<kind>.pem (0600) and sets the settings", async () => {
  await withDataDir(async (dir) => {
    const r = rig({ dataDir: dir });
    const { cookie, csrf } = await r.login();
    const abs = await Deno.realPath(dir);
    const texts: string[] = [];
    for (
      const [kind, body, key] of [
        ["ca", pki.ca.pem, "TlsCaFile"],
        ["client-cert", CLIENT_CERT, "TlsClientCertFile"],
        ["client-key", CLIENT_KEY, "TlsClientKeyFile"],
      ] as const
    ) {
      const res = await r.request("POST", `/api/certs/${kind}`, {
        body,
        headers: { Cookie: cookie, "X-CSRF-Token": csrf, "Content-Type": "application/x-pem-file" },
      });
      const text = await res.text();
      texts.push(text);
      assert.equal(res.status, 200, text);
      const path = `${abs}/certs/${kind}.pem`;
      assert.deepEqual(JSON.parse(text), {
        kind,
        setting: key.replace(/^Tls/, "tls"),
        path,
        blocks: 1,
      });
      assert.equal(await Deno.readTextFile(path), body);
      assert.equal((await Deno.stat(path)).mode! & 0o777, 0o600);
      assert.equal(r.fake.store.get(key), path);
    }
    const settings = await r.request("GET", "/api/settings", { headers: { Cookie: cookie } });
    texts.push(await settings.text());
    assert.equal(JSON.parse(texts.at(-1)!).tlsClientKeyFile, `${abs}/certs/client-key.pem`);
    for (const text of texts) assert.ok(!text.includes(KEY_BODY.slice(0, 40)), text);
    assert.deepEqual(await files(dir), ["ca.pem", "client-cert.pem", "client-key.pem"]);
  });
});

Deno.test("web: a certificate upload needs the CSRF token; bearer clients may upload", async () => {
  await withDataDir(async (dir) => {
    const r = rig({ dataDir: dir });
    const { cookie } = await r.login();
    const forged = await r.request("POST", "/api/certs/client-key", {
      body: CLIENT_KEY,
      headers: { Cookie: cookie, "Content-Type": "application/x-pem-file" },
    });
    assert.equal(forged.status, 403);
    await forged.body?.cancel();
    const anonymous = await r.request("POST", "/api/certs/client-key", { body: CLIENT_KEY });
    assert.equal(anonymous.status, 401);
    await anonymous.body?.cancel();
    assert.deepEqual(await files(dir), []);
    assert.equal(r.fake.store.get("TlsClientKeyFile"), "");
    const bearer = await r.request("POST", "/api/certs/client-key", {
      body: CLIENT_KEY,
      headers: { Authorization: `Bearer ${TOKEN}` },
    });
    assert.equal(bearer.status, 200);
    await bearer.body?.cancel();
    assert.deepEqual(await files(dir), ["client-key.pem"]);
  });
});

Deno.test("web: a wrong, binary, oversized or unknown upload is refused: nothing written, nothing echoed", async () => {
  await withDataDir(async (dir) => {
    const r = rig({ dataDir: dir });
    const { cookie, csrf } = await r.login();
    const auth = { Cookie: cookie, "X-CSRF-Token": csrf };
    const cases: [string, string | Uint8Array, number, string | undefined][] = [
      ["ca", CLIENT_KEY, 400, "wrong_type"],
      ["client-cert", CLIENT_KEY, 400, "wrong_type"],
      ["client-key", CLIENT_CERT, 400, "wrong_type"],
      ["client-key", `${CLIENT_KEY}${CLIENT_CERT}`, 400, "wrong_type"],
      ["client-key", CLIENT_KEY.replace(/PRIVATE KEY/g, "ENCRYPTED PRIVATE KEY"), 400, "encrypted"],
      ["client-key", "", 400, "empty"],
      ["client-key", new Uint8Array([0x30, 0x82, 0xff, 0xfe, 0x80]), 400, "not_pem"],
      ["ca", "x".repeat(64 * 1024 + 1), 413, undefined],
      ["server-key", CLIENT_KEY, 404, undefined],
      ["..%2Fsettings", CLIENT_KEY, 404, undefined],
    ];
    for (const [kind, body, status, code] of cases) {
      const res = await r.request("POST", `/api/certs/${kind}`, {
        body,
        headers: { ...auth, "Content-Type": "application/x-pem-file" },
      });
      const text = await res.text();
      assert.equal(res.status, status, `${kind}: ${text}`);
      if (code) assert.equal(JSON.parse(text).code, code);
      assert.ok(!text.includes(KEY_BODY.slice(0, 40)), text);
      assert.ok(!text.includes("BEGIN"), text);
    }
    assert.deepEqual(await files(dir), []);
    for (const key of ["TlsCaFile", "TlsClientCertFile", "TlsClientKeyFile"]) {
      assert.equal(r.fake.store.get(key), "");
    }
  });
});
