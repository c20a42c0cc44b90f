import { afterEach, describe, expect, it } from 'vitest';
import { ADMIN_TOKEN, buildTestApp, createProject } from '../helpers/app.ts';
import { addUser, campaignWorld, createCampaign, drain, type CampaignWorld } from './campaign-helpers.ts';

/**
 * The admin routes the console's statistics and deliveries pages read (docs/campaigns.md "Admin API and CLI"):
 * deliveries per campaign and per profile, paged with a keyset cursor; one delivery; statistics (the same core answer
 * as the Notifly face); the outbox. Every answer is checked against its declared schema when the app closes.
 */
let w: CampaignWorld;
afterEach(async () => {
  await w?.close();
});

const push = { name: 'push', channel: 'push', template: { title: 't', body: '{{ user["name"] }}' } };

/** Five users with one push token each, and a campaign sent to all of them (one API call: one creation instant). */
async function world() {
  w = await campaignWorld();
  for (let i = 1; i <= 5; i++)
    await addUser(w.runtime, w.project.id, {
      userId: `u${i}`,
      properties: { name: `n${i}`, region: i % 2 ? 'seoul' : 'busan' },
      devices: [{ deviceId: `d${i}`, platform: 'android', pushToken: `tok${i}` }],
    });
  const id = await createCampaign(w, { ...push, stats_dimensions: ['region'] });
  await w.admin('PUT', '/sandbox', { failures: [{ recipients: ['tok2'], mode: 'permanent', reason: 'unregistered' }] });
  const r = await w.admin('POST', `/campaigns/${id}/send`, { recipients: [1, 2, 3, 4, 5].map((i) => ({ userId: `u${i}` })) });
  expect(r.status).toBe(202);
  await drain(w);
  return id;
}

describe('GET /admin/v1/projects/:id/campaigns/:cid/deliveries', () => {
  it('pages with the `next` cursor without skipping or repeating deliveries created in the same millisecond', async () => {
    const id = await world();
    const seen: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const r = await w.admin('GET', `/campaigns/${id}/deliveries?limit=2${cursor ? `&cursor=${cursor}` : ''}`);
      expect(r.status).toBe(200);
      expect(r.body.deliveries.length).toBeLessThanOrEqual(2);
      seen.push(...r.body.deliveries.map((d: { id: string }) => d.id));
      cursor = r.body.next;
      pages++;
    } while (cursor);
    expect(pages).toBe(3);
    expect(new Set(seen).size).toBe(5);
    const all = await w.admin('GET', `/campaigns/${id}/deliveries`);
    expect(all.body.next).toBeNull();
    expect(all.body.deliveries.map((d: { id: string }) => d.id)).toEqual(seen);
    expect(new Set(all.body.deliveries.map((d: { created_at: string }) => d.created_at)).size).toBe(1); // all in one instant
  });

  it('filters by state, and shows the provider response, attempts and rendered message; refuses a bad state or cursor', async () => {
    const id = await world();
    const failed = await w.admin('GET', `/campaigns/${id}/deliveries?state=failed`);
    expect(failed.status).toBe(200);
    expect(failed.body.deliveries).toHaveLength(1);
    const [d] = failed.body.deliveries;
    expect(d).toMatchObject({ state: 'failed', metric: 'send_failure', address: 'tok2', attempts: 1, provider: 'sandbox' });
    expect(d.reason).toContain('unregistered');
    const one = await w.admin('GET', `/deliveries/${d.id}`);
    expect(one.status).toBe(200);
    expect(one.body.delivery).toMatchObject({ id: d.id, rendered: { message: { title: 't', body: 'n2' } } });
    const sent = await w.admin('GET', `/campaigns/${id}/deliveries?state=sent`);
    expect(sent.body.deliveries).toHaveLength(4);
    expect(sent.body.deliveries[0].provider_message_id).toMatch(/^sbx_/);

    const badState = await w.admin('GET', `/campaigns/${id}/deliveries?state=lost`);
    expect(badState.status).toBe(400);
    expect(badState.body.error).toMatchObject({ code: 'invalid_input', field: 'state' });
    const badCursor = await w.admin('GET', `/campaigns/${id}/deliveries?cursor=not-a-cursor`);
    expect(badCursor.status).toBe(400);
    expect(badCursor.body.error.field).toBe('cursor');
    expect((await w.admin('GET', '/campaigns/nope/deliveries')).status).toBe(404);
  });
});

describe('GET /admin/v1/projects/:id/profiles/:profileId/deliveries', () => {
  it("lists a profile's deliveries across campaigns, newest first, paged", async () => {
    const first = await world();
    const profileId = (await w.runtime.profiles.findByIdentifier(w.project.id, 'external_id', 'u1'))!;
    w.clock.advance(60_000);
    const second = await createCampaign(w, { ...push, name: 'second' });
    await w.admin('POST', `/campaigns/${second}/send`, { recipients: [{ userId: 'u1' }, { userId: 'u3' }] });
    await drain(w);

    const r = await w.admin('GET', `/profiles/${profileId}/deliveries`);
    expect(r.status).toBe(200);
    expect(r.body.profile_id).toBe(profileId);
    expect(r.body.next).toBeNull();
    expect(r.body.deliveries.map((d: { campaign_id: string }) => d.campaign_id)).toEqual([second, first]);
    expect(r.body.deliveries.every((d: { profile_id: string; state: string }) => d.profile_id === profileId && d.state === 'sent')).toBe(true);

    const p1 = await w.admin('GET', `/profiles/${profileId}/deliveries?limit=1`);
    expect(p1.body.deliveries).toHaveLength(1);
    expect(p1.body.deliveries[0].campaign_id).toBe(second);
    const p2 = await w.admin('GET', `/profiles/${profileId}/deliveries?limit=1&cursor=${p1.body.next}`);
    expect(p2.body.deliveries.map((d: { campaign_id: string }) => d.campaign_id)).toEqual([first]);
    expect(p2.body.next).toBeNull();
    expect((await w.admin('GET', `/profiles/${profileId}/deliveries?state=failed`)).body.deliveries).toEqual([]);
  });

  it('counts the deliveries of a profile merged into another as its own, under either id', async () => {
    w = await campaignWorld();
    // An anonymous profile with only an email gets a scheduled email; then it is merged into u9's (older) profile.
    const u9 = await addUser(w.runtime, w.project.id, { userId: 'u9' });
    w.clock.advance(1000);
    const [anonymous] = await w.runtime.profiles.upsert({
      projectId: w.project.id,
      strict: false,
      updates: [{ identifiers: [{ type: 'email', value: 'anon@example.com' }], properties: {} }],
    });
    const id = await createCampaign(w, {
      name: 'news',
      channel: 'email',
      template: { subject: 's', text: 't' },
      send_time: { type: 'scheduled', at: '2025-01-06T12:00:00+09:00' },
    });
    w.clock.set('2025-01-06T03:00:00.000Z');
    await drain(w);
    const [d] = (await w.admin('GET', `/campaigns/${id}/deliveries`)).body.deliveries;
    expect(d).toMatchObject({ profile_id: anonymous.profileId, state: 'sent' });
    expect((await w.admin('GET', `/profiles/${u9}/deliveries`)).body.deliveries).toEqual([]);

    await w.runtime.profiles.upsert({
      projectId: w.project.id,
      strict: false,
      updates: [
        {
          identifiers: [
            { type: 'external_id', value: 'u9' },
            { type: 'email', value: 'anon@example.com' },
          ],
          properties: {},
        },
      ],
    });
    const merged = await w.admin('GET', `/profiles/${u9}/deliveries`);
    expect(merged.body.deliveries.map((x: { id: string }) => x.id)).toEqual([d.id]);
    const byOldId = await w.admin('GET', `/profiles/${anonymous.profileId}/deliveries`);
    expect(byOldId.status).toBe(200);
    expect(byOldId.body).toMatchObject({ profile_id: u9, deliveries: [{ id: d.id }] });
  });

  it('refuses an unknown profile, a bad state or limit, and a caller without the admin token; another project sees nothing', async () => {
    await world();
    const profileId = (await w.runtime.profiles.findByIdentifier(w.project.id, 'external_id', 'u1'))!;
    const unknown = await w.admin('GET', '/profiles/no-such-profile/deliveries');
    expect(unknown.status).toBe(404);
    expect(unknown.body.error.code).toBe('not_found');
    expect((await w.admin('GET', `/profiles/${profileId}/deliveries?state=lost`)).body.error.field).toBe('state');
    expect((await w.admin('GET', `/profiles/${profileId}/deliveries?limit=0`)).body.error.field).toBe('limit');
    const anonymous = await w.t.app.inject({ method: 'GET', url: `/admin/v1/projects/${w.project.id}/profiles/${profileId}/deliveries` });
    expect(anonymous.statusCode).toBe(401);
    const other = await createProject(w.runtime);
    const elsewhere = await w.t.app.inject({
      method: 'GET',
      url: `/admin/v1/projects/${other.project.id}/profiles/${profileId}/deliveries`,
      headers: { authorization: `Bearer ${ADMIN_TOKEN}` },
    });
    expect(elsewhere.statusCode).toBe(404);
  });
});

describe('GET /admin/v1/projects/:id/campaigns/:cid/stats and /outbox', () => {
  it("answer with their declared schemas; the stats are the Notifly face's `data` exactly", async () => {
    const id = await world();
    const range = 'start=2025-01-01T00:00:00.000Z&end=2025-01-31T00:00:00.000Z';
    const admin = await w.admin('GET', `/campaigns/${id}/stats?${range}`);
    expect(admin.status).toBe(200);
    const notifly = await w.notifly('GET', `/projects/${w.project.id}/campaigns/${id}/stats?${range}`);
    expect(notifly.body.data).toEqual(admin.body);
    const byName = Object.fromEntries(admin.body.stats.map((s: { metricName: string; totalCount: number }) => [s.metricName, s.totalCount]));
    expect(byName).toMatchObject({ send_success: 4, send_failure: 1 });
    expect(admin.body.stats.find((s: { metricName: string }) => s.metricName === 'send_success').dailyCounts[0].dimensionCounts).toEqual([
      { dimensionKey: 'region', dimensionValue: 'busan', count: 1 },
      { dimensionKey: 'region', dimensionValue: 'seoul', count: 3 },
    ]);
    const missing = await w.admin('GET', `/campaigns/${id}/stats?end=2025-01-31T00:00:00.000Z`);
    expect(missing.status).toBe(400);
    expect(missing.body.error.field).toBe('start');

    const outbox = await w.admin('GET', `/outbox?campaign_id=${id}`);
    expect(outbox.status).toBe(200);
    expect(outbox.body.outbox).toHaveLength(5);
    expect(outbox.body.outbox.filter((e: { state: string }) => e.state === 'failed').map((e: { recipient: string }) => e.recipient)).toEqual(['tok2']);
    expect((await w.admin('GET', '/outbox?limit=0')).status).toBe(400);
  });

  it('pages the outbox with the `next` cursor without skipping or repeating messages recorded in the same millisecond', async () => {
    const id = await world();
    const all = await w.admin('GET', `/outbox?campaign_id=${id}`);
    expect(all.body.next).toBeNull();
    expect(new Set(all.body.outbox.map((e: { created_at: string }) => e.created_at)).size).toBe(1); // one instant (the test clock)
    const seen: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const r = await w.admin('GET', `/outbox?campaign_id=${id}&limit=2${cursor ? `&cursor=${cursor}` : ''}`);
      expect(r.status).toBe(200);
      seen.push(...r.body.outbox.map((e: { id: string }) => e.id));
      cursor = r.body.next;
      pages++;
    } while (cursor);
    expect(pages).toBe(3);
    expect(seen).toEqual(all.body.outbox.map((e: { id: string }) => e.id));
    const bad = await w.admin('GET', '/outbox?cursor=not-a-cursor');
    expect(bad.status).toBe(400);
    expect(bad.body.error).toMatchObject({ code: 'invalid_input', field: 'cursor' });
  });
});

describe('a test app without campaigns', () => {
  it('answers an empty page for a profile with no deliveries', async () => {
    const t = await buildTestApp();
    try {
      const { project } = await createProject(t.runtime);
      const [p] = await t.runtime.profiles.upsert({
        projectId: project.id,
        strict: false,
        updates: [{ identifiers: [{ type: 'external_id', value: 'x' }], properties: {} }],
      });
      const r = await t.app.inject({
        method: 'GET',
        url: `/admin/v1/projects/${project.id}/profiles/${p.profileId}/deliveries`,
        headers: { authorization: `Bearer ${ADMIN_TOKEN}` },
      });
      expect(r.statusCode).toBe(200);
      expect(r.json()).toEqual({ profile_id: p.profileId, deliveries: [], next: null });
    } finally {
      await t.close();
    }
  });
});
