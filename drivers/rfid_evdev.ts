/**
 * USB RFID readers that type the card number like a keyboard, read through
 * Linux evdev (`/dev/input/event*`): the kernel's `input_event` records
 * (64-bit: 8 bytes seconds, 8 bytes microseconds, u16 type, u16 code, s32
 * value, little endian; 24 bytes). Key presses (EV_KEY, value 1) of digits,
 * A-F and Enter are collected; Enter ends a card number. The device is
 * chosen by path or by a part of its name (looked up in
 * `/proc/bus/input/devices`); a reader that goes away (unplugged) is
 * reopened every `retryMs`.
 *
 * Number formats, as readers differ: `input` says how the reader types the
 * UID (`decimal`, the common 10-digit form, or `hex`); `byteOrder` whether
 * the bytes are to be `reversed`; `output` how the idTag is formed (`hex`,
 * upper case, the usual OCPP form; `decimal`; or `typed`, as typed).
 *
 * The reader's keystrokes also reach the console (grabbing the device needs
 * an ioctl Deno cannot make without FFI).
 *
 * @module
 */
import type { Clock, TimerHandle } from "../actors/clock.ts";
import { checkIdTag, type RfidReader } from "./rfid.ts";

/** How card numbers are typed and how idTags are formed. */
export interface EvdevFormat {
  /** How the reader types the UID (default `decimal`). */
  readonly input?: "decimal" | "hex";
  /** The idTag (default `hex`). */
  readonly output?: "hex" | "decimal" | "typed";
  /** Byte order of the UID (default `as-read`). */
  readonly byteOrder?: "as-read" | "reversed";
  /** UID length in bytes, padded with leading zero bytes (default: 4, or more when needed). */
  readonly bytes?: number;
}

/** Options of an {@link EvdevRfidReader}. */
export interface EvdevRfidOptions {
  readonly clock: Clock;
  /** The event device, e.g. `/dev/input/by-id/usb-...-event-kbd`. */
  readonly device?: string;
  /** Or a part of the device's name, e.g. `RFID` (case-insensitive). */
  readonly name?: string;
  /** Where device names are listed (default `/proc/bus/input/devices`). */
  readonly devicesFile?: string;
  readonly format?: EvdevFormat;
  /** Reopen a lost device after, ms (default 5000). */
  readonly retryMs?: number;
  readonly log?: (level: "info" | "warn" | "error", text: string) => void;
}

/** Size of one `struct input_event` on 64-bit Linux. */
export const EVENT_SIZE = 24;
const EV_KEY = 1;
/** Linux input-event-codes.h: key code to character; Enter ends a number. */
const KEYS: Record<number, string> = {
  2: "1",
  3: "2",
  4: "3",
  5: "4",
  6: "5",
  7: "6",
  8: "7",
  9: "8",
  10: "9",
  11: "0",
  79: "1",
  80: "2",
  81: "3",
  75: "4",
  76: "5",
  77: "6",
  71: "7",
  72: "8",
  73: "9",
  82: "0",
  30: "A",
  48: "B",
  46: "C",
  32: "D",
  18: "E",
  33: "F",
  28: "\n",
  96: "\n",
};
/** Key code of each character, for tests writing events. */
export const KEY_CODES: Readonly<Record<string, number>> = {
  ...Object.fromEntries(
    Object.entries(KEYS).filter(([c]) => Number(c) < 60).map(([c, k]) => [k, Number(c)]),
  ),
};
/** Keys of one card arrive within milliseconds; a pause longer than this drops a fragment. */
const KEY_GAP_MS = 1000;
const MAX_TYPED = 40;

/**
 * The driver.
 *
 * @example A reader found by name
 * ```ts ignore
 * import { systemClock as clock } from "../actors/clock.ts";
 * const reader = new EvdevRfidReader({ clock, name: "RFID", format: { input: "decimal" } });
 * reader.onTap((idTag) => console.log(idTag));
 * reader.start();
 * ```
 */
export class EvdevRfidReader implements RfidReader {
  #o: EvdevRfidOptions;
  #fns = new Set<(idTag: string) => void>();
  #file: Deno.FsFile | null = null;
  #typed = "";
  #lastKey = 0;
  #closed = false;
  #retry: TimerHandle | undefined;
  #lostLogged = false;
  #loop: Promise<void> = Promise.resolve();

  constructor(opts: EvdevRfidOptions) {
    if (!opts.device && !opts.name) throw new TypeError("RFID reader needs a device or a name");
    this.#o = opts;
  }

  onTap(fn: (idTag: string) => void): () => void {
    const own = (idTag: string) => fn(idTag);
    this.#fns.add(own);
    return () => void this.#fns.delete(own);
  }

  /** Opens the device and reads it until {@link close}; a lost device is retried. */
  start(): void {
    this.#loop = this.#run();
  }

  /** Stops reading; resolves once the device is closed. */
  async close(): Promise<void> {
    this.#closed = true;
    this.#o.clock.clearTimeout(this.#retry);
    try {
      this.#file?.close();
    } catch { /* already closed */ }
    await this.#loop;
  }

  async #run(): Promise<void> {
    const log = this.#o.log ?? (() => {});
    let path = this.#o.device ?? "";
    try {
      if (!this.#o.device) path = await findByName(this.#o.name!, this.#o.devicesFile);
      this.#file = await Deno.open(path, { read: true });
      if (this.#closed) return this.#file.close();
      log("info", `RFID reader on ${path}`);
      this.#lostLogged = false;
      await this.#read(this.#file);
      if (this.#closed) return;
      throw new Error("device closed");
    } catch (err) {
      if (this.#closed) return;
      const what = path || `named ${JSON.stringify(this.#o.name)}`;
      const retryMs = this.#o.retryMs ?? 5000;
      if (!this.#lostLogged) {
        log(
          "error",
          `Cannot read RFID reader ${what}: ${(err as Error).message}; retrying every ${
            retryMs / 1000
          } s`,
        );
      }
      this.#lostLogged = true;
      try {
        this.#file?.close();
      } catch { /* already closed */ }
      this.#file = null;
      this.#retry = this.#o.clock.setTimeout(() => {
        if (!this.#closed) this.#loop = this.#run();
      }, retryMs);
    }
  }

  async #read(file: Deno.FsFile): Promise<void> {
    const chunk = new Uint8Array(EVENT_SIZE * 64);
    let rest = new Uint8Array(0);
    for (;;) {
      const n = await file.read(chunk);
      if (n === null) return;
      const data = new Uint8Array(rest.length + n);
      data.set(rest);
      data.set(chunk.subarray(0, n), rest.length);
      const whole = data.length - (data.length % EVENT_SIZE);
      const view = new DataView(data.buffer, 0, whole);
      for (let off = 0; off < whole; off += EVENT_SIZE) {
        const type = view.getUint16(off + 16, true);
        const code = view.getUint16(off + 18, true);
        const value = view.getInt32(off + 20, true);
        if (type === EV_KEY && value === 1) this.#key(code);
      }
      rest = data.slice(whole);
    }
  }

  #key(code: number): void {
    const ch = KEYS[code];
    if (ch === undefined) return;
    const now = this.#o.clock.now();
    if (now - this.#lastKey > KEY_GAP_MS) this.#typed = "";
    this.#lastKey = now;
    if (ch !== "\n") {
      if (this.#typed.length < MAX_TYPED) this.#typed += ch;
      return;
    }
    const typed = this.#typed;
    this.#typed = "";
    if (typed === "") return;
    const idTag = convert(typed, this.#o.format ?? {});
    const problem = typeof idTag === "string" ? checkIdTag(idTag) : idTag.error;
    if (problem !== null || typeof idTag !== "string") {
      this.#o.log?.("error", `Cannot use RFID card ${JSON.stringify(typed)}: ${problem}`);
      return;
    }
    for (const fn of [...this.#fns]) fn(idTag);
  }
}

/**
 * Turns what the reader typed into an idTag.
 *
 * @example A 10-digit decimal UID as hex
 * ```ts
 * convert("3735928559", {}); // "DEADBEEF"
 * convert("3735928559", { byteOrder: "reversed" }); // "EFBEADDE"
 * ```
 */
export function convert(typed: string, f: EvdevFormat): string | { error: string } {
  const input = f.input ?? "decimal";
  if (input === "decimal" ? !/^\d+$/.test(typed) : !/^[0-9A-F]+$/.test(typed)) {
    return { error: `not a ${input} number` };
  }
  if ((f.output ?? "hex") === "typed") return typed;
  const value = BigInt(input === "decimal" ? typed : `0x${typed}`);
  let hex = value.toString(16).toUpperCase();
  const least = input === "hex" ? Math.ceil(typed.length / 2) : f.bytes ?? 4;
  const length = Math.max(least, f.bytes ?? 0, Math.ceil(hex.length / 2));
  hex = hex.padStart(length * 2, "0");
  const bytes = hex.match(/../g)!;
  if (f.byteOrder === "reversed") bytes.reverse();
  const out = bytes.join("");
  return (f.output ?? "hex") === "hex" ? out : BigInt(`0x${out}`).toString(10);
}

/** The event device whose name contains `name`, from `/proc/bus/input/devices`. */
export async function findByName(name: string, file = "/proc/bus/input/devices"): Promise<string> {
  const text = await Deno.readTextFile(file);
  for (const block of text.split(/\n\s*\n/)) {
    const n = /^N: Name="(.*)"$/m.exec(block)?.[1];
    const event = /^H: Handlers=.*\b(event\d+)\b/m.exec(block)?.[1];
    if (n && event && n.toLowerCase().includes(name.toLowerCase())) return `/dev/input/${event}`;
  }
  throw new Error(`no input device named like ${JSON.stringify(name)} in ${file}`);
}

/** Key press and release events (and a sync) typing `text` then Enter, as the kernel writes them. */
export function typeEvents(text: string, timeSec = 0): Uint8Array {
  const codes = [...text].map((c) => {
    const code = KEY_CODES[c];
    if (code === undefined) throw new RangeError(`no key for ${JSON.stringify(c)}`);
    return code;
  });
  codes.push(28);
  const out = new Uint8Array(codes.length * 3 * EVENT_SIZE);
  const view = new DataView(out.buffer);
  let off = 0;
  const put = (type: number, code: number, value: number) => {
    view.setBigInt64(off, BigInt(timeSec), true);
    view.setBigInt64(off + 8, 0n, true);
    view.setUint16(off + 16, type, true);
    view.setUint16(off + 18, code, true);
    view.setInt32(off + 20, value, true);
    off += EVENT_SIZE;
  };
  for (const code of codes) {
    put(EV_KEY, code, 1);
    put(EV_KEY, code, 0);
    put(0, 0, 0);
  }
  return out;
}
