import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, test } from 'vitest';
import { buildTestApp, type TestApp } from '../helpers/app.ts';

let t: TestApp | undefined;
let dir: string | undefined;
afterEach(async () => {
  await t?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
  t = dir = undefined;
});

describe('serving the built console at /console', () => {
  test("index.html for the app's own routes, long cache for hashed assets, / redirects", async () => {
    dir = mkdtempSync(join(tmpdir(), 'maru-console-'));
    mkdirSync(join(dir, 'assets'));
    writeFileSync(join(dir, 'index.html'), '<!doctype html><div id="root"></div><script src="/console/assets/index-AbCd1234.js"></script>');
    writeFileSync(join(dir, 'assets', 'index-AbCd1234.js'), 'console.log("maru")');
    writeFileSync(join(dir, 'favicon.svg'), '<svg/>');
    t = await buildTestApp({ config: { consoleDir: dir } });

    const root = await t.app.inject({ method: 'GET', url: '/' });
    expect(root.statusCode).toBe(302);
    expect(root.headers.location).toBe('/console/');

    for (const url of ['/console/', '/console/projects/abc/profiles', '/console/sign-in']) {
      const res = await t.app.inject({ method: 'GET', url });
      expect(res.statusCode, url + res.body).toBe(200);
      expect(res.headers['content-type'], url).toMatch(/^text\/html/);
      expect(res.headers['cache-control'], url).toBe('no-cache');
      expect(res.body).toContain('<div id="root">');
    }
    const js = await t.app.inject({ method: 'GET', url: '/console/assets/index-AbCd1234.js' });
    expect(js.statusCode).toBe(200);
    expect(js.headers['content-type']).toMatch(/javascript/);
    expect(js.headers['cache-control']).toBe('public, max-age=31536000, immutable');
    expect(js.body).toBe('console.log("maru")');
    const icon = await t.app.inject({ method: 'GET', url: '/console/favicon.svg' });
    expect(icon.statusCode).toBe(200);
    expect(icon.headers['cache-control']).toBe('no-cache');
    // A missing asset is a 404, not the app's HTML (a stale tab would otherwise parse HTML as JavaScript).
    expect((await t.app.inject({ method: 'GET', url: '/console/assets/index-gone1234.js' })).statusCode).toBe(404);
    // The admin API is untouched.
    expect((await t.app.inject({ method: 'GET', url: '/admin/v1/setup' })).json()).toEqual({ needed: true });
  });

  test('without a build, /console is a 503 page saying how to build it', async () => {
    t = await buildTestApp({ config: { consoleDir: join(tmpdir(), 'maru-no-such-console-build') } });
    for (const url of ['/console', '/console/', '/console/projects']) {
      const res = await t.app.inject({ method: 'GET', url });
      expect(res.statusCode, url).toBe(503);
      expect(res.headers['content-type']).toMatch(/^text\/html/);
      expect(res.body).toContain('npm ci');
    }
  });

  test('the worker role serves no console', async () => {
    t = await buildTestApp();
    const { buildApp } = await import('../../src/server/app.ts');
    const worker = await buildApp(t.runtime, { surfaces: 'operations' });
    try {
      expect((await worker.inject({ method: 'GET', url: '/console/' })).statusCode).toBe(404);
      expect((await worker.inject({ method: 'GET', url: '/' })).statusCode).toBe(404);
    } finally {
      await worker.close();
    }
  });
});
