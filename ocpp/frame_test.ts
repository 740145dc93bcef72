import assert from "node:assert/strict";
import { callFrame, errorFrame, parseFrame, resultFrame } from "./frame.ts";

const NOT_ARRAY = { ok: false, reason: "Cannot parse frame: not an OCPP-J message array" };
const BAD_ID = {
  ok: false,
  reason: "Cannot parse frame: message id must be a string of 1-36 characters",
};

Deno.test("parseFrame() rejects text that is not JSON", () => {
  for (const text of ["", "nonsense", "[2,", "[2,'1','Heartbeat',{}]"]) {
    assert.deepEqual(parseFrame(text), { ok: false, reason: "Cannot parse frame: not JSON" }, text);
  }
});

Deno.test("parseFrame() rejects JSON that is not a message array of at least 3 elements", () => {
  for (const text of ["{}", '"2"', "2", "null", "[]", "[2]", '[2,"1"]']) {
    assert.deepEqual(parseFrame(text), NOT_ARRAY, text);
  }
});

Deno.test("parseFrame() rejects a message id that is not a string of 1-36 characters", () => {
  for (const id of [1, null, {}, "", "x".repeat(37)]) {
    assert.deepEqual(parseFrame(JSON.stringify([2, id, "Heartbeat", {}])), BAD_ID, String(id));
    assert.deepEqual(parseFrame(JSON.stringify([3, id, {}])), BAD_ID, String(id));
  }
});

Deno.test("parseFrame() accepts a message id of exactly 36 characters (a GUID)", () => {
  const id = crypto.randomUUID();
  assert.equal(id.length, 36);
  assert.deepEqual(parseFrame(JSON.stringify([3, id, {}])), {
    ok: true,
    frame: { kind: "result", id, payload: {} },
  });
});

Deno.test("parseFrame() parses a CALL", () => {
  assert.deepEqual(
    parseFrame('[2, "19223201", "BootNotification", {"chargePointVendor": "VendorX"}]'),
    {
      ok: true,
      frame: {
        kind: "call",
        id: "19223201",
        action: "BootNotification",
        payload: { chargePointVendor: "VendorX" },
      },
    },
  );
});

Deno.test("parseFrame() passes a CALL's non-object payload through for schema validation", () => {
  assert.deepEqual(parseFrame('[2,"1","Heartbeat",null]'), {
    ok: true,
    frame: { kind: "call", id: "1", action: "Heartbeat", payload: null },
  });
});

Deno.test("parseFrame() answers a misshapen CALL with its id and FormationViolation", () => {
  const formation = {
    ok: false,
    id: "42",
    code: "FormationViolation",
    reason: "Cannot parse CALL: expected [2, id, action, payload]",
  };
  for (
    const frame of [
      [2, "42", "Heartbeat"],
      [2, "42", "Heartbeat", {}, {}],
      [2, "42", 7, {}],
      [2, "42", null, {}],
    ]
  ) {
    assert.deepEqual(parseFrame(JSON.stringify(frame)), formation, JSON.stringify(frame));
  }
});

Deno.test("parseFrame() parses a CALLRESULT", () => {
  assert.deepEqual(parseFrame('[3,"abc",{"currentTime":"2026-01-01T00:00:00Z"}]'), {
    ok: true,
    frame: { kind: "result", id: "abc", payload: { currentTime: "2026-01-01T00:00:00Z" } },
  });
});

Deno.test("parseFrame() rejects a CALLRESULT with extra elements, without an id to answer", () => {
  assert.deepEqual(parseFrame('[3,"abc",{},{}]'), {
    ok: false,
    reason: "Cannot parse CALLRESULT: expected [3, id, payload]",
  });
});

Deno.test("parseFrame() parses a CALLERROR", () => {
  assert.deepEqual(parseFrame('[4,"7","NotSupported","Reset is not supported",{}]'), {
    ok: true,
    frame: { kind: "error", id: "7", code: "NotSupported", description: "Reset is not supported" },
  });
});

Deno.test("parseFrame() gives a CALLERROR without a string description an empty one", () => {
  for (const frame of [[4, "7", "GenericError"], [4, "7", "GenericError", 12, {}]]) {
    assert.deepEqual(parseFrame(JSON.stringify(frame)), {
      ok: true,
      frame: { kind: "error", id: "7", code: "GenericError", description: "" },
    });
  }
});

Deno.test("parseFrame() rejects a CALLERROR whose errorCode is not a string", () => {
  assert.deepEqual(parseFrame('[4,"7",5,"x",{}]'), {
    ok: false,
    reason: "Cannot parse CALLERROR: errorCode must be a string",
  });
});

Deno.test("parseFrame() rejects an unknown message type id without an id to answer", () => {
  assert.deepEqual(parseFrame('[5,"1","Heartbeat",{}]'), {
    ok: false,
    reason: "Cannot parse frame: unknown message type 5",
  });
  assert.deepEqual(parseFrame('["2","1","Heartbeat",{}]'), {
    ok: false,
    reason: 'Cannot parse frame: unknown message type "2"',
  });
});

Deno.test("callFrame() serialises [2, id, action, payload]", () => {
  const text = callFrame("1-1", "Authorize", { idTag: "ABC" });
  assert.equal(text, '[2,"1-1","Authorize",{"idTag":"ABC"}]');
  assert.deepEqual(parseFrame(text), {
    ok: true,
    frame: { kind: "call", id: "1-1", action: "Authorize", payload: { idTag: "ABC" } },
  });
});

Deno.test("resultFrame() serialises [3, id, payload]", () => {
  assert.equal(resultFrame("9", { status: "Accepted" }), '[3,"9",{"status":"Accepted"}]');
});

Deno.test("errorFrame() serialises [4, id, code, description, {}] with the description cut to 255", () => {
  assert.equal(errorFrame("9", "NotImplemented", "nope"), '[4,"9","NotImplemented","nope",{}]');
  const long = errorFrame("9", "GenericError", "x".repeat(300));
  assert.deepEqual(JSON.parse(long), [4, "9", "GenericError", "x".repeat(255), {}]);
});
