/**
 * The web app's logic that needs no browser, run in Deno: the whitelist CSV
 * (RFC 4180 reading and writing, line numbers of problems, the rows a
 * server error names) and the completeness of the German and English texts.
 *
 * @module
 */
import assert from "node:assert/strict";
import * as csv from "../../api/static/csv.js";
import { reasonText, TEXTS } from "../../api/static/i18n.js";

const { entryOfField, parseCsv, readWhitelistCsv, whitelistCsv } = csv;

Deno.test("csv: parseCsv() reads RFC 4180 records with their line numbers", () => {
  assert.deepEqual(parseCsv('a,"b,c","d ""e"""\r\n"multi\r\nline",x,\r\nlast,,'), {
    records: [
      { line: 1, fields: ["a", "b,c", 'd "e"'] },
      { line: 2, fields: ["multi\r\nline", "x", ""] },
      { line: 4, fields: ["last", "", ""] },
    ],
  });
  assert.deepEqual(parseCsv("a\nb\rc\r\n"), {
    records: [{ line: 1, fields: ["a"] }, { line: 2, fields: ["b"] }, {
      line: 3,
      fields: ["c"],
    }],
  });
  assert.deepEqual(parseCsv('""'), { records: [{ line: 1, fields: [""] }] });
  assert.deepEqual(parseCsv("a;b", ";"), { records: [{ line: 1, fields: ["a", "b"] }] });
  assert.deepEqual(parseCsv('x,"open\n\nstill open'), {
    problem: { line: 1, code: "unterminated" },
  });
  assert.deepEqual(parseCsv('a\n"b"c'), { problem: { line: 2, code: "afterQuote" } });
  // A quote inside an unquoted field is taken as it is.
  assert.deepEqual(parseCsv('ab"c'), { records: [{ line: 1, fields: ['ab"c'] }] });
});

Deno.test("csv: readWhitelistCsv() maps columns by header, skips blank lines, keeps line numbers", () => {
  const text =
    '\uFEFFexpiry;IDTAG;Name\r\n\r\n2030-01-01T00:00:00Z ; CARD-1 ;"Müller; Hans"\r\n;CARD-2;\r\n';
  assert.deepEqual(readWhitelistCsv(text), {
    entries: [
      { idTag: "CARD-1", name: "Müller; Hans", expiry: "2030-01-01T00:00:00Z" },
      { idTag: "CARD-2" },
    ],
    rows: [
      {
        line: 3,
        values: { expiry: "2030-01-01T00:00:00Z ", idTag: " CARD-1 ", name: "Müller; Hans" },
      },
      { line: 4, values: { expiry: "", idTag: "CARD-2", name: "" } },
    ],
  });
  assert.deepEqual(readWhitelistCsv("idTag\nA\n"), {
    entries: [{ idTag: "A" }],
    rows: [{ line: 2, values: { idTag: "A" } }],
  });
  assert.deepEqual(readWhitelistCsv("idTag,name,expiry\r\n"), { entries: [], rows: [] });
});

Deno.test("csv: readWhitelistCsv() names the first problem and its line", () => {
  const cases: [string, unknown][] = [
    ["", { line: 1, code: "noHeader" }],
    ["\n\n", { line: 1, code: "noHeader" }],
    ["name,expiry\nAnna,\n", { line: 1, code: "noHeader" }],
    ["CARD-1,Anna,\n", { line: 1, code: "column", params: { name: "CARD-1" } }],
    ["idTag,name,idtag\n", { line: 1, code: "twice", params: { name: "idTag" } }],
    ["idTag,name\nA,B\nC\n", { line: 3, code: "count", params: { n: 1, m: 2 } }],
    ['idTag,name\nA,"B\nB"\nC,D,E\n', { line: 4, code: "count", params: { n: 3, m: 2 } }],
    ['idTag,name\nA,"B\n', { line: 2, code: "unterminated" }],
  ];
  for (const [text, problem] of cases) {
    assert.deepEqual(readWhitelistCsv(text), { problem }, JSON.stringify(text));
  }
});

Deno.test("csv: whitelistCsv() quotes only what needs it, ends lines with CRLF, and reads back the same", () => {
  const entries = [
    { idTag: "CARD-1", name: "Anna", expiry: "2030-12-31T23:59:59.000Z" },
    { idTag: 'Q"1', name: 'Say "hi", Bob' },
    { idTag: "CARD-3", name: "two\nlines" },
    { idTag: "CARD,4" },
  ];
  const text = whitelistCsv(entries);
  assert.equal(
    text,
    "idTag,name,expiry\r\n" +
      "CARD-1,Anna,2030-12-31T23:59:59.000Z\r\n" +
      '"Q""1","Say ""hi"", Bob",\r\n' +
      'CARD-3,"two\nlines",\r\n' +
      '"CARD,4",,\r\n',
  );
  const back = readWhitelistCsv(text);
  assert.ok("entries" in back);
  assert.deepEqual(back.entries, entries);
  assert.deepEqual(back.rows.map((r: { line: number }) => r.line), [2, 3, 4, 6]);
  assert.equal(whitelistCsv([]), "idTag,name,expiry\r\n");
});

Deno.test("csv: random lists survive writing and reading", () => {
  const chars = ' abcXYZ019,;"\r\n-äß';
  let seed = 7;
  const rand = (n: number) => (seed = (seed * 1103515245 + 12345) % 2147483648) % n;
  const word = (min: number) =>
    Array.from({ length: min + rand(8) }, () => chars[rand(chars.length)]).join("");
  for (let round = 0; round < 200; round++) {
    const entries = Array.from({ length: rand(5) }, (_, i) => {
      const name = word(0);
      return {
        idTag: `ID${i}${word(0).replace(/\s/g, "x")}`,
        ...(name !== "" ? { name } : {}),
        ...(rand(2) ? { expiry: "2031-02-03T04:05:06.000Z" } : {}),
      };
    });
    const back = readWhitelistCsv(whitelistCsv(entries));
    assert.ok("entries" in back, JSON.stringify(entries));
    assert.deepEqual(back.entries, entries);
  }
});

Deno.test("csv: entryOfField() finds the entry of a server field error", () => {
  assert.deepEqual(entryOfField("entries[3].idTag"), { index: 3, column: "idTag" });
  assert.deepEqual(entryOfField("entries[12]"), { index: 12, column: "" });
  assert.equal(entryOfField("entries"), null);
  assert.equal(entryOfField("idTag"), null);
});

Deno.test("texts: German and English have the same keys, and every key the page uses", async () => {
  assert.deepEqual(Object.keys(TEXTS.de).sort(), Object.keys(TEXTS.en).sort());
  const dir = new URL("../../api/static/", import.meta.url);
  const used = new Set<string>();
  for await (const entry of Deno.readDir(dir)) {
    const text = await Deno.readTextFile(new URL(entry.name, dir));
    for (const m of text.matchAll(/data-t(?:-aria-label)?="([^"]+)"/g)) used.add(m[1]!);
    for (const m of text.matchAll(/\bt\("([^"]+)"/g)) used.add(m[1]!);
  }
  assert.ok(used.size > 100, `${used.size} keys found`);
  for (const key of used) {
    assert.ok(key in TEXTS.de, `German text ${key} is missing`);
    assert.ok(key in TEXTS.en, `English text ${key} is missing`);
  }
});

Deno.test("texts: the whitelist's reasons are German on the German page", () => {
  for (
    const reason of [
      "must be 1-20 printable ASCII characters, without leading or trailing spaces",
      "must be an ISO 8601 date-time with time zone of a day that exists, e.g. 2030-12-31T23:59:59Z",
      "appears twice (idTags are case-insensitive)",
      "must not contain control characters",
      "must be at most 50 characters",
      "must have at most 10000 entries",
      "is not a known field",
    ]
  ) {
    const de = reasonText(reason, "de");
    assert.notEqual(de, reason);
    assert.equal(reasonText(reason, "en"), reason);
  }
});
