/**
 * The backend link: the effectful side of the connection supervisor. It
 * carries out `ws.connect`, `ws.disconnect` and `ws.send` with the
 * configured transport and reports `ws.opened`, `ws.received` and
 * `ws.closed` on the bus. It carries them out in order once the bus has
 * drained the turn that published them ({@link Bus.afterDrain}), so every
 * store write of the turn (a CALLRESULT's journal entries, whichever actor
 * makes them) is on disk before any frame of it leaves.
 *
 * At connect time it reads from the settings store what the supervisor's
 * URL does not carry: the security profile's credentials (HTTP Basic with
 * the AuthorizationKey for profiles 1 and 2, the client certificate for 3),
 * the CA file, server verification, the proxy, and the interface of the
 * connection type (which must be up; the socket binds to its address).
 * Settings that cannot work are a `ws.closed` whose reason says so.
 *
 * Keep-alive: a WebSocket ping every `WebSocketPingInterval` seconds on the
 * injected clock; no pong within `WebSocketPongTimeout` seconds closes the
 * connection ("No pong: ..."), and the supervisor reconnects.
 *
 * @module
 */
import { type Bus, errorText } from "../actors/bus.ts";
import { type Clock, systemClock } from "../actors/clock.ts";
import type { ConfigStore } from "../config/store.ts";
import type { Connection, ConnectOptions, Transport } from "../ocpp/transport.ts";
import type { Logger } from "./log.ts";
import { parseDateTime } from "../ocpp/date_time.ts";

/** The link's parts. */
export interface LinkOptions {
  readonly store: ConfigStore;
  readonly transport: Transport;
  readonly logger: Logger;
  /** Keep-alive timers run on it; when it is a {@link BackendClock} it is set from the backend's time. */
  readonly clock?: Clock;
  /** The host's network interfaces (tests); default `Deno.networkInterfaces()`. */
  readonly interfaces?: () => readonly Deno.NetworkInterfaceInfo[];
  /** Central System roots installed by InstallCertificate (PEM), trusted besides `tlsCaFile`. */
  readonly trustedRoots?: () => readonly string[];
}

/** Thrown for settings that cannot make a connection; the message starts "Settings incomplete" or "Interface down". */
export class LinkSettingsError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "LinkSettingsError";
  }
}

/** The settings a connection needs, read at connect time. */
type Get = (key: string) => string | number | boolean;

/** Parses `HOST[:PORT]` (port 80 when omitted). */
export function parseProxy(text: string): { hostname: string; port: number } | undefined {
  const m = /^(\[[0-9A-Fa-f:]+\]|[^:]+)(?::(\d{1,5}))?$/.exec(text.trim());
  if (!m) return undefined;
  return { hostname: m[1]!.replace(/^\[(.*)\]$/, "$1"), port: m[2] ? Number(m[2]) : 80 };
}

/**
 * The address to bind to for the connection type's interface, undefined
 * when no interface is named (the OS routes).
 *
 * @throws {LinkSettingsError} "Interface down: ..." when it is missing, down or has no address.
 */
export function interfaceAddress(
  get: Get,
  list: () => readonly Deno.NetworkInterfaceInfo[],
): string | undefined {
  const type = String(get("BackendConnectionType"));
  const name = String(get(type === "wlan" ? "WlanInterface" : "EthernetInterface"));
  if (name === "") return undefined;
  let all: readonly Deno.NetworkInterfaceInfo[];
  try {
    all = list();
  } catch (err) {
    throw new LinkSettingsError(
      `Interface down: cannot list network interfaces to find ${name} (${errorText(err)}; ` +
        "run with --allow-sys=networkInterfaces)",
    );
  }
  const mine = all.filter((i) => i.name === name);
  if (mine.length === 0) {
    throw new LinkSettingsError(`Interface down: ${name} (${type}) is missing or has no address`);
  }
  const pick = mine.find((i) => i.family === "IPv4") ??
    mine.find((i) => !i.address.toLowerCase().startsWith("fe80"));
  if (!pick) throw new LinkSettingsError(`Interface down: ${name} (${type}) has no usable address`);
  return pick.address;
}

/**
 * The transport options for the supervisor's URL and the current settings
 * (file contents given by `read`).
 *
 * @throws {LinkSettingsError} when the security profile's prerequisites are missing.
 */
export async function connectOptions(
  url: string,
  get: Get,
  read: (path: string, what: string) => Promise<string>,
  localAddress?: string,
  installedRoots: readonly string[] = [],
): Promise<ConnectOptions> {
  const profile = Number(get("SecurityProfile"));
  const password = String(get("AuthorizationKey"));
  const id = String(get("ChargePointId"));
  if ((profile === 1 || profile === 2) && password === "") {
    throw new LinkSettingsError(
      `Settings incomplete: security profile ${profile} needs the backend password (AuthorizationKey)`,
    );
  }
  const tls = url.startsWith("wss:");
  const certFile = String(get("TlsClientCertFile"));
  const keyFile = String(get("TlsClientKeyFile"));
  if (profile === 3 && (certFile === "" || keyFile === "")) {
    throw new LinkSettingsError(
      "Settings incomplete: security profile 3 needs a client certificate and key (tlsClientCertFile, tlsClientKeyFile)",
    );
  }
  const caFile = String(get("TlsCaFile"));
  const proxyText = String(get("WebSocketProxy"));
  const proxy = proxyText ? parseProxy(proxyText) : undefined;
  // Profile 0 with a password set sends it too (OCPP-J 1.6 section 6.2.2, before the profiles).
  const basic = profile !== 3 && password !== "";
  const caCerts = [...(tls && caFile ? [await read(caFile, "CA file")] : []), ...installedRoots];
  return {
    url,
    protocols: ["ocpp1.6"],
    ...(basic ? { basicAuth: { user: id, password } } : {}),
    ...(tls && caCerts.length > 0 ? { caCerts } : {}),
    ...(tls && certFile && keyFile
      ? {
        clientCert: {
          cert: await read(certFile, "client certificate"),
          key: await read(keyFile, "client key"),
        },
      }
      : {}),
    ...(tls && get("TlsVerifyServer") === false ? { verifyServer: false } : {}),
    ...(proxy ? { proxy } : {}),
    ...(localAddress ? { localAddress } : {}),
  };
}

async function readFile(path: string, what: string): Promise<string> {
  try {
    return await Deno.readTextFile(path);
  } catch (err) {
    throw new LinkSettingsError(
      `Settings incomplete: cannot read the ${what} ${path} (${errorText(err)})`,
    );
  }
}

/** One connection's bookkeeping. */
interface Entry {
  c: Connection | undefined;
  ping?: unknown;
  pong?: unknown;
}

/** The connection to the Central System, across restarts of the actors. */
export class Link {
  #o: LinkOptions;
  #clock: Clock;
  #bus: Bus | undefined;
  #unsubscribe: (() => void)[] = [];
  /** The current connection's entry; a late event of an old one is recognised by identity. */
  #conn: Entry | undefined;
  #warnedNoPing = false;
  /** `ws.*` operations of the turn being drained, carried out after it. */
  #later: (() => void)[] = [];

  constructor(opts: LinkOptions) {
    this.#o = opts;
    this.#clock = opts.clock ?? systemClock;
  }

  /** Serves a bus (the one of the current boot), closing any connection of the previous one. */
  attach(bus: Bus): void {
    this.detach();
    this.#bus = bus;
    // Carried out once the bus has drained the turn that asked for them, in order: every
    // store write that turn caused is on disk before its frames leave (a kill then re-sends
    // nothing the Central System already has).
    const later = (op: () => void) => this.#later.push(op);
    this.#unsubscribe = [
      bus.subscribe("ws.connect", (m) => later(() => this.#connect(bus, m.url, m.conn))),
      bus.subscribe("ws.disconnect", () => later(() => this.#disconnect())),
      bus.subscribe("ws.send", (m) =>
        later(() => {
          this.#o.logger.log("debug", `> ${m.text}`);
          this.#conn?.c?.send(m.text);
        })),
      bus.afterDrain(() => this.#carryOut()),
      bus.subscribe("config.changed", (m) => {
        if (m.key === "WebSocketPingInterval" || m.key === "WebSocketPongTimeout") {
          if (this.#conn?.c) this.#keepAlive(this.#conn);
        }
      }),
      // On the answer itself, so the time is set before the actors hear of the
      // accepted boot (backend.accepted follows it) and stamp their StatusNotifications.
      bus.subscribe("ocpp.result", (m) => {
        if (m.action === "Heartbeat" || m.action === "BootNotification") {
          this.#setTime(bus, String(m.payload.currentTime));
        }
      }),
    ];
  }

  /** Stops serving the bus and closes the connection (after what the turn so far sent). */
  detach(): void {
    for (const u of this.#unsubscribe) u();
    this.#unsubscribe = [];
    // Detached in the middle of a turn (the bus stops with it): what it sent so far still goes.
    this.#carryOut();
    this.#bus = undefined;
    this.#disconnect();
  }

  /** Carries out the `ws.*` operations waiting, in order. */
  #carryOut(): void {
    const ops = this.#later;
    this.#later = [];
    for (const op of ops) op();
  }

  #setTime(bus: Bus, currentTime: string): void {
    const clock = this.#o.clock;
    if (!(clock instanceof BackendClock)) return;
    const t = parseDateTime(currentTime);
    if (t === undefined) return;
    const shift = clock.adjust(t);
    if (shift !== 0) {
      this.#o.logger.log("info", `Clock set from the backend's time: moved by ${shift} ms`);
      bus.publish({ type: "clock.set", shiftMs: shift });
    }
  }

  #connect(bus: Bus, url: string, conn: number): void {
    this.#disconnect();
    const store = this.#o.store;
    const get: Get = (k) => store.get(k);
    const entry: Entry = { c: undefined };
    this.#conn = entry;
    const current = () => this.#conn === entry && this.#bus === bus;
    const events = {
      onOpen: () => {
        if (!current()) return;
        this.#keepAlive(entry);
        bus.publish({ type: "ws.opened", conn });
      },
      onMessage: (text: string) => {
        if (!current()) return;
        this.#o.logger.log("debug", `< ${text}`);
        bus.publish({ type: "ws.received", text });
      },
      onPong: () => {
        this.#clock.clearTimeout(entry.pong);
        delete entry.pong;
      },
      onClose: (reason: string) => {
        this.#stopKeepAlive(entry);
        if (this.#conn === entry) this.#conn = undefined;
        bus.publish({ type: "ws.closed", conn, reason });
      },
    };
    (async () => {
      const local = interfaceAddress(get, this.#o.interfaces ?? (() => Deno.networkInterfaces()));
      return await connectOptions(url, get, readFile, local, this.#o.trustedRoots?.() ?? []);
    })().then((opts) => {
      if (!current()) return;
      if (opts.verifyServer === false) {
        this.#o.logger.log(
          "warn",
          `Connecting to ${url} WITHOUT verifying the server certificate (tlsVerifyServer is off)`,
        );
      }
      entry.c = this.#o.transport.connect(opts, events);
    }, (err) => {
      if (this.#conn === entry) this.#conn = undefined;
      bus.publish({ type: "ws.closed", conn, reason: errorText(err) });
    });
  }

  /** (Re)starts the pings of a connection from the current settings. */
  #keepAlive(entry: Entry): void {
    this.#stopKeepAlive(entry);
    const every = Number(this.#o.store.get("WebSocketPingInterval")) * 1000;
    if (every <= 0 || !entry.c) return;
    if (!entry.c.ping) {
      if (!this.#warnedNoPing) {
        this.#o.logger.log("warn", "This transport cannot send WebSocket pings: keep-alive is off");
      }
      this.#warnedNoPing = true;
      return;
    }
    const wait = Number(this.#o.store.get("WebSocketPongTimeout")) * 1000;
    const tick = () => {
      if (this.#conn !== entry || !entry.c?.ping?.()) return;
      if (entry.pong === undefined) {
        entry.pong = this.#clock.setTimeout(() => {
          delete entry.pong;
          entry.c?.close(`No pong: the backend did not answer a ping within ${wait / 1000} s`);
        }, wait);
      }
      entry.ping = this.#clock.setTimeout(tick, every);
    };
    entry.ping = this.#clock.setTimeout(tick, every);
  }

  #stopKeepAlive(entry: Entry): void {
    this.#clock.clearTimeout(entry.ping);
    this.#clock.clearTimeout(entry.pong);
    delete entry.ping;
    delete entry.pong;
  }

  #disconnect(): void {
    const c = this.#conn;
    this.#conn = undefined;
    if (!c) return;
    this.#stopKeepAlive(c);
    c.c?.close();
  }
}

/**
 * A clock set from the backend's time (BootNotification.conf and
 * Heartbeat.conf currentTime, OCPP 1.6 sections 4.2 and 4.6): `now()` is
 * the base clock plus an offset; timers are the base clock's (durations do
 * not move). Differences below `toleranceMs` are left alone, so the clock
 * does not jitter with the network's delay.
 *
 * @example
 * ```ts
 * const clock = new BackendClock(systemClock);
 * clock.adjust(Date.parse("2026-01-01T08:00:00Z"));
 * ```
 */
export class BackendClock implements Clock {
  #base: Clock;
  #offset = 0;
  #tolerance: number;

  constructor(base: Clock, toleranceMs = 2_000) {
    this.#base = base;
    this.#tolerance = toleranceMs;
  }

  now(): number {
    return this.#base.now() + this.#offset;
  }

  setTimeout(fn: () => void, ms: number): unknown {
    return this.#base.setTimeout(fn, ms);
  }

  clearTimeout(handle: unknown): void {
    this.#base.clearTimeout(handle);
  }

  /** The offset in ms now applied. */
  get offset(): number {
    return this.#offset;
  }

  /** Sets the time to `backendNow` if it differs by more than the tolerance; returns the shift in ms. */
  adjust(backendNow: number): number {
    const shift = Math.round(backendNow - this.now());
    if (Math.abs(shift) <= this.#tolerance) return 0;
    this.#offset += shift;
    return shift;
  }
}
