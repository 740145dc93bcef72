/**
 * Helpers of the Firmware Management scenarios: the simulated installer and
 * a device log for each power-on of a durable rig, and waiting for a CALL
 * while the fake clock runs.
 *
 * @module
 */
import type { FakeClock } from "../actors/clock.ts";
import { SimInstaller } from "../drivers/installer_sim.ts";
import { LogFile } from "../runtime/log_file.ts";
import type { UpdatesOptions } from "../runtime/updates.ts";
import { VERSION } from "../runtime/version.ts";
import type { DurableRig } from "./_durability_rig.ts";
import type { Received } from "./csms.ts";

/** The simulated installer (1 s per install on the fake clock) and a device log, per power-on. */
export function updates(
  logs: { file?: LogFile },
  extra: Partial<UpdatesOptions> & { installMs?: number } = {},
): (clock: FakeClock, dataDir: string) => UpdatesOptions {
  return (clock, dataDir) => {
    logs.file ??= new LogFile({ dir: `${dataDir}/logs`, now: () => clock.now() });
    return {
      dataDir,
      installer: new SimInstaller({
        dir: `${dataDir}/fw`,
        factoryVersion: VERSION,
        clock,
        installMs: extra.installMs ?? 1000,
      }),
      logs: logs.file,
      ...(extra.maxDownloadBytes ? { maxDownloadBytes: extra.maxDownloadBytes } : {}),
    };
  };
}

/** Waits for a CALL, advancing the fake clock a second at a time (transfers and installs run meanwhile). */
export async function waitFor(
  rig: DurableRig,
  action: string,
  from: number,
  match: (p: Received["params"]) => boolean = () => true,
): Promise<Received> {
  const find = () =>
    rig.csms.received.find((r) => r.seq >= from && r.action === action && match(r.params));
  const deadline = Date.now() + 15_000;
  while (!find()) {
    if (Date.now() > deadline) {
      throw new Error(
        `no ${action} after #${from}; received ${
          rig.csms.received.slice(from).map((r) =>
            `${r.action}${r.params.status ? `(${r.params.status})` : ""}`
          ).join(", ")
        }`,
      );
    }
    await rig.advance(1000);
    await new Promise((r) => setTimeout(r, 10));
  }
  return find()!;
}

/** The FirmwareStatusNotification statuses from position `from` on. */
export function firmwareStatuses(rig: DurableRig, from: number): string[] {
  return rig.csms.all("FirmwareStatusNotification", from).map((r) => r.params.status);
}

export function diagnosticsStatuses(rig: DurableRig, from: number): string[] {
  return rig.csms.all("DiagnosticsStatusNotification", from).map((r) => r.params.status);
}
