import { afterEach, describe, expect, it } from 'vitest';
import { marketapFixture, rows, type MarketapFixture } from './marketap.helpers.ts';
import { EVENT_BATCH_QUEUE, type QueuedEvent } from '../../src/core/events/event-batches.service.ts';

describe('Marketap face: POST /v1/api/events (asynchronous)', () => {
  let f: MarketapFixture;
  afterEach(() => f.close());

  const events = async () => (await rows(f.t, 'events', f.project.id)).sort((a, b) => String(a.event_key).localeCompare(String(b.event_key)));
  const profileOf = (type: 'external_id' | 'device_id', value: string) => f.t.runtime.profiles.findByIdentifier(f.project.id, type, value);

  it('202 with a job id once the whole request is validated and durably queued; a worker stores it later', async () => {
    f = await marketapFixture();
    const now = f.clock.now();
    const r = await f.post('/v1/api/events', {
      events: [
        {
          user_id: 'user-1',
          name: 'purchase',
          timestamp: '2025-01-17T05:39:22+09:00',
          properties: { amount: 12000, coupon: 'WELCOME' },
          items: [{ df_item_id: 'sku-1', df_price: 6000, df_quantity: 2 }],
        },
        { user_id: 'user-1', device_id: 'device-A', event_name: 'app_open', timestamp: '2025-01-17T05:39:22Z' },
        { device_id: 'device-B', name: 'app_open', timestamp: '2025-01-16T20:39:22.123Z' },
        { user_id: 'user-2', name: 'app_open' },
      ],
    });
    expect(r.statusCode).toBe(202);
    const { job_id: jobId, accepted } = r.json();
    expect(accepted).toBe(4);
    expect(jobId).toMatch(/^[0-9a-f-]{36}$/);

    // Durable and queued, not yet stored. The queue job carries ids only, no event data.
    expect(await events()).toEqual([]);
    const jobs = await rows(f.t, 'jobs', f.project.id);
    expect(jobs.map((j) => [j.queue, j.state, JSON.parse(String(j.payload))])).toEqual([
      [EVENT_BATCH_QUEUE, 'pending', { projectId: f.project.id, batchId: jobId }],
    ]);
    expect(await rows(f.t, 'event_batches', f.project.id)).toHaveLength(1);
    // D4: new names and properties are registered at acceptance.
    const taxonomy = await f.t.runtime.taxonomy.list(f.project.id);
    expect(
      taxonomy.events
        .filter((e) => e.origin === 'observed')
        .map((e) => e.name)
        .sort(),
    ).toEqual(['app_open', 'purchase']);
    expect(
      taxonomy.properties
        .filter((p) => p.origin === 'observed')
        .map((p) => [p.scope, p.name, p.type])
        .sort(),
    ).toEqual([
      ['event', 'amount', 'long'],
      ['event', 'coupon', 'string'],
    ]);

    f.clock.advance(5000);
    expect(await f.t.runtime.queue.drain()).toBe(1);
    const stored = await events();
    const user1 = await profileOf('external_id', 'user-1');
    expect(await profileOf('device_id', 'device-A')).toBe(user1);
    const deviceB = await profileOf('device_id', 'device-B');
    const user2 = await profileOf('external_id', 'user-2');
    expect(new Set([user1, deviceB, user2]).size).toBe(3);
    expect(stored.map((e) => ({ ...e, seq: undefined, project_id: undefined }))).toEqual([
      {
        event_key: `${jobId}:0`,
        name: 'purchase',
        occurred_at: Date.parse('2025-01-16T20:39:22Z'),
        received_at: now,
        profile_id: user1,
        properties: '{"amount":12000,"coupon":"WELCOME"}',
        items: '[{"df_item_id":"sku-1","df_price":6000,"df_quantity":2}]',
        source: 'api',
        seq: undefined,
        project_id: undefined,
      },
      {
        event_key: `${jobId}:1`,
        name: 'app_open',
        occurred_at: Date.parse('2025-01-17T05:39:22Z'),
        received_at: now,
        profile_id: user1,
        properties: null,
        items: null,
        source: 'api',
        seq: undefined,
        project_id: undefined,
      },
      {
        event_key: `${jobId}:2`,
        name: 'app_open',
        occurred_at: Date.parse('2025-01-16T20:39:22.123Z'),
        received_at: now,
        profile_id: deviceB,
        properties: null,
        items: null,
        source: 'api',
        seq: undefined,
        project_id: undefined,
      },
      // Without a timestamp: the time it was accepted, not the time it was stored.
      {
        event_key: `${jobId}:3`,
        name: 'app_open',
        occurred_at: now,
        received_at: now,
        profile_id: user2,
        properties: null,
        items: null,
        source: 'api',
        seq: undefined,
        project_id: undefined,
      },
    ]);
    expect(await rows(f.t, 'event_batches', f.project.id)).toEqual([]);
    expect((await rows(f.t, 'jobs', f.project.id)).map((j) => j.state)).toEqual(['done']);
  });

  it('a started worker picks the job up by itself', async () => {
    f = await marketapFixture();
    await f.t.runtime.queue.start();
    expect((await f.post('/v1/api/events', { events: [{ user_id: 'u', name: 'x' }] })).statusCode).toBe(202);
    const deadline = Date.now() + 10_000;
    while ((await f.t.runtime.events.count(f.project.id)) === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    expect(await f.t.runtime.events.count(f.project.id)).toBe(1);
  });

  it('re-processing a batch after a crash stores nothing twice (keys and times are fixed at acceptance)', async () => {
    f = await marketapFixture();
    const r = await f.post('/v1/api/events', {
      events: [
        { user_id: 'u', name: 'a' },
        { user_id: 'u', name: 'b' },
        { device_id: 'd', name: 'c', timestamp: '2025-01-17T05:39:22+09:00' },
      ],
    });
    expect(r.statusCode).toBe(202);
    // A worker that stored the batch and died before the batch and its job were marked done: store it as it would.
    const [batch] = await rows(f.t, 'event_batches', f.project.id);
    const queued = JSON.parse(String(batch.events)) as QueuedEvent[];
    f.clock.advance(60_000);
    const first = await f.t.runtime.events.ingest({
      projectId: f.project.id,
      events: queued.map((e) => ({ ...e })),
      source: 'api',
      strict: false,
      wire: { events: 'events', key: 'key', name: 'name', occurredAt: 'occurred_at', properties: 'properties', items: 'items', identity: 'identity' },
      receivedAt: Number(batch.received_at),
    });
    expect(first.accepted).toBe(3);
    f.clock.advance(60_000);
    // The job is delivered again, later: every event is recognised by its key and time.
    expect(await f.t.runtime.queue.drain()).toBe(1);
    expect(await f.t.runtime.events.count(f.project.id)).toBe(3);
    expect((await events()).map((e) => e.event_key)).toEqual([0, 1, 2].map((i) => `${r.json().job_id}:${i}`));
  });

  it('an event_id makes a retried request safe (with a timestamp): the retry is acknowledged and not stored again', async () => {
    f = await marketapFixture();
    const body = {
      events: [
        { user_id: 'u', name: 'a', event_id: 'evt-1', timestamp: '2025-01-17T05:39:22+09:00' },
        { user_id: 'u', name: 'a', event_id: 'evt-2', timestamp: '2025-01-17T05:39:23+09:00' },
      ],
    };
    const one = await f.post('/v1/api/events', body);
    await f.t.runtime.queue.drain();
    f.clock.advance(10_000);
    const two = await f.post('/v1/api/events', body);
    expect([one.statusCode, two.statusCode]).toEqual([202, 202]);
    expect(two.json().job_id).not.toBe(one.json().job_id);
    await f.t.runtime.queue.drain();
    expect((await events()).map((e) => e.event_key)).toEqual(['evt-1', 'evt-2']);
  });

  it('the whole request is validated first: one bad event is a 400 naming its field, and nothing is queued or registered', async () => {
    f = await marketapFixture({ limits: { bulk_requests: 1000 } });
    expect((await f.post('/v1/api/events', { events: [{ user_id: 'u', name: 'purchase', properties: { amount: 100 } }] })).statusCode).toBe(202);
    await f.t.runtime.queue.drain();
    const before = await f.t.runtime.taxonomy.list(f.project.id);
    const good = { user_id: 'u', name: 'brand_new_event', properties: { brand_new_prop: 'x' } };
    const cases: [unknown, string, string][] = [
      [
        { user_id: 'u', name: 'x', timestamp: '2025-01-17T05:39:22' },
        'events[1].timestamp',
        'events[1].timestamp must be an ISO 8601 datetime with Z or an offset, e.g. 2025-01-17T05:39:22+09:00',
      ],
      [
        { user_id: 'u', name: 'x', timestamp: '2025-02-30T05:39:22Z' },
        'events[1].timestamp',
        'events[1].timestamp must be an ISO 8601 datetime with Z or an offset, e.g. 2025-01-17T05:39:22+09:00',
      ],
      [{ user_id: 'u', name: 'x', timestamp: 1737072000000 }, 'events[1].timestamp', 'events[1].timestamp must be a string or null'],
      [{ user_id: 'u' }, 'events[1].name', 'events[1].name (or event_name) is required and must be a non-empty string'],
      [{ user_id: 'u', name: 'a', event_name: 'b' }, 'events[1].event_name', 'events[1]: name and event_name differ; send one of them'],
      [
        { user_id: 'u', name: 'bad name!' },
        'events[1].name',
        'events[1].name must be 1-128 characters of letters, digits, _ . $ -, starting with a letter, digit, _ or $',
      ],
      [{ name: 'x' }, 'events[1].user_id', 'events[1]: one of user_id or device_id is required'],
      [{ user_id: null, device_id: null, name: 'x' }, 'events[1].user_id', 'events[1]: one of user_id or device_id is required'],
      [{ user_id: true, name: 'x' }, 'events[1].user_id', 'events[1].user_id must be a string, an integer or null'],
      [
        { user_id: 'anonymous', name: 'x' },
        'events[1].user_id',
        'events[1].user_id needs at least one usable identifier (external_id, email, phone, kakao_user_id, line_user_id, device_id); empty, null-like, placeholder and all-zero values do not identify anyone',
      ],
      [
        { user_id: 'u', name: 'purchase', properties: { amount: 'lots' } },
        'events[1].properties.amount',
        'events[1].properties.amount must be a Long (an integer)',
      ],
      [{ user_id: 'u', name: 'x', properties: 'amount=1' }, 'events[1].properties', 'events[1].properties must be a JSON object or null'],
      [{ user_id: 'u', name: 'x', items: { df_item_id: 'a' } }, 'events[1].items', 'events[1].items must be an array or null'],
      [{ user_id: 'u', name: 'x', items: [{ df_price: 'free' }] }, 'events[1].items[0].df_price', 'events[1].items[0].df_price must be a Double (a number)'],
      [{ user_id: 'u', name: 'x', event_id: '' }, 'events[1].event_id', 'events[1].event_id must be a non-empty string of at most 200 characters'],
      [
        { user_id: 'u', name: 'x', extra: 1 },
        'events[1].extra',
        'events[1].extra is not a field of this request; use user_id, device_id, name, event_name, event_id, timestamp, properties, items',
      ],
      [{ user_id: 'u', name: 'x', properties: { id: 'x' } }, 'events[1].properties.id', 'events[1].properties.id: id is reserved and cannot be set'],
      [
        { user_id: 'u', name: 'x', properties: { brand_new_prop: 5 } },
        'events[1].properties.brand_new_prop',
        'events[1].properties.brand_new_prop must be a String',
      ],
    ];
    for (const [bad, field, message] of cases) {
      const r = await f.post('/v1/api/events', { events: [good, bad] });
      expect(r.statusCode, JSON.stringify(bad)).toBe(400);
      expect(r.json(), JSON.stringify(bad)).toEqual({ error: { code: 'invalid_input', message, field } });
    }
    for (const [body, field] of [
      [{ events: [] }, 'events'],
      [{ events: 'x' }, 'events'],
      [{ events: [good, 3] }, 'events[1]'],
    ] as const) {
      const r = await f.post('/v1/api/events', body);
      expect(r.statusCode).toBe(400);
      expect(r.json().error.field).toBe(field);
    }
    expect(await rows(f.t, 'event_batches', f.project.id)).toEqual([]);
    expect((await rows(f.t, 'jobs', f.project.id)).map((j) => j.state)).toEqual(['done']); // only the first request's
    expect(await f.t.runtime.taxonomy.list(f.project.id)).toEqual(before);
    expect(await f.t.runtime.events.count(f.project.id)).toBe(1);
  });

  it('a property registered with another type between validation and commit refuses the request (no batch a worker could not store)', async () => {
    f = await marketapFixture();
    // Another process registered `level` as a Long; this process's taxonomy cache has not seen it yet.
    await f.t.runtime.taxonomy.get(f.project.id); // warm the cache
    await f.t.runtime.store.write((tx) =>
      tx
        .insertInto('properties')
        .values({ project_id: f.project.id, scope: 'event', name: 'level', type: 'long', origin: 'observed', created_at: f.clock.now() })
        .execute(),
    );
    const r = await f.post('/v1/api/events', { events: [{ user_id: 'u', name: 'x', properties: { level: 'high' } }] });
    expect(r.statusCode).toBe(400);
    expect(r.json()).toEqual({
      error: {
        code: 'invalid_input',
        message: 'events[0].properties.level must be a Long (the event property level is registered with that type)',
        field: 'events[0].properties.level',
      },
    });
    expect(await rows(f.t, 'event_batches', f.project.id)).toEqual([]);
    expect(await rows(f.t, 'jobs', f.project.id)).toEqual([]);
  });

  it('a strict project refuses unregistered event names and properties', async () => {
    f = await marketapFixture({ strictTaxonomy: true });
    const r = await f.post('/v1/api/events', {
      events: [
        { user_id: 'u', name: 'df_login' },
        { user_id: 'u', name: 'custom_thing' },
      ],
    });
    expect(r.statusCode).toBe(400);
    expect(r.json()).toEqual({ error: { code: 'invalid_input', message: 'events[1].name: event custom_thing is not registered', field: 'events[1].name' } });
    const p = await f.post('/v1/api/events', { events: [{ user_id: 'u', name: 'df_login', properties: { custom: 1 } }] });
    expect(p.json().error.field).toBe('events[0].properties.custom');
    expect(await rows(f.t, 'jobs', f.project.id)).toEqual([]);
    expect((await f.post('/v1/api/events', { events: [{ user_id: 'u', name: 'df_login' }] })).statusCode).toBe(202);
  });

  it('an event that no longer fits the taxonomy when the worker runs is skipped; the rest of its batch is stored', async () => {
    f = await marketapFixture();
    const r = await f.post('/v1/api/events', {
      events: [
        { user_id: 'u', name: 'x', properties: { note: 'a' } },
        { user_id: 'u', name: 'y' },
      ],
    });
    expect(r.statusCode).toBe(202);
    // An operator's change between acceptance and storage (not possible through the API, which never retypes).
    await f.t.runtime.store.write((tx) =>
      tx.updateTable('properties').set({ type: 'long' }).where('project_id', '=', f.project.id).where('name', '=', 'note').execute(),
    );
    f.t.runtime.taxonomy.invalidate(f.project.id);
    await f.t.runtime.queue.drain();
    expect((await events()).map((e) => e.name)).toEqual(['y']);
    expect(await rows(f.t, 'event_batches', f.project.id)).toEqual([]);
    expect((await rows(f.t, 'jobs', f.project.id)).map((j) => j.state)).toEqual(['done']);
  });
});
