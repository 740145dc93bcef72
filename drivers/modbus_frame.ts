/**
 * Modbus frames, pure: the PDUs of the four function codes the drivers use
 * (03 read holding registers, 04 read input registers, 06 write single
 * register, 16 write multiple registers), RTU framing with its CRC-16 and
 * Modbus TCP framing with its MBAP header, and the checks of a response
 * (length, CRC, unit, function, exception). Modbus Application Protocol
 * v1.1b3 and Modbus over Serial Line v1.02. The I/O is in `modbus_client.ts`.
 *
 * @module
 */

/** The function codes this client speaks. */
export type FunctionCode = 3 | 4 | 6 | 16;

/** One request. */
export interface ModbusRequest {
  /** Unit (slave) address, 0-247 (0 is broadcast on RTU; Modbus TCP gateways route by it). */
  readonly unit: number;
  readonly fc: FunctionCode;
  /** First register, 0-65535 (the protocol address, not the 3xxxx/4xxxx notation). */
  readonly address: number;
  /** Registers to read (fc 3/4: 1-125). */
  readonly count?: number;
  /** Values to write (fc 6: one, fc 16: 1-123), each 0-65535. */
  readonly values?: readonly number[];
}

/** What went wrong with a request. */
export type ModbusErrorKind = "timeout" | "crc" | "exception" | "garbage" | "closed" | "connect";

/** A failed request; `kind` says how, `exceptionCode` is the device's code for `exception`. */
export class ModbusError extends Error {
  readonly kind: ModbusErrorKind;
  readonly exceptionCode: number | undefined;
  constructor(message: string, kind: ModbusErrorKind, exceptionCode?: number) {
    super(message);
    this.name = "ModbusError";
    this.kind = kind;
    this.exceptionCode = exceptionCode;
  }
}

/** Exception codes (Modbus Application Protocol section 7). */
export const EXCEPTIONS: Readonly<Record<number, string>> = {
  1: "illegal function",
  2: "illegal data address",
  3: "illegal data value",
  4: "server device failure",
  5: "acknowledge",
  6: "server device busy",
  8: "memory parity error",
  10: "gateway path unavailable",
  11: "gateway target device failed to respond",
};

/** Checks a request; throws a RangeError naming the bad field. */
export function checkRequest(req: ModbusRequest): void {
  const int = (v: unknown, lo: number, hi: number, what: string) => {
    if (!Number.isInteger(v) || (v as number) < lo || (v as number) > hi) {
      throw new RangeError(`Modbus ${what} must be an integer ${lo}-${hi}, got ${v}`);
    }
  };
  int(req.unit, 0, 247, "unit");
  int(req.address, 0, 65535, "address");
  if (req.fc === 3 || req.fc === 4) int(req.count, 1, 125, "register count");
  else {
    const values = req.values ?? [];
    int(values.length, 1, req.fc === 6 ? 1 : 123, "number of values");
    for (const v of values) int(v, 0, 65535, "register value");
  }
  int(req.address + (req.count ?? req.values?.length ?? 1) - 1, 0, 65535, "last address");
}

/** The PDU (function code and data) of a request. */
export function requestPdu(req: ModbusRequest): Uint8Array {
  checkRequest(req);
  const v = req.values ?? [];
  if (req.fc === 3 || req.fc === 4) return bytes(req.fc, ...u16(req.address), ...u16(req.count!));
  if (req.fc === 6) return bytes(6, ...u16(req.address), ...u16(v[0]!));
  return bytes(16, ...u16(req.address), ...u16(v.length), v.length * 2, ...v.flatMap(u16));
}

/** CRC-16/MODBUS (polynomial 0xA001 reflected, initial 0xFFFF). */
export function crc16(data: Uint8Array): number {
  let crc = 0xffff;
  for (const byte of data) {
    crc ^= byte;
    for (let i = 0; i < 8; i++) crc = crc & 1 ? (crc >>> 1) ^ 0xa001 : crc >>> 1;
  }
  return crc;
}

/** An RTU frame: unit, PDU, CRC (low byte first). */
export function rtuFrame(unit: number, pdu: Uint8Array): Uint8Array {
  const body = bytes(unit, ...pdu);
  const crc = crc16(body);
  return bytes(...body, crc & 0xff, crc >>> 8);
}

/** A Modbus TCP frame: MBAP header (transaction id, protocol 0, length, unit) and PDU. */
export function tcpFrame(transactionId: number, unit: number, pdu: Uint8Array): Uint8Array {
  return bytes(...u16(transactionId), 0, 0, ...u16(pdu.length + 1), unit, ...pdu);
}

/** The outcome of looking at the bytes received so far. */
export type Parsed =
  | { readonly kind: "need" }
  | {
    readonly kind: "frame";
    readonly length: number;
    readonly unit: number;
    readonly pdu: Uint8Array;
    readonly transactionId?: number;
  }
  | { readonly kind: "bad"; readonly error: ModbusError };

const NEED: Parsed = { kind: "need" };
const bad = (text: string, kind: ModbusErrorKind = "garbage"): Parsed => ({
  kind: "bad",
  error: new ModbusError(text, kind),
});

/** Parses an RTU response to `req` from the start of `buf`. */
export function parseRtu(buf: Uint8Array, req: ModbusRequest): Parsed {
  if (buf.length < 2) return NEED;
  if (buf[0] !== req.unit) {
    return bad(`garbage: answer from unit ${buf[0]}, expected unit ${req.unit}`);
  }
  const fc = buf[1]!;
  let length: number;
  if (fc === (req.fc | 0x80)) length = 5;
  else if (fc !== req.fc) return bad(`garbage: function ${fc} in the answer to function ${req.fc}`);
  else if (fc === 6 || fc === 16) length = 8;
  else if (buf.length < 3) return NEED;
  else length = 5 + buf[2]!;
  if (buf.length < length) return NEED;
  const body = buf.subarray(0, length - 2);
  const got = buf[length - 2]! | (buf[length - 1]! << 8);
  const want = crc16(body);
  if (got !== want) {
    return bad(`CRC error: frame says ${hex(got)}, computed ${hex(want)}`, "crc");
  }
  return { kind: "frame", length, unit: buf[0]!, pdu: buf.slice(1, length - 2) };
}

/**
 * The length of a whole, CRC-valid RTU response of any unit and function at
 * the start of `buf` (a late answer to an earlier request), else 0.
 */
export function strayRtuFrame(buf: Uint8Array): number {
  if (buf.length < 2) return 0;
  const fc = buf[1]! & 0x7f;
  if (fc !== 3 && fc !== 4 && fc !== 6 && fc !== 16) return 0;
  const parsed = parseRtu(buf, { unit: buf[0]!, fc, address: 0, count: 1 });
  return parsed.kind === "frame" ? parsed.length : 0;
}

/** Parses a Modbus TCP frame from the start of `buf`. */
export function parseTcp(buf: Uint8Array): Parsed {
  if (buf.length < 7) return NEED;
  const protocol = (buf[2]! << 8) | buf[3]!;
  const len = (buf[4]! << 8) | buf[5]!;
  if (protocol !== 0) return bad(`garbage: MBAP protocol id ${protocol}, expected 0`);
  if (len < 2 || len > 254) return bad(`garbage: MBAP length ${len} (2-254 allowed)`);
  if (buf.length < 6 + len) return NEED;
  return {
    kind: "frame",
    length: 6 + len,
    transactionId: (buf[0]! << 8) | buf[1]!,
    unit: buf[6]!,
    pdu: buf.slice(7, 6 + len),
  };
}

/**
 * Checks the PDU of a response to `req` and returns the registers read (fc
 * 3/4) or written (fc 6/16: empty). Throws a {@link ModbusError}
 * (`exception` with the device's code, else `garbage`).
 */
export function decodeResponse(req: ModbusRequest, pdu: Uint8Array): number[] {
  const fc = pdu[0];
  if (fc === (req.fc | 0x80)) {
    const code = pdu[1] ?? 0;
    const name = EXCEPTIONS[code] ?? "unknown exception";
    throw new ModbusError(`exception ${code} (${name}) from unit ${req.unit}`, "exception", code);
  }
  if (fc !== req.fc) {
    throw new ModbusError(`garbage: function ${fc} in the answer to ${req.fc}`, "garbage");
  }
  if (req.fc === 3 || req.fc === 4) {
    const n = req.count! * 2;
    if (pdu[1] !== n || pdu.length !== 2 + n) {
      throw new ModbusError(
        `garbage: ${pdu[1]} data bytes (${pdu.length - 2} received), expected ${n}`,
        "garbage",
      );
    }
    const out: number[] = [];
    for (let i = 0; i < req.count!; i++) out.push((pdu[2 + 2 * i]! << 8) | pdu[3 + 2 * i]!);
    return out;
  }
  const echo = req.fc === 6 ? req.values![0]! : req.values!.length;
  const address = (pdu[1]! << 8) | pdu[2]!;
  const value = (pdu[3]! << 8) | pdu[4]!;
  if (pdu.length !== 5 || address !== req.address || value !== echo) {
    throw new ModbusError(`garbage: write answer does not echo the request`, "garbage");
  }
  return [];
}

/** Two registers (high word first, as Eastron meters send them) as an IEEE 754 float32. */
export function float32(high: number, low: number): number {
  const view = new DataView(new ArrayBuffer(4));
  view.setUint16(0, high);
  view.setUint16(2, low);
  return view.getFloat32(0);
}

/** A float32 as two registers, high word first. */
export function float32Registers(value: number): [number, number] {
  const view = new DataView(new ArrayBuffer(4));
  view.setFloat32(0, value);
  return [view.getUint16(0), view.getUint16(2)];
}

function u16(v: number): [number, number] {
  return [(v >>> 8) & 0xff, v & 0xff];
}

function bytes(...xs: number[]): Uint8Array {
  return Uint8Array.from(xs);
}

function hex(v: number): string {
  return `0x${v.toString(16).padStart(4, "0")}`;
}
