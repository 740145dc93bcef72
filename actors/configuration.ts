/**
 * The configuration actor: answers GetConfiguration (OCPP 1.6 section 5.8)
 * and ChangeConfiguration (section 5.3) from the one settings registry
 * (`config/registry.ts`, chapter 9 keys plus the Security Whitepaper's
 * AuthorizationKey).
 *
 * - Keys are CiString50Type, "case insensitive" (section 7.17): a request
 *   for `heartbeatinterval` finds `HeartbeatInterval`, and answers use the
 *   registry's spelling.
 * - App-only settings are not OCPP configuration keys: unknown to
 *   GetConfiguration, NotSupported for ChangeConfiguration.
 * - Secret (write-only) keys are never read out: GetConfiguration lists them
 *   as unknown, and no log line carries their value (Security Whitepaper
 *   A01.FR.12). ChangeConfiguration may set them (A01.FR.02).
 * - ChangeConfiguration is answered only once its value is stored: the
 *   actor emits `config.write` with the request, the shell writes it to
 *   disk and answers `config.written`; the reply is Accepted (or
 *   RebootRequired) when the write succeeded and Rejected when it failed.
 *   `config.changed` follows the reply, so it leaves before a new
 *   AuthorizationKey makes the connection restart.
 *
 * Receives: `ocpp.request` (GetConfiguration, ChangeConfiguration), `config.written`.
 * Emits: `ocpp.reply`, `config.write`, `log`.
 *
 * @module
 */
import type { ActorLogic, Ctx, Effect, TimerFired } from "./bus.ts";
import { type MessageOf, type OcppRequest, reply } from "./messages.ts";
import type { CsAction, CsResponse } from "../ocpp/types.ts";
import {
  type AnyConfigView,
  type KeyDef,
  parseText,
  REGISTRY,
  toText,
} from "../config/registry.ts";

/** The configuration actor keeps no state: every answer comes from the registry and `ctx.config`. */
export type ConfigurationState = Readonly<Record<string, never>>;

/** Message types the configuration actor receives. */
const RECEIVES = ["ocpp.request", "config.written"] as const;

/** Messages the configuration actor receives. */
export type ConfigurationMsg = MessageOf<(typeof RECEIVES)[number]>;

/** The inbound actions this actor answers. */
export const CONFIGURATION_ACTIONS: readonly CsAction[] = [
  "GetConfiguration",
  "ChangeConfiguration",
];

/** Longest piece of a rejected value quoted in a log line. */
const LOG_VALUE_CHARS = 100;

const LOOKUPS = new WeakMap<readonly KeyDef[], ReadonlyMap<string, KeyDef>>();

/** The OCPP configuration keys of `defs` (app-only ones left out), by lower-case key. */
function ocppKeys(defs: readonly KeyDef[]): ReadonlyMap<string, KeyDef> {
  let map = LOOKUPS.get(defs);
  if (!map) {
    map = new Map(defs.filter((d) => !d.appOnly).map((d) => [d.key.toLowerCase(), d]));
    LOOKUPS.set(defs, map);
  }
  return map;
}

/** The current value of a key as OCPP text. */
/** The current value of a key as OCPP text (by the registry entry: any key). */
function valueText(def: KeyDef, config: AnyConfigView): string {
  switch (def.kind) {
    case "integer":
      return toText(config.int(def.key));
    case "boolean":
      return toText(config.bool(def.key));
    default:
      return config.str(def.key);
  }
}

function keyValue(def: KeyDef, config: AnyConfigView) {
  return { key: def.key, readonly: def.access !== "RW", value: valueText(def, config) };
}

/** An inbound OCPP request of one action. */
type Request<A extends CsAction> = Extract<OcppRequest, { action: A }>;

/** A ChangeConfiguration.conf status. */
type Status = CsResponse<"ChangeConfiguration">["status"];

function getConfiguration(
  msg: Request<"GetConfiguration">,
  ctx: Ctx,
  defs: readonly KeyDef[],
): Effect[] {
  const answer = (payload: CsResponse<"GetConfiguration">) => reply(msg.id, msg.action, payload);
  const requested = msg.payload.key ?? [];
  if (requested.length === 0) {
    // Section 5.8: an empty or missing key list asks for all configuration settings.
    const all = defs.filter((d) => !d.appOnly && d.access !== "W");
    return [answer({ configurationKey: all.map((d) => keyValue(d, ctx.config)) })];
  }
  const effects: Effect[] = [];
  let keys = [...new Set(requested)];
  const max = ctx.config.int("GetConfigurationMaxKeys");
  if (keys.length > max) {
    // Section 5.8: "The number of configuration keys requested in a single PDU MAY be
    // limited by the Charge Point. This maximum can be retrieved by reading the
    // configuration key GetConfigurationMaxKeys" (9.1.9: "Maximum number of requested
    // configuration keys in a GetConfiguration.req PDU"). The conf has no status and
    // no error code fits, so the Charge Point answers the first GetConfigurationMaxKeys
    // keys; the rest are neither known nor unknown: they are not answered at all (not
    // put in unknownKey, which would tell the Central System they are unsupported).
    effects.push({
      type: "log",
      level: "warn",
      text:
        `GetConfiguration asked for ${keys.length} keys: answering the first ${max} (GetConfigurationMaxKeys)`,
    });
    keys = keys.slice(0, max);
  }
  const lookup = ocppKeys(defs);
  const known: ReturnType<typeof keyValue>[] = [];
  const unknown: string[] = [];
  for (const key of keys) {
    const def = lookup.get(key.toLowerCase());
    // A write-only key (AuthorizationKey) is never readable: reported as unknown.
    if (def && def.access !== "W") known.push(keyValue(def, ctx.config));
    else unknown.push(key);
  }
  effects.unshift(answer({
    configurationKey: known,
    ...(unknown.length > 0 ? { unknownKey: unknown } : {}),
  }));
  return effects;
}

function changeConfiguration(
  msg: Request<"ChangeConfiguration">,
  ctx: Ctx,
  defs: readonly KeyDef[],
): Effect[] {
  const { key, value: text } = msg.payload;
  const answer = (status: Status) => reply(msg.id, msg.action, { status });
  const log = (level: "info" | "warn", line: string): Effect => ({
    type: "log",
    level,
    text: line,
  });
  const def = ocppKeys(defs).get(key.toLowerCase());
  if (!def) {
    return [
      answer("NotSupported"),
      log("info", `Cannot change configuration key ${key}: not supported`),
    ];
  }
  if (def.access === "R") {
    return [
      answer("Rejected"),
      log("warn", `Cannot change configuration key ${def.key}: read-only`),
    ];
  }
  const parsed = parseText(def, text);
  if (def.secret && (!parsed.ok || text === "")) {
    // Neither the value nor a reason that might quote it is logged (Security Whitepaper
    // A01.FR.12). An empty AuthorizationKey would drop HTTP Basic authentication, and
    // A00.FR.205 wants at least 16 bytes: the registry allows "" only as "not set".
    return [
      answer("Rejected"),
      log("warn", `Cannot change configuration key ${def.key}: invalid value (not logged)`),
    ];
  }
  if (!parsed.ok) {
    const quoted = JSON.stringify(text.slice(0, LOG_VALUE_CHARS));
    return [
      answer("Rejected"),
      log("warn", `Cannot change configuration key ${def.key} to ${quoted}: ${parsed.reason}`),
    ];
  }
  // A change the current state forbids (e.g. SecurityProfile only upwards, Security Whitepaper).
  const refused = def.checkChange?.(parsed.value, ctx.config);
  if (refused !== undefined) {
    const shown = def.secret ? "(value not logged)" : `to ${toText(parsed.value)}`;
    return [
      answer("Rejected"),
      log("warn", `Cannot change configuration key ${def.key} ${shown}: ${refused}`),
    ];
  }
  const status = def.reboot ? "RebootRequired" : "Accepted";
  // Only asked for here: the answer waits for config.written, so a value is
  // Accepted only once it is on disk (and Rejected when it cannot be stored).
  return [{
    type: "config.write",
    key: def.key,
    value: parsed.value,
    request: { id: msg.id, status },
  }];
}

/** The answer to a ChangeConfiguration.req, once its value was stored or failed to be. */
function written(msg: MessageOf<"config.written">, defs: readonly KeyDef[]): Effect[] {
  if (!msg.request) return [];
  const def = defs.find((d) => d.key === msg.key);
  const shown = def?.secret ? "(value not logged)" : `to ${toText(msg.value)}`;
  const id = msg.request.id;
  const answer = (status: Status) => reply(id, "ChangeConfiguration", { status });
  if (!msg.ok) {
    return [answer("Rejected"), {
      type: "log",
      level: "error",
      text: `Cannot change configuration key ${msg.key} ${shown}: cannot store it (${
        def?.secret ? "reason not logged" : msg.reason ?? "write failed"
      })`,
    }];
  }
  const reboot = msg.request.status === "RebootRequired";
  return [answer(msg.request.status), {
    type: "log",
    level: "info",
    text: `Configuration key ${msg.key} changed ${shown} by the Central System${
      reboot ? "; takes effect after a reboot" : ""
    }`,
  }];
}

/** The initial state. */
export function initialConfiguration(_ctx: Ctx): ConfigurationState {
  return {};
}

/**
 * One transition of the configuration actor.
 *
 * @param defs the registry to answer from (tests pass their own entries).
 * @returns the unchanged state and the reply, then any `config.write` and `log`.
 */
export function transitionConfiguration(
  state: ConfigurationState,
  msg: ConfigurationMsg | TimerFired,
  ctx: Ctx,
  defs: readonly KeyDef[] = REGISTRY,
): [ConfigurationState, Effect[]] {
  if (msg.type === "config.written") return [state, written(msg, defs)];
  if (msg.type !== "ocpp.request") return [state, []];
  switch (msg.action) {
    case "GetConfiguration":
      return [state, getConfiguration(msg, ctx, defs)];
    case "ChangeConfiguration":
      return [state, changeConfiguration(msg, ctx, defs)];
    default:
      return [state, [{
        type: "log",
        level: "debug",
        text: `Ignored ${msg.action} in actor configuration: not handled here`,
      }]];
  }
}

/** The configuration actor. */
export const configurationActor: ActorLogic<ConfigurationState, ConfigurationMsg> = {
  name: "configuration",
  receives: RECEIVES,
  handles: CONFIGURATION_ACTIONS,
  initial: initialConfiguration,
  transition: (s, m, ctx) => transitionConfiguration(s, m, ctx),
};
