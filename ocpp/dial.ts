/**
 * Opening the byte stream under the WebSocket: TCP or TLS, directly or
 * through an HTTP CONNECT proxy (RFC 9110 section 9.3.6), on Deno's own
 * sockets (`Deno.connect`, `Deno.connectTls`, `Deno.startTls`: ~1 MB
 * resident with TCP, ~4.5 MB with TLS).
 *
 * Three things Deno's socket API cannot do are left to `dial_node.ts`
 * (`node:net` / `node:tls`, loaded only when needed: +8 MB for TCP,
 * +13 MB for TLS): binding to a local address (the configured network
 * interface), a client certificate through a proxy tunnel (`Deno.startTls`
 * takes no key pair), and TLS without verifying the server.
 *
 * Failures are thrown as {@link DialError} whose message says what failed
 * for people: DNS, refused, timeout, TLS verification, proxy.
 *
 * @module
 */
import type { ByteStream } from "./ws_client.ts";
import { readHead } from "./ws_client.ts";

/** Where and how to open the stream. */
export interface DialOptions {
  readonly hostname: string;
  readonly port: number;
  readonly tls: boolean;
  /** HTTP CONNECT proxy. */
  readonly proxy?: { readonly hostname: string; readonly port: number };
  /** PEM CA certificates to trust in addition to the system store. */
  readonly caCerts?: readonly string[];
  /** PEM client certificate and key (Security Profile 3). */
  readonly clientCert?: { readonly cert: string; readonly key: string };
  /** False: accept any server certificate (explicit, warned). Default true. */
  readonly verifyServer?: boolean;
  /** Local address to bind the socket to (the configured interface's). */
  readonly localAddress?: string;
  readonly signal?: AbortSignal;
}

/** A failure to open the stream, with a message for people. */
export class DialError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "DialError";
  }
}

/** Opens byte streams. */
export type Dialer = (opts: DialOptions) => Promise<ByteStream>;

/** Whether the Deno sockets can do what `opts` asks, or `dial_node.ts` is needed. */
function needsNode(opts: DialOptions): boolean {
  return opts.localAddress !== undefined ||
    (opts.tls && opts.verifyServer === false) ||
    (opts.tls && opts.proxy !== undefined && opts.clientCert !== undefined);
}

/** `host:port`, IPv6 in brackets. */
export function authority(hostname: string, port: number): string {
  return `${hostname.includes(":") ? `[${hostname}]` : hostname}:${port}`;
}

/** A socket or TLS error as a sentence naming what failed. */
export function describeSocketError(err: unknown, where: string, what = "backend"): string {
  const msg = err instanceof Error ? err.message : String(err);
  if (err instanceof DialError) return msg;
  if (err instanceof DOMException && err.name === "TimeoutError") {
    return `Connection timed out: no answer from the ${what} ${where}`;
  }
  if (
    /lookup address|Name or service not known|No address associated|ENOTFOUND|EAI_AGAIN/i.test(msg)
  ) {
    return `DNS lookup failed: cannot resolve the ${what} ${where}`;
  }
  if (err instanceof Deno.errors.ConnectionRefused || /ECONNREFUSED|refused/i.test(msg)) {
    return `Connection refused: nothing listens at the ${what} ${where}`;
  }
  if (/unreachable|EHOSTUNREACH|ENETUNREACH/i.test(msg)) {
    return `Network unreachable: cannot reach the ${what} ${where}`;
  }
  if (/timed out|ETIMEDOUT/i.test(msg)) {
    return `Connection timed out: no answer from the ${what} ${where}`;
  }
  const alert = /received fatal alert: (\w+)/.exec(msg);
  if (alert) {
    return ["CertificateRequired", "BadCertificate", "UnknownCA"].includes(alert[1]!)
      ? `TLS handshake failed: the ${what} ${where} did not accept the Charge Point's client certificate (${
        alert[1]
      })`
      : `TLS handshake failed: the ${what} ${where} ended the handshake (${alert[1]})`;
  }
  if (
    /invalid peer certificate|certificate|self[- ]signed|unable to verify|UNABLE_TO|ERR_TLS_CERT/i
      .test(msg)
  ) {
    return `TLS verification failed: the ${what} ${where} presented a certificate that is not trusted here (${
      msg.replace(/^invalid peer certificate: /, "")
    })`;
  }
  if (/alert|handshake|corrupt message|InvalidContentType|tls|ssl/i.test(msg)) {
    return `TLS handshake failed with the ${what} ${where}: ${msg}`;
  }
  if (err instanceof Deno.errors.ConnectionReset || /reset|EPIPE|broken pipe/i.test(msg)) {
    return `Connection lost: the ${what} ${where} reset the connection`;
  }
  return `Cannot connect to the ${what} ${where}: ${msg}`;
}

/** Asks a proxy for a tunnel (HTTP CONNECT) over an open stream. */
export async function connectTunnel(
  stream: ByteStream,
  target: string,
  proxy: string,
): Promise<void> {
  const req = `CONNECT ${target} HTTP/1.1\r\nHost: ${target}\r\n\r\n`;
  const bytes = new TextEncoder().encode(req);
  for (let off = 0; off < bytes.length;) off += await stream.write(bytes.subarray(off));
  let head;
  try {
    ({ head } = await readHead(stream));
  } catch (err) {
    throw new DialError(
      `Proxy refused: the proxy ${proxy} gave no valid answer to CONNECT ${target} (${
        err instanceof Error ? err.message : err
      })`,
    );
  }
  if (head.status < 200 || head.status > 299) {
    throw new DialError(
      `Proxy refused: the proxy ${proxy} answered CONNECT ${target} with HTTP ${head.status}${
        head.statusText ? ` ${head.statusText}` : ""
      }`,
    );
  }
}

/** Runs `fn`, turning its failure into a DialError that says what failed. */
async function step<T>(fn: () => Promise<T>, where: string, what: string): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    throw new DialError(describeSocketError(err, where, what), { cause: err });
  }
}

/**
 * Opens the stream on Deno's sockets, or through `dial_node.ts` when
 * {@link needsNode} says so.
 *
 * @throws {DialError} saying what failed.
 */
export async function dial(opts: DialOptions): Promise<ByteStream> {
  if (needsNode(opts)) {
    const { dialNode } = await import("./dial_node.ts");
    return await dialNode(opts);
  }
  const target = authority(opts.hostname, opts.port);
  const tlsOpts = {
    hostname: opts.hostname,
    ...(opts.caCerts?.length ? { caCerts: [...opts.caCerts] } : {}),
  };
  if (!opts.proxy) {
    if (!opts.tls) {
      return await step(
        () => Deno.connect({ hostname: opts.hostname, port: opts.port, ...sig(opts) }),
        target,
        "backend",
      );
    }
    return await step(
      async () => {
        const conn = await Deno.connectTls({
          ...tlsOpts,
          port: opts.port,
          ...(opts.clientCert ? { cert: opts.clientCert.cert, key: opts.clientCert.key } : {}),
        });
        return await handshaken(conn, opts.signal);
      },
      target,
      "backend",
    );
  }
  const proxy = authority(opts.proxy.hostname, opts.proxy.port);
  const tcp = await step(
    () => Deno.connect({ hostname: opts.proxy!.hostname, port: opts.proxy!.port, ...sig(opts) }),
    proxy,
    "proxy",
  ).catch((err: DialError) => {
    throw new DialError(`Proxy unreachable: ${err.message}`, { cause: err.cause });
  });
  try {
    await connectTunnel(tcp, target, proxy);
    if (!opts.tls) return tcp;
    return await step(
      async () => await handshaken(await Deno.startTls(tcp, tlsOpts), opts.signal),
      target,
      "backend",
    );
  } catch (err) {
    try {
      tcp.close();
    } catch { /* closed */ }
    throw err;
  }
}

function sig(opts: DialOptions): { signal?: AbortSignal } {
  return opts.signal ? { signal: opts.signal } : {};
}

/** Completes the TLS handshake (so certificate errors surface here), closing on failure or abort. */
async function handshaken(conn: Deno.TlsConn, signal?: AbortSignal): Promise<Deno.TlsConn> {
  const abort = () => {
    try {
      conn.close();
    } catch { /* closed */ }
  };
  signal?.addEventListener("abort", abort, { once: true });
  try {
    await conn.handshake();
    return conn;
  } catch (err) {
    try {
      conn.close();
    } catch { /* closed by the abort */ }
    throw err;
  } finally {
    signal?.removeEventListener("abort", abort);
  }
}
