/**
 * `schema.ts` interprets the OCPP 1.6 JSON schemas itself instead of
 * compiling them with Ajv. These tests hold it to Ajv: for every request and
 * response schema, payloads built from the schema (valid) and mutated from
 * those (mostly invalid) must be judged alike, and each kind of violation
 * must map to its OCPP-J 1.6 section 4.2.3 CALLERROR code.
 *
 * Set SCHEMA_SEED to replay a run; the seed in use is printed.
 */
import assert from "node:assert/strict";
// deno-lint-ignore no-import-prefix -- test-only oracle, deliberately kept out of deno.json
import { Ajv } from "npm:ajv@8.20.0";
// deno-lint-ignore no-import-prefix -- test-only oracle, deliberately kept out of deno.json
import ajvFormats from "npm:ajv-formats@3.0.1";
import * as SCHEMAS from "typed-ocpp/dist/ocpp16/schemas.js";
import { hasSchema, schemaFor, validatePayload, type Violation } from "./schema.ts";
import type { RpcErrorCode } from "./types.ts";

/** A schema node, as far as the generator reads it. */
interface Node {
  readonly type?: string;
  readonly properties?: Readonly<Record<string, Node>>;
  readonly required?: readonly string[];
  readonly additionalProperties?: boolean;
  readonly enum?: readonly string[];
  readonly maxLength?: number;
  readonly format?: string;
  readonly items?: Node;
  readonly minItems?: number;
  readonly multipleOf?: number;
  readonly $ref?: string;
  readonly definitions?: Readonly<Record<string, Node>>;
}

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

// strict: false because Ajv's strict mode throws on these schemas ("additionalItems"
// beside a non-array "items", "additionalProperties" on string enums), as typed-ocpp's
// own setup has it. multipleOfPrecision: 6 matches schema.ts's tolerance: without it Ajv
// calls 16.3 not a multiple of 0.1 (16.3 / 0.1 = 162.99999999999997); typed-ocpp uses 3.
// typed-ocpp's removeAdditional: true is left out on purpose: it strips unknown fields
// instead of rejecting them, and OCPP-J wants them rejected (errata 3.1).
const ajv = new Ajv({ strict: false, multipleOfPrecision: 6 });
// A CommonJS module: Deno's default import is module.exports, whose .default is the plugin.
ajvFormats.default(ajv);

const NAMES = Object.keys(SCHEMAS).filter((n) => /(Request|Response)$/.test(n)).sort();
// The schemas as validatePayload uses them: typed-ocpp's with the OCA's official limits.
const SCHEMA_OF = Object.fromEntries(NAMES.map((n) => [n, schemaFor(n)!])) as Record<string, Node>;

function split(name: string): [string, "Request" | "Response"] {
  const kind = name.endsWith("Request") ? "Request" : "Response";
  return [name.slice(0, -kind.length), kind];
}

const VALIDATORS = new Map(NAMES.map((n) => [n, ajv.compile(SCHEMA_OF[n]!)]));

/** Runs both validators on the wire form of a payload; asserts they agree. */
function judge(name: string, payload: unknown, note: string): Violation | undefined {
  const wire: unknown = JSON.parse(JSON.stringify(payload));
  const [action, kind] = split(name);
  const validate = VALIDATORS.get(name)!;
  const ajvValid = validate(wire) as boolean;
  const ours = validatePayload(action, kind, wire);
  assert.equal(
    ours === undefined,
    ajvValid,
    `${note}: ${name} ${JSON.stringify(wire)}: Ajv says ${
      ajvValid ? "valid" : JSON.stringify(validate.errors)
    }, validatePayload says ${JSON.stringify(ours)}`,
  );
  return ours;
}

// --- PRNG and generators ------------------------------------------------------------------

/** mulberry32: small, seeded, good enough to pick test data. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

class Gen {
  readonly rand: () => number;
  constructor(seed: number) {
    this.rand = prng(seed);
  }
  int(lo: number, hi: number): number {
    return lo + Math.floor(this.rand() * (hi - lo + 1));
  }
  pick<T>(list: readonly T[]): T {
    return list[Math.floor(this.rand() * list.length)]!;
  }
  chance(p: number): boolean {
    return this.rand() < p;
  }
}

/** Characters of 1 code point each; "😀" and "𝄞" are 2 UTF-16 units. */
const CHARS = [...'abcXYZ019 -_.:/é€ß😀𝄞"\\'];

function text(g: Gen, codePoints: number): string {
  let s = "";
  for (let i = 0; i < codePoints; i++) s += g.pick(CHARS);
  return s;
}

function pad(n: number, width = 2): string {
  return String(n).padStart(width, "0");
}

function daysIn(year: number, month: number): number {
  return new Date(Date.UTC(year, month, 0)).getUTCDate();
}

/** A date-time every RFC 3339 reader accepts, sometimes with Ajv-accepted variants. */
function dateTime(g: Gen): string {
  const year = g.int(1970, 2099);
  const month = g.int(1, 12);
  const day = g.chance(0.2) ? daysIn(year, month) : g.int(1, daysIn(year, month));
  const time = `${pad(g.int(0, 23))}:${pad(g.int(0, 59))}:${pad(g.int(0, 59))}`;
  const frac = g.chance(0.4) ? `.${g.int(0, 999_999)}` : "";
  const tz = g.pick([
    "Z",
    "Z",
    "z",
    `+${pad(g.int(0, 23))}:${pad(g.int(0, 59))}`,
    `-${pad(g.int(0, 23))}:${pad(g.int(0, 59))}`,
    `+${pad(g.int(0, 23))}${pad(g.int(0, 59))}`,
    `-${pad(g.int(0, 23))}`,
  ]);
  const sep = g.pick(["T", "T", "T", "t", " "]);
  return `${year}-${pad(month)}-${pad(day)}${sep}${time}${frac}${tz}`;
}

/** Date-times both validators must reject. */
const BAD_DATE_TIMES = [
  "",
  "not a date",
  "2026-01-01",
  "2026-01-01T00:00:00",
  "2026-01-01T00:00Z",
  "26-01-01T00:00:00Z",
  "2026-1-01T00:00:00Z",
  "2026-13-01T00:00:00Z",
  "2026-00-10T00:00:00Z",
  "2026-01-00T00:00:00Z",
  "2026-01-32T00:00:00Z",
  "2026-02-30T00:00:00Z",
  "2025-02-29T00:00:00Z",
  "1900-02-29T00:00:00Z",
  "2026-04-31T10:00:00Z",
  "2026-01-01T24:00:00Z",
  "2026-01-01T23:60:00Z",
  "2026-01-01T12:00:60Z",
  "2026-01-01T12:00:61Z",
  "2026-01-01T00:00:00+24:00",
  "2026-01-01T00:00:00+01:60",
  "2026-01-01T00:00:00.Z",
  "2026-01-01T00:00:00ZZ",
  "2026-01-01TT00:00:00Z",
  "2026-01-01 T00:00:00Z",
  "2026-01-01T00:00:00 Z",
  "2026-01-01T00:00:00+1:00",
  "2026-01-01X00:00:00Z",
];

/** Date-times where simple readings differ: only agreement with Ajv is checked. */
const ODD_DATE_TIMES = [
  "2024-02-29T00:00:00Z",
  "2000-02-29T00:00:00Z",
  "2026-01-01 00:00:00Z",
  "2026-01-01\t00:00:00Z",
  "2026-01-01\n00:00:00Z",
  "2026-01-01t00:00:00z",
  "2026-01-01T00:00:00+0100",
  "2026-01-01T00:00:00+01",
  "2026-01-01T00:00:00-00:00",
  "2016-12-31T23:59:60Z",
  "2016-12-31T23:59:60.5Z",
  "2017-01-01T00:59:60+01:00",
  "2016-12-31T22:59:60-01:00",
  "2026-01-01T00:00:00.123456789Z",
  "2026-01-01T00:00:00,5Z",
  "+2026-01-01T00:00:00Z",
  "2026-01-01T00:00:00Z ",
  " 2026-01-01T00:00:00Z",
];

const GOOD_URIS = [
  "http://example.com/diag",
  "https://example.com:8443/fw/v1.bin?x=1#f",
  "ftp://user:pw@ftp.example.com/logs/",
  "sftp://10.0.0.1/upload",
  "http://[::1]:8080/x",
  "mailto:ops@example.com",
  "urn:isbn:0451450523",
  "file:///tmp/x",
  "http://example.com/%20a",
];

const BAD_URIS = ["", "not a uri", "example.com", "/relative/path", "//example.com/x", "1http:/x"];

const ODD_URIS = [
  "http://example.com/a b",
  "http://exa mple.com/",
  "http://example.com:99999/",
  "http://host:port/",
  "http:/example.com",
  "http:example.com",
  " http://example.com/",
  "http://example.com/ ",
  "http://例子.测试/",
  "http://example.com/ü",
  "http://example.com/<x>",
  "http://example.com/%zz",
  "http://example.com/a\\b",
  "http://example.com/{x}",
  "http://example.com/a|b",
  "http://example.com/#a#b",
  "C:\\temp\\x",
  "foo:bar",
  "a:",
  "http://",
  "http://a_b.example.com/",
  "HTTP://EXAMPLE.COM/",
  "http://[::1/",
  "http://user@:80/",
  "http://256.256.256.256/",
  "ws://cs.example.com/ocpp",
];

/** Extra property names, prototype names among them. */
const EXTRA_KEYS = [
  "extra",
  "Status",
  "__proto__",
  "constructor",
  "toString",
  "hasOwnProperty",
  "valueOf",
  "isPrototypeOf",
];

function resolve(node: Node, root: Node): Node {
  if (!node.$ref) return node;
  const target = root.definitions?.[node.$ref.replace("#/definitions/", "")];
  if (!target) throw new RangeError(`Cannot resolve ${node.$ref}: not in definitions`);
  return resolve(target, root);
}

function number(g: Gen, node: Node): number {
  const m = node.multipleOf;
  if (m !== undefined) {
    const k = g.int(-500, 5000);
    // Both spellings of "k tenths" occur in practice; the second carries float noise.
    return g.chance(0.5) ? Math.round(k) / Math.round(1 / m) : k * m;
  }
  return g.pick([0, 1, -1, 0.5, 32.5, g.int(-1e6, 1e6) / 100, 1e21]);
}

function integer(g: Gen): number {
  return g.pick([0, 1, -1, 42, g.int(-1e6, 1e6), 2 ** 31, Number.MAX_SAFE_INTEGER]);
}

/** A valid value for a node. */
function valid(g: Gen, node0: Node, root: Node, depth = 0): Json {
  const node = resolve(node0, root);
  if (node.enum) return g.pick(node.enum);
  switch (node.type) {
    case "object": {
      const out: { [key: string]: Json } = {};
      for (const [key, prop] of Object.entries(node.properties ?? {})) {
        if (node.required?.includes(key) || (depth < 4 && g.chance(0.6))) {
          out[key] = valid(g, prop, root, depth + 1);
        }
      }
      return out;
    }
    case "array": {
      const n = g.int(node.minItems ?? 0, depth < 3 ? 3 : 1);
      return Array.from({ length: n }, () => valid(g, node.items ?? {}, root, depth + 1));
    }
    case "string":
      if (node.format === "date-time") return dateTime(g);
      if (node.format === "uri") return g.pick(GOOD_URIS);
      if (node.maxLength !== undefined) {
        const max = node.maxLength;
        return text(g, g.pick([0, 1, max, max, g.int(0, max)]));
      }
      return text(g, g.int(0, 30));
    case "integer":
      return integer(g);
    case "number":
      return number(g, node);
    case "boolean":
      return g.chance(0.5);
    default:
      throw new TypeError(`Cannot generate a value: unsupported schema type ${node.type}`);
  }
}

// --- Mutations ----------------------------------------------------------------------------

type Path = readonly (string | number)[];

/** One way to break (or, for "extra-allowed" and "odd", maybe not break) a payload. */
interface Mutation {
  readonly kind:
    | "drop-required"
    | "wrong-type"
    | "enum"
    | "max-length"
    | "format"
    | "multiple-of"
    | "min-items"
    | "extra"
    | "extra-allowed"
    | "odd";
  readonly path: Path;
  /** Returns a copy of the payload with the value at `path` replaced, added or deleted. */
  readonly apply: (root: Json) => Json;
}

const EXPECTED: Partial<Record<Mutation["kind"], RpcErrorCode>> = {
  "drop-required": "OccurenceConstraintViolation",
  "min-items": "OccurenceConstraintViolation",
  "wrong-type": "TypeConstraintViolation",
  "enum": "PropertyConstraintViolation",
  "max-length": "PropertyConstraintViolation",
  "format": "PropertyConstraintViolation",
  "multiple-of": "PropertyConstraintViolation",
  "extra": "FormationViolation",
};

function clone(v: Json): Json {
  return JSON.parse(JSON.stringify(v));
}

/** Sets (or with `undefined` deletes) the value at a path of a copy. */
function setAt(root: Json, path: Path, value: Json | undefined): Json {
  if (path.length === 0) return value === undefined ? null : value;
  const copy = clone(root);
  let cur = copy as { [k: string]: Json } | Json[];
  for (const step of path.slice(0, -1)) {
    cur = (cur as Record<string | number, Json>)[step] as { [k: string]: Json } | Json[];
  }
  const last = path[path.length - 1]!;
  if (value === undefined) delete (cur as Record<string | number, Json>)[last];
  else if (last === "__proto__") {
    // A plain assignment would set the prototype; JSON.parse makes an own property.
    Object.defineProperty(cur, last, { value, enumerable: true, writable: true });
  } else (cur as Record<string | number, Json>)[last] = value;
  return copy;
}

function wrongTypes(type: string): Json[] {
  switch (type) {
    case "string":
      return [12, 1.5, true, null, {}, []];
    case "integer":
      return ["12", 1.5, -0.25, true, null, {}, []];
    case "number":
      return ["1.5", "0", true, null, {}, []];
    case "boolean":
      return ["true", 0, 1, null, {}, []];
    case "object":
      return [[], "x", 1, null, true];
    case "array":
      return [{}, "x", 1, null, false];
    default:
      return [];
  }
}

/** Every mutation site of a valid value, nested ones included. */
function sites(g: Gen, value: Json, node0: Node, root: Node, path: Path, out: Mutation[]): void {
  const node = resolve(node0, root);
  const at = (kind: Mutation["kind"], v: Json | undefined, p: Path = path): void => {
    out.push({ kind, path: p, apply: (r) => setAt(r, p, v) });
  };
  if (path.length > 0 && node.type) {
    for (const v of wrongTypes(node.type)) at("wrong-type", v);
  }
  if (node.enum) {
    const first = node.enum[0]!;
    for (const v of [first.toLowerCase(), first.toUpperCase(), `${first}X`, "", " " + first]) {
      if (!node.enum.includes(v)) at("enum", v);
    }
  }
  if (typeof value === "string") {
    if (node.maxLength !== undefined) {
      at("max-length", text(g, node.maxLength + 1));
      at("max-length", "x".repeat(node.maxLength + g.int(1, 5)));
    }
    if (node.format === "date-time") {
      at("format", g.pick(BAD_DATE_TIMES));
      at("odd", g.pick(ODD_DATE_TIMES));
    }
    if (node.format === "uri") {
      at("format", g.pick(BAD_URIS));
      at("odd", g.pick(ODD_URIS));
    }
  }
  if (typeof value === "number" && node.multipleOf !== undefined) {
    at("multiple-of", value + node.multipleOf / 2);
    at("multiple-of", value + node.multipleOf / 1000);
  }
  if (Array.isArray(value)) {
    if (node.minItems !== undefined && node.minItems > 0) {
      at("min-items", value.slice(0, node.minItems - 1));
    }
    value.forEach((item, i) => sites(g, item, node.items ?? {}, root, [...path, i], out));
  }
  if (typeof value === "object" && value !== null && !Array.isArray(value)) {
    for (const key of node.required ?? []) {
      if (key in value) at("drop-required", undefined, [...path, key]);
    }
    const known = Object.keys(node.properties ?? {});
    const key = g.pick(EXTRA_KEYS.filter((k) => !known.includes(k)));
    const kind = node.additionalProperties === false ? "extra" : "extra-allowed";
    at(kind, g.pick<Json>(["x", 1, {}, null]), [...path, key]);
    // A property of the schema under another case is unknown too.
    if (known[0]) at(kind, 1, [...path, known[0].toUpperCase()]);
    for (const [k, v] of Object.entries(value)) {
      const prop = node.properties?.[k];
      if (prop) sites(g, v, prop, root, [...path, k], out);
    }
  }
}

// --- Tests --------------------------------------------------------------------------------

function seedFromEnv(): number {
  let given: string | undefined;
  try {
    given = Deno.env.get("SCHEMA_SEED");
  } catch {
    given = undefined; // no --allow-env: use the fixed seed
  }
  return given !== undefined ? Number(given) >>> 0 : 20260101;
}

Deno.test("validatePayload() agrees with Ajv on generated and mutated payloads of every schema", () => {
  const seed = seedFromEnv();
  // deno-lint-ignore no-console -- the seed is what replays a failure
  console.log(`schema fuzz seed: ${seed} (replay with SCHEMA_SEED=${seed})`);
  const g = new Gen(seed);
  const counts = { valid: 0, mutated: 0, codes: 0 };
  const kinds = new Map<Mutation["kind"], number>();
  assert.equal(NAMES.length, 78, "39 actions, each with a request and a response schema");
  for (const name of NAMES) {
    const root = SCHEMA_OF[name]!;
    const [action] = split(name);
    assert.ok(hasSchema(action), `hasSchema(${action})`);
    for (let i = 0; i < 100; i++) {
      const base = valid(g, root, root);
      const note = `seed ${seed}`;
      assert.equal(judge(name, base, `${note}, generated`), undefined);
      counts.valid++;
      const all: Mutation[] = [];
      sites(g, base, root, root, [], all);
      // One mutation at a time, each checked for its CALLERROR code.
      for (let j = 0; j < 6 && all.length > 0; j++) {
        // Pick the kind first, so that kinds with few sites are tried as often as the others.
        const kind = g.pick([...new Set(all.map((x) => x.kind))]);
        const m = g.pick(all.filter((x) => x.kind === kind));
        const broken = m.apply(base);
        const got = judge(name, broken, `${note}, ${m.kind} at ${m.path.join(".")}`);
        counts.mutated++;
        kinds.set(m.kind, (kinds.get(m.kind) ?? 0) + 1);
        const want = EXPECTED[m.kind];
        if (want) {
          assert.equal(got?.code, want, `${note}: ${m.kind} at ${m.path.join(".")} of ${name}`);
          counts.codes++;
        }
      }
      // Several at once: only agreement is checked.
      if (all.length > 1) {
        let broken: Json = base;
        const n = g.int(2, 4);
        for (let j = 0; j < n; j++) {
          const paths: Mutation[] = [];
          sites(g, broken, root, root, [], paths);
          if (paths.length === 0) break;
          broken = g.pick(paths).apply(broken);
        }
        judge(name, broken, `${note}, ${n} mutations`);
        counts.mutated++;
      }
    }
  }
  // Non-object payloads are a FormationViolation for every schema.
  for (const name of NAMES) {
    for (const payload of [null, [], "x", 1, true]) {
      assert.equal(judge(name, payload, "top level")?.code, "FormationViolation");
    }
  }
  // deno-lint-ignore no-console -- shows how much was compared
  console.log(counts, Object.fromEntries(kinds));
  assert.ok(counts.valid >= 78 * 100 && counts.mutated > counts.valid * 3 && counts.codes > 0);
  for (const kind of [...Object.keys(EXPECTED), "odd"]) {
    assert.ok((kinds.get(kind as Mutation["kind"]) ?? 0) > 10, `${kind} was tried too rarely`);
  }
});

Deno.test("validatePayload() agrees with Ajv on date-time edge cases", () => {
  for (const v of [...BAD_DATE_TIMES, ...ODD_DATE_TIMES, "2026-01-01T12:30:00Z"]) {
    judge("HeartbeatResponse", { currentTime: v }, `date-time ${JSON.stringify(v)}`);
  }
  for (const v of BAD_DATE_TIMES) {
    assert.equal(
      validatePayload("Heartbeat", "Response", { currentTime: v })?.code,
      "PropertyConstraintViolation",
      JSON.stringify(v),
    );
  }
  for (const v of ["2024-02-29T00:00:00Z", "2026-06-30T23:59:59.999+02:00"]) {
    assert.equal(validatePayload("Heartbeat", "Response", { currentTime: v }), undefined, v);
  }
});

Deno.test("validatePayload() agrees with Ajv on uri edge cases", () => {
  for (const v of [...GOOD_URIS, ...BAD_URIS, ...ODD_URIS]) {
    judge("GetDiagnosticsRequest", { location: v }, `uri ${JSON.stringify(v)}`);
  }
  for (const v of GOOD_URIS) {
    assert.equal(validatePayload("GetDiagnostics", "Request", { location: v }), undefined, v);
  }
  for (const v of BAD_URIS) {
    assert.equal(
      validatePayload("GetDiagnostics", "Request", { location: v })?.code,
      "PropertyConstraintViolation",
      v,
    );
  }
});

Deno.test("validatePayload() rejects unknown properties named like Object.prototype members", () => {
  for (const key of EXTRA_KEYS) {
    const wire = JSON.parse(`{"idTag":"ABC",${JSON.stringify(key)}:1}`);
    assert.deepEqual(
      validatePayload("Authorize", "Request", wire),
      { code: "FormationViolation", text: `${key} is not a known field` },
      key,
    );
    judge("AuthorizeRequest", wire, key);
  }
});

Deno.test("validatePayload() counts maxLength in code points, as Ajv does", () => {
  assert.equal(validatePayload("Authorize", "Request", { idTag: "😀".repeat(20) }), undefined);
  assert.deepEqual(validatePayload("Authorize", "Request", { idTag: "😀".repeat(21) }), {
    code: "PropertyConstraintViolation",
    text: "idTag must be at most 20 characters",
  });
  judge("AuthorizeRequest", { idTag: "😀".repeat(20) }, "20 emoji");
  judge("AuthorizeRequest", { idTag: "😀".repeat(21) }, "21 emoji");
});

Deno.test("validatePayload() tolerates float noise in multipleOf but not a real remainder", () => {
  const profile = (limit: number) => ({
    connectorId: 1,
    csChargingProfiles: {
      chargingProfileId: 1,
      stackLevel: 0,
      chargingProfilePurpose: "TxDefaultProfile",
      chargingProfileKind: "Absolute",
      chargingSchedule: {
        chargingRateUnit: "A",
        chargingSchedulePeriod: [{ startPeriod: 0, limit }],
      },
    },
  });
  for (const limit of [16.3, 163 * 0.1, 0.3, 6]) {
    assert.equal(judge("SetChargingProfileRequest", profile(limit), String(limit)), undefined);
  }
  assert.deepEqual(judge("SetChargingProfileRequest", profile(16.35), "16.35"), {
    code: "PropertyConstraintViolation",
    text:
      "csChargingProfiles.chargingSchedule.chargingSchedulePeriod[0].limit must be a multiple of 0.1",
  });
});

Deno.test("validatePayload() maps each kind of violation to its OCPP-J 4.2.3 error code", () => {
  const boot = { chargePointVendor: "V", chargePointModel: "M" };
  const cases: [string, "Request" | "Response", unknown, Violation][] = [
    ["Authorize", "Request", {}, {
      code: "OccurenceConstraintViolation",
      text: "idTag is required",
    }],
    ["Authorize", "Request", { idTag: 5 }, {
      code: "TypeConstraintViolation",
      text: "idTag must be string",
    }],
    ["BootNotification", "Request", { ...boot, chargePointVendor: "x".repeat(21) }, {
      code: "PropertyConstraintViolation",
      text: "chargePointVendor must be at most 20 characters",
    }],
    ["BootNotification", "Request", { ...boot, firmware: "1.0" }, {
      code: "FormationViolation",
      text: "firmware is not a known field",
    }],
    ["BootNotification", "Response", {
      status: "Maybe",
      currentTime: "2026-01-01T00:00:00Z",
      interval: 300,
    }, {
      code: "PropertyConstraintViolation",
      text: "status must be one of Accepted, Pending, Rejected",
    }],
    ["BootNotification", "Response", {
      status: "Accepted",
      currentTime: "yesterday",
      interval: 300,
    }, {
      code: "PropertyConstraintViolation",
      text: "currentTime must be an RFC 3339 date-time",
    }],
    ["BootNotification", "Response", {
      status: "Accepted",
      currentTime: "2026-01-01T00:00:00Z",
      interval: "300",
    }, {
      code: "TypeConstraintViolation",
      text: "interval must be integer",
    }],
    ["GetInstalledCertificateIds", "Response", { status: "Accepted", certificateHashData: [] }, {
      code: "OccurenceConstraintViolation",
      text: "certificateHashData must have at least 1 items",
    }],
    ["Heartbeat", "Request", null, {
      code: "FormationViolation",
      text: "Heartbeat.req payload must be an object",
    }],
    ["Heartbeat", "Response", [], {
      code: "FormationViolation",
      text: "Heartbeat.conf payload must be an object",
    }],
    ["NoSuchAction", "Request", {}, {
      code: "NotImplemented",
      text: "no schema for NoSuchActionRequest",
    }],
  ];
  for (const [action, kind, payload, want] of cases) {
    assert.deepEqual(validatePayload(action, kind, payload), want, `${action}${kind}`);
  }
});

Deno.test("validatePayload() names the nested field that fails", () => {
  const payload = {
    connectorId: 1,
    meterValue: [{
      timestamp: "2026-01-01T00:00:00Z",
      sampledValue: [{ value: "1" }, { value: "2", unit: "Parsec" }],
    }],
  };
  assert.deepEqual(validatePayload("MeterValues", "Request", payload), {
    code: "PropertyConstraintViolation",
    text: `meterValue[0].sampledValue[1].unit must be one of ${
      (SCHEMA_OF.MeterValuesRequest!.properties!.meterValue!.items!.properties!.sampledValue!
        .items!.properties!.unit!.enum ?? []).join(", ")
    }`,
  });
});

Deno.test("hasSchema() is true only for actions with both a request and a response schema", () => {
  for (const action of ["Heartbeat", "BootNotification", "GetLog", "SignedUpdateFirmware"]) {
    assert.equal(hasSchema(action), true, action);
  }
  for (const action of ["", "Foo", "heartbeat", "definitions", "toString", "HeartbeatRequest"]) {
    assert.equal(hasSchema(action), false, action);
  }
});
