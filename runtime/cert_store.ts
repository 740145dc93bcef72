/**
 * The certificate store: the part of the security shell that runs from the
 * start. It owns the tables (installed certificates, the security log, the
 * signed update's state), gives the link the installed Central System roots
 * ({@link CertStore.roots}, read at each connect), writes the security log
 * (`store.security_log`, the newest {@link SECURITY_LOG_ROWS}) and the signed
 * update's state (`store.signed_fw`), and drops fallback roots once a
 * connection is accepted (M05.FR.11/12: also those a previous run kept).
 *
 * The jobs (`cert.job`: InstallCertificate, GetInstalledCertificateIds,
 * DeleteCertificate, the CSR, CertificateSigned, firmware signatures) are
 * `cert_service.ts`'s, loaded by `import()` with the first job, so an idle
 * Charge Point never loads that code.
 *
 * @module
 */
import { type Bus, errorText } from "../actors/bus.ts";
import type { CertificateUse, CertJob, CertOutcome } from "../actors/messages.ts";
import type { ConfigStore } from "../config/store.ts";
import type { Storage } from "./storage.ts";
import { failureKind } from "../ocpp/transport.ts";
import type { CertService } from "./cert_service.ts";

const MIGRATION = `
CREATE TABLE installed_certificate (
  id INTEGER PRIMARY KEY, type TEXT NOT NULL, pem TEXT NOT NULL, subject TEXT NOT NULL,
  not_after INTEGER NOT NULL, hashes TEXT NOT NULL, fallback INTEGER NOT NULL DEFAULT 0,
  installed_at INTEGER NOT NULL);
CREATE TABLE security_log (
  id INTEGER PRIMARY KEY, at INTEGER NOT NULL, event TEXT NOT NULL, tech_info TEXT);
`;

const MIGRATION_2 = `
CREATE TABLE signed_firmware (id INTEGER PRIMARY KEY CHECK (id = 1), state TEXT NOT NULL);
`;

/**
 * The notAfter of the Charge Point certificates (A03.FR.02), by file and the
 * SHA-256 of its bytes: written when CertificateSigned installs one (the X.509
 * code is loaded then anyway), so the renewal check never loads it for them.
 */
const MIGRATION_3 = `
CREATE TABLE client_certificate (
  file TEXT PRIMARY KEY, digest TEXT NOT NULL, not_after INTEGER NOT NULL);
`;

/** Rows the security log keeps (a rolling log, A04.FR.04's note). */
export const SECURITY_LOG_ROWS = 10_000;

/** An installed certificate, as stored. */
export interface CertRow {
  readonly id: number;
  readonly type: CertificateUse;
  readonly pem: string;
  readonly hashes: string;
  readonly fallback: number;
}

/** The certificate store of one runtime, across restarts of the actors. */
export class CertStore {
  readonly storage: Storage;
  readonly settings: ConfigStore;
  readonly now: () => number;
  #service: Promise<CertService> | undefined;
  #loaded: CertService | undefined;

  constructor(storage: Storage, settings: ConfigStore, now: () => number) {
    this.storage = storage;
    this.settings = settings;
    this.now = now;
    storage.migrate("security_1", MIGRATION);
    storage.migrate("security_2", MIGRATION_2);
    storage.migrate("security_3", MIGRATION_3);
  }

  /** The installed Central System roots (PEM), trusted for the backend's certificate. */
  roots(): string[] {
    return this.rows("CentralSystemRootCertificate").map((r) => r.pem);
  }

  /** The installed certificates (of one use), oldest first. */
  rows(type?: CertificateUse): CertRow[] {
    const db = this.storage.db;
    const rows = type === undefined
      ? db.prepare("SELECT id, type, pem, hashes, fallback FROM installed_certificate ORDER BY id")
        .all()
      : db.prepare(
        "SELECT id, type, pem, hashes, fallback FROM installed_certificate WHERE type = ? ORDER BY id",
      ).all(type);
    return rows as unknown as CertRow[];
  }

  /** The signed firmware update's stored state (undefined when none). */
  signedFirmware(): unknown {
    const row = this.storage.db.prepare("SELECT state FROM signed_firmware WHERE id = 1").get();
    if (!row) return undefined;
    try {
      return JSON.parse(String(row.state));
    } catch {
      return undefined;
    }
  }

  /**
   * When the Charge Point certificate `file` expires (ms since the epoch):
   * the stored notAfter while the file's bytes are those it was stored for.
   * A certificate without one (put there by the settings or the local API,
   * or by a version before A03) is read once with the X.509 code, which
   * loads it (about +10 MB for the rest of this run; a later run reads the
   * stored value), and stored. Throws when the file cannot be read or parsed.
   */
  async clientNotAfter(file: string): Promise<number> {
    const bytes = await Deno.readFile(file);
    const digest = await sha256Hex(bytes);
    const row = this.storage.db.prepare(
      "SELECT digest, not_after FROM client_certificate WHERE file = ?",
    ).get(file);
    if (row && row.digest === digest) return Number(row.not_after);
    const notAfter = await (await this.#jobs()).notAfterOf(new TextDecoder().decode(bytes));
    this.recordClient(file, digest, notAfter);
    return notAfter;
  }

  /** Stores the notAfter of the Charge Point certificate `file`; other files' rows go. */
  recordClient(file: string, digest: string, notAfter: number): void {
    const db = this.storage.db;
    this.storage.transaction(() => {
      db.prepare("DELETE FROM client_certificate WHERE file <> ?").run(file);
      db.prepare(
        "INSERT INTO client_certificate (file, digest, not_after) VALUES (?, ?, ?) " +
          "ON CONFLICT (file) DO UPDATE SET digest = excluded.digest, not_after = excluded.not_after",
      ).run(file, digest, notAfter);
    });
  }

  /** Whether the jobs' code is loaded (tests). */
  get loaded(): boolean {
    return this.#loaded !== undefined;
  }

  #jobs(): Promise<CertService> {
    return this.#service ??= import("./cert_service.ts").then((m) => {
      this.#loaded = new m.CertService(this);
      return this.#loaded;
    });
  }

  /** Serves a bus (the one of the current boot). */
  attach(bus: Bus): void {
    bus.subscribe("cert.job", (m) => {
      const done = this.#jobs().then(async (service) => ({
        service,
        outcome: await service.run(m.job),
      }));
      done.then(
        ({ service, outcome }) => {
          // The answer leaves before the connection is switched (its close frame follows it).
          bus.publish({ type: "cert.done", ref: m.ref, outcome });
          if (outcome.kind === "signed" && outcome.status === "Accepted") service.switchNow(bus);
        },
        (err) => bus.publish({ type: "cert.done", ref: m.ref, outcome: failed(m.job, err) }),
      );
    });
    bus.subscribe("cert.expiry_check", (m) => {
      this.clientNotAfter(m.file).then(
        (notAfter) => bus.publish({ type: "cert.expiry", file: m.file, notAfter }),
        (err) => bus.publish({ type: "cert.expiry", file: m.file, reason: errorText(err) }),
      );
    });
    bus.subscribe("store.signed_fw", (m) => {
      try {
        this.storage.db.prepare(
          "INSERT INTO signed_firmware (id, state) VALUES (1, ?) ON CONFLICT (id) DO UPDATE SET state = excluded.state",
        ).run(JSON.stringify(m.state));
      } catch (err) {
        bus.publish({
          type: "log",
          level: "error",
          text: `Cannot write the signed firmware update state: ${errorText(err)}`,
        });
      }
    });
    bus.subscribe("store.security_log", (m) => {
      try {
        const db = this.storage.db;
        db.prepare("INSERT INTO security_log (at, event, tech_info) VALUES (?, ?, ?)")
          .run(m.at, m.event, m.techInfo ?? null);
        db.prepare(
          "DELETE FROM security_log WHERE id <= (SELECT max(id) FROM security_log) - ?",
        ).run(SECURITY_LOG_ROWS);
      } catch (err) {
        bus.publish({
          type: "log",
          level: "error",
          text: `Cannot write the security log: ${errorText(err)}`,
        });
      }
    });
    bus.subscribe("backend.state", (m) => {
      if (m.state === "accepted") {
        // A new Charge Point certificate works: the service drops the old pair.
        this.#loaded?.proven(bus);
        this.storage.db.prepare("DELETE FROM installed_certificate WHERE fallback = 1").run();
      } else if (m.state === "backoff" && refused(m.reason ?? "")) this.#loaded?.fallBack(bus);
    });
  }
}

/** The SHA-256 of `bytes`, lower-case hex (WebCrypto: no module to load). */
export async function sha256Hex(bytes: Uint8Array): Promise<string> {
  const hash = new Uint8Array(await crypto.subtle.digest("SHA-256", new Uint8Array(bytes)));
  return [...hash].map((b) => b.toString(16).padStart(2, "0")).join("");
}

/** A handshake failure that says the backend refused this certificate (not the network). */
function refused(reason: string): boolean {
  const kind = failureKind(reason);
  return kind === "tls" || kind === "handshake";
}

/** The outcome of a job that failed for a reason that is not the certificate's. */
export function failed(job: CertJob, err: unknown): CertOutcome {
  const reason = errorText(err);
  switch (job.kind) {
    case "install":
      return { kind: "install", status: "Failed", certificateType: job.certificateType, reason };
    case "list":
      return { kind: "list", hashes: [] };
    case "delete":
      return { kind: "delete", status: "Failed", reason };
    case "csr":
      return { kind: "csr", reason };
    case "signed":
      return { kind: "signed", status: "Rejected", reason };
    case "fw_certificate":
    case "fw_signature":
      return { kind: job.kind, ok: false, reason };
    default:
      return job satisfies never;
  }
}
