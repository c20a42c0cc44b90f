/**
 * Builds the console into console/dist when it is missing or stale — run by `npm start` (prestart) and `npm test`
 * (pretest), so a fresh clone needs no extra step and an edited source is never served from an old build.
 *
 * Stale = any file under console/ (sources, index.html, the Vite config, these scripts) or package-lock.json
 * (a dependency changed) is newer than console/dist/.vite/manifest.json. `--force` rebuilds anyway.
 * Before building, the API types are regenerated from the server's OpenAPI document (generate-api-types.ts).
 * Without the build tools (an install with --omit=dev) an existing build is kept and a missing one is reported.
 */
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

export const CONSOLE_DIR = resolve(import.meta.dirname, '..');
export const DIST = join(CONSOLE_DIR, 'dist');
export const MANIFEST = join(DIST, '.vite/manifest.json');
const LOCK = resolve(CONSOLE_DIR, '../package-lock.json');
const GENERATED = join(CONSOLE_DIR, 'src/lib/api-types.ts');

function newestSource(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) {
      if (path === DIST || entry.name === 'node_modules') continue;
      newest = Math.max(newest, newestSource(path));
    } else if (path !== GENERATED) {
      newest = Math.max(newest, statSync(path).mtimeMs);
    }
  }
  return newest;
}

/** Why the build must run, or undefined when console/dist is up to date. */
export function staleReason(): string | undefined {
  if (!existsSync(MANIFEST)) return 'console/dist does not exist yet';
  const built = statSync(MANIFEST).mtimeMs;
  if (newestSource(CONSOLE_DIR) > built) return 'console sources changed since the last build';
  if (existsSync(LOCK) && statSync(LOCK).mtimeMs > built) return 'package-lock.json changed since the last build';
  return undefined;
}

export async function buildConsole(options: { force?: boolean } = {}): Promise<'built' | 'fresh' | 'skipped'> {
  const reason = options.force ? 'forced' : staleReason();
  if (!reason) return 'fresh';
  let vite: typeof import('vite');
  try {
    vite = await import('vite');
  } catch {
    const msg = 'console: the build tools (vite) are not installed — run `npm ci` without --omit=dev to build the console';
    if (existsSync(MANIFEST)) {
      console.warn(`${msg}; serving the existing build (${reason})`);
      return 'skipped';
    }
    console.warn(`${msg}; /console is not served until it is built`);
    return 'skipped';
  }
  const started = Date.now();
  console.log(`console: building (${reason})…`);
  const { generateApiTypes } = await import('./generate-api-types.ts');
  await generateApiTypes();
  await vite.build({ configFile: join(CONSOLE_DIR, 'vite.config.ts'), logLevel: 'warn' });
  console.log(`console: built into console/dist in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  return 'built';
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  await buildConsole({ force: process.argv.includes('--force') });
}
