/**
 * RFC 6455 framing (section 5): encoding frames (masked, as a client must
 * send them) and decoding the byte stream of a server into frames, with the
 * protocol checks a client owes: no RSV bits without an extension, no
 * unknown opcodes, control frames short and unfragmented, no masked frames
 * from a server, a bounded payload size.
 *
 * @module
 */

/** Frame opcodes (RFC 6455 section 5.2). */
export const OP = {
  continuation: 0x0,
  text: 0x1,
  binary: 0x2,
  close: 0x8,
  ping: 0x9,
  pong: 0xa,
} as const;

/** One decoded frame. */
export interface Frame {
  readonly fin: boolean;
  readonly opcode: number;
  readonly payload: Uint8Array;
}

/** A violation of RFC 6455 by the peer; `code` is the close code to answer with. */
export class WsProtocolError extends Error {
  readonly code: number;
  constructor(message: string, code = 1002) {
    super(message);
    this.name = "WsProtocolError";
    this.code = code;
  }
}

/**
 * Encodes one frame. With `mask` (4 bytes) the payload is masked, as every
 * client-to-server frame must be (section 5.3).
 *
 * @example
 * ```ts
 * encodeFrame(OP.text, new TextEncoder().encode("hi"), crypto.getRandomValues(new Uint8Array(4)));
 * ```
 */
export function encodeFrame(
  opcode: number,
  payload: Uint8Array,
  mask?: Uint8Array,
  fin = true,
): Uint8Array {
  const len = payload.length;
  const ext = len < 126 ? 0 : len < 65536 ? 2 : 8;
  const head = 2 + ext + (mask ? 4 : 0);
  const out = new Uint8Array(head + len);
  out[0] = (fin ? 0x80 : 0) | opcode;
  out[1] = (mask ? 0x80 : 0) | (ext === 0 ? len : ext === 2 ? 126 : 127);
  const view = new DataView(out.buffer);
  if (ext === 2) view.setUint16(2, len);
  if (ext === 8) view.setBigUint64(2, BigInt(len));
  if (mask) {
    out.set(mask, 2 + ext);
    for (let i = 0; i < len; i++) out[head + i] = payload[i]! ^ mask[i & 3]!;
  } else {
    out.set(payload, head);
  }
  return out;
}

/** Options for {@link FrameDecoder}. */
export interface DecoderOptions {
  /** Largest payload of one frame, and of one reassembled message, in bytes. */
  readonly maxPayload?: number;
  /** Frames from a server are unmasked; a server-side decoder (tests) accepts masked ones. */
  readonly expectMasked?: boolean;
}

/** Largest message accepted by default (OCPP messages are a few kB). */
export const MAX_PAYLOAD = 4 * 1024 * 1024;
/**
 * Most frames one message may come in. The byte limit alone does not bound
 * the work: 300,000 empty continuation frames are 0.6 MB on the wire.
 */
export const MAX_FRAGMENTS = 1024;

/**
 * Turns received bytes into frames. `push` the bytes as they come, then
 * take frames with `next` until it returns undefined.
 *
 * @example
 * ```ts
 * const d = new FrameDecoder();
 * d.push(bytes);
 * for (let f = d.next(); f; f = d.next()) handle(f);
 * ```
 */
export class FrameDecoder {
  /** Received bytes not yet decoded: `#buf[#start..#end]`, appended in place (amortised growth). */
  #buf = new Uint8Array(0);
  #start = 0;
  #end = 0;
  #max: number;
  #masked: boolean;

  constructor(opts: DecoderOptions = {}) {
    this.#max = opts.maxPayload ?? MAX_PAYLOAD;
    this.#masked = opts.expectMasked ?? false;
  }

  /** Appends received bytes. */
  push(bytes: Uint8Array): void {
    if (bytes.length === 0) return;
    const len = this.#end - this.#start;
    if (this.#end + bytes.length > this.#buf.length) {
      // Doubling, not one copy per read: a 4 MiB frame read 16 kB at a time would
      // otherwise copy about 1 GB and leave as much garbage behind.
      const need = len + bytes.length;
      if (need <= this.#buf.length) {
        this.#buf.copyWithin(0, this.#start, this.#end);
      } else {
        const next = new Uint8Array(Math.max(need, this.#buf.length * 2, 16 * 1024));
        next.set(this.#buf.subarray(this.#start, this.#end));
        this.#buf = next;
      }
      this.#start = 0;
      this.#end = len;
    }
    this.#buf.set(bytes, this.#end);
    this.#end += bytes.length;
  }

  /**
   * The next complete frame, or undefined when more bytes are needed.
   *
   * @throws {WsProtocolError} when the peer broke RFC 6455.
   */
  next(): Frame | undefined {
    const b = this.#buf.subarray(this.#start, this.#end);
    if (b.length < 2) return undefined;
    const fin = (b[0]! & 0x80) !== 0;
    if ((b[0]! & 0x70) !== 0) throw new WsProtocolError("Cannot read frame: RSV bits set");
    const opcode = b[0]! & 0x0f;
    if (![0x0, 0x1, 0x2, 0x8, 0x9, 0xa].includes(opcode)) {
      throw new WsProtocolError(`Cannot read frame: unknown opcode ${opcode}`);
    }
    const masked = (b[1]! & 0x80) !== 0;
    if (masked !== this.#masked) {
      throw new WsProtocolError(
        masked ? "Cannot read frame: a server must not mask" : "Cannot read frame: not masked",
      );
    }
    let len = b[1]! & 0x7f;
    let off = 2;
    if (opcode >= 0x8 && (!fin || len > 125)) {
      throw new WsProtocolError("Cannot read frame: control frame fragmented or too long");
    }
    if (len === 126) {
      if (b.length < 4) return undefined;
      len = (b[2]! << 8) | b[3]!;
      off = 4;
    } else if (len === 127) {
      if (b.length < 10) return undefined;
      const big = new DataView(b.buffer, b.byteOffset + 2, 8).getBigUint64(0);
      if (big > BigInt(this.#max)) {
        throw new WsProtocolError(`Cannot read frame: payload over ${this.#max} bytes`, 1009);
      }
      len = Number(big);
      off = 10;
    }
    if (len > this.#max) {
      throw new WsProtocolError(`Cannot read frame: payload over ${this.#max} bytes`, 1009);
    }
    const maskAt = off;
    if (masked) off += 4;
    if (b.length < off + len) return undefined;
    const payload = b.slice(off, off + len);
    if (masked) { for (let i = 0; i < len; i++) payload[i]! ^= b[maskAt + (i & 3)]!; }
    this.#start += off + len;
    if (this.#start === this.#end) {
      this.#start = this.#end = 0;
      // After a big frame, give the memory back rather than keep megabytes for kilobyte frames.
      if (this.#buf.length > 256 * 1024) this.#buf = new Uint8Array(0);
    }
    return { fin, opcode, payload };
  }
}

/**
 * Reassembles fragmented messages (section 5.4) from data frames; control
 * frames pass through `decodeMessage`'s caller untouched.
 */
export class MessageAssembler {
  #parts: Uint8Array[] = [];
  #size = 0;
  #opcode = -1;
  #frames = 0;
  #max: number;
  #maxFrames: number;

  constructor(maxPayload = MAX_PAYLOAD, maxFragments = MAX_FRAGMENTS) {
    this.#max = maxPayload;
    this.#maxFrames = maxFragments;
  }

  /**
   * Adds a data frame; returns the whole message once its last fragment came.
   *
   * @throws {WsProtocolError} on a continuation without a start, a new message inside one, or a
   * message over the byte limit or in more frames than the fragment limit.
   */
  add(frame: Frame): { opcode: number; data: Uint8Array } | undefined {
    if (frame.opcode === OP.continuation) {
      if (this.#opcode < 0) throw new WsProtocolError("Cannot read message: stray continuation");
    } else {
      if (this.#opcode >= 0) throw new WsProtocolError("Cannot read message: fragment expected");
      this.#opcode = frame.opcode;
    }
    this.#size += frame.payload.length;
    if (this.#size > this.#max) {
      throw new WsProtocolError(`Cannot read message: over ${this.#max} bytes`, 1009);
    }
    if (++this.#frames > this.#maxFrames) {
      throw new WsProtocolError(`Cannot read message: in over ${this.#maxFrames} frames`, 1009);
    }
    if (frame.payload.length > 0 || this.#parts.length === 0) this.#parts.push(frame.payload);
    if (!frame.fin) return undefined;
    const data = this.#parts.length === 1 ? this.#parts[0]! : new Uint8Array(this.#size);
    if (this.#parts.length > 1) {
      let at = 0;
      for (const p of this.#parts) {
        data.set(p, at);
        at += p.length;
      }
    }
    const opcode = this.#opcode;
    this.#parts = [];
    this.#size = 0;
    this.#frames = 0;
    this.#opcode = -1;
    return { opcode, data };
  }
}

/** A close frame's payload: status code (2 bytes, big-endian) and UTF-8 reason. */
export function closePayload(code: number, reason = ""): Uint8Array {
  const r = new TextEncoder().encode(reason).subarray(0, 123);
  const out = new Uint8Array(2 + r.length);
  out[0] = code >> 8;
  out[1] = code & 0xff;
  out.set(r, 2);
  return out;
}

/**
 * Reads a close frame's payload; code 1005 when it has none (section 7.1.5).
 *
 * @throws {WsProtocolError} on a 1-byte payload or a code no endpoint may send (1002), or a
 * reason that is not UTF-8 (1007): section 5.5.1 and 7.4 say to fail the connection.
 */
export function parseClose(payload: Uint8Array): { code: number; reason: string } {
  if (payload.length === 0) return { code: 1005, reason: "" };
  if (payload.length === 1) {
    throw new WsProtocolError("Cannot read close frame: a 1-byte payload has no status code");
  }
  const code = (payload[0]! << 8) | payload[1]!;
  if (!sendableCloseCode(code)) {
    throw new WsProtocolError(`Cannot read close frame: ${code} is not a status code to send`);
  }
  try {
    return { code, reason: new TextDecoder("utf-8", { fatal: true }).decode(payload.subarray(2)) };
  } catch {
    throw new WsProtocolError("Cannot read close frame: reason is not UTF-8", 1007);
  }
}

/** Status codes an endpoint may put in a close frame (RFC 6455 section 7.4, IANA registry). */
function sendableCloseCode(code: number): boolean {
  return (code >= 1000 && code <= 1003) || (code >= 1007 && code <= 1014) ||
    (code >= 3000 && code <= 4999);
}
