import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { marketapFixture, rows, type MarketapFixture } from './marketap.helpers.ts';
import { createProject } from '../helpers/app.ts';

const EVENTS = { events: [{ user_id: 'u1', name: 'app_open' }] };

describe('Marketap face: authentication, limits and malformed requests', () => {
  let f: MarketapFixture;
  beforeEach(async () => {
    f = await marketapFixture({ limits: { bulk_requests: 3 } });
  });
  afterEach(() => f.close());

  const queued = async () => (await rows(f.t, 'jobs', f.project.id)).length;
  const inject = (url: string, headers: Record<string, string>, payload: unknown = EVENTS) =>
    f.t.app.inject({ method: 'POST', url, headers, payload: payload as object });

  it("401 without an API key, with another project's key, with a key of another kind, or for an unknown project — and consumes no quota", async () => {
    const other = await createProject(f.t.runtime);
    const url = `/v1/api/events?project_id=${f.project.id}`;
    const attempts = [
      await inject(url, {}),
      await inject(url, { authorization: 'Bearer' }),
      await inject(url, { authorization: `Bearer ${other.credentials.api_key}` }),
      await inject(url, { authorization: `Bearer ${f.credentials.import_token}` }),
      await inject(url, { authorization: f.credentials.api_key }), // no "Bearer"
      await inject(`/v1/api/events?project_id=${other.project.id}`, { authorization: `Bearer ${f.credentials.api_key}` }),
      await inject('/v1/api/events?project_id=nosuchproject', { authorization: `Bearer ${f.credentials.api_key}` }),
    ];
    for (const r of attempts) {
      expect(r.statusCode).toBe(401);
      expect(r.json()).toEqual({ error: { code: 'unauthorized', message: 'invalid project_id or API key' } });
      expect(r.headers['x-ratelimit-remaining']).toBeUndefined();
      expect(r.headers['www-authenticate']).toBe('Bearer');
    }
    expect(await queued()).toBe(0);
    // The full quota of 3 is still there.
    const ok = await f.post('/v1/api/events', EVENTS);
    expect(ok.statusCode).toBe(202);
    expect(ok.headers['x-ratelimit-limit']).toBe('3');
    expect(ok.headers['x-ratelimit-remaining']).toBe('2');
  });

  it('400 naming project_id when it is missing', async () => {
    const r = await inject('/v1/api/events', { authorization: `Bearer ${f.credentials.api_key}` });
    expect(r.statusCode).toBe(400);
    expect(r.json()).toEqual({ error: { code: 'invalid_input', message: 'the project_id query parameter is required', field: 'project_id' } });
  });

  it('429 with Retry-After and X-RateLimit headers once the per-second quota is used, on every route; the next window is open again', async () => {
    const a = await f.post('/v1/api/profile/user', { profiles: [{ user_id: 'u1' }] });
    const b = await f.call('GET', '/v1/api/profile/user/deletion-job/nope');
    const c = await f.post('/v1/api/events', EVENTS);
    expect([a.statusCode, b.statusCode, c.statusCode]).toEqual([202, 404, 202]);
    expect(c.headers['x-ratelimit-remaining']).toBe('0');
    const reset = Number(c.headers['x-ratelimit-reset']);
    expect(reset).toBe(Math.floor(f.clock.now() / 1000) * 1000 + 1000);

    const limited = await f.post('/v1/api/events', EVENTS);
    expect(limited.statusCode).toBe(429);
    expect(limited.json()).toEqual({ error: { code: 'rate_limited', message: 'too many requests; retry after the time in Retry-After' } });
    expect(limited.headers['retry-after']).toBe('1');
    expect(limited.headers['x-ratelimit-limit']).toBe('3');
    expect(limited.headers['x-ratelimit-remaining']).toBe('0');
    expect(limited.headers['x-ratelimit-reset']).toBe(String(reset));
    expect(await queued()).toBe(1); // only the accepted events request
    const deletion = await f.post('/v1/api/profile/user/deletion-job', { user_id: 'u1' });
    expect(deletion.statusCode).toBe(429);

    f.clock.advance(1000);
    const again = await f.post('/v1/api/events', EVENTS);
    expect(again.statusCode).toBe(202);
    expect(again.headers['x-ratelimit-remaining']).toBe('2');
  });

  it('400 malformed_body for invalid JSON, a non-object body or another content type; nothing queued', async () => {
    const headers = { authorization: `Bearer ${f.credentials.api_key}`, 'content-type': 'application/json' };
    const url = `/v1/api/events?project_id=${f.project.id}`;
    const bad = await f.t.app.inject({ method: 'POST', url, headers, payload: '{"events": [' });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().error.code).toBe('malformed_body');
    expect(bad.json().error.message).toMatch(/^malformed JSON body/);

    const array = await f.post('/v1/api/events', [{ user_id: 'u1', name: 'x' }]);
    expect(array.statusCode).toBe(400);
    expect(array.json()).toEqual({ error: { code: 'malformed_body', message: 'the body must be a JSON object', field: 'body' } });

    const text = await f.t.app.inject({ method: 'POST', url, headers: { ...headers, 'content-type': 'text/plain' }, payload: 'events' });
    expect(text.statusCode).toBe(400);
    expect(text.json().error.code).toBe('malformed_body');

    const extra = await f.post('/v1/api/events', { ...EVENTS, project_id: 'x' });
    expect(extra.statusCode).toBe(400);
    expect(extra.json().error.field).toBe('project_id');
    expect(await queued()).toBe(0);
  });

  it('413 for a body over the size limit (1 MiB), before anything is parsed or queued', async () => {
    const big = { events: [{ user_id: 'u1', name: 'x', properties: { pad: 'x'.repeat(1_100_000) } }] };
    const r = await f.post('/v1/api/events', big);
    expect(r.statusCode).toBe(413);
    expect(r.json().error.code).toBe('payload_too_large');
    expect(await queued()).toBe(0);
    expect(await rows(f.t, 'event_batches', f.project.id)).toEqual([]);
  });

  it('more than 1,000 items in any list is a 400 naming the list; nothing stored or queued', async () => {
    const many = <T>(n: number, make: (i: number) => T) => Array.from({ length: n }, (_, i) => make(i));
    const cases: [string, unknown, string][] = [
      ['/v1/api/events', { events: many(1001, (i) => ({ user_id: `u${i}`, name: 'x' })) }, 'events'],
      ['/v1/api/profile/user', { profiles: many(1001, (i) => ({ user_id: `u${i}` })) }, 'profiles'],
      ['/v1/api/profile/user/device/bulk', { devices: many(1001, (i) => ({ device_id: `d${i}`, platform: 'ios' })) }, 'devices'],
      ['/v1/api/profile/user/deletion-job/bulk', { user_ids: many(1001, (i) => `u${i}`) }, 'user_ids'],
    ];
    for (const [path, body, field] of cases) {
      f.clock.advance(1000); // a fresh rate-limit window each time
      const r = await f.post(path, body);
      expect(r.statusCode, path).toBe(400);
      expect(r.json(), path).toEqual({ error: { code: 'too_many_items', message: `at most 1000 ${field} per request, got 1001`, field } });
    }
    expect(await queued()).toBe(0);
    expect(await rows(f.t, 'profiles', f.project.id)).toEqual([]);
    expect(await rows(f.t, 'devices', f.project.id)).toEqual([]);
    expect(await rows(f.t, 'deletion_jobs', f.project.id)).toEqual([]);
  });

  it('exactly 1,000 events are accepted', async () => {
    const r = await f.post('/v1/api/events', { events: Array.from({ length: 1000 }, (_, i) => ({ user_id: `u${i % 10}`, name: 'x' })) });
    expect(r.statusCode).toBe(202);
    expect(r.json().accepted).toBe(1000);
    await f.t.runtime.queue.drain();
    expect(await f.t.runtime.events.count(f.project.id)).toBe(1000);
  });
});
