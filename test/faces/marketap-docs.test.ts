import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, test } from 'vitest';
import { ERROR_CODES, MaruError, type ErrorCode } from '../../src/core/errors.ts';
import { MARKETAP_ERRORS, renderError } from '../../src/faces/marketap/errors.ts';
import { STANDARD_PROPERTIES } from '../../src/faces/marketap/mapping.ts';
import { TYPE_LABELS } from '../../src/core/taxonomy/taxonomy.types.ts';
import { STANDARD_USER_PROPERTIES } from '../../src/core/taxonomy/standard-taxonomy.ts';

/** docs/marketap.md is the reference for the face's errors and standard properties: these fail when they disagree. */
const doc = readFileSync(join(resolve(import.meta.dirname, '../..'), 'docs/marketap.md'), 'utf8');

/** Rows of the first table after a line containing `marker`. */
function table(marker: string): string[][] {
  const lines = doc.split('\n');
  const start = lines.findIndex((l) => l.includes(marker));
  if (start < 0) throw new Error(`docs/marketap.md has no "${marker}"`);
  const rows: string[][] = [];
  for (const line of lines.slice(start + 1)) {
    if (!line.startsWith('|')) {
      if (rows.length > 0) break;
      continue;
    }
    if (/^\|[-| ]+\|$/.test(line)) continue;
    rows.push(
      line
        .split('|')
        .slice(1, -1)
        .map((c) => c.trim().replace(/^`|`$/g, '')),
    );
  }
  return rows.slice(1); // without the header
}

describe('docs/marketap.md', () => {
  test('the core-code table is MARKETAP_ERRORS, covers every core code, and is how errors render', () => {
    const rows = table('How each core error code maps');
    expect(Object.fromEntries(rows.map(([code, status, wire]) => [code, { status: Number(status), code: wire }]))).toEqual(MARKETAP_ERRORS);
    expect(rows.map(([code]) => code).sort()).toEqual(Object.keys(ERROR_CODES).sort());
    for (const [code, status, wire] of rows) {
      const r = renderError(new MaruError(code as ErrorCode, 'm', { field: 'f' }));
      expect([r.status, r.body.error.code], code).toEqual([Number(status), wire]);
    }
  });

  test('the error summary lists each wire code with its status', () => {
    const summary = table('Errors answer with a JSON body').map(([status, code]) => `${status} ${code}`);
    const fromCode = [
      ...new Set(
        Object.values(MARKETAP_ERRORS)
          .filter((m) => m.status !== 501)
          .map((m) => `${m.status} ${m.code}`),
      ),
    ];
    expect(summary.sort()).toEqual(fromCode.sort());
  });

  test('the standard-property table is STANDARD_PROPERTIES, with the core types', () => {
    const rows = table('### Standard properties');
    const documented = Object.fromEntries(
      rows.map(([name, type, property, identifier]) => [name, { type, property, identifier: identifier.split(' ')[0].replace(/`/g, '') || undefined }]),
    );
    const code = Object.fromEntries(
      Object.entries(STANDARD_PROPERTIES).map(([name, p]) => [name, { type: TYPE_LABELS[p.type], property: p.property, identifier: p.identifier }]),
    );
    expect(documented).toEqual(code);
    for (const p of Object.values(STANDARD_PROPERTIES)) expect(STANDARD_USER_PROPERTIES[p.property], p.property).toBe(p.type);
  });
});
