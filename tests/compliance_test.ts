import assert from "node:assert/strict";
import { caseId, complianceTable, parseJunit, withTable } from "./compliance.ts";
import { OCTT_CASES } from "./octt_cases.ts";

// A report as `deno test --junit-path` writes it (Deno 2.9).
const REPORT = `<?xml version="1.0" encoding="UTF-8"?>
<testsuites name="deno test" tests="7" failures="2" errors="0" time="0.006">
    <testsuite name="./tests/a_test.ts" tests="7" disabled="1" errors="0" failures="2">
        <testcase name="TC_001 boot" classname="./tests/a_test.ts" time="0.000" line="1" col="6">
        </testcase>
        <testcase name="TC_002 pending" classname="./tests/a_test.ts" time="0.000" line="2" col="6">
            <skipped/>
        </testcase>
        <testcase name="TC_003 fails &lt;x&gt;" classname="./tests/a_test.ts" time="0.001" line="3" col="6">
            <failure message="Uncaught Error: x">Error: x
Deno.test(&quot;TC_005_1 in a stack trace&quot;, () =&gt; {});</failure>
        </testcase>
        <testcase name="TC_004_1 steps" classname="./tests/a_test.ts" time="0.001" line="4" col="6">
        </testcase>
        <testcase name="TC_0041 not a case" classname="./tests/a_test.ts" time="0.000" line="5" col="6">
        </testcase>
        <testcase name="TC_004_1 steps &gt; one" classname="./tests/a_test.ts" time="0.000" line="4" col="52">
            <failure message="x">x</failure>
        </testcase>
    </testsuite>
    <testsuite name="./tests/b_test.ts" tests="1" disabled="0" errors="0" failures="0">
        <testcase name="TC_001 boot again" classname="./tests/b_test.ts" time="0.000" line="1" col="6">
        </testcase>
        <testcase name="TC_003 passes here" classname="./tests/b_test.ts" time="0.000" line="2" col="6">
        </testcase>
    </testsuite>
</testsuites>
`;

const row = (table: string, id: string) => table.split("\n").find((l) => l.startsWith(`| ${id} |`));

Deno.test("parseJunit() reads the outcome of each top-level test and leaves steps out", () => {
  assert.deepEqual(parseJunit(REPORT), [
    { name: "TC_001 boot", file: "tests/a_test.ts", outcome: "passed" },
    { name: "TC_002 pending", file: "tests/a_test.ts", outcome: "skipped" },
    { name: "TC_003 fails <x>", file: "tests/a_test.ts", outcome: "failed" },
    { name: "TC_004_1 steps", file: "tests/a_test.ts", outcome: "passed" },
    { name: "TC_0041 not a case", file: "tests/a_test.ts", outcome: "passed" },
    { name: "TC_001 boot again", file: "tests/b_test.ts", outcome: "passed" },
    { name: "TC_003 passes here", file: "tests/b_test.ts", outcome: "passed" },
  ]);
});

Deno.test("caseId() takes the whole id and nothing that only starts like one", () => {
  assert.equal(caseId("TC_004_1 x"), "TC_004_1");
  assert.equal(caseId("TC_004: x"), "TC_004");
  assert.equal(caseId("TC_0041 x"), undefined);
  assert.equal(caseId("x TC_001"), undefined);
});

Deno.test("complianceTable(): pass only for tests that ran and passed; failed, ignored and absent never pass", () => {
  const table = complianceTable(parseJunit(REPORT));
  assert.equal(
    row(table, "TC_001"),
    "| TC_001 | Cold Boot Charge Point | `tests/a_test.ts`, `tests/b_test.ts` | pass |",
  );
  assert.match(row(table, "TC_002")!, /\| `tests\/a_test.ts` \| not yet \(test ignored\) \|$/);
  assert.match(row(table, "TC_003")!, /\| fail \|$/);
  assert.match(row(table, "TC_004_1")!, /\| pass \|$/);
  // Only named in a failure's stack trace: not a test of the run.
  assert.match(row(table, "TC_005_1")!, /\| - \| not yet \|$/);
  assert.match(table, /^2 of 102 OCTT Charge Point cases pass/);
  // A test filtered out of the run is not in the report: nothing passes.
  assert.match(complianceTable([]), /^0 of 102/);
});

Deno.test("withTable() replaces only the generated section", () => {
  const readme = "a\n<!-- compliance:begin -->\nold\n<!-- compliance:end -->\nb\n";
  assert.equal(
    withTable(readme, "new"),
    "a\n<!-- compliance:begin -->\nnew\n<!-- compliance:end -->\nb\n",
  );
  assert.throws(() => withTable("no markers", "x"), /Cannot find/);
});

Deno.test("OCTT case list holds the 102 Charge Point cases once each", () => {
  assert.equal(OCTT_CASES.length, 102);
  assert.equal(new Set(OCTT_CASES.map((c) => c.id)).size, 102);
});
