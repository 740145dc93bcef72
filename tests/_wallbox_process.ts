/**
 * The wallbox as a real process, the way the tests that kill it and the benches need it:
 * `deno run -A main.ts --data-dir DIR --config FILE --http 127.0.0.1:PORT`
 * in the repository root, its stderr kept (the last lines) for the failure
 * message of a test.
 *
 * @module
 */

const ROOT = new URL("..", import.meta.url).pathname;

/** A port on 127.0.0.1 that was free a moment ago. */
export function freePort(): number {
  const l = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (l.addr as Deno.NetAddr).port;
  l.close();
  return port;
}

/** Options of {@link spawnWallbox}. */
export interface SpawnOptions {
  readonly dataDir: string;
  /** The `--config` file. */
  readonly config: string;
  /** Chunks of stderr kept (default 400); 0 discards stderr. */
  readonly keepStderr?: number;
  /** Where stderr is kept (default: a new array), e.g. one shared by the runs of a test. */
  readonly stderr?: string[];
  /** Environment variables added to the process's (e.g. `CP_API_TOKEN`). */
  readonly env?: Record<string, string>;
}

/** One run of the wallbox process. */
export interface WallboxProcess {
  readonly child: Deno.ChildProcess;
  /** The local API's base URL, e.g. `http://127.0.0.1:41234`. */
  readonly base: string;
  /** The last chunks of stderr (see {@link SpawnOptions.keepStderr}). */
  readonly stderr: string[];
  readonly exited: Promise<Deno.CommandStatus>;
  /** Sends a signal (default SIGKILL); a process already gone is no error. */
  kill(signal?: Deno.Signal): void;
}

/**
 * Starts `main.ts` as its own process on a free local API port.
 *
 * @example
 * ```ts
 * const wb = spawnWallbox({ dataDir: dir, config: `${dir}/config.json` });
 * wb.kill();
 * await wb.exited;
 * ```
 */
export function spawnWallbox(opts: SpawnOptions): WallboxProcess {
  const keep = opts.keepStderr ?? 400;
  const port = freePort();
  const child = new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "-A",
      "main.ts",
      "--data-dir",
      opts.dataDir,
      "--config",
      opts.config,
      "--http",
      `127.0.0.1:${port}`,
    ],
    cwd: ROOT,
    ...(opts.env ? { env: opts.env } : {}),
    stdin: "null",
    stdout: "null",
    stderr: keep > 0 ? "piped" : "null",
  }).spawn();
  const stderr = opts.stderr ?? [];
  if (keep > 0) {
    void child.stderr.pipeThrough(new TextDecoderStream()).pipeTo(
      new WritableStream({
        write: (chunk) => {
          stderr.push(chunk);
          if (stderr.length > keep) stderr.splice(0, stderr.length - keep);
        },
      }),
    ).catch(() => {});
  }
  return {
    child,
    base: `http://127.0.0.1:${port}`,
    stderr,
    exited: child.status,
    kill(signal: Deno.Signal = "SIGKILL") {
      try {
        child.kill(signal);
      } catch { /* gone */ }
    },
  };
}
