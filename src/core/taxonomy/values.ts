import type { PropertyType } from './taxonomy.types.ts';

/**
 * Parsing and checking of typed values (the seeds' data types, D3 for datetimes).
 * A check returns the value as stored, or a reason string.
 */

// yyyy-MM-ddTHH:mm:ss(.SSS…)(Z|±hh:mm|±hhmm)
const DATETIME = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(\.\d{1,9})?(Z|[+-]\d{2}:?\d{2})$/;
const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;

/** Parses an ISO 8601 datetime that carries a zone; returns epoch ms or undefined. */
export function parseDatetime(input: unknown): number | undefined {
  if (typeof input !== 'string') return undefined;
  const m = DATETIME.exec(input);
  if (!m) return undefined;
  const [, y, mo, d, h, mi, s] = m.map(Number) as number[];
  if (mo < 1 || mo > 12 || d < 1 || d > daysIn(y, mo) || h > 23 || mi > 59 || s > 59) return undefined;
  const ms = Date.parse(m[7] && m[7].length > 4 ? input.replace(m[7], m[7].slice(0, 4)) : input);
  return Number.isNaN(ms) ? undefined : ms;
}

export function isValidDate(input: unknown): input is string {
  if (typeof input !== 'string') return false;
  const m = DATE.exec(input);
  if (!m) return false;
  const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
  return mo >= 1 && mo <= 12 && d >= 1 && d <= daysIn(y, mo);
}

function daysIn(y: number, m: number): number {
  return new Date(Date.UTC(y, m, 0)).getUTCDate();
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
