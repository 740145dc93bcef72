/**
 * The certificate service: the certificate jobs of the security actor,
 * loaded by `import()` with the first one (`cert_store.ts`, which owns the
 * tables and runs from the start, serves the bus). It carries out
 * `cert.job` (InstallCertificate, GetInstalledCertificateIds,
 * DeleteCertificate, the CSR, CertificateSigned, the signed firmware's
 * certificate and signature) and returns the `cert.done` outcome.
 *
 * - Installed roots live in the SQLite store (`installed_certificate`),
 *   with their hash data for SHA-256/384/512 computed once at install, so
 *   listing and deleting never load the X.509 library. Central System roots
 *   are trusted for the backend's TLS certificate (`CertStore.roots`,
 *   read by the link at each connect), besides `tlsCaFile`.
 * - InstallCertificate: Rejected when the certificate is invalid (see
 *   `x509.ts`) or the store holds CertificateStoreMaxLength (M05.FR.03/06);
 *   the same certificate again is Accepted without a second copy. With
 *   AdditionalRootCertificateCheck a new Central System root must be signed
 *   by the installed one (M05.FR.09/10); the old one is kept as fallback
 *   until a connection is accepted (M05.FR.11/12).
 * - DeleteCertificate: NotFound for unknown hash data; Failed for the
 *   Central System root the TLS connection depends on (M04.FR.06: the only
 *   trust anchor of a wss:// connection, no tlsCaFile).
 * - The Charge Point key: generated on the device (ECDSA P-256), written to
 *   `<data-dir>/certs/` with mode 0600 and never logged, sent or served
 *   (A02.FR.05). A valid signed certificate is written beside it and
 *   `tlsClientCertFile` / `tlsClientKeyFile` switch to the pair, which
 *   reconnects; the previous pair stays the fallback until a connection with
 *   the new one is accepted (A02.FR.10), and comes back if the new one's
 *   TLS handshake fails.
 *
 * The X.509 work (`x509.ts`, ~30 MB) is loaded by `import()` at the first
 * job that needs it.
 *
 * @module
 */
import type { Bus } from "../actors/bus.ts";
import type {
  CertificateHashData,
  CertificateUse,
  CertJob,
  CertOutcome,
} from "../actors/messages.ts";
import { writeFileAtomicSync } from "../config/atomic_write.ts";
import { type CertRow, type CertStore, sha256Hex } from "./cert_store.ts";
import { serialNumber } from "../actors/connection.ts";

type X509 = typeof import("./x509.ts");

/** A switch to a new Charge Point certificate, waiting for a connection to prove it. */
interface Switch {
  readonly old: { readonly cert: string; readonly key: string };
  readonly fresh: { readonly cert: string; readonly key: string };
}

/** The certificate jobs of one runtime, across restarts of the actors. */
export class CertService {
  readonly #c: CertStore;
  #x509: Promise<X509> | undefined;
  #switch: Switch | undefined;

  constructor(store: CertStore) {
    this.#c = store;
  }

  #lib(): Promise<X509> {
    return this.#x509 ??= import("./x509.ts");
  }

  #now(): number {
    return this.#c.now();
  }

  #rows(type?: CertificateUse): CertRow[] {
    return this.#c.rows(type);
  }

  /** Carries out one job. */
  async run(job: CertJob): Promise<CertOutcome> {
    switch (job.kind) {
      case "install":
        return await this.#install(job.certificateType, job.certificate);
      case "list":
        return {
          kind: "list",
          hashes: this.#rows(job.certificateType).map((r) => sha256Of(r.hashes)),
        };
      case "delete":
        return this.#delete(job.hash);
      case "csr":
        return await this.#csr();
      case "signed":
        return await this.#signed(job.chain);
      case "fw_certificate": {
        const x = await this.#lib();
        const roots = this.#rows("ManufacturerRootCertificate").map((r) => r.pem);
        const checked = await x.checkSigningCertificate(job.certificate, roots, this.#now());
        return checked.ok
          ? { kind: "fw_certificate", ok: true }
          : { kind: "fw_certificate", ok: false, reason: checked.reason };
      }
      case "fw_signature": {
        const x = await this.#lib();
        const image = await Deno.readFile(job.file);
        const checked = await x.checkSignature(image, job.certificate, job.signature);
        return checked.ok
          ? { kind: "fw_signature", ok: true }
          : { kind: "fw_signature", ok: false, reason: checked.reason };
      }
      default:
        return job satisfies never;
    }
  }

  async #install(type: CertificateUse, pem: string): Promise<CertOutcome> {
    const rejected = (reason: string): CertOutcome => ({
      kind: "install",
      status: "Rejected",
      certificateType: type,
      reason,
    });
    const x = await this.#lib();
    const all = this.#rows();
    const checked = await x.checkCaCertificate(pem, this.#now(), all.map((r) => r.pem));
    if (!checked.ok) return rejected(checked.reason);
    const facts = checked.value;
    const digest = sha256Of(JSON.stringify(facts.hashes));
    if (all.some((r) => r.type === type && sameHash(sha256Of(r.hashes), digest))) {
      return { kind: "install", status: "Accepted", certificateType: type };
    }
    const max = this.#c.settings.view.int("CertificateStoreMaxLength");
    if (all.length >= max) return rejected(`the store is full (CertificateStoreMaxLength ${max})`);
    const check = type === "CentralSystemRootCertificate" &&
      this.#c.settings.view.bool("AdditionalRootCertificateCheck");
    const current = this.#rows(type).filter((r) => r.fallback === 0);
    if (check && current.length > 0) {
      if (!(await x.signedBy(facts.pem, current[0]!.pem))) {
        return rejected("not signed by the installed Central System root (M05.FR.10)");
      }
    }
    const db = this.#c.storage.db;
    this.#c.storage.transaction(() => {
      if (check) {
        db.prepare("UPDATE installed_certificate SET fallback = 1 WHERE type = ?").run(type);
      }
      db.prepare(
        "INSERT INTO installed_certificate (type, pem, subject, not_after, hashes, installed_at) VALUES (?, ?, ?, ?, ?, ?)",
      ).run(
        type,
        facts.pem,
        facts.subject,
        facts.notAfter,
        JSON.stringify(facts.hashes),
        this.#now(),
      );
    });
    return { kind: "install", status: "Accepted", certificateType: type };
  }

  #delete(hash: CertificateHashData): CertOutcome {
    const row = this.#rows().find((r) =>
      (JSON.parse(r.hashes) as CertificateHashData[]).some((h) => sameHash(h, hash))
    );
    if (!row) return { kind: "delete", status: "NotFound" };
    if (row.type === "CentralSystemRootCertificate" && this.#inUse(row)) {
      return {
        kind: "delete",
        status: "Failed",
        reason: "it is the Central System root the connection is verified with",
      };
    }
    this.#c.storage.db.prepare("DELETE FROM installed_certificate WHERE id = ?").run(row.id);
    return { kind: "delete", status: "Accepted" };
  }

  /** Whether the TLS connection depends on this root: wss, no tlsCaFile, no other root. */
  #inUse(row: CertRow): boolean {
    const v = this.#c.settings.view;
    const tls = v.int("SecurityProfile") >= 2 || v.str("CentralSystemUrl").startsWith("wss:");
    if (!tls || v.str("TlsCaFile") !== "") return false;
    return this.#rows("CentralSystemRootCertificate").every((r) => r.id === row.id);
  }

  #certDir(): string {
    const dir = this.#c.settings.dataDir;
    if (dir === undefined) throw new Error("no data directory for the Charge Point key");
    const path = `${dir}/certs`;
    Deno.mkdirSync(path, { recursive: true, mode: 0o700 });
    return path;
  }

  async #csr(): Promise<CertOutcome> {
    const v = this.#c.settings.view;
    const x = await this.#lib();
    // A00.FR.511: CN = the serial number; A02.FR.13: O = CpoName.
    const key = await x.generateCsr(serialNumber(v), v.str("CpoName"));
    const dir = this.#certDir();
    writeFileAtomicSync(`${dir}/cp-pending.key`, new TextEncoder().encode(key.keyPem), 0o600);
    writeFileAtomicSync(`${dir}/cp-pending.spki`, new TextEncoder().encode(key.spki), 0o600);
    return { kind: "csr", csr: key.csrPem };
  }

  async #signed(chain: string): Promise<CertOutcome> {
    const rejected = (reason: string): CertOutcome => ({
      kind: "signed",
      status: "Rejected",
      reason,
    });
    const dir = this.#certDir();
    let spki: string;
    try {
      spki = Deno.readTextFileSync(`${dir}/cp-pending.spki`);
    } catch {
      return rejected("no certificate signing request is pending");
    }
    const x = await this.#lib();
    const v = this.#c.settings.view;
    const roots = this.#c.roots();
    const caFile = v.str("TlsCaFile");
    if (caFile !== "") {
      try {
        roots.push(Deno.readTextFileSync(caFile));
      } catch { /* unreadable: the installed roots only */ }
    }
    const checked = await x.checkSignedChain(chain, {
      spki,
      commonName: serialNumber(v),
      now: this.#now(),
      roots,
    });
    if (!checked.ok) return rejected(checked.reason);
    const stamp = this.#now().toString(36);
    const fresh = { cert: `${dir}/cp-${stamp}.pem`, key: `${dir}/cp-${stamp}.key` };
    const bytes = new TextEncoder().encode(checked.value);
    writeFileAtomicSync(fresh.cert, bytes, 0o600);
    // A03.FR.02: its expiry, for the renewal check, which then never loads this code
    // (not stored: the check reads the file once).
    const notAfter = x.parsePem(checked.value)[0]!.notAfter.getTime();
    try {
      this.#c.recordClient(fresh.cert, await sha256Hex(bytes), notAfter);
    } catch { /* the check reads it from the file */ }
    Deno.renameSync(`${dir}/cp-pending.key`, fresh.key);
    Deno.removeSync(`${dir}/cp-pending.spki`);
    this.#switch = {
      old: { cert: v.str("TlsClientCertFile"), key: v.str("TlsClientKeyFile") },
      fresh,
    };
    return { kind: "signed", status: "Accepted" };
  }

  /** The notAfter (ms) of the first certificate of `pem` (the renewal check's, A03.FR.02). */
  async notAfterOf(pem: string): Promise<number> {
    const x = await this.#lib();
    const first = x.parsePem(pem)[0];
    if (!first) throw new Error("the file holds no certificate");
    return first.notAfter.getTime();
  }

  /** Switches to the new pair after its CertificateSigned.conf; the change reconnects. */
  switchNow(bus: Bus): void {
    const s = this.#switch;
    if (!s) return;
    bus.publish({ type: "config.write", key: "TlsClientCertFile", value: s.fresh.cert });
    bus.publish({ type: "config.write", key: "TlsClientKeyFile", value: s.fresh.key });
  }

  /** A connection was accepted: the new certificate works, the old pair goes. */
  proven(bus: Bus): void {
    const s = this.#switch;
    const v = this.#c.settings.view;
    if (s && v.str("TlsClientKeyFile") === s.fresh.key) {
      this.#switch = undefined;
      for (const f of [s.old.cert, s.old.key]) {
        // Only the pairs this service made (cp-*); uploaded files are the installer's.
        if (/\/certs\/cp-[0-9a-z]+\.(pem|key)$/.test(f)) Deno.remove(f).catch(() => {});
      }
      bus.publish({ type: "log", level: "info", text: "The new Charge Point certificate works" });
    }
  }

  /** The new certificate's TLS handshake failed: back to the previous pair. */
  fallBack(bus: Bus): void {
    const s = this.#switch;
    if (!s || this.#c.settings.view.str("TlsClientKeyFile") !== s.fresh.key) return;
    this.#switch = undefined;
    bus.publish({
      type: "log",
      level: "warn",
      text: "The connection with the new Charge Point certificate failed: back to the previous one",
    });
    bus.publish({ type: "config.write", key: "TlsClientCertFile", value: s.old.cert });
    bus.publish({ type: "config.write", key: "TlsClientKeyFile", value: s.old.key });
  }
}

function sha256Of(hashes: string): CertificateHashData {
  const all = JSON.parse(hashes) as CertificateHashData[];
  return all.find((h) => h.hashAlgorithm === "SHA256") ?? all[0]!;
}

/** Hash data match: same algorithm, hex compared without case, serial without leading zeros. */
function sameHash(a: CertificateHashData, b: CertificateHashData): boolean {
  const serial = (s: string) => s.toLowerCase().replace(/^0+(?=.)/, "");
  return a.hashAlgorithm === b.hashAlgorithm &&
    a.issuerNameHash.toLowerCase() === b.issuerNameHash.toLowerCase() &&
    a.issuerKeyHash.toLowerCase() === b.issuerKeyHash.toLowerCase() &&
    serial(a.serialNumber) === serial(b.serialNumber);
}
