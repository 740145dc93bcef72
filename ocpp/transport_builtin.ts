/**
 * The transport on Deno's built-in WebSocket client: Basic auth header,
 * custom CA and client certificate through `Deno.createHttpClient`. It
 * cannot send ping frames (no keep-alive), use a proxy or bind to an
 * interface here; kept as the reference the default transport
 * (`transport_deno.ts`) was measured against: +2.2 MB resident for ws,
 * +5.5 MB for wss on Deno 2.9.
 *
 * @module
 */
import {
  basicAuthorization,
  type Connection,
  type ConnectionEvents,
  type ConnectOptions,
  type Transport,
} from "./transport.ts";

/** The built-in WebSocket transport. */
export const builtinTransport: Transport = {
  connect(opts: ConnectOptions, events: ConnectionEvents): Connection {
    let closed = false;
    const finish = (reason: string) => {
      if (closed) return;
      closed = true;
      client?.close();
      events.onClose(reason);
    };
    const headers: Record<string, string> = {};
    if (opts.basicAuth) {
      headers.Authorization = basicAuthorization(opts.basicAuth.user, opts.basicAuth.password);
    }
    const needClient = opts.caCerts !== undefined || opts.clientCert !== undefined;
    const client = needClient
      ? Deno.createHttpClient({
        ...(opts.caCerts ? { caCerts: [...opts.caCerts] } : {}),
        ...(opts.clientCert ? { cert: opts.clientCert.cert, key: opts.clientCert.key } : {}),
      })
      : undefined;
    let ws: WebSocket;
    try {
      ws = new WebSocket(opts.url, {
        protocols: [...opts.protocols],
        headers,
        ...(client ? { client } : {}),
      } as unknown as string[]);
    } catch (err) {
      queueMicrotask(() =>
        finish(`Cannot connect to ${opts.url}: ${err instanceof Error ? err.message : err}`)
      );
      return { send() {}, close() {} };
    }
    let lastError = "";
    ws.onopen = () => {
      // OCPP-J section 3.2: the server must agree on the subprotocol.
      if (!opts.protocols.includes(ws.protocol)) {
        lastError = `server chose subprotocol ${JSON.stringify(ws.protocol)}, not ${
          opts.protocols.join("/")
        }`;
        ws.close(1002, "subprotocol");
        return;
      }
      events.onOpen(ws.protocol);
    };
    ws.onmessage = (e) => {
      if (typeof e.data === "string") events.onMessage(e.data);
    };
    ws.onerror = (e) => {
      lastError = (e as ErrorEvent).message ?? "connection error";
    };
    ws.onclose = (e) => finish(lastError || `closed (${e.code}${e.reason ? ` ${e.reason}` : ""})`);
    return {
      send(text) {
        if (!closed && ws.readyState === WebSocket.OPEN) ws.send(text);
      },
      close(reason = "Closed by the Charge Point") {
        if (closed) return;
        try {
          ws.close(1000);
        } catch { /* already closing */ }
        finish(reason);
      },
    };
  },
};
