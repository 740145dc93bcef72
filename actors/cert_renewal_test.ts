import assert from "node:assert/strict";
import type { Ctx, Effect } from "./bus.ts";
import { Bus } from "./bus.ts";
import { FakeClock } from "./clock.ts";
import {
  certRenewalActor,
  CHECK_MS,
  FIRST_CHECK_MS,
  MAX_FAILURES,
  RENEW_BEFORE_MS,
  RENEW_REF,
  type RenewalMsg,
  type RenewalState,
  retryWaitMs,
  SIGNED_WAIT_MS,
  transitionRenewal,
} from "./cert_renewal.ts";
import type { BackendState, BusMessage } from "./messages.ts";
import type { TimerFired } from "./bus.ts";
import { type Value, viewOf } from "../config/registry.ts";

const DAY = 24 * 3600_000;
const T0 = Date.UTC(2026, 11, 1);
const FILE = "/data/certs/client-cert.pem";
const SETTINGS: [string, Value][] = [
  ["TlsClientCertFile", FILE],
  ["TlsClientKeyFile", "/data/certs/client-key.pem"],
  ["SecurityProfile", 3],
  ["CentralSystemUrl", "wss://cs.example/ocpp"],
  ["CpoName", "CPO"],
];

function ctxAt(now: number, backend: BackendState = "accepted", entries = SETTINGS): Ctx {
  return { now, config: viewOf(new Map(entries)), backend };
}

function run(
  state: RenewalState,
  msg: RenewalMsg | TimerFired,
  ctx = ctxAt(T0),
): [RenewalState, Effect[]] {
  return transitionRenewal(state, msg, ctx);
}

const expiry = (notAfter: number): RenewalMsg => ({ type: "cert.expiry", file: FILE, notAfter });
const starts = (effects: Effect[]) =>
  effects.filter((e) => e.type === "cert.job" && e.job.kind === "csr").length;
const idle: RenewalState = { failures: 0 };
const rejected: RenewalMsg = {
  type: "ocpp.result",
  action: "SignCertificate",
  payload: { status: "Rejected" },
  request: { csr: "PEM" },
};

Deno.test("transitionRenewal(): due (within a month of notAfter) starts one key update, as A02's csr job", () => {
  const [s, effects] = run(idle, expiry(T0 + RENEW_BEFORE_MS - 1));
  assert.deepEqual(effects.at(-1), { type: "cert.job", ref: RENEW_REF, job: { kind: "csr" } });
  assert.equal(s.running, T0);
  // The same check again while it runs starts nothing, nor does its own job coming by.
  assert.equal(starts(run(s, expiry(T0 + RENEW_BEFORE_MS - 1), ctxAt(T0 + DAY - 1))[1]), 0);
  assert.deepEqual(run(s, { type: "cert.job", ref: RENEW_REF, job: { kind: "csr" } }), [s, []]);
  // An expired certificate is due too.
  assert.equal(starts(run(idle, expiry(T0 - 1))[1]), 1);
});

Deno.test("transitionRenewal(): not due, not booted, no CpoName, another file: nothing", () => {
  assert.deepEqual(run(idle, expiry(T0 + RENEW_BEFORE_MS + 1)), [
    { failures: 0, notAfter: T0 + RENEW_BEFORE_MS + 1 },
    [],
  ]);
  assert.equal(starts(run(idle, expiry(T0), ctxAt(T0, "pending"))[1]), 0);
  const noCpo = run(idle, expiry(T0), ctxAt(T0, "accepted", [["TlsClientCertFile", FILE]]));
  assert.equal(starts(noCpo[1]), 0);
  assert.match(JSON.stringify(noCpo[1]), /CpoName is not set/);
  const other = run(idle, { type: "cert.expiry", file: "/old.pem", notAfter: T0 });
  assert.deepEqual(other, [idle, []]);
  // Unknown expiry: a warning, nothing else.
  const [, unknown] = run(idle, { type: "cert.expiry", file: FILE, reason: "no such file" });
  assert.deepEqual(unknown.map((e) => e.type), ["log"]);
});

Deno.test("transitionRenewal(): the Central System's key update (A02) running: no second one", () => {
  const [s] = run(idle, { type: "cert.job", ref: "m1", job: { kind: "csr" } });
  assert.equal(s.running, T0);
  assert.equal(starts(run(s, expiry(T0))[1]), 0);
  // Other jobs are not key updates.
  assert.deepEqual(run(idle, { type: "cert.job", ref: "m2", job: { kind: "signed", chain: "" } }), [
    idle,
    [],
  ]);
});

Deno.test("transitionRenewal(): a rejected SignCertificate is retried after a day, then 2, 4, 8 days; at most five", () => {
  let [s] = run(idle, expiry(T0));
  let now = T0;
  const waits: number[] = [];
  for (let attempt = 1; attempt <= MAX_FAILURES; attempt++) {
    const [f, effects] = run(s, rejected, ctxAt(now));
    assert.equal(f.running, undefined);
    assert.equal(f.failures, attempt);
    assert.equal(effects[0]?.type === "log" && effects[0].level, attempt < 5 ? "warn" : "error");
    s = f;
    if (attempt === MAX_FAILURES) break;
    const wait = retryWaitMs(attempt);
    waits.push(wait / DAY);
    // Not before the wait: nothing; at it: the next attempt.
    assert.equal(starts(run(s, expiry(T0), ctxAt(now + wait - 1))[1]), 0);
    now += wait;
    const [again, e] = run(s, expiry(T0), ctxAt(now));
    assert.equal(starts(e), 1);
    s = again;
  }
  assert.deepEqual(waits, [1, 2, 4, 8]);
  // Given up: no more attempts, until another certificate is reported.
  assert.equal(starts(run(s, expiry(T0), ctxAt(now + 100 * DAY))[1]), 0);
  assert.equal(starts(run(s, expiry(T0 + DAY), ctxAt(now + 100 * DAY))[1]), 1);
});

Deno.test("transitionRenewal(): no answer, no CSR, no CertificateSigned within a day: failed and retried", () => {
  const [s] = run(idle, expiry(T0));
  const offline: RenewalMsg = {
    type: "ocpp.failed",
    action: "SignCertificate",
    request: { csr: "PEM" },
    code: "Timeout",
    description: "no answer",
  };
  assert.equal(run(s, offline)[0].failures, 1);
  assert.equal(
    run(s, { type: "cert.done", ref: RENEW_REF, outcome: { kind: "csr" } })[0].failures,
    1,
  );
  // Accepted, then nothing for a day: the next check counts it failed and starts again.
  const accepted = run(s, { ...rejected, payload: { status: "Accepted" } } as RenewalMsg)[0];
  assert.deepEqual(accepted, s);
  assert.equal(starts(run(accepted, expiry(T0), ctxAt(T0 + SIGNED_WAIT_MS - 1))[1]), 0);
  const [later, effects] = run(accepted, expiry(T0), ctxAt(T0 + SIGNED_WAIT_MS));
  assert.equal(starts(effects), 1);
  assert.equal(later.failures, 1);
  // An accepted CertificateSigned ends it well; its certificate is due only a day later.
  const [done] = run(later, {
    type: "cert.done",
    ref: "c1",
    outcome: { kind: "signed", status: "Accepted" },
  });
  assert.deepEqual(done, { ...later, running: undefined, failures: 0 });
  assert.equal(starts(run(done, expiry(T0 + DAY), ctxAt(T0 + SIGNED_WAIT_MS + 1))[1]), 0);
});

Deno.test("certRenewalActor on the injected clock: a check a minute after the Accepted boot, then daily", () => {
  const clock = new FakeClock(T0);
  let notAfter = T0 + 40 * DAY;
  const bus = new Bus({
    clock,
    config: () => viewOf(new Map(SETTINGS)),
    backend: () => "accepted",
  });
  const seen: BusMessage[] = [];
  bus.inspect((m) => seen.push(m));
  // The certificate store's part: it answers the check.
  bus.subscribe("cert.expiry_check", (m) => {
    bus.publish({ type: "cert.expiry", file: m.file, notAfter });
  });
  bus.spawn(certRenewalActor);
  const jobs = () => seen.filter((m) => m.type === "cert.job").length;
  const checks = () => seen.filter((m) => m.type === "cert.expiry_check").length;
  bus.publish({ type: "backend.accepted", currentTime: new Date(T0).toISOString() });
  clock.advance(FIRST_CHECK_MS - 1);
  assert.equal(checks(), 0);
  clock.advance(1);
  assert.equal(checks(), 1);
  assert.equal(jobs(), 0);
  // Ten days later it is within the month: the daily check starts one key update.
  clock.advance(10 * CHECK_MS);
  assert.equal(checks(), 11);
  assert.equal(jobs(), 1);
  assert.equal(bus.snapshot("cert_renewal").running, T0 + FIRST_CHECK_MS + 10 * CHECK_MS);
  notAfter += 365 * DAY;
  bus.publish({ type: "cert.done", ref: "c", outcome: { kind: "signed", status: "Accepted" } });
  clock.advance(5 * CHECK_MS);
  assert.equal(jobs(), 1);
  bus.stop();
});

Deno.test("certRenewalActor: no check while the connection presents no client certificate", () => {
  const check = (entries: [string, Value][]) =>
    transitionRenewal(idle, { type: "timer.fired", id: "check" }, ctxAt(T0, "accepted", entries))[1]
      .map((e) => e.type);
  assert.deepEqual(check(SETTINGS), ["timer.start", "cert.expiry_check"]);
  const without = (key: string, value: Value) =>
    SETTINGS.map(([k, v]): [string, Value] => [k, k === key ? value : v]);
  assert.deepEqual(check(without("TlsClientKeyFile", "")), ["timer.start"]);
  assert.deepEqual(check(without("TlsClientCertFile", "")), ["timer.start"]);
  // Plain ws:// on profile 0 or 1: no TLS, the certificate is not used.
  const plain = without("CentralSystemUrl", "ws://cs.example/ocpp");
  assert.deepEqual(
    check(plain.map(([k, v]): [string, Value] => [k, k === "SecurityProfile" ? 1 : v])),
    ["timer.start"],
  );
});
