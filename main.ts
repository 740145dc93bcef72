/**
 * The wallbox: `deno task start [--data-dir DIR] [--config FILE] [--http HOST:PORT]`.
 *
 * Starts the OCPP 1.6-J charge point runtime with the hardware of the
 * `hardware` setting (simulated when empty) and the local API. With no backend configured it runs standalone.
 *
 * State on disk in the data directory: `settings.json`, `state.db` (the
 * transaction journal and outbox; a damaged one is moved aside and the
 * wallbox starts with charging disabled, see `runtime/open_store.ts`),
 * `sim-station.json` (the simulated hardware's cable and meter register).
 * SIGTERM / SIGINT stop every transaction (reason Reboot) and exit cleanly;
 * SIGPWR (a UPS or backup supply reporting a power failure) does the same
 * with reason PowerLoss. Anything else (kill -9, power cut) is detected at
 * the next start: interrupted transactions are stopped with PowerLoss.
 *
 * @module
 */
import { type Clock, systemClock } from "./actors/clock.ts";
import { openApiToken } from "./api/token.ts";
import { ConfigStore, SettingsError } from "./config/store.ts";
import { denoTransport } from "./ocpp/transport_deno.ts";
import { type Level, stderrLogger } from "./runtime/log.ts";
import { LogFile, teeLogger } from "./runtime/log_file.ts";
import { SimInstaller } from "./drivers/installer_sim.ts";
import type { FirmwareInstaller } from "./drivers/installer.ts";
import { type Hardware, Runtime } from "./runtime/runtime.ts";
import { parseHardware } from "./config/hardware.ts";
import { openStore } from "./runtime/open_store.ts";
import { simHardware } from "./runtime/sim_hardware.ts";
import { BOOT_INFO, VERSION } from "./runtime/version.ts";

/** How long a stop waits for StopTransaction answers before exiting (they stay queued). */
const SHUTDOWN_MS = 5_000;

/** The exit status after a firmware installer asked for a restart of the program. */
export const EXIT_RESTART = 3;

const LEVELS: readonly Level[] = ["debug", "info", "warn", "error"];

/**
 * The firmware installer: `FIRMWARE_INSTALL_COMMAND` (e.g. `rauc install
 * {file}`) with `FIRMWARE_VERSION_FILE`, else the simulated one in the
 * data directory.
 */
async function installer(dataDir: string, clock: typeof systemClock): Promise<FirmwareInstaller> {
  const command = Deno.env.get("FIRMWARE_INSTALL_COMMAND");
  if (command) {
    // Loaded only when configured.
    const { CommandInstaller } = await import("./drivers/installer_command.ts");
    return new CommandInstaller({
      command,
      versionFile: Deno.env.get("FIRMWARE_VERSION_FILE") ?? "/etc/sw-version",
      fallbackVersion: VERSION,
    });
  }
  return new SimInstaller({ dir: `${dataDir}/firmware-sim`, factoryVersion: VERSION, clock });
}

/** Parsed command line. */
export interface Args {
  readonly dataDir: string;
  readonly config?: string;
  readonly hostname: string;
  readonly port: number;
}

/** Parses the command line; throws a TypeError with the reason on bad input. */
export function parseCommandLine(argv: readonly string[]): Args {
  // A few lines instead of node:util's parseArgs, which costs ~1.5 MB of resident memory here.
  const values: Record<string, string> = { "data-dir": "./data", http: "127.0.0.1:8080" };
  for (let i = 0; i < argv.length; i++) {
    const m = /^--(data-dir|config|http)(?:=(.*))?$/.exec(argv[i]!);
    if (!m) throw new TypeError(`Cannot parse command line: unknown argument ${argv[i]}`);
    const value = m[2] ?? argv[++i];
    if (value === undefined || value === "") {
      throw new TypeError(`Cannot parse command line: --${m[1]} needs a value`);
    }
    values[m[1]!] = value;
  }
  const http = /^(.+):(\d{1,5})$/.exec(values.http!);
  if (!http || Number(http[2]) > 65535) {
    throw new TypeError(`Cannot use --http ${values.http}: expected HOST:PORT`);
  }
  return {
    dataDir: values["data-dir"]!,
    ...(values.config ? { config: values.config } : {}),
    hostname: http[1]!.replace(/^\[(.*)\]$/, "$1"),
    port: Number(http[2]),
  };
}

/**
 * Opens `settings.json`; an unreadable one is moved aside (never deleted)
 * and the defaults are used, with the problem reported (safe mode).
 */
async function openSettings(dataDir: string): Promise<{ store: ConfigStore; problem?: string }> {
  try {
    return { store: await ConfigStore.open(dataDir) };
  } catch (err) {
    const path = `${dataDir}/settings.json`;
    const aside = `${path}.damaged-${new Date().toISOString().replace(/[:.]/g, "-")}`;
    const why = (err as Error).message;
    try {
      await Deno.rename(path, aside);
      return {
        store: await ConfigStore.open(dataDir),
        problem: `settings were unreadable (${why}) and moved to ${aside}`,
      };
    } catch (moveErr) {
      // Never a crash loop: settings in memory only until the file is fixed.
      const problem = `settings are unreadable (${why}) and cannot be moved aside ` +
        `(${(moveErr as Error).message}): settings are kept in memory only`;
      return { store: new ConfigStore(), problem };
    }
  }
}

async function applyConfigFile(
  store: ConfigStore,
  path: string,
  log: (l: Level, t: string) => void,
): Promise<void> {
  let data: unknown;
  try {
    // A byte order mark (some editors write one) is not part of the JSON.
    data = JSON.parse((await Deno.readTextFile(path)).replace(/^\uFEFF/, ""));
  } catch (err) {
    log(
      "error",
      `Cannot read config file ${path}: ${
        err instanceof SyntaxError ? "not JSON" : (err as Error).message
      }; starting with the stored settings`,
    );
    return;
  }
  try {
    await store.apply(store.validateSettings(data));
  } catch (err) {
    if (!(err instanceof SettingsError)) throw err;
    log(
      "error",
      `Cannot apply config file ${path}: ${
        err.errors.map((e) => `${e.field} ${e.reason}`).join("; ")
      }; starting with the stored settings`,
    );
  }
}

/**
 * The settings of a fresh install (no `settings.json` yet): a standalone
 * wallbox whose cards are checked against the app's whitelist, so a card
 * can be added on the whitelist page (or from the status page, where a
 * refused card offers it) and charge, without a backend. The registry's
 * defaults (`ocpp`) are for a wallbox with a backend, where the operator
 * decides (seed footnote).
 */
export const FIRST_RUN_SETTINGS = {
  authorizationMode: "local",
  whitelistSource: "local",
} as const;

async function exists(path: string): Promise<boolean> {
  try {
    await Deno.stat(path);
    return true;
  } catch {
    return false;
  }
}

/** Fatal start errors: one clear line, exit status 1 (never a stack trace, never a half-started process). */
async function guardedMain(): Promise<void> {
  try {
    await main();
  } catch (err) {
    const text = err instanceof Deno.errors.AddrInUse
      ? `Cannot start: the address of the web app is in use (${
        (err as Error).message
      }); stop the other process or pick another one with --http HOST:PORT`
      : `Cannot start: ${err instanceof Error ? err.message : String(err)}`;
    Deno.stderr.writeSync(new TextEncoder().encode(`${text.replace(/\s*\n\s*/g, " ")}\n`));
    Deno.exit(1);
  }
}

/**
 * The hardware the `hardware` setting names (its drivers loaded only then),
 * else the simulated station.
 */
export async function openHardware(
  store: ConfigStore,
  dataDir: string,
  log: (l: Level, t: string) => void,
  clock: Clock = systemClock,
): Promise<Hardware> {
  const text = store.view.str("Hardware");
  if (text !== "") {
    const parsed = parseHardware(JSON.parse(text));
    if (parsed.ok) {
      const { realHardware } = await import("./runtime/real_hardware.ts");
      const n = parsed.config.connectors.length;
      // The station has as many connectors as the setting names (as the maker sets it).
      if (store.view.int("NumberOfConnectors") !== n) await store.set("NumberOfConnectors", n);
      log("info", `Hardware: ${n} connector(s) from the hardware setting`);
      return realHardware(parsed.config, { clock, log });
    }
    log("error", `Cannot use the hardware setting: ${parsed.errors.join("; ")}; simulating`);
  }
  const sim = simHardware({
    clock,
    connectors: store.view.int("NumberOfConnectors"),
    stateFile: `${dataDir}/sim-station.json`,
  });
  if (sim.station.stateError) log("warn", `${sim.station.stateError}; ignored`);
  return sim;
}

async function main(): Promise<void> {
  let args: Args;
  try {
    args = parseCommandLine(Deno.args);
  } catch (err) {
    Deno.stderr.writeSync(new TextEncoder().encode(`${(err as Error).message}\n`));
    Deno.exit(2);
  }
  await Deno.mkdir(args.dataDir, { recursive: true, mode: 0o700 });
  const fresh = !(await exists(`${args.dataDir}/settings.json`));
  const opened = await openSettings(args.dataDir);
  const store = opened.store;
  const level = (Deno.env.get("LOG_LEVEL") ?? "info") as Level;
  const secrets = () => {
    const key = String(store.get("AuthorizationKey"));
    return key ? [key] : [];
  };
  const fileLevel = (Deno.env.get("LOG_FILE_LEVEL") ?? "debug") as Level;
  // The log kept on the device (runtime/log_file.ts): every OCPP frame at debug, secrets masked.
  const logFile = new LogFile({
    dir: `${args.dataDir}/logs`,
    level: LEVELS.includes(fileLevel) ? fileLevel : "debug",
    secrets,
  });
  const logger = teeLogger(
    stderrLogger(LEVELS.includes(level) ? level : "info", secrets),
    logFile,
  );
  const log = (l: Level, t: string) => logger.log(l, t);
  // A wallbox must not die on a bug in a callback: log it and keep running
  // (committed transactions are on disk; the actors keep their state).
  globalThis.addEventListener("unhandledrejection", (e) => {
    e.preventDefault();
    log(
      "error",
      `Unhandled rejection: ${
        e.reason instanceof Error ? e.reason.stack ?? e.reason.message : e.reason
      }`,
    );
  });
  globalThis.addEventListener("error", (e) => {
    e.preventDefault();
    log(
      "error",
      `Uncaught error: ${e.error instanceof Error ? e.error.stack ?? e.error.message : e.message}`,
    );
  });
  for (const p of store.problems) {
    log("error", `Stored setting ${p.field} is invalid: ${p.reason}`);
  }
  if (args.config) await applyConfigFile(store, args.config, log);
  // A fresh install that stays standalone (no backend in a config file) charges with the whitelist.
  const untouched = store.get("AuthorizationMode") === "ocpp" &&
    store.get("WhitelistSource") === "ocpp";
  if (fresh && !opened.problem && store.get("BackendConnectionType") === "none" && untouched) {
    await store.apply(store.validateSettings(FIRST_RUN_SETTINGS));
  }
  // Before anything starts: the local API must come up with a usable token, or not at all.
  let token: string;
  try {
    const opened = await openApiToken(args.dataDir, Deno.env.get("CP_API_TOKEN"));
    token = opened.token;
    if (opened.problem) log("error", opened.problem);
  } catch (err) {
    log("error", `${(err as Error).message}; not starting`);
    Deno.exit(1);
  }

  if (opened.problem) log("error", `${opened.problem}; starting with default settings`);
  const clock = systemClock;
  const durable = openStore(args.dataDir, log);
  const safeMode = [opened.problem, durable.safeMode].filter(Boolean).join("; ");
  const hardware = await openHardware(store, args.dataDir, log);
  const runtime = new Runtime({
    store,
    clock,
    transport: denoTransport,
    hardware,
    logger,
    // Real hardware names its meter, not the simulation.
    bootInfo: "meterType" in hardware
      ? { ...BOOT_INFO, chargePointModel: "DenoCP", meterType: String(hardware.meterType) }
      : BOOT_INFO,
    storage: durable.storage,
    ...(safeMode ? { safeMode } : {}),
    updates: {
      dataDir: args.dataDir,
      installer: await installer(args.dataDir, clock),
      logs: logFile,
      restartProcess: () => void stopAndExit("the new firmware", "Reboot", EXIT_RESTART),
    },
  });

  // The local API and the web app (hono, the pages) load at the first request, not at idle
  // (`deno task bench`: they are part of the idle memory otherwise).
  let api: Promise<(req: Request, info: Deno.ServeHandlerInfo) => Response | Promise<Response>>;
  const loadApi = async () => {
    const { createApi } = await import("./api/api.ts");
    const app = createApi(runtime, { token, web: { dataDir: args.dataDir }, log, logs: logFile });
    return (req: Request, info: Deno.ServeHandlerInfo) => app.fetch(req, info);
  };
  // Listen before the runtime starts: a port in use ends the start before anything runs.
  Deno.serve({
    hostname: args.hostname,
    port: args.port,
    onListen: ({ hostname, port }) =>
      log(
        "info",
        `Web app and local API on http://${hostname}:${port} (token in ${args.dataDir}/api-token unless CP_API_TOKEN is set)`,
      ),
  }, async (req, info) => (await (api ??= loadApi()))(req, info));
  runtime.start();
  let stopping = false;
  async function stopAndExit(why: string, reason: "Reboot" | "PowerLoss", code = 0) {
    if (stopping) return;
    stopping = true;
    log("info", `Stopping for ${why}: transactions end with ${reason}`);
    await runtime.shutdown(reason, SHUTDOWN_MS);
    await runtime.flushed();
    durable.storage.close();
    logFile.close();
    Deno.exit(code);
  }
  const stopOn = (sig: Deno.Signal, reason: "Reboot" | "PowerLoss") => {
    Deno.addSignalListener(sig, () => void stopAndExit(sig, reason));
  };
  stopOn("SIGINT", "Reboot");
  stopOn("SIGTERM", "Reboot");
  try {
    stopOn("SIGPWR", "PowerLoss");
  } catch { /* no SIGPWR on this system */ }
}

if (import.meta.main) await guardedMain();
