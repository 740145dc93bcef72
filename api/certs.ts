/**
 * Certificate upload for the "OCPP SSL mode as client" settings: the CA
 * certificate(s) the backend's server certificate is verified against, and
 * the client certificate and key of security profile 3.
 *
 * `POST /api/certs/:kind` (kind `ca`, `client-cert` or `client-key`), body:
 * the PEM text (at most {@linkcode CERT_MAX_BYTES}). The body is checked to
 * be PEM of the right type (RFC 7468: `CERTIFICATE` blocks for `ca` and
 * `client-cert`; exactly one unencrypted `PRIVATE KEY`, `RSA PRIVATE KEY` or
 * `EC PRIVATE KEY` block for `client-key`), each block's base64 decoding to
 * one whole DER structure. Text outside the blocks is dropped; the blocks
 * are written, re-wrapped, to `<data-dir>/certs/<kind>.pem` (directory mode
 * 0700, file mode 0600, written atomically), and the setting
 * (`tlsCaFile`, `tlsClientCertFile`, `tlsClientKeyFile`) is set to that
 * absolute path, which reconnects when it changed.
 *
 * Answers 200 `{ kind, setting, path, blocks }`; invalid input 400
 * `{ error, code }` with `code` one of {@linkcode CertErrorCode}. No answer
 * and no log line ever contains the uploaded text.
 *
 * @module
 */
import { writeFileAtomicSync } from "../config/atomic_write.ts";

/** Largest accepted upload, bytes (the API's general body limit). */
export const CERT_MAX_BYTES = 64 * 1024;

/** What may be uploaded, with the setting each one sets. */
export const CERT_KINDS = {
  ca: "tlsCaFile",
  "client-cert": "tlsClientCertFile",
  "client-key": "tlsClientKeyFile",
} as const;

/** A kind of upload: `ca`, `client-cert` or `client-key`. */
export type CertKind = keyof typeof CERT_KINDS;

/** Why an upload was refused (the page shows a text per code). */
export type CertErrorCode =
  | "empty"
  | "not_pem"
  | "bad_base64"
  | "wrong_type"
  | "encrypted"
  | "too_many";

/** The outcome of {@linkcode checkPem}. */
export type PemCheck =
  | { readonly ok: true; readonly pem: string; readonly blocks: number }
  | { readonly ok: false; readonly code: CertErrorCode; readonly error: string };

const KEY_LABELS: ReadonlySet<string> = new Set([
  "PRIVATE KEY",
  "RSA PRIVATE KEY",
  "EC PRIVATE KEY",
]);

/** Most certificates in one upload (a CA bundle or a chain). */
const MAX_BLOCKS = 64;

/** Whether a string names an upload kind. */
export function isCertKind(kind: string): kind is CertKind {
  return Object.hasOwn(CERT_KINDS, kind);
}

/**
 * Checks that `text` is PEM of the kind and returns its blocks, re-wrapped.
 * The reasons never quote the text.
 *
 * @example A certificate is not a key
 * ```ts
 * import { checkPem } from "./certs.ts";
 * const r = checkPem("client-key", "-----BEGIN CERTIFICATE-----\nMAA=\n-----END CERTIFICATE-----\n");
 * r.ok; // false (code "wrong_type")
 * ```
 */
export function checkPem(kind: CertKind, text: string): PemCheck {
  const bad = (code: CertErrorCode, error: string): PemCheck => ({ ok: false, code, error });
  if (text.trim() === "") return bad("empty", "The file is empty");
  const blocks: { label: string; der: Uint8Array; headers: string }[] = [];
  const re = /-----BEGIN ([A-Z0-9 ]{1,40})-----([\s\S]*?)-----END ([A-Z0-9 ]{1,40})-----/g;
  for (const m of text.matchAll(re)) {
    if (m[1] !== m[3]) return bad("not_pem", "A PEM block ends with another label than it begins");
    // RFC 1421 headers (e.g. "Proc-Type: 4,ENCRYPTED") precede the base64 after a blank line.
    const body = m[2]!;
    const split = /^\s*((?:[A-Za-z-]+:[^\n]*\n)+)\s*\n([\s\S]*)$/.exec(body);
    const headers = split?.[1] ?? "";
    const b64 = (split?.[2] ?? body).replace(/\s+/g, "");
    const der = decodeBase64(b64);
    if (!der || !wholeDer(der)) {
      return bad("bad_base64", `A ${m[1]} block is not valid base64 of one DER structure`);
    }
    blocks.push({ label: m[1]!, der, headers });
    if (blocks.length > MAX_BLOCKS) {
      return bad("too_many", `The file has more than ${MAX_BLOCKS} PEM blocks`);
    }
  }
  const begins = text.split("-----BEGIN ").length - 1;
  if (blocks.length === 0 || begins !== blocks.length) {
    return bad("not_pem", "The file is not PEM text (-----BEGIN ...----- / -----END ...-----)");
  }
  if (kind === "client-key") {
    const [key] = blocks;
    if (
      blocks.length === 1 && key &&
      (key.label === "ENCRYPTED PRIVATE KEY" || /ENCRYPTED/i.test(key.headers))
    ) {
      return bad("encrypted", "The private key is encrypted: upload it without a passphrase");
    }
    if (blocks.length !== 1 || !key || !KEY_LABELS.has(key.label) || key.headers !== "") {
      return bad("wrong_type", "Expected exactly one PRIVATE KEY block and nothing else");
    }
  } else if (blocks.some((b) => b.label !== "CERTIFICATE")) {
    return bad("wrong_type", "Expected CERTIFICATE blocks only");
  }
  const pem = blocks.map((b) => encodePem(b.label, b.der)).join("");
  return { ok: true, pem, blocks: blocks.length };
}

/**
 * Writes a checked PEM to `<dataDir>/certs/<kind>.pem` (mode 0600, temp
 * file, fsync, rename, directory synced).
 *
 * @returns the file's absolute path.
 */
export async function saveCert(dataDir: string, kind: CertKind, pem: string): Promise<string> {
  const dir = `${dataDir.replace(/\/+$/, "") || "/"}/certs`;
  await Deno.mkdir(dir, { recursive: true, mode: 0o700 });
  const abs = await Deno.realPath(dir);
  const path = `${abs}/${kind}.pem`;
  writeFileAtomicSync(path, new TextEncoder().encode(pem), 0o600);
  return path;
}

function decodeBase64(b64: string): Uint8Array | undefined {
  if (b64 === "" || !/^[A-Za-z0-9+/]+={0,2}$/.test(b64) || b64.length % 4 !== 0) return undefined;
  try {
    const bin = atob(b64);
    const out = new Uint8Array(bin.length);
    for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
    return out;
  } catch {
    return undefined;
  }
}

/** Whether the bytes are exactly one DER SEQUENCE (tag and length cover them all). */
function wholeDer(der: Uint8Array): boolean {
  if (der.length < 2 || der[0] !== 0x30) return false;
  const first = der[1]!;
  let length = first;
  let header = 2;
  if (first & 0x80) {
    const n = first & 0x7f;
    if (n < 1 || n > 3 || der.length < 2 + n) return false;
    length = 0;
    for (let i = 0; i < n; i++) length = length * 256 + der[2 + i]!;
    header = 2 + n;
  }
  return header + length === der.length;
}

function encodePem(label: string, der: Uint8Array): string {
  let bin = "";
  for (const b of der) bin += String.fromCharCode(b);
  const lines = btoa(bin).match(/.{1,64}/g) ?? [];
  return `-----BEGIN ${label}-----\n${lines.join("\n")}\n-----END ${label}-----\n`;
}
