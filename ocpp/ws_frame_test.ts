import assert from "node:assert/strict";
import {
  closePayload,
  encodeFrame,
  FrameDecoder,
  MessageAssembler,
  OP,
  parseClose,
  WsProtocolError,
} from "./ws_frame.ts";

const enc = new TextEncoder();
const MASK = new Uint8Array([1, 2, 3, 4]);

Deno.test("encodeFrame() writes the RFC 6455 example frames (section 5.7)", () => {
  // A single-frame unmasked text message "Hello".
  assert.deepEqual(
    [...encodeFrame(OP.text, enc.encode("Hello"))],
    [0x81, 0x05, 0x48, 0x65, 0x6c, 0x6c, 0x6f],
  );
  // The masked one, with the example's masking key 37 fa 21 3d.
  assert.deepEqual(
    [...encodeFrame(OP.text, enc.encode("Hello"), new Uint8Array([0x37, 0xfa, 0x21, 0x3d]))],
    [0x81, 0x85, 0x37, 0xfa, 0x21, 0x3d, 0x7f, 0x9f, 0x4d, 0x51, 0x58],
  );
  // An unmasked ping "Hello" and a non-final first fragment.
  assert.deepEqual([...encodeFrame(OP.ping, enc.encode("Hello"))].slice(0, 2), [0x89, 0x05]);
  assert.equal(encodeFrame(OP.text, enc.encode("Hel"), undefined, false)[0], 0x01);
});

Deno.test("encodeFrame() uses 16- and 64-bit lengths from 126 and 65536 bytes", () => {
  const f126 = encodeFrame(OP.binary, new Uint8Array(126), MASK);
  assert.deepEqual([...f126.subarray(0, 4)], [0x82, 0x80 | 126, 0, 126]);
  assert.equal(f126.length, 2 + 2 + 4 + 126);
  const f64k = encodeFrame(OP.binary, new Uint8Array(65536));
  assert.deepEqual([...f64k.subarray(0, 10)], [0x82, 127, 0, 0, 0, 0, 0, 1, 0, 0]);
});

Deno.test("FrameDecoder.next() decodes frames split across reads and unmasks client frames", () => {
  const server = new FrameDecoder({ expectMasked: true });
  const bytes = encodeFrame(OP.text, enc.encode("x".repeat(300)), MASK);
  for (let i = 0; i < bytes.length; i += 7) {
    assert.equal(server.next(), undefined);
    server.push(bytes.subarray(i, i + 7));
  }
  const f = server.next()!;
  assert.equal(f.opcode, OP.text);
  assert.equal(new TextDecoder().decode(f.payload), "x".repeat(300));
  assert.equal(server.next(), undefined);
  const client = new FrameDecoder();
  client.push(
    new Uint8Array([
      ...encodeFrame(OP.ping, enc.encode("a")),
      ...encodeFrame(OP.pong, new Uint8Array()),
    ]),
  );
  assert.equal(client.next()!.opcode, OP.ping);
  assert.equal(client.next()!.opcode, OP.pong);
});

Deno.test("FrameDecoder.next() refuses what a server must not send", () => {
  const refuse = (bytes: number[], code = 1002) => {
    const d = new FrameDecoder({ maxPayload: 1000 });
    d.push(new Uint8Array(bytes));
    assert.throws(() => d.next(), (e: unknown) => e instanceof WsProtocolError && e.code === code);
  };
  refuse([0x81, 0x81, 1, 2, 3, 4, 0]); // masked frame from a server
  refuse([0xc1, 0x00]); // RSV1 without an extension
  refuse([0x83, 0x00]); // reserved opcode
  refuse([0x09, 0x00]); // fragmented control frame
  refuse([0x89, 126, 0, 126]); // control frame longer than 125
  refuse([0x82, 126, 0x10, 0x00], 1009); // 4096 bytes, over the limit
  refuse([0x82, 127, 0x80, 0, 0, 0, 0, 0, 0, 0], 1009); // 2^63
});

Deno.test("MessageAssembler.add() joins fragments and refuses stray or interleaved ones", () => {
  const a = new MessageAssembler(10);
  const frag = (fin: boolean, opcode: number, text: string) => ({
    fin,
    opcode,
    payload: enc.encode(text),
  });
  assert.equal(a.add(frag(false, OP.text, "Hel")), undefined);
  assert.equal(a.add(frag(false, OP.continuation, "lo ")), undefined);
  const m = a.add(frag(true, OP.continuation, "you"))!;
  assert.equal(new TextDecoder().decode(m.data), "Hello you");
  assert.equal(m.opcode, OP.text);
  assert.throws(
    () => new MessageAssembler().add(frag(true, OP.continuation, "x")),
    WsProtocolError,
  );
  const b = new MessageAssembler();
  b.add(frag(false, OP.text, "a"));
  assert.throws(() => b.add(frag(true, OP.text, "b")), WsProtocolError);
  const c = new MessageAssembler(4);
  c.add(frag(false, OP.text, "abc"));
  assert.throws(() => c.add(frag(true, OP.continuation, "de")), WsProtocolError);
});

Deno.test("closePayload() and parseClose() carry code and reason; no payload means 1005", () => {
  assert.deepEqual(parseClose(closePayload(1001, "going away")), {
    code: 1001,
    reason: "going away",
  });
  assert.deepEqual(parseClose(new Uint8Array()), { code: 1005, reason: "" });
  assert.equal(closePayload(1000, "x".repeat(200)).length, 125);
});

Deno.test("MessageAssembler.add() bounds the frames of one message, empty ones included", () => {
  const a = new MessageAssembler(1000, 8);
  const empty = (opcode: number, fin = false) => ({ fin, opcode, payload: new Uint8Array() });
  a.add({ fin: false, opcode: OP.text, payload: enc.encode("[") });
  for (let i = 0; i < 7; i++) a.add(empty(OP.continuation));
  assert.throws(
    () => a.add(empty(OP.continuation)),
    (e: unknown) => e instanceof WsProtocolError && e.code === 1009 && /frames/.test(e.message),
  );
  // The default bound holds against 300,000 empty continuations (0.6 MB on the wire).
  const b = new MessageAssembler();
  b.add({ fin: false, opcode: OP.text, payload: enc.encode("[") });
  assert.throws(() => {
    for (let i = 0; i < 300_000; i++) b.add(empty(OP.continuation));
  }, (e: unknown) => e instanceof WsProtocolError && e.code === 1009);
  // Within the bound, empty fragments join to the same message.
  const c = new MessageAssembler(1000, 8);
  c.add(empty(OP.text));
  c.add({ fin: false, opcode: OP.continuation, payload: enc.encode("ok") });
  c.add(empty(OP.continuation));
  assert.equal(new TextDecoder().decode(c.add(empty(OP.continuation, true))!.data), "ok");
});

Deno.test("parseClose() fails a 1-byte payload, an unsendable code and a reason that is not UTF-8", () => {
  const refused = (bytes: number[], code: number) =>
    assert.throws(
      () => parseClose(new Uint8Array(bytes)),
      (e: unknown) => e instanceof WsProtocolError && e.code === code,
    );
  refused([0x03], 1002); // RFC 6455 section 5.5.1: a body starts with a 2-byte code
  refused([0x03, 0xe8, 0xc3, 0x28], 1007); // 1000 + invalid UTF-8 (section 8.1)
  refused([0x03, 0xed], 1002); // 1005 must never be sent (section 7.4.1)
  refused([0x03, 0xee], 1002); // 1006 neither
  refused([0x03, 0xe7], 1002); // 999: not a status code
  refused([0x13, 0x88], 1002); // 5000: out of range
  assert.deepEqual(parseClose(closePayload(4000, "app")), { code: 4000, reason: "app" });
});
