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
