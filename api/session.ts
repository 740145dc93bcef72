/**
 * Login sessions of the local web app, and the rate limit of failed
 * attempts with the API token (login form and Bearer header alike).
 *
 * A session is created by logging in with the API token. Its id travels in
 * an HttpOnly, SameSite=Strict cookie; its CSRF token is handed to the page
 * once (in the login answer and `GET /api/session`) and must come back in
 * the `X-CSRF-Token` header of every state-changing request. Sessions live
 * in memory only: a restart of the runtime logs everyone out. A session
 * expires after {@linkcode SESSION_IDLE_MS} without a request; the oldest
 * is dropped when more than {@linkcode MAX_SESSIONS} exist.
 *
 * Time comes from an injected `now()` so tests can drive expiry and the
 * rate-limit window.
 *
 * @module
 */

/** Name of the session cookie. */
export const SESSION_COOKIE = "wallbox_session";
/** A session ends after this long without a request, ms (12 hours). */
export const SESSION_IDLE_MS = 12 * 60 * 60 * 1000;
/** Most sessions kept at once; the least recently used is dropped first. */
export const MAX_SESSIONS = 16;
/** Failed logins allowed per client address and window. */
export const LOGIN_MAX_FAILURES = 5;
/** The window of {@linkcode LOGIN_MAX_FAILURES}, ms. */
export const LOGIN_WINDOW_MS = 60_000;

/** One logged-in browser. */
export interface Session {
  readonly id: string;
  /** Must be sent back as `X-CSRF-Token` on every state-changing request. */
  readonly csrf: string;
  /** Time of the last request, ms since the epoch. */
  lastSeen: number;
}

/** Options of {@linkcode SessionStore}. */
export interface SessionStoreOptions {
  /** The clock, ms since the epoch (default `Date.now`). */
  readonly now?: () => number;
  /** Idle time after which a session ends, ms (default {@linkcode SESSION_IDLE_MS}). */
  readonly idleMs?: number;
  /** Most sessions kept (default {@linkcode MAX_SESSIONS}). */
  readonly max?: number;
}

/**
 * The sessions, in memory.
 *
 * @example Usage
 * ```ts
 * const sessions = new SessionStore();
 * const s = sessions.create();
 * sessions.get(s.id)?.csrf === s.csrf; // true
 * sessions.delete(s.id);
 * ```
 */
export class SessionStore {
  #now: () => number;
  #idleMs: number;
  #max: number;
  /** In order of last use, oldest first. */
  #sessions = new Map<string, Session>();

  constructor(opts: SessionStoreOptions = {}) {
    this.#now = opts.now ?? Date.now;
    this.#idleMs = opts.idleMs ?? SESSION_IDLE_MS;
    this.#max = opts.max ?? MAX_SESSIONS;
  }

  /** How many sessions exist (expired ones included until next touched). */
  get size(): number {
    return this.#sessions.size;
  }

  /** Starts a session with fresh random id and CSRF token. */
  create(): Session {
    const session: Session = { id: randomToken(), csrf: randomToken(), lastSeen: this.#now() };
    this.#sessions.set(session.id, session);
    for (const id of this.#sessions.keys()) {
      if (this.#sessions.size <= this.#max) break;
      this.delete(id);
    }
    return session;
  }

  /** The live session of an id, marked as used now; `undefined` when unknown or expired. */
  get(id: string | undefined): Session | undefined {
    if (id === undefined) return undefined;
    const session = this.#sessions.get(id);
    if (!session) return undefined;
    const now = this.#now();
    if (now - session.lastSeen > this.#idleMs) {
      this.delete(id);
      return undefined;
    }
    session.lastSeen = now;
    this.#sessions.delete(id);
    this.#sessions.set(id, session);
    return session;
  }

  /** Whether a session is live, without marking it as used (an ended one is dropped). */
  alive(id: string): boolean {
    const session = this.#sessions.get(id);
    if (session && this.#now() - session.lastSeen > this.#idleMs) this.delete(id);
    return this.#sessions.has(id);
  }

  /** Ends a session (no-op when unknown). */
  delete(id: string): void {
    this.#sessions.delete(id);
  }
}

/** Options of {@linkcode LoginLimiter}. */
export interface LoginLimiterOptions {
  /** The clock, ms since the epoch (default `Date.now`). */
  readonly now?: () => number;
  /** Failed logins allowed per window (default {@linkcode LOGIN_MAX_FAILURES}). */
  readonly maxFailures?: number;
  /** The window, ms (default {@linkcode LOGIN_WINDOW_MS}). */
  readonly windowMs?: number;
  /** Most client addresses tracked; the oldest is forgotten first (default 1024). */
  readonly maxClients?: number;
}

/**
 * Counts failed attempts with the API token per client address in fixed
 * windows: once a client has failed `maxFailures` times within a window,
 * every attempt of it is refused (without checking the token) until the
 * window ends. One limiter serves the login form and the Bearer header, so
 * neither way gets more guesses than the other.
 *
 * Parallel attempts: callers check the limit, compare the token and record
 * a failure in one synchronous step (no `await` in between), so 40 wrong
 * attempts sent at once get at most `maxFailures` comparisons.
 *
 * @example Usage
 * ```ts
 * let now = 0;
 * const limiter = new LoginLimiter({ now: () => now, maxFailures: 1, windowMs: 1000 });
 * limiter.fail("10.0.0.2");
 * limiter.retryAfterMs("10.0.0.2"); // 1000
 * now = 1000;
 * limiter.retryAfterMs("10.0.0.2"); // 0
 * ```
 */
export class LoginLimiter {
  #now: () => number;
  #max: number;
  #windowMs: number;
  #maxClients: number;
  #clients = new Map<string, { start: number; failures: number }>();

  constructor(opts: LoginLimiterOptions = {}) {
    this.#now = opts.now ?? Date.now;
    this.#max = opts.maxFailures ?? LOGIN_MAX_FAILURES;
    this.#windowMs = opts.windowMs ?? LOGIN_WINDOW_MS;
    this.#maxClients = opts.maxClients ?? 1024;
  }

  /** How long the client must wait before it may try again, ms; 0 when it may try now. */
  retryAfterMs(client: string): number {
    const entry = this.#live(client);
    if (!entry || entry.failures < this.#max) return 0;
    return Math.max(1, entry.start + this.#windowMs - this.#now());
  }

  /** Records a failed attempt of the client. */
  fail(client: string): void {
    this.#entry(client).failures++;
  }

  #entry(client: string): { start: number; failures: number } {
    const entry = this.#live(client);
    if (entry) return entry;
    if (this.#clients.size >= this.#maxClients) this.#prune();
    const fresh = { start: this.#now(), failures: 0 };
    this.#clients.set(client, fresh);
    return fresh;
  }

  /** The client's window, `undefined` when it has none or it ended. */
  #live(client: string): { start: number; failures: number } | undefined {
    const entry = this.#clients.get(client);
    if (entry && this.#now() - entry.start >= this.#windowMs) {
      this.#clients.delete(client);
      return undefined;
    }
    return entry;
  }

  /** Drops ended windows, then the oldest until there is room for one more. */
  #prune(): void {
    const now = this.#now();
    for (const [client, entry] of this.#clients) {
      if (now - entry.start >= this.#windowMs) this.#clients.delete(client);
    }
    for (const client of this.#clients.keys()) {
      if (this.#clients.size < this.#maxClients) break;
      this.#clients.delete(client);
    }
  }
}

/** The client's IP address as `Deno.serve` reports it in the handler's info (never a forwarded header). */
export function clientAddress(env: unknown): string {
  const host = (env as { remoteAddr?: { hostname?: unknown } } | undefined)?.remoteAddr?.hostname;
  return typeof host === "string" ? host : "unknown";
}

/** 32 random bytes, base64url without padding (43 characters). */
export function randomToken(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(32));
  return btoa(String.fromCharCode(...bytes)).replace(/\+/g, "-").replace(/\//g, "_")
    .replace(/=+$/, "");
}

/**
 * Compares two strings in time independent of where they differ (it
 * depends only on the length of `a`, the presented one). Synchronous, so a
 * limit check, the comparison and the failure count happen in one step.
 */
export function safeEqual(a: string, b: string): boolean {
  let diff = a.length ^ b.length;
  for (let i = 0; i < a.length; i++) diff |= a.charCodeAt(i) ^ (b.charCodeAt(i) || 0);
  return diff === 0;
}
