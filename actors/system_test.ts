import assert from "node:assert/strict";
import type { Ctx, Effect } from "./bus.ts";
import { asRequest, type BackendState } from "./messages.ts";
import {
  initialSystem,
  RESET_STOP_TIMEOUT_MS,
  systemActor,
  type SystemMsg,
  type SystemState,
  transitionSystem,
} from "./system.ts";
import { type Value, viewOf } from "../config/registry.ts";
import { validatePayload } from "../ocpp/schema.ts";

/** A context; the boot Accepted (the supervisor's phase) unless `backend` says otherwise. */
function ctxWith(
  entries: [string, Value][] = [],
  now = 1_000,
  backend: BackendState = "accepted",
): Ctx {
  return { now, config: viewOf(new Map(entries)), backend };
}

function request(
  action: "Reset" | "DataTransfer" | "TriggerMessage",
  payload: Record<string, unknown>,
  id = "m1",
): SystemMsg {
  // As the rpc actor hands it over (asRequest); some tests send what the schema would refuse.
  return asRequest(id, action, payload);
}

function reply(action: string, status: string, id = "m1"): Effect {
  return { type: "ocpp.reply", id, action, payload: { status } } as Effect;
}

/** An idle system actor. */
function idle(): SystemState {
  return { reset: { phase: "none" } };
}

const STOPPING_SOFT: SystemState = {
  reset: { phase: "stopping", kind: "Soft", since: 1_000 },
};

Deno.test("initialSystem() starts with no reset", () => {
  assert.deepEqual(initialSystem(ctxWith()), { reset: { phase: "none" } });
});

Deno.test("transitionSystem() accepts a Soft reset, then stops every transaction (TC_014, TC_016)", () => {
  assert.deepEqual(transitionSystem(idle(), request("Reset", { type: "Soft" }), ctxWith()), [
    STOPPING_SOFT,
    [
      reply("Reset", "Accepted"),
      {
        type: "log",
        level: "info",
        text: "Soft reset requested by the Central System: stopping transactions",
      },
      { type: "tx.stop_all", reason: "SoftReset" },
      { type: "timer.start", id: "reset", ms: RESET_STOP_TIMEOUT_MS },
    ],
  ]);
});

Deno.test("transitionSystem() accepts a Hard reset and stops transactions with HardReset (TC_013, TC_015)", () => {
  assert.deepEqual(transitionSystem(idle(), request("Reset", { type: "Hard" }), ctxWith([], 5)), [
    { reset: { phase: "stopping", kind: "Hard", since: 5 } },
    [
      reply("Reset", "Accepted"),
      {
        type: "log",
        level: "info",
        text: "Hard reset requested by the Central System: stopping transactions",
      },
      { type: "tx.stop_all", reason: "HardReset" },
      { type: "timer.start", id: "reset", ms: RESET_STOP_TIMEOUT_MS },
    ],
  ]);
});

Deno.test("transitionSystem() restarts once every transaction is stopped", () => {
  assert.deepEqual(transitionSystem(STOPPING_SOFT, { type: "tx.all_stopped" }, ctxWith()), [
    { reset: { phase: "restarting", kind: "Soft" } },
    [{ type: "timer.cancel", id: "reset" }, { type: "system.restart", kind: "Soft" }],
  ]);
});

Deno.test("transitionSystem() restarts anyway when transactions do not stop in time", () => {
  assert.deepEqual(
    transitionSystem(STOPPING_SOFT, { type: "timer.fired", id: "reset" }, ctxWith()),
    [
      { reset: { phase: "restarting", kind: "Soft" } },
      [
        {
          type: "log",
          level: "warn",
          text: "Cannot stop every transaction within 30 s: restarting anyway",
        },
        { type: "system.restart", kind: "Soft" },
      ],
    ],
  );
});

Deno.test("transitionSystem() accepts a second reset while one is pending without a second stop", () => {
  const msg = request("Reset", { type: "Soft" }, "m2");
  assert.deepEqual(transitionSystem(STOPPING_SOFT, msg, ctxWith()), [
    STOPPING_SOFT,
    [
      reply("Reset", "Accepted", "m2"),
      { type: "log", level: "info", text: "Soft reset requested while a Soft reset is pending" },
    ],
  ]);
});

Deno.test("transitionSystem() lets a Hard reset upgrade a pending Soft one, restarting once", () => {
  const [state, effects] = transitionSystem(
    STOPPING_SOFT,
    request("Reset", { type: "Hard" }, "m2"),
    ctxWith(),
  );
  assert.deepEqual(effects, [
    reply("Reset", "Accepted", "m2"),
    { type: "log", level: "info", text: "Hard reset requested while a Soft reset is pending" },
  ]);
  const [after, restart] = transitionSystem(state, { type: "tx.all_stopped" }, ctxWith());
  assert.deepEqual(restart, [
    { type: "timer.cancel", id: "reset" },
    { type: "system.restart", kind: "Hard" },
  ]);
  assert.deepEqual(transitionSystem(after, { type: "timer.fired", id: "reset" }, ctxWith()), [
    after,
    [],
  ]);
});

Deno.test("transitionSystem() accepts a reset while restarting and does nothing more", () => {
  const restarting: SystemState = {
    reset: { phase: "restarting", kind: "Hard" },
  };
  assert.deepEqual(transitionSystem(restarting, request("Reset", { type: "Soft" }), ctxWith()), [
    restarting,
    [
      reply("Reset", "Accepted"),
      { type: "log", level: "info", text: "Soft reset requested while restarting" },
    ],
  ]);
  assert.deepEqual(transitionSystem(restarting, { type: "tx.all_stopped" }, ctxWith()), [
    restarting,
    [],
  ]);
});

Deno.test("transitionSystem() ignores tx.all_stopped and a stray timer when no reset is pending", () => {
  assert.deepEqual(transitionSystem(idle(), { type: "tx.all_stopped" }, ctxWith()), [idle(), []]);
  assert.deepEqual(transitionSystem(idle(), { type: "timer.fired", id: "reset" }, ctxWith()), [
    idle(),
    [],
  ]);
});

Deno.test("transitionSystem() answers DataTransfer with UnknownVendorId (TC_062)", () => {
  const msg = request("DataTransfer", { vendorId: "com.example", messageId: "Hello", data: "x" });
  assert.deepEqual(transitionSystem(idle(), msg, ctxWith()), [idle(), [
    reply("DataTransfer", "UnknownVendorId"),
    {
      type: "log",
      level: "info",
      text: "DataTransfer for vendor com.example (messageId Hello): unknown",
    },
  ]]);
});

Deno.test("transitionSystem() answers a trigger for MeterValues before asking for it (TC_054)", () => {
  const msg = request("TriggerMessage", { requestedMessage: "MeterValues", connectorId: 1 });
  assert.deepEqual(transitionSystem(idle(), msg, ctxWith()), [idle(), [
    reply("TriggerMessage", "Accepted"),
    { type: "trigger", message: "MeterValues", connectorId: 1 },
  ]]);
});

Deno.test("transitionSystem() triggers a Heartbeat, ignoring its irrelevant connectorId (TC_054)", () => {
  const msg = request("TriggerMessage", { requestedMessage: "Heartbeat", connectorId: 99 });
  assert.deepEqual(transitionSystem(idle(), msg, ctxWith()), [idle(), [
    reply("TriggerMessage", "Accepted"),
    { type: "trigger", message: "Heartbeat" },
  ]]);
});

Deno.test("transitionSystem() triggers StatusNotification for every connector without a connectorId", () => {
  const msg = request("TriggerMessage", { requestedMessage: "StatusNotification" });
  assert.deepEqual(transitionSystem(idle(), msg, ctxWith()), [idle(), [
    reply("TriggerMessage", "Accepted"),
    { type: "trigger", message: "StatusNotification" },
  ]]);
});

Deno.test("transitionSystem() triggers StatusNotification for connector 0, the Charge Point", () => {
  const msg = request("TriggerMessage", { requestedMessage: "StatusNotification", connectorId: 0 });
  assert.deepEqual(transitionSystem(idle(), msg, ctxWith()), [idle(), [
    reply("TriggerMessage", "Accepted"),
    { type: "trigger", message: "StatusNotification", connectorId: 0 },
  ]]);
});

Deno.test("transitionSystem() rejects a trigger for connector NumberOfConnectors + 1 (TC_055)", () => {
  const ctx = ctxWith([["NumberOfConnectors", 2]]);
  const msg = request("TriggerMessage", { requestedMessage: "MeterValues", connectorId: 3 });
  assert.deepEqual(transitionSystem(idle(), msg, ctx), [idle(), [
    reply("TriggerMessage", "Rejected"),
    {
      type: "log",
      level: "info",
      text: "TriggerMessage MeterValues rejected: connector 3 does not exist (0-2)",
    },
  ]]);
  const last = request("TriggerMessage", { requestedMessage: "MeterValues", connectorId: 2 });
  assert.deepEqual(transitionSystem(idle(), last, ctx)[1], [
    reply("TriggerMessage", "Accepted"),
    { type: "trigger", message: "MeterValues", connectorId: 2 },
  ]);
});

Deno.test("transitionSystem() rejects a trigger for a negative connectorId", () => {
  const msg = request("TriggerMessage", {
    requestedMessage: "StatusNotification",
    connectorId: -1,
  });
  assert.deepEqual(transitionSystem(idle(), msg, ctxWith()), [idle(), [
    reply("TriggerMessage", "Rejected"),
    {
      type: "log",
      level: "info",
      text: "TriggerMessage StatusNotification rejected: connector -1 does not exist (0-1)",
    },
  ]]);
});

Deno.test("transitionSystem() asks the diagnostics actor for DiagnosticsStatusNotification after its reply (TC_054)", () => {
  const msg = request("TriggerMessage", { requestedMessage: "DiagnosticsStatusNotification" });
  assert.deepEqual(transitionSystem(idle(), msg, ctxWith()), [idle(), [
    reply("TriggerMessage", "Accepted"),
    { type: "trigger", message: "DiagnosticsStatusNotification" },
  ]]);
});

Deno.test("transitionSystem() asks the firmware actor for FirmwareStatusNotification after its reply (TC_054)", () => {
  const msg = request("TriggerMessage", { requestedMessage: "FirmwareStatusNotification" });
  assert.deepEqual(transitionSystem(idle(), msg, ctxWith()), [idle(), [
    reply("TriggerMessage", "Accepted"),
    { type: "trigger", message: "FirmwareStatusNotification" },
  ]]);
});

Deno.test("transitionSystem() rejects a BootNotification trigger once accepted (errata 3.35)", () => {
  const msg = request("TriggerMessage", { requestedMessage: "BootNotification" });
  assert.deepEqual(transitionSystem(idle(), msg, ctxWith()), [idle(), [
    reply("TriggerMessage", "Rejected"),
    {
      type: "log",
      level: "info",
      text: "TriggerMessage BootNotification rejected: already accepted by the Central System",
    },
  ]]);
});

Deno.test("transitionSystem() triggers a BootNotification while Pending", () => {
  const msg = request("TriggerMessage", { requestedMessage: "BootNotification", connectorId: 1 });
  assert.deepEqual(transitionSystem(idle(), msg, ctxWith([], 1_000, "pending")), [idle(), [
    reply("TriggerMessage", "Accepted"),
    { type: "trigger", message: "BootNotification" },
  ]]);
});

Deno.test("transitionSystem() answers NotImplemented for a message it cannot trigger", () => {
  const msg = request("TriggerMessage", { requestedMessage: "StartTransaction" });
  assert.deepEqual(transitionSystem(idle(), msg, ctxWith()), [idle(), [
    reply("TriggerMessage", "NotImplemented"),
  ]]);
});

Deno.test("transitionSystem() ignores an action it does not handle", () => {
  const msg: SystemMsg = { type: "ocpp.request", id: "m9", action: "ClearCache", payload: {} };
  assert.deepEqual(transitionSystem(idle(), msg, ctxWith()), [idle(), [
    { type: "log", level: "debug", text: "Ignored ClearCache in actor system: not handled here" },
  ]]);
});

Deno.test("systemActor handles Reset, DataTransfer and TriggerMessage", () => {
  assert.equal(systemActor.name, "system");
  assert.deepEqual(systemActor.receives, ["ocpp.request", "tx.all_stopped"]);
  assert.deepEqual(systemActor.handles, ["Reset", "DataTransfer", "TriggerMessage"]);
  assert.deepEqual(systemActor.initial(ctxWith()), { reset: { phase: "none" } });
  // Its transition is transitionSystem's.
  const msg = request("DataTransfer", { vendorId: "x" });
  assert.deepEqual(
    systemActor.transition(idle(), msg, ctxWith()),
    transitionSystem(idle(), msg, ctxWith()),
  );
});

Deno.test("transitionSystem() replies and calls satisfy the official schemas", () => {
  const messages = [
    request("Reset", { type: "Hard" }),
    request("DataTransfer", { vendorId: "x" }),
    request("TriggerMessage", { requestedMessage: "MeterValues", connectorId: 9 }),
    request("TriggerMessage", { requestedMessage: "Heartbeat" }),
    request("TriggerMessage", { requestedMessage: "DiagnosticsStatusNotification" }),
    request("TriggerMessage", { requestedMessage: "FirmwareStatusNotification" }),
    request("TriggerMessage", { requestedMessage: "Unknown" }),
  ];
  for (const msg of messages) {
    const effects = transitionSystem(idle(), msg, ctxWith())[1];
    // Every request is answered: a check of the replies must have one to check.
    assert.equal(effects.filter((e) => e.type === "ocpp.reply").length, 1, JSON.stringify(msg));
    for (const effect of effects) {
      if (effect.type === "ocpp.reply") {
        assert.equal(validatePayload(effect.action, "Response", effect.payload), undefined);
      } else if (effect.type === "ocpp.call") {
        assert.equal(validatePayload(effect.action, "Request", effect.payload), undefined);
      }
    }
  }
});

Deno.test("transitionSystem() rejects TriggerMessage for anything but BootNotification until the boot is accepted", () => {
  const msg = request("TriggerMessage", { requestedMessage: "StatusNotification", connectorId: 1 });
  const [, effects] = transitionSystem(idle(), msg, ctxWith([], 1_000, "pending"));
  assert.deepEqual(effects, [
    reply("TriggerMessage", "Rejected"),
    {
      type: "log",
      level: "info",
      text: "TriggerMessage StatusNotification rejected: BootNotification is not accepted yet",
    },
  ]);
  const boot = request("TriggerMessage", { requestedMessage: "BootNotification" });
  const [, again] = transitionSystem(idle(), boot, ctxWith([], 1_000, "pending"));
  assert.deepEqual(again[0], reply("TriggerMessage", "Accepted"));
});
