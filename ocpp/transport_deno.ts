/**
 * The default transport: the RFC 6455 client of `ws_client.ts` over a
 * stream opened by `dial.ts` (Deno's sockets; `node:net`/`node:tls` only
 * for binding to an interface, a client certificate through a proxy, or
 * TLS without server verification). It sends ping frames (keep-alive),
 * tunnels through an HTTP CONNECT proxy for ws and wss, and says why a
 * connection failed in words (see `transport.ts`).
 *
 * Measured on Deno 2.9 (idle RSS over a bare `deno run`, one open
 * connection): Deno.connect +1.0 MB, Deno.connectTls +4.5 MB, Deno's
 * built-in WebSocket +2.2 MB (ws) / +5.5 MB (wss), node:net +8.0 MB,
 * node:tls +13.4 MB, npm:ws +16.9 MB.
 *
 * @module
 */
import { describeSocketError, dial, type Dialer, DialError, type DialOptions } from "./dial.ts";
import {
  basicAuthorization,
  type Connection,
  type ConnectionEvents,
  type ConnectOptions,
  OPEN_TIMEOUT_MS,
  type Transport,
} from "./transport.ts";
import { type ByteStream, openWebSocket, type WsClient, WsHandshakeError } from "./ws_client.ts";

/** The stream options for a URL and the connection settings. */
function dialOptions(opts: ConnectOptions, signal?: AbortSignal): DialOptions {
  const url = new URL(opts.url);
  const tls = url.protocol === "wss:";
  if (!tls && url.protocol !== "ws:") {
    throw new TypeError(`Cannot connect to ${opts.url}: not a ws:// or wss:// URL`);
  }
  const hostname = url.hostname.replace(/^\[(.*)\]$/, "$1");
  return {
    hostname,
    port: url.port ? Number(url.port) : tls ? 443 : 80,
    tls,
    ...(opts.proxy ? { proxy: opts.proxy } : {}),
    ...(opts.caCerts ? { caCerts: opts.caCerts } : {}),
    ...(opts.clientCert ? { clientCert: opts.clientCert } : {}),
    ...(opts.verifyServer === false ? { verifyServer: false } : {}),
    ...(opts.localAddress ? { localAddress: opts.localAddress } : {}),
    ...(signal ? { signal } : {}),
  };
}

/** Closes a stream that may be closed already. */
function quietClose(stream: ByteStream | undefined): void {
  try {
    stream?.close();
  } catch { /* already closed */ }
}

/** A refused handshake as a sentence for people. */
function handshakeText(err: WsHandshakeError, where: string): string {
  switch (err.status) {
    case 401:
      return `HTTP 401 Unauthorized: the backend ${where} refused the Charge Point's credentials (identity and AuthorizationKey)`;
    case 403:
      return `HTTP 403 Forbidden: the backend ${where} does not let this Charge Point in`;
    case 404:
      return `HTTP 404 Not Found: the backend ${where} knows no such path or Charge Point identity`;
    case undefined:
      return err.message;
    default:
      return `${err.message}: the backend ${where} refused the WebSocket upgrade`;
  }
}

/** A transport on the given dialer (tests pass their own). */
export function rfc6455Transport(dialer: Dialer = dial): Transport {
  return {
    connect(opts: ConnectOptions, events: ConnectionEvents): Connection {
      const ac = new AbortController();
      let stream: ByteStream | undefined;
      let client: WsClient | undefined;
      let done = false;
      const finish = (reason: string) => {
        if (done) return;
        done = true;
        clearTimeout(timer);
        ac.abort();
        events.onClose(reason);
      };
      const where = (() => {
        try {
          return new URL(opts.url).host;
        } catch {
          return opts.url;
        }
      })();
      const ms = opts.openTimeoutMs ?? OPEN_TIMEOUT_MS;
      const timer = setTimeout(() => {
        quietClose(stream);
        finish(`Connection timed out: no WebSocket connection to ${where} within ${ms / 1000} s`);
      }, ms);
      (async () => {
        const d = dialOptions(opts, ac.signal);
        stream = await dialer(d);
        if (done) return quietClose(stream);
        const headers: Record<string, string> = {};
        if (opts.basicAuth) {
          headers.Authorization = basicAuthorization(opts.basicAuth.user, opts.basicAuth.password);
        }
        const c = await openWebSocket(stream, {
          url: new URL(opts.url),
          protocols: opts.protocols,
          headers,
        }, {
          onMessage: (text) => {
            if (!done) events.onMessage(text);
          },
          onPong: () => {
            if (!done) events.onPong?.();
          },
          onClose: finish,
        });
        if (done) return c.close(1000);
        client = c;
        clearTimeout(timer);
        events.onOpen(c.protocol);
      })().catch((err) => {
        quietClose(stream);
        if (done) return;
        finish(
          err instanceof WsHandshakeError
            ? handshakeText(err, where)
            : err instanceof DialError
            ? err.message
            : describeSocketError(err, where),
        );
      });
      return {
        send(text) {
          if (!done) client?.send(text);
        },
        ping() {
          return !done && client !== undefined && client.ping();
        },
        close(reason = "Closed by the Charge Point") {
          if (done) return;
          if (client) client.close(1000);
          else quietClose(stream);
          finish(reason);
        },
      };
    },
  };
}

/** The default transport. */
export const denoTransport: Transport = rfc6455Transport();
