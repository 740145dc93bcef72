import assert from "node:assert/strict";
import { memoryLogger, redact } from "./log.ts";

Deno.test("redact() masks an AuthorizationKey in a ChangeConfiguration frame", () => {
  const frame =
    '[2,"1","ChangeConfiguration",{"key":"AuthorizationKey","value":"0123456789abcdef0123"}]';
  assert.equal(
    redact(frame, []),
    '[2,"1","ChangeConfiguration",{"key":"AuthorizationKey","value":"***"}]',
  );
});

Deno.test("redact() masks password fields and every known secret value", () => {
  assert.equal(redact('{"backendPassword":"hunter2hunter2xx"}', []), '{"backendPassword":"***"}');
  assert.equal(
    redact("auth failed for s3cretS3cretS3cret!", ["s3cretS3cretS3cret"]),
    "auth failed for ***!",
  );
});

Deno.test("redact() leaves other text alone", () => {
  const text = '[2,"1","ChangeConfiguration",{"key":"HeartbeatInterval","value":"60"}]';
  assert.equal(redact(text, []), text);
});

Deno.test("memoryLogger() records level and redacted text", () => {
  const lines: string[] = [];
  memoryLogger(lines, () => ["topsecretvalue1234"]).log("warn", "key topsecretvalue1234 rejected");
  assert.deepEqual(lines, ["warn key *** rejected"]);
});

Deno.test("redact() masks an AuthorizationKey whatever the key's case or the field order", () => {
  assert.equal(
    redact(
      '[2,"1","ChangeConfiguration",{"key":"authorizationkey","value":"0123456789abcdef"}]',
      [],
    ),
    '[2,"1","ChangeConfiguration",{"key":"authorizationkey","value":"***"}]',
  );
  assert.equal(
    redact(
      '[2,"1","ChangeConfiguration",{"value":"0123456789abcdef","key":"AuthorizationKey"}]',
      [],
    ),
    '[2,"1","ChangeConfiguration",{"value":"***","key":"AuthorizationKey"}]',
  );
});

Deno.test("redact() masks frames on their parsed form: JSON escapes, extra fields, any case", () => {
  const secret = "0123456789abcdef0123";
  const frames = [
    // The key written with a JSON escape: the same key once parsed.
    `< [2,"1","ChangeConfiguration",{"key":"Authorization\\u004bey","value":"${secret}"}]`,
    // A schema-invalid frame: an extra field between key and value.
    `< [2,"2","ChangeConfiguration",{"key":"AuthorizationKey","extra":1,"value":"${secret}"}]`,
    // The value's own characters escaped.
    `< [2,"3","ChangeConfiguration",{"key":"authorizationKEY","value":"\\u0030123456789abcdef0123"}]`,
    // A field named like a secret, its name escaped, anywhere in a payload.
    `> [2,"4","DataTransfer",{"vendorId":"x","data":{"backendP\\u0061ssword":"${secret}"}}]`,
  ];
  for (const f of frames) {
    const out = redact(f, []);
    assert.ok(!out.includes(secret) && !out.includes("\\u0030123"), out);
    assert.match(out, /"\*\*\*"/);
  }
  // Frames that are not JSON are not shown when they could hold a secret.
  const cut = `< [2,"5","ChangeConfiguration",{"key":"Authorization\\u004bey","value":"${secret}"`;
  assert.equal(
    redact(cut, []),
    `< (${cut.length - 2} characters, not JSON; not shown: it may hold a secret)`,
  );
  // Everything else of a frame stays readable.
  assert.equal(
    redact('< [2,"6","ChangeConfiguration",{"key":"HeartbeatInterval","value":"60"}]', []),
    '< [2,"6","ChangeConfiguration",{"key":"HeartbeatInterval","value":"60"}]',
  );
  assert.equal(redact("< not json at all", []), "< not json at all");
});

Deno.test("redact() masks a frame quoted in a message, and withholds a broken one that could hold a secret", () => {
  const secret = "0123456789abcdef0123";
  const cut = `[2,"1","ChangeConfiguration",{"key":"Authoriz\\u0061tionKey","value":"${secret}"`;
  const out = redact(`Cannot parse frame: not JSON: ${cut}`, []);
  assert.ok(!out.includes(secret), out);
  assert.match(out, /^Cannot parse frame: not JSON: \(\d+ characters, not JSON; not shown/);
  assert.equal(
    redact('Ignored: [3,"x",{"key":"authorizationkey","value":"s3cr3t"}]', []),
    'Ignored: [3,"x",{"key":"authorizationkey","value":"***"}]',
  );
  assert.equal(
    redact("Cannot parse frame: not JSON: [oops", []),
    "Cannot parse frame: not JSON: [oops",
  );
});

Deno.test("redact() logs a frame with nothing secret byte for byte, and still masks a secret value in it", () => {
  const frame = '> [2, "7", "MeterValues", {"connectorId": 1, "meterValue": []}]';
  assert.equal(redact(frame, []), frame);
  assert.equal(
    redact('> [2,"8","DataTransfer",{"vendorId":"k3yk3yk3yk3y"}]', ["k3yk3yk3yk3y"]),
    '> [2,"8","DataTransfer",{"vendorId":"***"}]',
  );
});
