import assert from "node:assert/strict";
import { complianceTable, testsById, withTable } from "./compliance.ts";
import { OCTT_CASES } from "./octt_cases.ts";

const root = new URL("..", import.meta.url).pathname;

Deno.test("README compliance table matches the scenario tests (run tests/compliance.ts --write)", async () => {
  const readme = await Deno.readTextFile(`${root}README.md`);
  assert.equal(readme, withTable(readme, await complianceTable(`${root}tests`)));
});

Deno.test("OCTT case list holds the 102 Charge Point cases once each", () => {
  assert.equal(OCTT_CASES.length, 102);
  assert.equal(new Set(OCTT_CASES.map((c) => c.id)).size, 102);
});

Deno.test("testsById() finds string and object form tests, and marks ignored ones", async () => {
  const dir = await Deno.makeTempDir();
  await Deno.writeTextFile(
    `${dir}/a_test.ts`,
    `Deno.test("TC_001 boot", () => {});\nDeno.test({ name: "TC_002 pending", ignore: true, fn() {} });\nDeno.test("not a case", () => {});\n`,
  );
  const found = await testsById(dir);
  assert.deepEqual([...found.keys()].sort(), ["TC_001", "TC_002"]);
  assert.equal(found.get("TC_001")![0]!.ignored, false);
  assert.equal(found.get("TC_002")![0]!.ignored, true);
  await Deno.remove(dir, { recursive: true });
});
