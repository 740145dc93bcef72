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
