/**
 * A gzip-compressed tar archive (POSIX ustar) of a few small files, for the
 * diagnostics upload. The writer is 40 lines, so no npm tar or zip package
 * (`npm:tar-stream` would bring the Node stream layer); gzip is the
 * platform's `CompressionStream`. `tar tzf` and `tar xzf` read the result.
 *
 * @module
 */

/** One file of the archive. */
export interface TarEntry {
  readonly name: string;
  readonly data: Uint8Array;
  /** Modification time, ms since the epoch. */
  readonly mtime: number;
}

function octal(n: number, width: number): string {
  return n.toString(8).padStart(width - 1, "0") + "\0";
}

function header(e: TarEntry): Uint8Array {
  const h = new Uint8Array(512);
  const enc = new TextEncoder();
  const put = (text: string, at: number, len: number) =>
    h.set(enc.encode(text).subarray(0, len), at);
  put(e.name.slice(0, 100), 0, 100);
  put(octal(0o644, 8), 100, 8);
  put(octal(0, 8), 108, 8);
  put(octal(0, 8), 116, 8);
  put(octal(e.data.length, 12), 124, 12);
  put(octal(Math.floor(e.mtime / 1000), 12), 136, 12);
  put("        ", 148, 8); // checksum placeholder: spaces
  put("0", 156, 1);
  put("ustar\u000000", 257, 8);
  let sum = 0;
  for (const b of h) sum += b;
  put(octal(sum, 7) + " ", 148, 8);
  return h;
}

/** The uncompressed tar of `entries`. */
export function tar(entries: readonly TarEntry[]): Uint8Array<ArrayBuffer> {
  const size = entries.reduce((n, e) => n + 512 + Math.ceil(e.data.length / 512) * 512, 1024);
  const out = new Uint8Array(size);
  let at = 0;
  for (const e of entries) {
    out.set(header(e), at);
    out.set(e.data, at + 512);
    at += 512 + Math.ceil(e.data.length / 512) * 512;
  }
  return out; // ends with two zero blocks
}

/** The gzip-compressed tar of `entries`. */
export async function tarGz(entries: readonly TarEntry[]): Promise<Uint8Array> {
  const stream = new Blob([tar(entries)]).stream().pipeThrough(new CompressionStream("gzip"));
  return new Uint8Array(await new Response(stream).arrayBuffer());
}
