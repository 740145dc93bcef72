/**
 * The schemas `schema.ts` validates with, compared field by field with the
 * OCA's published OCPP 1.6 JSON schemas (core and security extension), as
 * `ocpp-rpc` ships them (`lib/schemas/ocpp1_6.json`; the strict server of
 * the scenario tests validates against the same file).
 */
import assert from "node:assert/strict";
import { createRequire } from "node:module";
import { type Node, schemaFor, validatePayload } from "./schema.ts";

type Official = Node & { readonly $id: string };
const OFFICIAL = createRequire(import.meta.url)("ocpp-rpc/lib/schemas/ocpp1_6.json") as Official[];

/** What limits a value at each field path: one line per path. */
function facts(root: Node, node: Node | undefined, path: string, out: Map<string, string>): void {
  while (node?.$ref) node = root.definitions?.[node.$ref.replace("#/definitions/", "")];
  if (!node) return;
  const isObject = node.type === "object";
  const f = {
    type: node.type,
    maxLength: node.maxLength,
    format: node.format,
    enum: node.enum ? [...node.enum].sort() : undefined,
    required: node.required ? [...node.required].sort() : undefined,
    additionalProperties: isObject ? node.additionalProperties : undefined,
    fields: node.properties ? Object.keys(node.properties).sort() : undefined,
    minItems: node.minItems,
    multipleOf: node.multipleOf,
    // additionalItems only counts for tuple items (an array of schemas).
    additionalItems: Array.isArray(node.items) ? node.additionalItems : undefined,
    // deno-lint-ignore no-explicit-any
    minimum: (node as any).minimum,
    // deno-lint-ignore no-explicit-any
    maximum: (node as any).maximum,
  };
  out.set(path || "(payload)", JSON.stringify(f));
  for (const [k, v] of Object.entries(node.properties ?? {})) facts(root, v, `${path}.${k}`, out);
  if (node.items && !Array.isArray(node.items)) facts(root, node.items as Node, `${path}[]`, out);
}

Deno.test("schemaFor() has the OCA's OCPP 1.6 limits on every field of every action", () => {
  assert.ok(OFFICIAL.length >= 78, "the official set has 39 actions");
  const diffs: string[] = [];
  for (const official of OFFICIAL) {
    const [action, kind] = official.$id.replace("urn:", "").split(".");
    const name = `${action}${kind === "req" ? "Request" : "Response"}`;
    const ours = schemaFor(name);
    if (!ours) {
      diffs.push(`${name}: missing`);
      continue;
    }
    const a = new Map<string, string>();
    const b = new Map<string, string>();
    facts(official, official, "", a);
    facts(ours, ours, "", b);
    for (const path of new Set([...a.keys(), ...b.keys()])) {
      if (a.get(path) !== b.get(path)) {
        diffs.push(`${name} ${path}: official ${a.get(path)}, ours ${b.get(path)}`);
      }
    }
  }
  assert.deepEqual(diffs, []);
});

Deno.test("validatePayload() enforces CiString500 on ChangeConfiguration and GetConfiguration values", () => {
  const value = (n: number) => ({ key: "MeterValuesSampledData", value: "a".repeat(n) });
  assert.equal(validatePayload("ChangeConfiguration", "Request", value(500)), undefined);
  assert.deepEqual(validatePayload("ChangeConfiguration", "Request", value(501)), {
    code: "PropertyConstraintViolation",
    text: "value must be at most 500 characters",
  });
  const conf = (n: number) => ({
    configurationKey: [{ key: "K", readonly: false, value: "b".repeat(n) }],
  });
  assert.equal(validatePayload("GetConfiguration", "Response", conf(500)), undefined);
  assert.equal(
    validatePayload("GetConfiguration", "Response", conf(501))?.code,
    "PropertyConstraintViolation",
  );
});

Deno.test("validatePayload() refuses a StatusNotification info over CiString50 (never sent)", () => {
  const req = (n: number) => ({
    connectorId: 1,
    errorCode: "OtherError",
    status: "Faulted",
    info: "i".repeat(n),
  });
  assert.equal(validatePayload("StatusNotification", "Request", req(50)), undefined);
  assert.deepEqual(validatePayload("StatusNotification", "Request", req(51)), {
    code: "PropertyConstraintViolation",
    text: "info must be at most 50 characters",
  });
});
