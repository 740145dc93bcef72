/**
 * Browser test rig: the whole runtime (all actors, simulated station, real
 * WebSocket transport, settings store in a temp dir; timers on a FakeClock
 * the test advances) serving the local API and web app on 127.0.0.1, a real
 * Central System (`tests/csms.ts`) to connect to, and headless Chromium
 * driven by playwright-core.
 *
 * @module
 */
// Test-only dependency, pinned here rather than in deno.json (see the report of issue 6).
// Types only: the module itself is loaded by launchBrowser(), which explains a failure.
import type { BrowserContext, Page } from "playwright-core";
import { FakeClock } from "../../actors/clock.ts";
import { createApi } from "../../api/api.ts";
import { LogFile, teeLogger } from "../../runtime/log_file.ts";
import { ConfigStore } from "../../config/store.ts";
import type { SimStation } from "../../drivers/sim_station.ts";
import { denoTransport } from "../../ocpp/transport_deno.ts";
import { memoryLogger } from "../../runtime/log.ts";
import { Runtime } from "../../runtime/runtime.ts";
import { simHardware } from "../../runtime/sim_hardware.ts";
import { BOOT_INFO } from "../../runtime/version.ts";
import { Csms } from "../csms.ts";
import { failOnBusError } from "../_bus_errors.ts";

/** Where Debian's `chromium` package puts the browser. */
export const CHROMIUM = "/usr/bin/chromium";
/** Where the tests write their screenshots (git-ignored). */
export const SCREENSHOTS = new URL("../../test-output/screenshots/", import.meta.url);
/** How long a test waits for something the page should show. */
export const WAIT_MS = 10_000;

/** A wallbox serving its web app, with a Central System beside it. */
export interface WebRig extends AsyncDisposable {
  /** Base URL of the web app, `http://127.0.0.1:<port>`. */
  readonly url: string;
  readonly token: string;
  readonly csms: Csms;
  readonly runtime: Runtime;
  readonly clock: FakeClock;
  readonly station: SimStation;
  readonly store: ConfigStore;
  readonly dataDir: string;
  readonly logs: string[];
  /** Advances the runtime's clock in one-second steps, letting it react after each. */
  advance(ms: number): Promise<void>;
}

/** Options of {@linkcode startWebRig}. */
export interface WebRigOptions {
  /** Start in safe mode (charging disabled) for this reason, as after a damaged store. */
  readonly safeMode?: string;
  /** Give the web app the data directory (certificate upload); default true. */
  readonly certs?: boolean;
  /** A `settings.json` to start from, as written before the start (may hold invalid values). */
  readonly storedSettings?: Record<string, unknown>;
}

/** Starts a standalone wallbox (no backend configured) and a Central System. */
export async function startWebRig(opts: WebRigOptions = {}): Promise<WebRig> {
  const csms = await Csms.start();
  const dataDir = await Deno.makeTempDir({ prefix: "cp-web-test-" });
  const logs: string[] = [];
  let runtime: Runtime | undefined;
  let server: Deno.HttpServer | undefined;
  try {
    if (opts.storedSettings) {
      await Deno.writeTextFile(`${dataDir}/settings.json`, JSON.stringify(opts.storedSettings));
    }
    const store = await ConfigStore.open(dataDir);
    const clock = new FakeClock(Date.now());
    csms.now = () => clock.now();
    const hw = simHardware({ clock, connectors: 1 });
    const logFile = new LogFile({ dir: `${dataDir}/logs`, now: () => clock.now() });
    runtime = new Runtime({
      store,
      clock,
      transport: denoTransport,
      hardware: hw,
      logger: teeLogger(
        memoryLogger(logs, () => [String(store.get("AuthorizationKey"))].filter(Boolean)),
        logFile,
      ),
      bootInfo: BOOT_INFO,
      onBusError: failOnBusError,
      ...(opts.safeMode !== undefined ? { safeMode: opts.safeMode } : {}),
    }).start();
    const token = "browser-test-token-0123456789";
    const app = createApi(runtime, {
      token,
      web: { pollMs: 100, ...(opts.certs === false ? {} : { dataDir }) },
      logs: logFile,
    });
    const listening = Promise.withResolvers<number>();
    server = Deno.serve({
      hostname: "127.0.0.1",
      port: 0,
      onListen: ({ port }) => listening.resolve(port),
    }, app.fetch);
    const port = await listening.promise;
    const rt = runtime;
    const srv = server;
    return {
      url: `http://127.0.0.1:${port}`,
      token,
      csms,
      runtime: rt,
      clock,
      station: hw.station,
      store,
      dataDir,
      logs,
      async advance(ms: number) {
        for (let left = ms; left > 0; left -= 1000) {
          clock.advance(Math.min(1000, left));
          await new Promise((r) => setTimeout(r, 0));
        }
      },
      async [Symbol.asyncDispose]() {
        rt.stop();
        await srv.shutdown();
        await csms.close();
        await Deno.remove(dataDir, { recursive: true });
      },
    };
  } catch (err) {
    runtime?.stop();
    await server?.shutdown();
    await csms.close();
    await Deno.remove(dataDir, { recursive: true });
    throw err;
  }
}

/** A headless Chromium with a fresh profile. */
export interface Browser extends AsyncDisposable {
  readonly context: BrowserContext;
  readonly page: Page;
}

/**
 * Launches headless Chromium with a fresh user-data-dir.
 *
 * @throws {Error} When Chromium is not installed: the browser tests must not
 * pass without a browser.
 */
export async function launchBrowser(
  opts: {
    locale?: string;
    viewport?: { width: number; height: number };
    /** IANA time zone of the page (default: the system's). */
    timezoneId?: string;
  } = {},
): Promise<Browser> {
  try {
    await Deno.stat(CHROMIUM);
  } catch {
    throw new Error(
      `Cannot run browser tests: ${CHROMIUM} is missing; install it with 'apt-get install -y chromium'`,
    );
  }
  let chromium;
  try {
    ({ chromium } = await import("playwright-core"));
  } catch (err) {
    // playwright-core probes the system (e.g. /proc/sys/fs/binfmt_misc) when loaded,
    // which Deno allows only with every permission.
    throw new Error(
      `Cannot load playwright-core: run the browser tests with 'deno test -A': ${
        (err as Error).message
      }`,
      { cause: err },
    );
  }
  const profile = await Deno.makeTempDir({ prefix: "cp-chromium-" });
  let context: BrowserContext | undefined;
  try {
    context = await chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM,
      headless: true,
      args: [
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--disable-quic",
      ],
      locale: opts.locale ?? "de-DE",
      viewport: opts.viewport ?? { width: 1280, height: 800 },
      ...(opts.timezoneId ? { timezoneId: opts.timezoneId } : {}),
    });
    const page = context.pages()[0] ?? await context.newPage();
    page.setDefaultTimeout(WAIT_MS);
    const ctx = context;
    return {
      context: ctx,
      page,
      async [Symbol.asyncDispose]() {
        await ctx.close();
        await Deno.remove(profile, { recursive: true });
      },
    };
  } catch (err) {
    await context?.close();
    await Deno.remove(profile, { recursive: true });
    throw err;
  }
}

/** Saves a full-page screenshot as `test-output/screenshots/<name>.png`. */
export async function screenshot(page: Page, name: string): Promise<void> {
  await Deno.mkdir(SCREENSHOTS, { recursive: true });
  await page.screenshot({ path: new URL(`${name}.png`, SCREENSHOTS).pathname, fullPage: true });
}

/** Opens the app and logs in with the rig's token (German page). */
export async function logIn(page: Page, rig: WebRig): Promise<void> {
  await page.goto(rig.url);
  await page.locator("#login-token").fill(rig.token);
  await page.keyboard.press("Enter");
  await page.locator("#view-status:not([hidden])").waitFor();
}

/** Fails when the page scrolls sideways (wider than the viewport). */
export async function assertNoSideScroll(page: Page): Promise<void> {
  const [scroll, client] = await page.evaluate<[number, number]>(
    "[document.documentElement.scrollWidth, document.documentElement.clientWidth]",
  );
  if (scroll > client) throw new Error(`page is ${scroll}px wide in a ${client}px viewport`);
}

/** The id of the element that has the keyboard focus. */
export function focusedId(page: Page): Promise<string> {
  return page.evaluate<string>("document.activeElement?.id ?? ''");
}
