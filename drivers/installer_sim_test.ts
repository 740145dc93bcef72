import assert from "node:assert/strict";
import { FakeClock } from "../actors/clock.ts";
import { runInstallerConformance } from "./installer_conformance.ts";
import { parseSimImage, simImage, SimInstaller } from "./installer_sim.ts";

runInstallerConformance("SimInstaller", async () => {
  const dir = await Deno.makeTempDir({ prefix: "sim-installer-" });
  const clock = new FakeClock(0);
  const make = () => new SimInstaller({ dir: `${dir}/fw`, factoryVersion: "0.1.0", clock });
  let n = 0;
  const write = async (text: string) => {
    const path = `${dir}/image-${n++}.fwi`;
    await Deno.writeTextFile(path, text);
    return path;
  };
  return {
    driver: make(),
    validImage: (v) => write(simImage(v, "payload bytes")),
    invalidImage: () => write("MZ\u0000 not a firmware image"),
    rebooted: make,
    tick: () => clock.advance(500),
    close: () => Deno.remove(dir, { recursive: true }),
  };
});

Deno.test("parseSimImage() reads the version and says why anything else is invalid", () => {
  assert.deepEqual(parseSimImage(simImage("1.2.0")), { version: "1.2.0" });
  assert.deepEqual(parseSimImage(simImage("1.2.0", "version: 9")), { version: "1.2.0" });
  assert.match((parseSimImage("hello") as { reason: string }).reason, /does not start/);
  assert.match(
    (parseSimImage("OPENWALLBOX-FIRMWARE 1\n") as { reason: string }).reason,
    /no version/,
  );
  assert.match(
    (parseSimImage("OPENWALLBOX-FIRMWARE 1\nversion: a/b\n") as { reason: string }).reason,
    /A-Za-z0-9/,
  );
  assert.match(
    (parseSimImage(`OPENWALLBOX-FIRMWARE 1\nversion: ${"x".repeat(51)}\n`) as { reason: string })
      .reason,
    /1-50/,
  );
});
