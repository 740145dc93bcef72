/**
 * Scenario test harness: the whole runtime (all actors, the real WebSocket
 * transport, the hardware bridge over the simulated station, a settings
 * store on disk) against the real test Central System of `csms.ts`, over
 * loopback. Timers run on a FakeClock the test advances.
 *
 * @module
 */
import { FakeClock } from "../actors/clock.ts";
import type { BusMessage } from "../actors/messages.ts";
import { ConfigStore } from "../config/store.ts";
import { denoTransport } from "../ocpp/transport_deno.ts";
import { memoryLogger } from "../runtime/log.ts";
import { Runtime } from "../runtime/runtime.ts";
import { simHardware } from "../runtime/sim_hardware.ts";
import { BOOT_INFO } from "../runtime/version.ts";
import type { SimStation } from "../drivers/sim_station.ts";
import { Csms, type CsmsOptions } from "./csms.ts";

/** A charge point under test with its Central System. */
export interface Rig extends AsyncDisposable {
  readonly csms: Csms;
  readonly cp: Runtime;
  readonly clock: FakeClock;
  readonly station: SimStation;
  readonly dataDir: string;
  readonly store: ConfigStore;
  /** Every bus message, in order. */
  readonly messages: BusMessage[];
  /** Log lines. */
  readonly logs: string[];
  /** Advances the clock in one-second steps and lets the runtime react after each. */
  advance(ms: number): Promise<void>;
}

/** Options for {@link startRig}. */
export interface RigOptions {
  /** Settings applied before start, by app name or OCPP key. */
  readonly settings?: Record<string, unknown>;
  readonly connectors?: number;
  readonly fixedCable?: boolean;
  /** Do not wait for the boot to be Accepted. */
  readonly noWait?: boolean;
  /** Prepare the Central System before the Charge Point connects. */
  readonly before?: (csms: Csms) => void;
  /** How the Central System is started (TLS, Basic auth, pings). */
  readonly csms?: CsmsOptions;
}

/** Starts a Central System and a Charge Point connected to it, booted and with statuses sent. */
export async function startRig(opts: RigOptions = {}): Promise<Rig> {
  const csms = await Csms.start(opts.csms);
  opts.before?.(csms);
  const dataDir = await Deno.makeTempDir({ prefix: "cp-test-" });
  const store = await ConfigStore.open(dataDir);
  await store.apply(store.validateSettings({
    backendConnectionType: "ethernet",
    backendUrl: csms.url,
    chargePointId: "CP-TEST-1",
    ...opts.settings,
  }));
  // NumberOfConnectors is read-only for the backend and the app: set it as the maker would.
  if (opts.connectors) await store.set("NumberOfConnectors", opts.connectors);
  const clock = new FakeClock(Date.now());
  // The Central System's time runs on the same clock, as a real one agrees with real time.
  csms.now = () => clock.now();
  const messages: BusMessage[] = [];
  const logs: string[] = [];
  const hw = simHardware({
    clock,
    connectors: opts.connectors ?? 1,
    fixedCable: opts.fixedCable ?? false,
  });
  const cp = new Runtime({
    store,
    clock,
    transport: denoTransport,
    hardware: hw,
    logger: memoryLogger(logs, () => [String(store.get("AuthorizationKey"))].filter(Boolean)),
    bootInfo: BOOT_INFO,
    inspect: (m) => messages.push(m),
  }).start();
  const rig: Rig = {
    csms,
    cp,
    clock,
    station: hw.station,
    dataDir,
    store,
    messages,
    logs,
    async advance(ms: number) {
      // In steps of at most a second, letting the async drivers answer in between,
      // as they would in real time.
      for (let left = ms; left > 0; left -= 1000) {
        clock.advance(Math.min(1000, left));
        await new Promise((r) => setTimeout(r, 0));
      }
    },
    async [Symbol.asyncDispose]() {
      cp.stop();
      await cp.flushed();
      await csms.close();
      await Deno.remove(dataDir, { recursive: true });
    },
  };
  if (!opts.noWait) {
    await csms.next("StatusNotification", 0, (p) => p.connectorId === (opts.connectors ?? 1));
  }
  return rig;
}

// --- OCTT reusable states (OCTT test case document, chapter 1.4, Tables 103-105) ---

/** The values the OCTT calls "Configured ..." in its test cases. */
export const OCTT = {
  connectorId: 1,
  validIdTag: "OCTT-VALID-1",
  validIdTag2: "OCTT-VALID-2",
  invalidIdTag: "OCTT-INVALID",
  parentIdTag: "OCTT-PARENT",
} as const;

/** Sets configuration keys with ChangeConfiguration, as the tool does; each must be Accepted. */
export async function configure(rig: Rig, keys: Record<string, string>): Promise<void> {
  for (const [key, value] of Object.entries(keys)) {
    const answer = await rig.csms.call("ChangeConfiguration", { key, value });
    if (answer.status !== "Accepted") {
      throw new Error(`ChangeConfiguration ${key}=${value} answered ${answer.status}`);
    }
  }
}

/** Waits until every CALL of the Charge Point was sent and answered (nothing queued). */
export async function rpcIdle(rig: Rig): Promise<void> {
  await rig.csms.until(() => {
    const s = rig.cp.bus.snapshot<{ inflight?: unknown; queue: readonly unknown[] }>("rpc");
    return s.inflight === undefined && s.queue.length === 0;
  }, "the Charge Point's CALLs to be answered");
}

/** Advances the clock second by second, each step only once all CALLs were answered. */
export async function advanceIdle(rig: Rig, ms: number): Promise<void> {
  for (let left = ms; left > 0; left -= 1000) {
    await rpcIdle(rig);
    await rig.advance(Math.min(1000, left));
  }
  await rpcIdle(rig);
}

/**
 * Reusable state Authorized (Table 104): a valid idTag is presented, Authorize.req
 * is Accepted and the connector reports Preparing (no cable needed).
 */
export async function reachAuthorized(rig: Rig, idTag: string = OCTT.validIdTag): Promise<void> {
  const m = rig.csms.mark;
  rig.station.tap(idTag);
  const auth = await rig.csms.next("Authorize", m);
  if (auth.params.idTag !== idTag) throw new Error(`Authorize for ${auth.params.idTag}`);
  await rig.csms.next("StatusNotification", m, (p) => p.status === "Preparing");
}

/** What {@link reachCharging} leaves behind. */
export interface ChargingState {
  readonly transactionId: number;
  /** StartTransaction.req as sent. */
  // deno-lint-ignore no-explicit-any
  readonly start: any;
  /** Position of the first CALL of the state, for sequence checks. */
  readonly from: number;
}

/**
 * Reusable state Charging (Table 105): GetConfiguration(AuthorizeRemoteTxRequests),
 * cable plugged in, Preparing, RemoteStartTransaction Accepted, Authorize.req when
 * AuthorizeRemoteTxRequests is true, StartTransaction.req, Charging.
 */
export async function reachCharging(
  rig: Rig,
  opts: { connectorId?: number; idTag?: string } = {},
): Promise<ChargingState> {
  const { csms, station } = rig;
  const connectorId = opts.connectorId ?? OCTT.connectorId;
  const idTag = opts.idTag ?? OCTT.validIdTag;
  const from = csms.mark;
  const conf = await csms.call("GetConfiguration", { key: ["AuthorizeRemoteTxRequests"] });
  const authorizeRemote = conf.configurationKey?.[0]?.value === "true";
  station.plug(connectorId);
  await csms.next(
    "StatusNotification",
    from,
    (p) => p.connectorId === connectorId && p.status === "Preparing",
  );
  const remote = await csms.call("RemoteStartTransaction", { connectorId, idTag });
  if (remote.status !== "Accepted") throw new Error(`RemoteStartTransaction ${remote.status}`);
  if (authorizeRemote) await csms.next("Authorize", from, (p) => p.idTag === idTag);
  const start = await csms.next(
    "StartTransaction",
    from,
    (p) => p.connectorId === connectorId && p.idTag === idTag,
  );
  await csms.next(
    "StatusNotification",
    from,
    (p) => p.connectorId === connectorId && p.status === "Charging",
  );
  await rpcIdle(rig);
  const tx = rig.cp.bus.snapshot<{ connectors: { tx: { transactionId?: number | null } }[] }>(
    "transaction",
  ).connectors[connectorId - 1]!.tx;
  if (typeof tx.transactionId !== "number") throw new Error("no transactionId after start");
  return { transactionId: tx.transactionId, start: start.params, from };
}

/** The StatusNotification statuses of one connector from position `from` on, in order. */
export function statusesOf(
  rig: Rig,
  from: number,
  connectorId: number = OCTT.connectorId,
): string[] {
  return rig.csms.all("StatusNotification", from).filter((r) =>
    r.params.connectorId === connectorId
  )
    .map((r) => r.params.status);
}

// --- Network peers for the connection tests: certificates and an HTTP CONNECT proxy ---

/** PEM texts and file paths of a test PKI made with openssl (X.509 v3, EC P-256). */
export interface TestPki {
  readonly dir: string;
  readonly ca: { readonly pem: string; readonly file: string };
  /** Valid for IP 127.0.0.1 and DNS localhost. */
  readonly server: { readonly cert: string; readonly key: string };
  /** Signed by the CA but valid only for backend.example.com. */
  readonly wrongHost: { readonly cert: string; readonly key: string };
  /** The Charge Point's certificate (CN = CP-TEST-1), for Security Profile 3. */
  readonly client: { readonly certFile: string; readonly keyFile: string };
}

async function openssl(dir: string, args: string[]): Promise<void> {
  const out = await new Deno.Command("openssl", { args, cwd: dir, stdout: "null", stderr: "piped" })
    .output();
  if (!out.success) {
    throw new Error(`openssl ${args[0]} failed: ${new TextDecoder().decode(out.stderr)}`);
  }
}

/** Makes a CA, server certificates (right and wrong host) and a client certificate. */
export async function makeTestPki(): Promise<TestPki> {
  const dir = await Deno.makeTempDir({ prefix: "cp-pki-" });
  const ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"];
  await openssl(dir, [
    "req",
    "-x509",
    ...ec,
    "-keyout",
    "ca.key",
    "-out",
    "ca.pem",
    "-days",
    "2",
    "-subj",
    "/CN=Test CA",
    "-addext",
    "basicConstraints=critical,CA:TRUE",
    "-addext",
    "keyUsage=critical,keyCertSign,cRLSign",
  ]);
  const leaf = async (name: string, subject: string, ext: string) => {
    await Deno.writeTextFile(`${dir}/${name}.ext`, ext);
    await openssl(dir, [
      "req",
      ...ec,
      "-keyout",
      `${name}.key`,
      "-out",
      `${name}.csr`,
      "-subj",
      subject,
    ]);
    await openssl(dir, [
      "x509",
      "-req",
      "-in",
      `${name}.csr`,
      "-CA",
      "ca.pem",
      "-CAkey",
      "ca.key",
      "-CAcreateserial",
      "-out",
      `${name}.pem`,
      "-days",
      "2",
      "-extfile",
      `${name}.ext`,
    ]);
    return {
      cert: await Deno.readTextFile(`${dir}/${name}.pem`),
      key: await Deno.readTextFile(`${dir}/${name}.key`),
    };
  };
  const serverExt = "basicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n";
  const server = await leaf(
    "server",
    "/CN=localhost",
    `${serverExt}subjectAltName=IP:127.0.0.1,DNS:localhost\n`,
  );
  const wrongHost = await leaf(
    "wrong",
    "/CN=backend.example.com",
    `${serverExt}subjectAltName=DNS:backend.example.com\n`,
  );
  await leaf("client", "/CN=CP-TEST-1", "basicConstraints=CA:FALSE\nextendedKeyUsage=clientAuth\n");
  return {
    dir,
    ca: { pem: await Deno.readTextFile(`${dir}/ca.pem`), file: `${dir}/ca.pem` },
    server,
    wrongHost,
    client: { certFile: `${dir}/client.pem`, keyFile: `${dir}/client.key` },
  };
}

/** A tiny HTTP CONNECT proxy on loopback. */
export interface TestProxy extends AsyncDisposable {
  /** `127.0.0.1:PORT`, the WebSocketProxy setting. */
  readonly address: string;
  /** The CONNECT targets asked for, in order. */
  readonly targets: string[];
  /** Answer CONNECT with this status instead of tunnelling (e.g. 403). */
  refuse: number | undefined;
}

/** Starts an HTTP CONNECT proxy (RFC 9110 section 9.3.6) on 127.0.0.1. */
export function startProxy(): TestProxy {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const open = new Set<Deno.Conn>();
  const enc = new TextEncoder();
  const proxy: TestProxy = {
    address: `127.0.0.1:${(listener.addr as Deno.NetAddr).port}`,
    targets: [],
    refuse: undefined,
    async [Symbol.asyncDispose]() {
      listener.close();
      for (const c of open) {
        try {
          c.close();
        } catch { /* closed */ }
      }
      await done;
    },
  };
  const serve = async (conn: Deno.Conn) => {
    open.add(conn);
    let head = "";
    const buf = new Uint8Array(4096);
    while (!head.includes("\r\n\r\n")) {
      const n = await conn.read(buf);
      if (n === null) return;
      head += new TextDecoder().decode(buf.subarray(0, n));
    }
    const m = /^CONNECT (\S+):(\d+) HTTP\/1\.1\r\n/.exec(head);
    if (!m) return void await conn.write(enc.encode("HTTP/1.1 400 Bad Request\r\n\r\n"));
    proxy.targets.push(`${m[1]}:${m[2]}`);
    if (proxy.refuse) {
      return void await conn.write(enc.encode(`HTTP/1.1 ${proxy.refuse} Refused\r\n\r\n`));
    }
    const up = await Deno.connect({ hostname: m[1]!, port: Number(m[2]) });
    open.add(up);
    await conn.write(enc.encode("HTTP/1.1 200 Connection established\r\n\r\n"));
    await Promise.allSettled([
      conn.readable.pipeTo(up.writable),
      up.readable.pipeTo(conn.writable),
    ]);
  };
  const done = (async () => {
    const served: Promise<void>[] = [];
    for await (const conn of listener) {
      served.push(
        serve(conn).catch(() => {}).finally(() => {
          try {
            conn.close();
          } catch { /* closed */ }
        }),
      );
    }
    await Promise.allSettled(served);
  })().catch(() => {});
  return proxy;
}
