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
 * @module
 */
import { type Bus, errorText } from "../actors/bus.ts";
import type { LogJob } from "../actors/messages.ts";
import type { CertService } from "./cert_service.ts";
import type { Updates } from "./updates.ts";

/** What the uploads need: the security log and the firmware shell's transfers (absent: none). */
export interface LogUploadParts {
  readonly certs: CertService;
  readonly updates: Updates | undefined;
}

/** Serves the log uploads of a bus (the one of the current boot); returns the function that stops them. */
export function attachLogUploads(bus: Bus, parts: LogUploadParts): () => void {
  const running = new Map<number, AbortController>();
  const offs = [
    bus.subscribe("log.upload", (m) => {
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
    }),
    bus.subscribe("log.cancel", (m) => running.get(m.requestId)?.abort()),
  ];
  return () => {
    for (const off of offs) off();
    for (const ac of running.values()) ac.abort();
    running.clear();
  };
}

async function upload(job: LogJob, parts: LogUploadParts, signal: AbortSignal): Promise<void> {
  const updates = parts.updates;
  if (!updates) throw new Error("this Charge Point has no file transfer");
  let bytes: Uint8Array;
  if (job.logType === "SecurityLog") {
    const { tarGz } = await import("./tar.ts");
    const text = parts.certs.securityLogText(job.oldest, job.latest);
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
