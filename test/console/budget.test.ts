import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { DIST, MANIFEST, staleReason } from '../../console/scripts/build.ts';

/**
 * The console's size budget (issue 15): the first page loads at most 300 KB of gzipped JavaScript. The first page is
 * index.html's entry chunk with every chunk it imports statically (what the browser fetches before anything
 * renders), plus the chunks of the page a person lands on first — sign-in, first-run setup or the projects list.
 * Project pages are code-split routes (dynamic imports), loaded when opened. Figures are gzip -9 of the built files.
 */
const BUDGET = 300 * 1024;

interface Chunk {
  file: string;
  src?: string;
  isEntry?: boolean;
  imports?: string[];
  dynamicImports?: string[];
}

const manifest = (): Record<string, Chunk> => JSON.parse(readFileSync(MANIFEST, 'utf8'));

/** A chunk and every chunk it imports statically, as files. */
function closure(m: Record<string, Chunk>, key: string, seen = new Set<string>()): Set<string> {
  const c = m[key];
  if (!c || seen.has(c.file)) return seen;
  seen.add(c.file);
  for (const i of c.imports ?? []) closure(m, i, seen);
  return seen;
}

const gzipped = (files: Iterable<string>) =>
  [...files].filter((f) => f.endsWith('.js')).reduce((n, f) => n + gzipSync(readFileSync(join(DIST, f)), { level: 9 }).length, 0);

describe('console size budget', () => {
  it('is measured on a current build', () => {
    expect(existsSync(MANIFEST), 'console/dist is missing: npm test builds it first (pretest); or run npm run console:build').toBe(true);
    expect(staleReason(), 'console/dist is older than its sources: run npm run console:build').toBeUndefined();
  });

  it('loads at most 300 KB of gzipped JavaScript for the first page', () => {
    const m = manifest();
    const entry = Object.entries(m).find(([, c]) => c.isEntry)?.[0];
    expect(entry).toBe('index.html');
    const initial = closure(m, entry!);
    const initialBytes = gzipped(initial);
    expect(initialBytes).toBeGreaterThan(10 * 1024); // the measurement found the real bundle
    expect(initialBytes).toBeLessThanOrEqual(BUDGET);
    for (const route of ['src/app/routes/sign-in.tsx', 'src/app/routes/setup.tsx', 'src/app/routes/projects.tsx']) {
      expect(m[entry!].dynamicImports, `${route} is a code-split route`).toContain(route);
      const files = closure(m, route, new Set(initial));
      const bytes = gzipped(files);
      console.log(`console budget: ${route.replace('src/app/routes/', '')} as the first page loads ${(bytes / 1024).toFixed(1)} KB gzipped JS (budget 300 KB)`);
      expect(bytes, `${route} as the first page`).toBeLessThanOrEqual(BUDGET);
    }
  });

  it('splits the project pages out of the first page', () => {
    const m = manifest();
    const initial = closure(m, 'index.html');
    for (const route of ['overview', 'audience', 'events', 'settings']) {
      const c = m[`src/app/routes/${route}.tsx`];
      expect(c, route).toBeDefined();
      expect(initial.has(c.file), `${route} is not in the first page`).toBe(false);
    }
  });
});
