import assert from "node:assert/strict";
import { download, safeUrl, TransferError, upload } from "./transfer.ts";
import { FTP_PASSWORD, FTP_USER, startFtp, startHttp } from "../tests/_transfer_peers.ts";
import { makeTestPki } from "../tests/_net_peers.ts";

const enc = new TextEncoder();

async function inTemp(fn: (dir: string) => Promise<void>): Promise<void> {
  const dir = await Deno.makeTempDir({ prefix: "transfer-" });
  try {
    await fn(dir);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

async function failsWith(p: Promise<unknown>, re: RegExp): Promise<void> {
  await assert.rejects(p, (err: unknown) => {
    assert.ok(err instanceof TransferError, String(err));
    assert.match(err.message, re);
    return true;
  });
}

const files = (dir: string) => [...Deno.readDirSync(dir)].map((e) => e.name).sort();

Deno.test("download() over http streams the body to the file", async () => {
  await using http = startHttp();
  const body = enc.encode("a".repeat(300_000));
  http.files.set("/fw.bin", body);
  await inTemp(async (dir) => {
    assert.equal(await download(`${http.base}/fw.bin`, `${dir}/image.bin`, 1e6), body.length);
    assert.deepEqual(await Deno.readFile(`${dir}/image.bin`), body);
    assert.deepEqual(files(dir), ["image.bin"]);
  });
});

Deno.test("download() fails a truncated body, an oversized one, a 404, and leaves no file", async () => {
  await using http = startHttp();
  const body = enc.encode("b".repeat(100_000));
  http.files.set("/cut.bin", body);
  http.truncate.set("/cut.bin", 1000);
  http.files.set("/big.bin", body);
  await inTemp(async (dir) => {
    await failsWith(
      download(`${http.base}/cut.bin`, `${dir}/i`, 1e6),
      /Truncated download: \d+ of 100000 bytes/,
    );
    await failsWith(
      download(`${http.base}/big.bin`, `${dir}/i`, 50_000),
      /Too large: 100000 bytes, the limit is 50000/,
    );
    await failsWith(download(`${http.base}/nope.bin`, `${dir}/i`, 1e6), /HTTP 404/);
    assert.deepEqual(files(dir), []);
  });
});

Deno.test("download() says why a location cannot work", async () => {
  await inTemp(async (dir) => {
    await failsWith(download("not a url", `${dir}/i`, 1), /Malformed location not a url/);
    await failsWith(download("gopher://h/x", `${dir}/i`, 1), /Unsupported location .*ftp/);
    const l = Deno.listen({ hostname: "127.0.0.1", port: 0 });
    const port = (l.addr as Deno.NetAddr).port;
    l.close();
    await failsWith(download(`http://127.0.0.1:${port}/x`, `${dir}/i`, 1), /Connection refused/);
    await failsWith(
      download(`ftp://127.0.0.1:${port}/x`, `${dir}/i`, 1),
      /Connection refused: nothing listens at the FTP server/,
    );
    assert.deepEqual(files(dir), []);
  });
});

Deno.test("download() over https uses the given CA (the backend's TLS settings)", async () => {
  const pki = await makeTestPki();
  try {
    await using https = startHttp(pki.server);
    https.files.set("/fw.bin", enc.encode("secure"));
    await inTemp(async (dir) => {
      await failsWith(download(`${https.base}/fw.bin`, `${dir}/i`, 100), /TLS verification failed/);
      assert.equal(
        await download(`${https.base}/fw.bin`, `${dir}/i`, 100, { tls: { caCerts: [pki.ca.pem] } }),
        6,
      );
    });
  } finally {
    await Deno.remove(pki.dir, { recursive: true });
  }
});

Deno.test("download() and upload() over ftp: passive, user:password, refused login, missing file", async () => {
  await using ftp = await startFtp();
  await Deno.writeFile(`${ftp.root}/fw.bin`, enc.encode("ftp image"));
  await Deno.mkdir(`${ftp.root}/up`);
  await inTemp(async (dir) => {
    assert.equal(await download(`${ftp.base}/fw.bin`, `${dir}/i`, 100), 9);
    await failsWith(
      download(`ftp://${FTP_USER}:wrong@127.0.0.1:${ftp.port}/fw.bin`, `${dir}/x`, 100),
      /FTP login refused by 127\.0\.0\.1:\d+ for user octt: 530/,
    );
    await failsWith(
      download(`${ftp.base}/missing.bin`, `${dir}/x`, 100),
      /refused RETR \/missing\.bin: 550/,
    );
    await failsWith(
      download(`${ftp.base}/fw.bin`, `${dir}/x`, 5),
      /Too large: more than the limit of 5 bytes/,
    );
    assert.deepEqual(files(dir), ["i"]);
  });
  await upload(`${ftp.base}/up/`, "d.tar.gz", enc.encode("archive"));
  assert.equal(await Deno.readTextFile(`${ftp.root}/up/d.tar.gz`), "archive");
  await failsWith(
    upload(`${ftp.base}/nodir`, "d.tar.gz", enc.encode("x")),
    /refused STOR \/nodir\/d\.tar\.gz: 550/,
  );
});

Deno.test("upload() over http POSTs multipart/form-data with the file name", async () => {
  await using http = startHttp();
  await upload(`${http.base}/logs`, "diag.tar.gz", enc.encode("tgz"));
  assert.equal(http.uploads.length, 1);
  assert.equal(http.uploads[0]!.path, "/logs");
  assert.equal(http.uploads[0]!.fileName, "diag.tar.gz");
  assert.equal(new TextDecoder().decode(http.uploads[0]!.bytes), "tgz");
});

Deno.test("safeUrl() hides the password of a location", () => {
  assert.equal(safeUrl(`ftp://${FTP_USER}:${FTP_PASSWORD}@h:21/x`), "ftp://octt:***@h:21/x");
  assert.equal(safeUrl("http://h/x"), "http://h/x");
});

Deno.test("download() to a full disk says so and leaves nothing", async () => {
  await using http = startHttp();
  http.files.set("/fw.bin", enc.encode("z".repeat(10_000)));
  await inTemp(async (dir) => {
    // The partial file lands on /dev/full: every write fails with ENOSPC.
    await Deno.symlink("/dev/full", `${dir}/full.part`);
    await failsWith(
      download(`${http.base}/fw.bin`, `${dir}/image.bin`, 1e6, { partFile: `${dir}/full.part` }),
      /Disk full: cannot write/,
    );
    assert.equal(files(dir).includes("image.bin"), false);
  });
});

Deno.test("download() aborted late does not remove the file of the next download to the same path", async () => {
  await using http = startHttp();
  const first = enc.encode("1".repeat(100_000));
  http.files.set("/fw.bin", first);
  http.hold.set("/fw.bin", 10_000);
  // The second download's body: half, then the rest once the test says so.
  const body = enc.encode("2".repeat(100_000));
  const sentHalf = Promise.withResolvers<void>();
  const finish = Promise.withResolvers<void>();
  await using server = Deno.serve(
    { hostname: "127.0.0.1", port: 0, onListen: () => {} },
    () =>
      new Response(
        new ReadableStream<Uint8Array>({
          async start(c) {
            c.enqueue(body.slice(0, 50_000));
            sentHalf.resolve();
            await finish.promise;
            c.enqueue(body.slice(50_000));
            c.close();
          },
        }),
        { headers: { "content-length": String(body.length) } },
      ),
  );
  const second = `http://127.0.0.1:${(server.addr as Deno.NetAddr).port}/fw.bin`;
  await inTemp(async (dir) => {
    const ac = new AbortController();
    const a = download(`${http.base}/fw.bin`, `${dir}/image.bin`, 1e6, { signal: ac.signal });
    while (http.held === 0) await new Promise((r) => setTimeout(r, 5));
    // A restart: the next boot's download starts while the aborted one still unwinds.
    const b = download(second, `${dir}/image.bin`, 1e6);
    await sentHalf.promise;
    ac.abort();
    await assert.rejects(a);
    finish.resolve();
    assert.equal(await b, body.length);
    assert.deepEqual(await Deno.readFile(`${dir}/image.bin`), body);
    assert.deepEqual(files(dir), ["image.bin"]);
  });
  http.release();
});
