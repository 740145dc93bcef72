/**
 * File transfers of the Firmware Management profile, on Deno's sockets:
 * download over http, https and ftp, upload over ftp (STOR) and http/https
 * (POST multipart/form-data, field `file`). Loaded by `updates.ts` only
 * when a transfer runs (dynamic `import()`), so the idle wallbox pays
 * nothing for it.
 *
 * - http/https: an HTTP/1.1 client of our own on `ocpp/dial.ts`, so https
 *   uses exactly the TLS settings of the backend connection (CA file,
 *   client certificate, server verification); Content-Length, chunked and
 *   close-delimited bodies; up to {@link MAX_REDIRECTS} redirects.
 * - ftp: passive mode (PASV), binary (TYPE I), `user:password` from the
 *   URL (anonymous when absent); FTPS is not supported.
 * - Downloads stream to a `.part` file (never held in memory) with a size
 *   limit, and are renamed into place only when complete: a truncated body
 *   (fewer bytes than announced, a chunked body cut short) fails.
 * - Every failure is a {@link TransferError} whose message says what failed
 *   for people (refused login, missing file, unreachable host, disk full).
 *
 * Why not `npm:basic-ftp`: it runs on `node:net` (the Node layer, about
 * +8 MB resident once loaded, see `ocpp/dial_node.ts`) and a passive-mode
 * client for RETR/STOR is 150 lines here.
 *
 * @module
 */
import { describeSocketError, dial, type DialOptions } from "../ocpp/dial.ts";
import type { ByteStream } from "../ocpp/ws_client.ts";

/** Redirects followed by a download. */
export const MAX_REDIRECTS = 5;
/** No byte for this long fails the transfer. */
export const IDLE_TIMEOUT_MS = 30_000;

/** A transfer failed; the message says why, for people. */
export class TransferError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "TransferError";
  }
}

/** TLS settings for https (those of the backend connection). */
export type TlsSettings = Pick<DialOptions, "caCerts" | "clientCert" | "verifyServer">;

/** Options of a transfer. */
export interface TransferOptions {
  readonly tls?: TlsSettings;
  readonly signal?: AbortSignal;
  /** Dialer for http(s) (tests); default `dial`. */
  readonly dialer?: (o: DialOptions) => Promise<ByteStream>;
  /** Where a download's body goes before its rename (tests); default a fresh `path.<random>.part`. */
  readonly partFile?: string;
}

/** A location without its password, for messages and logs. */
export function safeUrl(text: string): string {
  return text.replace(/(\/\/[^\s:/@]*:)[^\s@/]*@/, "$1***@");
}

function parseUrl(text: string, protocols: readonly string[]): URL {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new TransferError(`Malformed location ${safeUrl(text)}: not a URL`);
  }
  if (!protocols.includes(url.protocol.replace(/:$/, ""))) {
    throw new TransferError(
      `Unsupported location ${safeUrl(text)}: use ${
        protocols.join(", ")
      } (SupportedFileTransferProtocols)`,
    );
  }
  if (!url.hostname) throw new TransferError(`Malformed location ${safeUrl(text)}: no host`);
  return url;
}

/** Closes `stream` when `signal` aborts (a shutdown or power cut ends the transfer at once). */
function closeOnAbort(stream: ByteStream, signal?: AbortSignal): void {
  if (!signal) return;
  if (signal.aborted) return close(stream);
  signal.addEventListener("abort", () => close(stream), { once: true });
}

/** A reader with a buffer over a byte stream. */
class Reader {
  #stream: ByteStream;
  #buf: Uint8Array;
  #chunk = new Uint8Array(64 * 1024);
  constructor(stream: ByteStream, rest: Uint8Array = new Uint8Array()) {
    this.#stream = stream;
    this.#buf = rest;
  }

  /** Some bytes (at most `max`), or null at the end of the stream. */
  async some(max = Infinity): Promise<Uint8Array | null> {
    if (this.#buf.length === 0) {
      const n = await withTimeout(this.#stream.read(this.#chunk));
      if (n === null) return null;
      this.#buf = this.#chunk.slice(0, n);
    }
    const take = Math.min(max, this.#buf.length);
    const out = this.#buf.subarray(0, take);
    this.#buf = this.#buf.subarray(take);
    return out;
  }

  /** One CRLF- (or LF-) terminated line without its end, or null at the end of the stream. */
  async line(limit = 8192): Promise<string | null> {
    let acc: Uint8Array = new Uint8Array(0);
    for (;;) {
      const i = this.#buf.indexOf(10);
      if (i >= 0) {
        acc = concat(acc, this.#buf.subarray(0, i));
        this.#buf = this.#buf.subarray(i + 1);
        return new TextDecoder().decode(acc).replace(/\r$/, "");
      }
      acc = concat(acc, this.#buf);
      this.#buf = new Uint8Array();
      if (acc.length > limit) throw new TransferError("Protocol error: line too long");
      const n = await withTimeout(this.#stream.read(this.#chunk));
      if (n === null) return acc.length ? new TextDecoder().decode(acc) : null;
      this.#buf = this.#chunk.slice(0, n);
    }
  }
}

function concat(a: Uint8Array, b: Uint8Array): Uint8Array<ArrayBuffer> {
  const out = new Uint8Array(a.length + b.length);
  out.set(a);
  out.set(b, a.length);
  return out;
}

async function withTimeout<T>(p: Promise<T>, ms = IDLE_TIMEOUT_MS): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const t = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new TransferError(`Timed out: no data for ${ms / 1000} s`)),
      ms,
    );
  });
  try {
    return await Promise.race([p, t]);
  } finally {
    clearTimeout(timer);
  }
}

async function writeAll(stream: ByteStream, bytes: Uint8Array): Promise<void> {
  for (let off = 0; off < bytes.length;) off += await stream.write(bytes.subarray(off));
}

function close(s: ByteStream | undefined): void {
  try {
    s?.close();
  } catch { /* closed */ }
}

/** Where the bytes of a download go: a file, with a limit. */
class Sink {
  #file: Deno.FsFile;
  #path: string;
  #max: number;
  bytes = 0;
  constructor(file: Deno.FsFile, path: string, max: number) {
    this.#file = file;
    this.#path = path;
    this.#max = max;
  }
  async write(b: Uint8Array): Promise<void> {
    this.bytes += b.length;
    if (this.bytes > this.#max) {
      throw new TransferError(`Too large: more than the limit of ${this.#max} bytes`);
    }
    try {
      for (let off = 0; off < b.length;) off += await this.#file.write(b.subarray(off));
    } catch (err) {
      const text = err instanceof Error ? err.message : String(err);
      throw new TransferError(
        /No space|ENOSPC|os error 28/i.test(text)
          ? `Disk full: cannot write ${this.#path}`
          : `Cannot write ${this.#path}: ${text}`,
      );
    }
  }
}

// --- HTTP ---

interface HttpAnswer {
  readonly status: number;
  readonly statusText: string;
  readonly headers: Map<string, string>;
  readonly reader: Reader;
  readonly stream: ByteStream;
}

async function httpExchange(
  url: URL,
  method: string,
  headers: Record<string, string>,
  body: Uint8Array | undefined,
  o: TransferOptions,
): Promise<HttpAnswer> {
  const tls = url.protocol === "https:";
  const hostname = url.hostname.replace(/^\[(.*)\]$/, "$1");
  const port = url.port ? Number(url.port) : tls ? 443 : 80;
  const where = url.host;
  let stream: ByteStream;
  try {
    stream = await (o.dialer ?? dial)({
      hostname,
      port,
      tls,
      ...(tls ? o.tls ?? {} : {}),
      ...(o.signal ? { signal: o.signal } : {}),
    });
  } catch (err) {
    throw new TransferError(describeSocketError(err, where, "file server"), { cause: err });
  }
  closeOnAbort(stream, o.signal);
  try {
    const auth = url.username
      ? {
        Authorization: `Basic ${
          btoa(`${decodeURIComponent(url.username)}:${decodeURIComponent(url.password)}`)
        }`,
      }
      : {};
    const all: Record<string, string> = {
      Host: url.host,
      "User-Agent": "OpenWallbox",
      Connection: "close",
      ...auth,
      ...headers,
      ...(body ? { "Content-Length": String(body.length) } : {}),
    };
    const head = `${method} ${url.pathname}${url.search} HTTP/1.1\r\n` +
      Object.entries(all).map(([k, v]) => `${k}: ${v}\r\n`).join("") + "\r\n";
    await writeAll(stream, new TextEncoder().encode(head));
    if (body) await writeAll(stream, body);
    const reader = new Reader(stream);
    const status = await reader.line();
    const m = status === null ? null : /^HTTP\/1\.[01] (\d{3}) ?(.*)$/.exec(status);
    if (!m) throw new TransferError(`Protocol error: the file server ${where} gave no HTTP answer`);
    const map = new Map<string, string>();
    for (;;) {
      const line = await reader.line();
      if (line === null) {
        throw new TransferError(`Protocol error: the file server ${where} closed mid-answer`);
      }
      if (line === "") break;
      const i = line.indexOf(":");
      if (i > 0) map.set(line.slice(0, i).trim().toLowerCase(), line.slice(i + 1).trim());
    }
    return { status: Number(m[1]), statusText: m[2] ?? "", headers: map, reader, stream };
  } catch (err) {
    close(stream);
    if (err instanceof TransferError) throw err;
    throw new TransferError(describeSocketError(err, where, "file server"), { cause: err });
  }
}

/** Copies an HTTP body to `sink`, checking it is complete. */
async function httpBody(a: HttpAnswer, sink: Sink, where: string): Promise<void> {
  const te = a.headers.get("transfer-encoding")?.toLowerCase();
  const cl = a.headers.get("content-length");
  const cut = (got: number, want: string) =>
    new TransferError(`Truncated download: ${got} of ${want} bytes from ${where}`);
  if (te === "chunked") {
    for (;;) {
      const sizeLine = await a.reader.line();
      if (sizeLine === null) throw cut(sink.bytes, "a chunked body's");
      const size = parseInt(sizeLine.split(";")[0]!, 16);
      if (!Number.isFinite(size) || size < 0) {
        throw new TransferError(`Protocol error: bad chunk size from ${where}`);
      }
      if (size === 0) return;
      let left = size;
      while (left > 0) {
        const b = await a.reader.some(left);
        if (b === null) throw cut(sink.bytes, "a chunked body's");
        await sink.write(b);
        left -= b.length;
      }
      await a.reader.line();
    }
  }
  const want = cl === undefined ? undefined : Number(cl);
  for (;;) {
    const left = want === undefined ? Infinity : want - sink.bytes;
    if (left <= 0) return;
    const b = await a.reader.some(left);
    if (b === null) {
      if (want !== undefined) throw cut(sink.bytes, String(want));
      return;
    }
    await sink.write(b);
  }
}

// --- FTP ---

interface FtpReply {
  readonly code: number;
  readonly text: string;
}

class Ftp {
  #conn: ByteStream;
  #reader: Reader;
  #host: string;
  #signal: AbortSignal | undefined;
  constructor(conn: ByteStream, host: string, signal?: AbortSignal) {
    this.#conn = conn;
    this.#reader = new Reader(conn);
    this.#host = host;
    this.#signal = signal;
  }

  static async open(url: URL, signal?: AbortSignal): Promise<Ftp> {
    const hostname = url.hostname.replace(/^\[(.*)\]$/, "$1");
    const port = url.port ? Number(url.port) : 21;
    let conn: Deno.Conn;
    try {
      conn = await Deno.connect({ hostname, port, ...(signal ? { signal } : {}) });
    } catch (err) {
      throw new TransferError(describeSocketError(err, url.host, "FTP server"), { cause: err });
    }
    closeOnAbort(conn, signal);
    const ftp = new Ftp(conn, hostname, signal);
    try {
      ftp.expect(await ftp.reply(), [220], "greeting");
      const user = url.username ? decodeURIComponent(url.username) : "anonymous";
      const pass = url.username ? decodeURIComponent(url.password) : "anonymous@";
      const u = await ftp.cmd(`USER ${user}`);
      if (u.code === 331 || u.code === 332) {
        const p = await ftp.cmd(`PASS ${pass}`);
        if (p.code !== 230 && p.code !== 202) {
          throw new TransferError(
            `FTP login refused by ${url.host} for user ${user}: ${p.code} ${p.text}`,
          );
        }
      } else if (u.code !== 230) {
        throw new TransferError(
          `FTP login refused by ${url.host} for user ${user}: ${u.code} ${u.text}`,
        );
      }
      ftp.expect(await ftp.cmd("TYPE I"), [200], "TYPE I");
      return ftp;
    } catch (err) {
      ftp.close();
      throw err;
    }
  }

  async reply(): Promise<FtpReply> {
    const first = await this.#reader.line();
    if (first === null) throw new TransferError(`FTP server ${this.#host} closed the connection`);
    const m = /^(\d{3})([ -])(.*)$/.exec(first);
    if (!m) throw new TransferError(`Protocol error: FTP server said ${JSON.stringify(first)}`);
    let text = m[3]!;
    if (m[2] === "-") {
      for (;;) {
        const l = await this.#reader.line();
        if (l === null) throw new TransferError(`FTP server ${this.#host} closed mid-reply`);
        if (l.startsWith(`${m[1]} `)) break;
        text += `\n${l}`;
      }
    }
    return { code: Number(m[1]), text };
  }

  async cmd(line: string): Promise<FtpReply> {
    await writeAll(this.#conn, new TextEncoder().encode(`${line}\r\n`));
    return await this.reply();
  }

  expect(r: FtpReply, codes: number[], what: string): FtpReply {
    if (!codes.includes(r.code)) {
      throw new TransferError(`FTP server ${this.#host} refused ${what}: ${r.code} ${r.text}`);
    }
    return r;
  }

  /** Opens a passive data connection (to the control host: the PASV address may be a NAT's). */
  async passive(): Promise<Deno.Conn> {
    const r = this.expect(await this.cmd("PASV"), [227], "PASV");
    const m = /(\d+),(\d+),(\d+),(\d+),(\d+),(\d+)/.exec(r.text);
    if (!m) throw new TransferError(`Protocol error: FTP PASV answer ${r.text}`);
    const port = Number(m[5]) * 256 + Number(m[6]);
    try {
      const data = await Deno.connect({ hostname: this.#host, port });
      closeOnAbort(data, this.#signal);
      return data;
    } catch (err) {
      throw new TransferError(describeSocketError(err, `${this.#host}:${port}`, "FTP data port"));
    }
  }

  close(): void {
    close(this.#conn);
  }
}

function ftpPath(url: URL): string {
  return decodeURIComponent(url.pathname);
}

// --- Public ---

/**
 * Downloads `location` to `path`, at most `maxBytes`, through a part file
 * of its own (`path.<random>.part`, renamed at the end), so a download
 * aborted by a restart that still unwinds cannot remove or overwrite the
 * next one's. Part files a power cut left beside `path` are removed first.
 *
 * @returns The number of bytes.
 * @throws {TransferError} saying what failed; nothing is left at `path` then.
 */
export async function download(
  location: string,
  path: string,
  maxBytes: number,
  o: TransferOptions = {},
): Promise<number> {
  let url = parseUrl(location, ["http", "https", "ftp"]);
  await removeStaleParts(path);
  const part = o.partFile ?? `${path}.${crypto.randomUUID().slice(0, 8)}.part`;
  const file = await Deno.open(part, { write: true, create: true, truncate: true, mode: 0o600 });
  const sink = new Sink(file, part, maxBytes);
  try {
    if (url.protocol === "ftp:") {
      const ftp = await Ftp.open(url, o.signal);
      try {
        const data = await ftp.passive();
        try {
          ftp.expect(
            await ftp.cmd(`RETR ${ftpPath(url)}`),
            [125, 150],
            `RETR ${ftpPath(url)}`,
          );
          const reader = new Reader(data);
          for (let b; (b = await reader.some()) !== null;) await sink.write(b);
        } finally {
          close(data);
        }
        ftp.expect(await ftp.reply(), [226, 250], "the end of the download");
      } finally {
        ftp.close();
      }
    } else {
      for (let hop = 0;; hop++) {
        const a = await httpExchange(url, "GET", {}, undefined, o);
        try {
          const loc = a.headers.get("location");
          if ([301, 302, 303, 307, 308].includes(a.status) && loc && hop < MAX_REDIRECTS) {
            url = parseUrl(new URL(loc, url).toString(), ["http", "https"]);
            continue;
          }
          if (a.status !== 200) {
            throw new TransferError(
              `HTTP ${a.status} ${a.statusText} from ${safeUrl(url.toString())}`,
            );
          }
          const cl = Number(a.headers.get("content-length"));
          if (Number.isFinite(cl) && cl > maxBytes) {
            throw new TransferError(`Too large: ${cl} bytes, the limit is ${maxBytes}`);
          }
          await httpBody(a, sink, url.host);
        } finally {
          close(a.stream);
        }
        break;
      }
    }
    file.syncSync();
    file.close();
    if (o.signal?.aborted) throw new TransferError("Aborted (the runtime restarted or stopped)");
    await Deno.rename(part, path);
    return sink.bytes;
  } catch (err) {
    try {
      file.close();
    } catch { /* closed */ }
    await Deno.remove(part).catch(() => {});
    if (err instanceof TransferError) throw err;
    throw new TransferError(describeSocketError(err, url.host, "file server"), { cause: err });
  }
}

/** Removes the part files of earlier downloads to `path` (left by a power cut). */
async function removeStaleParts(path: string): Promise<void> {
  const slash = path.lastIndexOf("/");
  const dir = slash < 0 ? "." : path.slice(0, slash) || "/";
  const name = path.slice(slash + 1);
  const stale = /^\.[0-9a-f]{8}\.part$|^\.part$/;
  try {
    for await (const e of Deno.readDir(dir)) {
      if (e.isFile && e.name.startsWith(name) && stale.test(e.name.slice(name.length))) {
        await Deno.remove(`${dir}/${e.name}`).catch(() => {});
      }
    }
  } catch { /* no directory yet: Deno.open says why */ }
}

/**
 * Uploads `bytes` as `fileName` to the directory `location`: ftp STOR
 * `<location>/<fileName>`, http(s) POST multipart/form-data (field `file`).
 *
 * @throws {TransferError} saying what failed.
 */
export async function upload(
  location: string,
  fileName: string,
  bytes: Uint8Array,
  o: TransferOptions = {},
): Promise<void> {
  const url = parseUrl(location, ["http", "https", "ftp"]);
  try {
    if (url.protocol === "ftp:") {
      const ftp = await Ftp.open(url, o.signal);
      try {
        const dir = ftpPath(url).replace(/\/+$/, "");
        const target = `${dir}/${fileName}`;
        const data = await ftp.passive();
        try {
          ftp.expect(await ftp.cmd(`STOR ${target}`), [125, 150], `STOR ${target}`);
          await writeAll(data, bytes);
        } finally {
          close(data);
        }
        ftp.expect(await ftp.reply(), [226, 250], "the end of the upload");
      } finally {
        ftp.close();
      }
      return;
    }
    const boundary = `----openwallbox${crypto.randomUUID().replaceAll("-", "")}`;
    const enc = new TextEncoder();
    const body = concat(
      concat(
        enc.encode(
          `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="${fileName}"\r\n` +
            "Content-Type: application/gzip\r\n\r\n",
        ),
        bytes,
      ),
      enc.encode(`\r\n--${boundary}--\r\n`),
    );
    const a = await httpExchange(
      url,
      "POST",
      {
        "Content-Type": `multipart/form-data; boundary=${boundary}`,
      },
      body,
      o,
    );
    close(a.stream);
    if (a.status < 200 || a.status > 299) {
      throw new TransferError(`HTTP ${a.status} ${a.statusText} from ${safeUrl(location)}`);
    }
  } catch (err) {
    if (err instanceof TransferError) throw err;
    throw new TransferError(describeSocketError(err, url.host, "file server"), { cause: err });
  }
}
