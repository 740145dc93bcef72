/**
 * The whitelist as CSV (RFC 4180): a header row `idTag,name,expiry`, one
 * record per entry, fields in double quotes when they hold a comma, a
 * double quote (doubled) or a line break, records ended by CRLF. Reading
 * also takes LF or CR line ends, a UTF-8 byte order mark, the columns in
 * any order (names case-insensitive; `name` and `expiry` may be missing)
 * and `;` as separator when the header has no comma (spreadsheets in
 * German save so). No DOM: the tests run it in Deno.
 *
 * @module
 */

/** The columns, in the order they are written. */
export const COLUMNS = ["idTag", "name", "expiry"];

/**
 * One problem of a CSV file: `code` names a text of the page (`csv.<code>`),
 * `line` the line of the file it is on.
 *
 * @typedef {{ line: number, code: string, params?: Record<string, string | number> }} CsvProblem
 */

/**
 * The records of CSV text.
 *
 * @param {string} text
 * @param {string} sep The field separator.
 * @returns {{ records: { line: number, fields: string[] }[] } | { problem: CsvProblem }}
 *   each record with the line it starts on; or the first problem.
 */
export function parseCsv(text, sep = ",") {
  /** @type {{ line: number, fields: string[] }[]} */
  const records = [];
  /** @type {string[]} */
  let fields = [];
  let field = "";
  let atStart = true; // at the start of a field
  let line = 1;
  let recordLine = 1;
  let i = 0;
  const endRecord = () => {
    fields.push(field);
    records.push({ line: recordLine, fields });
    fields = [];
    field = "";
    atStart = true;
  };
  while (i < text.length) {
    const ch = text[i];
    if (atStart && ch === '"') {
      const opened = line;
      i++;
      for (;;) {
        if (i >= text.length) return { problem: { line: opened, code: "unterminated" } };
        const c = text[i];
        if (c === '"') {
          if (text[i + 1] === '"') {
            field += '"';
            i += 2;
            continue;
          }
          i++;
          break;
        }
        if (c === "\n" || (c === "\r" && text[i + 1] !== "\n")) line++;
        field += c;
        i++;
      }
      const next = text[i];
      if (next !== undefined && next !== sep && next !== "\n" && next !== "\r") {
        return { problem: { line, code: "afterQuote" } };
      }
      atStart = false;
      continue;
    }
    atStart = false;
    if (ch === sep) {
      fields.push(field);
      field = "";
      atStart = true;
      i++;
    } else if (ch === "\n" || ch === "\r") {
      i += ch === "\r" && text[i + 1] === "\n" ? 2 : 1;
      endRecord();
      line++;
      recordLine = line;
    } else {
      field += ch;
      i++;
    }
  }
  if (!atStart || fields.length > 0 || field !== "") endRecord();
  return { records };
}

/**
 * Reads a whitelist CSV file.
 *
 * @param {string} text The file's text.
 * @returns {{ entries: { idTag: string, name?: string, expiry?: string }[],
 *   rows: { line: number, values: Record<string, string> }[] } | { problem: CsvProblem }}
 *   the entries with, at the same index, the line and values each came from;
 *   or the first problem (then nothing may be imported).
 */
export function readWhitelistCsv(text) {
  if (text.startsWith("\uFEFF")) text = text.slice(1);
  const first = /^[^\r\n]*/.exec(text)?.[0] ?? "";
  const sep = !first.includes(",") && first.includes(";") ? ";" : ",";
  const parsed = parseCsv(text, sep);
  if ("problem" in parsed) return parsed;
  // Blank lines (a single empty field) are no records.
  const records = parsed.records.filter((r) => !(r.fields.length === 1 && r.fields[0] === ""));
  const header = records.shift();
  if (!header) return { problem: { line: 1, code: "noHeader" } };
  /** @type {string[]} */
  const columns = [];
  for (const raw of header.fields) {
    const name = COLUMNS.find((c) => c.toLowerCase() === raw.trim().toLowerCase());
    if (!name) {
      return { problem: { line: header.line, code: "column", params: { name: raw.trim() } } };
    }
    if (columns.includes(name)) {
      return { problem: { line: header.line, code: "twice", params: { name } } };
    }
    columns.push(name);
  }
  if (!columns.includes("idTag")) return { problem: { line: header.line, code: "noHeader" } };
  const entries = [];
  const rows = [];
  for (const { line, fields } of records) {
    if (fields.length !== columns.length) {
      return {
        problem: { line, code: "count", params: { n: fields.length, m: columns.length } },
      };
    }
    /** @type {Record<string, string>} */
    const values = {};
    columns.forEach((c, i) => (values[c] = fields[i] ?? ""));
    // Spaces around an idTag or a date are never meant (an idTag may not have them).
    const idTag = (values.idTag ?? "").trim();
    const name = values.name ?? "";
    const expiry = (values.expiry ?? "").trim();
    entries.push({ idTag, ...(name !== "" ? { name } : {}), ...(expiry !== "" ? { expiry } : {}) });
    rows.push({ line, values });
  }
  return { entries, rows };
}

/**
 * A field as CSV: in double quotes (doubled inside) when it holds the
 * separator, a double quote or a line break.
 *
 * @param {string} value
 * @param {string} sep
 */
function quote(value, sep) {
  return /["\r\n]/.test(value) || value.includes(sep) ? `"${value.replace(/"/g, '""')}"` : value;
}

/**
 * The whitelist as CSV text: header row, one record per entry, CRLF line ends.
 * With `excel`, as German Excel opens it by a double click: a UTF-8 byte
 * order mark and semicolons (readWhitelistCsv reads both forms).
 *
 * @param {readonly { idTag: string, name?: string, expiry?: string }[]} entries
 * @param {{ excel?: boolean }} [opts]
 * @returns {string}
 */
export function whitelistCsv(entries, opts = {}) {
  const sep = opts.excel ? ";" : ",";
  const lines = [COLUMNS.join(sep)];
  for (const e of entries) {
    lines.push([e.idTag, e.name ?? "", e.expiry ?? ""].map((v) => quote(v, sep)).join(sep));
  }
  return (opts.excel ? "\uFEFF" : "") + lines.map((l) => `${l}\r\n`).join("");
}

/**
 * The index of the entry a field error of `PUT /api/whitelist` names.
 *
 * @param {string} field e.g. `entries[3].idTag`
 * @returns {{ index: number, column: string } | null} null for an error of the whole list.
 */
export function entryOfField(field) {
  const m = /^entries\[(\d+)\](?:\.(\w+))?$/.exec(field);
  return m ? { index: Number(m[1]), column: m[2] ?? "" } : null;
}
