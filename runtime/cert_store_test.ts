import assert from "node:assert/strict";
import { CertStore } from "./cert_store.ts";
import { Storage } from "./storage.ts";
import { ConfigStore } from "../config/store.ts";
import { CertMaker } from "../tests/_cert_pki.ts";

const certs = await CertMaker.create();
globalThis.addEventListener("unload", () => Deno.removeSync(certs.dir, { recursive: true }));

async function enddate(file: string): Promise<number> {
  const out = await new Deno.Command("openssl", {
    args: ["x509", "-noout", "-enddate", "-in", file],
    stdout: "piped",
  }).output();
  return Date.parse(new TextDecoder().decode(out.stdout).trim().replace(/^notAfter=/, ""));
}

Deno.test("CertStore.clientNotAfter(): read once with the X.509 code, then from the store without it (A03.FR.02)", async () => {
  const dir = await Deno.makeTempDir({ prefix: "cert-store-" });
  const settings = await ConfigStore.open(dir);
  const storage = Storage.open(":memory:");
  try {
    const a = await certs.root("Client A");
    const b = await certs.root("Client B");
    const file = `${dir}/client-cert.pem`;
    await Deno.copyFile(a.file, file);
    // A certificate put there by the settings: no stored notAfter, read from the file.
    const first = new CertStore(storage, settings, Date.now);
    assert.equal(await first.clientNotAfter(file), await enddate(a.file));
    assert.equal(first.loaded, true);
    // The next run: the stored value, the X.509 code not loaded.
    const next = new CertStore(storage, settings, Date.now);
    assert.equal(await next.clientNotAfter(file), await enddate(a.file));
    assert.equal(next.loaded, false);
    // Other bytes in the same file (an upload): read again, and the new value kept.
    await Deno.copyFile(b.file, file);
    const third = new CertStore(storage, settings, Date.now);
    assert.equal(await third.clientNotAfter(file), await enddate(b.file));
    assert.equal(third.loaded, true);
    assert.equal(
      await new CertStore(storage, settings, Date.now).clientNotAfter(file),
      await enddate(b.file),
    );
    // Bad input: a clear error, nothing stored for it.
    await assert.rejects(() => next.clientNotAfter(`${dir}/missing.pem`), Deno.errors.NotFound);
    await Deno.writeTextFile(`${dir}/junk.pem`, "not a certificate");
    await assert.rejects(() => next.clientNotAfter(`${dir}/junk.pem`), /no PEM CERTIFICATE block/);
    const rows = storage.db.prepare("SELECT file FROM client_certificate").all();
    assert.deepEqual(rows.map((r) => r.file), [file]);
  } finally {
    storage.close();
    await Deno.remove(dir, { recursive: true });
  }
});
