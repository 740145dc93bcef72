import assert from "node:assert/strict";
import { FaultLedger } from "./fault_ledger.ts";

Deno.test("FaultLedger.raise() reports a new fault once, and a changed one again", () => {
  const ledger = new FaultLedger<"relay">();
  assert.deepEqual(ledger.raise("relay", { errorCode: "PowerSwitchFailure", info: "x" }), {
    kind: "fault",
    fault: { errorCode: "PowerSwitchFailure", info: "x" },
  });
  assert.deepEqual(ledger.raise("relay", { errorCode: "PowerSwitchFailure", info: "x" }), {
    kind: "none",
  });
  assert.deepEqual(ledger.raise("relay", { errorCode: "PowerSwitchFailure" }), {
    kind: "fault",
    fault: { errorCode: "PowerSwitchFailure" },
  });
  assert.equal(ledger.faulted, true);
});

Deno.test("FaultLedger.clear() shows the latest fault left, and clears when none is", () => {
  const ledger = new FaultLedger<"source" | "meter" | "lock">();
  ledger.raise("source", { errorCode: "GroundFailure" });
  ledger.raise("meter", { errorCode: "PowerMeterFailure" });
  ledger.raise("lock", { errorCode: "ConnectorLockFailure" });
  assert.deepEqual(ledger.clear("lock"), {
    kind: "fault",
    fault: { errorCode: "PowerMeterFailure" },
  });
  assert.deepEqual(ledger.clear("lock"), { kind: "none" });
  assert.deepEqual(ledger.clear("source"), {
    kind: "fault",
    fault: { errorCode: "PowerMeterFailure" },
  });
  assert.deepEqual(ledger.clear("meter"), { kind: "cleared" });
  assert.equal(ledger.faulted, false);
});

Deno.test("FaultLedger.raise() again moves the fault to latest", () => {
  const ledger = new FaultLedger<"source" | "meter">();
  ledger.raise("source", { errorCode: "GroundFailure" });
  ledger.raise("meter", { errorCode: "PowerMeterFailure" });
  ledger.raise("source", { errorCode: "OverCurrentFailure" });
  assert.deepEqual(ledger.clear("meter"), {
    kind: "fault",
    fault: { errorCode: "OverCurrentFailure" },
  });
});

Deno.test("FaultLedger.raise() cuts info to the 50 characters of CiString50Type", () => {
  const ledger = new FaultLedger<"meter">();
  const change = ledger.raise("meter", { errorCode: "PowerMeterFailure", info: "x".repeat(80) });
  assert.deepEqual(change, {
    kind: "fault",
    fault: { errorCode: "PowerMeterFailure", info: "x".repeat(50) },
  });
});
