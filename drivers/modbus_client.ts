/**
 * A Modbus client on Deno's own sockets and files: Modbus TCP, Modbus RTU on
 * a serial device (a USB RS485 adapter, `/dev/ttyUSB0`), and RTU over a TCP
 * gateway (a transparent RS485-to-Ethernet converter). One request at a
 * time (an RS485 bus is half duplex), each with a timeout on the injected
 * clock and a number of retries; a CRC error, garbage, a timeout or a
 * dropped connection is retried (TCP reconnects), an exception answer is
 * not (the device answered). Errors are {@link ModbusError}s naming the
 * device and the cause.
 *
 * Written here rather than taken from npm: `modbus-serial` 8.0.25 costs
 * +21 MB of idle RSS under Deno 2.9 (the Node layer) and needs the native
 * `serialport` build for RTU; `jsmodbus` 5.0.0 costs +16 MB and also needs
 * `serialport`; this client costs what `Deno.connect` costs (about 1 MB).
 *
 * The serial line is set with `stty` (8 data bits, raw) at open, so the
 * runtime needs `--allow-run=stty` for RTU on a serial device.
 *
 * @module
 */
import type { Clock, TimerHandle } from "../actors/clock.ts";
import {
  decodeResponse,
  ModbusError,
  type ModbusRequest,
  parseRtu,
  parseTcp,
  requestPdu,
  rtuFrame,
  strayRtuFrame,
  tcpFrame,
} from "./modbus_frame.ts";

export { ModbusError } from "./modbus_frame.ts";

/** Where the devices are. */
export type ModbusTarget =
  | { readonly kind: "tcp"; readonly host: string; readonly port: number }
  | { readonly kind: "rtu-tcp"; readonly host: string; readonly port: number }
  | {
    readonly kind: "rtu";
    /** The serial device, e.g. `/dev/ttyUSB0`. */
    readonly device: string;
    /** Default 9600 (Eastron and EVSE DIN defaults). */
    readonly baudRate?: number;
    /** Default `none` (EVSE DIN); Eastron meters ship with `none` too. */
    readonly parity?: "none" | "even" | "odd";
    /** Default 1. */
    readonly stopBits?: 1 | 2;
  };

/** Options of a {@link ModbusClient}. */
export interface ModbusClientOptions {
  readonly clock: Clock;
  /** Time for one answer, ms (default 1000). */
  readonly timeoutMs?: number;
  /** Further attempts after a failed one (default 2). */
  readonly retries?: number;
}

/** A byte stream: a TCP connection or a serial device. */
interface Stream {
  read(p: Uint8Array): Promise<number | null>;
  write(p: Uint8Array): Promise<number>;
  close(): void;
}

/** Counters, for the status and the benchmark. */
export interface ModbusStats {
  requests: number;
  retries: number;
  failures: number;
}

/**
 * The client.
 *
 * @example Read the import register of an SDM630 at unit 1
 * ```ts ignore
 * import { systemClock as clock } from "../actors/clock.ts";
 * const client = new ModbusClient({ kind: "tcp", host: "192.168.1.50", port: 502 }, { clock });
 * const [hi, lo] = await client.readInput(1, 0x48, 2);
 * client.close();
 * ```
 */
export class ModbusClient {
  readonly target: ModbusTarget;
  readonly stats: ModbusStats = { requests: 0, retries: 0, failures: 0 };
  #clock: Clock;
  #timeoutMs: number;
  #retries: number;
  #stream: Stream | null = null;
  #opening: Promise<Stream> | null = null;
  #buf = new Uint8Array(0);
  #onData: (() => void) | null = null;
  #onClose: ((err: ModbusError) => void) | null = null;
  #tail: Promise<unknown> = Promise.resolve();
  #tid = 0;
  #closed = false;

  constructor(target: ModbusTarget, opts: ModbusClientOptions) {
    this.target = target;
    this.#clock = opts.clock;
    this.#timeoutMs = opts.timeoutMs ?? 1000;
    this.#retries = opts.retries ?? 2;
  }

  /** Where this client talks to, in words. */
  get name(): string {
    const t = this.target;
    return t.kind === "rtu"
      ? `RTU ${t.device}`
      : `${t.kind === "tcp" ? "TCP" : "RTU over TCP"} ${t.host}:${t.port}`;
  }

  /** Function 03. */
  readHolding(unit: number, address: number, count: number): Promise<number[]> {
    return this.request({ unit, fc: 3, address, count });
  }

  /** Function 04. */
  readInput(unit: number, address: number, count: number): Promise<number[]> {
    return this.request({ unit, fc: 4, address, count });
  }

  /** Function 06. */
  async writeSingle(unit: number, address: number, value: number): Promise<void> {
    await this.request({ unit, fc: 6, address, values: [value] });
  }

  /** Function 16. */
  async writeMultiple(unit: number, address: number, values: readonly number[]): Promise<void> {
    await this.request({ unit, fc: 16, address, values });
  }

  /** Sends `req` after every earlier request has settled; resolves to the registers read. */
  request(req: ModbusRequest): Promise<number[]> {
    const run = this.#tail.then(() => this.#transact(req));
    this.#tail = run.catch(() => {});
    return run;
  }

  /** Resolves once no request is waiting or running. */
  async idle(): Promise<void> {
    let tail;
    do {
      tail = this.#tail;
      await tail;
    } while (tail !== this.#tail);
  }

  /** Closes the connection; pending and later requests reject. */
  close(): void {
    this.#closed = true;
    this.#drop(new ModbusError(`${this.name}: client closed`, "closed"));
  }

  async #transact(req: ModbusRequest): Promise<number[]> {
    const pdu = requestPdu(req);
    this.stats.requests++;
    let last: ModbusError | undefined;
    for (let attempt = 0; attempt <= this.#retries; attempt++) {
      if (this.#closed) break;
      if (attempt > 0) this.stats.retries++;
      try {
        return decodeResponse(req, await this.#once(req, pdu));
      } catch (err) {
        const e = err instanceof ModbusError ? err : new ModbusError(String(err), "closed");
        if (e.kind === "exception") {
          this.stats.failures++;
          throw new ModbusError(`${this.name}: ${e.message}`, e.kind, e.exceptionCode);
        }
        last = e;
        // A TCP stream out of step (timeout, garbage) starts afresh; a serial line stays open.
        if (this.target.kind !== "rtu" || e.kind === "closed") this.#drop(e);
      }
    }
    this.stats.failures++;
    const tries = this.#retries + 1;
    const why = last?.message ?? "client closed";
    throw new ModbusError(
      `${this.name} unit ${req.unit}: ${why} (${tries} attempt${tries > 1 ? "s" : ""})`,
      last?.kind ?? "closed",
    );
  }

  /** One attempt: send the frame, wait for a whole answer or the timeout. */
  async #once(req: ModbusRequest, pdu: Uint8Array): Promise<Uint8Array> {
    const stream = await this.#open();
    const tcp = this.target.kind === "tcp";
    const tid = this.#tid = (this.#tid + 1) & 0xffff;
    this.#buf = new Uint8Array(0);
    const answer = new Promise<Uint8Array>((resolve, reject) => {
      const finish = (err: ModbusError | null, value?: Uint8Array) => {
        this.#clock.clearTimeout(timer);
        this.#onData = null;
        this.#onClose = null;
        if (err) reject(err);
        else resolve(value!);
      };
      this.#onClose = (err) => finish(err);
      this.#onData = () => {
        for (;;) {
          const parsed = tcp ? parseTcp(this.#buf) : parseRtu(this.#buf, req);
          if (parsed.kind === "need") return;
          const stray = parsed.kind === "bad" && !tcp ? strayRtuFrame(this.#buf) : 0;
          if (stray > 0) {
            // A late answer to an earlier request (another unit on the line): skip it.
            this.#buf = this.#buf.slice(stray);
            continue;
          }
          if (parsed.kind === "bad") return finish(parsed.error);
          this.#buf = this.#buf.slice(parsed.length);
          // A late answer to an earlier, timed-out request: skip it.
          if (tcp && parsed.transactionId !== tid) continue;
          if (parsed.unit !== req.unit) {
            return finish(new ModbusError(`garbage: answer from unit ${parsed.unit}`, "garbage"));
          }
          return finish(null, parsed.pdu);
        }
      };
      // finish() runs only later, from the read loop or the timer.
      const timer = this.#clock.setTimeout(
        () => finish(new ModbusError(`no answer within ${this.#timeoutMs} ms`, "timeout")),
        this.#timeoutMs,
      );
    });
    answer.catch(() => {}); // settled below; a rejection during the write is not unhandled
    const frame = tcp ? tcpFrame(tid, req.unit, pdu) : rtuFrame(req.unit, pdu);
    try {
      // A write that hangs (a blocked serial line) still ends with the timeout.
      await Promise.race([writeAll(stream, frame), answer]);
    } catch (err) {
      if (!(err instanceof ModbusError)) {
        this.#drop(new ModbusError(`cannot send: ${(err as Error).message}`, "closed"));
      }
    }
    return await answer;
  }

  async #open(): Promise<Stream> {
    if (this.#closed) throw new ModbusError("client closed", "closed");
    if (this.#stream) return this.#stream;
    this.#opening ??= this.#connect().finally(() => this.#opening = null);
    return await this.#opening;
  }

  async #connect(): Promise<Stream> {
    const t = this.target;
    const opening: Promise<Stream> = t.kind === "rtu"
      ? openSerial(t)
      : Deno.connect({ hostname: t.host, port: t.port });
    let timer: TimerHandle | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = this.#clock.setTimeout(
        () => reject(new ModbusError(`cannot connect within ${this.#timeoutMs} ms`, "connect")),
        this.#timeoutMs,
      );
    });
    let stream: Stream;
    try {
      stream = await Promise.race([opening, timeout]);
    } catch (err) {
      opening.then((s) => s.close(), () => {});
      if (err instanceof ModbusError) throw err;
      throw new ModbusError(`cannot connect: ${(err as Error).message}`, "connect");
    } finally {
      this.#clock.clearTimeout(timer);
    }
    if (this.#closed) {
      stream.close();
      throw new ModbusError("client closed", "closed");
    }
    this.#stream = stream;
    void this.#readLoop(stream);
    return stream;
  }

  async #readLoop(stream: Stream): Promise<void> {
    const chunk = new Uint8Array(512);
    let why = "connection closed by the peer";
    try {
      for (;;) {
        const n = await stream.read(chunk);
        if (n === null) break;
        const next = new Uint8Array(this.#buf.length + n);
        next.set(this.#buf);
        next.set(chunk.subarray(0, n), this.#buf.length);
        // Bytes nobody waits for (noise on the line, a late answer) are dropped.
        this.#buf = this.#onData ? next : new Uint8Array(0);
        this.#onData?.();
      }
    } catch (err) {
      why = `connection lost: ${(err as Error).message}`;
    }
    if (this.#stream === stream) this.#drop(new ModbusError(why, "closed"));
  }

  #drop(err: ModbusError): void {
    const stream = this.#stream;
    this.#stream = null;
    this.#buf = new Uint8Array(0);
    try {
      stream?.close();
    } catch { /* already closed */ }
    this.#onClose?.(err);
  }
}

async function writeAll(stream: Stream, data: Uint8Array): Promise<void> {
  for (let off = 0; off < data.length;) off += await stream.write(data.subarray(off));
}

/** Opens a serial device raw at the configured line settings. */
async function openSerial(t: Extract<ModbusTarget, { kind: "rtu" }>): Promise<Stream> {
  const parity = { none: ["-parenb"], even: ["parenb", "-parodd"], odd: ["parenb", "parodd"] }[
    t.parity ?? "none"
  ];
  const args = [
    "-F",
    t.device,
    String(t.baudRate ?? 9600),
    "raw",
    "-echo",
    "cs8",
    t.stopBits === 2 ? "cstopb" : "-cstopb",
    ...parity,
    "-crtscts",
    "clocal",
  ];
  let out: Deno.CommandOutput;
  try {
    out = await new Deno.Command("stty", { args, stdout: "null", stderr: "piped" }).output();
  } catch (err) {
    throw new ModbusError(
      `cannot set up ${t.device} with stty: ${(err as Error).message}`,
      "connect",
    );
  }
  if (!out.success) {
    const why = new TextDecoder().decode(out.stderr).trim() || `exit code ${out.code}`;
    throw new ModbusError(`cannot set up ${t.device}: ${why}`, "connect");
  }
  // Two handles: Deno runs the operations of one file one after another, so a
  // write on the handle that waits in read() would wait for the next byte.
  const reader = await Deno.open(t.device, { read: true });
  let writer: Deno.FsFile;
  try {
    writer = await Deno.open(t.device, { write: true });
  } catch (err) {
    reader.close();
    throw err;
  }
  return {
    read: (p) => reader.read(p),
    write: (p) => writer.write(p),
    close() {
      for (const f of [reader, writer]) {
        try {
          f.close();
        } catch { /* already closed */ }
      }
    },
  };
}
