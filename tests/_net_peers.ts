/**
 * Network peers for the connection tests: a test PKI made with openssl and
 * an HTTP CONNECT proxy on loopback. Re-exported by `harness.ts`.
 *
 * @module
 */

/** PEM texts and file paths of a test PKI made with openssl (X.509 v3, EC P-256). */
export interface TestPki {
  readonly dir: string;
  readonly ca: { readonly pem: string; readonly file: string };
  /** Valid for IP 127.0.0.1 and DNS localhost. */
  readonly server: { readonly cert: string; readonly key: string };
  /** Signed by the CA but valid only for backend.example.com. */
  readonly wrongHost: { readonly cert: string; readonly key: string };
  /** The Charge Point's certificate (CN = CP-TEST-1), for Security Profile 3. */
  readonly client: { readonly certFile: string; readonly keyFile: string };
}

async function openssl(dir: string, args: string[]): Promise<void> {
  const out = await new Deno.Command("openssl", { args, cwd: dir, stdout: "null", stderr: "piped" })
    .output();
  if (!out.success) {
    throw new Error(`openssl ${args[0]} failed: ${new TextDecoder().decode(out.stderr)}`);
  }
}

/** Makes a CA, server certificates (right and wrong host) and a client certificate. */
export async function makeTestPki(): Promise<TestPki> {
  const dir = await Deno.makeTempDir({ prefix: "cp-pki-" });
  const ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"];
  await openssl(dir, [
    "req",
    "-x509",
    ...ec,
    "-keyout",
    "ca.key",
    "-out",
    "ca.pem",
    "-days",
    "2",
    "-subj",
    "/CN=Test CA",
    "-addext",
    "basicConstraints=critical,CA:TRUE",
    "-addext",
    "keyUsage=critical,keyCertSign,cRLSign",
  ]);
  const leaf = async (name: string, subject: string, ext: string) => {
    await Deno.writeTextFile(`${dir}/${name}.ext`, ext);
    await openssl(dir, [
      "req",
      ...ec,
      "-keyout",
      `${name}.key`,
      "-out",
      `${name}.csr`,
      "-subj",
      subject,
    ]);
    await openssl(dir, [
      "x509",
      "-req",
      "-in",
      `${name}.csr`,
      "-CA",
      "ca.pem",
      "-CAkey",
      "ca.key",
      "-CAcreateserial",
      "-out",
      `${name}.pem`,
      "-days",
      "2",
      "-extfile",
      `${name}.ext`,
    ]);
    return {
      cert: await Deno.readTextFile(`${dir}/${name}.pem`),
      key: await Deno.readTextFile(`${dir}/${name}.key`),
    };
  };
  const serverExt = "basicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n";
  const server = await leaf(
    "server",
    "/CN=localhost",
    `${serverExt}subjectAltName=IP:127.0.0.1,DNS:localhost\n`,
  );
  const wrongHost = await leaf(
    "wrong",
    "/CN=backend.example.com",
    `${serverExt}subjectAltName=DNS:backend.example.com\n`,
  );
  await leaf("client", "/CN=CP-TEST-1", "basicConstraints=CA:FALSE\nextendedKeyUsage=clientAuth\n");
  return {
    dir,
    ca: { pem: await Deno.readTextFile(`${dir}/ca.pem`), file: `${dir}/ca.pem` },
    server,
    wrongHost,
    client: { certFile: `${dir}/client.pem`, keyFile: `${dir}/client.key` },
  };
}

/** A tiny HTTP CONNECT proxy on loopback. */
export interface TestProxy extends AsyncDisposable {
  /** `127.0.0.1:PORT`, the WebSocketProxy setting. */
  readonly address: string;
  /** The CONNECT targets asked for, in order. */
  readonly targets: string[];
  /** Answer CONNECT with this status instead of tunnelling (e.g. 403). */
  refuse: number | undefined;
}

/** Starts an HTTP CONNECT proxy (RFC 9110 section 9.3.6) on 127.0.0.1. */
export function startProxy(): TestProxy {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const open = new Set<Deno.Conn>();
  const enc = new TextEncoder();
  const proxy: TestProxy = {
    address: `127.0.0.1:${(listener.addr as Deno.NetAddr).port}`,
    targets: [],
    refuse: undefined,
    async [Symbol.asyncDispose]() {
      listener.close();
      for (const c of open) {
        try {
          c.close();
        } catch { /* closed */ }
      }
      await done;
    },
  };
  const serve = async (conn: Deno.Conn) => {
    open.add(conn);
    let head = "";
    const buf = new Uint8Array(4096);
    while (!head.includes("\r\n\r\n")) {
      const n = await conn.read(buf);
      if (n === null) return;
      head += new TextDecoder().decode(buf.subarray(0, n));
    }
    const m = /^CONNECT (\S+):(\d+) HTTP\/1\.1\r\n/.exec(head);
    if (!m) return void await conn.write(enc.encode("HTTP/1.1 400 Bad Request\r\n\r\n"));
    proxy.targets.push(`${m[1]}:${m[2]}`);
    if (proxy.refuse) {
      return void await conn.write(enc.encode(`HTTP/1.1 ${proxy.refuse} Refused\r\n\r\n`));
    }
    const up = await Deno.connect({ hostname: m[1]!, port: Number(m[2]) });
    open.add(up);
    await conn.write(enc.encode("HTTP/1.1 200 Connection established\r\n\r\n"));
    await Promise.allSettled([
      conn.readable.pipeTo(up.writable),
      up.readable.pipeTo(conn.writable),
    ]);
  };
  const done = (async () => {
    const served: Promise<void>[] = [];
    for await (const conn of listener) {
      served.push(
        serve(conn).catch(() => {}).finally(() => {
          try {
            conn.close();
          } catch { /* closed */ }
        }),
      );
    }
    await Promise.allSettled(served);
  })().catch(() => {});
  return proxy;
}

/** What a TLS ClientHello offers: cipher suites and versions (IANA numbers). */
export interface ClientHello {
  /** e.g. 0xc02b TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256. */
  readonly suites: readonly number[];
  /** From supported_versions (0x0304 TLS 1.3, 0x0303 TLS 1.2); empty without it. */
  readonly versions: readonly number[];
}

/** Reads the ClientHello in the first TLS record of `bytes`; undefined if it is not one (yet). */
export function parseClientHello(bytes: Uint8Array): ClientHello | undefined {
  const u16 = (i: number) => (bytes[i]! << 8) | bytes[i + 1]!;
  if (bytes.length < 5 || bytes[0] !== 0x16) return undefined;
  const end = 5 + u16(3);
  if (bytes.length < end || bytes[5] !== 0x01) return undefined;
  let p = 5 + 4 + 2 + 32; // record header, handshake header, legacy version, random
  p += 1 + bytes[p]!; // session id
  const suites: number[] = [];
  const suitesEnd = p + 2 + u16(p);
  for (p += 2; p < suitesEnd; p += 2) suites.push(u16(p));
  p += 1 + bytes[p]!; // compression methods
  const versions: number[] = [];
  const extEnd = Math.min(end, p + 2 + u16(p));
  for (p += 2; p + 4 <= extEnd; p += 4 + u16(p + 2)) {
    if (u16(p) !== 0x002b) continue; // supported_versions
    for (let q = p + 5; q < p + 5 + bytes[p + 4]!; q += 2) versions.push(u16(q));
  }
  return { suites, versions };
}

/** A TCP relay on loopback that records the ClientHello of every connection through it. */
export interface HelloTap extends AsyncDisposable {
  readonly port: number;
  readonly hellos: ClientHello[];
}

/** Starts a {@link HelloTap} in front of `targetPort` on 127.0.0.1. */
export function startHelloTap(targetPort: number): HelloTap {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const open = new Set<Deno.Conn>();
  const serve = async (conn: Deno.Conn) => {
    open.add(conn);
    let head = new Uint8Array(0);
    let hello: ClientHello | undefined;
    const buf = new Uint8Array(16_384);
    while (!hello && head.length < 65_536) {
      const n = await conn.read(buf);
      if (n === null) return;
      head = new Uint8Array([...head, ...buf.subarray(0, n)]);
      hello = parseClientHello(head);
    }
    if (hello) tap.hellos.push(hello);
    const up = await Deno.connect({ hostname: "127.0.0.1", port: targetPort });
    open.add(up);
    await up.write(head);
    await Promise.allSettled([
      conn.readable.pipeTo(up.writable),
      up.readable.pipeTo(conn.writable),
    ]);
  };
  const done = (async () => {
    const served: Promise<void>[] = [];
    for await (const conn of listener) served.push(serve(conn).catch(() => {}));
    await Promise.allSettled(served);
  })().catch(() => {});
  const tap: HelloTap = {
    port: (listener.addr as Deno.NetAddr).port,
    hellos: [],
    async [Symbol.asyncDispose]() {
      listener.close();
      for (const c of open) {
        try {
          c.close();
        } catch { /* closed */ }
      }
      await done;
    },
  };
  return tap;
}
