/**
 * Serves GetLog's `log.upload` and `log.cancel` from the start while the
 * upload code (`log_upload.ts`) is loaded by `import()` only with the first
 * upload; messages that come while it loads are handed over in order.
 *
 * @module
 */
import { type Bus, errorText } from "../actors/bus.ts";
import type { MessageOf } from "../actors/messages.ts";
import type { Storage } from "./storage.ts";
import type { Updates } from "./updates.ts";

/** What the uploads need: the store (the security log) and the firmware shell's transfers (absent: none). */
export interface LogUploadParts {
  readonly storage: Storage;
  readonly updates: Updates | undefined;
}

/** Handles one `log.upload` or `log.cancel`. */
export type LogUploadShell = (m: MessageOf<"log.upload"> | MessageOf<"log.cancel">) => void;

/** Serves the log uploads of a bus (the one of the current boot), loading their code on first use. */
export function lazyLogUploads(bus: Bus, parts: LogUploadParts): void {
  let shell: Promise<LogUploadShell> | undefined;
  const hand = (m: MessageOf<"log.upload"> | MessageOf<"log.cancel">) => {
    // Nothing to cancel before the first upload.
    if (shell === undefined && m.type === "log.cancel") return;
    shell ??= import("./log_upload.ts").then((u) => u.logUploads(bus, parts));
    shell.then((run) => run(m), (err) => {
      if (m.type !== "log.upload") return;
      bus.publish({
        type: "log.uploaded",
        requestId: m.job.requestId,
        ok: false,
        reason: `cannot load the upload code: ${errorText(err)}`,
      });
    });
  };
  bus.subscribe("log.upload", hand);
  bus.subscribe("log.cancel", hand);
}
