/**
 * The README's OCTT compliance table, generated from `octt_cases.ts` and the
 * scenario tests named after the case ids: a case passes when a test whose
 * name starts with its id exists (and is not ignored) and the suite is green.
 *
 * `deno run -A tests/compliance.ts --write` rewrites the table in README.md;
 * `compliance_test.ts` fails when the README and the tests disagree.
 *
 * @module
 */
import { OCTT_CASES } from "./octt_cases.ts";

const BEGIN = "<!-- compliance:begin -->";
const END = "<!-- compliance:end -->";

/** Test names by case id, from the test files under `dir`. */
export async function testsById(
  dir: string,
): Promise<Map<string, { file: string; ignored: boolean }[]>> {
  const found = new Map<string, { file: string; ignored: boolean }[]>();
  for await (const entry of Deno.readDir(dir)) {
    if (!entry.isFile || !entry.name.endsWith("_test.ts")) continue;
    const text = await Deno.readTextFile(`${dir}/${entry.name}`);
    const re = /Deno\.test\(\s*(\{\s*name:\s*)?["'`](TC_\d{3}(?:_\d+)?)[\s"'`:]/g;
    for (const m of text.matchAll(re)) {
      // An object-form test is ignored when `ignore: true` follows its name.
      const ignored = m[1] !== undefined &&
        /^[^}]*ignore:\s*true/.test(
          text.slice(m.index! + m[0].length, m.index! + m[0].length + 400),
        );
      const list = found.get(m[2]!) ?? [];
      list.push({ file: `tests/${entry.name}`, ignored });
      found.set(m[2]!, list);
    }
  }
  return found;
}

/** The markdown table. */
export async function complianceTable(dir: string): Promise<string> {
  const tests = await testsById(dir);
  const lines = ["| Case | Title | Test | Status |", "|---|---|---|---|"];
  let pass = 0;
  for (const c of OCTT_CASES) {
    const list = tests.get(c.id) ?? [];
    const live = list.filter((t) => !t.ignored);
    const files = [...new Set(list.map((t) => `\`${t.file}\``))].join(", ");
    if (live.length) pass++;
    lines.push(
      `| ${c.id} | ${c.title} | ${files || "-"} | ${
        live.length ? "pass" : list.length ? "not yet (test ignored)" : "not yet"
      } |`,
    );
  }
  return `${pass} of ${OCTT_CASES.length} OCTT Charge Point cases pass as scenario tests.\n\n${
    lines.join("\n")
  }`;
}

/** README.md with the table section replaced. */
export function withTable(readme: string, table: string): string {
  const a = readme.indexOf(BEGIN);
  const b = readme.indexOf(END);
  if (a < 0 || b < a) throw new Error(`Cannot find ${BEGIN} ... ${END} in README.md`);
  return `${readme.slice(0, a + BEGIN.length)}\n${table}\n${readme.slice(b)}`;
}

if (import.meta.main) {
  const root = new URL("..", import.meta.url).pathname;
  const table = await complianceTable(`${root}tests`);
  if (Deno.args.includes("--write")) {
    const readme = await Deno.readTextFile(`${root}README.md`);
    await Deno.writeTextFile(`${root}README.md`, withTable(readme, table));
  } else {
    await Deno.stdout.write(new TextEncoder().encode(table + "\n"));
  }
}
