/**
 * Real file servers on 127.0.0.1 for the Firmware Management scenarios: an
 * FTP server (Debian's `python3-pyftpdlib`, its own process; `.ci/run`
 * installs it when missing) and an HTTP server (Deno.serve) that serves
 * files, can cut a body short, and records uploads.
 *
 * @module
 */

/** A user with a password and write access, as the OCTT's ftp URLs carry. */
export const FTP_USER = "octt";
export const FTP_PASSWORD = "s3cret-ftp";

const PYFTP = `
import sys, logging
from pyftpdlib.authorizers import DummyAuthorizer
from pyftpdlib.handlers import FTPHandler
from pyftpdlib.servers import FTPServer
logging.basicConfig(level=logging.ERROR)
a = DummyAuthorizer()
a.add_user(sys.argv[2], sys.argv[3], sys.argv[1], perm="elradfmwMT")
h = FTPHandler
h.authorizer = a
h.passive_ports = None
s = FTPServer(("127.0.0.1", 0), h)
print(s.address[1], flush=True)
s.serve_forever()
`;

/** A python that has pyftpdlib (Debian's, not a pyenv one on PATH). */
async function python(): Promise<string> {
  for (const p of ["/usr/bin/python3", "python3"]) {
    try {
      const out = await new Deno.Command(p, { args: ["-c", "import pyftpdlib"], stderr: "null" })
        .output();
      if (out.success) return p;
    } catch { /* not there */ }
  }
  throw new Error("python3-pyftpdlib is not installed (apt-get install python3-pyftpdlib)");
}

/** A running FTP server. */
export interface FtpPeer extends AsyncDisposable {
  readonly port: number;
  /** Its root directory. */
  readonly root: string;
  /** `ftp://user:password@127.0.0.1:port` */
  readonly base: string;
}

/** Starts pyftpdlib on an ephemeral loopback port with {@link FTP_USER}. */
export async function startFtp(): Promise<FtpPeer> {
  const root = await Deno.makeTempDir({ prefix: "ftp-root-" });
  const child = new Deno.Command(await python(), {
    args: ["-c", PYFTP, root, FTP_USER, FTP_PASSWORD],
    stdout: "piped",
    stderr: "null",
    stdin: "null",
  }).spawn();
  const reader = child.stdout.getReader();
  let text = "";
  const deadline = Date.now() + 10_000;
  while (!text.includes("\n")) {
    if (Date.now() > deadline) throw new Error("pyftpdlib did not start");
    const { value, done } = await reader.read();
    if (done) throw new Error("pyftpdlib exited at start");
    text += new TextDecoder().decode(value);
  }
  reader.releaseLock();
  const port = Number(text.trim());
  return {
    port,
    root,
    base: `ftp://${FTP_USER}:${FTP_PASSWORD}@127.0.0.1:${port}`,
    async [Symbol.asyncDispose]() {
      try {
        child.kill("SIGKILL");
      } catch { /* ended */ }
      await child.stdout.cancel().catch(() => {});
      await child.status;
      await Deno.remove(root, { recursive: true });
    },
  };
}

/** An upload the HTTP server received. */
export interface HttpUpload {
  readonly path: string;
  readonly fileName: string;
  readonly bytes: Uint8Array;
}

/** A running HTTP server. */
export interface HttpPeer extends AsyncDisposable {
  readonly base: string;
  /** Files served by path. */
  readonly files: Map<string, Uint8Array>;
  /** Paths whose body is cut off after this many bytes (a truncated download). */
  readonly truncate: Map<string, number>;
  readonly uploads: HttpUpload[];
  /** Paths requested, in order. */
  readonly requests: string[];
  /**
   * Paths whose body stalls after this many bytes, until {@link release}
   * (a download in progress); each entry serves one request, then the path
   * is served whole.
   */
  readonly hold: Map<string, number>;
  /** How many bytes of held bodies were sent (the download is under way). */
  held: number;
  /**
   * Path prefixes whose next upload is held (received, not answered) until
   * {@link release}, then answered 503 (an upload in progress); one upload each.
   */
  readonly holdUploads: Set<string>;
  /** How many uploads were held so far. */
  uploadsHeld: number;
  /** Ends every stalled body with an error and answers every held upload 503. */
  release(): void;
}

/** Starts an HTTP server on an ephemeral loopback port (https with `tls`). */
export function startHttp(tls?: { cert: string; key: string }): HttpPeer {
  const files = new Map<string, Uint8Array>();
  const truncate = new Map<string, number>();
  const uploads: HttpUpload[] = [];
  const requests: string[] = [];
  const hold = new Map<string, number>();
  const released = Promise.withResolvers<void>();
  const holdUploads = new Set<string>();
  const heldUploads: (() => void)[] = [];
  const opts = { hostname: "127.0.0.1", port: 0, onListen: () => {}, ...(tls ?? {}) };
  const server = Deno.serve(opts, async (req) => {
    const path = new URL(req.url).pathname;
    requests.push(`${req.method} ${path}`);
    const holding = [...holdUploads].find((prefix) => path.startsWith(prefix));
    if (req.method === "POST" && holding !== undefined) {
      holdUploads.delete(holding);
      peer.uploadsHeld++;
      const { promise, resolve } = Promise.withResolvers<void>();
      heldUploads.push(resolve);
      await promise;
      return new Response("held", { status: 503 });
    }
    if (req.method === "POST") {
      const form = await req.formData();
      const file = form.get("file");
      if (!(file instanceof File)) return new Response("no file field", { status: 400 });
      uploads.push({ path, fileName: file.name, bytes: new Uint8Array(await file.arrayBuffer()) });
      return new Response("stored", { status: 201 });
    }
    const body = files.get(path);
    if (!body) return new Response("not found", { status: 404 });
    const stall = hold.get(path);
    if (stall !== undefined) {
      hold.delete(path);
      const stream = new ReadableStream<Uint8Array>({
        async start(c) {
          c.enqueue(body.slice(0, stall));
          peer.held += stall;
          await released.promise;
          c.error(new Error("released"));
        },
      });
      return new Response(stream, { headers: { "content-length": String(body.length) } });
    }
    const cut = truncate.get(path);
    if (cut === undefined) return new Response(body.slice());
    // Announce the whole length, send part of it, then end: a truncated download.
    const stream = new ReadableStream<Uint8Array>({
      start(c) {
        c.enqueue(body.slice(0, cut));
        c.error(new Error("cut"));
      },
    });
    return new Response(stream, { headers: { "content-length": String(body.length) } });
  });
  const port = (server.addr as Deno.NetAddr).port;
  const peer: HttpPeer = {
    base: `${tls ? "https" : "http"}://127.0.0.1:${port}`,
    files,
    truncate,
    uploads,
    requests,
    hold,
    held: 0,
    holdUploads,
    uploadsHeld: 0,
    release: () => {
      released.resolve();
      for (const r of heldUploads.splice(0)) r();
    },
    async [Symbol.asyncDispose]() {
      peer.release();
      await server.shutdown();
    },
  };
  return peer;
}
