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

/**
 * Masks secrets: any of the given values, and the value of any
 * AuthorizationKey / password field in JSON-looking text.
 */
export function redact(text: string, secrets: readonly string[]): string {
  let out = text.replace(
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
  for (const s of secrets) if (s.length >= 1) out = out.split(s).join("***");
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
