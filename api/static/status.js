/**
 * The status view: backend connection, each connector and its running
 * transaction, the durable store (queue, given-up messages, safe mode with
 * the button that enables charging again), recent events, all live from
 * `GET /api/events` (Server-Sent Events); and the developer panel for
 * simulated hardware.
 *
 * @module
 */
import { $, api, el, kwh, num, state, t, time } from "./core.js";
import { buildDevPanel, simulate, updateDevButtons } from "./dev.js";
import {
  activityChanged,
  availabilityButton,
  backendReason,
  lastAuthorization,
  refreshActivity,
  renderActivity,
} from "./activity.js";

/** @type {EventSource | null} */
let source = null;
/** The last status received. @type {any} */
let status = null;
/** Recent events, newest first. @type {any[]} */
let events = [];
let ready = false;

/** Builds the developer panel (only with simulated hardware). */
export function initStatus() {
  if (!ready) {
    ready = true;
    $("dev-rfid").addEventListener("submit", (/** @type {SubmitEvent} */ event) => {
      event.preventDefault();
      simulate(0, "tap");
    });
    $("safe-clear").addEventListener("click", clearSafeMode);
    state.onLang.push(render);
  }
  void refreshActivity(render);
  buildDevPanel();
  render();
}

/** Opens the live stream (the browser reconnects by itself after a drop). */
export function startLive() {
  stopLive();
  events = [];
  source = new EventSource("/api/events");
  source.addEventListener("open", () => ($("live").textContent = t("live.on")));
  source.addEventListener("status", (e) => {
    status = JSON.parse(e.data);
    render();
  });
  source.addEventListener("events", (e) => {
    events = JSON.parse(e.data);
    renderEvents();
  });
  source.addEventListener("event", (e) => {
    events = [JSON.parse(e.data), ...events].slice(0, 30);
    renderEvents();
    activityChanged();
  });
  source.addEventListener("error", async () => {
    $("live").textContent = t("live.off");
    // A refused stream (session ended) is not retried by the browser: ask why.
    if (source?.readyState === EventSource.CLOSED) {
      const res = await api("GET", "/api/session");
      if (res.status === 200) setTimeout(startLive, 2000);
    }
  });
}

/** Closes the live stream. */
export function stopLive() {
  source?.close();
  source = null;
  status = null;
}

/**
 * A definition list from rows of [label, value, id?].
 *
 * @param {[string, string | Node, string?][]} rows
 */
function list(rows) {
  return el(
    "dl",
    {},
    rows.flatMap((
      [label, value, id],
    ) => [el("dt", {}, [label]), el("dd", id ? { id } : {}, [value])]),
  );
}

function render() {
  for (const node of document.querySelectorAll(".connector-name")) {
    node.textContent = t("connector", { id: node.getAttribute("data-id") ?? "" });
  }
  if ($("live").textContent) {
    $("live").textContent = t(source?.readyState === 1 ? "live.on" : "live.off");
  }
  renderEvents();
  if (!status) return;
  const b = status.backend;
  const badge = $("backend-state");
  const text = t(`state.${b.state}`);
  if (badge.textContent !== text) badge.textContent = text; // announced only when it changes
  badge.className = `badge state-${b.state}`;
  /** @type {[string, string | Node, string?][]} */
  const rows = [];
  if (b.state !== "disabled") {
    rows.push([
      t(b.connected ? "backend.connectedSince" : "backend.disconnectedSince"),
      time(b.connectedChangedAt),
      "backend-since",
    ]);
  }
  if (b.reasonCode) rows.push([t("backend.reason"), backendReason(b.reasonCode), "backend-reason"]);
  if (b.url) rows.push([t("backend.url"), el("code", { translate: "no" }, [b.url]), "backend-url"]);
  rows.push([t("backend.cpId"), b.chargePointId ?? "–", "backend-cpid"]);
  if (b.state !== "disabled") {
    rows.push([
      t("backend.profile"),
      t("backend.profileValue", {
        profile: b.securityProfile,
        name: t(`profile.${b.securityProfile}`),
      }),
      "backend-profile",
    ]);
    rows.push([
      t("backend.lastMessage"),
      b.lastMessageAt ? time(b.lastMessageAt) : t("backend.never"),
      "backend-last-message",
    ]);
    rows.push([
      t("backend.lastHeartbeat"),
      b.lastHeartbeatAt ? time(b.lastHeartbeatAt) : t("backend.never"),
      "backend-last-heartbeat",
    ]);
  }
  // Stored settings that were invalid at start (the runtime's own words: a technical detail).
  const problems = Array.isArray(status.settings?.problems) ? status.settings.problems : [];
  if (problems.length > 0) {
    rows.push([
      t("settings.problems"),
      el("code", { translate: "no" }, [
        problems.map((/** @type {any} */ p) => `${p.field}: ${p.reason}`).join("; "),
      ]),
      "settings-problems",
    ]);
  }
  const dl = Object.assign(list(rows), { id: "backend" });
  if (b.reason && b.state !== "accepted" && b.state !== "disabled") {
    dl.append(
      el("dt", {}, [t("backend.detail")]),
      el("dd", { id: "backend-detail" }, [el("code", { translate: "no" }, [b.reason])]),
    );
  }
  $("backend").replaceWith(dl);
  $("reconnect").hidden = b.state === "disabled";
  const fb = b.fallback;
  $("fallback").hidden = !fb;
  $("fallback-text").textContent = fb
    ? t("fb.text", { from: fb.from, to: fb.to, reason: backendReason(fb.reasonCode) || "–" })
    : "";
  renderActivity();
  renderStore(status.durability);
  $("connectors").replaceChildren(...status.connectors.map(connectorCard));
  for (const c of status.connectors) updateDevButtons(c);
}

/**
 * The durable store: its state, the queue, given-up messages; in safe mode
 * why charging is disabled and the button that enables it again.
 *
 * @param {any} d The status's `durability` (absent in older runtimes).
 */
function renderStore(d) {
  $("store").hidden = !d;
  if (!d) return;
  const badge = $("store-state");
  const text = t(`ds.${d.state}`);
  if (badge.textContent !== text) badge.textContent = text;
  badge.className = `badge ds-${d.state}`;
  const safe = d.state === "safe_mode";
  $("safe-mode").hidden = !safe;
  $("safe-reason").textContent = safe
    ? t("safe.reason", { reason: d.chargingDisabled ?? d.detail ?? "–" })
    : "";
  if (safe) $("store-done").textContent = "";
  /** @type {[string, string, string?][]} */
  const rows = [];
  if (d.detail && !safe) rows.push([t("store.detail"), d.detail, "store-detail"]);
  rows.push([
    t("store.queue"),
    t("store.queueValue", { queued: num(d.queued, 0), limit: num(d.limit, 0) }),
    "store-queue",
  ]);
  rows.push([t("store.givenUp"), num(d.givenUp, 0), "store-given-up"]);
  if (d.thinned > 0) rows.push([t("store.thinned"), num(d.thinned, 0)]);
  if (d.previousRun) rows.push([t("store.previousRun"), t(`store.run.${d.previousRun}`)]);
  const dl = Object.assign(list(rows), { id: "store-list" });
  const recent = Array.isArray(d.recentGivenUp) ? d.recentGivenUp : [];
  if (recent.length > 0) {
    dl.append(
      el("dt", {}, [t("store.recent")]),
      el(
        "dd",
        {},
        [el(
          "ul",
          { class: "plain" },
          recent.map((/** @type {any} */ g) =>
            el("li", {}, [
              el("time", { datetime: g.givenUpAt ?? g.queuedAt }, [
                time(g.givenUpAt ?? g.queuedAt),
              ]),
              " ",
              t("store.recentItem", { action: g.action, reason: g.reason }),
            ])
          ),
        )],
      ),
    );
  }
  $("store-list").replaceWith(dl);
}

/** Leaves safe mode: charging is enabled again (the live status shows the change). */
async function clearSafeMode() {
  const button = $("safe-clear");
  const error = $("safe-error");
  error.textContent = "";
  button.disabled = true;
  const res = await api("POST", "/api/storage/clear-safe-mode");
  button.disabled = false;
  if (res.status !== 200) {
    error.textContent = t("safe.failed", { error: res.data.error ?? String(res.status) });
    return;
  }
  if (status) status = { ...status, durability: res.data };
  render();
  $("store-done").textContent = t("safe.cleared");
  // The button is gone: the keyboard focus goes to the store's heading.
  $("store-h").focus();
}

/** @param {any} c A connector of the status. */
function connectorCard(c) {
  const rows = [[t("c.ev"), t(`ev.${c.evState}`)]];
  if (c.errorCode !== "NoError") {
    rows.push([t("c.error"), el("code", { translate: "no" }, [c.errorCode]), `c${c.id}-error`]);
  }
  rows.push([t("c.meter"), kwh(c.meterWh)]);
  if (typeof c.limitA === "number") {
    rows.push([
      t("c.limit"),
      t("c.limitValue", { a: num(c.limitA, 1), source: t(`ls.${c.limitSource}`) }),
      `c${c.id}-limit`,
    ]);
  }
  const card = el("section", { class: "card connector", "aria-labelledby": `c${c.id}-h` }, [
    el("h2", { id: `c${c.id}-h` }, [t("connector", { id: c.id })]),
    el("p", { class: `badge cs-${c.status}`, id: `c${c.id}-status` }, [t(`cs.${c.status}`)]),
    list(rows),
  ]);
  if (c.startedAt) {
    card.append(
      el("h3", {}, [t("c.tx")]),
      list([
        [t("c.idTag"), c.idTag ?? "–"],
        [t("c.txId"), c.transactionId === null ? t("c.pendingId") : String(c.transactionId)],
        [t("c.started"), time(c.startedAt)],
        [t("c.energy"), kwh(c.energyWh), `c${c.id}-energy`],
        [t("c.power"), `${num(c.powerW / 1000, 2)} kW`, `c${c.id}-power`],
      ]),
    );
  } else card.append(el("p", { class: "hint" }, [t("c.noTx")]));
  if (Array.isArray(c.phases)) card.append(phaseTable(c));
  card.append(...lastAuthorization(c), ...availabilityButton(c));
  const r = c.reservation;
  if (r) {
    const rows = [
      [t("c.resIdTag"), r.idTag, `c${c.id}-res-idtag`],
      [t("c.resExpiry"), time(r.expiryDate), `c${c.id}-res-expiry`],
      [t("c.resId"), String(r.reservationId)],
    ];
    if (r.parentIdTag) rows.push([t("c.resParent"), r.parentIdTag]);
    if (r.anyConnector) rows.push([t("c.resScope"), t("c.resAny")]);
    card.append(el("h3", { id: `c${c.id}-res` }, [t("c.res")]), list(rows));
  }
  return card;
}

/**
 * Current and voltage per phase as the meter measures them (absent when it does not).
 *
 * @param {any} c A connector of the status.
 */
function phaseTable(c) {
  const head = [t("ph.phase"), t("ph.current"), t("ph.voltage")];
  return el("table", { class: "table phases", id: `c${c.id}-phases` }, [
    el("caption", {}, [t("ph.caption")]),
    el("thead", {}, [el("tr", {}, head.map((h) => el("th", { scope: "col" }, [h])))]),
    el(
      "tbody",
      {},
      c.phases.map((/** @type {any} */ p) =>
        el("tr", {}, [
          el("th", { scope: "row", translate: "no" }, [p.phase]),
          el("td", {}, [`${num(p.currentA, 1)} A`]),
          el("td", {}, [`${num(p.voltageV, 0)} V`]),
        ])
      ),
    ),
  ]);
}

/** @param {any} e An event of the stream. */
function eventText(e) {
  switch (e.type) {
    case "backend":
      return t("e.backend", { state: t(`state.${e.state}`) });
    case "connector":
      return t("e.connector", { id: e.connectorId, status: t(`cs.${e.status}`) }) +
        (e.errorCode !== "NoError" ? ` (${e.errorCode})` : "");
    case "transaction.started":
      return t("e.started", { id: e.connectorId, idTag: e.idTag ?? "–" });
    case "transaction.stopped":
      return t("e.stopped", { id: e.connectorId, energy: kwh(e.energyWh) });
    case "authorization":
      return t("e.auth", {
        id: e.connectorId,
        idTag: e.idTag,
        result: t(e.accepted ? "auth.accepted" : "auth.refused"),
        reason: t(`auth.reason.${e.reason}`),
      });
    default:
      return String(e.type);
  }
}

function renderEvents() {
  $("events").replaceChildren(
    ...events.map((e) =>
      el("li", {}, [
        el("time", { datetime: e.at }, [new Date(e.at).toLocaleTimeString(state.lang)]),
        " ",
        eventText(e),
      ])
    ),
  );
  $("events-empty").hidden = events.length > 0;
}
