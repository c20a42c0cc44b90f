import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT } from '../helpers/process.ts';

/** docs/console.md shows the screenshots the browser tests take: every picture it names exists, and every one taken is shown. */
describe('docs/console.md screenshots', () => {
  const doc = readFileSync(join(ROOT, 'docs/console.md'), 'utf8');
  const named = [...doc.matchAll(/\]\((console\/[^)]+\.png)\)/g)].map((m) => m[1]);
  const taken = readdirSync(join(ROOT, 'docs/console'))
    .filter((f) => f.endsWith('.png'))
    .map((f) => `console/${f}`);

  it('names only screenshots that exist', () => {
    expect(named.length).toBeGreaterThan(10);
    expect(named.filter((n) => !taken.includes(n))).toEqual([]);
  });

  it('shows every screenshot the tests take', () => {
    expect(taken.filter((t) => !named.includes(t))).toEqual([]);
  });
});
