/**
 * The log kept on the device: a bounded, rotating file log in
 * `<data-dir>/logs/` (`wallbox.log`, then `wallbox.log.1` ... `.N`, oldest
 * last), so an installer sees after the fact what happened. It holds what
 * the runtime logs, and every OCPP frame (the link logs them at `debug`),
 * with secrets masked by {@link redact}, from a configurable level up
 * (`LOG_FILE_LEVEL`, default `debug`). At most `files × maxBytes` bytes.
 *
 * One entry per line: `<ISO time> <LEVEL> <text>`, newlines in the text
 * written as `\n`. Times come from the injected clock. Writes are
 * synchronous appends; a failing write is counted, never thrown (the log
 * must not stop the wallbox).
 *
 * Read by `GET /api/logs?limit=N` ({@link LogFile.tail}) and GetDiagnostics
 * ({@link LogFile.between}).
 *
 * @module
 */
import { type Level, type Logger, redact } from "./log.ts";

const ORDER: Record<Level, number> = { debug: 0, info: 1, warn: 2, error: 3 };

/** One entry, as read back. */
export interface LogLine {
  readonly time: string;
  readonly level: Level;
  readonly text: string;
}

/** Options of {@link LogFile}. */
export interface LogFileOptions {
  /** The directory of the log files (created, mode 0700). */
  readonly dir: string;
  /** Rotate when the file would grow beyond this; default 1 MiB. */
  readonly maxBytes?: number;
  /** Files kept besides the current one; default 4. */
  readonly files?: number;
  /** Lowest level written; default `debug`. */
  readonly level?: Level;
  /** ms since the epoch; default `Date.now`. */
  readonly now?: () => number;
  /** Values to mask (the backend password). */
  readonly secrets?: () => readonly string[];
}

const NAME = "wallbox.log";

/** The rotating log file. */
export class LogFile implements Logger {
  readonly dir: string;
  #max: number;
  #files: number;
  #level: Level;
  #now: () => number;
  #secrets: () => readonly string[];
  #file: Deno.FsFile | undefined;
  #size = 0;
  #enc = new TextEncoder();
  /** Writes that failed (disk full, removed directory). */
  failures = 0;

  constructor(o: LogFileOptions) {
    this.dir = o.dir;
    this.#max = o.maxBytes ?? 1024 * 1024;
    this.#files = o.files ?? 4;
    this.#level = o.level ?? "debug";
    this.#now = o.now ?? Date.now;
    this.#secrets = o.secrets ?? (() => []);
    Deno.mkdirSync(o.dir, { recursive: true, mode: 0o700 });
  }

  /** The current file and its rotations, newest first. */
  paths(): string[] {
    return [
      `${this.dir}/${NAME}`,
      ...Array.from({ length: this.#files }, (_, i) => `${this.dir}/${NAME}.${i + 1}`),
    ];
  }

  log(level: Level, text: string): void {
    if (ORDER[level] < ORDER[this.#level]) return;
    const clean = redact(text, this.#secrets()).replace(/\r?\n/g, "\\n");
    const line = this.#enc.encode(
      `${new Date(this.#now()).toISOString()} ${level.toUpperCase().padEnd(5)} ${clean}\n`,
    );
    try {
      if (!this.#file) this.#open();
      if (this.#size > 0 && this.#size + line.length > this.#max) this.#rotate();
      this.#file!.writeSync(line);
      this.#size += line.length;
    } catch {
      this.failures++;
      this.close();
    }
  }

  #open(): void {
    const path = `${this.dir}/${NAME}`;
    this.#file = Deno.openSync(path, { append: true, create: true, mode: 0o600 });
    this.#size = this.#file.statSync().size;
  }

  #rotate(): void {
    this.close();
    const p = this.paths();
    try {
      Deno.removeSync(p[p.length - 1]!);
    } catch { /* absent */ }
    for (let i = p.length - 2; i >= 0; i--) {
      try {
        Deno.renameSync(p[i]!, p[i + 1]!);
      } catch { /* absent */ }
    }
    this.#open();
  }

  close(): void {
    try {
      this.#file?.close();
    } catch { /* closed */ }
    this.#file = undefined;
  }

  /** Every line, oldest first (at most `files + 1` files of `maxBytes`). */
  #lines(): string[] {
    const out: string[] = [];
    for (const path of this.paths().reverse()) {
      let text: string;
      try {
        text = Deno.readTextFileSync(path);
      } catch {
        continue;
      }
      for (const l of text.split("\n")) if (l) out.push(l);
    }
    return out;
  }

  /** The last `limit` entries, oldest first. */
  tail(limit: number): LogLine[] {
    return this.#lines().slice(-Math.max(0, limit)).map(parseLine);
  }

  /** The raw lines from `start` to `stop` (ms, inclusive; open when absent), oldest first. */
  between(start?: number, stop?: number): string[] {
    return this.#lines().filter((l) => {
      const t = Date.parse(l.slice(0, 24));
      if (!Number.isFinite(t)) return false;
      return (start === undefined || t >= start) && (stop === undefined || t <= stop);
    });
  }
}

/** Parses one line written by {@link LogFile}. */
export function parseLine(line: string): LogLine {
  const m = /^(\S+) (DEBUG|INFO |WARN |ERROR) (.*)$/.exec(line);
  if (!m) return { time: "", level: "info", text: line };
  return { time: m[1]!, level: m[2]!.trim().toLowerCase() as Level, text: m[3]! };
}

/** A logger writing to each of `loggers`. */
export function teeLogger(...loggers: readonly Logger[]): Logger {
  return { log: (level, text) => loggers.forEach((l) => l.log(level, text)) };
}
