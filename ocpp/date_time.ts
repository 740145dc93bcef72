/**
 * RFC 3339 date-times, read strictly: real calendar days (no 2030-02-30, no
 * April 31), hours, minutes and seconds in range, a time zone, and a leap
 * second only at 23:59:60 UTC. `Date.parse` rolls impossible days over into
 * the next month; every date the runtime reads (backend frames through
 * `schema.ts`, the local API) goes through here instead.
 *
 * The rules are those of ajv-formats 3 ("full" mode), so a frame is accepted
 * exactly when an Ajv-based OCPP stack accepts it (`schema_test.ts` checks).
 *
 * @module
 */

const DATE = /^(\d\d\d\d)-(\d\d)-(\d\d)$/;
const TIME = /^(\d\d):(\d\d):(\d\d(?:\.\d+)?)(z|([+-])(\d\d)(?::?(\d\d))?)$/i;
const DAYS = [0, 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

/**
 * The instant of an RFC 3339 date-time, ms since the epoch; undefined when
 * the text is not one or names a day or time that does not exist.
 *
 * @example
 * ```ts
 * parseDateTime("2030-02-28T00:00:00Z"); // 1898380800000
 * parseDateTime("2030-02-30T00:00:00Z"); // undefined
 * ```
 */
export function parseDateTime(s: string): number | undefined {
  const parts = s.split(/t|\s/i);
  if (parts.length !== 2) return undefined;
  const d = DATE.exec(parts[0]!);
  const t = TIME.exec(parts[1]!);
  if (!d || !t) return undefined;
  const [year, month, day] = [+d[1]!, +d[2]!, +d[3]!];
  const leap = year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0);
  if (month < 1 || month > 12 || day < 1 || day > (month === 2 && leap ? 29 : DAYS[month]!)) {
    return undefined;
  }
  const [hr, min, sec] = [+t[1]!, +t[2]!, +t[3]!];
  const sign = t[5] === "-" ? -1 : 1;
  const [tzH, tzM] = [+(t[6] ?? 0), +(t[7] ?? 0)];
  if (tzH > 23 || tzM > 59) return undefined;
  const offsetMs = sign * (tzH * 60 + tzM) * 60_000;
  const at = (s: number) => Date.UTC(year, month - 1, day, hr, min, 0) + s * 1000 - offsetMs;
  if (hr <= 23 && min <= 59 && sec < 60) return at(sec);
  const utcMin = min - tzM * sign;
  const utcHr = hr - tzH * sign - (utcMin < 0 ? 1 : 0);
  const leapSecond = (utcHr === 23 || utcHr === -1) && (utcMin === 59 || utcMin === -1) &&
    sec < 61;
  return leapSecond ? at(59.999) : undefined; // a leap second counts as the end of its minute
}

/** Whether `s` is an RFC 3339 date-time of a day and time that exist. */
export function isDateTime(s: string): boolean {
  return parseDateTime(s) !== undefined;
}
