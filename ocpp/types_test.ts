/**
 * The OCPP messages on the bus are typed per action with the 1.6 request
 * and response types: a payload that does not fit its action does not
 * compile. Each `@ts-expect-error` below fails the type check if the types
 * ever let it through again.
 */
import assert from "node:assert/strict";
import { asRequest, type OcppCall, type OcppRequest, reply } from "../actors/messages.ts";
import type { CsRequest } from "./types.ts";

Deno.test("ocpp.reply payloads are checked against their action's response type", () => {
  const ok = reply("m1", "Reset", { status: "Accepted" });
  // @ts-expect-error: Reset.conf has no status Maybe
  reply("m1", "Reset", { status: "Maybe" });
  // @ts-expect-error: ChangeAvailability.conf needs a status
  reply("m1", "ChangeAvailability", {});
  assert.deepEqual(ok, {
    type: "ocpp.reply",
    id: "m1",
    action: "Reset",
    payload: { status: "Accepted" },
  });
});

Deno.test("ocpp.call payloads are checked against their action's request type", () => {
  const call: OcppCall = { type: "ocpp.call", action: "Authorize", payload: { idTag: "A" } };
  // @ts-expect-error: Authorize.req needs an idTag
  const bad: OcppCall = { type: "ocpp.call", action: "Authorize", payload: {} };
  // @ts-expect-error: StatusNotification.req needs errorCode and status
  const wrong: OcppCall = {
    type: "ocpp.call",
    action: "StatusNotification",
    payload: { connectorId: 1 },
  };
  assert.equal(call.action, "Authorize");
  assert.ok(bad && wrong);
});

Deno.test("an ocpp.request narrows to its action's payload", () => {
  const req: OcppRequest = asRequest("r1", "ChangeConfiguration", { key: "K", value: "v" });
  if (req.action === "ChangeConfiguration") {
    const p: CsRequest<"ChangeConfiguration"> = req.payload;
    assert.equal(p.key, "K");
    // @ts-expect-error: a ChangeConfiguration.req has no connectorId
    assert.equal(req.payload.connectorId, undefined);
  } else assert.fail("narrowed by action");
});
