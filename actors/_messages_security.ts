/**
 * Messages of the Security Whitepaper extensions (`sec.*`, `cert.*`): security
 * events, and the certificate jobs the security actor hands to the shell's
 * certificate service (`runtime/cert_service.ts`), which does the crypto
 * and the files and answers each job with `cert.done`.
 *
 * Private to `messages.ts`, which joins them into `BusMessage`.
 *
 * @module
 */

/** The security events of whitepaper chapter 8. */
export type SecurityEventType =
  | "FirmwareUpdated"
  | "FailedToAuthenticateAtCentralSystem"
  | "CentralSystemFailedToAuthenticate"
  | "SettingSystemTime"
  | "StartupOfTheDevice"
  | "ResetOrReboot"
  | "SecurityLogWasCleared"
  | "ReconfigurationOfSecurityParameters"
  | "MemoryExhaustion"
  | "InvalidMessages"
  | "AttemptedReplayAttacks"
  | "TamperDetectionActivated"
  | "InvalidFirmwareSignature"
  | "InvalidFirmwareSigningCertificate"
  | "InvalidCentralSystemCertificate"
  | "InvalidChargePointCertificate"
  | "InvalidTLSVersion"
  | "InvalidTLSCipherSuite";

/** CertificateUseEnumType (whitepaper 6.4). */
export type CertificateUse = "CentralSystemRootCertificate" | "ManufacturerRootCertificate";

/** CertificateHashDataType (whitepaper 6.1). */
export interface CertificateHashData {
  readonly hashAlgorithm: "SHA256" | "SHA384" | "SHA512";
  readonly issuerNameHash: string;
  readonly issuerKeyHash: string;
  readonly serialNumber: string;
}

/** A job for the certificate service. */
export type CertJob =
  | {
    readonly kind: "install";
    readonly certificateType: CertificateUse;
    readonly certificate: string;
  }
  | { readonly kind: "list"; readonly certificateType: CertificateUse }
  | { readonly kind: "delete"; readonly hash: CertificateHashData }
  /** A new key pair and a CSR for the Charge Point certificate (A02.FR.02/03). */
  | { readonly kind: "csr" }
  /** CertificateSigned.req's chain, for the key of the last CSR. */
  | { readonly kind: "signed"; readonly chain: string }
  /** A firmware signing certificate: must lead to an installed ManufacturerRootCertificate (L01.FR.23). */
  | { readonly kind: "fw_certificate"; readonly certificate: string }
  /** The signature (base64) of the downloaded image `file` by the signing certificate (L01.FR.04). */
  | {
    readonly kind: "fw_signature";
    readonly file: string;
    readonly certificate: string;
    readonly signature: string;
  };

/** The outcome of a job; `reason` says why it is not Accepted. */
export type CertOutcome =
  | {
    readonly kind: "install";
    readonly status: "Accepted" | "Rejected" | "Failed";
    readonly certificateType: CertificateUse;
    readonly reason?: string;
  }
  | { readonly kind: "list"; readonly hashes: readonly CertificateHashData[] }
  | {
    readonly kind: "delete";
    readonly status: "Accepted" | "Failed" | "NotFound";
    readonly reason?: string;
  }
  | { readonly kind: "csr"; readonly csr?: string; readonly reason?: string }
  | {
    readonly kind: "signed";
    readonly status: "Accepted" | "Rejected";
    readonly reason?: string;
  }
  | { readonly kind: "fw_certificate"; readonly ok: boolean; readonly reason?: string }
  | { readonly kind: "fw_signature"; readonly ok: boolean; readonly reason?: string };

/** What a GetLog upload sends (whitepaper 5.9). */
export interface LogJob {
  readonly requestId: number;
  readonly logType: "DiagnosticsLog" | "SecurityLog";
  readonly remoteLocation: string;
  readonly fileName: string;
  /** Only entries in this window, ms since the epoch, when given. */
  readonly oldest?: number;
  readonly latest?: number;
}

/** Security events, certificate jobs and log uploads. */
export type SecurityMessage =
  /** Upload a log (the shell's `log_upload` service); its `log.uploaded` follows. */
  | { readonly type: "log.upload"; readonly job: LogJob }
  /** Stop the upload of this request (a new GetLog replaced it). */
  | { readonly type: "log.cancel"; readonly requestId: number }
  | {
    readonly type: "log.uploaded";
    readonly requestId: number;
    readonly ok: boolean;
    readonly reason?: string;
  }
  /** ExtendedTriggerMessage LogStatusNotification: the log actor reports where it is. */
  | { readonly type: "log.status_requested" }
  /** ExtendedTriggerMessage FirmwareStatusNotification: the signed firmware actor reports. */
  | { readonly type: "sfw.status_requested" }
  /** The signed firmware actor's durable state changed (written before its effects). */
  | { readonly type: "store.signed_fw"; readonly state: unknown }
  /** A security event happened: written to the security log, critical ones sent. */
  | {
    readonly type: "sec.event";
    readonly event: SecurityEventType;
    /** Additional information (techInfo, at most 255 characters); never a secret. */
    readonly techInfo?: string;
  }
  /** A certificate job; `ref` comes back in its `cert.done`. */
  | { readonly type: "cert.job"; readonly ref: string; readonly job: CertJob }
  | { readonly type: "cert.done"; readonly ref: string; readonly outcome: CertOutcome }
  /** When does the Charge Point certificate `file` expire? The certificate store answers `cert.expiry`. */
  | { readonly type: "cert.expiry_check"; readonly file: string }
  /** The Charge Point certificate `file` expires at `notAfter` (ms); `reason` when unknown. */
  | {
    readonly type: "cert.expiry";
    readonly file: string;
    readonly notAfter?: number;
    readonly reason?: string;
  }
  /** One line of the security log (A04.FR.04), written by the shell. */
  | {
    readonly type: "store.security_log";
    readonly at: number;
    readonly event: SecurityEventType;
    readonly techInfo?: string;
  };
