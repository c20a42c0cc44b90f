import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, test } from 'vitest';
import { ERROR_CODES, MaruError, type ErrorCode } from './errors.ts';
import { DFINERY_CODES, renderError } from '../faces/dfinery/envelope.ts';

/** docs/errors.md is the reference for error codes: these tests fail when it and the code disagree. */

const doc = readFileSync(join(resolve(import.meta.dirname, '../..'), 'docs/errors.md'), 'utf8');

const tableRows = (heading: string) => {
  const section = doc.split(/^## /m).find((s) => s.startsWith(heading));
  if (!section) throw new Error(`docs/errors.md has no section "${heading}"`);
  return section
    .split('\n')
    .filter((l) => /^\| `/.test(l))
    .map((l) =>
      l
        .split('|')
        .slice(1, -1)
        .map((c) => c.trim().replace(/^`|`$/g, '')),
    );
};

describe('core error codes', () => {
  const rows = tableRows('Core error codes');

  test('every code in ERROR_CODES is documented with its HTTP status, and nothing else is', () => {
    const documented = Object.fromEntries(rows.map(([code, status]) => [code, Number(status)]));
    expect(documented).toEqual(ERROR_CODES);
  });

  test('every code has a meaning', () => {
    for (const row of rows) expect(row[3]?.length ?? 0, row[0]).toBeGreaterThan(10);
  });

  test('MaruError.status is the table status', () => {
    for (const [code, status] of Object.entries(ERROR_CODES)) expect(new MaruError(code as ErrorCode, 'x').status).toBe(status);
  });

  test('the DFINERY column is how the DFINERY Import face renders each code', () => {
    for (const [code, , dfinery] of rows) {
      const [status, codes] = dfinery.split(' / ');
      const alternatives = codes.split(' or ');
      const rendered = [renderError(new MaruError(code as ErrorCode, 'x'))];
      if (code === 'too_many_items') rendered.push(renderError(new MaruError('too_many_items', 'x', { details: { kind: 'profiles' } })));
      expect(
        rendered.map((r) => r.body.code),
        code,
      ).toEqual(alternatives);
      for (const r of rendered) expect(r.status, code).toBe(Number(status));
    }
  });
});

describe('DFINERY Import API detailed codes', () => {
  const rows = tableRows('DFINERY Import API detailed codes');

  test('the table lists exactly the codes and messages of the face', () => {
    expect(rows.map(([code, message]) => ({ code, message }))).toEqual(Object.values(DFINERY_CODES));
  });

  test('the HTTP status of each failure code is what the face sends', () => {
    const statusOf = new Map<string, Set<number>>();
    for (const code of Object.keys(ERROR_CODES) as ErrorCode[]) {
      for (const details of [undefined, { kind: 'profiles' }]) {
        const r = renderError(new MaruError(code, 'x', { details }));
        // 40000 with HTTP 413, 415 or 405, described in the row's text
        if (code === 'payload_too_large' || code === 'unsupported_media_type' || code === 'method_not_allowed') continue;
        statusOf.set(r.body.code, (statusOf.get(r.body.code) ?? new Set()).add(r.status));
      }
    }
    for (const [code, , status] of rows) {
      if (code === '20000') continue;
      expect([...(statusOf.get(code) ?? [])], code).toEqual([Number(status)]);
    }
  });

  test('the seed codes are all there (seed 000)', () => {
    expect(rows.map(([code]) => code)).toEqual(['20000', '40000', '40001', '40101', '40201', '40401', '40402', '40403', '50000']);
  });
});
