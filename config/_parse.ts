/**
 * Parsing and validation of setting values against their registry entry
 * (private to `config/`; import from `registry.ts`): OCPP text
 * (ChangeConfiguration), JSON (local API, config file) and back to text.
 *
 * @module
 */
import type { KeyDef, Value } from "./_types.ts";

/** The result of parsing a value: the value, or why it is invalid. */
export type Parsed = { readonly ok: true; readonly value: Value } | {
  readonly ok: false;
  readonly reason: string;
};

function validate(def: KeyDef, value: Value): Parsed {
  if (def.kind === "integer") {
    const n = value as number;
    if (def.min !== undefined && n < def.min) return { ok: false, reason: `must be >= ${def.min}` };
    if (def.max !== undefined && n > def.max) return { ok: false, reason: `must be <= ${def.max}` };
  }
  if (def.kind === "string") {
    const s = value as string;
    if (def.choices && !def.choices.includes(s)) {
      return { ok: false, reason: `must be one of ${def.choices.join(", ")}` };
    }
    if (def.max !== undefined && s.length > def.max) {
      return { ok: false, reason: `must be at most ${def.max} characters` };
    }
  }
  if (def.kind === "csl") {
    const items = String(value) === "" ? [] : String(value).split(",").map((i) => i.trim());
    if (def.maxItems !== undefined && items.length > def.maxItems) {
      return { ok: false, reason: `must have at most ${def.maxItems} items` };
    }
    const bad = def.items ? items.find((i) => !def.items!.includes(i)) : undefined;
    if (bad !== undefined) return { ok: false, reason: `unsupported item ${JSON.stringify(bad)}` };
    value = items.join(",");
  }
  // GetConfiguration.conf carries every value the backend sees as CiString500 (OCA schema).
  if (!def.appOnly && typeof value === "string" && [...value].length > CI_STRING_500) {
    return { ok: false, reason: `must be at most ${CI_STRING_500} characters` };
  }
  const reason = def.check?.(value);
  return reason ? { ok: false, reason } : { ok: true, value };
}

/** Longest value of a configuration key the backend reads (CiString500Type, section 7.12). */
const CI_STRING_500 = 500;

/**
 * Parses a value given as OCPP text (ChangeConfiguration.req value).
 *
 * @example
 * ```ts
 * parseText(byKey("HeartbeatInterval")!, "300"); // { ok: true, value: 300 }
 * ```
 */
export function parseText(def: KeyDef, text: string): Parsed {
  switch (def.kind) {
    case "boolean":
      if (/^(true|false)$/i.test(text)) return { ok: true, value: text.toLowerCase() === "true" };
      return { ok: false, reason: "must be true or false" };
    case "integer":
      if (!/^-?\d{1,15}$/.test(text.trim())) return { ok: false, reason: "must be an integer" };
      return validate(def, Number(text.trim()));
    default:
      return validate(def, text);
  }
}

/** Parses a value given as JSON (local API, config file). */
export function parseJson(def: KeyDef, value: unknown): Parsed {
  switch (def.kind) {
    case "boolean":
      return typeof value === "boolean"
        ? { ok: true, value }
        : { ok: false, reason: "must be a boolean" };
    case "integer":
      return typeof value === "number" && Number.isInteger(value)
        ? validate(def, value)
        : { ok: false, reason: "must be an integer" };
    default:
      if (def.json && typeof value === "object" && value !== null) value = JSON.stringify(value);
      return typeof value === "string"
        ? validate(def, value)
        : { ok: false, reason: "must be a string" };
  }
}

/** A value as OCPP text (GetConfiguration.conf). */
export function toText(value: Value): string {
  return String(value);
}
