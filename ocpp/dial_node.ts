/**
 * The part of dialling Deno's socket API cannot do, on `node:net` and
 * `node:tls`: binding to a local address (the configured network
 * interface), a client certificate through a proxy tunnel, and TLS without
 * verifying the server. Loaded by `dial.ts` only when one of these is
 * configured, because the Node layer costs memory: +8 MB resident for
 * `node:net`, +13 MB with `node:tls` (measured on Deno 2.9).
 *
 * @module
 */
import net from "node:net";
import tls from "node:tls";
import {
  authority,
  connectTunnel,
  describeSocketError,
  DialError,
  type DialOptions,
} from "./dial.ts";
import type { ByteStream } from "./ws_client.ts";

/** A Node socket as a {@link ByteStream}. */
class NodeStream implements ByteStream {
  #socket: net.Socket;
  #chunks: Uint8Array[] = [];
  #ended = false;
  #error: Error | undefined;
  #wake: (() => void) | undefined;

  constructor(socket: net.Socket) {
    this.#socket = socket;
    socket.on("data", (b: Uint8Array) => {
      this.#chunks.push(new Uint8Array(b));
      this.#notify();
    });
    socket.on("end", () => {
      this.#ended = true;
      this.#notify();
    });
    socket.on("close", () => {
      this.#ended = true;
      this.#notify();
    });
    socket.on("error", (err: Error) => {
      this.#error = err;
      this.#notify();
    });
  }

  #notify(): void {
    const w = this.#wake;
    this.#wake = undefined;
    w?.();
  }

  async read(p: Uint8Array): Promise<number | null> {
    while (this.#chunks.length === 0) {
      if (this.#error) throw this.#error;
      if (this.#ended) return null;
      await new Promise<void>((r) => this.#wake = r);
    }
    const c = this.#chunks[0]!;
    const n = Math.min(p.length, c.length);
    p.set(c.subarray(0, n));
    if (n === c.length) this.#chunks.shift();
    else this.#chunks[0] = c.subarray(n);
    return n;
  }

  write(p: Uint8Array): Promise<number> {
    return new Promise((resolve, reject) => {
      if (this.#error) return reject(this.#error);
      this.#socket.write(p, (err?: Error | null) => err ? reject(err) : resolve(p.length));
    });
  }

  close(): void {
    this.#ended = true;
    this.#socket.destroy();
    this.#notify();
  }
}

function whenConnected(socket: net.Socket, event: string, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    const onAbort = () => {
      socket.destroy();
      reject(signal?.reason ?? new DOMException("aborted", "AbortError"));
    };
    if (signal?.aborted) return onAbort();
    signal?.addEventListener("abort", onAbort, { once: true });
    socket.once(event, () => {
      signal?.removeEventListener("abort", onAbort);
      resolve();
    });
    socket.once("error", (err: Error) => {
      signal?.removeEventListener("abort", onAbort);
      reject(err);
    });
  });
}

/**
 * Opens the stream with `node:net` / `node:tls`.
 *
 * @throws {DialError} saying what failed.
 */
export async function dialNode(opts: DialOptions): Promise<ByteStream> {
  const target = authority(opts.hostname, opts.port);
  const first = opts.proxy ?? { hostname: opts.hostname, port: opts.port };
  const firstName = authority(first.hostname, first.port);
  const what = opts.proxy ? "proxy" : "backend";
  const tcp = net.connect({
    host: first.hostname,
    port: first.port,
    ...(opts.localAddress ? { localAddress: opts.localAddress } : {}),
  });
  try {
    await whenConnected(tcp, "connect", opts.signal);
  } catch (err) {
    const text = describeSocketError(err, firstName, what);
    throw new DialError(opts.proxy ? `Proxy unreachable: ${text}` : text, { cause: err });
  }
  let stream = new NodeStream(tcp);
  if (opts.proxy) {
    try {
      await connectTunnel(stream, target, firstName);
    } catch (err) {
      stream.close();
      throw err;
    }
  }
  if (!opts.tls) return stream;
  // The tunnel's bytes so far were consumed by readHead; TLS takes the socket over.
  tcp.removeAllListeners("data");
  const secure = tls.connect({
    socket: tcp,
    servername: net.isIP(opts.hostname) ? undefined : opts.hostname,
    // Here a configured CA replaces the bundled roots (adding to them would read
    // tls.rootCertificates, which needs --allow-sys=ca).
    ...(opts.caCerts?.length ? { ca: [...opts.caCerts] } : {}),
    ...(opts.clientCert ? { cert: opts.clientCert.cert, key: opts.clientCert.key } : {}),
    rejectUnauthorized: opts.verifyServer !== false,
    ...(opts.verifyServer === false ? { checkServerIdentity: () => undefined } : {}),
    host: opts.hostname,
  });
  try {
    await whenConnected(secure, "secureConnect", opts.signal);
  } catch (err) {
    secure.destroy();
    throw new DialError(describeSocketError(err, target, "backend"), { cause: err });
  }
  stream = new NodeStream(secure);
  return stream;
}
