/**
 * Validation of OCPP 1.6 payloads against the official OCA JSON schemas.
 *
 * The schemas come as plain objects from `typed-ocpp`. Compiling all of
 * them with Ajv at start costs 16-30 MB of resident memory, which a wallbox
 * cannot spare, so this module interprets the small subset of JSON Schema
 * draft-04 those schemas use (type, properties, required,
 * additionalProperties, enum, maxLength, format date-time/uri, items,
 * minItems, additionalItems, multipleOf, $ref to definitions). A schema is
 * looked up the first time its action is used; nothing is compiled.
 * `schema_test.ts` checks this interpreter against Ajv on many payloads.
 *
 * Each failure maps to the CALLERROR code of OCPP-J 1.6 section 4.2.3.
 *
 * `typed-ocpp` widens three string limits of the schemas the OCA published
 * (ChangeConfiguration.req `value` and GetConfiguration.conf values to 2048
 * where CiString500 is 500, StatusNotification.req `info` to 100 where
 * CiString50 is 50). {@link CORRECTIONS} puts the official limits back, so
 * nothing longer is accepted inbound (a CALLERROR) or sent outbound (a
 * strict backend would refuse it). `schema_official_test.ts` compares every
 * schema used here with the published ones field by field.
 *
 * @module
 */
import * as SCHEMAS from "typed-ocpp/dist/ocpp16/schemas.js";
import { isDateTime } from "./date_time.ts";
import type { RpcErrorCode } from "./types.ts";

/** A JSON schema node, as far as this interpreter reads it. */
export interface Node {
  readonly type?: string | readonly string[];
  readonly properties?: Readonly<Record<string, Node>>;
  readonly required?: readonly string[];
  readonly additionalProperties?: boolean;
  readonly enum?: readonly unknown[];
  readonly maxLength?: number;
  readonly format?: string;
  readonly items?: Node | readonly Node[];
  readonly minItems?: number;
  readonly additionalItems?: boolean;
  readonly multipleOf?: number;
  readonly $ref?: string;
  readonly definitions?: Readonly<Record<string, Node>>;
}

/** Why a payload is invalid: the CALLERROR code and a sentence naming the field. */
export interface Violation {
  readonly code: RpcErrorCode;
  readonly text: string;
}

// The formats follow ajv-formats 3 ("full" mode, MIT licence) rule for rule, so that
// this module accepts exactly what Ajv-based OCPP stacks accept (schema_test.ts checks it).
/** RFC 3986 absolute URI (ASCII only, as in JSON Schema draft-04). */
// deno-fmt-ignore
const URI = /^(?:[a-z][a-z0-9+\-.]*:)(?:\/?\/(?:(?:[a-z0-9\-._~!$&'()*+,;=:]|%[0-9a-f]{2})*@)?(?:\[(?:(?:(?:(?:[0-9a-f]{1,4}:){6}|::(?:[0-9a-f]{1,4}:){5}|(?:[0-9a-f]{1,4})?::(?:[0-9a-f]{1,4}:){4}|(?:(?:[0-9a-f]{1,4}:){0,1}[0-9a-f]{1,4})?::(?:[0-9a-f]{1,4}:){3}|(?:(?:[0-9a-f]{1,4}:){0,2}[0-9a-f]{1,4})?::(?:[0-9a-f]{1,4}:){2}|(?:(?:[0-9a-f]{1,4}:){0,3}[0-9a-f]{1,4})?::[0-9a-f]{1,4}:|(?:(?:[0-9a-f]{1,4}:){0,4}[0-9a-f]{1,4})?::)(?:[0-9a-f]{1,4}:[0-9a-f]{1,4}|(?:(?:25[0-5]|2[0-4]\d|[01]?\d\d?)\.){3}(?:25[0-5]|2[0-4]\d|[01]?\d\d?))|(?:(?:[0-9a-f]{1,4}:){0,5}[0-9a-f]{1,4})?::[0-9a-f]{1,4}|(?:(?:[0-9a-f]{1,4}:){0,6}[0-9a-f]{1,4})?::)|[Vv][0-9a-f]+\.[a-z0-9\-._~!$&'()*+,;=:]+)\]|(?:(?:25[0-5]|2[0-4]\d|[01]?\d\d?)\.){3}(?:25[0-5]|2[0-4]\d|[01]?\d\d?)|(?:[a-z0-9\-._~!$&'()*+,;=]|%[0-9a-f]{2})*)(?::\d*)?(?:\/(?:[a-z0-9\-._~!$&'()*+,;=:@]|%[0-9a-f]{2})*)*|\/(?:(?:[a-z0-9\-._~!$&'()*+,;=:@]|%[0-9a-f]{2})+(?:\/(?:[a-z0-9\-._~!$&'()*+,;=:@]|%[0-9a-f]{2})*)*)?|(?:[a-z0-9\-._~!$&'()*+,;=:@]|%[0-9a-f]{2})+(?:\/(?:[a-z0-9\-._~!$&'()*+,;=:@]|%[0-9a-f]{2})*)*)(?:\?(?:[a-z0-9\-._~!$&'()*+,;=:@/?]|%[0-9a-f]{2})*)?(?:#(?:[a-z0-9\-._~!$&'()*+,;=:@/?]|%[0-9a-f]{2})*)?$/i;

function isUri(s: string): boolean {
  return /\/|:/.test(s) && URI.test(s);
}

function typeOk(type: string, v: unknown): boolean {
  switch (type) {
    case "object":
      return typeof v === "object" && v !== null && !Array.isArray(v);
    case "array":
      return Array.isArray(v);
    case "string":
      return typeof v === "string";
    case "integer":
      return typeof v === "number" && Number.isInteger(v);
    case "number":
      return typeof v === "number" && Number.isFinite(v);
    case "boolean":
      return typeof v === "boolean";
    case "null":
      return v === null;
    default:
      return true;
  }
}

function check(node: Node, v: unknown, path: string, root: Node): Violation | undefined {
  if (node.$ref) {
    const name = node.$ref.replace("#/definitions/", "");
    const target = root.definitions?.[name];
    if (!target) return { code: "InternalError", text: `schema reference ${node.$ref} is missing` };
    return check(target, v, path, root);
  }
  if (node.type !== undefined) {
    const types = typeof node.type === "string" ? [node.type] : node.type;
    if (!types.some((t) => typeOk(t, v))) {
      return {
        code: "TypeConstraintViolation",
        text: `${path || "payload"} must be ${types.join(" or ")}`,
      };
    }
  }
  if (node.enum && !node.enum.includes(v)) {
    return {
      code: "PropertyConstraintViolation",
      text: `${path} must be one of ${node.enum.join(", ")}`,
    };
  }
  if (typeof v === "string") {
    if (node.maxLength !== undefined && [...v].length > node.maxLength) {
      return {
        code: "PropertyConstraintViolation",
        text: `${path} must be at most ${node.maxLength} characters`,
      };
    }
    if (node.format === "date-time" && !isDateTime(v)) {
      return { code: "PropertyConstraintViolation", text: `${path} must be an RFC 3339 date-time` };
    }
    if (node.format === "uri" && !isUri(v)) {
      return { code: "PropertyConstraintViolation", text: `${path} must be a URI` };
    }
  }
  if (typeof v === "number" && node.multipleOf !== undefined) {
    const q = v / node.multipleOf;
    if (Math.abs(Math.round(q) - q) > 1e-6) {
      return {
        code: "PropertyConstraintViolation",
        text: `${path} must be a multiple of ${node.multipleOf}`,
      };
    }
  }
  if (Array.isArray(v)) {
    if (node.minItems !== undefined && v.length < node.minItems) {
      return {
        code: "OccurenceConstraintViolation",
        text: `${path} must have at least ${node.minItems} items`,
      };
    }
    if (node.items) {
      for (let i = 0; i < v.length; i++) {
        const itemNode = Array.isArray(node.items) ? node.items[i] : node.items as Node;
        if (!itemNode) {
          if (node.additionalItems === false) {
            return { code: "OccurenceConstraintViolation", text: `${path} has too many items` };
          }
          continue;
        }
        const bad = check(itemNode, v[i], `${path}[${i}]`, root);
        if (bad) return bad;
      }
    }
  }
  if (typeof v === "object" && v !== null && !Array.isArray(v)) {
    const obj = v as Record<string, unknown>;
    for (const key of node.required ?? []) {
      if (!Object.hasOwn(obj, key)) {
        return { code: "OccurenceConstraintViolation", text: `${join(path, key)} is required` };
      }
    }
    for (const [key, value] of Object.entries(obj)) {
      const prop = node.properties && Object.hasOwn(node.properties, key)
        ? node.properties[key]
        : undefined;
      if (!prop) {
        if (node.additionalProperties === false) {
          return { code: "FormationViolation", text: `${join(path, key)} is not a known field` };
        }
        continue;
      }
      const bad = check(prop, value, join(path, key), root);
      if (bad) return bad;
    }
  }
  return undefined;
}

function join(path: string, key: string): string {
  return path ? `${path}.${key}` : key;
}

/**
 * The official limits where `typed-ocpp` differs from the OCA's 1.6 schemas:
 * schema name, then field paths (`a.b`, `[]` for array items) and what to set.
 */
export const CORRECTIONS: Readonly<Record<string, Readonly<Record<string, Node>>>> = {
  ChangeConfigurationRequest: { value: { maxLength: 500 } },
  GetConfigurationResponse: { "configurationKey[].value": { maxLength: 500 } },
  StatusNotificationRequest: { info: { maxLength: 50 } },
};

const corrected = new Map<string, Node>();

/** The schema of `name` with the official limits, or undefined when there is none. */
export function schemaFor(name: string): Node | undefined {
  const raw = (SCHEMAS as Record<string, Node | undefined>)[name];
  const fixes = CORRECTIONS[name];
  if (!raw || !fixes) return raw;
  let schema = corrected.get(name);
  if (!schema) {
    const copy = structuredClone(raw) as Node;
    for (const [path, patch] of Object.entries(fixes)) {
      Object.assign(nodeAt(copy, path), patch);
    }
    corrected.set(name, schema = copy);
  }
  return schema;
}

/** The node of a field path in a schema (following `$ref`s). */
function nodeAt(root: Node, path: string): Node {
  let node = root;
  for (const step of path.replace(/\[\]/g, ".[]").split(".")) {
    while (node.$ref) node = root.definitions![node.$ref.replace("#/definitions/", "")]!;
    const next = step === "[]" ? node.items as Node | undefined : node.properties?.[step];
    if (!next) throw new Error(`schema has no field ${path}`);
    node = next;
  }
  while (node.$ref) node = root.definitions![node.$ref.replace("#/definitions/", "")]!;
  return node;
}

/** True when the schemas define this action (request and response). */
export function hasSchema(action: string): boolean {
  return `${action}Request` in SCHEMAS && `${action}Response` in SCHEMAS;
}

/**
 * Validates a payload of an action's request or response.
 *
 * @returns undefined when valid, else the violation.
 * @example
 * ```ts
 * validatePayload("Heartbeat", "Request", {}); // undefined
 * validatePayload("Authorize", "Request", {}); // { code: "OccurenceConstraintViolation", ... }
 * ```
 */
export function validatePayload(
  action: string,
  kind: "Request" | "Response",
  payload: unknown,
): Violation | undefined {
  const schema = schemaFor(`${action}${kind}`);
  if (!schema) return { code: "NotImplemented", text: `no schema for ${action}${kind}` };
  if (typeof payload !== "object" || payload === null || Array.isArray(payload)) {
    return {
      code: "FormationViolation",
      text: `${action}.${kind === "Request" ? "req" : "conf"} payload must be an object`,
    };
  }
  return check(schema, payload, "", schema);
}
