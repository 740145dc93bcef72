/**
 * The README's OCTT compliance table, generated from a real test run: the
 * JUnit report of `deno test --junit-path` (`parseJunit`). A case passes when
 * at least one test whose name starts with its id ran in that run and every
 * such test passed; a test that failed marks the case "fail", one that was
 * ignored counts for nothing, and a test filtered out of the run (or only a
 * string in some file) is not in the report at all.
 *
 * - `deno run -A tests/compliance.ts --write` runs the OCTT-named tests
 *   (`deno test -A --parallel --filter '/^TC_\d/' --junit-path ...`) and
 *   rewrites the table in README.md from that run.
 * - `deno run -A tests/compliance.ts --write REPORT.xml` does the same from
 *   an existing report; `--check REPORT.xml` exits 1 when the README table
 *   differs from the report (`.ci/run` does this after the full suite).
 *
 * @module
 */
import { OCTT_CASES } from "./octt_cases.ts";

const BEGIN = "<!-- compliance:begin -->";
const END = "<!-- compliance:end -->";

/** One top-level test of a run, as the JUnit report states it. */
export interface TestResult {
  readonly name: string;
  /** The test file, relative to the project root (`tests/x_test.ts`). */
  readonly file: string;
  readonly outcome: "passed" | "failed" | "skipped";
}

function unescape(s: string): string {
  return s.replace(/&(lt|gt|quot|apos|amp|#(\d+)|#x([0-9a-fA-F]+));/g, (_m, e, d, h) => {
    if (d) return String.fromCodePoint(Number(d));
    if (h) return String.fromCodePoint(parseInt(h, 16));
    return ({ lt: "<", gt: ">", quot: '"', apos: "'", amp: "&" } as Record<string, string>)[e]!;
  });
}

/**
 * The top-level tests of a `deno test --junit-path` report. Test steps
 * (reported as `parent > step`) are left out: a failing step already fails
 * its parent.
 */
export function parseJunit(xml: string): TestResult[] {
  const all: (TestResult & { line: string })[] = [];
  const re = /<testcase\s([^>]*?)(\/>|>([\s\S]*?)<\/testcase>)/g;
  for (const m of xml.matchAll(re)) {
    const attrs = new Map<string, string>();
    for (const a of m[1]!.matchAll(/(\w+)="([^"]*)"/g)) attrs.set(a[1]!, unescape(a[2]!));
    const body = m[3] ?? "";
    const outcome = /<(failure|error)[\s>/]/.test(body)
      ? "failed"
      : /<skipped[\s>/]/.test(body)
      ? "skipped"
      : "passed";
    const file = (attrs.get("classname") ?? "").replace(/^\.\//, "");
    all.push({ name: attrs.get("name") ?? "", file, outcome, line: attrs.get("line") ?? "" });
  }
  const names = new Set(all.map((t) => `${t.file}\0${t.name}`));
  return all
    .filter((t) => {
      // A step is named "<parent> > <step>" and its parent is in the same file.
      for (let i = t.name.indexOf(" > "); i >= 0; i = t.name.indexOf(" > ", i + 1)) {
        if (names.has(`${t.file}\0${t.name.slice(0, i)}`)) return false;
      }
      return true;
    })
    .map(({ name, file, outcome }) => ({ name, file, outcome }));
}

/** The OCTT case id a test name starts with, if any. */
export function caseId(name: string): string | undefined {
  return /^(TC_\d{3}(?:_\d+)?)(?![\d_])/.exec(name)?.[1];
}

/** The markdown table, from the results of one run. */
export function complianceTable(results: readonly TestResult[]): string {
  const byId = new Map<string, TestResult[]>();
  for (const r of results) {
    const id = caseId(r.name);
    if (id) byId.set(id, [...byId.get(id) ?? [], r]);
  }
  const lines = ["| Case | Title | Test | Status |", "|---|---|---|---|"];
  let pass = 0;
  for (const c of OCTT_CASES) {
    const list = byId.get(c.id) ?? [];
    const ran = list.filter((t) => t.outcome !== "skipped");
    const failed = ran.some((t) => t.outcome === "failed");
    const status = failed
      ? "fail"
      : ran.length
      ? "pass"
      : list.length
      ? "not yet (test ignored)"
      : "not yet";
    if (status === "pass") pass++;
    const files = [...new Set((ran.length ? ran : list).map((t) => `\`${t.file}\``))].sort();
    lines.push(`| ${c.id} | ${c.title} | ${files.join(", ") || "-"} | ${status} |`);
  }
  return `${pass} of ${OCTT_CASES.length} OCTT Charge Point cases pass as scenario tests` +
    ` (from a run of the tests; \`deno run -A tests/compliance.ts --write\` regenerates it).\n\n` +
    lines.join("\n");
}

/** README.md with the table section replaced. */
export function withTable(readme: string, table: string): string {
  const a = readme.indexOf(BEGIN);
  const b = readme.indexOf(END);
  if (a < 0 || b < a) throw new Error(`Cannot find ${BEGIN} ... ${END} in README.md`);
  return `${readme.slice(0, a + BEGIN.length)}\n${table}\n${readme.slice(b)}`;
}

/** Runs the OCTT-named tests of the project and returns the JUnit report. */
async function runOcttTests(root: string): Promise<{ xml: string; ok: boolean }> {
  const dir = await Deno.makeTempDir({ prefix: "octt-junit-" });
  try {
    const path = `${dir}/report.xml`;
    const out = await new Deno.Command(Deno.execPath(), {
      args: ["test", "-A", "--parallel", "--filter", "/^TC_\\d/", `--junit-path=${path}`],
      cwd: root,
      stdout: "inherit",
      stderr: "inherit",
    }).output();
    return { xml: await Deno.readTextFile(path), ok: out.success };
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

function say(text: string): void {
  Deno.stderr.writeSync(new TextEncoder().encode(text + "\n"));
}

if (import.meta.main) {
  const root = new URL("..", import.meta.url).pathname;
  const [mode, report] = Deno.args;
  const readmePath = `${root}README.md`;
  const readme = await Deno.readTextFile(readmePath);
  if (mode === "--check" && report) {
    const table = complianceTable(parseJunit(await Deno.readTextFile(report)));
    if (withTable(readme, table) !== readme) {
      say(
        "README.md's OCTT compliance table disagrees with this test run; the run says:\n" + table +
          "\n(regenerate: deno run -A tests/compliance.ts --write)",
      );
      Deno.exit(1);
    }
    say("README.md's OCTT compliance table matches the test run");
  } else if (mode === "--write") {
    const run = report
      ? { xml: await Deno.readTextFile(report), ok: true }
      : await runOcttTests(root);
    const table = complianceTable(parseJunit(run.xml));
    await Deno.writeTextFile(readmePath, withTable(readme, table));
    say(table.split("\n")[0] ?? "");
    if (!run.ok) {
      say("some OCTT tests failed; README.md marks them fail");
      Deno.exit(1);
    }
  } else {
    say(
      "usage: deno run -A tests/compliance.ts --write [REPORT.xml] | --check REPORT.xml",
    );
    Deno.exit(2);
  }
}
