/**
 * The effectful side of the log upload actor (GetLog, Security Whitepaper
 * N01): `log.upload` builds the log and uploads it to the location over
 * ftp, http or https (the firmware shell's transfer, with the backend
 * connection's TLS settings), then reports `log.uploaded`; `log.cancel`
 * aborts an upload that runs.
 *
 * - SecurityLog: `security.log`, the security log (one event a line, in
 *   the window of the request), in a gzip tar archive.
 * - DiagnosticsLog: the device log of the window, the archive GetDiagnostics
 *   uploads (`wallbox.log`, `info.json`).
 *
 * Neither holds a secret: events carry no key or password, and the device
 * log is redacted when written.
 *
 * Loaded by `import()` with the first `log.upload` ({@link lazyLogUploads}
 * serves the bus until then), so an idle Charge Point never loads it.
 *
 * @module
 */
import { type Bus, errorText } from "../actors/bus.ts";
import type { LogJob, MessageOf, SecurityEventType } from "../actors/messages.ts";
import type { Storage } from "./storage.ts";
import type { LogUploadParts, LogUploadShell } from "./log_upload_shell.ts";

/** One line of the security log. */
export interface SecurityLogLine {
  readonly at: number;
  readonly event: SecurityEventType;
  readonly techInfo?: string;
}

/** The security log (`cert_store.ts` writes it), oldest first. */
export function securityLog(storage: Storage): SecurityLogLine[] {
  return storage.db.prepare("SELECT at, event, tech_info FROM security_log ORDER BY id").all()
    .map((r) => ({
      at: Number(r.at),
      event: String(r.event) as SecurityEventType,
      ...(r.tech_info !== null ? { techInfo: String(r.tech_info) } : {}),
    }));
}

/** The security log as text, one event a line (`<time> <event> [techInfo]`), in a window. */
export function securityLogText(storage: Storage, oldest?: number, latest?: number): string {
  return securityLog(storage)
    .filter((l) =>
      (oldest === undefined || l.at >= oldest) && (latest === undefined || l.at <= latest)
    )
    .map((l) => `${new Date(l.at).toISOString()} ${l.event}${l.techInfo ? ` ${l.techInfo}` : ""}\n`)
    .join("");
}

/** The log uploads of a bus (the one of the current boot): `log.upload` and `log.cancel`. */
export function logUploads(bus: Bus, parts: LogUploadParts): LogUploadShell {
  const running = new Map<number, AbortController>();
  return (msg) => {
    if (msg.type === "log.cancel") {
      running.get(msg.requestId)?.abort();
      return;
    }
    const m: MessageOf<"log.upload"> = msg;
    {
      const ac = new AbortController();
      running.get(m.job.requestId)?.abort();
      running.set(m.job.requestId, ac);
      upload(m.job, parts, ac.signal).then(
        () => {
          if (!ac.signal.aborted) {
            bus.publish({ type: "log.uploaded", requestId: m.job.requestId, ok: true });
          }
        },
        (err) => {
          if (ac.signal.aborted) return;
          bus.publish({
            type: "log.uploaded",
            requestId: m.job.requestId,
            ok: false,
            reason: errorText(err),
          });
        },
      ).finally(() => {
        if (running.get(m.job.requestId) === ac) running.delete(m.job.requestId);
      });
    }
  };
}

async function upload(job: LogJob, parts: LogUploadParts, signal: AbortSignal): Promise<void> {
  const updates = parts.updates;
  if (!updates) throw new Error("this Charge Point has no file transfer");
  let bytes: Uint8Array;
  if (job.logType === "SecurityLog") {
    const { tarGz } = await import("./tar.ts");
    const text = securityLogText(parts.storage, job.oldest, job.latest);
    bytes = await tarGz([{
      name: "security.log",
      data: new TextEncoder().encode(text),
      mtime: Date.now(),
    }]);
  } else {
    bytes = await updates.archive({
      type: "diag.upload",
      location: job.remoteLocation,
      fileName: job.fileName,
      attempt: 1,
      ...(job.oldest !== undefined ? { startTime: job.oldest } : {}),
      ...(job.latest !== undefined ? { stopTime: job.latest } : {}),
    });
  }
  await updates.upload(job.remoteLocation, job.fileName, bytes, signal);
}
