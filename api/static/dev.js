/**
 * The developer panel of the status view (only with simulated hardware):
 * cable, EV charging or paused (each button enabled only when it applies),
 * fault injection, and a card at the reader.
 *
 * @module
 */
import { $, api, el, state, t } from "./core.js";

/** Builds the panel's connector groups for the session's connectors. */
export function buildDevPanel() {
  const dev = $("dev");
  dev.hidden = !state.session?.sim;
  const box = $("dev-connectors");
  box.replaceChildren();
  if (dev.hidden) return;
  for (let id = 1; id <= (state.session?.connectorCount ?? 0); id++) {
    const group = el("div", {
      role: "group",
      "aria-labelledby": `dev-c${id}-h`,
      class: "dev-connector",
    }, [
      el("h3", { id: `dev-c${id}-h`, "data-id": String(id), class: "connector-name" }),
    ]);
    for (
      const [action, key] of [
        ["plug", "dev.plug"],
        ["unplug", "dev.unplug"],
        ["evOn", "dev.evOn"],
        ["evOff", "dev.evOff"],
      ]
    ) {
      const button = el("button", { type: "button", id: `dev-${action}-${id}`, "data-t": key }, [
        t(key),
      ]);
      button.addEventListener("click", () => simulate(id, action));
      group.append(button);
    }
    const select = el(
      "select",
      { id: `dev-fault-${id}`, translate: "no" },
      FAULTS.map((f) => el("option", { value: f }, [f])),
    );
    const inject = el(
      "button",
      { type: "button", id: `dev-inject-${id}`, "data-t": "dev.inject" },
      [
        t("dev.inject"),
      ],
    );
    inject.addEventListener("click", () => fault(id, select.value));
    const clear = el("button", {
      type: "button",
      id: `dev-clear-${id}`,
      "data-t": "dev.clearFault",
    }, [
      t("dev.clearFault"),
    ]);
    clear.addEventListener("click", () => fault(id, null));
    group.append(
      el("div", { class: "inline" }, [
        el("label", { for: `dev-fault-${id}`, "data-t": "dev.fault" }, [t("dev.fault")]),
        select,
        inject,
        clear,
      ]),
    );
    box.append(group);
  }
}

/**
 * Enables each button of a connector only when it applies.
 *
 * @param {any} c A connector of the status.
 */
export function updateDevButtons(c) {
  const plugged = c.evState !== "A";
  const set = (/** @type {string} */ action, /** @type {boolean} */ disabled) => {
    const button = $(`dev-${action}-${c.id}`);
    if (button) button.disabled = disabled;
  };
  set("plug", plugged);
  set("unplug", !plugged);
  // The EV can start drawing only when plugged and not drawing, and pause only while drawing.
  set("evOn", c.evState !== "B");
  set("evOff", c.evState !== "C");
  set("inject", c.errorCode !== "NoError");
  set("clear", c.errorCode === "NoError");
}

/**
 * Runs a developer panel action on the simulated hardware.
 *
 * @param {number} id Connector id (unused for "tap").
 * @param {string} action
 */
export async function simulate(id, action) {
  const error = $("dev-error");
  error.textContent = "";
  const [path, body] = action === "tap"
    ? ["/api/sim/rfid", { idTag: $("dev-idtag").value.trim() }]
    : action === "evOn" || action === "evOff"
    ? [`/api/sim/connectors/${id}/ev`, { charging: action === "evOn" }]
    : [`/api/sim/connectors/${id}/${action}`, undefined];
  const res = await api("POST", path, body);
  if (res.status !== 202) {
    error.textContent = t("dev.failed", { error: res.data.error ?? String(res.status) });
  }
}

/** Faults the simulated hardware can raise (OCPP ChargePointErrorCode). */
const FAULTS = [
  "GroundFailure",
  "HighTemperature",
  "OverCurrentFailure",
  "OverVoltage",
  "UnderVoltage",
  "PowerMeterFailure",
  "PowerSwitchFailure",
  "ReaderFailure",
  "EVCommunicationError",
  "ConnectorLockFailure",
  "InternalError",
  "OtherError",
];

/**
 * Raises (or with null clears) a fault on the simulated hardware.
 *
 * @param {number} id
 * @param {string | null} errorCode
 */
async function fault(id, errorCode) {
  const error = $("dev-error");
  error.textContent = "";
  const res = await api("POST", `/api/sim/connectors/${id}/fault`, { errorCode });
  if (res.status !== 202) {
    error.textContent = t("dev.failed", { error: res.data.error ?? String(res.status) });
  }
}
