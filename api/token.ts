/**
 * The bearer token of the local API.
 *
 * The token is the `CP_API_TOKEN` environment variable when it is set and
 * non-empty. Otherwise it is kept in `<data-dir>/api-token`: created at first
 * start with 32 random bytes (hex, 64 characters) and mode 0600, written
 * atomically (`config/atomic_write.ts`) so that a power cut never leaves an
 * empty token file, and reused (trimmed) on every later start.
 *
 * @module
 */
import { writeFileAtomicSync } from "../config/atomic_write.ts";

/** Name of the token file inside the data directory. */
export const API_TOKEN_FILE = "api-token";

/** A token must be usable in an `Authorization` header: visible ASCII, no spaces. */
const TOKEN_PATTERN = /^[\x21-\x7e]+$/;

/**
 * Returns the API token: `env` (the value of `CP_API_TOKEN`) when it is
 * non-empty, else the contents of `<dataDir>/api-token`, which is created
 * with a fresh random token (mode 0600) when it does not exist.
 *
 * @param dataDir The data directory (created if missing).
 * @param env The value of the `CP_API_TOKEN` environment variable, if any.
 * @returns The token, without surrounding whitespace.
 * @throws {Error} When the token file is empty or unreadable, or a token is
 * not visible ASCII without spaces.
 *
 * @example Usage
 * ```ts ignore
 * const token = await loadApiToken("./data", Deno.env.get("CP_API_TOKEN"));
 * ```
 */
export async function loadApiToken(
  dataDir: string,
  env?: string | undefined,
): Promise<string> {
  if (env !== undefined && env !== "") {
    return checkToken(env.trim(), "Cannot use CP_API_TOKEN");
  }
  const path = `${dataDir}/${API_TOKEN_FILE}`;
  const existing = await readTokenFile(path);
  if (existing !== undefined) return existing;
  return await createTokenFile(dataDir, path);
}

function checkToken(token: string, action: string): string {
  if (token === "") throw new Error(`${action}: token is empty`);
  if (!TOKEN_PATTERN.test(token)) {
    throw new Error(`${action}: token must be visible ASCII characters without spaces`);
  }
  return token;
}

/** Reads the token file; `undefined` when it does not exist. */
async function readTokenFile(path: string): Promise<string | undefined> {
  let text: string;
  try {
    text = await Deno.readTextFile(path);
  } catch (err) {
    if (err instanceof Deno.errors.NotFound) return undefined;
    throw new Error(`Cannot read API token file ${path}: ${(err as Error).message}`, {
      cause: err,
    });
  }
  const token = text.trim();
  if (token === "") throw new Error(`Cannot read API token file ${path}: file is empty`);
  return checkToken(token, `Cannot read API token file ${path}`);
}

async function createTokenFile(dataDir: string, path: string): Promise<string> {
  const bytes = crypto.getRandomValues(new Uint8Array(32));
  const token = Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
  try {
    await Deno.mkdir(dataDir, { recursive: true, mode: 0o700 });
    writeFileAtomicSync(path, new TextEncoder().encode(token + "\n"), 0o600);
  } catch (err) {
    throw new Error(`Cannot create API token file ${path}: ${(err as Error).message}`, {
      cause: err,
    });
  }
  return token;
}

/** What {@link openApiToken} found. */
export interface OpenedToken {
  readonly token: string;
  /** Set when the token file was unusable and replaced: what happened, for the log. */
  readonly problem?: string;
}

/**
 * {@link loadApiToken}, except that a token file that is empty, not
 * visible ASCII or unreadable is moved aside and replaced by a new one.
 *
 * @throws {Error} When `CP_API_TOKEN` is unusable, or the bad file can be
 * neither moved aside nor replaced (the reason is in the message).
 */
export async function openApiToken(
  dataDir: string,
  env?: string | undefined,
  now: Date = new Date(),
): Promise<OpenedToken> {
  if (env !== undefined && env !== "") return { token: await loadApiToken(dataDir, env) };
  try {
    return { token: await loadApiToken(dataDir) };
  } catch (err) {
    const why = (err as Error).message;
    const path = `${dataDir}/${API_TOKEN_FILE}`;
    const aside = `${path}.damaged-${now.toISOString().replace(/[:.]/g, "-")}`;
    try {
      await Deno.rename(path, aside);
    } catch (moveErr) {
      throw new Error(`${why}; cannot move it aside: ${(moveErr as Error).message}`, {
        cause: err,
      });
    }
    const token = await createTokenFile(dataDir, path);
    return {
      token,
      problem: `${why}. Moved it to ${aside} and wrote a new token to ${path}`,
    };
  }
}
