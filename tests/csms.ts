/**
 * A real Central System for scenario tests: `npm:ocpp-rpc` in strict mode
 * (every message validated against the official OCPP 1.6 schemas) on
 * loopback, recording every CALL the Charge Point sends.
 *
 * @module
 */
import https from "node:https";
import { RPCServer } from "ocpp-rpc";

/** A CALL the Charge Point sent. */
export interface Received {
  readonly action: string;
  // deno-lint-ignore no-explicit-any
  readonly params: any;
  /** Position in the log, for waiting "after" a point. */
  readonly seq: number;
}

// deno-lint-ignore no-explicit-any
type Handler = (params: any) => unknown;

/** Default answers of a friendly Central System. */
function defaults(csms: Csms): Record<string, Handler> {
  return {
    BootNotification: () => ({
      status: "Accepted",
      currentTime: new Date(csms.now()).toISOString(),
      interval: 300,
    }),
    Heartbeat: () => ({ currentTime: new Date(csms.now()).toISOString() }),
    StatusNotification: () => ({}),
    MeterValues: () => ({}),
    DiagnosticsStatusNotification: () => ({}),
    FirmwareStatusNotification: () => ({}),
    Authorize: () => ({ idTagInfo: { status: "Accepted" } }),
    StartTransaction: () => ({
      transactionId: csms.nextTransactionId++,
      idTagInfo: { status: "Accepted" },
    }),
    StopTransaction: () => ({ idTagInfo: { status: "Accepted" } }),
    DataTransfer: () => ({ status: "UnknownVendorId" }),
  };
}

/**
 * ocpp-rpc attaches its 'message' listener on process.nextTick after the
 * upgrade; under Deno's Node layer a frame the Charge Point sends at once on
 * open can be emitted before that and would be lost (seen with a Charge
 * Point in another process). Frames emitted with no listener yet are held
 * and replayed when the listener arrives.
 */
// deno-lint-ignore no-explicit-any
function holdEarlyFrames(server: any): void {
  // deno-lint-ignore no-explicit-any
  server._wss.prependListener("connection", (ws: any) => {
    const held: unknown[][] = [];
    const emit = ws.emit.bind(ws);
    const on = ws.on.bind(ws);
    ws.emit = (event: string, ...args: unknown[]) => {
      if (event === "message" && ws.listenerCount("message") === 0) {
        held.push(args);
        return true;
      }
      return emit(event, ...args);
    };
    ws.on = (event: string, fn: (...a: unknown[]) => void) => {
      const r = on(event, fn);
      if (event === "message" && held.length) {
        const frames = held.splice(0);
        queueMicrotask(() => frames.forEach((args) => emit("message", ...args)));
      }
      return r;
    };
  });
}

/** What the Central System saw of a wss:// handshake (OCTT TC_087 step 4 checks these). */
export interface TlsFacts {
  /** TLS version, e.g. TLSv1.3. */
  tlsVersion?: string;
  /** The negotiated cipher suite, OpenSSL name (e.g. ECDHE-ECDSA-AES128-GCM-SHA256). */
  cipher?: string;
  /** Subject CN of a verified client certificate. */
  clientCn?: string;
  /** The client certificate presented: SHA-256 fingerprint ("AB:CD:..."), key type and size. */
  clientCert?: { fingerprint256: string; keyBits: number; curve?: string; verified: boolean };
}

/** TLS facts of an upgrade request's socket (node:tls TLSSocket), if it is one. */
// deno-lint-ignore no-explicit-any
function tlsInfo(socket: any): TlsFacts {
  if (!socket?.encrypted) return {};
  const version = socket.getProtocol?.();
  const cipher = socket.getCipher?.()?.name;
  const peer = socket.getPeerCertificate?.();
  const presented = peer && typeof peer.fingerprint256 === "string";
  const cn = socket.authorized ? peer?.subject?.CN : undefined;
  return {
    ...(version ? { tlsVersion: String(version) } : {}),
    ...(cipher ? { cipher: String(cipher) } : {}),
    ...(cn ? { clientCn: cn } : {}),
    ...(presented
      ? {
        clientCert: {
          fingerprint256: peer.fingerprint256,
          keyBits: Number(peer.bits),
          ...(peer.asn1Curve ? { curve: String(peer.asn1Curve) } : {}),
          verified: socket.authorized === true,
        },
      }
      : {}),
  };
}

/** How long a test waits for an expected message before failing. */
export const WAIT_MS = 10_000;

/** Options of {@link Csms.start}; all optional, the defaults are a plain ws:// server. */
export interface CsmsOptions {
  /**
   * Serve wss:// (node:https, upgrades handed to ocpp-rpc's handleUpgrade).
   * `clientCert` "required": the Charge Point must present a certificate
   * signed by `ca`; "optional": one is asked for and checked if given.
   */
  readonly tls?: {
    readonly cert: string;
    readonly key: string;
    readonly ca?: string;
    readonly clientCert?: "required" | "optional";
  };
  /**
   * Require HTTP Basic auth: the identity as user-id and one of these
   * passwords (read at each handshake, so a test can rotate it); anything
   * else is refused with 401.
   */
  readonly passwords?: () => readonly string[];
  /** ocpp-rpc's own pings to the Charge Point, ms (0: none); default 30 s. */
  readonly pingIntervalMs?: number;
  /** Listen on this port (a backend that comes back); default: one the OS picks. */
  readonly port?: number;
}

/** The test Central System. */
export class Csms {
  readonly received: Received[] = [];
  /** Strict-mode validation failures: any entry means the Charge Point sent something invalid. */
  readonly invalid: string[] = [];
  /** Every raw text frame on the connections, in wire order; `out`: sent by the Central System. */
  readonly frames: { readonly text: string; readonly out: boolean }[] = [];
  /** Override answers per action. */
  readonly handlers: Record<string, Handler> = {};
  nextTransactionId = 1;
  /** The Central System's time (currentTime of its answers); a test rig sets its FakeClock here. */
  now: () => number = () => Date.now();
  connections = 0;
  /** Identity and headers of the last connection. */
  lastHandshake:
    | {
      identity: string;
      authorization?: string;
      protocols: string[];
      remoteAddress?: string;
    }
      & TlsFacts
    | undefined;
  /** Handshakes refused (wrong password), in order. */
  readonly refused: { readonly identity: string; readonly status: number }[] = [];
  /** Arrival times (Date.now()) of the WebSocket pings the Charge Point sent. */
  readonly pings: number[] = [];
  /** False: pings are not answered (a backend whose pongs got lost). */
  answerPings = true;
  /** Completed WebSocket upgrades (each connection counts once). */
  upgrades = 0;
  /** Pongs the Charge Point sent to the Central System's own pings. */
  pongs = 0;
  /** Refuse every upgrade with this HTTP status (e.g. 404: unknown Charge Point). */
  refuseWith: number | undefined;
  // deno-lint-ignore no-explicit-any
  #server: any;
  // deno-lint-ignore no-explicit-any
  #client: any;
  #waiters: (() => void)[] = [];
  #port = 0;
  #scheme = "ws";
  // deno-lint-ignore no-explicit-any
  #https: any;

  /** Starts listening on 127.0.0.1 with an OS-chosen port. */
  static async start(opts: CsmsOptions = {}): Promise<Csms> {
    const csms = new Csms();
    const server = new RPCServer({
      protocols: ["ocpp1.6"],
      strictMode: true,
      callTimeoutMs: WAIT_MS,
      ...(opts.pingIntervalMs !== undefined ? { pingIntervalMs: opts.pingIntervalMs } : {}),
      // Pongs are sent by the 'ping' listener below, so a test can withhold them.
      wssOptions: { autoPong: false },
    });
    server.auth((accept, reject, handshake) => {
      csms.lastHandshake = {
        identity: handshake.identity,
        protocols: [...handshake.protocols],
        ...(handshake.headers.authorization
          ? { authorization: String(handshake.headers.authorization) }
          : {}),
        ...(handshake.remoteAddress ? { remoteAddress: String(handshake.remoteAddress) } : {}),
        ...tlsInfo(handshake.request?.socket),
      };
      if (csms.refuseWith !== undefined) {
        csms.refused.push({ identity: handshake.identity, status: csms.refuseWith });
        csms.#wake();
        return reject(csms.refuseWith, csms.refuseWith === 404 ? "Not Found" : "Refused");
      }
      // A verified client certificate (Security Profile 3) stands in for the password.
      if (opts.passwords && !csms.lastHandshake.clientCn) {
        const given = handshake.password ? new TextDecoder().decode(handshake.password) : undefined;
        if (given === undefined || !opts.passwords().includes(given)) {
          csms.refused.push({ identity: handshake.identity, status: 401 });
          csms.#wake();
          return reject(401, "Unauthorized");
        }
      }
      csms.upgrades++;
      accept();
    });
    // deno-lint-ignore no-explicit-any
    server.on("client", (client: any) => {
      csms.#client = client;
      csms.connections++;
      client.on("ping", () => {
        csms.pongs++;
        csms.#wake();
      });
      client._ws?.on("ping", (data: Uint8Array) => {
        csms.pings.push(Date.now());
        if (csms.answerPings) client._ws.pong(data);
        csms.#wake();
      });
      client.on("strictValidationFailure", (e: { error: Error; messageId?: string }) => {
        csms.invalid.push(String(e.error?.message ?? e.error));
        csms.#wake();
      });
      client.on("message", (e: { message: unknown; outbound: boolean }) => {
        csms.frames.push({ text: String(e.message), out: e.outbound });
        csms.#wake();
      });
      client.on("close", () => {
        if (csms.#client === client) csms.#client = undefined;
        csms.#wake();
      });
      client.handle(({ method, params }: { method: string; params: unknown }) => {
        csms.received.push({ action: method, params, seq: csms.received.length });
        csms.#wake();
        const h = csms.handlers[method] ?? defaults(csms)[method];
        if (!h) throw new Error(`test CSMS has no handler for ${method}`);
        return h(params);
      });
      csms.#wake();
    });
    holdEarlyFrames(server);
    csms.#server = server;
    if (opts.tls) {
      const t = opts.tls;
      const http = https.createServer({
        cert: t.cert,
        key: t.key,
        ...(t.ca ? { ca: t.ca } : {}),
        requestCert: t.clientCert !== undefined,
        rejectUnauthorized: t.clientCert === "required",
      });
      http.on("upgrade", server.handleUpgrade);
      await new Promise<void>((resolve) => http.listen(opts.port ?? 0, "127.0.0.1", resolve));
      csms.#https = http;
      csms.#scheme = "wss";
      csms.#port = (http.address() as { port: number }).port;
      return csms;
    }
    const http = await server.listen(opts.port ?? 0, "127.0.0.1");
    csms.#port = (http.address() as { port: number }).port;
    return csms;
  }

  /** The backend URL to configure (identity is appended by the Charge Point). */
  get url(): string {
    return `${this.#scheme}://127.0.0.1:${this.#port}`;
  }

  /** The port the Central System listens on. */
  get port(): number {
    return this.#port;
  }

  get connected(): boolean {
    return this.#client !== undefined;
  }

  #wake(): void {
    for (const w of this.#waiters.splice(0)) w();
  }

  /** Waits until `test` is true, re-checking on every event; fails after WAIT_MS with `what`. */
  async until(test: () => boolean, what: string): Promise<void> {
    const deadline = Date.now() + WAIT_MS;
    while (!test()) {
      const left = deadline - Date.now();
      if (left <= 0) {
        throw new Error(
          `Timed out waiting for ${what}; received: ${
            this.received.map((r) => r.action).join(", ")
          }`,
        );
      }
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, Math.min(left, 50));
        this.#waiters.push(() => {
          clearTimeout(t);
          resolve();
        });
      });
    }
  }

  /**
   * Waits for the first CALL of `action` at or after position `from` that
   * matches `match`, and returns it.
   */
  async next(
    action: string,
    from = 0,
    match: (params: Received["params"]) => boolean = () => true,
  ): Promise<Received> {
    let found: Received | undefined;
    await this.until(() => {
      found = this.received.find((r) => r.seq >= from && r.action === action && match(r.params));
      return found !== undefined;
    }, `${action} after #${from}`);
    return found!;
  }

  /** The CALLs of one action from position `from` on. */
  all(action: string, from = 0): Received[] {
    return this.received.filter((r) => r.seq >= from && r.action === action);
  }

  /** The position the next received CALL will get. */
  get mark(): number {
    return this.received.length;
  }

  /** Sends a CALL to the Charge Point and returns its answer (throws on CALLERROR). */
  // deno-lint-ignore no-explicit-any
  async call(action: string, params: unknown): Promise<any> {
    await this.until(() => this.connected, "the Charge Point to connect");
    return await this.#client.call(action, params);
  }

  /** Sends a raw text frame to the Charge Point. */
  async sendRaw(text: string): Promise<void> {
    await this.until(() => this.connected, "the Charge Point to connect");
    this.#client.sendRaw(text);
  }

  /** Drops the Charge Point's connection. */
  async drop(): Promise<void> {
    await this.#client?.close({ code: 1001, force: true });
  }

  async close(): Promise<void> {
    await this.#server.close({ force: true, awaitPending: false });
    if (this.#https) {
      this.#https.closeAllConnections?.();
      await new Promise<void>((resolve) => this.#https.close(() => resolve()));
    }
  }
}
