import { afterEach, describe, expect, it } from 'vitest';
import { addUser, campaignWorld, createCampaign, deliveriesOf, drain, outboxOf, totals, type CampaignWorld } from './campaign-helpers.ts';

let w: CampaignWorld;
afterEach(async () => {
  await w?.close();
});

const track = async (userId: string, eventName: string, eventParams: Record<string, unknown> = {}) => {
  const r = await w.notifly('POST', '/track-event', { projectId: w.project.id, userId, eventName, eventParams });
  expect(r.status, JSON.stringify(r.body)).toBe(200);
};
const device = (id: string) => [{ deviceId: `${id}-phone`, platform: 'android' as const, pushToken: `tok-${id}` }];

describe('event-triggered campaigns', () => {
  const campaign = {
    name: 'cart reminder',
    channel: 'push',
    template: { title: '{{ event_params["item"] }}', body: '{{ user["name"] }}, {{ eventParams.price }}원 상품이 기다려요' },
    send_time: { type: 'event', event: 'cart_add', conditions: [{ param: 'price', op: 'gte', value: 10000 }], delay_seconds: 600, cancel_event: 'purchase' },
  };

  it('fires after the delay when the event (with matching parameters) arrives through the Notifly face', async () => {
    w = await campaignWorld();
    await addUser(w.runtime, w.project.id, { userId: 'alice', properties: { name: 'Alice' }, devices: device('alice') });
    await addUser(w.runtime, w.project.id, { userId: 'bob', devices: device('bob') });
    const id = await createCampaign(w, campaign);
    const t0 = w.clock.now();

    await track('alice', 'cart_add', { item: 'Shoes', price: 20000 });
    await track('bob', 'cart_add', { item: 'Socks', price: 500 }); // condition fails
    await track('alice', 'page_view', { price: 99999 }); // another event
    await drain(w);
    let deliveries = await deliveriesOf(w, id);
    expect(deliveries.map((d) => [d.recipient.type, d.state, d.trigger, d.run_at])).toEqual([
      ['profile', 'pending', 'event', new Date(t0 + 600_000).toISOString()],
    ]);
    expect(await outboxOf(w, id)).toEqual([]);

    w.clock.advance(599_999);
    await drain(w);
    expect(await outboxOf(w, id)).toEqual([]);
    w.clock.advance(1);
    await drain(w);
    deliveries = await deliveriesOf(w, id);
    expect(deliveries[0]).toMatchObject({ state: 'sent', event_params: { item: 'Shoes', price: 20000 } });
    const [o] = await outboxOf(w, id);
    expect(o.message).toMatchObject({ token: 'tok-alice', title: 'Shoes', body: 'Alice, 20000원 상품이 기다려요' });
    expect(await totals(w, id)).toEqual({ send_success: 1 });
  });

  it('is cancelled when the cancel event arrives first (cancelled metric)', async () => {
    w = await campaignWorld();
    await addUser(w.runtime, w.project.id, { userId: 'carol', devices: device('carol') });
    await addUser(w.runtime, w.project.id, { userId: 'dave', devices: device('dave') });
    const id = await createCampaign(w, campaign);
    await track('carol', 'cart_add', { item: 'Hat', price: 30000 });
    await track('dave', 'cart_add', { item: 'Hat', price: 30000 });
    await drain(w);
    w.clock.advance(300_000);
    await track('carol', 'purchase', { order: 'o-1' });
    await drain(w);
    w.clock.advance(300_000);
    await drain(w);
    const deliveries = await deliveriesOf(w, id);
    expect(deliveries.map((d) => [d.state, d.metric, d.reason]).sort()).toEqual([
      ['cancelled', 'cancelled', 'cancel_event: purchase'],
      ['sent', 'send_success', null],
    ]);
    expect((await outboxOf(w, id)).map((o) => o.recipient)).toEqual(['tok-dave']);
    expect(await totals(w, id)).toEqual({ send_success: 1, cancelled: 1 });
    // A cancel event after the send changes nothing.
    await track('dave', 'purchase');
    await drain(w);
    expect(await totals(w, id)).toEqual({ send_success: 1, cancelled: 1 });
  });

  it('fires from any face: a DFINERY import event, recorded once even when the import is retried (same event_log_id)', async () => {
    w = await campaignWorld();
    await addUser(w.runtime, w.project.id, { userId: 'erin', email: 'erin@example.com' });
    await w.runtime.taxonomy.apply(w.project.id, { events: ['signup'] });
    const id = await createCampaign(w, {
      name: 'welcome',
      channel: 'email',
      template: { subject: 'Welcome {{ user.external_id }}', text: 'hi' },
      send_time: { type: 'event', event: 'signup' },
    });
    const body = {
      common: { identity: { external_id: 'erin' } },
      events: [{ event_log_id: 'evt-1', event_name: 'signup', event_datetime: '2025-01-06T00:59:00.000Z' }],
    };
    for (let i = 0; i < 2; i++) {
      const r = await w.t.app.inject({
        method: 'POST',
        url: `/api/v1/events?service_id=${w.project.id}`,
        headers: { access_token: w.credentials.import_token },
        payload: body,
      });
      expect(r.json().code).toBe('20000');
    }
    await drain(w);
    expect((await deliveriesOf(w, id)).map((d) => d.state)).toEqual(['sent']);
    expect((await outboxOf(w, id)).map((o) => [o.recipient, o.message.subject])).toEqual([['erin@example.com', 'Welcome erin']]);
  });

  it('does not fire for a draft campaign, nor for an event that happened over a day before it arrived', async () => {
    w = await campaignWorld();
    await addUser(w.runtime, w.project.id, { userId: 'u', email: 'u@example.com' });
    await w.runtime.taxonomy.apply(w.project.id, { events: ['signup'] });
    const id = await createCampaign(w, {
      name: 'w',
      channel: 'email',
      template: { subject: 's', text: 't' },
      send_time: { type: 'event', event: 'signup' },
      status: 'draft',
    });
    await w.runtime.events.ingest({
      projectId: w.project.id,
      source: 'api',
      strict: false,
      wire: wire,
      events: [{ name: 'signup', identifiers: [{ type: 'external_id', value: 'u' }] }],
    });
    await drain(w);
    expect(await deliveriesOf(w, id)).toEqual([]);
    expect((await w.admin('POST', `/campaigns/${id}/status`, { status: 'active' })).status).toBe(200);
    await w.runtime.events.ingest({
      projectId: w.project.id,
      source: 'api',
      strict: false,
      wire,
      events: [{ name: 'signup', occurredAt: w.clock.now() - 25 * 3_600_000, identifiers: [{ type: 'external_id', value: 'u' }] }],
    });
    await drain(w);
    expect(await deliveriesOf(w, id)).toEqual([]);
    await w.runtime.events.ingest({
      projectId: w.project.id,
      source: 'api',
      strict: false,
      wire,
      events: [{ name: 'signup', identifiers: [{ type: 'external_id', value: 'u' }] }],
    });
    await drain(w);
    expect((await deliveriesOf(w, id)).map((d) => d.state)).toEqual(['sent']);
  });
});

const wire = { events: 'events', key: 'key', name: 'name', occurredAt: 'occurredAt', properties: 'properties', items: 'items', identity: 'identity' };

describe('scheduled campaigns', () => {
  it('sends once at its time to every reachable profile when no audience is named', async () => {
    w = await campaignWorld();
    await addUser(w.runtime, w.project.id, { userId: 'a', email: 'a@example.com', properties: { name: 'A' } });
    await addUser(w.runtime, w.project.id, { userId: 'b', email: 'b@example.com', properties: { name: 'B' } });
    await addUser(w.runtime, w.project.id, { userId: 'c' }); // no email: not a recipient
    const id = await createCampaign(w, {
      name: 'news',
      channel: 'email',
      template: { subject: 'News for {{ user.name }}', text: 't' },
      send_time: { type: 'scheduled', at: '2025-01-06T12:00:00+09:00' },
    });
    await drain(w);
    expect(await deliveriesOf(w, id)).toEqual([]);

    w.clock.set('2025-01-06T02:59:59.999Z');
    await drain(w);
    expect(await deliveriesOf(w, id)).toEqual([]);
    w.clock.set('2025-01-06T03:00:00.000Z');
    await drain(w);
    expect((await outboxOf(w, id)).map((o) => [o.recipient, o.message.subject]).sort()).toEqual([
      ['a@example.com', 'News for A'],
      ['b@example.com', 'News for B'],
    ]);
    expect((await deliveriesOf(w, id)).every((d) => d.trigger === 'scheduled' && d.state === 'sent')).toBe(true);
    // Once: pausing and re-activating does not send again (the time has passed: activation is refused).
    expect((await w.admin('POST', `/campaigns/${id}/status`, { status: 'paused' })).status).toBe(200);
    w.clock.advance(120_000);
    const again = await w.admin('POST', `/campaigns/${id}/status`, { status: 'active' });
    expect(again.status).toBe(400);
    expect(again.body.error.field).toBe('send_time.at');
    await drain(w);
    expect(await deliveriesOf(w, id)).toHaveLength(2);
  });

  it('sends to the profiles of an audience, and not at all when paused before its time', async () => {
    w = await campaignWorld();
    await addUser(w.runtime, w.project.id, { userId: 'vip', email: 'vip@example.com', properties: { df_membership: 'gold' } });
    await addUser(w.runtime, w.project.id, { userId: 'reg', email: 'reg@example.com', properties: { df_membership: 'basic' } });
    const audience = await w.runtime.audiences.create(w.project.id, { name: 'gold', rule: { property: 'df_membership', op: 'equals', value: 'gold' } });
    const at = '2025-01-06T03:00:00.000Z';
    const id = await createCampaign(w, {
      name: 'vip',
      channel: 'email',
      template: { subject: 's', text: 't' },
      send_time: { type: 'scheduled', at, audience_id: audience.id },
    });
    const paused = await createCampaign(w, { name: 'p', channel: 'email', template: { subject: 's', text: 't' }, send_time: { type: 'scheduled', at } });
    await w.admin('POST', `/campaigns/${paused}/status`, { status: 'paused' });
    w.clock.set(at);
    await drain(w);
    expect((await outboxOf(w, id)).map((o) => o.recipient)).toEqual(['vip@example.com']);
    expect(await deliveriesOf(w, paused)).toEqual([]);
  });
});
