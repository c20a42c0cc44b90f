import { afterEach, describe, expect, it } from 'vitest';
import { addUser, campaignWorld, createCampaign, deliveriesOf, drain, outboxOf, totals, type CampaignWorld } from './campaign-helpers.ts';

let w: CampaignWorld;
afterEach(async () => {
  await w?.close();
});

const send = (campaignId: string, body: unknown) => w.notifly('POST', `/campaign/${w.project.id}/${campaignId}/send`, body);
const setSandbox = async (failures: unknown[]) => {
  const r = await w.admin('PUT', '/sandbox', { failures });
  expect(r.status).toBe(200);
};
const PHONE = '+821011112222';

describe('delivery pipeline: retries, failures, rendering', () => {
  it('retries a retryable failure after exactly Retry-After, then sends (retryable_then_ok)', async () => {
    w = await campaignWorld();
    await setSandbox([{ recipients: [PHONE], mode: 'retryable_then_ok', failCount: 2, retryAfterSeconds: 30 }]);
    const id = await createCampaign(w, { name: 'otp', channel: 'text_message', template: { body: 'code {{ eventParams.code }}' } });
    expect((await send(id, { recipients: [{ type: 'phone-number', phoneNumber: '010-1111-2222', eventParams: { code: '42' } }] })).status).toBe(200);
    const t0 = w.clock.now();

    await drain(w);
    let [d] = await deliveriesOf(w, id);
    expect(d).toMatchObject({ state: 'pending', attempts: 1, run_at: new Date(t0 + 30_000).toISOString() });
    expect(d.reason).toBe('attempt 1 failed (retrying): sandbox: temporarily unavailable (call 1 of 3)');
    expect(d.provider_response).toEqual({ ok: false, retryable: true, reason: 'sandbox: temporarily unavailable (call 1 of 3)', retryAfterMs: 30_000 });
    expect((await outboxOf(w, id))[0]).toMatchObject({ state: 'failed', calls: 1 });

    // Not before Retry-After.
    w.clock.advance(29_999);
    expect(await drain(w)).toBe(0);
    expect((await outboxOf(w, id))[0].calls).toBe(1);

    w.clock.advance(1);
    await drain(w);
    [d] = await deliveriesOf(w, id);
    expect(d).toMatchObject({ state: 'pending', attempts: 2, run_at: new Date(t0 + 60_000).toISOString() });

    w.clock.advance(30_000);
    await drain(w);
    [d] = await deliveriesOf(w, id);
    expect(d).toMatchObject({ state: 'sent', attempts: 3, metric: 'send_success', reason: null });
    const [o] = await outboxOf(w, id);
    expect(o).toMatchObject({ state: 'delivered', calls: 3, recipient: PHONE, message: { kind: 'sms', from: '', to: PHONE, body: 'code 42' } });
    expect(d.provider_message_id).toBe(o.id);
    expect(await totals(w, id)).toEqual({ send_success: 1 });
  });

  it('backs off exponentially with jitter without Retry-After, and fails visibly after the last attempt', async () => {
    w = await campaignWorld();
    await setSandbox([{ recipients: '*', mode: 'retryable' }]);
    const id = await createCampaign(w, { name: 'x', channel: 'text_message', template: { body: 'hi' }, max_attempts: 3 });
    await send(id, { recipients: [{ type: 'phone-number', phoneNumber: PHONE }] });

    await drain(w);
    let [d] = await deliveriesOf(w, id);
    let due = Date.parse(d.run_at) - w.clock.now();
    expect(d.state).toBe('pending');
    expect(due).toBeGreaterThanOrEqual(500); // attempt 1: 1 s base, jitter in [0.5 s, 1 s)
    expect(due).toBeLessThan(1000);

    w.clock.advance(due);
    await drain(w);
    [d] = await deliveriesOf(w, id);
    due = Date.parse(d.run_at) - w.clock.now();
    expect(d).toMatchObject({ state: 'pending', attempts: 2 });
    expect(due).toBeGreaterThanOrEqual(1000); // attempt 2: 2 s base
    expect(due).toBeLessThan(2000);

    w.clock.advance(due);
    await drain(w);
    [d] = await deliveriesOf(w, id);
    expect(d).toMatchObject({ state: 'failed', attempts: 3, metric: 'send_failure', reason: 'failed after 3 attempts: sandbox: temporarily unavailable' });
    expect((await outboxOf(w, id))[0].calls).toBe(3);

    w.clock.advance(3_600_000);
    expect(await drain(w)).toBe(0);
    expect((await outboxOf(w, id))[0].calls).toBe(3);
    expect(await totals(w, id)).toEqual({ send_failure: 1 });
  });

  it('does not retry a permanent failure', async () => {
    w = await campaignWorld();
    await setSandbox([{ recipients: ['bad@example.com'], mode: 'permanent', reason: 'mailbox unavailable' }]);
    const id = await createCampaign(w, { name: 'x', channel: 'email', template: { subject: 's', text: 't' } });
    await send(id, {
      recipients: [
        { type: 'email', email: 'Bad@Example.com' },
        { type: 'email', email: 'good@example.com' },
      ],
    });
    await drain(w);
    w.clock.advance(3_600_000);
    await drain(w);
    const deliveries = await deliveriesOf(w, id);
    expect(deliveries.map((d) => [d.address, d.state, d.attempts, d.reason]).sort()).toEqual([
      ['bad@example.com', 'failed', 1, 'mailbox unavailable'],
      ['good@example.com', 'sent', 1, null],
    ]);
    expect((await outboxOf(w, id)).map((o) => [o.recipient, o.calls, o.state]).sort()).toEqual([
      ['bad@example.com', 1, 'failed'],
      ['good@example.com', 1, 'delivered'],
    ]);
    expect(await totals(w, id)).toEqual({ send_success: 1, send_failure: 1, email_send: 1 });
  });

  it('removes a push token the provider reports unregistered', async () => {
    w = await campaignWorld();
    await addUser(w.runtime, w.project.id, {
      userId: 'u',
      devices: [
        { deviceId: 'd1', platform: 'android', pushToken: 'dead-token' },
        { deviceId: 'd2', platform: 'ios', pushToken: 'live-token' },
      ],
    });
    await setSandbox([{ recipients: ['dead-token'], mode: 'invalid_recipient' }]);
    const id = await createCampaign(w, { name: 'p', channel: 'push', template: { title: 't', body: 'b' } });
    await send(id, { recipients: [{ userId: 'u' }] });
    await drain(w);
    const deliveries = await deliveriesOf(w, id);
    expect(deliveries.map((d) => [d.device_id, d.state]).sort()).toEqual([
      ['d1', 'failed'],
      ['d2', 'sent'],
    ]);
    expect((await w.runtime.devices.get(w.project.id, 'd1'))?.pushToken).toBeNull();
    expect((await w.runtime.devices.get(w.project.id, 'd2'))?.pushToken).toBe('live-token');
  });

  it('counts rendering_failure (and email_rendering_failure) and sends nothing when a template fails to render', async () => {
    w = await campaignWorld();
    await addUser(w.runtime, w.project.id, { userId: 'u', email: 'u@example.com', properties: { region: 'seoul' } });
    const id = await createCampaign(w, {
      name: 'm',
      channel: 'email',
      template: { subject: 'Hi', html: '<p>{% include "footer" %}</p>' },
      stats_dimensions: ['region'],
    });
    await send(id, { recipients: [{ userId: 'u' }] });
    await drain(w);
    const [d] = await deliveriesOf(w, id);
    expect(d.state).toBe('failed');
    expect(d.metric).toBe('rendering_failure');
    expect(d.reason).toMatch(/^rendering_failure: template\.html: ENOENT: Failed to lookup "footer"/);
    expect(await outboxOf(w, id)).toEqual([]);
    expect(await totals(w, id)).toEqual({ rendering_failure: 1, email_rendering_failure: 1 });
    const stats = await w.notifly('GET', `/projects/${w.project.id}/campaigns/${id}/stats?start=2025-01-05T15:00:00.000Z&end=2025-01-06T14:59:59.999Z`);
    expect(stats.body.data.stats.find((s: any) => s.metricName === 'rendering_failure').dailyCounts).toEqual([
      { date: '2025-01-06', count: 1, dimensionCounts: [{ dimensionKey: 'region', dimensionValue: 'seoul', count: 1 }] },
    ]);
  });

  it('rejects a campaign whose template does not parse, naming the field', async () => {
    w = await campaignWorld();
    const r = await w.admin('POST', '/campaigns', { name: 'x', channel: 'push', consent_class: 'informational', template: { title: 'ok', body: '{% if %}' } });
    expect(r.status).toBe(400);
    expect(r.body.error.field).toBe('template.body');
    expect(r.body.error.message).toMatch(/^template\.body is not a valid Liquid template: /);
    expect((await w.admin('GET', '/campaigns')).body.campaigns).toEqual([]);
  });

  it('sends an alimtalk with #{} parameters, and its failover text when the alimtalk fails for good', async () => {
    w = await campaignWorld({ settings: { messaging: { kakaoSenderKey: 'SK1', textFrom: '15446859' } } });
    await addUser(w.runtime, w.project.id, { userId: 'lee', phone: '01033334444', properties: { name: '이' } });
    await addUser(w.runtime, w.project.id, { userId: 'park', phone: '01055556666', properties: { name: '박' } });
    await setSandbox([{ recipients: ['+821055556666'], channels: ['kakao_alimtalk'], mode: 'permanent', reason: 'not a kakao user' }]);
    const id = await createCampaign(w, {
      name: 'order',
      channel: 'kakao_alimtalk',
      template: {
        template_code: 'ORDER_1',
        content: '#{고객명}님, 주문 #{주문번호} 접수',
        parameters: { 고객명: '{{ user["name"] }}', 주문번호: '{{ eventParams.order }}' },
        failover: { kind: 'lms', body: '{{ user["name"] }}님 주문 {{ eventParams.order }} 접수' },
      },
    });
    await send(id, {
      recipients: [
        { userId: 'lee', eventParams: { order: 'A1' } },
        { userId: 'park', eventParams: { order: 'B2' } },
      ],
    });
    await drain(w);
    const outbox = await outboxOf(w, id);
    const lee = outbox.find((o) => o.recipient === '+821033334444');
    expect(lee.channel).toBe('kakao_alimtalk');
    expect(lee.message).toEqual({
      senderKey: 'SK1',
      templateCode: 'ORDER_1',
      to: '+821033334444',
      content: '이님, 주문 A1 접수',
      templateParameter: { 고객명: '이', 주문번호: 'A1' },
    });
    const park = outbox.filter((o) => o.recipient === '+821055556666').map((o) => [o.channel, o.state, o.message.body ?? o.message.content]);
    expect(park.sort()).toEqual([
      ['kakao_alimtalk', 'failed', '박님, 주문 B2 접수'],
      ['text_message', 'delivered', '박님 주문 B2 접수'],
    ]);
    const failover = (await deliveriesOf(w, id)).find((d) => d.trigger === 'failover');
    expect(failover).toMatchObject({ channel: 'text_message', state: 'sent', metric: 'failover_text_message_send_success', address: '+821055556666' });
    expect(outbox.find((o) => o.channel === 'text_message').message).toEqual({ kind: 'lms', from: '15446859', to: '+821055556666', body: '박님 주문 B2 접수' });
    expect(await totals(w, id)).toEqual({ send_success: 1, send_failure: 1, failover_text_message_send_success: 1 });
  });

  it("deleting a profile erases its deliveries and the sandbox's record of its messages", async () => {
    w = await campaignWorld();
    await addUser(w.runtime, w.project.id, { userId: 'gone', email: 'gone@example.com' });
    await addUser(w.runtime, w.project.id, { userId: 'stays', email: 'stays@example.com' });
    const id = await createCampaign(w, { name: 'm', channel: 'email', template: { subject: 's', text: 't' } });
    await send(id, { recipients: [{ userId: 'gone' }, { userId: 'stays' }] });
    await drain(w);
    const counts = await w.runtime.deletion.eraseNow(w.project.id, [{ type: 'external_id', value: 'gone' }]);
    expect(counts).toMatchObject({ profiles: 1, deliveries: 1, outbox: 1 });
    expect((await deliveriesOf(w, id)).map((d) => d.address)).toEqual(['stays@example.com']);
    expect((await outboxOf(w, id)).map((o) => o.recipient)).toEqual(['stays@example.com']);
  });

  it('sends web push to every subscription of the user, and forgets a subscription the push service says is gone', async () => {
    w = await campaignWorld();
    const sub = (n: string) => ({ endpoint: `https://push.example/${n}`, keys: { p256dh: `p-${n}`, auth: `a-${n}` } });
    await addUser(w.runtime, w.project.id, {
      userId: 'u',
      devices: [
        { deviceId: 'chrome', platform: 'web', webPush: sub('1') },
        { deviceId: 'firefox', platform: 'web', webPush: sub('2') },
      ],
    });
    await setSandbox([{ recipients: ['https://push.example/2'], mode: 'invalid_recipient' }]);
    const id = await createCampaign(w, {
      name: 'wp',
      channel: 'web_push',
      template: { title: 'T {{ user.external_id }}', body: 'B', url: 'https://shop.example/{{ eventParams.p }}' },
    });
    await send(id, { recipients: [{ userId: 'u', eventParams: { p: 'x' } }] });
    await drain(w);
    const outbox = await outboxOf(w, id);
    expect(outbox.find((o) => o.recipient === 'https://push.example/1').message).toEqual({
      subscription: sub('1'),
      title: 'T u',
      body: 'B',
      url: 'https://shop.example/x',
    });
    expect((await deliveriesOf(w, id)).map((d) => [d.device_id, d.state]).sort()).toEqual([
      ['chrome', 'sent'],
      ['firefox', 'failed'],
    ]);
    expect((await w.runtime.devices.get(w.project.id, 'firefox'))?.webPush).toBeNull();
    expect((await w.runtime.devices.get(w.project.id, 'chrome'))?.webPush).toEqual(sub('1'));
  });

  it('fails deliveries of a channel whose configured vendor is unknown (no silent fallback to the sandbox)', async () => {
    w = await campaignWorld({ settings: { channels: { text_message: { vendor: 'no-such-vendor' } } } });
    const id = await createCampaign(w, { name: 't', channel: 'text_message', template: { body: 'hi' } });
    await send(id, { recipients: [{ type: 'phone-number', phoneNumber: PHONE }] });
    await drain(w);
    const [d] = await deliveriesOf(w, id);
    expect(d).toMatchObject({ state: 'failed', metric: 'send_failure' });
    expect(d.reason).toMatch(/^provider_not_configured: no text_message provider named "no-such-vendor" is registered/);
    expect(await outboxOf(w, id)).toEqual([]);
  });

  it('cancels deliveries still waiting when their campaign is paused', async () => {
    w = await campaignWorld();
    const id = await createCampaign(w, { name: 't', channel: 'text_message', template: { body: 'hi' } });
    await send(id, { recipients: [{ type: 'phone-number', phoneNumber: PHONE }] });
    expect((await w.admin('POST', `/campaigns/${id}/status`, { status: 'paused' })).status).toBe(200);
    await drain(w);
    const [d] = await deliveriesOf(w, id);
    expect(d).toMatchObject({ state: 'cancelled', reason: 'campaign_paused', metric: null });
    expect(await outboxOf(w, id)).toEqual([]);
  });
});
