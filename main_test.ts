import assert from "node:assert/strict";
import { parseCommandLine } from "./main.ts";

Deno.test("parseCommandLine() gives the contract's defaults", () => {
  assert.deepEqual(parseCommandLine([]), { dataDir: "./data", hostname: "127.0.0.1", port: 8080 });
});

Deno.test("parseCommandLine() reads --data-dir, --config and --http in both forms", () => {
  assert.deepEqual(
    parseCommandLine(["--data-dir", "/var/lib/cp", "--config=c.json", "--http", "[::1]:9000"]),
    {
      dataDir: "/var/lib/cp",
      config: "c.json",
      hostname: "::1",
      port: 9000,
    },
  );
});

Deno.test("parseCommandLine() rejects unknown arguments, missing values and bad addresses", () => {
  assert.throws(() => parseCommandLine(["--verbose"]), /unknown argument --verbose/);
  assert.throws(() => parseCommandLine(["--config"]), /--config needs a value/);
  assert.throws(() => parseCommandLine(["--http", "8080"]), /expected HOST:PORT/);
  assert.throws(() => parseCommandLine(["--http", "h:99999"]), /expected HOST:PORT/);
});
