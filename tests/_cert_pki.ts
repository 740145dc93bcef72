/**
 * Certificates for the Security Whitepaper scenario tests, made with
 * openssl (X.509 v3): root CAs (valid or expired), a CSR signed as a
 * Certificate Authority Server would, and the OCTT's own calculation of
 * CertificateHashDataType, done independently by `openssl ocsp` (an OCSP
 * CertID is the same hash data).
 *
 * @module
 */

async function openssl(dir: string, args: string[], stdin?: string): Promise<string> {
  const cmd = new Deno.Command("openssl", {
    args,
    cwd: dir,
    stdin: stdin === undefined ? "null" : "piped",
    stdout: "piped",
    stderr: "piped",
  });
  const child = cmd.spawn();
  if (stdin !== undefined) {
    const w = child.stdin.getWriter();
    await w.write(new TextEncoder().encode(stdin));
    await w.close();
  }
  const out = await child.output();
  if (!out.success) {
    throw new Error(`openssl ${args[0]} failed: ${new TextDecoder().decode(out.stderr)}`);
  }
  return new TextDecoder().decode(out.stdout);
}

/** A CA: its certificate (PEM and file) and its key file. */
export interface Ca {
  readonly pem: string;
  readonly file: string;
  readonly keyFile: string;
}

const EC = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"];

const CA_CONF = `[ca]
default_ca = d
[d]
database = index.txt
new_certs_dir = .
serial = serial.txt
default_md = sha256
policy = p
unique_subject = no
copy_extensions = none
[p]
commonName = supplied
organizationName = optional
[v3]
basicConstraints = critical,CA:TRUE
keyUsage = critical,keyCertSign,cRLSign
`;

/** Makes certificates in a temp directory. */
export class CertMaker {
  readonly dir: string;
  #n = 0;

  private constructor(dir: string) {
    this.dir = dir;
  }

  static async create(): Promise<CertMaker> {
    return new CertMaker(await Deno.makeTempDir({ prefix: "cp-certs-" }));
  }

  /** A self-signed root CA valid for two days. */
  async root(cn: string): Promise<Ca> {
    const name = `ca${this.#n++}`;
    await openssl(this.dir, [
      "req",
      "-x509",
      ...EC,
      "-keyout",
      `${name}.key`,
      "-out",
      `${name}.pem`,
      "-days",
      "2",
      "-subj",
      `/CN=${cn}/O=OpenWallbox Test`,
      "-addext",
      "basicConstraints=critical,CA:TRUE",
      "-addext",
      "keyUsage=critical,keyCertSign,cRLSign",
    ]);
    return this.#ca(name);
  }

  /** A CA signed by `issuer` (a sub-CA, or a new root signed by the old one), valid for a day. */
  async issuedCa(
    cn: string,
    issuer: { readonly file: string; readonly keyFile: string },
  ): Promise<Ca> {
    const name = `ca${this.#n++}`;
    await openssl(this.dir, [
      "req",
      ...EC,
      "-keyout",
      `${name}.key`,
      "-out",
      `${name}.csr`,
      "-subj",
      `/CN=${cn}/O=OpenWallbox Test`,
    ]);
    await this.#issue(
      name,
      issuer,
      "basicConstraints=critical,CA:TRUE\nkeyUsage=critical,keyCertSign,cRLSign\n",
    );
    return this.#ca(name);
  }

  /** A self-signed root CA that expired in 2020. */
  async expiredRoot(cn: string): Promise<Ca> {
    const name = `ca${this.#n++}`;
    const dir = `${this.dir}/${name}.d`;
    await Deno.mkdir(dir);
    await Deno.writeTextFile(`${dir}/ca.cnf`, CA_CONF);
    await Deno.writeTextFile(`${dir}/index.txt`, "");
    await Deno.writeTextFile(`${dir}/serial.txt`, "1000\n");
    await openssl(dir, [
      "req",
      "-new",
      ...EC,
      "-keyout",
      `../${name}.key`,
      "-out",
      "req.csr",
      "-subj",
      `/CN=${cn}/O=OpenWallbox Test`,
    ]);
    await openssl(dir, [
      "ca",
      "-batch",
      "-config",
      "ca.cnf",
      "-selfsign",
      "-keyfile",
      `../${name}.key`,
      "-in",
      "req.csr",
      "-out",
      `../${name}.pem`,
      "-startdate",
      "20200101000000Z",
      "-enddate",
      "20200201000000Z",
      "-extensions",
      "v3",
      "-notext",
    ]);
    return this.#ca(name);
  }

  /**
   * Issues `<name>.pem` from `<name>.csr`, signed by `issuer`, valid for a day, with the
   * X.509 v3 extensions `ext` (Deno's TLS refuses v1 certificates).
   */
  async #issue(
    name: string,
    issuer: { readonly file: string; readonly keyFile: string },
    ext: string,
    extra: string[] = [],
  ): Promise<void> {
    await Deno.writeTextFile(`${this.dir}/${name}.ext`, ext);
    await openssl(this.dir, [
      "x509",
      "-req",
      "-in",
      `${name}.csr`,
      "-CA",
      issuer.file,
      "-CAkey",
      issuer.keyFile,
      "-CAcreateserial",
      "-out",
      `${name}.pem`,
      "-days",
      "1",
      "-extfile",
      `${name}.ext`,
      ...extra,
    ]);
  }

  async #ca(name: string): Promise<Ca> {
    return {
      pem: await Deno.readTextFile(`${this.dir}/${name}.pem`),
      file: `${this.dir}/${name}.pem`,
      keyFile: `${this.dir}/${name}.key`,
    };
  }

  /**
   * Signs a CSR (PEM) with `ca` as a client certificate valid for a day;
   * `subject` overrides the CSR's. Returns the PEM.
   */
  async sign(
    csrPem: string,
    ca: { readonly file: string; readonly keyFile: string },
    subject?: string,
  ): Promise<string> {
    const name = `leaf${this.#n++}`;
    await Deno.writeTextFile(`${this.dir}/${name}.csr`, csrPem);
    await this.#issue(
      name,
      ca,
      "basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature,keyAgreement\n" +
        "extendedKeyUsage=clientAuth\n",
      subject ? ["-subj", subject] : [],
    );
    return await Deno.readTextFile(`${this.dir}/${name}.pem`);
  }

  /** A firmware signing certificate issued by `ca` (EC P-256) and its key file. */
  async signingCertificate(ca: { readonly file: string; readonly keyFile: string }): Promise<Ca> {
    const name = `sign${this.#n++}`;
    await openssl(this.dir, [
      "req",
      ...EC,
      "-keyout",
      `${name}.key`,
      "-out",
      `${name}.csr`,
      "-subj",
      "/CN=Firmware Signing/O=OpenWallbox Test",
    ]);
    await this.#issue(
      name,
      ca,
      "basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=codeSigning\n",
    );
    return this.#ca(name);
  }

  /** The signature (base64) of `data` with the key `keyFile`, SHA-256, as `openssl dgst -sign` makes it. */
  async signData(data: string, keyFile: string): Promise<string> {
    const name = `data${this.#n++}`;
    await Deno.writeTextFile(`${this.dir}/${name}.bin`, data);
    await openssl(this.dir, [
      "dgst",
      "-sha256",
      "-sign",
      keyFile,
      "-out",
      `${name}.sig`,
      `${name}.bin`,
    ]);
    const sig = await Deno.readFile(`${this.dir}/${name}.sig`);
    return btoa(String.fromCharCode(...sig));
  }

  /** The subject line and the signature check of a CSR, as `openssl req` prints them. */
  async csrFacts(csrPem: string): Promise<{ subject: string; verified: boolean }> {
    const text = await openssl(this.dir, ["req", "-noout", "-subject", "-verify"], csrPem);
    return { subject: text.trim(), verified: true };
  }

  /** CertificateHashDataType of a certificate issued by `issuerFile`, computed by `openssl ocsp`. */
  async hashData(
    certFile: string,
    issuerFile: string,
    alg: "sha256" | "sha384" | "sha512" = "sha256",
  ): Promise<
    { hashAlgorithm: string; issuerNameHash: string; issuerKeyHash: string; serialNumber: string }
  > {
    const req = `ocsp${this.#n++}.der`;
    await openssl(this.dir, [
      "ocsp",
      "-issuer",
      issuerFile,
      `-${alg}`,
      "-cert",
      certFile,
      "-no_nonce",
      "-reqout",
      req,
    ]);
    const text = await openssl(this.dir, ["ocsp", "-reqin", req, "-req_text"]);
    // A long value goes on over the next line after a backslash.
    const field = (label: string) => {
      const m = new RegExp(`${label}: ([0-9A-F]+(?:\\\\\\n[0-9A-F]+)*)`).exec(text);
      if (!m) throw new Error(`openssl ocsp printed no ${label}`);
      return m[1]!.replace(/\\\n/g, "").toLowerCase();
    };
    return {
      hashAlgorithm: alg.toUpperCase(),
      issuerNameHash: field("Issuer Name Hash"),
      issuerKeyHash: field("Issuer Key Hash"),
      serialNumber: field("Serial Number").replace(/^0+(?=.)/, ""),
    };
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await Deno.remove(this.dir, { recursive: true });
  }
}
