/**
 * Fuzz test: the whole runtime against a raw WebSocket Central System on
 * loopback (`_fuzz_peer.ts`) that sends generated hostile frames
 * (`_fuzz_gen.ts`): malformed JSON, wrong OCPP-J shapes, every Central
 * System action with schema-invalid payloads, in single frames, in
 * fragments (with empty continuations and pings between them) and one
 * byte at a time; then a message over 4 MiB, a message in 2,000 empty
 * fragments, an invalid close frame and a backend that stops reading. It
 * asserts the CALLERROR code OCPP-J 4.2.3 owes for each frame (or that the
 * frame is ignored), that each transport attack ends only that connection,
 * that memory stays bounded (this isolate's V8 heap and buffers; the
 * process's resident memory is printed), and that a normal charging
 * session works afterwards.
 *
 * The seed is printed; replay a run with `FUZZ_SEED=<seed>`. The default
 * run sends 100,000 frames; `FUZZ_FRAMES=<n>` sends more (or fewer).
 */
import assert from "node:assert/strict";
import { FakeClock } from "../actors/clock.ts";
import type { BusMessage } from "../actors/messages.ts";
import { encodeFrame, OP } from "../ocpp/ws_frame.ts";
import type { Logger } from "../runtime/log.ts";
import { simHardware } from "../runtime/sim_hardware.ts";
import { openWallboxStore, startRuntime, stepClock } from "./harness.ts";
import { type Hostile, hostileFrame, prng } from "./_fuzz_gen.ts";
import { type PeerConnection, RawCsms } from "./_fuzz_peer.ts";

const SEED = Number(Deno.env.get("FUZZ_SEED") ?? crypto.getRandomValues(new Uint32Array(1))[0]);
const FRAMES = Number(Deno.env.get("FUZZ_FRAMES") ?? 100_000);
/** `gc()` when V8 exposes it (`--v8-flags=--expose-gc`, as the `test` task runs). */
const gc = (globalThis as { gc?: () => void }).gc;
/**
 * Growth allowed of this isolate's retained memory (V8 heap plus the buffers it holds), measured
 * after a full collection; without `gc()` garbage counts too and the bound is looser. Resident
 * memory is printed, not asserted: under `deno test --parallel` other test files share the process.
 */
const MEMORY_BOUND = (gc ? 48 : 192) * 1024 * 1024;
/** This isolate's memory: what an unbounded queue of the runtime would grow. */
function isolateBytes(): number {
  gc?.();
  const m = Deno.memoryUsage();
  return m.heapUsed + m.external;
}
const enc = new TextEncoder();

function concat(parts: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/** One message in 1-8 fragments, some empty, with pings between them. */
function fragmented(r: () => number, text: string): Uint8Array {
  const bytes = enc.encode(text);
  const cuts = Array.from({ length: Math.floor(r() * 8) }, () => Math.floor(r() * bytes.length))
    .sort((a, b) => a - b);
  const pieces = [0, ...cuts, bytes.length].slice(1).map((end, i, ends) =>
    bytes.subarray(i === 0 ? 0 : ends[i - 1]!, end)
  );
  if (pieces.length === 1) pieces.push(new Uint8Array());
  const frames: Uint8Array[] = [];
  pieces.forEach((p, i) => {
    if (i > 0 && r() < 0.3) frames.push(encodeFrame(OP.ping, enc.encode("fz")));
    const fin = i === pieces.length - 1;
    frames.push(encodeFrame(i === 0 ? OP.text : OP.continuation, p, undefined, fin));
  });
  return concat(frames);
}

/** A logger that counts lines instead of keeping 100,000 of them. */
function countingLogger(): Logger & { counts: Record<string, number>; errors: string[] } {
  const counts: Record<string, number> = {};
  const errors: string[] = [];
  return {
    counts,
    errors,
    log(level, text) {
      counts[level] = (counts[level] ?? 0) + 1;
      if (level === "error" && errors.length < 20) errors.push(text);
    },
  };
}

function print(text: string): void {
  Deno.stdout.writeSync(enc.encode(`${text}\n`));
}

Deno.test(`fuzz: ${FRAMES} hostile frames from a raw backend, then transport attacks, then a normal session (seed ${SEED})`, async () => {
  print(
    `fuzz seed ${SEED}, ${FRAMES} frames (replay: FUZZ_SEED=${SEED} FUZZ_FRAMES=${FRAMES} deno test -A tests/fuzz_test.ts)`,
  );
  const peer = RawCsms.start();
  const dataDir = await Deno.makeTempDir({ prefix: "cp-fuzz-" });
  const clock = new FakeClock(Date.now());
  peer.now = () => clock.now();
  const store = await openWallboxStore(dataDir, {
    backendUrl: peer.url,
    chargePointId: "CP-FUZZ-1",
    settings: { WebSocketPingInterval: 0 },
  });
  const hw = simHardware({ clock, connectors: 1 });
  const logger = countingLogger();
  const closes: string[] = [];
  const cp = startRuntime({
    store,
    clock,
    hardware: hw,
    logger,
    inspect: (m: BusMessage) => {
      if (m.type === "ws.closed") closes.push(m.reason);
    },
  });
  const booted = (c: PeerConnection | undefined) =>
    c !== undefined && c.calls.filter((a) => a === "StatusNotification").length >= 2;
  const reconnect = async (what: string) => {
    const n = peer.connections.length;
    for (let t = 0; t < 600_000 && peer.connections.length === n; t += 1000) {
      await stepClock(clock, 1000);
      await new Promise((ok) => setTimeout(ok, 2));
    }
    await peer.until(
      () => peer.connections.length > n && booted(peer.current),
      `boot after ${what}`,
    );
    return peer.current!;
  };
  try {
    await peer.until(() => booted(peer.current), "the first boot");
    const conn = peer.current!;
    const r = prng(SEED);
    const rss0 = Deno.memoryUsage().rss;
    let rssMax = rss0;
    const mem0 = isolateBytes();
    let memMax = mem0;
    const sample = (collect = false) => {
      rssMax = Math.max(rssMax, Deno.memoryUsage().rss);
      if (collect) memMax = Math.max(memMax, isolateBytes());
    };
    const byCode: Record<string, number> = {};
    const notSupported = new Set<string>();
    const validated = new Set<string>();
    let ignored = 0;
    let sent = 0;
    let sentinel = 0;
    const BATCH = 500;

    // Phase 1: hostile frames, answered or ignored one by one, on one connection.
    while (sent < FRAMES) {
      const batch: Hostile[] = [];
      const parts: Uint8Array[] = [];
      for (let i = 0; i < BATCH && sent < FRAMES; i++, sent++) {
        const h = hostileFrame(r, sent);
        batch.push(h);
        parts.push(
          r() < 0.1 ? fragmented(r, h.text) : encodeFrame(OP.text, enc.encode(h.text)),
        );
      }
      assert.ok(await conn.write(concat(parts)), "the Charge Point dropped the connection");
      // One frame of each batch one byte at a time (a slow backend).
      const slow = hostileFrame(r, sent++);
      batch.push(slow);
      const slowBytes = encodeFrame(OP.text, enc.encode(slow.text));
      for (let i = 0; i < slowBytes.length; i += 3) await conn.write(slowBytes.subarray(i, i + 3));
      // A last CALL whose answer says every frame before it was handled (frames are handled in order).
      const sid = `sentinel-${sentinel++}`;
      await conn.send(JSON.stringify([2, sid, "GetConfiguration", { key: 5 }]));
      await peer.until(() => conn.answers.has(sid), `the answer to ${sid}`);
      assert.equal(conn.answers.get(sid)![2], "TypeConstraintViolation");
      for (const h of batch) {
        const answer = h.id === undefined ? undefined : conn.answers.get(h.id);
        if (h.code === undefined) {
          assert.equal(answer, undefined, `${h.kind} must be ignored: ${h.text.slice(0, 300)}`);
          ignored++;
          continue;
        }
        assert.ok(answer, `no answer to ${h.kind}: ${h.text.slice(0, 300)}`);
        assert.equal(answer[0], 4, `a CALLERROR for ${h.kind}: ${JSON.stringify(answer)}`);
        const code = String(answer[2]);
        if (h.action && code === "NotSupported") notSupported.add(h.action);
        else {
          assert.equal(code, h.code, `${h.kind} ${h.text.slice(0, 300)}: ${answer[3]}`);
          if (h.action) validated.add(h.action);
        }
        byCode[code] = (byCode[code] ?? 0) + 1;
      }
      conn.answers.clear();
      sample();
    }
    sample(true);
    assert.equal(peer.connections.length, 1, "no hostile frame ended the connection");
    assert.equal(conn.ended, false);
    // An action is either not supported at all, or its payloads are validated: never both.
    assert.deepEqual([...notSupported].filter((a) => validated.has(a)), []);
    assert.ok(validated.size >= 10, `validated actions: ${[...validated].join(", ")}`);

    // Phase 2: transport attacks; each ends the connection it came on, and only that one.
    const big = new Uint8Array(1024 * 1024);
    const oversized = [encodeFrame(OP.text, big, undefined, false)];
    for (let i = 0; i < 4; i++) {
      oversized.push(encodeFrame(OP.continuation, big, undefined, i === 3));
    }
    await conn.write(concat(oversized));
    await peer.until(() => conn.ended, "the close after a message over 4 MiB");
    sample(true);
    assert.equal(conn.closeCode, 1009);
    let c = await reconnect("a message over 4 MiB");

    const empties = [encodeFrame(OP.text, enc.encode("["), undefined, false)];
    for (let i = 0; i < 2000; i++) {
      empties.push(encodeFrame(OP.continuation, new Uint8Array(), undefined, false));
    }
    await c.write(concat(empties));
    await peer.until(() => c.ended, "the close after 2,000 empty fragments");
    sample(true);
    assert.equal(c.closeCode, 1009);
    c = await reconnect("2,000 empty fragments");

    await c.write(encodeFrame(OP.close, new Uint8Array([3])));
    await peer.until(() => c.ended, "the close after a 1-byte close frame");
    assert.equal(c.closeCode, 1002);
    c = await reconnect("an invalid close frame");

    // A backend that stops reading while its CALLs keep coming.
    c.pause();
    let calls = 0;
    while (
      calls < 200_000 && await c.send(JSON.stringify([2, `gc-${calls}`, "GetConfiguration", {}]))
    ) {
      calls++;
      if (calls % 200 === 0) {
        await new Promise((ok) => setTimeout(ok, 1));
        sample();
        if (closes.some((x) => /stopped reading/.test(x))) break;
      }
    }
    await peer.until(
      () => closes.some((x) => /stopped reading/.test(x)),
      "the drop of a backend that stopped reading",
    );
    sample(true); // before the peer reads again: a queue the Charge Point kept would count here
    c.resume();
    c = await reconnect("a backend that stopped reading");

    // Phase 3: a normal session on the new connection.
    const remote = "remote-start-1";
    await c.send(
      JSON.stringify([2, remote, "RemoteStartTransaction", { connectorId: 1, idTag: "FUZZ0001" }]),
    );
    await peer.until(() => c.answers.has(remote), "the RemoteStartTransaction answer");
    assert.deepEqual(c.answers.get(remote), [3, remote, { status: "Accepted" }]);
    hw.station.plug(1);
    for (let i = 0; i < 30 && !c.calls.includes("StartTransaction"); i++) {
      await stepClock(clock, 1000);
    }
    await peer.until(() => c.calls.includes("StartTransaction"), "StartTransaction");
    await peer.until(() => cp.status().connectors[0]!.transactionId !== null, "the transaction id");
    const transactionId = cp.status().connectors[0]!.transactionId!;
    const stop = "remote-stop-1";
    await c.send(JSON.stringify([2, stop, "RemoteStopTransaction", { transactionId }]));
    await peer.until(() => c.answers.has(stop), "the RemoteStopTransaction answer");
    assert.deepEqual(c.answers.get(stop), [3, stop, { status: "Accepted" }]);
    for (let i = 0; i < 30 && !c.calls.includes("StopTransaction"); i++) {
      await stepClock(clock, 1000);
    }
    await peer.until(() => c.calls.includes("StopTransaction"), "StopTransaction");

    sample(true);
    const rss1 = Deno.memoryUsage().rss;
    const mb = (n: number) => (n / 1024 / 1024).toFixed(1);
    print(
      `fuzz: ${sent} frames (${ignored} ignored; CALLERRORs ${JSON.stringify(byCode)}), ` +
        `${validated.size} actions validated, not supported: ${
          [...notSupported].sort().join(" ") || "none"
        }; ` +
        `${peer.connections.length} connections; isolate memory${gc ? " after gc" : ""} ${
          mb(mem0)
        } -> max ${mb(memMax)} MB; RSS ${mb(rss0)} -> max ${mb(rssMax)} MB, end ${mb(rss1)} MB; ` +
        `${calls} GetConfiguration sent to the dropped reader`,
    );
    assert.ok(memMax - mem0 < MEMORY_BOUND, `isolate memory grew by ${mb(memMax - mem0)} MB`);
    assert.deepEqual(logger.errors, []);
  } finally {
    cp.stop();
    await cp.flushed();
    peer.close();
    await Promise.all(peer.connections.map((x) => x.done));
    await Deno.remove(dataDir, { recursive: true });
  }
});
