import assert from "node:assert/strict";
import { isDateTime, parseDateTime } from "./date_time.ts";

Deno.test("parseDateTime() refuses days that do not exist instead of rolling them over", () => {
  for (
    const s of [
      "2030-02-30T00:00:00Z",
      "2030-04-31T00:00:00Z",
      "2031-02-29T12:00:00Z",
      "2100-02-29T00:00:00Z",
      "2030-13-01T00:00:00Z",
      "2030-00-10T00:00:00Z",
      "2030-06-00T00:00:00Z",
      "2030-01-01T24:00:00Z",
      "2030-01-01T10:60:00Z",
      "2030-01-01T10:00:00+24:00",
      "2030-01-01T10:00:00",
      "2030-01-01",
    ]
  ) assert.equal(parseDateTime(s), undefined, s);
  assert.equal(isDateTime("2030-02-30T00:00:00Z"), false);
});

Deno.test("parseDateTime() reads real instants with offsets, fractions and leap days", () => {
  const same = (s: string, iso: string) => assert.equal(parseDateTime(s), Date.parse(iso), s);
  same("2030-02-28T00:00:00Z", "2030-02-28T00:00:00.000Z");
  same("2032-02-29T23:59:59.5Z", "2032-02-29T23:59:59.500Z");
  same("2000-02-29T00:00:00Z", "2000-02-29T00:00:00.000Z");
  same("2030-04-30T02:00:00+02:00", "2030-04-30T00:00:00.000Z");
  same("2030-04-30T00:00:00-01:30", "2030-04-30T01:30:00.000Z");
  same("2030-04-30t00:00:00z", "2030-04-30T00:00:00.000Z");
  // A leap second (only at 23:59:60 UTC) is the end of its minute.
  assert.equal(parseDateTime("2016-12-31T23:59:60Z"), Date.parse("2016-12-31T23:59:59.999Z"));
  assert.equal(parseDateTime("2016-12-31T12:59:60Z"), undefined);
});
