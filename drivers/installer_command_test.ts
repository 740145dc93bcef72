import assert from "node:assert/strict";
import { runInstallerConformance } from "./installer_conformance.ts";
import { CommandInstaller, EXIT_REBOOT_PROCESS } from "./installer_command.ts";

/**
 * A stand-in for `rauc install {file}`: accepts a file whose first line is
 * `IMAGE <version>`, takes a moment, then writes the version the new slot
 * would boot; anything else exits 1 with a message on stderr.
 */
const SCRIPT = `#!/bin/sh
set -e
head -n1 "$1" | grep -q '^IMAGE ' || { echo "not an image: $1" >&2; exit 1; }
sleep 0.2
v=$(head -n1 "$1" | cut -d' ' -f2)
[ "$v" = "process" ] && exit ${EXIT_REBOOT_PROCESS}
echo "$v" > "$VERSION_FILE.tmp" && mv "$VERSION_FILE.tmp" "$VERSION_FILE"
`;

async function harness(dir: string) {
  const script = `${dir}/install.sh`;
  await Deno.writeTextFile(script, SCRIPT.replaceAll("$VERSION_FILE", `${dir}/sw-version`));
  await Deno.chmod(script, 0o755);
  const make = () =>
    new CommandInstaller({
      command: `${script} {file}`,
      versionFile: `${dir}/sw-version`,
      fallbackVersion: "0.1.0",
    });
  let n = 0;
  const write = async (text: string) => {
    const path = `${dir}/image-${n++}.bin`;
    await Deno.writeTextFile(path, text);
    return path;
  };
  return { make, write };
}

runInstallerConformance("CommandInstaller", async () => {
  const dir = await Deno.makeTempDir({ prefix: "cmd-installer-" });
  const { make, write } = await harness(dir);
  return {
    driver: make(),
    validImage: (v) => write(`IMAGE ${v}\n`),
    invalidImage: () => write("garbage\n"),
    rebooted: make,
    close: () => Deno.remove(dir, { recursive: true }),
  };
});

Deno.test("CommandInstaller maps exit status 10 to a process restart and others to a reason", async () => {
  const dir = await Deno.makeTempDir({ prefix: "cmd-installer-" });
  try {
    const { make, write } = await harness(dir);
    assert.deepEqual(await make().install(await write("IMAGE process\n")), {
      ok: true,
      reboot: "process",
    });
    const bad = await make().install(await write("nope\n"));
    assert.equal(bad.ok, false);
    if (!bad.ok) assert.match(bad.reason, /exited with status 1: not an image/);
    const missing = new CommandInstaller({
      command: "/nonexistent/rauc install {file}",
      versionFile: `${dir}/v`,
      fallbackVersion: "0.1.0",
    });
    const r = await missing.install(await write("IMAGE 1\n"));
    assert.equal(r.ok, false);
    if (!r.ok) assert.match(r.reason, /cannot run the installer \/nonexistent\/rauc/);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
