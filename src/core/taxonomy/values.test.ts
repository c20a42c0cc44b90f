import { describe, expect, test } from 'vitest';
import fc from 'fast-check';
import { checkValue, inferType, isValidDate, parseDatetime, widen } from './values.ts';

/** The seeds' data types (seed 000 "Data Type") and D3's datetime rule, including property-based round trips. */

const instant = fc.date({ min: new Date('1970-01-01T00:00:00Z'), max: new Date('2999-12-31T23:59:59.999Z'), noInvalidDate: true });

describe('parseDatetime (D3)', () => {
  test('any instant written as toISOString parses back to itself', () => {
    fc.assert(fc.property(instant, (d) => parseDatetime(d.toISOString()) === d.getTime()));
  });

  test('any instant written with any whole-minute offset, with or without milliseconds, is the same instant', () => {
    fc.assert(
      fc.property(instant, fc.integer({ min: -14 * 60, max: 14 * 60 }), fc.boolean(), fc.boolean(), (d, offsetMin, withMs, colon) => {
        const local = new Date(d.getTime() + offsetMin * 60_000).toISOString().slice(0, withMs ? 23 : 19);
        const sign = offsetMin < 0 ? '-' : '+';
        const abs = Math.abs(offsetMin);
        const hh = String(Math.floor(abs / 60)).padStart(2, '0');
        const mm = String(abs % 60).padStart(2, '0');
        const text = `${local}${sign}${hh}${colon ? ':' : ''}${mm}`;
        const expected = withMs ? d.getTime() : d.getTime() - (((d.getTime() % 1000) + 1000) % 1000);
        return parseDatetime(text) === expected;
      }),
    );
  });

  test.each([
    ['2023-08-15T12:30:00.000Z', Date.UTC(2023, 7, 15, 12, 30)],
    ['2023-08-15T12:30:00Z', Date.UTC(2023, 7, 15, 12, 30)],
    ['2023-08-15T21:30:00+09:00', Date.UTC(2023, 7, 15, 12, 30)],
    ['2023-08-15T21:30:00+0900', Date.UTC(2023, 7, 15, 12, 30)],
    ['2023-08-15T12:30:00.123456Z', Date.UTC(2023, 7, 15, 12, 30, 0, 123)],
    ['2024-02-29T00:00:00Z', Date.UTC(2024, 1, 29)],
  ])('accepts %s', (text, ms) => {
    expect(parseDatetime(text)).toBe(ms);
  });

  test.each([
    '2023-08-15T12:30:00', // no zone
    '2023-08-15T12:30:00.000', // no zone
    '2023-08-15', // a date
    '2023-08-15 12:30:00Z', // space instead of T
    '2023-02-29T00:00:00Z', // not a leap year
    '2023-13-01T00:00:00Z',
    '2023-08-15T24:00:00Z',
    '2023-08-15T12:60:00Z',
    '1692102600000',
    '',
  ])('rejects %j', (text) => {
    expect(parseDatetime(text)).toBeUndefined();
  });

  test('anything that is not a string is not a datetime', () => {
    fc.assert(fc.property(fc.oneof(fc.integer(), fc.boolean(), fc.constant(null), fc.object()), (v) => parseDatetime(v) === undefined));
  });
});

describe('isValidDate', () => {
  test('every calendar day of yyyy-MM-dd is valid', () => {
    fc.assert(fc.property(instant, (d) => isValidDate(d.toISOString().slice(0, 10))));
  });
  test.each(['2023-02-29', '2023-04-31', '2023-00-10', '23-08-15', '2023-8-15', '2023-08-15T00:00:00Z'])('%s is not', (s) => {
    expect(isValidDate(s)).toBe(false);
  });
});

describe('checkValue', () => {
  test.each([
    ['string', 'foo', 'foo'],
    ['long', 1, 1],
    ['double', 1.5, 1.5],
    ['double', 1, 1],
    ['boolean', false, false],
    ['datetime', '2023-08-15T21:30:00+09:00', '2023-08-15T12:30:00.000Z'],
    ['date', '2023-08-15', '2023-08-15'],
    ['string[]', ['foo', 'bar'], ['foo', 'bar']],
    ['long[]', [0, 1], [0, 1]],
    ['double[]', [0, 1.5], [0, 1.5]],
    ['string[]', [], []],
  ] as const)('%s accepts %j and stores %j', (type, value, stored) => {
    expect(checkValue(type, value)).toEqual({ ok: true, value: stored });
  });

  test.each([
    ['string', 1],
    ['long', 1.5],
    ['long', 2 ** 53],
    ['long', '1'],
    ['double', Number.NaN],
    ['double', '1.0'],
    ['boolean', 'true'],
    ['boolean', 0],
    ['datetime', '2023-08-15T12:30:00'],
    ['date', '2023-02-30'],
    ['string[]', 'foo'],
    ['long[]', [1, '2']],
    ['double[]', [1, null]],
  ] as const)('%s rejects %j with a reason', (type, value) => {
    const r = checkValue(type, value);
    expect(r.ok).toBe(false);
    expect(r.ok ? '' : r.reason).toMatch(/^(must be|element \d+ must be)/);
  });
});

describe('inferType and widen (first-seen types, D4)', () => {
  test.each([
    ['foo', 'string'],
    ['2023-08-15T12:30:00Z', 'datetime'],
    [1, 'long'],
    [1.5, 'double'],
    [true, 'boolean'],
    [['a'], 'string[]'],
    [[1, 2], 'long[]'],
    [[1, 2.5], 'double[]'],
    [[], 'string[]'],
    [null, undefined],
    [{ a: 1 }, undefined],
    [[1, 'a'], undefined],
  ])('%j is %s', (value, type) => {
    expect(inferType(value)).toBe(type);
  });

  test('a Long widens to a Double, never the other way', () => {
    expect(widen('double', 'long')).toBe(true);
    expect(widen('double[]', 'long[]')).toBe(true);
    expect(widen('long', 'double')).toBe(false);
    expect(widen('string', 'long')).toBe(false);
  });
});
