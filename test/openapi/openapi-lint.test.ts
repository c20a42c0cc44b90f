import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { buildTestApp, type TestApp } from '../helpers/app.ts';

/**
 * The OpenAPI document served at /docs/json passes `redocly lint` (rules in redocly.yaml) with no errors, and every
 * operation declares its security, its responses and an example.
 */

const root = resolve(import.meta.dirname, '../..');
let t: TestApp;
let doc: any;
let dir: string;

beforeAll(async () => {
  t = await buildTestApp();
  const r = await t.app.inject({ method: 'GET', url: '/docs/json' });
  expect(r.statusCode).toBe(200);
  doc = r.json();
  dir = mkdtempSync(join(tmpdir(), 'maru-openapi-'));
});
afterAll(async () => {
  rmSync(dir, { recursive: true, force: true });
  await t.close();
});

const operations = () =>
  Object.entries(doc.paths as Record<string, Record<string, any>>).flatMap(([path, item]) =>
    Object.entries(item)
      .filter(([m]) => ['get', 'put', 'post', 'delete', 'patch', 'head', 'options'].includes(m))
      .map(([method, op]) => ({ id: `${method.toUpperCase()} ${path}`, op })),
  );

test('redocly lint finds no errors', async () => {
  const file = join(dir, 'openapi.json');
  writeFileSync(file, JSON.stringify(doc));
  const cli = join(root, 'node_modules/@redocly/cli/bin/cli.js');
  const run = promisify(execFile);
  const out = await run(process.execPath, [cli, 'lint', file, '--config', join(root, 'redocly.yaml'), '--format', 'stylish'], {
    cwd: root,
    env: { ...process.env, REDOCLY_TELEMETRY: 'off', REDOCLY_SUPPRESS_UPDATE_NOTICE: 'true', NO_COLOR: '1' },
    maxBuffer: 16 * 1024 * 1024,
  }).catch((e: { stdout: string; stderr: string }) => ({ stdout: e.stdout, stderr: e.stderr, failed: true }));
  expect('failed' in out ? `${out.stdout}\n${out.stderr}` : '').toBe('');
}, 60_000);

test('every operation names its security (or none), its error responses and an example', () => {
  const missing: string[] = [];
  for (const { id, op } of operations()) {
    if (!Array.isArray(op.security)) missing.push(`${id}: no security`);
    const statuses = Object.keys(op.responses ?? {});
    if (op.security?.length && !statuses.some((s) => s.startsWith('4'))) missing.push(`${id}: authenticated but documents no 4xx`);
    const media = Object.values((op.requestBody?.content ?? {}) as Record<string, any>);
    const formBody = media.length > 0 && Object.keys(op.requestBody.content).every((t) => t !== 'application/json');
    if (op.requestBody && !formBody && !media.some((m) => m.example !== undefined || m.examples !== undefined))
      missing.push(`${id}: request body without an example`);
    // Success examples are required on the vendor faces (the admin API's documents are open-ended; see docs/errors.md).
    const success = Object.entries(op.responses ?? {}).find(([s]) => s.startsWith('2'));
    const successMedia = Object.values(((success?.[1] as any)?.content ?? {}) as Record<string, any>);
    const vendor = !String(op.tags?.[0] ?? '').startsWith('admin') && op.tags?.[0] !== 'tracking' && op.tags?.[0] !== 'operations';
    if (vendor && successMedia.length > 0 && !successMedia.some((m) => m.example !== undefined || m.examples !== undefined))
      missing.push(`${id}: success response without an example`);
  }
  expect(missing).toEqual([]);
});
