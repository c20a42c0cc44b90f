import { expect, test } from 'vitest';
import { pino } from 'pino';
import { adminHeaders, buildTestApp, createProject, ManualClock } from '../helpers/app.ts';
import { EVENT_BATCH_QUEUE } from '../../src/core/events/event-batches.service.ts';

/** What an operator and a careful client see (issue 14): backpressure, security headers, the access log, /metrics. */

test('past MARU_BACKLOG_MAX_BATCHES waiting batches, new ones are answered 503 with Retry-After until the workers catch up', async () => {
  const clock = new ManualClock();
  const t = await buildTestApp({ clock, config: { backlogMaxBatches: 2 } });
  try {
    const { project, credentials } = await createProject(t.runtime);
    const post = () =>
      t.app.inject({
        method: 'POST',
        url: `/v1/api/events?project_id=${project.id}`,
        headers: { authorization: `Bearer ${credentials.api_key}` },
        payload: { events: [{ user_id: 'u1', name: 'page_view' }] },
      });
    expect((await post()).statusCode).toBe(202);
    expect((await post()).statusCode).toBe(202);
    clock.advance(1100); // the backlog is counted at most once a second
    const refused = await post();
    expect([refused.statusCode, refused.headers['retry-after'], refused.json().error.code]).toEqual([503, '5', 'unavailable']);
    expect(await t.runtime.eventBatches.waitingCount()).toBe(2); // nothing of the refused request was kept
    expect(await t.runtime.queue.drain(EVENT_BATCH_QUEUE)).toBe(2);
    clock.advance(1100);
    expect((await post()).statusCode).toBe(202);
    const metrics = await t.app.inject({ method: 'GET', url: '/metrics' });
    expect(metrics.body).toContain('maru_backlog_refused_total{kind="event_batches"} 1');
  } finally {
    await t.close();
  }
});

test('security headers: nosniff everywhere, no-store on responses with secrets, a CSP on /docs', async () => {
  const t = await buildTestApp();
  try {
    const created = await t.app.inject({ method: 'POST', url: '/admin/v1/projects', headers: adminHeaders, payload: { name: 'h' } });
    expect(created.statusCode).toBe(201);
    expect(created.json().credentials).toBeDefined();
    expect(created.headers['cache-control']).toBe('no-store');
    expect(created.headers['x-content-type-options']).toBe('nosniff');
    const projectId = created.json().project_id;
    const reissued = await t.app.inject({ method: 'POST', url: `/admin/v1/projects/${projectId}/credentials/api-key/reissue`, headers: adminHeaders });
    expect([reissued.statusCode, reissued.headers['cache-control']]).toEqual([200, 'no-store']);
    for (const url of ['/healthz', '/metrics', '/v1/api/events', '/nope']) {
      expect((await t.app.inject({ method: 'GET', url })).headers['x-content-type-options'], url).toBe('nosniff');
    }
    const docs = await t.app.inject({ method: 'GET', url: '/docs/' });
    expect(docs.statusCode).toBe(200);
    expect(docs.headers['content-security-policy']).toMatch(/default-src 'self'/);
    expect((await t.app.inject({ method: 'GET', url: '/healthz' })).headers['cache-control']).toBeUndefined();
  } finally {
    await t.close();
  }
});

test('the access log: one JSON line per request at info, a warn line for 401/403/429, no query string', async () => {
  const lines: { level: number; msg: string; access?: { method: string; route: string | null; path: string; status: number; ms: number } }[] = [];
  const log = pino({ level: 'info' }, { write: (l: string) => void lines.push(JSON.parse(l)) });
  const t = await buildTestApp({ log });
  try {
    await t.app.inject({ method: 'GET', url: '/healthz' });
    await t.app.inject({ method: 'GET', url: '/admin/v1/projects?secret=x' });
    const access = lines.filter((l) => l.msg === 'request');
    expect(access.map((l) => [l.level, l.access?.method, l.access?.path, l.access?.status])).toEqual([
      [30, 'GET', '/healthz', 200],
      [40, 'GET', '/admin/v1/projects', 401],
    ]);
    expect(access[0].access?.route).toBe('/healthz');
    expect(typeof access[0].access?.ms).toBe('number');
  } finally {
    await t.close();
  }
});

test('sampled: MARU_ACCESS_LOG_SAMPLE=0 writes only the denied and failed requests', async () => {
  const lines: { msg: string; access?: { status: number } }[] = [];
  const log = pino({ level: 'info' }, { write: (l: string) => void lines.push(JSON.parse(l)) });
  const t = await buildTestApp({ log, config: { accessLogSample: 0 } });
  try {
    for (let i = 0; i < 5; i++) await t.app.inject({ method: 'GET', url: '/healthz' });
    await t.app.inject({ method: 'GET', url: '/admin/v1/projects' });
    expect(lines.filter((l) => l.msg === 'request').map((l) => l.access?.status)).toEqual([401]);
  } finally {
    await t.close();
  }
});

test('/metrics behind MARU_METRICS_TOKEN; queue, store and delivery figures; commits and units as counters', async () => {
  const t = await buildTestApp({ config: { metricsToken: 'metrics-token-0123456789' } });
  try {
    const { project, credentials } = await createProject(t.runtime);
    await t.app.inject({
      method: 'POST',
      url: `/v1/api/events?project_id=${project.id}`,
      headers: { authorization: `Bearer ${credentials.api_key}` },
      payload: { events: [{ user_id: 'u', name: 'x' }] },
    });
    expect((await t.app.inject({ method: 'GET', url: '/metrics' })).statusCode).toBe(401);
    expect((await t.app.inject({ method: 'GET', url: '/metrics', headers: { authorization: 'Bearer wrong' } })).statusCode).toBe(401);
    const m = await t.app.inject({ method: 'GET', url: '/metrics', headers: { authorization: 'Bearer metrics-token-0123456789' } });
    expect(m.statusCode).toBe(200);
    expect(m.body).toContain('# TYPE maru_store_commits counter');
    expect(m.body).toContain('# TYPE maru_store_units counter');
    expect(m.body).toMatch(/maru_store_commits_total \d+|maru_store_commits \d+/);
    expect(m.body).toContain('maru_store_commit_duration_seconds_bucket');
    expect(m.body).toContain('maru_queue_jobs{queue="event-batches",state="pending"} 1');
    expect(m.body).toMatch(/maru_queue_oldest_due_seconds\{queue="event-batches"\} [\d.]+/);
    expect(m.body).toContain('maru_store_writable 1');
    expect(m.body).toContain('# TYPE maru_deliveries gauge');
  } finally {
    await t.close();
  }
});
