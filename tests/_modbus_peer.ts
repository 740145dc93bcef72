/**
 * The Modbus peer of the driver tests: `tests/modbus_peer.py` (Debian's
 * python3-pymodbus) serving an SDM630 at unit 1 and an EVSE DIN board at
 * unit 2, over Modbus TCP, RTU over TCP, or RTU on a pseudo-terminal pair
 * made by `socat`.
 *
 * @module
 */
import type { ModbusTarget } from "../drivers/modbus_client.ts";

/** How the peer is reached. */
export type PeerMode = "tcp" | "rtu-tcp" | "rtu";

const SCRIPT = new URL("./modbus_peer.py", import.meta.url).pathname;
const PYTHON = "/usr/bin/python3";

/** A running peer. */
export class ModbusPeer implements AsyncDisposable {
  readonly target: ModbusTarget;
  #proc: Deno.ChildProcess;
  #socat: Deno.ChildProcess | null;
  #dir: string | null;
  #lines: ReadableStreamDefaultReader<string>;
  #stdin: WritableStreamDefaultWriter<Uint8Array>;
  #queue: Promise<unknown> = Promise.resolve();

  private constructor(
    target: ModbusTarget,
    proc: Deno.ChildProcess,
    lines: ReadableStreamDefaultReader<string>,
    socat: Deno.ChildProcess | null,
    dir: string | null,
  ) {
    this.target = target;
    this.#proc = proc;
    this.#lines = lines;
    this.#stdin = proc.stdin.getWriter();
    this.#socat = socat;
    this.#dir = dir;
  }

  /** Starts a peer; resolves once it serves. */
  static async start(mode: PeerMode): Promise<ModbusPeer> {
    let socat: Deno.ChildProcess | null = null;
    let dir: string | null = null;
    let arg: string = mode;
    if (mode === "rtu") {
      dir = await Deno.makeTempDir({ prefix: "modbus-pty-" });
      socat = new Deno.Command("socat", {
        args: [`pty,raw,echo=0,link=${dir}/wallbox`, `pty,raw,echo=0,link=${dir}/bus`],
        stdin: "null",
        stdout: "null",
        stderr: "null",
      }).spawn();
      await until(async () => (await exists(`${dir}/wallbox`)) && (await exists(`${dir}/bus`)));
      arg = `serial:${dir}/bus`;
    }
    const proc = new Deno.Command(PYTHON, {
      args: [SCRIPT, arg],
      stdin: "piped",
      stdout: "piped",
      stderr: "null",
    }).spawn();
    const lines = proc.stdout.pipeThrough(new TextDecoderStream()).pipeThrough(splitLines())
      .getReader();
    const first = await lines.read();
    const m = /^ready (\d+)$/.exec(first.value ?? "");
    if (!m) throw new Error(`Modbus peer did not start: ${JSON.stringify(first.value)}`);
    const port = Number(m[1]);
    const target: ModbusTarget = mode === "rtu"
      ? { kind: "rtu", device: `${dir}/wallbox`, baudRate: 9600 }
      : { kind: mode, host: "127.0.0.1", port };
    return new ModbusPeer(target, proc, lines, socat, dir);
  }

  /** Sends one command (see `modbus_peer.py`); resolves to its answer. */
  send(cmd: Record<string, unknown>): Promise<Record<string, unknown>> {
    const run = this.#queue.then(async () => {
      await this.#stdin.write(new TextEncoder().encode(JSON.stringify(cmd) + "\n"));
      const { value } = await this.#lines.read();
      const answer = JSON.parse(value ?? "null");
      if (!answer?.ok) throw new Error(`Modbus peer refused ${JSON.stringify(cmd)}: ${value}`);
      return answer as Record<string, unknown>;
    });
    this.#queue = run.catch(() => {});
    return run;
  }

  /** Registers of a unit as the peer holds them. */
  async registers(unit: number, address: number, count: number): Promise<number[]> {
    return (await this.send({ get: { unit, address, count } })).values as number[];
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.#stdin.close().catch(() => {});
    await this.#lines.cancel().catch(() => {});
    const done = await Promise.race([
      this.#proc.status,
      new Promise<null>((r) => setTimeout(() => r(null), 2000)),
    ]);
    if (done === null) {
      this.#proc.kill("SIGKILL");
      await this.#proc.status;
    }
    if (this.#socat) {
      this.#socat.kill("SIGTERM");
      await this.#socat.status;
    }
    if (this.#dir) await Deno.remove(this.#dir, { recursive: true });
  }
}

function splitLines(): TransformStream<string, string> {
  let rest = "";
  return new TransformStream({
    transform(chunk, out) {
      const parts = (rest + chunk).split("\n");
      rest = parts.pop()!;
      for (const p of parts) out.enqueue(p);
    },
  });
}

async function exists(path: string): Promise<boolean> {
  try {
    await Deno.stat(path);
    return true;
  } catch {
    return false;
  }
}

async function until(test: () => Promise<boolean>, ms = 5000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await test())) {
    if (Date.now() > end) throw new Error("Timed out waiting for the pseudo-terminal pair");
    await new Promise((r) => setTimeout(r, 10));
  }
}
