/**
 * Hostile OCPP-J frames for the fuzz test, from a seeded generator, each
 * with what OCPP-J 1.6 section 4.2.3 says the Charge Point must do with it:
 * ignore it (no answer: not JSON, not a message array, no usable id, an
 * answer nobody asked for) or answer a CALLERROR with a given code. Schema
 * violations are made one at a time on a valid payload of the action, so
 * the code is the one of that violation.
 *
 * @module
 */
import { type Node, schemaFor } from "../ocpp/schema.ts";
import { CP_ACTIONS, CS_ACTIONS } from "../ocpp/types.ts";

/** A seeded PRNG (mulberry32): the same seed gives the same frames. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** One generated frame. */
export interface Hostile {
  readonly text: string;
  /** The message id an answer would carry, when the frame has a usable one. */
  readonly id?: string;
  /** The CALLERROR code owed, or undefined when the frame must be ignored. */
  readonly code?: string;
  /** The action, for CALLs of a Central System action with a bad payload. */
  readonly action?: string;
  readonly kind: string;
}

type Rand = () => number;
const pick = <T>(r: Rand, xs: readonly T[]): T => xs[Math.floor(r() * xs.length)]!;

function resolve(root: Node, node: Node): Node {
  while (node.$ref) node = root.definitions![node.$ref.replace("#/definitions/", "")]!;
  return node;
}

/** A minimal valid value of a schema node. */
function valid(root: Node, n: Node): unknown {
  const node = resolve(root, n);
  if (node.enum) return node.enum[0];
  switch (node.type) {
    case "string":
      return node.format === "date-time"
        ? "2030-01-01T00:00:00Z"
        : node.format === "uri"
        ? "http://example.com/f"
        : "a";
    case "integer":
    case "number":
      return 1;
    case "boolean":
      return true;
    case "array":
      return Array.from({ length: node.minItems ?? 0 }, () => valid(root, node.items as Node));
    default: {
      const out: Record<string, unknown> = {};
      for (const k of node.required ?? []) out[k] = valid(root, node.properties![k]!);
      return out;
    }
  }
}

/** A place in a payload to break: the object holding it, its key, and its schema. */
interface Spot {
  readonly holder: Record<string, unknown>;
  readonly key: string;
  readonly node: Node;
  readonly parent: Node;
}

function spots(root: Node, parent: Node, value: unknown, out: Spot[]): void {
  const p = resolve(root, parent);
  if (Array.isArray(value)) {
    for (const item of value) spots(root, p.items as Node, item, out);
    return;
  }
  if (typeof value !== "object" || value === null) return;
  const obj = value as Record<string, unknown>;
  for (const [key, node] of Object.entries(p.properties ?? {})) {
    out.push({ holder: obj, key, node: resolve(root, node), parent: p });
    if (key in obj) spots(root, node, obj[key], out);
  }
}

const WRONG_TYPE: Record<string, unknown> = {
  string: 12345,
  integer: "12",
  number: "1.5",
  boolean: "true",
  object: "an object",
  array: { not: "an array" },
};
const IMPOSSIBLE = ["2030-02-30T00:00:00Z", "2031-04-31T12:00:00Z", "2030-01-01T25:00:00Z", "soon"];
const ASTRAL = "\u{1F50C}";

/** A CALL of a Central System action with exactly one schema violation. */
function badCall(r: Rand, id: string): Hostile {
  const action = pick(r, CS_ACTIONS);
  const root = schemaFor(`${action}Request`)!;
  const payload = valid(root, root) as Record<string, unknown>;
  const frame = (p: unknown, code: string, kind: string): Hostile => ({
    text: JSON.stringify([2, id, action, p]),
    id,
    code,
    action,
    kind,
  });
  if (r() < 0.08) {
    return frame(pick(r, [[], 5, "text", true, [payload]]), "FormationViolation", "not-object");
  }
  const all: Spot[] = [];
  spots(root, root, payload, all);
  const options: (() => Hostile)[] = [];
  for (const s of all) {
    const present = s.key in s.holder;
    const set = (v: unknown, code: string, kind: string) => () => {
      s.holder[s.key] = v;
      return frame(payload, code, kind);
    };
    if (s.node.type && WRONG_TYPE[s.node.type as string] !== undefined) {
      options.push(set(WRONG_TYPE[s.node.type as string], "TypeConstraintViolation", "type"));
    }
    if (s.node.type === "integer") options.push(set(1.5, "TypeConstraintViolation", "fraction"));
    if (s.node.maxLength !== undefined) {
      const n = s.node.maxLength + 1 + Math.floor(r() * 3);
      const text = r() < 0.5 ? "x".repeat(n) : ASTRAL.repeat(n);
      options.push(set(text, "PropertyConstraintViolation", "too-long"));
    }
    if (s.node.enum) options.push(set("NotAValue", "PropertyConstraintViolation", "enum"));
    if (s.node.format === "date-time") {
      options.push(set(pick(r, IMPOSSIBLE), "PropertyConstraintViolation", "date"));
    }
    if (present && s.parent.required?.includes(s.key)) {
      options.push(() => {
        delete s.holder[s.key];
        return frame(payload, "OccurenceConstraintViolation", "missing");
      });
    }
    if (s.parent.additionalProperties === false) {
      options.push(() => {
        s.holder.fuzzExtra = 1;
        return frame(payload, "FormationViolation", "extra");
      });
    }
  }
  if (root.additionalProperties === false) {
    options.push(() =>
      frame(
        { ...payload, ["x".repeat(1 + Math.floor(r() * 40))]: null },
        "FormationViolation",
        "extra",
      )
    );
  }
  if (options.length === 0) return frame([payload], "FormationViolation", "not-object");
  return pick(r, options)();
}

/** Frames with a wrong OCPP-J shape. */
function badShape(r: Rand, id: string): Hostile {
  const cases: (() => Hostile)[] = [
    () => ({
      text: JSON.stringify([2, id, "Heartbeat"]),
      id,
      code: "FormationViolation",
      kind: "short-call",
    }),
    () => ({
      text: JSON.stringify([2, id, 5, {}]),
      id,
      code: "FormationViolation",
      kind: "action-type",
    }),
    () => ({
      text: JSON.stringify([2, id, "Reset", { type: "Soft" }, "extra"]),
      id,
      code: "FormationViolation",
      kind: "long-call",
    }),
    () => ({
      text: JSON.stringify([2, id, `Fuzz${Math.floor(r() * 1e6)}`, {}]),
      id,
      code: "NotImplemented",
      kind: "unknown-action",
    }),
    () => ({
      text: JSON.stringify([2, id, pick(r, CP_ONLY), {}]),
      id,
      code: "NotImplemented",
      kind: "cp-action",
    }),
    () => ({
      text: JSON.stringify([pick(r, [0, 1, 5, 9, -1, "2", 2.5, null]), id, "Heartbeat", {}]),
      id,
      kind: "type-id",
    }),
    () => ({ text: JSON.stringify([3, id, {}]), id, kind: "stray-result" }),
    () => ({ text: JSON.stringify([4, id, "GenericError", "x", {}]), id, kind: "stray-error" }),
    () => ({ text: JSON.stringify([2, "", "Heartbeat", {}]), kind: "empty-id" }),
    () => ({ text: JSON.stringify([2, "i".repeat(37), "Heartbeat", {}]), kind: "long-id" }),
    () => ({ text: JSON.stringify([2, pick(r, [7, null, {}, []]), "Reset", {}]), kind: "id-type" }),
    () => ({ text: JSON.stringify([2, id]), kind: "two-items" }),
    () => ({ text: JSON.stringify({ 0: 2, 1: id, 2: "Reset", 3: {} }), kind: "object" }),
  ];
  return pick(r, cases)();
}

/** Actions only a Charge Point sends (DataTransfer goes both ways). */
const CP_ONLY = CP_ACTIONS.filter((a) => !(CS_ACTIONS as readonly string[]).includes(a));

const TOKENS = [
  "[",
  "]",
  "{",
  "}",
  ",",
  ":",
  '"',
  "2",
  "null",
  "true",
  "\\",
  "\\u00",
  "\u0000",
  "é",
  ASTRAL,
  " ",
  "Reset",
  "1e999",
];

/** Text that is not JSON, or JSON that is not a message. */
function garbage(r: Rand, id: string): Hostile {
  const cases: (() => string)[] = [
    () => Array.from({ length: 1 + Math.floor(r() * 30) }, () => pick(r, TOKENS)).join(""),
    () => JSON.stringify([2, id, "Reset", { type: "Soft" }]).slice(0, -1 - Math.floor(r() * 10)),
    () => String(Math.floor(r() * 1e9)),
    () => JSON.stringify("a string"),
    () => "",
    () => "[".repeat(1 + Math.floor(r() * 3000)),
    () => JSON.stringify({ id, action: "Reset" }),
  ];
  let text = pick(r, cases)();
  // A valid frame could come out by chance: nothing here may be one.
  try {
    const v = JSON.parse(text);
    if (Array.isArray(v)) text = `${text}]`;
  } catch { /* not JSON: good */ }
  return { text, kind: "garbage" };
}

/** The next hostile frame; `n` makes the id unique. */
export function hostileFrame(r: Rand, n: number): Hostile {
  const id = `f${n}`;
  const x = r();
  if (x < 0.55) return badCall(r, id);
  if (x < 0.8) return badShape(r, id);
  return garbage(r, id);
}
