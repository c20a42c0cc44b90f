import { invalid } from '../errors.ts';
import type { PropertyType } from './taxonomy.types.ts';

/**
 * Parsing and checking of typed values (the seeds' data types, D3 for datetimes).
 * A check returns the value as stored, or a reason string.
 */

// yyyy-MM-ddTHH:mm:ss(.SSS…)(Z|±hh:mm|±hhmm)
const DATETIME = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?(?:Z|([+-])(\d{2}):?(\d{2}))$/;
const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;
/** Days before each month in a common year. */
const DAYS_BEFORE = [0, 31, 59, 90, 120, 151, 181, 212, 243, 273, 304, 334];
const DAY_MS = 86_400_000;

/**
 * Parses an ISO 8601 datetime that carries a zone; returns epoch ms or undefined.
 * Fractions beyond milliseconds are truncated; zone offsets are at most ±23:59 (as Date.parse accepts them).
 * Computed from the matched fields (no Date.parse, which would re-scan the string).
 */
export function parseDatetime(input: unknown): number | undefined {
  if (typeof input !== 'string') return undefined;
  const m = DATETIME.exec(input);
  if (m === null) return undefined;
  const y = +m[1];
  const mo = +m[2];
  const d = +m[3];
  const h = +m[4];
  const mi = +m[5];
  const s = +m[6];
  if (mo < 1 || mo > 12 || d < 1 || d > daysIn(y, mo) || h > 23 || mi > 59 || s > 59) return undefined;
  let ms = 0;
  const frac = m[7];
  if (frac !== undefined) ms = frac.length >= 3 ? +frac.slice(0, 3) : frac.length === 2 ? +frac * 10 : +frac * 100;
  let offsetMin = 0;
  if (m[8] !== undefined) {
    const oh = +m[9];
    const om = +m[10];
    if (oh > 23 || om > 59) return undefined;
    offsetMin = m[8] === '-' ? -(oh * 60 + om) : oh * 60 + om;
  }
  return (daysFromCivil(y, mo) + d - 1) * DAY_MS + ((h * 60 + mi - offsetMin) * 60 + s) * 1000 + ms;
}

/**
 * A datetime query parameter (a `before=` cursor, a range bound): absent or empty → undefined; otherwise an ISO 8601
 * datetime with `Z` or an offset (D3: a datetime without a zone is ambiguous and refused), naming the parameter.
 */
export function parseDatetimeParam(raw: unknown, field: string): number | undefined {
  if (raw === undefined || raw === '') return undefined;
  const ms = parseDatetime(raw);
  if (ms === undefined)
    throw invalid(field, `${field} must be an ISO 8601 datetime with Z or an offset, e.g. 2025-01-06T01:00:00.000Z, got ${JSON.stringify(raw)}`);
  return ms;
}

function isLeap(y: number): boolean {
  return y % 4 === 0 && (y % 100 !== 0 || y % 400 === 0);
}

/** Days from 1970-01-01 to the first of month `mo` (1–12) of year `y` (0–9999), proleptic Gregorian. */
function daysFromCivil(y: number, mo: number): number {
  // Leap days in years before y, counted from year 0 (a leap year), minus those before 1970 (478).
  const leapsBefore = y === 0 ? 0 : Math.floor((y - 1) / 4) - Math.floor((y - 1) / 100) + Math.floor((y - 1) / 400) + 1;
  return (y - 1970) * 365 + leapsBefore - 478 + DAYS_BEFORE[mo - 1] + (mo > 2 && isLeap(y) ? 1 : 0);
}

export function isValidDate(input: unknown): input is string {
  if (typeof input !== 'string') return false;
  const m = DATE.exec(input);
  if (!m) return false;
  const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
  return mo >= 1 && mo <= 12 && d >= 1 && d <= daysIn(y, mo);
}

function daysIn(y: number, m: number): number {
  // Year 0000 keeps 28 days in February: this was computed with Date.UTC, which reads years 0–99 as 1900–1999.
  return m === 2 ? (y !== 0 && isLeap(y) ? 29 : 28) : m === 4 || m === 6 || m === 9 || m === 11 ? 30 : 31;
}

export type Checked = { ok: true; value: unknown } | { ok: false; reason: string };

const ok = (value: unknown): Checked => ({ ok: true, value });
const bad = (reason: string): Checked => ({ ok: false, reason });

/** Checks a value against a type; datetimes are stored as UTC ISO strings. */
export function checkValue(type: PropertyType, value: unknown): Checked {
  switch (type) {
    case 'string':
      return typeof value === 'string' ? ok(value) : bad('must be a String');
    case 'long':
      return typeof value === 'number' && Number.isSafeInteger(value) ? ok(value) : bad('must be a Long (an integer)');
    case 'double':
      return typeof value === 'number' && Number.isFinite(value) ? ok(value) : bad('must be a Double (a number)');
    case 'boolean':
      return typeof value === 'boolean' ? ok(value) : bad('must be a Boolean');
    case 'datetime': {
      const ms = parseDatetime(value);
      return ms === undefined ? bad("must be a Datetime: yyyy-MM-dd'T'HH:mm:ss(.SSS) with Z or an offset") : ok(new Date(ms).toISOString());
    }
    case 'date':
      return isValidDate(value) ? ok(value) : bad('must be a Date: yyyy-MM-dd');
    case 'string[]':
    case 'long[]':
    case 'double[]': {
      if (!Array.isArray(value)) return bad(`must be an Array of ${type === 'string[]' ? 'String' : type === 'long[]' ? 'Long' : 'Double'}`);
      const inner = type.slice(0, -2) as PropertyType;
      for (let i = 0; i < value.length; i++) {
        const c = checkValue(inner, value[i]);
        if (!c.ok) return bad(`element ${i} ${c.reason}`);
      }
      return ok(value);
    }
  }
}

/** The type a first-seen value gets (D4). Undefined for values that have no type (null, objects, mixed arrays). */
export function inferType(value: unknown): PropertyType | undefined {
  if (typeof value === 'string') return parseDatetime(value) !== undefined ? 'datetime' : 'string';
  if (typeof value === 'boolean') return 'boolean';
  if (typeof value === 'number') return Number.isInteger(value) ? 'long' : Number.isFinite(value) ? 'double' : undefined;
  if (Array.isArray(value)) {
    if (value.length === 0) return 'string[]';
    if (value.every((v) => typeof v === 'string')) return 'string[]';
    if (value.every((v) => typeof v === 'number' && Number.isFinite(v))) {
      return value.every((v) => Number.isInteger(v)) ? 'long[]' : 'double[]';
    }
  }
  return undefined;
}

/** A Long value is also acceptable where a Double is registered, and a Long[] where a Double[] is. */
export function widen(registered: PropertyType, observed: PropertyType): boolean {
  return registered === observed || (registered === 'double' && observed === 'long') || (registered === 'double[]' && observed === 'long[]');
}
