import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { buildTestApp, type TestApp } from '../helpers/app.ts';

/**
 * The public tracking and unsubscribe endpoints answer their refusals as documented (found by test/fuzz: a body over
 * 16 KiB, a gzip bomb or an unknown Content-Encoding on the unsubscribe page, and a path with NUL on any of them,
 * answered Fastify's JSON with statuses the routes did not declare). The response check of the test app fails
 * close() on any undeclared answer.
 */
let t: TestApp;
beforeAll(async () => {
  t = await buildTestApp();
});
afterAll(() => t.close());

test('a body over the limit is a 413 page, an unknown Content-Encoding a 415 page, a gzip bomb a 413 page', async () => {
  const big = await t.app.inject({
    method: 'POST',
    url: '/u/abc',
    payload: `List-Unsubscribe=${'x'.repeat(20 * 1024)}`,
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
  });
  expect(big.statusCode).toBe(413);
  expect(big.headers['content-type']).toBe('text/html; charset=utf-8');
  expect(big.body).toContain('This request was not accepted');

  const br = await t.app.inject({
    method: 'POST',
    url: '/u/abc',
    payload: 'List-Unsubscribe=One-Click',
    headers: { 'content-type': 'application/x-www-form-urlencoded', 'content-encoding': 'br' },
  });
  expect(br.statusCode).toBe(415);
  expect(br.body).toContain('Content-Encoding br is not supported');

  const bomb = await t.app.inject({
    method: 'POST',
    url: '/u/abc',
    payload: gzipSync(Buffer.alloc(4 * 1024 * 1024, 0x30)),
    headers: { 'content-type': 'application/x-www-form-urlencoded', 'content-encoding': 'gzip' },
  });
  expect(bomb.statusCode).toBe(413);
  expect(t.responseViolations).toEqual([]);
});

test('a path that is not valid text is a 400 page, not JSON', async () => {
  const r = await t.app.inject({ method: 'GET', url: '/u/a%00b' });
  expect(r.statusCode).toBe(400);
  expect(r.headers['content-type']).toBe('text/html; charset=utf-8');
  expect(t.responseViolations).toEqual([]);
});

test('tracking: a pixel path with NUL still answers the pixel; a click path with NUL is the unknown link (found by test/fuzz: 400 JSON, undocumented)', async () => {
  const open = await t.app.inject({ method: 'GET', url: '/t/o/a%00b.gif' });
  expect(open.statusCode).toBe(200);
  expect(open.headers['content-type']).toBe('image/gif');
  const click = await t.app.inject({ method: 'GET', url: '/t/c/a%00b?u=https%3A%2F%2Fexample.com%2F' });
  expect(click.statusCode).toBe(404);
  expect(click.body).toBe('unknown link');
  const lone = await t.app.inject({ method: 'GET', url: '/t/c/abc?u=%ED%A0%80' });
  expect(lone.statusCode).toBe(404);
  expect(t.responseViolations).toEqual([]);
});
