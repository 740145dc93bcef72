import assert from "node:assert/strict";
import { LoginLimiter, randomToken, safeEqual, SessionStore } from "./session.ts";

Deno.test("SessionStore.create() makes distinct random ids and CSRF tokens", () => {
  const sessions = new SessionStore();
  const a = sessions.create();
  const b = sessions.create();
  assert.match(a.id, /^[A-Za-z0-9_-]{43}$/);
  assert.match(a.csrf, /^[A-Za-z0-9_-]{43}$/);
  assert.notEqual(a.id, b.id);
  assert.notEqual(a.id, a.csrf);
  assert.equal(sessions.get(a.id), a);
  assert.equal(sessions.get("nope"), undefined);
  assert.equal(sessions.get(undefined), undefined);
});

Deno.test("SessionStore.get() ends a session idle longer than idleMs and renews a used one", () => {
  let now = 0;
  const sessions = new SessionStore({ now: () => now, idleMs: 1000 });
  const s = sessions.create();
  now = 1000;
  assert.equal(sessions.get(s.id), s); // exactly idleMs: still live, and renewed
  now = 2000;
  assert.equal(sessions.alive(s.id), true);
  now = 2001;
  assert.equal(sessions.alive(s.id), false);
  assert.equal(sessions.get(s.id), undefined);
  assert.equal(sessions.size, 0);
});

Deno.test("SessionStore.alive() does not renew a session", () => {
  let now = 0;
  const sessions = new SessionStore({ now: () => now, idleMs: 1000 });
  const s = sessions.create();
  now = 900;
  assert.equal(sessions.alive(s.id), true);
  now = 1001;
  assert.equal(sessions.get(s.id), undefined);
});

Deno.test("SessionStore.create() drops the least recently used session beyond max", () => {
  let now = 0;
  const sessions = new SessionStore({ now: () => now, max: 2 });
  const a = sessions.create();
  now = 1;
  const b = sessions.create();
  now = 2;
  sessions.get(a.id); // a is now the most recently used
  const c = sessions.create();
  assert.equal(sessions.size, 2);
  assert.equal(sessions.alive(b.id), false);
  assert.equal(sessions.alive(a.id), true);
  assert.equal(sessions.alive(c.id), true);
});

Deno.test("SessionStore.delete() ends a session", () => {
  const sessions = new SessionStore();
  const s = sessions.create();
  sessions.delete(s.id);
  sessions.delete(s.id);
  assert.equal(sessions.get(s.id), undefined);
});

Deno.test("LoginLimiter blocks a client after maxFailures until its window ends", () => {
  let now = 10_000;
  const limiter = new LoginLimiter({ now: () => now, maxFailures: 3, windowMs: 60_000 });
  for (let i = 0; i < 2; i++) limiter.fail("10.0.0.1");
  assert.equal(limiter.retryAfterMs("10.0.0.1"), 0);
  now += 5_000;
  limiter.fail("10.0.0.1");
  assert.equal(limiter.retryAfterMs("10.0.0.1"), 55_000);
  assert.equal(limiter.retryAfterMs("10.0.0.2"), 0);
  now += 54_999;
  assert.equal(limiter.retryAfterMs("10.0.0.1"), 1);
  now += 1;
  assert.equal(limiter.retryAfterMs("10.0.0.1"), 0);
  limiter.fail("10.0.0.1"); // a new window with one failure
  assert.equal(limiter.retryAfterMs("10.0.0.1"), 0);
});

Deno.test("LoginLimiter forgets the oldest client beyond maxClients", () => {
  let now = 0;
  const limiter = new LoginLimiter({ now: () => now, maxFailures: 1, maxClients: 2 });
  limiter.fail("a");
  now = 1;
  limiter.fail("b");
  limiter.fail("c");
  assert.equal(limiter.retryAfterMs("a"), 0);
  assert.ok(limiter.retryAfterMs("b") > 0);
  assert.ok(limiter.retryAfterMs("c") > 0);
});

Deno.test("randomToken() is 43 base64url characters and never repeats", () => {
  const seen = new Set(Array.from({ length: 100 }, () => randomToken()));
  assert.equal(seen.size, 100);
  for (const t of seen) assert.match(t, /^[A-Za-z0-9_-]{43}$/);
});

Deno.test("safeEqual() compares strings of any length", () => {
  assert.equal(safeEqual("abc", "abc"), true);
  assert.equal(safeEqual("abc", "abd"), false);
  assert.equal(safeEqual("abc", "ab"), false);
  assert.equal(safeEqual("", "a"), false);
  assert.equal(safeEqual("", ""), true);
});
