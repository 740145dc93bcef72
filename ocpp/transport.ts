/**
 * The WebSocket transport, behind a small interface. The runtime's
 * (`transport_deno.ts`) is an RFC 6455 client of our own on Deno's sockets
 * (+1 MB resident; ping frames, proxy, client certificates); tests plug in
 * their own.
 *
 * Why a connection ended is told in one sentence for people (`/api/status`),
 * starting with one of the {@link FAILURE_PREFIXES}, so the supervisor can
 * tell a refused credential from a network outage with {@link failureKind}.
 *
 * @module
 */

/** How to reach the Central System. */
export interface ConnectOptions {
  /** The full endpoint URL, identity included. */
  readonly url: string;
  /** OCPP-J section 3.2: the subprotocol offered. */
  readonly protocols: readonly string[];
  /** HTTP Basic auth (Security Profile 1/2): user is the Charge Point identity. */
  readonly basicAuth?: { readonly user: string; readonly password: string };
  /** PEM CA certificates to trust in addition to the system store. */
  readonly caCerts?: readonly string[];
  /** PEM client certificate and key (Security Profile 3). */
  readonly clientCert?: { readonly cert: string; readonly key: string };
  /** False: do not verify the server's certificate (explicit, warned). Default true. */
  readonly verifyServer?: boolean;
  /** HTTP CONNECT proxy. */
  readonly proxy?: { readonly hostname: string; readonly port: number };
  /** Local address to bind to (the configured network interface's). */
  readonly localAddress?: string;
  /** Give up opening (TCP, TLS, proxy, handshake) after this long; default {@link OPEN_TIMEOUT_MS}. */
  readonly openTimeoutMs?: number;
}

/** Default bound on opening a connection. */
export const OPEN_TIMEOUT_MS = 30_000;

/** What a connection reports. */
export interface ConnectionEvents {
  onOpen(protocol: string): void;
  onMessage(text: string): void;
  /** A pong frame arrived (transports that can ping). */
  onPong?(): void;
  /** Called exactly once per connection, also when opening failed. */
  onClose(reason: string): void;
}

/** An open (or opening) connection. */
export interface Connection {
  send(text: string): void;
  /** Sends a WebSocket ping frame; false when the transport cannot (or is not open). */
  ping?(): boolean;
  /** Closes, reporting `reason` (default: closed by the Charge Point) through onClose. */
  close(reason?: string): void;
}

/** Opens connections. */
export interface Transport {
  connect(opts: ConnectOptions, events: ConnectionEvents): Connection;
}

/** Why a connection failed or ended, by kind. */
export type FailureKind =
  | "dns"
  | "refused"
  | "unreachable"
  | "timeout"
  | "tls"
  | "unauthorized"
  | "not_found"
  | "http"
  | "handshake"
  | "proxy"
  | "interface"
  | "config"
  | "keepalive"
  | "lost"
  | "closed";

/** The sentence starts a transport uses for each kind of failure. */
export const FAILURE_PREFIXES: readonly (readonly [string, FailureKind])[] = [
  ["DNS lookup failed", "dns"],
  ["Connection refused", "refused"],
  ["Network unreachable", "unreachable"],
  ["Connection timed out", "timeout"],
  ["TLS verification failed", "tls"],
  ["TLS handshake failed", "tls"],
  ["HTTP 401", "unauthorized"],
  ["HTTP 403", "unauthorized"],
  ["HTTP 404", "not_found"],
  ["HTTP ", "http"],
  ["Handshake failed", "handshake"],
  ["Subprotocol mismatch", "handshake"],
  ["Proxy refused", "proxy"],
  ["Proxy unreachable", "proxy"],
  ["Interface down", "interface"],
  ["Settings incomplete", "config"],
  ["No pong", "keepalive"],
  ["Connection lost", "lost"],
  ["Protocol error", "lost"],
];

/** The kind of a failure from its sentence; `closed` for anything else (a close by either side). */
export function failureKind(reason: string): FailureKind {
  for (const [prefix, kind] of FAILURE_PREFIXES) if (reason.startsWith(prefix)) return kind;
  return "closed";
}

/**
 * Whether a failure says the backend refused these connection settings
 * (credentials, certificates, TLS) rather than that the network failed:
 * only such failures make the supervisor fall back to the last working
 * security settings.
 */
export function refusesSettings(kind: FailureKind): boolean {
  return kind === "tls" || kind === "unauthorized" || kind === "handshake" ||
    kind === "config" || kind === "http";
}

/** The HTTP Basic Authorization header value (RFC 7617; user-id and password as UTF-8). */
export function basicAuthorization(user: string, password: string): string {
  const bytes = new TextEncoder().encode(`${user}:${password}`);
  let bin = "";
  for (const b of bytes) bin += String.fromCharCode(b);
  return `Basic ${btoa(bin)}`;
}
