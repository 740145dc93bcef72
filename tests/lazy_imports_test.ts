/**
 * Idle memory: the code of a feature that is not in use is never loaded.
 * Every module named in {@link LAZY} must be reached from `main.ts` only
 * through a dynamic `import()`, never by the static imports the process
 * loads at start (`deno info --json`, type-only imports excluded).
 */
import assert from "node:assert/strict";

/** Modules loaded only when their feature is first used, and why. */
const LAZY: Record<string, string> = {
  "api/api.ts": "the local API and web app: at the first HTTP request",
  "runtime/real_hardware.ts": "the Modbus/evdev drivers: only when configured",
  "drivers/installer_command.ts": "the command installer: only when configured",
  "runtime/x509.ts": "X.509 and PKCS#10: at the first certificate operation",
  "runtime/transfer.ts": "HTTP/FTP transfers: while a download or upload runs",
  "runtime/tar.ts": "the tar writer: while logs are collected",
  "ocpp/dial_node.ts": "the node:net dialer: only for what Deno's sockets cannot do",
  "actors/firmware.ts": "the firmware actor's full logic: at UpdateFirmware or a stored update",
  "actors/diagnostics.ts":
    "the diagnostics actor's full logic: at GetDiagnostics or a stored upload",
  "runtime/update_work.ts": "firmware transfers, installs, log archives: at the first one",
  "actors/_status_outbox.ts": "the status outbox of the firmware and diagnostics actors",
  "actors/smart_charging.ts": "smart charging: at the first profile (or at start if stored)",
  "actors/composite_schedule.ts": "the composite schedule: with smart charging",
  "actors/_sc_limits.ts": "the limits of the profiles: with smart charging",
  "actors/_sc_profiles.ts": "the installed profiles: with smart charging",
  "actors/security.ts": "the certificate messages: at the first one (the gate runs the events)",
  "runtime/cert_service.ts": "the certificate jobs: at the first cert.job",
  "actors/signed_firmware.ts": "SignedUpdateFirmware: at the first one, or a stored update at boot",
  "actors/log_upload.ts": "GetLog: at the first one",
  "runtime/log_upload.ts": "the log uploads: at the first log.upload",
};

interface Dependency {
  readonly specifier: string;
  readonly code?: { readonly specifier: string };
  readonly isDynamic?: boolean;
}
interface ModuleInfo {
  readonly specifier: string;
  readonly dependencies?: readonly Dependency[];
}

const root = new URL("../", import.meta.url);

async function graph(): Promise<Map<string, readonly Dependency[]>> {
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["info", "--json", "main.ts"],
    cwd: root,
    stdout: "piped",
    stderr: "piped",
  }).output();
  assert.ok(out.success, new TextDecoder().decode(out.stderr));
  const info = JSON.parse(new TextDecoder().decode(out.stdout)) as { modules: ModuleInfo[] };
  return new Map(info.modules.map((m) => [m.specifier, m.dependencies ?? []]));
}

/** The modules reached from `start` by static code imports (or by any code import). */
function reach(
  g: Map<string, readonly Dependency[]>,
  start: string,
  dynamic: boolean,
): Set<string> {
  const seen = new Set<string>([start]);
  const todo = [start];
  while (todo.length > 0) {
    for (const d of g.get(todo.pop()!) ?? []) {
      const next = d.code?.specifier;
      if (next === undefined || (d.isDynamic && !dynamic) || seen.has(next)) continue;
      seen.add(next);
      todo.push(next);
    }
  }
  return seen;
}

Deno.test("feature code is loaded only by import() when first used, never at start", async () => {
  const g = await graph();
  const main = new URL("main.ts", root).href;
  const atStart = reach(g, main, false);
  const all = reach(g, main, true);
  for (const [path, why] of Object.entries(LAZY)) {
    const url = new URL(path, root).href;
    assert.ok(all.has(url), `${path} is not in main.ts's module graph at all (renamed?)`);
    assert.ok(!atStart.has(url), `${path} is imported statically from main.ts (${why})`);
  }
});
