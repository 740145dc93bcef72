import assert from "node:assert/strict";
import { checkReading, describe } from "./meter.ts";
import { EV_STATES, isEvState } from "./pilot.ts";
import { checkIdTag } from "./rfid.ts";
import { checkFault, FAULT_CODES } from "./fault.ts";

Deno.test("checkReading() accepts good readings and names what is wrong with bad ones", () => {
  assert.equal(checkReading({ wh: 0, w: 0 }), null);
  assert.equal(checkReading({ wh: 10.5, w: 7400 }, 10.5), null);
  assert.equal(checkReading(null), "expected { wh, w }, got null");
  assert.equal(checkReading(7), "expected { wh, w }, got 7");
  assert.equal(
    checkReading({ wh: NaN, w: 0 }),
    "energy register NaN is not a finite number of Wh >= 0",
  );
  assert.equal(
    checkReading({ wh: "5", w: 0 }),
    'energy register "5" is not a finite number of Wh >= 0',
  );
  assert.equal(checkReading({ wh: 1, w: -3 }), "power -3 is not a finite number of W >= 0");
  assert.equal(checkReading({ wh: 1 }), "power undefined is not a finite number of W >= 0");
  assert.equal(checkReading({ wh: 9, w: 0 }, 10), "energy register went down from 10 Wh to 9 Wh");
});

Deno.test("describe() shows any value briefly", () => {
  assert.deepEqual(
    [describe("a"), describe(1), describe(undefined), describe({ x: 1 }), describe(1n)],
    ['"a"', "1", "undefined", '{"x":1}', "bigint"],
  );
});

Deno.test("isEvState() knows exactly A, B, C, E, F", () => {
  assert.deepEqual(EV_STATES, ["A", "B", "C", "E", "F"]);
  assert.deepEqual(["A", "C", "F", "D", "a", 1, null].map(isEvState), [
    true,
    true,
    true,
    false,
    false,
    false,
    false,
  ]);
});

Deno.test("checkIdTag() accepts 1 to 20 printable characters", () => {
  assert.equal(checkIdTag("04A2B3C4D5E6F7"), null);
  assert.equal(checkIdTag("x".repeat(20)), null);
  assert.equal(checkIdTag("x".repeat(21)), "it has 21 characters, at most 20 are allowed");
  assert.equal(checkIdTag("  "), "it is empty");
  assert.equal(checkIdTag("AB\nCD"), "it contains control characters");
  assert.equal(checkIdTag(42), "expected a string, got number");
});

Deno.test("checkFault() accepts every OCPP error code but NoError", () => {
  assert.equal(FAULT_CODES.length, 15);
  for (const errorCode of FAULT_CODES) assert.equal(checkFault({ errorCode }), null);
  assert.equal(
    checkFault({ errorCode: "NoError" }),
    'error code "NoError" is not an OCPP ChargePointErrorCode',
  );
  assert.equal(checkFault({ errorCode: "GroundFailure", info: 3 }), "info is not a string");
  assert.equal(checkFault("GroundFailure"), "expected { errorCode, info? }");
});
