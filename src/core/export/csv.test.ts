import { describe, expect, test } from 'vitest';
import fc from 'fast-check';
import { parseCsv } from '../../../test/helpers/csv-reader.ts';
import { csvField, csvRecord, csvTable, renderValue } from './csv.ts';
import { DatetimeFormatter } from './timezone.ts';

/** Cells built to hit every quoting rule, mixed with arbitrary Unicode (emoji, CJK, astral planes). */
const tricky = fc.constantFrom(
  '',
  ',',
  '"',
  '""',
  '\r\n',
  '\n',
  '\r',
  ' lead',
  'trail ',
  '\ttab',
  'a,b',
  'say "hi"',
  '😀',
  '한글,값',
  '=SUM(A1)',
  '-1',
  '+1+1',
  '@x',
  'x\r\ny',
);
const cell = fc.oneof(fc.string({ unit: 'binary', maxLength: 12 }), fc.string({ unit: 'grapheme', maxLength: 12 }), tricky);
const table = fc.integer({ min: 1, max: 6 }).chain((cols) => fc.array(fc.array(cell, { minLength: cols, maxLength: cols }), { minLength: 1, maxLength: 8 }));

describe('csv writer (RFC 4180)', () => {
  test('any table of strings round-trips through the writer and an independent RFC 4180 reader', () => {
    fc.assert(
      fc.property(table, (rows) => {
        expect(parseCsv(csvTable(rows))).toEqual(rows);
      }),
      { numRuns: 1000 },
    );
  });

  test('with neutraliseFormulas the round trip returns each formula-like cell with a leading quote, and nothing else changed', () => {
    const neutralised = (s: string) => (/^[=+\-@\t\r]/.test(s) && !/^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$/.test(s) ? `'${s}` : s);
    fc.assert(
      fc.property(table, (rows) => {
        expect(parseCsv(csvTable(rows, { neutraliseFormulas: true }))).toEqual(rows.map((r) => r.map(neutralised)));
      }),
      { numRuns: 500 },
    );
  });

  test('quotes exactly the fields that need it', () => {
    expect(csvField('plain')).toBe('plain');
    expect(csvField('')).toBe('');
    expect(csvField('a,b')).toBe('"a,b"');
    expect(csvField('say "hi"')).toBe('"say ""hi"""');
    expect(csvField('line\nbreak')).toBe('"line\nbreak"');
    expect(csvField('cr\rhere')).toBe('"cr\rhere"');
    expect(csvField(' lead')).toBe('" lead"');
    expect(csvField('trail ')).toBe('"trail "');
    expect(csvField('😀 한글')).toBe('😀 한글');
    // The seed's array cell: ["1","2"] → "[""1"",""2""]"
    expect(csvField(JSON.stringify(['1', '2']))).toBe('"[""1"",""2""]"');
  });

  test('records end with CRLF; a record of one empty field is not a blank line', () => {
    expect(csvRecord(['a', '', 'c'])).toBe('a,,c\r\n');
    expect(csvRecord([''])).toBe('""\r\n');
    expect(parseCsv(csvRecord(['']))).toEqual([['']]);
  });

  test('neutraliseFormulas prefixes = + - @ tab CR starts, but leaves plain numbers alone', () => {
    const n = { neutraliseFormulas: true };
    expect(csvField('=HYPERLINK("http://x")', n)).toBe(`"'=HYPERLINK(""http://x"")"`);
    expect(csvField('+cmd', n)).toBe("'+cmd");
    expect(csvField('-2+3', n)).toBe("'-2+3");
    expect(csvField('@SUM(A1)', n)).toBe("'@SUM(A1)");
    expect(csvField('\tx', n)).toBe("'\tx");
    expect(csvField('-12.5', n)).toBe('-12.5');
    expect(csvField('+3', n)).toBe('+3');
    expect(csvField('1e-5', n)).toBe('1e-5');
    expect(csvField('a=b', n)).toBe('a=b');
    expect(csvField('=x')).toBe('=x');
  });
});

describe('renderValue (D7)', () => {
  const kst = new DatetimeFormatter('Asia/Seoul');
  test('datetimes in the project zone as yyyy-MM-dd HH:mm:ss.SSS; other types as D7 says', () => {
    expect(renderValue('2025-01-06T01:38:10.036Z', 'datetime', kst)).toBe('2025-01-06 10:38:10.036');
    expect(renderValue('2024-12-31T15:00:00.000Z', 'datetime', kst)).toBe('2025-01-01 00:00:00.000');
    expect(renderValue('2024-08-15', 'date', kst)).toBe('2024-08-15');
    expect(renderValue(true, 'boolean', kst)).toBe('true');
    expect(renderValue(false, 'boolean', kst)).toBe('false');
    expect(renderValue(['1', '2'], 'string[]', kst)).toBe('["1","2"]');
    expect(renderValue([1.5, 2], 'double[]', kst)).toBe('[1.5,2]');
    expect(renderValue(4000, 'double', kst)).toBe('4000');
    expect(renderValue(0.1, 'double', kst)).toBe('0.1');
    expect(renderValue(undefined, 'string', kst)).toBe('');
    expect(renderValue(null, 'string', kst)).toBe('');
    expect(renderValue('not a date', 'datetime', kst)).toBe('not a date');
    expect(renderValue({ a: 1 }, undefined, kst)).toBe('{"a":1}');
  });
});
