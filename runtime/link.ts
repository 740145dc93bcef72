/**
 * The backend link: the effectful side of the connection supervisor. It
 * carries out `ws.connect`, `ws.disconnect` and `ws.send` with the
 * configured transport (reading password, TLS files and identity from the
 * settings store at connect time) and reports `ws.opened`, `ws.received`
 * and `ws.closed` on the bus.
 *
 * @module
 */
import { type Bus, errorText } from "../actors/bus.ts";
import type { ConfigStore } from "../config/store.ts";
import type { Connection, ConnectOptions, Transport } from "../ocpp/transport.ts";
import type { Logger } from "./log.ts";

/** The link's parts. */
export interface LinkOptions {
  readonly store: ConfigStore;
  readonly transport: Transport;
  readonly logger: Logger;
}

/** The connection to the Central System, across restarts of the actors. */
export class Link {
  #o: LinkOptions;
  #bus: Bus | undefined;
  #unsubscribe: (() => void)[] = [];
  /** The current connection's entry; a late event of an old one is recognised by identity. */
  #conn: { c: Connection | undefined } | undefined;

  constructor(opts: LinkOptions) {
    this.#o = opts;
  }

  /** Serves a bus (the one of the current boot), closing any connection of the previous one. */
  attach(bus: Bus): void {
    this.detach();
    this.#bus = bus;
    this.#unsubscribe = [
      bus.subscribe("ws.connect", (m) => this.#connect(bus, m.url, m.conn)),
      bus.subscribe("ws.disconnect", () => this.#disconnect()),
      bus.subscribe("ws.send", (m) => {
        this.#o.logger.log("debug", `> ${m.text}`);
        this.#conn?.c?.send(m.text);
      }),
    ];
  }

  /** Stops serving the bus and closes the connection. */
  detach(): void {
    for (const u of this.#unsubscribe) u();
    this.#unsubscribe = [];
    this.#bus = undefined;
    this.#disconnect();
  }

  #connect(bus: Bus, url: string, conn: number): void {
    this.#disconnect();
    const store = this.#o.store;
    const password = String(store.get("AuthorizationKey"));
    const id = String(store.get("ChargePointId"));
    const entry: { c: Connection | undefined } = { c: undefined };
    this.#conn = entry;
    const current = () => this.#conn === entry && this.#bus === bus;
    const events = {
      onOpen: () => {
        if (current()) bus.publish({ type: "ws.opened", conn });
      },
      onMessage: (text: string) => {
        if (!current()) return;
        this.#o.logger.log("debug", `< ${text}`);
        bus.publish({ type: "ws.received", text });
      },
      onClose: (reason: string) => {
        if (this.#conn === entry) this.#conn = undefined;
        bus.publish({ type: "ws.closed", conn, reason });
      },
    };
    this.#loadTls().then((tls) => {
      if (!current()) return;
      const opts: ConnectOptions = {
        url,
        protocols: ["ocpp1.6"],
        ...(password ? { basicAuth: { user: id, password } } : {}),
        ...tls,
      };
      entry.c = this.#o.transport.connect(opts, events);
    }, (err) => {
      if (this.#conn === entry) this.#conn = undefined;
      bus.publish({ type: "ws.closed", conn, reason: errorText(err) });
    });
  }

  async #loadTls(): Promise<Pick<ConnectOptions, "caCerts" | "clientCert">> {
    const store = this.#o.store;
    const ca = String(store.get("TlsCaFile"));
    const cert = String(store.get("TlsClientCertFile"));
    const key = String(store.get("TlsClientKeyFile"));
    const read = async (path: string, what: string) => {
      try {
        return await Deno.readTextFile(path);
      } catch (err) {
        throw new Error(`Cannot read ${what} ${path}: ${errorText(err)}`);
      }
    };
    return {
      ...(ca ? { caCerts: [await read(ca, "CA file")] } : {}),
      ...(cert && key
        ? {
          clientCert: {
            cert: await read(cert, "client certificate"),
            key: await read(key, "client key"),
          },
        }
        : {}),
    };
  }

  #disconnect(): void {
    const c = this.#conn;
    this.#conn = undefined;
    c?.c?.close();
  }
}
