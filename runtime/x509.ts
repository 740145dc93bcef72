/**
 * X.509 and PKCS#10 work of the Security Whitepaper, on WebCrypto through
 * `npm:@peculiar/x509` (no ASN.1 by hand). Loading the library costs about
 * 30 MB of resident memory (it comes through Deno's Node layer), so this
 * module is only ever loaded with a dynamic `import()` when a certificate
 * operation runs (`cert_service.ts`); an idle Charge Point never loads it.
 *
 * - {@link checkCaCertificate}: an InstallCertificate candidate (one PEM
 *   certificate, a CA, within its validity, a self-issued one correctly
 *   self-signed) and its hash data.
 * - {@link hashData}: CertificateHashDataType (whitepaper 6.1) the way OCSP
 *   CertID computes it (RFC 6960 4.1.1), which is what a backend computes:
 *   the hash of the DER issuer Name, the hash of the issuer's public key bits
 *   (the subjectPublicKey BIT STRING value), the serial number in hex.
 * - {@link generateCsr}: a new ECDSA P-256 key pair (A00.FR.503) and a
 *   PKCS#10 CSR (RFC 2986, PEM) with CN = the Charge Point's serial number
 *   (A00.FR.511) and O = CpoName (A02.FR.13).
 * - {@link checkSignedChain}: CertificateSigned (A02.FR.06): the leaf holds
 *   the key of the CSR, is valid now, names the Charge Point, and chains up
 *   to a trusted Central System root.
 *
 * @module
 */
import "reflect-metadata";
import * as x509 from "@peculiar/x509";
import { AsnConvert } from "@peculiar/asn1-schema";
import { SubjectPublicKeyInfo } from "@peculiar/asn1-x509";

x509.cryptoProvider.set(crypto);

/** HashAlgorithmEnumType (whitepaper 6.10). */
export type HashAlgorithm = "SHA256" | "SHA384" | "SHA512";

/** CertificateHashDataType (whitepaper 6.1). */
export interface HashData {
  readonly hashAlgorithm: HashAlgorithm;
  readonly issuerNameHash: string;
  readonly issuerKeyHash: string;
  readonly serialNumber: string;
}

const ALGORITHMS: readonly [HashAlgorithm, string][] = [
  ["SHA256", "SHA-256"],
  ["SHA384", "SHA-384"],
  ["SHA512", "SHA-512"],
];

const ECDSA = { name: "ECDSA", namedCurve: "P-256", hash: "SHA-256" } as const;

function hex(buf: ArrayBuffer): string {
  return [...new Uint8Array(buf)].map((b) => b.toString(16).padStart(2, "0")).join("");
}

/** The serial number as hex, lower case, without leading zeros ("0" for zero). */
export function serialHex(serial: string): string {
  return serial.toLowerCase().replace(/^0+(?=.)/, "");
}

/** The bits of a certificate's public key (the subjectPublicKey BIT STRING value). */
function keyBits(cert: x509.X509Certificate): ArrayBuffer {
  return AsnConvert.parse(cert.publicKey.rawData, SubjectPublicKeyInfo).subjectPublicKey;
}

/** Parses every CERTIFICATE block of a PEM text; throws a sentence when it is not one. */
export function parsePem(text: string): x509.X509Certificate[] {
  const blocks = text.match(/-----BEGIN CERTIFICATE-----[\s\S]*?-----END CERTIFICATE-----/g);
  if (!blocks || blocks.length === 0) throw new Error("no PEM CERTIFICATE block");
  return blocks.map((b, i) => {
    try {
      return new x509.X509Certificate(b);
    } catch (err) {
      throw new Error(
        `PEM block ${i + 1} is not an X.509 certificate (${
          err instanceof Error ? err.message : err
        })`,
      );
    }
  });
}

/** The hash data of `cert` for each algorithm; `issuer` is its issuer's certificate (itself when self-issued). */
export async function hashData(
  cert: x509.X509Certificate,
  issuer: x509.X509Certificate = cert,
): Promise<HashData[]> {
  const name = cert.issuerName.toArrayBuffer();
  const key = keyBits(issuer);
  const serialNumber = serialHex(cert.serialNumber);
  const out: HashData[] = [];
  for (const [hashAlgorithm, webName] of ALGORITHMS) {
    out.push({
      hashAlgorithm,
      issuerNameHash: hex(await crypto.subtle.digest(webName, name)),
      issuerKeyHash: hex(await crypto.subtle.digest(webName, key)),
      serialNumber,
    });
  }
  return out;
}

/** Facts of a certificate accepted for installation. */
export interface CaFacts {
  readonly pem: string;
  readonly subject: string;
  readonly notAfter: number;
  readonly hashes: readonly HashData[];
}

/** Why a certificate is refused, for the log and the security event's techInfo. */
export type Checked<T> = { readonly ok: true; readonly value: T } | {
  readonly ok: false;
  readonly reason: string;
};

function validAt(cert: x509.X509Certificate, now: number): string | undefined {
  if (cert.notBefore.getTime() > now) {
    return `not valid before ${cert.notBefore.toISOString()}`;
  }
  if (cert.notAfter.getTime() < now) return `expired on ${cert.notAfter.toISOString()}`;
  return undefined;
}

function isCa(cert: x509.X509Certificate): boolean {
  const bc = cert.getExtension(x509.BasicConstraintsExtension);
  return bc?.ca === true;
}

/**
 * Checks an InstallCertificate candidate: exactly one certificate, a CA
 * (basicConstraints cA), valid at `now`, and when self-issued its
 * signature verifies with its own key. `installed` are the certificates
 * already installed (PEM), to find the issuer of a sub-CA for its hash data.
 */
export async function checkCaCertificate(
  pem: string,
  now: number,
  installed: readonly string[],
): Promise<Checked<CaFacts>> {
  let certs: x509.X509Certificate[];
  try {
    certs = parsePem(pem);
  } catch (err) {
    return { ok: false, reason: err instanceof Error ? err.message : String(err) };
  }
  if (certs.length !== 1) return { ok: false, reason: `${certs.length} certificates, not one` };
  const cert = certs[0]!;
  const when = validAt(cert, now);
  if (when) return { ok: false, reason: `the certificate is ${when}` };
  if (!isCa(cert)) return { ok: false, reason: "not a CA certificate (basicConstraints cA)" };
  const selfIssued = cert.subject === cert.issuer;
  let issuer = cert;
  if (selfIssued) {
    if (!(await cert.verify({ signatureOnly: true }))) {
      return { ok: false, reason: "its self-signature does not verify" };
    }
  } else {
    for (const p of installed) {
      const other = parsePem(p)[0]!;
      if (
        other.subject === cert.issuer &&
        await cert.verify({ publicKey: other, signatureOnly: true })
      ) {
        issuer = other;
      }
    }
  }
  return {
    ok: true,
    value: {
      pem: cert.toString("pem"),
      subject: cert.subject,
      notAfter: cert.notAfter.getTime(),
      hashes: await hashData(cert, issuer),
    },
  };
}

/** Whether `pem` (one certificate) is signed by the key of `signerPem`. */
export async function signedBy(pem: string, signerPem: string): Promise<boolean> {
  try {
    return await parsePem(pem)[0]!.verify({
      publicKey: parsePem(signerPem)[0]!,
      signatureOnly: true,
    });
  } catch {
    return false;
  }
}

/** A new key pair and its CSR. The private key is only ever written to the data directory. */
export interface NewKey {
  readonly csrPem: string;
  /** PKCS#8 PEM ("PRIVATE KEY"). */
  readonly keyPem: string;
  /** The public key, SubjectPublicKeyInfo DER in base64, to match the signed certificate. */
  readonly spki: string;
}

/** Generates an ECDSA P-256 key pair and a CSR for CN = `commonName`, O = `organization`. */
export async function generateCsr(commonName: string, organization: string): Promise<NewKey> {
  const keys = await crypto.subtle.generateKey(ECDSA, true, ["sign", "verify"]);
  const csr = await x509.Pkcs10CertificateRequestGenerator.create({
    name: [{ CN: [commonName] }, { O: [organization] }],
    keys,
    signingAlgorithm: ECDSA,
    extensions: [
      new x509.KeyUsagesExtension(
        x509.KeyUsageFlags.digitalSignature | x509.KeyUsageFlags.keyAgreement,
        true,
      ),
    ],
  });
  const pkcs8 = await crypto.subtle.exportKey("pkcs8", keys.privateKey);
  const spki = await crypto.subtle.exportKey("spki", keys.publicKey);
  return {
    csrPem: csr.toString("pem"),
    keyPem: x509.PemConverter.encode(pkcs8, "PRIVATE KEY"),
    spki: btoa(String.fromCharCode(...new Uint8Array(spki))),
  };
}

/** What a signed certificate must match. */
export interface SignedExpect {
  /** The CSR's public key (SubjectPublicKeyInfo DER, base64). */
  readonly spki: string;
  readonly commonName: string;
  readonly now: number;
  /** Trusted Central System roots (PEM), installed or configured. */
  readonly roots: readonly string[];
}

/**
 * Checks a CertificateSigned chain (A02.FR.06): the first certificate holds
 * the CSR's key, is valid now, has CN = the Charge Point's serial number and an O
 * (A00.FR.509); every certificate is signed by the next and is valid; the
 * last one is signed by one of `roots`. Returns the chain as PEM.
 */
export async function checkSignedChain(
  text: string,
  expect: SignedExpect,
): Promise<Checked<string>> {
  let chain: x509.X509Certificate[];
  try {
    chain = parsePem(text);
  } catch (err) {
    return { ok: false, reason: err instanceof Error ? err.message : String(err) };
  }
  const leaf = chain[0]!;
  const leafSpki = btoa(String.fromCharCode(...new Uint8Array(leaf.publicKey.rawData)));
  if (leafSpki !== expect.spki) {
    return { ok: false, reason: "the certificate is not for the key of the last CSR" };
  }
  const cn = leaf.subjectName.getField("CN");
  if (cn.length !== 1 || cn[0] !== expect.commonName) {
    return { ok: false, reason: `the certificate's CN is not ${expect.commonName}` };
  }
  if (leaf.subjectName.getField("O").length === 0) {
    return { ok: false, reason: "the certificate has no organizationName (O)" };
  }
  for (const [i, cert] of chain.entries()) {
    const when = validAt(cert, expect.now);
    if (when) return { ok: false, reason: `certificate ${i + 1} of the chain is ${when}` };
    const next = chain[i + 1];
    if (next && !(await cert.verify({ publicKey: next, signatureOnly: true }))) {
      return { ok: false, reason: `certificate ${i + 1} is not signed by certificate ${i + 2}` };
    }
  }
  const top = chain[chain.length - 1]!;
  for (const rootPem of expect.roots) {
    let roots: x509.X509Certificate[];
    try {
      roots = parsePem(rootPem);
    } catch {
      continue;
    }
    for (const root of roots) {
      if (validAt(root, expect.now)) continue;
      if (await top.verify({ publicKey: root, signatureOnly: true })) {
        return { ok: true, value: chain.map((c) => c.toString("pem")).join("\n") + "\n" };
      }
    }
  }
  return { ok: false, reason: "the chain does not lead to an installed Central System root" };
}

/**
 * Checks a firmware signing certificate (L01.FR.23): one or more PEM
 * certificates, the first valid now and signed, through the others, by one
 * of the installed ManufacturerRootCertificates `roots`.
 */
export async function checkSigningCertificate(
  pem: string,
  roots: readonly string[],
  now: number,
): Promise<Checked<true>> {
  let chain: x509.X509Certificate[];
  try {
    chain = parsePem(pem);
  } catch (err) {
    return { ok: false, reason: err instanceof Error ? err.message : String(err) };
  }
  if (roots.length === 0) {
    return { ok: false, reason: "no ManufacturerRootCertificate is installed" };
  }
  for (const [i, cert] of chain.entries()) {
    const when = validAt(cert, now);
    if (when) return { ok: false, reason: `certificate ${i + 1} of the signing chain is ${when}` };
    const next = chain[i + 1];
    if (next && !(await cert.verify({ publicKey: next, signatureOnly: true }))) {
      return { ok: false, reason: `certificate ${i + 1} is not signed by certificate ${i + 2}` };
    }
  }
  const top = chain[chain.length - 1]!;
  for (const rootPem of roots) {
    const root = parsePem(rootPem)[0]!;
    if (!validAt(root, now) && await top.verify({ publicKey: root, signatureOnly: true })) {
      return { ok: true, value: true };
    }
  }
  return {
    ok: false,
    reason: "the signing certificate does not lead to an installed ManufacturerRootCertificate",
  };
}

/**
 * Verifies `signatureB64` over `image` with the signing certificate's key
 * (L01.FR.04), SHA-256: RSA-PSS (salt of the hash length), RSASSA-PKCS1-v1_5
 * or ECDSA (the signature in DER, as openssl writes it).
 */
export async function checkSignature(
  image: Uint8Array,
  certificatePem: string,
  signatureB64: string,
): Promise<Checked<true>> {
  let sig: Uint8Array;
  try {
    sig = Uint8Array.from(atob(signatureB64.replace(/\s+/g, "")), (c) => c.charCodeAt(0));
  } catch {
    return { ok: false, reason: "the signature is not base64" };
  }
  let cert: x509.X509Certificate;
  try {
    cert = parsePem(certificatePem)[0]!;
  } catch (err) {
    return { ok: false, reason: err instanceof Error ? err.message : String(err) };
  }
  const data = new Uint8Array(image);
  const algorithm = cert.publicKey.algorithm as { name: string; namedCurve?: string };
  const tries: [
    AlgorithmIdentifier | RsaPssParams | EcdsaParams,
    RsaHashedImportParams | EcKeyImportParams,
    Uint8Array,
  ][] = [];
  if (algorithm.name === "ECDSA") {
    const imp = { name: "ECDSA", namedCurve: algorithm.namedCurve ?? "P-256" };
    const raw = ecdsaRaw(sig, imp.namedCurve);
    if (raw) tries.push([{ name: "ECDSA", hash: "SHA-256" }, imp, raw]);
  } else {
    tries.push([{ name: "RSA-PSS", saltLength: 32 }, { name: "RSA-PSS", hash: "SHA-256" }, sig]);
    tries.push([
      { name: "RSASSA-PKCS1-v1_5" },
      { name: "RSASSA-PKCS1-v1_5", hash: "SHA-256" },
      sig,
    ]);
  }
  for (const [alg, imp, s] of tries) {
    try {
      const key = await cert.publicKey.export(imp, ["verify"]);
      if (await crypto.subtle.verify(alg, key, new Uint8Array(s), data)) {
        return { ok: true, value: true };
      }
    } catch { /* not this algorithm */ }
  }
  return { ok: false, reason: "the signature does not match the firmware image" };
}

/** An ECDSA signature from DER (as openssl writes it) to r || s, by the library's formatter. */
function ecdsaRaw(der: Uint8Array, namedCurve: string): Uint8Array | undefined {
  try {
    const alg = { name: "ECDSA", namedCurve, hash: { name: "SHA-256" } } as Algorithm;
    const raw = new x509.AsnEcSignatureFormatter().toWebSignature(alg, new Uint8Array(der));
    return raw ? new Uint8Array(raw) : undefined;
  } catch {
    return undefined;
  }
}
