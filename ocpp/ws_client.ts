/**
 * A small RFC 6455 WebSocket client over any byte stream (TCP, TLS, a proxy
 * tunnel): the opening handshake with its checks (status 101, Upgrade,
 * Sec-WebSocket-Accept, the chosen subprotocol, no unasked extensions),
 * masked frames, fragmented messages, ping/pong and the close handshake.
 *
 * It exists because Deno's built-in WebSocket cannot send ping frames, and
 * `npm:ws` costs ~16 MB of resident memory (the Node layer): this client
 * on `Deno.connect` costs about 1 MB.
 *
 * @module
 */
import {
  closePayload,
  encodeFrame,
  FrameDecoder,
  MAX_PAYLOAD,
  MessageAssembler,
  OP,
  parseClose,
  WsProtocolError,
} from "./ws_frame.ts";

/** The byte stream under a WebSocket (`Deno.Conn` has this shape). */
export interface ByteStream {
  read(p: Uint8Array): Promise<number | null>;
  write(p: Uint8Array): Promise<number>;
  close(): void;
}

/** The server refused the upgrade or answered it wrongly. */
export class WsHandshakeError extends Error {
  /** The HTTP status, when the server answered with one other than 101. */
  readonly status: number | undefined;
  constructor(message: string, status?: number) {
    super(message);
    this.name = "WsHandshakeError";
    this.status = status;
  }
}

/** What to ask for in the opening handshake. */
export interface HandshakeOptions {
  readonly url: URL;
  readonly protocols: readonly string[];
  /** Extra request headers (e.g. Authorization). */
  readonly headers?: Readonly<Record<string, string>>;
  /** The Sec-WebSocket-Key (tests); random when absent. */
  readonly key?: string;
}

/** What an open client reports. */
export interface WsEvents {
  onMessage(text: string): void;
  onPong?(): void;
  /** Once, when the connection ends for a reason other than the client's own `close()`. */
  onClose(reason: string): void;
}

const GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";
const MAX_HEAD = 16 * 1024;
/** How long the client waits for the server's close frame before dropping the socket. */
export const CLOSE_WAIT_MS = 2_000;
/**
 * Most bytes waiting to be written (beyond what the operating system took).
 * A backend that stops reading its socket while its calls keep coming would
 * otherwise make the replies queue without bound; past this the connection
 * counts as dead, is dropped, and the supervisor opens a new one.
 */
export const MAX_SEND_BUFFER = 1024 * 1024;

/** The Sec-WebSocket-Accept a server must answer to `key` (section 4.2.2). */
export async function acceptFor(key: string): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-1", new TextEncoder().encode(key + GUID));
  return btoa(String.fromCharCode(...new Uint8Array(digest)));
}

/** The Host header value for a URL (default ports left out). */
function hostHeader(url: URL): string {
  return url.host;
}

/** The opening handshake request (section 4.1). */
export function handshakeRequest(opts: HandshakeOptions, key: string): string {
  const lines = [
    `GET ${opts.url.pathname || "/"}${opts.url.search} HTTP/1.1`,
    `Host: ${hostHeader(opts.url)}`,
    "Upgrade: websocket",
    "Connection: Upgrade",
    `Sec-WebSocket-Key: ${key}`,
    "Sec-WebSocket-Version: 13",
  ];
  if (opts.protocols.length) lines.push(`Sec-WebSocket-Protocol: ${opts.protocols.join(", ")}`);
  for (const [k, v] of Object.entries(opts.headers ?? {})) {
    if (/[\r\n]/.test(k + v)) throw new TypeError(`Cannot send header ${k}: contains a line break`);
    lines.push(`${k}: ${v}`);
  }
  return lines.join("\r\n") + "\r\n\r\n";
}

/** A parsed HTTP response head. */
export interface ResponseHead {
  readonly status: number;
  readonly statusText: string;
  /** Lower-case names; repeated headers joined with ", ". */
  readonly headers: ReadonlyMap<string, string>;
}

/** Parses an HTTP/1.x response head (without the final blank line). */
export function parseResponseHead(text: string): ResponseHead {
  const [statusLine = "", ...lines] = text.split("\r\n");
  const m = /^HTTP\/1\.[01] (\d{3})(?: (.*))?$/.exec(statusLine);
  if (!m) {
    throw new WsHandshakeError(
      `Handshake failed: not an HTTP response (${statusLine.slice(0, 40)})`,
    );
  }
  const headers = new Map<string, string>();
  for (const line of lines) {
    const i = line.indexOf(":");
    if (i <= 0) continue;
    const name = line.slice(0, i).trim().toLowerCase();
    const value = line.slice(i + 1).trim();
    headers.set(name, headers.has(name) ? `${headers.get(name)}, ${value}` : value);
  }
  return { status: Number(m[1]), statusText: m[2] ?? "", headers };
}

/**
 * Reads an HTTP response head from a stream; returns it and any bytes that
 * came after it.
 */
export async function readHead(
  stream: ByteStream,
): Promise<{ head: ResponseHead; rest: Uint8Array }> {
  let buf = new Uint8Array(0);
  const chunk = new Uint8Array(4096);
  for (;;) {
    const end = indexOfBlankLine(buf);
    if (end >= 0) {
      const head = parseResponseHead(new TextDecoder().decode(buf.subarray(0, end)));
      return { head, rest: buf.slice(end + 4) };
    }
    if (buf.length > MAX_HEAD) {
      throw new WsHandshakeError("Handshake failed: response head too long");
    }
    const n = await stream.read(chunk);
    if (n === null) {
      throw new WsHandshakeError("Handshake failed: the server closed the connection");
    }
    const next = new Uint8Array(buf.length + n);
    next.set(buf);
    next.set(chunk.subarray(0, n), buf.length);
    buf = next;
  }
}

function indexOfBlankLine(b: Uint8Array): number {
  for (let i = 0; i + 3 < b.length; i++) {
    if (b[i] === 13 && b[i + 1] === 10 && b[i + 2] === 13 && b[i + 3] === 10) return i;
  }
  return -1;
}

/** Checks the server's answer to the opening handshake (section 4.1, client requirements). */
export async function checkHandshake(
  head: ResponseHead,
  key: string,
  protocols: readonly string[],
): Promise<string> {
  if (head.status !== 101) {
    throw new WsHandshakeError(
      `HTTP ${head.status}${head.statusText ? ` ${head.statusText}` : ""}`,
      head.status,
    );
  }
  const h = head.headers;
  if (h.get("upgrade")?.toLowerCase() !== "websocket") {
    throw new WsHandshakeError("Handshake failed: no Upgrade: websocket in the answer");
  }
  if (!/(^|,)\s*upgrade\s*(,|$)/i.test(h.get("connection") ?? "")) {
    throw new WsHandshakeError("Handshake failed: no Connection: Upgrade in the answer");
  }
  if (h.get("sec-websocket-accept") !== await acceptFor(key)) {
    throw new WsHandshakeError("Handshake failed: wrong Sec-WebSocket-Accept");
  }
  if (h.has("sec-websocket-extensions")) {
    throw new WsHandshakeError("Handshake failed: the server chose an extension nobody asked for");
  }
  const protocol = h.get("sec-websocket-protocol") ?? "";
  if (protocols.length && !protocols.includes(protocol)) {
    // OCPP-J section 3.2: the server must agree on the subprotocol.
    throw new WsHandshakeError(
      `Subprotocol mismatch: the server chose ${JSON.stringify(protocol)}, not ${
        protocols.join("/")
      }`,
    );
  }
  return protocol;
}

/**
 * Performs the opening handshake on `stream` and returns the open client,
 * which then reads frames until the connection ends.
 *
 * @throws {WsHandshakeError} when the server refuses or answers wrongly.
 */
export async function openWebSocket(
  stream: ByteStream,
  opts: HandshakeOptions,
  events: WsEvents,
): Promise<WsClient> {
  const key = opts.key ?? btoa(String.fromCharCode(...crypto.getRandomValues(new Uint8Array(16))));
  await writeAll(stream, new TextEncoder().encode(handshakeRequest(opts, key)));
  const { head, rest } = await readHead(stream);
  const protocol = await checkHandshake(head, key, opts.protocols);
  return new WsClient(stream, protocol, events, rest);
}

function concatBytes(parts: readonly Uint8Array[]): Uint8Array {
  let size = 0;
  for (const p of parts) size += p.length;
  const out = new Uint8Array(size);
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

async function writeAll(stream: ByteStream, bytes: Uint8Array): Promise<void> {
  for (let off = 0; off < bytes.length;) off += await stream.write(bytes.subarray(off));
}

/** An open WebSocket connection, client side. */
export class WsClient {
  readonly protocol: string;
  #stream: ByteStream;
  #events: WsEvents;
  #decoder = new FrameDecoder({ maxPayload: MAX_PAYLOAD });
  #assembler = new MessageAssembler(MAX_PAYLOAD);
  #state: "open" | "closing" | "closed" = "open";
  #writing: Promise<void> = Promise.resolve();
  /** Bytes handed to `#frame` and not yet written. */
  #queued = 0;
  #pending: Uint8Array[] = [];
  #flushing = false;
  #reported = false;
  #closeTimer: ReturnType<typeof setTimeout> | undefined;

  constructor(
    stream: ByteStream,
    protocol: string,
    events: WsEvents,
    rest: Uint8Array = new Uint8Array(),
  ) {
    this.#stream = stream;
    this.protocol = protocol;
    this.#events = events;
    this.#decoder.push(rest);
    this.#readLoop();
  }

  /** Whether text can still be sent. */
  get open(): boolean {
    return this.#state === "open";
  }

  /** Sends a text message; ignored once closing. */
  send(text: string): void {
    if (this.#state === "open") this.#frame(OP.text, new TextEncoder().encode(text));
  }

  /** Sends a ping frame; false once closing. */
  ping(data = new Uint8Array(0)): boolean {
    if (this.#state !== "open") return false;
    this.#frame(OP.ping, data);
    return true;
  }

  /**
   * Starts the close handshake: sends a close frame after everything queued
   * and drops the socket when the server answers, or after CLOSE_WAIT_MS.
   * Reports nothing: the caller knows why it closed.
   */
  close(code = 1000, reason = ""): void {
    this.#reported = true;
    if (this.#state !== "open") return;
    this.#state = "closing";
    this.#frame(OP.close, closePayload(code, reason));
    this.#closeTimer = setTimeout(() => this.#drop(), CLOSE_WAIT_MS);
  }

  /** Drops the socket at once, reporting `reason` (for keep-alive failures and timeouts). */
  abort(reason: string): void {
    this.#report(reason);
    this.#drop();
  }

  /** Bytes waiting to be written (tests, status). */
  get buffered(): number {
    return this.#queued;
  }

  #frame(opcode: number, payload: Uint8Array): void {
    if (this.#state === "closed") return;
    const bytes = encodeFrame(opcode, payload, crypto.getRandomValues(new Uint8Array(4)));
    if (this.#queued + bytes.length > MAX_SEND_BUFFER && opcode !== OP.close) {
      this.abort(
        `Connection lost: the backend stopped reading (over ${MAX_SEND_BUFFER} bytes waiting to be sent)`,
      );
      return;
    }
    this.#queued += bytes.length;
    this.#pending.push(bytes);
    if (!this.#flushing) this.#writing = this.#flush();
  }

  /**
   * Writes everything queued, in order; frames queued while a write is under
   * way go out together in the next one (one system call for a burst of replies).
   */
  async #flush(): Promise<void> {
    this.#flushing = true;
    try {
      while (this.#pending.length > 0) {
        const parts = this.#pending;
        this.#pending = [];
        const chunk = parts.length === 1 ? parts[0]! : concatBytes(parts);
        try {
          await writeAll(this.#stream, chunk);
        } catch (err) {
          this.#pending = [];
          this.#queued = 0;
          this.#report(`Connection lost: ${err instanceof Error ? err.message : err}`);
          this.#drop();
          return;
        }
        this.#queued -= chunk.length;
      }
    } finally {
      this.#flushing = false;
    }
  }

  #report(reason: string): void {
    if (this.#reported) return;
    this.#reported = true;
    this.#events.onClose(reason);
  }

  #drop(): void {
    if (this.#state === "closed") return;
    this.#state = "closed";
    clearTimeout(this.#closeTimer);
    try {
      this.#stream.close();
    } catch { /* already closed */ }
  }

  async #readLoop(): Promise<void> {
    const buf = new Uint8Array(16 * 1024);
    try {
      for (;;) {
        for (let f = this.#decoder.next(); f; f = this.#decoder.next()) this.#handle(f);
        if (this.#state === "closed") return;
        const n = await this.#stream.read(buf);
        if (n === null) break;
        this.#decoder.push(buf.subarray(0, n));
      }
      this.#report("Connection lost: the backend closed the socket without a close frame (1006)");
    } catch (err) {
      if (err instanceof WsProtocolError) {
        this.#report(`Protocol error: ${err.message}`);
        if (this.#state === "open") {
          this.#state = "closing";
          this.#frame(OP.close, closePayload(err.code));
          this.#writing.finally(() => this.#drop());
          return;
        }
      } else if (this.#state !== "closed") {
        this.#report(`Connection lost: ${err instanceof Error ? err.message : err}`);
      }
    }
    this.#drop();
  }

  #handle(f: { fin: boolean; opcode: number; payload: Uint8Array }): void {
    switch (f.opcode) {
      case OP.ping:
        if (this.#state === "open") this.#frame(OP.pong, f.payload);
        return;
      case OP.pong:
        this.#events.onPong?.();
        return;
      case OP.close: {
        const { code, reason } = parseClose(f.payload);
        this.#report(`Closed by the backend (${code}${reason ? ` ${reason}` : ""})`);
        if (this.#state === "open") {
          this.#state = "closing";
          this.#frame(OP.close, closePayload(code === 1005 ? 1000 : code));
        }
        this.#writing.finally(() => this.#drop());
        this.#state = this.#state === "closed" ? "closed" : "closing";
        return;
      }
      default: {
        const msg = this.#assembler.add(f);
        if (!msg || this.#state !== "open") return;
        if (msg.opcode !== OP.text) return; // OCPP-J uses text frames only
        let text: string;
        try {
          text = new TextDecoder("utf-8", { fatal: true }).decode(msg.data);
        } catch {
          throw new WsProtocolError("Cannot read message: invalid UTF-8", 1007);
        }
        this.#events.onMessage(text);
      }
    }
  }
}
