import { afterEach, describe, expect, it } from 'vitest';
import { signedIn } from '../helpers/console.ts';
import { addUser, campaignWorld, createCampaign, deliveriesOf, drain, type CampaignWorld } from './campaign-helpers.ts';

/**
 * The admin routes the console's campaign pages use (docs/campaigns.md "Admin API and CLI"): sends per day and last
 * send of every campaign, the preview of an unsaved draft, the reach of an activation and a test message.
 */
let w: CampaignWorld;
afterEach(async () => {
  await w?.close();
});

const TEXT = { name: 'notice', channel: 'text_message', template: { kind: 'sms', body: '{{ user["name"] }}님 {{ event_params["item"] }} 도착' } };

describe('admin API for the console: campaigns', () => {
  it('activity: messages sent per local day of every campaign and its last send, in one request; a bad days is refused', async () => {
    w = await campaignWorld();
    await addUser(w.runtime, w.project.id, { userId: 'kim', phone: '01011112222', properties: { name: '김' } });
    const id = await createCampaign(w, TEXT);
    const idle = await createCampaign(w, { ...TEXT, name: 'idle' });
    expect((await w.admin('POST', `/campaigns/${id}/send`, { recipients: [{ type: 'user-id', userId: 'kim' }] })).status).toBe(202);
    await drain(w);
    w.clock.advance(86_400_000);
    expect((await w.admin('POST', `/campaigns/${id}/send`, { recipients: [{ type: 'phone-number', phoneNumber: '01033334444' }] })).status).toBe(202);
    await drain(w);

    const r = await w.admin('GET', '/campaigns/activity?days=3');
    expect(r.status).toBe(200);
    expect(r.body).toEqual({
      timezone: 'Asia/Seoul',
      days: ['2025-01-05', '2025-01-06', '2025-01-07'],
      campaigns: [{ campaign_id: id, sends: [0, 1, 1], last_sent_at: '2025-01-07T01:00:00.000Z' }],
    });
    expect(r.body.campaigns.some((c: { campaign_id: string }) => c.campaign_id === idle)).toBe(false);
    expect((await w.admin('GET', '/campaigns/activity')).body.days).toHaveLength(14);

    const bad = await w.admin('GET', '/campaigns/activity?days=93');
    expect(bad.status).toBe(400);
    expect(bad.body.error.field).toBe('days');
  });

  it('preview of an unsaved draft: rendered for a real profile found by any identifier; syntax errors and unknown profiles refused', async () => {
    w = await campaignWorld();
    await addUser(w.runtime, w.project.id, { userId: 'kim', phone: '01011112222', properties: { name: '김' } });
    const r = await w.admin('POST', '/campaigns/preview', {
      campaign: TEXT,
      identifier: { type: 'phone', value: '010-1111-2222' },
      event_params: { item: '운동화' },
    });
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({ ok: true, message: { body: '김님 운동화 도착' } });
    expect(r.body.profile_id).toMatch(/\w+/);
    // Carrier bytes by the core's rule (CP949: Hangul 2, ASCII 1), on the body as sent.
    expect(r.body.text_size).toEqual({ kind: 'sms', body_bytes: 16, limit_bytes: 90, title_bytes: 0, fits_kind: 'sms', problems: [] });
    const ad = await w.admin('POST', '/campaigns/preview', {
      campaign: { ...TEXT, consent_class: 'advertising', template: { kind: 'sms', body: '가'.repeat(40) } },
      identifier: { type: 'external_id', value: 'kim' },
    });
    expect(ad.body.message.body).toBe('가'.repeat(40));
    expect(ad.body.text_size.body_bytes).toBeGreaterThan(90);
    expect(ad.body.text_size).toMatchObject({ kind: 'sms', fits_kind: 'lms' });
    expect(ad.body.text_size.problems[0]).toContain('SMS allows at most 90 bytes');
    // The same renderer as the saved preview: nothing is stored.
    expect((await w.admin('GET', '/campaigns')).body.campaigns).toEqual([]);

    const syntax = await w.admin('POST', '/campaigns/preview', { campaign: { ...TEXT, template: { body: 'Hi {{ user["name"' } } });
    expect(syntax.status).toBe(400);
    expect(syntax.body.error.field).toBe('campaign.template.body');
    expect(syntax.body.error.message).toContain('not a valid Liquid template');

    const nobody = await w.admin('POST', '/campaigns/preview', { campaign: TEXT, identifier: { type: 'external_id', value: 'nobody' } });
    expect(nobody.status).toBe(404);
    expect(nobody.body.error.field).toBe('identifier');

    const noCampaign = await w.admin('POST', '/campaigns/preview', { identifier: { type: 'external_id', value: 'kim' } });
    expect(noCampaign.status).toBe(400);
    expect(noCampaign.body.error.field).toBe('campaign');
  });

  it('reach: profiles with an address, not excluded, with the opt-in for advertising; the audience of a scheduled campaign', async () => {
    w = await campaignWorld();
    await addUser(w.runtime, w.project.id, { userId: 'a', phone: '01011110001', properties: { df_sms_ads_optin: true, tier: 'gold' } });
    await addUser(w.runtime, w.project.id, { userId: 'b', phone: '01011110002', properties: { tier: 'gold' } });
    await addUser(w.runtime, w.project.id, { userId: 'c', properties: { df_sms_ads_optin: true } });
    await addUser(w.runtime, w.project.id, { userId: 'qa', phone: '01011110003', properties: { df_sms_ads_optin: true, tier: 'gold' } });
    const ad = await createCampaign(w, {
      ...TEXT,
      status: 'draft',
      consent_class: 'advertising',
      template: { kind: 'lms', body: '할인' },
      excluded_user_ids: ['qa'],
    });
    const r = await w.admin('GET', `/campaigns/${ad}/reach`);
    expect(r.status).toBe(200);
    expect(r.body).toEqual({
      send_time_type: 'api',
      audience_id: null,
      profiles: 4,
      reachable: 1,
      without_address: 1,
      excluded: 1,
      without_consent: 1,
    });

    const audience = await w.admin('POST', '/audiences', { name: 'gold', rule: { property: 'tier', op: 'equals', value: 'gold' } });
    expect(audience.status, JSON.stringify(audience.body)).toBe(201);
    const scheduled = await createCampaign(w, {
      ...TEXT,
      status: 'draft',
      send_time: { type: 'scheduled', at: '2025-02-01T09:00:00+09:00', audience_id: audience.body.audience.id },
    });
    expect((await w.admin('GET', `/campaigns/${scheduled}/reach`)).body).toEqual({
      send_time_type: 'scheduled',
      audience_id: audience.body.audience.id,
      profiles: 3,
      reachable: 3,
      without_address: 0,
      excluded: 0,
      without_consent: 0,
    });

    const unknown = await w.admin('GET', '/campaigns/nope/reach');
    expect(unknown.status).toBe(404);
  });

  it('test message: a draft campaign of any send-time type to one profile by identifier; refused for an archived campaign', async () => {
    w = await campaignWorld();
    await addUser(w.runtime, w.project.id, { userId: 'kim', phone: '01011112222', properties: { name: '김' } });
    const id = await createCampaign(w, { ...TEXT, status: 'draft', send_time: { type: 'event', event: 'cart_add' } });
    const r = await w.admin('POST', `/campaigns/${id}/test`, { identifier: { type: 'external_id', value: 'kim' }, event_params: { item: '모자' } });
    expect(r.status).toBe(202);
    expect(r.body).toMatchObject({ created: 1, queued: 1, unreachable: 0 });
    expect(r.body.request_id).toMatch(/^test:/);
    await drain(w);
    const [d] = await deliveriesOf(w, id);
    expect(d).toMatchObject({ state: 'sent', address: '+821011112222', rendered: { message: { body: '김님 모자 도착' } } });

    const missing = await w.admin('POST', `/campaigns/${id}/test`, {});
    expect(missing.status).toBe(400);
    expect(missing.body.error.field).toBe('identifier');
    expect((await w.admin('POST', `/campaigns/${id}/status`, { status: 'archived' })).status).toBe(200);
    const archived = await w.admin('POST', `/campaigns/${id}/test`, { identifier: { type: 'external_id', value: 'kim' } });
    expect(archived.status).toBe(409);
    expect(archived.body.error.message).toContain('archived');
  });

  it('roles: a viewer reads the activity, the reach and a draft preview, and is refused activation and test messages', async () => {
    w = await campaignWorld();
    await addUser(w.runtime, w.project.id, { userId: 'kim', phone: '01011112222', properties: { name: '김' } });
    const id = await createCampaign(w, { ...TEXT, status: 'draft' });
    const viewer = await signedIn(w.t.app, w.runtime, { email: 'viewer@example.com', roles: [{ projectId: w.project.id, role: 'viewer' }] });
    const base = `/admin/v1/projects/${w.project.id}/campaigns`;
    expect((await viewer.request({ method: 'GET', url: `${base}/activity` })).statusCode).toBe(200);
    expect((await viewer.request({ method: 'GET', url: `${base}/${id}/reach` })).json()).toMatchObject({ reachable: 1 });
    const preview = await viewer.request({
      method: 'POST',
      url: `${base}/preview`,
      payload: { campaign: TEXT, identifier: { type: 'external_id', value: 'kim' } },
    });
    expect(preview.json()).toMatchObject({ ok: true, message: { body: '김님  도착' } });
    for (const [url, payload] of [
      [`${base}/${id}/status`, { status: 'active' }],
      [`${base}/${id}/test`, { identifier: { type: 'external_id', value: 'kim' } }],
    ] as const) {
      const r = await viewer.request({ method: 'POST', url, payload });
      expect(r.statusCode).toBe(403);
      expect(r.json().error.code).toBe('forbidden');
    }
    expect((await w.admin('GET', `/campaigns/${id}`)).body.campaign.status).toBe('draft');
    expect(await deliveriesOf(w, id)).toEqual([]);
  });
});
