import assert from "node:assert/strict";
import {
  crc16,
  decodeResponse,
  float32,
  float32Registers,
  ModbusError,
  type ModbusRequest,
  parseRtu,
  parseTcp,
  requestPdu,
  rtuFrame,
  tcpFrame,
} from "./modbus_frame.ts";

const hex = (b: Uint8Array) => Array.from(b, (x) => x.toString(16).padStart(2, "0")).join(" ");
const from = (s: string) => Uint8Array.from(s.split(" ").map((x) => parseInt(x, 16)));

Deno.test("rtuFrame() appends the CRC low byte first (spec examples)", () => {
  const read = { unit: 1, fc: 3, address: 0, count: 10 } as const;
  assert.equal(hex(rtuFrame(1, requestPdu(read))), "01 03 00 00 00 0a c5 cd");
  const input = { unit: 1, fc: 4, address: 0, count: 2 } as const;
  assert.equal(hex(rtuFrame(1, requestPdu(input))), "01 04 00 00 00 02 71 cb");
  assert.equal(crc16(from("01 04 00 00 00 02 71 cb")), 0, "a frame with its CRC checks to 0");
});

Deno.test("requestPdu() encodes writes; tcpFrame() the MBAP header", () => {
  assert.equal(hex(requestPdu({ unit: 2, fc: 6, address: 1000, values: [16] })), "06 03 e8 00 10");
  assert.equal(
    hex(requestPdu({ unit: 2, fc: 16, address: 1000, values: [1, 2] })),
    "10 03 e8 00 02 04 00 01 00 02",
  );
  assert.equal(
    hex(tcpFrame(0x1234, 7, from("03 00 00 00 01"))),
    "12 34 00 00 00 06 07 03 00 00 00 01",
  );
});

Deno.test("requestPdu() refuses out-of-range fields, naming them", () => {
  assert.throws(() => requestPdu({ unit: 248, fc: 3, address: 0, count: 1 }), /unit must be/);
  assert.throws(() => requestPdu({ unit: 1, fc: 3, address: 0, count: 126 }), /register count/);
  assert.throws(
    () => requestPdu({ unit: 1, fc: 6, address: 0, values: [70000] }),
    /register value/,
  );
  assert.throws(() => requestPdu({ unit: 1, fc: 4, address: 65535, count: 2 }), /last address/);
});

const READ: ModbusRequest = { unit: 1, fc: 4, address: 0, count: 2 };

Deno.test("parseRtu() waits for a whole frame, then checks unit, function and CRC", () => {
  const good = rtuFrame(1, from("04 04 43 66 00 00"));
  for (let n = 0; n < good.length; n++) {
    assert.equal(parseRtu(good.subarray(0, n), READ).kind, "need");
  }
  const frame = parseRtu(good, READ);
  assert.equal(frame.kind, "frame");
  assert.deepEqual(decodeResponse(READ, frame.kind === "frame" ? frame.pdu : new Uint8Array()), [
    0x4366,
    0,
  ]);
  const flipped = good.slice();
  flipped[4]! ^= 0x01;
  const crc = parseRtu(flipped, READ);
  assert.ok(crc.kind === "bad" && crc.error.kind === "crc", JSON.stringify(crc));
  const other = parseRtu(rtuFrame(9, from("04 04 43 66 00 00")), READ);
  assert.ok(other.kind === "bad" && /unit 9/.test(other.error.message));
  const noise = parseRtu(from("01 55 12 34"), READ);
  assert.ok(noise.kind === "bad" && noise.error.kind === "garbage");
});

Deno.test("decodeResponse() turns an exception answer into a ModbusError with its code", () => {
  const parsed = parseRtu(rtuFrame(1, from("84 02")), READ);
  assert.equal(parsed.kind, "frame");
  assert.throws(
    () => decodeResponse(READ, parsed.kind === "frame" ? parsed.pdu : new Uint8Array()),
    (e: unknown) =>
      e instanceof ModbusError && e.kind === "exception" && e.exceptionCode === 2 &&
      /illegal data address/.test(e.message),
  );
  assert.throws(() => decodeResponse(READ, from("04 02 00 01")), /garbage: 2 data bytes/);
});

Deno.test("parseTcp() reads the MBAP header and refuses a bad protocol id or length", () => {
  const f = parseTcp(from("00 05 00 00 00 05 01 03 02 00 2a"));
  assert.ok(f.kind === "frame" && f.transactionId === 5 && f.length === 11);
  assert.equal(parseTcp(from("00 05 00 00 00 05 01 03")).kind, "need");
  const proto = parseTcp(from("00 05 00 11 00 05 01 03"));
  assert.ok(proto.kind === "bad" && /protocol id 17/.test(proto.error.message));
  const long = parseTcp(from("00 05 00 00 10 00 01 03"));
  assert.ok(long.kind === "bad" && /length 4096/.test(long.error.message));
});

Deno.test("float32() reads Eastron's high-word-first floats", () => {
  assert.equal(float32(0x4366, 0x0000), 230);
  assert.deepEqual(float32Registers(230), [0x4366, 0]);
  assert.ok(Number.isNaN(float32(0x7fc0, 0)));
});
