import { afterEach, describe, expect, it } from 'vitest';
import { addUser, campaignWorld, createCampaign, deliveriesOf, drain, outboxOf, totals, type CampaignWorld } from './campaign-helpers.ts';

let w: CampaignWorld;
afterEach(async () => {
  await w?.close();
});

const send = async (campaignId: string, users: string[]) => {
  const r = await w.notifly('POST', `/campaign/${w.project.id}/${campaignId}/send`, { recipients: users.map((userId) => ({ userId })) });
  expect(r.status, JSON.stringify(r.body)).toBe(200);
};
const track = async (userId: string, eventName: string, eventParams: Record<string, unknown> = {}) => {
  const r = await w.notifly('POST', '/track-event', { projectId: w.project.id, userId, eventName, eventParams });
  expect(r.status, JSON.stringify(r.body)).toBe(200);
};
const statsUrl = (campaignId: string, start: string, end: string) => `/projects/${w.project.id}/campaigns/${campaignId}/stats?start=${start}&end=${end}`;
const zero = (metricName: string) => ({ metricName, metricType: 'standard', totalCount: 0, dailyCounts: [] });

describe('GET /projects/{projectId}/campaigns/{campaignId}/stats', () => {
  it('matches hand-counted fixtures across a KST date boundary, with dimensions from user properties at send time', async () => {
    w = await campaignWorld({ start: '2024-10-28T14:30:00.000Z' }); // 23:30 KST, 2024-10-28
    await addUser(w.runtime, w.project.id, {
      userId: 'u1',
      properties: { region: 'seoul' },
      devices: [{ deviceId: 'd1', platform: 'android', pushToken: 't1' }],
    });
    await addUser(w.runtime, w.project.id, { userId: 'u2', properties: { region: 'busan' }, devices: [{ deviceId: 'd2', platform: 'ios', pushToken: 't2' }] });
    await addUser(w.runtime, w.project.id, { userId: 'u3', devices: [{ deviceId: 'd3', platform: 'android', pushToken: 't3' }] });
    const id = await createCampaign(w, { name: 'stats', channel: 'push', template: { title: 't', body: 'b' }, stats_dimensions: ['region'] });

    // 2024-10-28 KST: three sends.
    await send(id, ['u1', 'u2', 'u3']);
    await drain(w);
    const first = await deliveriesOf(w, id);
    const firstOf = (token: string) => first.find((d) => d.address === token).id;

    // 2024-10-29 00:30 KST: u1, u2 again, u3 fails. A later change of region does not move counted sends.
    w.clock.set('2024-10-28T15:30:00.000Z');
    await w.reauth();
    await w.admin('PUT', '/sandbox', { failures: [{ recipients: ['t3'], mode: 'permanent' }] });
    await send(id, ['u1', 'u2', 'u3']);
    await drain(w);
    await w.runtime.profiles.upsert({
      projectId: w.project.id,
      strict: false,
      updates: [{ identifiers: [{ type: 'external_id', value: 'u1' }], properties: { region: 'jeju' } }],
    });

    // 00:40 KST: u1's first push is delivered; u2's first push is clicked (a click counts the delivery too).
    w.clock.set('2024-10-28T15:40:00.000Z');
    await track('u1', 'maru_push_delivered', { delivery_id: firstOf('t1') });
    await track('u2', 'maru_push_click', { delivery_id: firstOf('t2') });
    await track('u2', 'maru_push_click', { delivery_id: firstOf('t2') }); // counted once
    await track('u2', 'maru_push_click', { delivery_id: 'not-a-delivery' });
    await drain(w);

    w.clock.set('2024-10-29T03:00:00.000Z'); // 12:00 KST
    await w.reauth();
    const r = await w.notifly('GET', statsUrl(id, '2024-10-27T15:00:00.000Z', '2024-10-29T14:59:59.999Z'));
    expect(r.status).toBe(200);
    expect(r.body).toEqual({
      data: {
        lastCollectedAt: '2024-10-29 12:00:00',
        stats: [
          {
            metricName: 'send_success',
            metricType: 'standard',
            totalCount: 5,
            dailyCounts: [
              {
                date: '2024-10-28',
                count: 3,
                dimensionCounts: [
                  { dimensionKey: 'region', dimensionValue: 'busan', count: 1 },
                  { dimensionKey: 'region', dimensionValue: 'seoul', count: 1 },
                ],
              },
              {
                date: '2024-10-29',
                count: 2,
                dimensionCounts: [
                  { dimensionKey: 'region', dimensionValue: 'busan', count: 1 },
                  { dimensionKey: 'region', dimensionValue: 'seoul', count: 1 },
                ],
              },
            ],
          },
          { metricName: 'send_failure', metricType: 'standard', totalCount: 1, dailyCounts: [{ date: '2024-10-29', count: 1, dimensionCounts: [] }] },
          zero('rendering_failure'),
          zero('pending'),
          zero('cancelled'),
          zero('skipped__noisy_filter'),
          zero('skipped__fatigue_management'),
          zero('skipped__forbidden_timing_filter'),
          zero('skipped__excluded_user_filter'),
          zero('skipped__global_frequency_limit_filter'),
          {
            metricName: 'push_delivered',
            metricType: 'standard',
            totalCount: 2,
            dailyCounts: [
              {
                date: '2024-10-29',
                count: 2,
                dimensionCounts: [
                  { dimensionKey: 'region', dimensionValue: 'busan', count: 1 },
                  { dimensionKey: 'region', dimensionValue: 'seoul', count: 1 },
                ],
              },
            ],
          },
          {
            metricName: 'push_click',
            metricType: 'standard',
            totalCount: 1,
            dailyCounts: [{ date: '2024-10-29', count: 1, dimensionCounts: [{ dimensionKey: 'region', dimensionValue: 'busan', count: 1 }] }],
          },
        ],
      },
      error: null,
    });

    // Only the KST day 2024-10-29.
    const day2 = await w.notifly('GET', statsUrl(id, '2024-10-28T15:00:00.000Z', '2024-10-29T14:59:59.999Z'));
    expect(day2.body.data.stats[0]).toMatchObject({ metricName: 'send_success', totalCount: 2 });
    expect(day2.body.data.stats[0].dailyCounts.map((d: any) => d.date)).toEqual(['2024-10-29']);
    // Only 2024-10-28.
    const day1 = await w.notifly('GET', statsUrl(id, '2024-10-27T15:00:00.000Z', '2024-10-28T14:59:59.999Z'));
    expect(day1.body.data.stats.filter((s: any) => s.totalCount > 0).map((s: any) => [s.metricName, s.totalCount])).toEqual([['send_success', 3]]);
  });

  it('counts not-yet-final deliveries as pending, live', async () => {
    w = await campaignWorld();
    await addUser(w.runtime, w.project.id, { userId: 'u', email: 'u@example.com' });
    const id = await createCampaign(w, { name: 'p', channel: 'email', template: { subject: 's', text: 't' } });
    await send(id, ['u']);
    expect(await totals(w, id)).toEqual({ pending: 1 });
    await drain(w);
    expect(await totals(w, id)).toEqual({ send_success: 1, email_send: 1 });
  });

  it("answers 400/401/405 in the seed's shapes", async () => {
    w = await campaignWorld();
    const id = await createCampaign(w, { name: 'x', channel: 'push', template: { title: 't', body: 'b' } });
    const ok = ['2025-01-01T00:00:00.000Z', '2025-01-02T00:00:00.000Z'] as const;
    expect(await w.notifly('GET', `/projects/other/campaigns/${id}/stats?start=${ok[0]}&end=${ok[1]}`)).toMatchObject({
      status: 400,
      body: { data: null, error: 'Invalid project ID' },
    });
    expect(await w.notifly('GET', statsUrl('nope', ...ok))).toMatchObject({ status: 400, body: { data: null, error: 'Invalid campaign ID' } });
    expect(await w.notifly('GET', `/projects/${w.project.id}/campaigns/${id}/stats?end=${ok[1]}`)).toMatchObject({
      status: 400,
      body: { data: null, error: 'start is required' },
    });
    expect(await w.notifly('GET', statsUrl(id, '2025-01-01', ok[1]))).toMatchObject({
      status: 400,
      body: { data: null, error: 'Invalid start: expected yyyy-MM-ddTHH:mm:ss.sssZ (UTC)' },
    });
    expect(await w.notifly('GET', statsUrl(id, ok[1], ok[0]))).toMatchObject({ status: 400, body: { data: null, error: 'Invalid end: end is before start' } });
    const unauth = await w.t.app.inject({ method: 'GET', url: statsUrl(id, ...ok) });
    expect(unauth.statusCode).toBe(401);
    expect(unauth.json()).toEqual({ data: null, error: 'Unauthorized: Invalid Authorization Token' });
    const post = await w.notifly('POST', statsUrl(id, ...ok), {});
    expect(post.status).toBe(405);
    expect(post.body.data).toBeNull();
  });

  it('counts a conversion event within the window once per delivery (metricType conversion)', async () => {
    w = await campaignWorld();
    await addUser(w.runtime, w.project.id, { userId: 'u', email: 'u@example.com' });
    const id = await createCampaign(w, {
      name: 'c',
      channel: 'email',
      template: { subject: 's', text: 't' },
      conversion: { event: 'purchase', window_hours: 24 },
    });
    await track('u', 'purchase'); // before any send: not a conversion
    await send(id, ['u']);
    await drain(w);
    w.clock.advance(3_600_000);
    await w.reauth();
    await track('u', 'purchase');
    await track('u', 'purchase');
    await drain(w);
    const r = await w.notifly('GET', statsUrl(id, '2025-01-05T15:00:00.000Z', '2025-01-06T14:59:59.999Z'));
    expect(r.body.data.stats.at(-1)).toEqual({
      metricName: 'purchase',
      metricType: 'conversion',
      totalCount: 1,
      dailyCounts: [{ date: '2025-01-06', count: 1, dimensionCounts: [] }],
    });
  });
});

describe('email tracking: open pixel and click redirect', () => {
  it('counts opens and clicks once per delivery and redirects only to URLs that were in the email', async () => {
    w = await campaignWorld();
    await addUser(w.runtime, w.project.id, { userId: 'u', email: 'u@example.com', properties: { name: '<b>Kim</b>' } });
    const html =
      '<html><body><p>Hi {{ user.name }}</p><a href="https://shop.example/p?a=1&amp;b=2">Buy</a> <a href=\'mailto:help@shop.example\'>Help</a></body></html>';
    const id = await createCampaign(w, { name: 'mail', channel: 'email', template: { subject: 's', html } });
    await send(id, ['u']);
    await drain(w);
    const [o] = await outboxOf(w, id);
    const sentHtml: string = o.message.html;
    expect(sentHtml).toContain('<p>Hi &lt;b&gt;Kim&lt;/b&gt;</p>'); // values are escaped in HTML
    expect(sentHtml).toContain("href='mailto:help@shop.example'");
    const click = /href="http:\/\/localhost:8080(\/t\/c\/[^"]+)"/.exec(sentHtml)![1];
    const pixel = /<img src="http:\/\/localhost:8080(\/t\/o\/[^"]+\.gif)" width="1" height="1" alt="" style="display:none"><\/body><\/html>$/.exec(
      sentHtml,
    )![1];
    expect(new URL(click, 'http://x').searchParams.get('u')).toBe('https://shop.example/p?a=1&b=2');

    for (let i = 0; i < 2; i++) {
      const p = await w.t.app.inject({ method: 'GET', url: pixel });
      expect(p.statusCode).toBe(200);
      expect(p.headers['content-type']).toBe('image/gif');
      expect(p.rawPayload.subarray(0, 6).toString()).toBe('GIF89a');
    }
    const c = await w.t.app.inject({ method: 'GET', url: click });
    expect(c.statusCode).toBe(302);
    expect(c.headers.location).toBe('https://shop.example/p?a=1&b=2');

    // Open-redirect safe: the same token with another URL, or a forged token, goes nowhere and counts nothing.
    const token = click.split('/')[3].split('?')[0];
    const evil = await w.t.app.inject({ method: 'GET', url: `/t/c/${token}?u=${encodeURIComponent('https://evil.example/')}` });
    expect(evil.statusCode).toBe(404);
    expect(evil.headers.location).toBeUndefined();
    const forged = await w.t.app.inject({ method: 'GET', url: `/t/c/${token.slice(0, -3)}AAA?u=${encodeURIComponent('https://shop.example/p?a=1&b=2')}` });
    expect(forged.statusCode).toBe(404);
    const badPixel = await w.t.app.inject({ method: 'GET', url: `/t/o/${w.project.id}.nope.AAAAAAAAAAAAAAAAAAAAAAAAAAA.gif` });
    expect(badPixel.statusCode).toBe(200);

    expect(await totals(w, id)).toEqual({ send_success: 1, email_send: 1, email_open: 1, email_click: 1 });
  });
});
