/**
 * The one typed registry of settings. The app settings of the wallbox (seed
 * page) and the OCPP configuration keys (OCPP 1.6 chapter 9) are the same
 * store: each entry has an OCPP key, optionally an app setting name, a kind,
 * an access mode, a default and a validator. GetConfiguration,
 * ChangeConfiguration, the local API and the config file all go through here.
 *
 * The public entry of `config/`: the app settings and connection keys are in
 * `_app_keys.ts`, the OCPP chapter 9 keys in `_ocpp_keys.ts`, parsing and
 * validation in `_parse.ts`.
 *
 * @module
 */
import { APP_KEYS } from "./_app_keys.ts";
import { OCPP_KEYS } from "./_ocpp_keys.ts";
import type { KeyDef, Kind, Value } from "./_types.ts";

export type { AnyConfigView, KeyDef, Kind, Value } from "./_types.ts";

type Entry = (typeof APP_KEYS)[number] | (typeof OCPP_KEYS)[number];
/** Every key of the registry. */
export type ConfigKey = Entry["key"];
/** The registry's integer keys. */
export type IntKey = Extract<Entry, { kind: "integer" }>["key"];
/** The registry's boolean keys. */
export type BoolKey = Extract<Entry, { kind: "boolean" }>["key"];
/** The registry's string and comma-separated-list keys. */
export type StrKey = Extract<Entry, { kind: "string" | "csl" }>["key"];

/**
 * A read-only view of the current values, as actors see it: each read is
 * typed by the registry's keys of that kind, so a misspelt key or one of
 * another kind does not compile.
 */
export interface ConfigView {
  int(key: IntKey): number;
  bool(key: BoolKey): boolean;
  str(key: StrKey): string;
}
export { securityProfileRefusal } from "./_app_keys.ts";
export { type Parsed, parseJson, parseText, toText } from "./_parse.ts";

/** Every setting and configuration key: the app's first, in the seed's order. */
export const REGISTRY: readonly KeyDef[] = [...APP_KEYS, ...OCPP_KEYS];

const BY_KEY = new Map<string, KeyDef>(REGISTRY.map((d) => [d.key, d]));
const BY_SETTING = new Map<string, KeyDef>(
  REGISTRY.filter((d) => d.setting).map((d) => [d.setting!, d]),
);

/** Finds an entry by OCPP key (exact, case-sensitive as OCPP keys are). */
export function byKey(key: string): KeyDef | undefined {
  return BY_KEY.get(key);
}

/** Finds an entry by app setting name. */
export function bySetting(name: string): KeyDef | undefined {
  return BY_SETTING.get(name);
}

/** Builds a view over a plain map of values, with defaults for missing keys. */
export function viewOf(values: ReadonlyMap<string, Value>): ConfigView {
  const get = (key: string, kind: Kind[]): Value => {
    const def = BY_KEY.get(key);
    if (!def || !kind.includes(def.kind)) {
      throw new TypeError(`Cannot read config key ${key}: not a ${kind[0]}`);
    }
    if (def.derive) return def.derive(view);
    return values.get(key) ?? def.default;
  };
  const view: ConfigView = {
    int: (key) => get(key, ["integer"]) as number,
    bool: (key) => get(key, ["boolean"]) as boolean,
    str: (key) => String(get(key, ["string", "csl"])),
  };
  return view;
}

/**
 * The stored availability (section 5.2): the connector ids set Inoperative
 * (0: the whole Charge Point), read from InoperativeConnectors. The one
 * reader of that key; the connector status actor writes it.
 */
export function inoperativeConnectors(view: ConfigView): readonly number[] {
  return view.str("InoperativeConnectors").split(",").filter(Boolean).map(Number);
}

/** Whether connector `id` is operative given the {@link inoperativeConnectors}. */
export function operativeIn(inoperative: readonly number[], id: number): boolean {
  return !inoperative.includes(0) && !inoperative.includes(id);
}
