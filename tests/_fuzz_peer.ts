/**
 * A raw WebSocket Central System for the fuzz test: a TCP server on
 * loopback that speaks RFC 6455 itself, so it can send what no WebSocket
 * library sends (malformed frames, thousands of empty fragments, frames one
 * byte at a time, invalid close frames) and can stop reading its socket. It
 * answers the Charge Point's CALLs as a friendly backend does and records
 * the answers to its own frames by message id.
 *
 * @module
 */
import { acceptFor } from "../ocpp/ws_client.ts";
import { encodeFrame, FrameDecoder, MessageAssembler, OP, parseClose } from "../ocpp/ws_frame.ts";

const enc = new TextEncoder();

/** One connection of the Charge Point. */
export class PeerConnection {
  readonly conn: Deno.Conn;
  /** The Charge Point's answers to the peer's frames, by message id. */
  readonly answers = new Map<string, unknown[]>();
  /** Actions of the CALLs the Charge Point sent, in order. */
  readonly calls: string[] = [];
  /** The close code the Charge Point sent, once it did. */
  closeCode: number | undefined;
  /** Set when the socket ended. */
  ended = false;
  readonly done: Promise<void>;
  #paused: PromiseWithResolvers<void> | undefined;
  #peer: RawCsms;

  constructor(conn: Deno.Conn, rest: Uint8Array, peer: RawCsms) {
    this.conn = conn;
    this.#peer = peer;
    this.done = this.#readLoop(rest);
  }

  /** Stops reading the socket (a backend that no longer reads) until {@link resume}. */
  pause(): void {
    this.#paused ??= Promise.withResolvers();
  }

  resume(): void {
    this.#paused?.resolve();
    this.#paused = undefined;
  }

  /** Writes bytes; false when the socket is gone. */
  async write(bytes: Uint8Array): Promise<boolean> {
    try {
      for (let off = 0; off < bytes.length;) off += await this.conn.write(bytes.subarray(off));
      return true;
    } catch {
      return false;
    }
  }

  /** Sends a text message in one unmasked frame. */
  send(text: string): Promise<boolean> {
    return this.write(encodeFrame(OP.text, enc.encode(text)));
  }

  close(): void {
    try {
      this.conn.close();
    } catch { /* closed */ }
  }

  async #readLoop(rest: Uint8Array): Promise<void> {
    const decoder = new FrameDecoder({ expectMasked: true, maxPayload: 64 * 1024 * 1024 });
    const assembler = new MessageAssembler(64 * 1024 * 1024, 1_000_000);
    decoder.push(rest);
    const buf = new Uint8Array(64 * 1024);
    try {
      for (;;) {
        for (let f = decoder.next(); f; f = decoder.next()) {
          if (f.opcode === OP.ping) await this.write(encodeFrame(OP.pong, f.payload));
          else if (f.opcode === OP.close) {
            this.closeCode = parseClose(f.payload).code;
            await this.write(encodeFrame(OP.close, f.payload.subarray(0, 2)));
            this.close();
          } else if (f.opcode !== OP.pong) {
            const m = assembler.add(f);
            if (m) await this.#onMessage(new TextDecoder().decode(m.data));
          }
        }
        if (this.#paused) await this.#paused.promise;
        const n = await this.conn.read(buf);
        if (n === null) break;
        decoder.push(buf.subarray(0, n));
      }
    } catch { /* socket closed under the loop */ }
    this.ended = true;
    this.close();
  }

  async #onMessage(text: string): Promise<void> {
    const msg = JSON.parse(text) as unknown[];
    if (msg[0] === 2) {
      const action = String(msg[2]);
      this.calls.push(action);
      const answer = this.#peer.answer(action, msg[3]);
      await this.send(JSON.stringify([3, msg[1], answer]));
    } else {
      this.answers.set(String(msg[1]), msg);
    }
    this.#peer.wake();
  }
}

/** The server. */
export class RawCsms {
  readonly port: number;
  readonly connections: PeerConnection[] = [];
  #listener: Deno.Listener;
  #waiters: (() => void)[] = [];
  #nextTx = 1;
  now: () => number = Date.now;

  private constructor(listener: Deno.Listener) {
    this.#listener = listener;
    this.port = (listener.addr as Deno.NetAddr).port;
    this.#acceptLoop();
  }

  static start(): RawCsms {
    return new RawCsms(Deno.listen({ hostname: "127.0.0.1", port: 0 }));
  }

  get url(): string {
    return `ws://127.0.0.1:${this.port}/ocpp`;
  }

  /** The newest connection. */
  get current(): PeerConnection | undefined {
    return this.connections.at(-1);
  }

  /** A friendly backend's answer to a CALL of the Charge Point. */
  answer(action: string, _payload: unknown): unknown {
    const now = new Date(this.now()).toISOString();
    switch (action) {
      case "BootNotification":
        return { status: "Accepted", currentTime: now, interval: 300 };
      case "Heartbeat":
        return { currentTime: now };
      case "Authorize":
      case "StopTransaction":
        return { idTagInfo: { status: "Accepted" } };
      case "StartTransaction":
        return { transactionId: this.#nextTx++, idTagInfo: { status: "Accepted" } };
      case "DataTransfer":
        return { status: "UnknownVendorId" };
      default:
        return {};
    }
  }

  wake(): void {
    for (const w of this.#waiters.splice(0)) w();
  }

  /** Waits (at most `ms` of real time) until `test` holds. */
  async until(test: () => boolean, what: string, ms = 20_000): Promise<void> {
    const deadline = Date.now() + ms;
    while (!test()) {
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`Timed out waiting for ${what}`);
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, Math.min(left, 20));
        this.#waiters.push(() => {
          clearTimeout(t);
          resolve();
        });
      });
    }
  }

  close(): void {
    try {
      this.#listener.close();
    } catch { /* closed */ }
    for (const c of this.connections) c.close();
  }

  async #acceptLoop(): Promise<void> {
    for (;;) {
      let conn: Deno.Conn;
      try {
        conn = await this.#listener.accept();
      } catch {
        return;
      }
      this.#handshake(conn).catch(() => conn.close());
    }
  }

  async #handshake(conn: Deno.Conn): Promise<void> {
    let head = new Uint8Array(0);
    const buf = new Uint8Array(4096);
    let end = -1;
    while (end < 0) {
      const n = await conn.read(buf);
      if (n === null) throw new Error("closed during the handshake");
      const next = new Uint8Array(head.length + n);
      next.set(head);
      next.set(buf.subarray(0, n), head.length);
      head = next;
      end = new TextDecoder().decode(head).indexOf("\r\n\r\n");
    }
    const text = new TextDecoder().decode(head);
    const key = /Sec-WebSocket-Key: (\S+)/i.exec(text)?.[1] ?? "";
    await conn.write(enc.encode(
      "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n" +
        `Sec-WebSocket-Accept: ${await acceptFor(key)}\r\nSec-WebSocket-Protocol: ocpp1.6\r\n\r\n`,
    ));
    this.connections.push(new PeerConnection(conn, head.slice(end + 4), this));
    this.wake();
  }
}
