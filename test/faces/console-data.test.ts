import { afterEach, describe, expect, test } from 'vitest';
import { buildTestApp, createProject, adminHeaders, ManualClock, type TestApp } from '../helpers/app.ts';
import { signedIn } from '../helpers/console.ts';
import type { IssuedCredentials } from '../../src/core/credentials/credentials.service.ts';

let t: TestApp;
let projectId: string;
let creds: IssuedCredentials;
afterEach(async () => t?.close());

const NOW = '2025-03-10T03:00:00.000Z'; // 12:00 in Asia/Seoul
async function setup() {
  t = await buildTestApp({ clock: new ManualClock(NOW), config: { secretKey: 'k'.repeat(32), allowPrivateNetworks: true } });
  ({
    project: { id: projectId },
    credentials: creds,
  } = await createProject(t.runtime));
}
const dfinery = (path: string, body: unknown, token = creds.import_token) =>
  t.app.inject({
    method: 'POST',
    url: `${path}?service_id=${projectId}`,
    headers: { access_token: token, 'content-type': 'application/json' },
    payload: JSON.stringify(body),
  });
const event = (n: number, name = 'df_login', at = NOW) => ({
  event_log_id: `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`,
  event_name: name,
  event_datetime: at,
  event_properties: null,
  event_items: null,
});
const admin = (method: string, url: string, payload?: unknown) =>
  t.app.inject({
    method: method as 'GET',
    url: `/admin/v1/projects/${projectId}${url}`,
    headers: adminHeaders,
    ...(payload !== undefined ? { payload: payload as object } : {}),
  });

describe('overview and rejected requests', () => {
  test('counts events received today and per day per face in the project time zone, the last event, profiles, and the latest refusal with its reason', async () => {
    await setup();
    expect(
      (
        await dfinery('/api/v1/events', {
          common: { identity: { external_id: 'u1' } },
          events: [event(1), event(2, 'df_purchase'), event(3, 'df_login', '2025-03-08T05:00:00Z')],
        })
      ).json().status,
    ).toBe(true);
    expect(
      (await dfinery('/api/v1/events', { common: { identity: { external_id: 'u2' } }, events: [event(4, 'df_login', '2025-03-09T16:30:00Z')] })).json().status,
    ).toBe(true); // 01:30 on the 10th in Seoul
    const bad = await dfinery('/api/v1/events', { common: { identity: { external_id: 'u1' } }, events: [{ ...event(5), event_datetime: 'yesterday' }] });
    expect(bad.json().status).toBe(false);
    const wrongToken = await dfinery('/api/v1/events', { common: { identity: { external_id: 'u1' } }, events: [event(6)] }, 'maru_imp_wrong');
    expect(wrongToken.json().status).toBe(false);

    const o = (await admin('GET', '/overview')).json();
    expect(o.timezone).toBe('Asia/Seoul');
    expect(o.today).toBe('2025-03-10');
    // Received counts: all four events arrived today (their event times span three days); refused ones count nowhere.
    expect(o.eventsToday).toEqual({ total: 4, byFace: { dfinery: 4 } });
    expect(o.eventsPerDay).toHaveLength(30);
    expect(o.eventsPerDay.at(-1)).toEqual({ date: '2025-03-10', count: 4, byFace: { dfinery: 4 } });
    expect(o.eventsPerDay.at(-3)).toEqual({ date: '2025-03-08', count: 0, byFace: {} });
    // Events per day by when they happened stay on the events page.
    const byEventTime = (await admin('GET', '/events/counts?days=3')).json();
    expect(byEventTime.days).toEqual([
      { date: '2025-03-08', count: 1 },
      { date: '2025-03-09', count: 0 },
      { date: '2025-03-10', count: 3 },
    ]);
    expect(o.lastEvent.occurredAt).toBe(NOW);
    expect(o.profileCount).toBe(2);
    expect(o.messagesSentToday).toBe(0);
    expect(o.latestRejected).toHaveLength(2);
    expect(o.latestRejected[0]).toMatchObject({ method: 'POST', route: '/api/v1/events', code: 'unauthenticated' });
    expect(o.latestRejected[1]).toMatchObject({ code: 'invalid_input', field: 'events[0].event_datetime' });

    const page1 = (await admin('GET', '/rejected-requests?limit=1')).json();
    expect(page1.items).toHaveLength(1);
    const page2 = (await admin('GET', `/rejected-requests?limit=1&cursor=${page1.next}`)).json();
    expect(page2.items[0].id).not.toBe(page1.items[0].id);
    expect(page2.next).toBeNull();
    // A refusal for an unknown project is not recorded anywhere.
    await t.app.inject({ method: 'POST', url: '/api/v1/events?service_id=nosuchproject', headers: { access_token: 'x' }, payload: {} });
    expect(await t.runtime.store.db.selectFrom('rejected_requests').select('project_id').distinct().execute()).toEqual([{ project_id: projectId }]);
  });

  test('received counts are kept per face, per local day, by when the events arrived (not when they happened)', async () => {
    await setup();
    const clock = t.runtime.clock as ManualClock;
    const ingest = (face: string, n: number) =>
      t.runtime.events.ingest({
        projectId,
        source: 'api',
        strict: false,
        face,
        wire: { events: 'events', name: 'name', occurredAt: 'at', key: 'key', properties: 'properties', items: 'items', identity: 'identity' } as never,
        events: Array.from({ length: n }, (_, i) => ({
          name: 'df_login',
          occurredAt: Date.parse('2025-01-01T00:00:00Z'),
          identifiers: [{ type: 'external_id', value: `u${i}` }],
        })),
      });
    await ingest('notifly', 2);
    clock.advance(-12 * 3_600_000); // 00:00 in Seoul: still the 10th
    await ingest('notifly', 1);
    clock.advance(-1); // 23:59:59.999 on the 9th in Seoul
    await ingest('dfinery', 5);
    const accepted = await t.runtime.eventBatches.accept({
      projectId,
      face: 'marketap',
      strict: false,
      wire: { events: 'events', name: 'name', occurredAt: 'at', key: 'key', properties: 'properties', items: 'items', identity: 'identity' } as never,
      events: [{ name: 'df_login', identifiers: [{ type: 'external_id', value: 'm1' }] }],
    });
    expect(accepted.accepted).toBe(1);
    clock.advance(12 * 3_600_000 + 1); // back to 12:00 on the 10th
    const o = (await admin('GET', '/overview')).json();
    expect(o.eventsPerDay.at(-1)).toEqual({ date: '2025-03-10', count: 3, byFace: { notifly: 3 } });
    expect(o.eventsPerDay.at(-2)).toEqual({ date: '2025-03-09', count: 6, byFace: { dfinery: 5, marketap: 1 } });
  });
});

describe('events', () => {
  test('newest first, paged with a cursor without gaps or repeats, filtered by name, time and profile; counts per day', async () => {
    await setup();
    const events = Array.from({ length: 7 }, (_, i) =>
      event(i + 1, i % 2 ? 'df_purchase' : 'df_login', new Date(Date.parse(NOW) - i * 3_600_000).toISOString()),
    );
    await dfinery('/api/v1/events', { common: { identity: { external_id: 'u1' } }, events: events.slice(0, 5) });
    await dfinery('/api/v1/events', { common: { identity: { external_id: 'u2' } }, events: events.slice(5) });
    const seen: string[] = [];
    let cursor: string | null = '';
    let pages = 0;
    while (cursor !== null) {
      const r: { items: { occurredAt: string }[]; next: string | null } = (await admin('GET', `/events?limit=3${cursor ? `&cursor=${cursor}` : ''}`)).json();
      seen.push(...r.items.map((e: { occurredAt: string }) => e.occurredAt));
      cursor = r.next;
      pages++;
    }
    expect(pages).toBe(3);
    expect(seen).toEqual(events.map((e) => e.event_datetime));
    const purchases = (await admin('GET', '/events?name=df_purchase')).json().items;
    expect(purchases.map((e: { name: string }) => e.name)).toEqual(['df_purchase', 'df_purchase', 'df_purchase']);
    const u2 = (await t.runtime.profiles.findByIdentifier(projectId, 'external_id', 'u2'))!;
    expect((await admin('GET', `/events?profileId=${u2}`)).json().items).toHaveLength(2);
    const window = (
      await admin('GET', `/events?from=${encodeURIComponent(events[3].event_datetime)}&to=${encodeURIComponent(events[1].event_datetime)}`)
    ).json().items;
    expect(window.map((e: { occurredAt: string }) => e.occurredAt)).toEqual([events[2].event_datetime, events[3].event_datetime]);
    expect((await admin('GET', '/events?cursor=garbage!')).statusCode).toBe(400);
    const counts = (await admin('GET', '/events/counts?days=2')).json();
    expect(counts).toEqual({
      timezone: 'Asia/Seoul',
      days: [
        { date: '2025-03-09', count: 0 },
        { date: '2025-03-10', count: 7 },
      ],
    });
  });
});

describe('profiles', () => {
  test('found by phone as typed, email, profile id or property; the detail shows merges and when, consent, events; delete is a job', async () => {
    await setup();
    await dfinery('/api/v1/identities', { identity: { external_id: 'u1', phone_no: '01012345678' }, request_datetime: NOW });
    await dfinery('/api/v1/user-profile', {
      identity: { external_id: 'u1' },
      user_properties: { df_name: 'Kim', df_sms_ads_optin: true },
      request_datetime: NOW,
    });
    await dfinery('/api/v1/identities', { identity: { email: 'kim@example.com' }, request_datetime: NOW });
    const other = (await t.runtime.profiles.findByIdentifier(projectId, 'email', 'kim@example.com'))!;
    const first = (await t.runtime.profiles.findByIdentifier(projectId, 'external_id', 'u1'))!;
    await dfinery('/api/v1/events', { common: { identity: { external_id: 'u1' } }, events: [event(1)] });
    // Joins the two profiles.
    await dfinery('/api/v1/identities', { identity: { external_id: 'u1', email: 'kim@example.com' }, request_datetime: NOW });
    const id = (await t.runtime.profiles.findByIdentifier(projectId, 'external_id', 'u1'))!;

    for (const q of ['010-1234-5678', '+82 10 1234 5678', 'KIM@example.com', 'u1', id, other]) {
      const r = (await admin('GET', `/profiles/search?q=${encodeURIComponent(q)}`)).json();
      expect(
        r.items.map((p: { id: string }) => p.id),
        q,
      ).toEqual([id]);
    }
    expect((await admin('GET', '/profiles/search?q=nobody')).json().items).toEqual([]);
    // Each found profile comes with its identifiers, in D6's priority order.
    expect((await admin('GET', '/profiles/search?q=u1')).json().items[0].identifiers).toEqual([
      { type: 'external_id', value: 'u1' },
      { type: 'email', value: 'kim@example.com' },
      { type: 'phone', value: '+821012345678' },
    ]);
    expect((await admin('GET', '/profiles/search?property=df_name&value=Kim')).json().items.map((p: { id: string }) => p.id)).toEqual([id]);
    expect((await admin('GET', '/profiles/search?property=df_name&value=Lee')).json().items).toEqual([]);

    const d = (await admin('GET', `/profiles/${other}/detail`)).json();
    expect(d.profile.id).toBe(id);
    expect(d.identifiers.map((i: { type: string }) => i.type).sort()).toEqual(['email', 'external_id', 'phone']);
    expect(d.identifiers.find((i: { type: string }) => i.type === 'phone')).toMatchObject({ value: '+821012345678' });
    // Both profiles were created at NOW, so which one survives the merge is the store's tie-break (D6: the oldest).
    expect(d.mergedProfiles).toEqual([{ profileId: id === first ? other : first, mergedAt: NOW }]);
    expect(d.consent.df_sms_ads_optin).toBe(true);
    expect(d.consent.df_push_optin).toBe(false);
    expect(d.recentEvents).toHaveLength(1);
    expect(d.messages).toEqual([]);

    const del = await admin('DELETE', `/profiles/${id}`);
    expect(del.statusCode).toBe(202);
    const jobId = del.json().job.id;
    expect(['pending', 'running', 'completed']).toContain((await admin('GET', `/deletion-jobs/${jobId}`)).json().job.status);
    await t.runtime.queue.drain();
    const job = (await admin('GET', `/deletion-jobs/${jobId}`)).json().job;
    expect(job.status).toBe('completed');
    expect(job.deleted).toBe(1);
    expect((await admin('GET', `/profiles/${id}/detail`)).statusCode).toBe(404);
    const audit = (await admin('GET', '/audit')).json().items;
    expect(audit[0]).toMatchObject({ action: 'profile.deleted', target: `profile:${id}`, actor: { type: 'admin-token' }, details: { jobId } });
  });

  test('every profile pages by id with a cursor', async () => {
    await setup();
    for (let i = 0; i < 5; i++) await dfinery('/api/v1/identities', { identity: { external_id: `user${i}` }, request_datetime: NOW });
    const ids: string[] = [];
    let cursor: string | null = '';
    while (cursor !== null) {
      const r: { items: { id: string }[]; next: string | null } = (await admin('GET', `/profiles/search?limit=2${cursor ? `&cursor=${cursor}` : ''}`)).json();
      ids.push(...r.items.map((p: { id: string }) => p.id));
      cursor = r.next;
    }
    expect(ids).toHaveLength(5);
    expect([...ids].sort()).toEqual(ids);
  });
});

describe('audiences, exports, settings, taxonomy, credentials', () => {
  test("an audience's profiles as CSV with formula cells neutralised", async () => {
    await setup();
    await dfinery('/api/v1/user-profile', {
      identity: { external_id: 'u1' },
      user_properties: { df_name: '=HYPERLINK("http://evil")', df_gender: 'Female' },
      request_datetime: NOW,
    });
    await dfinery('/api/v1/user-profile', { identity: { external_id: 'u2' }, user_properties: { df_name: 'Lee', df_gender: 'Male' }, request_datetime: NOW });
    const a = await admin('POST', '/audiences', { name: 'women', rule: { property: 'df_gender', op: 'equals', value: 'Female' } });
    expect(a.statusCode, a.body).toBe(201);
    const csv = await admin('GET', `/audiences/${a.json().audience.id}/profiles.csv`);
    expect(csv.statusCode, csv.body).toBe(200);
    expect(csv.headers['content-type']).toBe('text/csv; charset=utf-8');
    expect(csv.body).toContain(`'=HYPERLINK(""http://evil"")`);
    expect(csv.body).not.toContain('Lee');
    const all = await admin('GET', '/exports/profiles.csv?properties=df_name&propertiesCondition=include');
    expect(all.statusCode).toBe(200);
    expect(all.body.split('\n')[0]).toMatch(/df_name/);
    expect(all.body).toContain('Lee');
    const ev = await admin('GET', '/exports/events.csv?from=2025-03-10&to=2025-03-10');
    expect(ev.statusCode, ev.body).toBe(200);
  });

  test('settings with defaults; a change is audited; bad values name the field and change nothing', async () => {
    await setup();
    const s = (await admin('GET', '/settings')).json();
    expect(s.timezone).toBe('Asia/Seoul');
    expect(s.phoneRegion).toEqual({ value: null, default: 'KR', effective: 'KR' });
    expect(s.limits.find((l: { name: string }) => l.name === 'export_requests')).toEqual({
      name: 'export_requests',
      window: '1h',
      default: 100,
      value: null,
      effective: 100,
    });
    const changed = await admin('PATCH', '/settings', { timezone: 'Europe/Berlin', phoneRegion: 'DE', limits: { export_requests: 10 } });
    expect(changed.statusCode, changed.body).toBe(200);
    expect(changed.json().limits.find((l: { name: string }) => l.name === 'export_requests')).toMatchObject({ value: 10, effective: 10 });
    const bad = await admin('PATCH', '/settings', { limits: { nonsense: 5 } });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().error.field).toBe('limits.nonsense');
    const badTz = await admin('PATCH', '/settings', { timezone: 'Mars/Base' });
    expect(badTz.json().error.field).toBe('timezone');
    expect((await admin('GET', '/settings')).json().timezone).toBe('Europe/Berlin');
    const back = await admin('PATCH', '/settings', { limits: { export_requests: null }, phoneRegion: null });
    expect(back.json().phoneRegion.value).toBeNull();
    const audit = (await admin('GET', '/audit')).json().items;
    expect(audit.map((e: { action: string }) => e.action)).toEqual(['project.changed', 'project.changed', 'project.created']);
    expect(audit[1].details).toMatchObject({ timezone: 'Europe/Berlin' });
  });

  test('taxonomy entries: origin, search, scope, paging', async () => {
    await setup();
    await admin('POST', '/taxonomy/events', { name: 'signup_done' });
    const r = (await admin('GET', '/taxonomy/entries?search=SIGNUP')).json();
    expect(r.items).toEqual([{ kind: 'event', scope: null, name: 'signup_done', type: null, origin: 'registered' }]);
    const std = (await admin('GET', '/taxonomy/entries?kind=property&scope=user&search=df_name')).json().items;
    expect(std).toEqual([{ kind: 'property', scope: 'user', name: 'df_name', type: 'string', origin: 'standard' }]);
    const names: string[] = [];
    let cursor: string | null = '';
    let total = 0;
    while (cursor !== null) {
      const p: { items: { kind: string; scope: string | null; name: string }[]; next: string | null; total: number } = (
        await admin('GET', `/taxonomy/entries?limit=7${cursor ? `&cursor=${cursor}` : ''}`)
      ).json();
      names.push(...p.items.map((e: { kind: string; scope: string | null; name: string }) => `${e.kind}/${e.scope}/${e.name}`));
      total = p.total;
      cursor = p.next;
    }
    expect(names).toHaveLength(total);
    expect(new Set(names).size).toBe(total);
  });

  test('credentials: summary with grace, issue only when none works, reissue audited with the console user', async () => {
    await setup();
    const owner = await signedIn(t.app, t.runtime, { email: 'o@example.com', roles: [{ projectId, role: 'owner' }] });
    const s = (await owner.request({ method: 'GET', url: `/admin/v1/projects/${projectId}/credentials/summary` })).json();
    expect(s.graceDays).toBe(14);
    expect(s.credentials.map((c: { kind: string; state: string }) => `${c.kind}:${c.state}`).sort()).toEqual([
      'access-key:active',
      'api-key:active',
      'export:active',
      'import:active',
      'secret-key:active',
    ]);
    expect(JSON.stringify(s)).not.toContain(creds.import_token);
    const issue = await owner.request({ method: 'POST', url: `/admin/v1/projects/${projectId}/credentials/import` });
    expect(issue.statusCode).toBe(409);
    const re = await owner.request({ method: 'POST', url: `/admin/v1/projects/${projectId}/credentials/import/reissue` });
    expect(re.statusCode).toBe(200);
    const after = (await owner.request({ method: 'GET', url: `/admin/v1/projects/${projectId}/credentials/summary` }))
      .json()
      .credentials.filter((c: { kind: string }) => c.kind === 'import');
    expect(after.map((c: { state: string }) => c.state).sort()).toEqual(['active', 'grace']);
    const audit = (await owner.request({ method: 'GET', url: `/admin/v1/projects/${projectId}/audit` })).json().items;
    expect(audit[0]).toMatchObject({ action: 'credential.reissued', target: 'credential:import', actor: { type: 'user', email: 'o@example.com' } });
    expect(JSON.stringify(audit)).not.toContain(re.json().credentials.import);
  });

  test('provider changes and campaign status changes are audited', async () => {
    await setup();
    const put = await admin('PUT', '/channels/text_message', {
      vendor: 'webhook',
      config: { url: 'http://127.0.0.1:9/hook', secret: 'whsec_0123456789abcdef' },
    });
    expect(put.statusCode, put.body).toBe(200);
    expect((await admin('DELETE', '/channels/text_message')).statusCode).toBe(204);
    const audit = (await admin('GET', '/audit')).json().items;
    expect(audit.slice(0, 2)).toMatchObject([
      { action: 'provider.removed', target: 'channel:text_message' },
      { action: 'provider.changed', target: 'channel:text_message', details: { vendor: 'webhook' } },
    ]);
    expect(JSON.stringify(audit)).not.toContain('127.0.0.1');
  });
});
