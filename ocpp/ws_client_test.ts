import assert from "node:assert/strict";
import {
  acceptFor,
  type ByteStream,
  checkHandshake,
  handshakeRequest,
  openWebSocket,
  parseResponseHead,
  type WsClient,
  WsHandshakeError,
} from "./ws_client.ts";
import { closePayload, encodeFrame, type Frame, FrameDecoder, OP, parseClose } from "./ws_frame.ts";

const enc = new TextEncoder();

Deno.test("acceptFor() computes the RFC 6455 example accept value (section 1.3)", async () => {
  assert.equal(await acceptFor("dGhlIHNhbXBsZSBub25jZQ=="), "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=");
});

Deno.test("handshakeRequest() asks for the upgrade with key, version, subprotocol and extra headers", () => {
  const text = handshakeRequest({
    url: new URL("ws://cs.example:9000/ocpp/CP%201"),
    protocols: ["ocpp1.6"],
    headers: { Authorization: "Basic eDp5" },
  }, "KEY");
  assert.equal(
    text,
    "GET /ocpp/CP%201 HTTP/1.1\r\nHost: cs.example:9000\r\nUpgrade: websocket\r\n" +
      "Connection: Upgrade\r\nSec-WebSocket-Key: KEY\r\nSec-WebSocket-Version: 13\r\n" +
      "Sec-WebSocket-Protocol: ocpp1.6\r\nAuthorization: Basic eDp5\r\n\r\n",
  );
  assert.throws(
    () =>
      handshakeRequest({ url: new URL("ws://a/"), protocols: [], headers: { X: "a\r\nb" } }, "K"),
    TypeError,
  );
});

Deno.test("checkHandshake() accepts a correct answer and refuses wrong ones with a reason", async () => {
  const key = "dGhlIHNhbXBsZSBub25jZQ==";
  const ok = "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n" +
    "Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\nSec-WebSocket-Protocol: ocpp1.6";
  assert.equal(await checkHandshake(parseResponseHead(ok), key, ["ocpp1.6"]), "ocpp1.6");
  const refused = async (head: string, re: RegExp, status?: number) => {
    await assert.rejects(
      () => checkHandshake(parseResponseHead(head), key, ["ocpp1.6"]),
      (e: unknown) => e instanceof WsHandshakeError && re.test(e.message) && e.status === status,
    );
  };
  await refused("HTTP/1.1 401 Unauthorized", /^HTTP 401 Unauthorized$/, 401);
  await refused("HTTP/1.1 404 Not Found\r\nContent-Length: 0", /^HTTP 404/, 404);
  await refused(ok.replace("s3pP", "AAAA"), /wrong Sec-WebSocket-Accept/);
  await refused(ok.replace("ocpp1.6", "ocpp2.0.1"), /^Subprotocol mismatch.*ocpp2\.0\.1/);
  await refused(ok.replace(/\r\nSec-WebSocket-Protocol: ocpp1.6/, ""), /^Subprotocol mismatch/);
  await refused(ok + "\r\nSec-WebSocket-Extensions: permessage-deflate", /extension/);
  await refused(ok.replace("Upgrade: websocket", "Upgrade: h2c"), /Upgrade/);
  assert.throws(() => parseResponseHead("SSH-2.0-OpenSSH"), WsHandshakeError);
});

/** A raw WebSocket server peer on loopback that answers the handshake and hands out frames. */
function rawPeer(answer: (key: string) => Promise<string>) {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (listener.addr as Deno.NetAddr).port;
  const conn = (async () => {
    const c = await listener.accept();
    listener.close();
    let head = "";
    const buf = new Uint8Array(4096);
    while (!head.includes("\r\n\r\n")) {
      const n = await c.read(buf);
      if (n === null) throw new Error("peer: closed early");
      head += new TextDecoder().decode(buf.subarray(0, n));
    }
    const key = /Sec-WebSocket-Key: (\S+)/.exec(head)![1]!;
    await c.write(enc.encode(await answer(key)));
    return { conn: c, head };
  })();
  return { port, conn };
}

async function upgrade(key: string): Promise<string> {
  return "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n" +
    `Sec-WebSocket-Accept: ${await acceptFor(key)}\r\nSec-WebSocket-Protocol: ocpp1.6\r\n\r\n`;
}

/** Reads the next frame the client sent (masked). */
async function nextFrame(conn: Deno.Conn, d: FrameDecoder): Promise<Frame> {
  const buf = new Uint8Array(4096);
  for (;;) {
    const f = d.next();
    if (f) return f;
    const n = await conn.read(buf);
    if (n === null) throw new Error("peer: client closed");
    d.push(buf.subarray(0, n));
  }
}

Deno.test("WsClient talks RFC 6455 with a raw peer: fragments, ping/pong, close from the server", async () => {
  const peer = rawPeer(upgrade);
  const stream = await Deno.connect({ hostname: "127.0.0.1", port: peer.port });
  const got: string[] = [];
  let closed = "";
  let pongs = 0;
  const client: WsClient = await openWebSocket(
    stream as ByteStream,
    { url: new URL(`ws://127.0.0.1:${peer.port}/CP1`), protocols: ["ocpp1.6"] },
    { onMessage: (t) => got.push(t), onPong: () => pongs++, onClose: (r) => closed = r },
  );
  assert.equal(client.protocol, "ocpp1.6");
  const { conn, head } = await peer.conn;
  assert.match(head, /^GET \/CP1 HTTP\/1\.1\r\n/);
  const d = new FrameDecoder({ expectMasked: true });
  // Client to server: masked text.
  client.send('[2,"1","Heartbeat",{}]');
  const text = await nextFrame(conn, d);
  assert.equal(text.opcode, OP.text);
  assert.equal(new TextDecoder().decode(text.payload), '[2,"1","Heartbeat",{}]');
  // Server to client: a fragmented message with a ping between the fragments.
  await conn.write(encodeFrame(OP.text, enc.encode('[3,"1",'), undefined, false));
  await conn.write(encodeFrame(OP.ping, enc.encode("p1")));
  await conn.write(encodeFrame(OP.continuation, enc.encode("{}]")));
  const pong = await nextFrame(conn, d);
  assert.equal(pong.opcode, OP.pong);
  assert.equal(new TextDecoder().decode(pong.payload), "p1");
  // Client pings, server pongs.
  assert.equal(client.ping(), true);
  assert.equal((await nextFrame(conn, d)).opcode, OP.ping);
  await conn.write(encodeFrame(OP.pong, new Uint8Array()));
  // Server closes: the client answers with the same code and reports it.
  await conn.write(encodeFrame(OP.close, closePayload(1001, "going away")));
  const echo = await nextFrame(conn, d);
  assert.equal(echo.opcode, OP.close);
  assert.equal(parseClose(echo.payload).code, 1001);
  assert.equal(await conn.read(new Uint8Array(10)), null); // the client dropped the socket
  conn.close();
  assert.deepEqual(got, ['[3,"1",{}]']);
  assert.equal(pongs, 1);
  assert.equal(closed, "Closed by the backend (1001 going away)");
  assert.equal(client.open, false);
});

Deno.test("WsClient.close() sends a close frame after queued text and reports nothing", async () => {
  const peer = rawPeer(upgrade);
  const stream = await Deno.connect({ hostname: "127.0.0.1", port: peer.port });
  let closed: string | undefined;
  const client = await openWebSocket(
    stream,
    { url: new URL(`ws://127.0.0.1:${peer.port}/`), protocols: ["ocpp1.6"] },
    { onMessage: () => {}, onClose: (r) => closed = r },
  );
  const { conn } = await peer.conn;
  const d = new FrameDecoder({ expectMasked: true });
  client.send("last words");
  client.close(1000, "bye");
  assert.equal(client.ping(), false);
  assert.equal(new TextDecoder().decode((await nextFrame(conn, d)).payload), "last words");
  const close = await nextFrame(conn, d);
  assert.deepEqual(parseClose(close.payload), { code: 1000, reason: "bye" });
  await conn.write(encodeFrame(OP.close, closePayload(1000)));
  assert.equal(await conn.read(new Uint8Array(10)), null);
  conn.close();
  assert.equal(closed, undefined);
});

Deno.test("WsClient reports a protocol error of the server and closes with 1002", async () => {
  const peer = rawPeer(upgrade);
  const stream = await Deno.connect({ hostname: "127.0.0.1", port: peer.port });
  let closed = "";
  await openWebSocket(
    stream,
    { url: new URL(`ws://127.0.0.1:${peer.port}/`), protocols: ["ocpp1.6"] },
    { onMessage: () => {}, onClose: (r) => closed = r },
  );
  const { conn } = await peer.conn;
  await conn.write(encodeFrame(OP.text, enc.encode("x"), new Uint8Array([1, 2, 3, 4]))); // masked
  const close = await nextFrame(conn, new FrameDecoder({ expectMasked: true }));
  assert.equal(parseClose(close.payload).code, 1002);
  assert.match(closed, /^Protocol error: .*must not mask/);
  conn.close();
});

Deno.test("WsClient interoperates with Deno's WebSocket server (echo)", async () => {
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, (req) => {
    const { socket, response } = Deno.upgradeWebSocket(req, { protocol: "ocpp1.6" });
    socket.onmessage = (e) => socket.send(e.data);
    return response;
  });
  try {
    const stream = await Deno.connect({ hostname: "127.0.0.1", port: server.addr.port });
    const got = Promise.withResolvers<string>();
    const client = await openWebSocket(
      stream,
      { url: new URL(`ws://127.0.0.1:${server.addr.port}/`), protocols: ["ocpp1.6"] },
      { onMessage: got.resolve, onClose: () => {} },
    );
    const big = "ä".repeat(70_000); // 140 kB: a 64-bit length frame
    client.send(big);
    assert.equal(await got.promise, big);
    client.close();
    await new Promise((ok) => setTimeout(ok, 50));
  } finally {
    await server.shutdown();
  }
});

Deno.test("WsClient fails the connection on a close frame with a 1-byte payload (RFC 6455 5.5.1)", async () => {
  const peer = rawPeer(upgrade);
  const stream = await Deno.connect({ hostname: "127.0.0.1", port: peer.port });
  let closed = "";
  await openWebSocket(
    stream,
    { url: new URL(`ws://127.0.0.1:${peer.port}/`), protocols: ["ocpp1.6"] },
    { onMessage: () => {}, onClose: (r) => closed = r },
  );
  const { conn } = await peer.conn;
  await conn.write(encodeFrame(OP.close, new Uint8Array([0x03])));
  const close = await nextFrame(conn, new FrameDecoder({ expectMasked: true }));
  assert.equal(parseClose(close.payload).code, 1002);
  assert.match(closed, /^Protocol error: .*1-byte/);
  conn.close();
});

Deno.test("WsClient closes with 1009 when one message comes in 300,000 empty fragments", async () => {
  const peer = rawPeer(upgrade);
  const stream = await Deno.connect({ hostname: "127.0.0.1", port: peer.port });
  let closed = "";
  await openWebSocket(
    stream,
    { url: new URL(`ws://127.0.0.1:${peer.port}/`), protocols: ["ocpp1.6"] },
    { onMessage: () => {}, onClose: (r) => closed = r },
  );
  const { conn } = await peer.conn;
  const empty = encodeFrame(OP.continuation, new Uint8Array(), undefined, false);
  const chunk = new Uint8Array(empty.length * 10_000);
  for (let i = 0; i < 10_000; i++) chunk.set(empty, i * empty.length);
  await conn.write(encodeFrame(OP.text, enc.encode("["), undefined, false));
  const writing = (async () => {
    try {
      for (let i = 0; i < 30; i++) await conn.write(chunk);
      // Without a bound the client would still be waiting: end it, so the test ends either way.
      await conn.write(encodeFrame(OP.close, closePayload(1000)));
    } catch { /* the client dropped the socket */ }
  })();
  const close = await nextFrame(conn, new FrameDecoder({ expectMasked: true }));
  assert.equal(parseClose(close.payload).code, 1009);
  assert.match(closed, /^Protocol error: .*frames/);
  conn.close();
  await writing;
});

Deno.test("WsClient drops the connection when the backend stops reading (bounded send buffer)", async () => {
  const peer = rawPeer(upgrade);
  const stream = await Deno.connect({ hostname: "127.0.0.1", port: peer.port });
  let closed = "";
  const client = await openWebSocket(
    stream,
    { url: new URL(`ws://127.0.0.1:${peer.port}/`), protocols: ["ocpp1.6"] },
    { onMessage: () => {}, onClose: (r) => closed = r },
  );
  const { conn } = await peer.conn; // and never reads again
  const reply = "x".repeat(64 * 1024);
  let sent = 0;
  // At most 100 MB: far beyond the kernel's socket buffers and the client's own bound.
  while (closed === "" && sent < 1600) {
    client.send(reply);
    sent++;
    if (sent % 16 === 0) await new Promise((ok) => setTimeout(ok, 1));
  }
  assert.match(closed, /^Connection lost: the backend stopped reading/);
  assert.equal(client.open, false);
  conn.close();
});
