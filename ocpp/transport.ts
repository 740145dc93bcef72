/**
 * The WebSocket transport, behind a small interface so the runtime can use
 * Deno's built-in WebSocket (the default: +0.6 MB resident) or another
 * implementation (e.g. `npm:ws`, +16 MB, which can send ping frames).
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
  /** PEM CA certificates to trust instead of the system store. */
  readonly caCerts?: readonly string[];
  /** PEM client certificate and key (Security Profile 3). */
  readonly clientCert?: { readonly cert: string; readonly key: string };
}

/** What a connection reports. */
export interface ConnectionEvents {
  onOpen(protocol: string): void;
  onMessage(text: string): void;
  /** Called exactly once per connection, also when opening failed. */
  onClose(reason: string): void;
}

/** An open (or opening) connection. */
export interface Connection {
  send(text: string): void;
  close(): void;
}

/** Opens connections. */
export interface Transport {
  connect(opts: ConnectOptions, events: ConnectionEvents): Connection;
}
