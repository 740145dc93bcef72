/**
 * The log sink: one line per event on stderr, secrets masked.
 *
 * @module
 */

/** Log levels, least to most severe. */
export type Level = "debug" | "info" | "warn" | "error";

const ORDER: Record<Level, number> = { debug: 0, info: 1, warn: 2, error: 3 };

/** Writes log lines. */
export interface Logger {
  log(level: Level, text: string): void;
}

/** Field names whose values are secret, lower case (OCPP keys are case-insensitive). */
const SECRET_FIELDS: ReadonlySet<string> = new Set([
  "authorizationkey",
  "backendpassword",
  "password",
]);
/** Configuration keys whose `value` is secret (ChangeConfiguration.req, GetConfiguration.conf). */
const SECRET_KEYS: ReadonlySet<string> = new Set(["authorizationkey"]);

/** A copy of a parsed message with every secret value replaced by `"***"`. */
function maskParsed(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(maskParsed);
  if (typeof v !== "object" || v === null) return v;
  const obj = v as Record<string, unknown>;
  const secretKey = typeof obj.key === "string" && SECRET_KEYS.has(obj.key.toLowerCase());
  const out: Record<string, unknown> = {};
  for (const [k, x] of Object.entries(obj)) {
    out[k] = SECRET_FIELDS.has(k.toLowerCase()) || (secretKey && k === "value")
      ? "***"
      : maskParsed(x);
  }
  return out;
}

/**
 * Masks an OCPP frame (or any JSON text) on its parsed form, so no JSON
 * escape (`"Authorization\u004bey"`), key case, field order or extra field
 * hides a secret from the mask. Text that is not JSON is not shown when it
 * could hold one (a backslash, a secret field's name): only its length.
 */
export function maskFrame(text: string): string {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch {
    return /\\|authorizationkey|password/i.test(text)
      ? `(${text.length} characters, not JSON; not shown: it may hold a secret)`
      : text;
  }
  return JSON.stringify(maskParsed(data));
}

/**
 * Masks secrets: frames (`> [...]` sent, `< [...]` received, or quoted
 * after `: `) on their parsed form ({@link maskFrame}), any of the given
 * values, and the value of any AuthorizationKey / password field in other
 * JSON-looking text.
 */
export function redact(text: string, secrets: readonly string[]): string {
  // Fast path (every OCPP frame is logged): with no backslash (a JSON escape), no secret
  // field's name and no credentials in a URL, none of the masks below can change the text.
  if (!MAYBE_SECRET.test(text)) return maskValues(text, secrets);
  // A frame, or a message quoting one after ": " (e.g. "Cannot parse frame: not JSON: [2,...").
  const frame = /^((?:[\s\S]*?[<>:] )?)([[{][\s\S]*)$/.exec(text);
  let out = frame ? frame[1] + maskFrame(frame[2]!) : text;
  out = out.replace(
    /("(?:AuthorizationKey|backendPassword|password)"\s*,\s*"value"\s*:\s*|"(?:backendPassword|password)"\s*:\s*)"(?:[^"\\]|\\.)*"/gi,
    '$1"***"',
  );
  out = out.replace(
    /(\{\s*"key"\s*:\s*"AuthorizationKey"\s*,\s*"value"\s*:\s*)"(?:[^"\\]|\\.)*"/gi,
    '$1"***"',
  );
  // JSON objects have no key order, and configuration keys are case-insensitive (section 7.17).
  out = out.replace(
    /("value"\s*:\s*)"(?:[^"\\]|\\.)*"(\s*,\s*"key"\s*:\s*"AuthorizationKey")/gi,
    '$1"***"$2',
  );
  // Credentials in URLs (UpdateFirmware/GetDiagnostics locations such as ftp://user:password@host/).
  out = out.replace(/(\/\/[^\s:/@"]*:)[^\s@/"]+@/g, "$1***@");
  return maskValues(out, secrets);
}

/** Could hold a secret the masks of {@link redact} find: a superset of what they match. */
const MAYBE_SECRET = /\\|authorizationkey|password|\/\/\S*@/i;

/** `text` with every known secret value replaced by `***`. */
function maskValues(text: string, secrets: readonly string[]): string {
  let out = text;
  for (const s of secrets) if (s.length >= 1 && out.includes(s)) out = out.split(s).join("***");
  return out;
}

/** A logger writing `time level text` lines to stderr, from `min` up. */
export function stderrLogger(min: Level, secrets: () => readonly string[]): Logger {
  const enc = new TextEncoder();
  return {
    log(level, text) {
      if (ORDER[level] < ORDER[min]) return;
      const line = `${new Date().toISOString()} ${level.toUpperCase().padEnd(5)} ${
        redact(text, secrets())
      }\n`;
      Deno.stderr.writeSync(enc.encode(line));
    },
  };
}

/** A logger that keeps lines in memory (tests). */
export function memoryLogger(lines: string[], secrets: () => readonly string[] = () => []): Logger {
  return { log: (level, text) => lines.push(`${level} ${redact(text, secrets())}`) };
}
