import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { EMBEDDED_STORE } from '../helpers/scale.ts';
import { pino } from 'pino';
import type { LightMyRequestResponse } from 'fastify';
import { buildTestApp, createProject, ManualClock, type TestApp } from '../helpers/app.ts';
import type { IssuedCredentials } from '../../src/core/credentials/credentials.service.ts';
import type { Project } from '../../src/core/projects/projects.types.ts';
import type { EventRow, EventTypeRow, IdentifierRow, ProfileAliasRow, ProfileRow, PropertyRow } from '../../src/platform/db/schema.ts';

/**
 * The DFINERY Import API face (seeds 000–002) through app.inject(), on a real runtime and SQLite file.
 * Every response is asserted exactly; every rejected request is checked to have stored nothing.
 */

const T0 = Date.UTC(2025, 0, 6, 1, 0, 0); // on a minute boundary
const DAY = 24 * 60 * 60 * 1000;
const OK = { status: true, code: '20000', message: 'OK', data: true };

// ---- the request examples of the seeds, verbatim -------------------------------------------------------------
const SEED_EVENTS = {
  common: { identity: { external_id: 'dfn-user-123', email: 'dfn@gmail.com' } },
  events: [
    {
      event_log_id: 'b0c9cf18-f3c0-4879-bb2e-92c65858dabc',
      event_name: 'df_login',
      event_datetime: '2024-06-24T06:01:48.501Z',
      event_properties: null,
      event_items: null,
    },
    {
      event_log_id: '464bc021-9c56-481e-8ee8-3bf06de7c418',
      event_name: 'df_purchase',
      event_datetime: '2024-06-24T06:42:25.394Z',
      event_properties: { df_order_id: 'dwtfmoe', df_delivery_charge: 1000, df_payment_method: 'card', df_total_purchase_amount: 4000 },
      event_items: [{ df_item_id: '1', df_item_name: 'item1', df_price: 3000, df_quantity: 1, df_discount: 0 }],
    },
  ],
};
const SEED_IDENTITIES = {
  identity: { external_id: 'dfn-user-123', email: 'dfn@gmail.com', phone_no: '821012345678' },
  request_datetime: '2024-06-24T06:01:48.501Z',
};
const SEED_USER_PROFILE = {
  identity: { external_id: 'dfn-user-123' },
  user_properties: { df_gender: 'Female' },
  request_datetime: '2024-05-14T06:05:46.363Z',
};

const clone = <T>(v: T): T => structuredClone(v);

let t: TestApp;
let clock: ManualClock;
let project: Project;
let creds: IssuedCredentials;

async function setup(options: Parameters<typeof buildTestApp>[0] = {}, settings?: Record<string, unknown>) {
  clock = new ManualClock(T0);
  t = await buildTestApp({ clock, ...options });
  ({ project, credentials: creds } = await createProject(t.runtime, { settings }));
}

type Path = '/api/v1/events' | '/api/v1/identities' | '/api/v1/user-profile';

function post(path: Path, body: unknown, opts: { token?: string | null; serviceId?: string | null; headers?: Record<string, string>; raw?: string } = {}) {
  const serviceId = opts.serviceId === undefined ? project.id : opts.serviceId;
  const token = opts.token === undefined ? creds.import_token : opts.token;
  const headers: Record<string, string> = { 'content-type': 'application/json', ...opts.headers };
  if (token !== null) headers.access_token = token;
  return t.app.inject({
    method: 'POST',
    url: serviceId === null ? path : `${path}?service_id=${encodeURIComponent(serviceId)}`,
    headers,
    payload: opts.raw ?? JSON.stringify(body),
  });
}

const json = (r: LightMyRequestResponse) => JSON.parse(r.body);

/** Every row the import API can write, for this project (for "stores nothing" and "changes nothing"). */
async function dump(projectId = project.id) {
  const db = t.runtime.store.db;
  const rows = async <R>(table: 'events' | 'profiles' | 'identifiers' | 'profile_aliases' | 'event_types' | 'properties'): Promise<R[]> =>
    (await db.selectFrom(table).selectAll().where('project_id', '=', projectId).execute())
      .map((r) => ({ ...r }) as R)
      .sort((a, b) => (JSON.stringify(a) < JSON.stringify(b) ? -1 : 1));
  return {
    events: await rows<Omit<EventRow, 'seq'> & { seq: number }>('events'),
    profiles: await rows<ProfileRow>('profiles'),
    identifiers: await rows<IdentifierRow>('identifiers'),
    aliases: await rows<ProfileAliasRow>('profile_aliases'),
    eventTypes: await rows<EventTypeRow>('event_types'),
    properties: await rows<PropertyRow>('properties'),
  };
}

async function expectRejected(
  r: LightMyRequestResponse,
  expected: { status?: number; code: string; message: string; field?: string; reason?: RegExp },
  before: Awaited<ReturnType<typeof dump>>,
) {
  const body = json(r);
  expect({ status: r.statusCode, envelope: { status: body.status, code: body.code, message: body.message } }).toEqual({
    status: expected.status ?? 200,
    envelope: { status: false, code: expected.code, message: expected.message },
  });
  if (expected.field !== undefined) expect(body.data.field).toBe(expected.field);
  if (expected.reason) expect(body.data.reason).toMatch(expected.reason);
  expect(await dump()).toEqual(before);
  return body;
}

const events = (n: number, over: (i: number) => Record<string, unknown> = () => ({})) => ({
  common: { identity: { external_id: 'bulk-user' } },
  events: Array.from({ length: n }, (_, i) => ({
    event_log_id: `log-${i}`,
    event_name: 'df_view_home',
    event_datetime: '2025-01-05T10:00:00.000Z',
    ...over(i),
  })),
});

describe('DFINERY Import API', () => {
  afterEach(async () => {
    await t.close();
  });

  describe('the seed examples return the seed responses', () => {
    beforeEach(() => setup());

    test('a resent batch is acknowledged, stored once, and its events counted in maru_events_duplicate_total', async () => {
      const duplicates = async () => {
        const m = await t.app.inject({ method: 'GET', url: '/metrics' });
        return Number(/^maru_events_duplicate_total (\d+)$/m.exec(m.body)?.[1]);
      };
      expect(await duplicates()).toBe(0);
      expect(json(await post('/api/v1/events', SEED_EVENTS))).toEqual(OK);
      expect(await duplicates()).toBe(0);
      expect(json(await post('/api/v1/events', SEED_EVENTS))).toEqual(OK);
      expect(await duplicates()).toBe(2);
      await t.runtime.events.flush();
      expect((await dump()).events).toHaveLength(2);
      expect(await duplicates()).toBe(2); // counted once, not again at a merge
    });

    test('POST /api/v1/events (seed 002) stores both events, the purchase with its properties and item', async () => {
      const r = await post('/api/v1/events', SEED_EVENTS);
      expect(r.statusCode).toBe(200);
      expect(r.headers['content-type']).toBe('application/json; charset=utf-8');
      expect(json(r)).toEqual(OK);

      const d = await dump();
      expect(d.profiles).toHaveLength(1);
      const profileId = d.profiles[0].id;
      expect(d.identifiers.map((i) => [i.type, i.value, i.raw, i.profile_id])).toEqual([
        ['email', 'dfn@gmail.com', 'dfn@gmail.com', profileId],
        ['external_id', 'dfn-user-123', 'dfn-user-123', profileId],
      ]);
      const stored = d.events.sort((a, b) => a.occurred_at - b.occurred_at).map(({ seq: _seq, ...e }) => e);
      expect(stored).toEqual([
        {
          project_id: project.id,
          occurred_at: Date.parse('2024-06-24T06:01:48.501Z'),
          event_key: 'b0c9cf18-f3c0-4879-bb2e-92c65858dabc',
          name: 'df_login',
          received_at: T0,
          profile_id: profileId,
          properties: null,
          items: null,
          source: 'api',
        },
        {
          project_id: project.id,
          occurred_at: Date.parse('2024-06-24T06:42:25.394Z'),
          event_key: '464bc021-9c56-481e-8ee8-3bf06de7c418',
          name: 'df_purchase',
          received_at: T0,
          profile_id: profileId,
          properties: JSON.stringify({ df_order_id: 'dwtfmoe', df_delivery_charge: 1000, df_payment_method: 'card', df_total_purchase_amount: 4000 }),
          items: JSON.stringify([{ df_item_id: '1', df_item_name: 'item1', df_price: 3000, df_quantity: 1, df_discount: 0 }]),
          source: 'api',
        },
      ]);
    });

    test('POST /api/v1/identities (seed 001) creates one profile with the three identifiers', async () => {
      const r = await post('/api/v1/identities', SEED_IDENTITIES);
      expect(r.statusCode).toBe(200);
      expect(json(r)).toEqual(OK);
      const d = await dump();
      expect(d.profiles).toHaveLength(1);
      expect(d.identifiers.map((i) => [i.type, i.value, i.raw])).toEqual([
        ['email', 'dfn@gmail.com', 'dfn@gmail.com'],
        ['external_id', 'dfn-user-123', 'dfn-user-123'],
        ['phone', '+821012345678', '821012345678'],
      ]);
    });

    test('POST /api/v1/user-profile (seed 002) sets df_gender on the profile of the external_id', async () => {
      const r = await post('/api/v1/user-profile', SEED_USER_PROFILE);
      expect(r.statusCode).toBe(200);
      expect(json(r)).toEqual(OK);
      const d = await dump();
      expect(d.profiles.map((p) => JSON.parse(p.properties))).toEqual([{ df_gender: 'Female' }]);
      expect(d.identifiers.map((i) => [i.type, i.value])).toEqual([['external_id', 'dfn-user-123']]);
    });

    test('the three examples together describe one person', async () => {
      for (const [path, body] of [
        ['/api/v1/identities', SEED_IDENTITIES],
        ['/api/v1/user-profile', SEED_USER_PROFILE],
        ['/api/v1/events', SEED_EVENTS],
      ] as const) {
        expect(json(await post(path, body))).toEqual(OK);
      }
      const d = await dump();
      expect(d.profiles).toHaveLength(1);
      expect(new Set(d.events.map((e) => e.profile_id))).toEqual(new Set([d.profiles[0].id]));
    });
  });

  describe('replaying an accepted request changes nothing (D5)', () => {
    beforeEach(() => setup());

    test.each([
      ['/api/v1/events', SEED_EVENTS],
      ['/api/v1/identities', SEED_IDENTITIES],
      ['/api/v1/user-profile', SEED_USER_PROFILE],
    ] as const)('%s', async (path, body) => {
      expect(json(await post(path, body))).toEqual(OK);
      const after = await dump();
      clock.advance(3 * DAY); // however long ago the first copy came
      expect(json(await post(path, body))).toEqual(OK);
      expect(json(await post(path, body))).toEqual(OK);
      expect(await dump()).toEqual(after);
    });

    test('a retry of a batch that partly arrived before stores only the missing events', async () => {
      expect(json(await post('/api/v1/events', events(3)))).toEqual(OK);
      expect(json(await post('/api/v1/events', events(5)))).toEqual(OK);
      const d = await dump();
      expect(d.events.map((e) => e.event_key).sort()).toEqual(['log-0', 'log-1', 'log-2', 'log-3', 'log-4']);
    });

    test('the same event_log_id with another event_datetime is another event (the key is time + id)', async () => {
      expect(json(await post('/api/v1/events', events(1)))).toEqual(OK);
      expect(
        json(
          await post(
            '/api/v1/events',
            events(1, () => ({ event_datetime: '2025-01-05T10:00:01.000Z' })),
          ),
        ),
      ).toEqual(OK);
      expect((await dump()).events).toHaveLength(2);
    });

    test('the same datetime written with another offset is the same instant, so the same event', async () => {
      expect(json(await post('/api/v1/events', events(1)))).toEqual(OK);
      expect(
        json(
          await post(
            '/api/v1/events',
            events(1, () => ({ event_datetime: '2025-01-05T19:00:00+09:00' })),
          ),
        ),
      ).toEqual(OK);
      expect((await dump()).events).toHaveLength(1);
    });
  });

  describe('40000 BAD_REQUEST: a body that is not JSON (HTTP 400)', () => {
    beforeEach(() => setup());

    test.each(['/api/v1/events', '/api/v1/identities', '/api/v1/user-profile'] as const)('%s with malformed JSON', async (path) => {
      const before = await dump();
      const r = await post(path, undefined, { raw: '{"common": {"identity": {"external_id": "u1"}}, "events": [' });
      const body = await expectRejected(r, { status: 400, code: '40000', message: 'BAD_REQUEST' }, before);
      expect(body.data.reason).toMatch(/malformed JSON/);
    });

    test('an empty JSON body', async () => {
      const before = await dump();
      await expectRejected(await post('/api/v1/events', undefined, { raw: '' }), { status: 400, code: '40000', message: 'BAD_REQUEST' }, before);
    });

    test('a body that is not application/json', async () => {
      const before = await dump();
      const r = await post('/api/v1/events', undefined, { raw: 'events=1', headers: { 'content-type': 'application/x-www-form-urlencoded' } });
      await expectRejected(r, { status: 400, code: '40000', message: 'BAD_REQUEST' }, before);
    });
  });

  describe('40001 VALIDATION_FAILURE names the event index and the field; nothing of the request is stored', () => {
    beforeEach(() => setup());

    const cases: [string, (b: typeof SEED_EVENTS) => void, string, RegExp][] = [
      ['an unregistered event', (b) => (b.events[1].event_name = 'my_custom_event'), 'events[1].event_name', /event my_custom_event is not registered/],
      [
        'an unregistered event property',
        (b) => ((b.events[1].event_properties as Record<string, unknown>).coupon_code = 'X'),
        'events[1].event_properties.coupon_code',
        /event property coupon_code is not registered/,
      ],
      [
        'an unregistered item property',
        (b) => ((b.events[1].event_items![0] as Record<string, unknown>).color = 'red'),
        'events[1].event_items[0].color',
        /item property color is not registered/,
      ],
      [
        'a value of the wrong type (String for Double)',
        (b) => ((b.events[1].event_properties as Record<string, unknown>).df_delivery_charge = '1000'),
        'events[1].event_properties.df_delivery_charge',
        /must be a Double/,
      ],
      [
        'a Double for a Long item property',
        (b) => ((b.events[1].event_items![0] as Record<string, unknown>).df_quantity = 1.5),
        'events[1].event_items[0].df_quantity',
        /must be a Long/,
      ],
      ['a datetime without a zone', (b) => (b.events[0].event_datetime = '2024-06-24T06:01:48.501'), 'events[0].event_datetime', /Z or an offset/],
      ['a datetime that does not exist', (b) => (b.events[0].event_datetime = '2024-02-30T06:01:48Z'), 'events[0].event_datetime', /ISO 8601/],
      ['a date only, for a datetime', (b) => (b.events[0].event_datetime = '2024-06-24'), 'events[0].event_datetime', /ISO 8601/],
      ['a missing event_log_id', (b) => delete (b.events[1] as Partial<(typeof b.events)[1]>).event_log_id, 'events[1].event_log_id', /required/],
      ['an empty event_log_id', (b) => (b.events[0].event_log_id = ''), 'events[0].event_log_id', /non-empty string/],
      ['an event_log_id over 200 characters', (b) => (b.events[0].event_log_id = 'x'.repeat(201)), 'events[0].event_log_id', /at most 200/],
      ['a numeric event_log_id', (b) => ((b.events[0] as Record<string, unknown>).event_log_id = 12345), 'events[0].event_log_id', /string/],
      ['a missing event_datetime', (b) => delete (b.events[0] as Partial<(typeof b.events)[0]>).event_datetime, 'events[0].event_datetime', /required/],
      ['a missing event_name', (b) => delete (b.events[0] as Partial<(typeof b.events)[0]>).event_name, 'events[0].event_name', /required/],
      ['an unknown field in an event', (b) => ((b.events[0] as Record<string, unknown>).user_id = 'u'), 'events[0].user_id', /not a field/],
      [
        'event_properties that are not an object',
        (b) => ((b.events[0] as Record<string, unknown>).event_properties = [1]),
        'events[0].event_properties',
        /object/,
      ],
      [
        'event_items that are not an array',
        (b) => ((b.events[0] as Record<string, unknown>).event_items = { df_item_id: '1' }),
        'events[0].event_items',
        /array/,
      ],
      [
        'a reserved property name',
        (b) => ((b.events[1].event_properties as Record<string, unknown>).df_unified_id = 'abc'),
        'events[1].event_properties.df_unified_id',
        /reserved/,
      ],
      ['no identity', (b) => delete (b.common as Partial<typeof b.common>).identity, 'common.identity', /required/],
      ['an identity of blocked values only', (b) => (b.common.identity = { external_id: 'anonymous', email: '' }), 'common.identity', /usable identifier/],
      [
        'an unknown identity field',
        (b) => ((b.common.identity as Record<string, unknown>).device_id = 'd1'),
        'common.identity.device_id',
        /is not a field of this request; use external_id, email, phone_no, kakao_user_id, line_user_id/,
      ],
      ['a numeric identifier', (b) => ((b.common.identity as Record<string, unknown>).external_id = 123), 'common.identity.external_id', /must be a string/],
      ['no events', (b) => (b.events = []), 'events', /must not be empty/],
      ['events that are not an array', (b) => ((b as Record<string, unknown>).events = { a: 1 }), 'events', /array/],
      ['no common', (b) => delete (b as Partial<typeof b>).common, 'common', /required/],
    ];

    test.each(cases)('%s', async (_name, mutate, field, reason) => {
      const body = clone(SEED_EVENTS);
      mutate(body);
      const before = await dump();
      const r = await post('/api/v1/events', body);
      const got = await expectRejected(r, { code: '40001', message: 'VALIDATION_FAILURE', field }, before);
      expect(got.data.reason).toMatch(reason);
      expect(got.data.reason).toContain(field);
    });

    test('the valid first event of a rejected request is not stored either', async () => {
      const body = clone(SEED_EVENTS);
      body.events[1].event_name = 'unregistered';
      const before = await dump();
      await expectRejected(await post('/api/v1/events', body), { code: '40001', message: 'VALIDATION_FAILURE', field: 'events[1].event_name' }, before);
      expect(before.events).toEqual([]);
      expect(before.identifiers).toEqual([]);
    });

    test('an event registered afterwards is accepted', async () => {
      const body = clone(SEED_EVENTS);
      body.events[1].event_name = 'my_custom_event';
      body.events[1].event_items = null;
      body.events[1].event_properties = { df_order_id: 'o1' } as never;
      expect(json(await post('/api/v1/events', body)).code).toBe('40001');
      await t.runtime.taxonomy.apply(project.id, { events: ['my_custom_event'] });
      expect(json(await post('/api/v1/events', body))).toEqual(OK);
    });

    test('event_log_id is any non-empty string up to 200 characters', async () => {
      const body = events(3, (i) => ({ event_log_id: ['order-1:line-2', 'x'.repeat(200), '주문-1'][i] }));
      expect(json(await post('/api/v1/events', body))).toEqual(OK);
      expect((await dump()).events.map((e) => e.event_key).sort()).toEqual(['order-1:line-2', 'x'.repeat(200), '주문-1'].sort());
    });

    test('datetimes with an offset and without milliseconds are accepted and stored as UTC', async () => {
      const body = events(3, (i) => ({ event_datetime: ['2024-06-24T15:01:48+09:00', '2024-06-24T06:01:48Z', '2024-06-24T06:01:48.123456Z'][i] }));
      expect(json(await post('/api/v1/events', body))).toEqual(OK);
      expect((await dump()).events.map((e) => e.occurred_at).sort()).toEqual([
        Date.parse('2024-06-24T06:01:48Z'),
        Date.parse('2024-06-24T06:01:48Z'),
        Date.parse('2024-06-24T06:01:48.123Z'),
      ]);
    });

    test('/api/v1/identities: request_datetime without a zone', async () => {
      const before = await dump();
      const body = { ...clone(SEED_IDENTITIES), request_datetime: '2024-06-24T06:01:48' };
      await expectRejected(await post('/api/v1/identities', body), { code: '40001', message: 'VALIDATION_FAILURE', field: 'request_datetime' }, before);
    });

    test('/api/v1/identities: no identity', async () => {
      const before = await dump();
      await expectRejected(
        await post('/api/v1/identities', { request_datetime: '2024-06-24T06:01:48Z' }),
        { code: '40001', message: 'VALIDATION_FAILURE', field: 'identity' },
        before,
      );
    });

    test('/api/v1/identities: the body is not an object', async () => {
      const before = await dump();
      await expectRejected(await post('/api/v1/identities', [SEED_IDENTITIES]), { code: '40001', message: 'VALIDATION_FAILURE', field: 'body' }, before);
    });
  });

  describe('40101 INVALID_SERVICE_ID', () => {
    beforeEach(() => setup());

    test.each(['/api/v1/events', '/api/v1/identities', '/api/v1/user-profile'] as const)('%s with an unknown service_id', async (path) => {
      const before = await dump();
      const r = await post(path, SEED_EVENTS, { serviceId: 'no-such-service' });
      expect(r.statusCode).toBe(200);
      expect(json(r)).toEqual({ status: false, code: '40101', message: 'INVALID_SERVICE_ID', data: null });
      expect(await dump()).toEqual(before);
    });

    test('a missing service_id', async () => {
      const r = await post('/api/v1/events', SEED_EVENTS, { serviceId: null });
      expect(r.statusCode).toBe(200);
      expect(json(r)).toEqual({ status: false, code: '40101', message: 'INVALID_SERVICE_ID', data: null });
    });

    test('is checked before the body is read', async () => {
      const r = await post('/api/v1/events', undefined, { serviceId: 'no-such-service', raw: '{broken' });
      expect(json(r).code).toBe('40101');
    });
  });

  describe('40201 INVALID_TOKEN', () => {
    const INVALID_TOKEN = { status: false, code: '40201', message: 'INVALID_TOKEN', data: null };
    beforeEach(() => setup());

    test.each<[string, () => string | null]>([
      ['no access_token header', () => null],
      ['an unknown token', () => 'maru_imp_notarealtoken000000000000000000000000'],
      ['an empty token', () => ''],
      ['the export token of the same project', () => creds.export_token],
      ['the api key of the same project', () => creds.api_key],
    ])('%s', async (_name, token) => {
      for (const path of ['/api/v1/events', '/api/v1/identities', '/api/v1/user-profile'] as const) {
        const before = await dump();
        const r = await post(path, path === '/api/v1/events' ? SEED_EVENTS : SEED_IDENTITIES, { token: token() });
        expect(r.statusCode).toBe(200);
        expect(json(r)).toEqual(INVALID_TOKEN);
        expect(await dump()).toEqual(before);
      }
    });

    test("another project's import token", async () => {
      const other = await createProject(t.runtime, { name: 'other' });
      const r = await post('/api/v1/events', SEED_EVENTS, { token: other.credentials.import_token });
      expect(json(r)).toEqual(INVALID_TOKEN);
      // ... which works for its own project
      expect(json(await post('/api/v1/events', SEED_EVENTS, { token: other.credentials.import_token, serviceId: other.project.id }))).toEqual(OK);
      expect((await dump()).events).toEqual([]);
      expect((await dump(other.project.id)).events).toHaveLength(2);
    });

    test('is checked before the body is read', async () => {
      const r = await post('/api/v1/events', undefined, { token: 'wrong', raw: '{broken' });
      expect(json(r)).toEqual(INVALID_TOKEN);
    });

    test('a reissued token: the old one keeps working for 14 days, then stops; the new one works', async () => {
      const old = creds.import_token;
      const { import: fresh } = await t.runtime.credentials.reissue(project.id, 'import');
      expect(fresh).toMatch(/^maru_imp_/);
      expect(fresh).not.toBe(old);
      expect(json(await post('/api/v1/identities', SEED_IDENTITIES, { token: old }))).toEqual(OK);
      expect(json(await post('/api/v1/identities', SEED_IDENTITIES, { token: fresh }))).toEqual(OK);
      clock.advance(14 * DAY - 1);
      expect(json(await post('/api/v1/identities', SEED_IDENTITIES, { token: old }))).toEqual(OK);
      clock.advance(1);
      expect(json(await post('/api/v1/identities', SEED_IDENTITIES, { token: old }))).toEqual(INVALID_TOKEN);
      expect(json(await post('/api/v1/identities', SEED_IDENTITIES, { token: fresh }))).toEqual(OK);
    });

    test('reissuing the export token does not touch the import token', async () => {
      await t.runtime.credentials.reissue(project.id, 'export');
      clock.advance(15 * DAY);
      expect(json(await post('/api/v1/identities', SEED_IDENTITIES))).toEqual(OK);
    });
  });

  describe('40401 TOO_MANY_REQUEST (HTTP 429) and the rate-limit headers', () => {
    test('events are counted per event against limits.event_ingest; an over-limit request takes nothing and stores nothing', async () => {
      await setup({}, { limits: { event_ingest: 5 } });
      const ok1 = await post('/api/v1/events', events(3));
      expect(json(ok1)).toEqual(OK);
      expect([ok1.headers['x-ratelimit-limit'], ok1.headers['x-ratelimit-remaining'], ok1.headers['x-ratelimit-reset']]).toEqual([
        '1m',
        '2',
        String(T0 + 60_000),
      ]);
      expect(ok1.headers['retry-after']).toBeUndefined();

      clock.advance(15_000);
      const before = await dump();
      const over = await post(
        '/api/v1/events',
        events(3, (i) => ({ event_log_id: `more-${i}` })),
      );
      expect(over.statusCode).toBe(429);
      expect(json(over)).toEqual({ status: false, code: '40401', message: 'TOO_MANY_REQUEST', data: null });
      expect([
        over.headers['x-ratelimit-limit'],
        over.headers['x-ratelimit-remaining'],
        over.headers['x-ratelimit-reset'],
        over.headers['retry-after'],
      ]).toEqual(['1m', '2', String(T0 + 60_000), '45']);
      expect(await dump()).toEqual(before);

      // The 2 left are still there (all or nothing), then the quota is spent.
      const ok2 = await post(
        '/api/v1/events',
        events(2, (i) => ({ event_log_id: `last-${i}` })),
      );
      expect(json(ok2)).toEqual(OK);
      expect(ok2.headers['x-ratelimit-remaining']).toBe('0');
      expect(
        (
          await post(
            '/api/v1/events',
            events(1, () => ({ event_log_id: 'one-more' })),
          )
        ).statusCode,
      ).toBe(429);

      // The next window starts afresh.
      clock.set(T0 + 60_000);
      const next = await post(
        '/api/v1/events',
        events(1, () => ({ event_log_id: 'next-window' })),
      );
      expect(json(next)).toEqual(OK);
      expect([next.headers['x-ratelimit-remaining'], next.headers['x-ratelimit-reset']]).toEqual(['4', String(T0 + 120_000)]);
      expect((await dump()).events).toHaveLength(6);
    });

    test('failed authentication does not consume quota', async () => {
      await setup({}, { limits: { identity_requests: 2 } });
      for (let i = 0; i < 5; i++) expect(json(await post('/api/v1/identities', SEED_IDENTITIES, { token: 'maru_imp_wrong' })).code).toBe('40201');
      for (let i = 0; i < 5; i++) expect(json(await post('/api/v1/identities', SEED_IDENTITIES, { serviceId: 'unknown' })).code).toBe('40101');
      const a = await post('/api/v1/identities', SEED_IDENTITIES);
      expect(json(a)).toEqual(OK);
      expect(a.headers['x-ratelimit-remaining']).toBe('1');
      expect(json(await post('/api/v1/identities', SEED_IDENTITIES))).toEqual(OK);
      const c = await post('/api/v1/identities', SEED_IDENTITIES);
      expect(c.statusCode).toBe(429);
      expect(json(c).code).toBe('40401');
    });

    test('identities and user-profile are limited per request, each on its own quota (default 10,000/minute)', async () => {
      await setup({}, { limits: { profile_requests: 1 } });
      const id1 = await post('/api/v1/identities', SEED_IDENTITIES);
      expect([id1.headers['x-ratelimit-limit'], id1.headers['x-ratelimit-remaining']]).toEqual(['1m', '9999']);
      expect(json(await post('/api/v1/user-profile', SEED_USER_PROFILE))).toEqual(OK);
      const before = await dump();
      const over = await post('/api/v1/user-profile', { ...SEED_USER_PROFILE, user_properties: { df_gender: 'Male' } });
      expect(over.statusCode).toBe(429);
      expect(json(over)).toEqual({ status: false, code: '40401', message: 'TOO_MANY_REQUEST', data: null });
      expect(await dump()).toEqual(before);
      // identities still has its own quota
      expect(json(await post('/api/v1/identities', SEED_IDENTITIES))).toEqual(OK);
    });

    test('the default event quota is 1,000,000 per minute', async () => {
      await setup();
      const r = await post('/api/v1/events', SEED_EVENTS);
      expect([r.headers['x-ratelimit-limit'], r.headers['x-ratelimit-remaining']]).toEqual(['1m', '999998']);
    });
  });

  describe('40402 TOO_MANY_EVENTS', () => {
    beforeEach(() => setup());

    test('more than 100 events', async () => {
      const before = await dump();
      const body = await expectRejected(await post('/api/v1/events', events(101)), { code: '40402', message: 'TOO_MANY_EVENTS' }, before);
      expect(body.data.reason).toMatch(/at most 100 events/);
    });

    test('100 events are accepted', async () => {
      expect(json(await post('/api/v1/events', events(100)))).toEqual(OK);
      expect((await dump()).events).toHaveLength(100);
    });

    test('more than 100 items across the events of a request', async () => {
      const item = { df_item_id: 'i', df_price: 1, df_quantity: 1 };
      const before = await dump();
      const body = events(3, (i) => ({ event_name: 'df_purchase', event_items: Array.from({ length: [50, 40, 11][i] }, () => item) }));
      await expectRejected(await post('/api/v1/events', body), { code: '40402', message: 'TOO_MANY_EVENTS', reason: /at most 100 event items/ }, before);
      const exactly = events(3, (i) => ({ event_name: 'df_purchase', event_items: Array.from({ length: [50, 40, 10][i] }, () => item) }));
      expect(json(await post('/api/v1/events', exactly))).toEqual(OK);
      expect((await dump()).events.map((e) => JSON.parse(e.items!).length).sort()).toEqual([10, 40, 50]);
    });
  });

  describe('40403 TOO_MANY_USER_PROFILES', () => {
    beforeEach(() => setup());
    const profile = (i: number) => ({ identity: { external_id: `u${i}` }, user_properties: { df_membership: `m${i}` } });

    test('an array body of more than 100 profiles', async () => {
      const before = await dump();
      const body = await expectRejected(
        await post(
          '/api/v1/user-profile',
          Array.from({ length: 101 }, (_, i) => profile(i)),
        ),
        { code: '40403', message: 'TOO_MANY_USER_PROFILES' },
        before,
      );
      expect(body.data.reason).toMatch(/at most 100 user profiles/);
    });

    test('an array body of 100 profiles is accepted and stores each', async () => {
      expect(
        json(
          await post(
            '/api/v1/user-profile',
            Array.from({ length: 100 }, (_, i) => profile(i)),
          ),
        ),
      ).toEqual(OK);
      const d = await dump();
      expect(d.profiles).toHaveLength(100);
      expect(d.profiles.map((p) => JSON.parse(p.properties).df_membership).sort()).toEqual(Array.from({ length: 100 }, (_, i) => `m${i}`).sort());
    });

    test('an array body is one unit: one invalid profile rejects all, naming its index', async () => {
      const before = await dump();
      const body = [profile(0), { identity: { external_id: 'u1' }, user_properties: { df_gender: 7 } }];
      await expectRejected(
        await post('/api/v1/user-profile', body),
        { code: '40001', message: 'VALIDATION_FAILURE', field: '[1].user_properties.df_gender' },
        before,
      );
    });
  });

  describe('413: a body over the limit', () => {
    test('is refused with HTTP 413 and stores nothing', async () => {
      await setup();
      const before = await dump();
      const big = events(1, () => ({ event_name: 'df_login', event_properties: { df_keyword: 'x'.repeat(1024 * 1024) } }));
      const r = await post('/api/v1/events', big);
      expect(r.statusCode).toBe(413);
      expect(json(r)).toMatchObject({ status: false, code: '40000', message: 'BAD_REQUEST' });
      expect(await dump()).toEqual(before);
    });

    test('the limit is MARU_BODY_LIMIT, and authentication still comes first', async () => {
      await setup({ env: { MARU_BODY_LIMIT: '2048' } });
      const body = events(1, () => ({ event_properties: { df_keyword: 'x'.repeat(3000) } }));
      expect((await post('/api/v1/events', body)).statusCode).toBe(413);
      expect(json(await post('/api/v1/events', body, { token: 'wrong' })).code).toBe('40201');
      expect(json(await post('/api/v1/events', events(1)))).toEqual(OK);
    });
  });

  describe('50000 INTERNAL_SERVER_ERROR', () => {
    // Breaks the embedded store's table on purpose and expects SQLite's message.
    test.skipIf(!EMBEDDED_STORE)('the body reveals nothing but an error id, which is in the log with the cause; nothing is stored', async () => {
      const lines: string[] = [];
      await setup({ log: pino({ level: 'info' }, { write: (s: string) => void lines.push(s) }) });
      // Seed the profile first so the failing request's identity work would be visible if it were kept.
      expect(json(await post('/api/v1/identities', { identity: { external_id: 'dfn-user-123' } }))).toEqual(OK);
      // A real fault in the store: the events table disappears.
      await t.runtime.store.write((tx) => tx.schema.alterTable('events').renameTo('events_moved_away').execute());
      const before = { ...(await dumpWithoutEvents()) };

      const r = await post('/api/v1/events', SEED_EVENTS);
      expect(r.statusCode).toBe(200);
      const body = json(r);
      expect(Object.keys(body).sort()).toEqual(['code', 'data', 'message', 'status']);
      expect(body).toEqual({ status: false, code: '50000', message: 'INTERNAL_SERVER_ERROR', data: { error_id: expect.stringMatching(/^[0-9a-f]{16}$/) } });
      expect(r.body).not.toMatch(/events|sqlite|table|stack/i);

      const logged = lines.map((l) => JSON.parse(l)).filter((l) => l.errorId === body.data.error_id);
      expect(logged).toHaveLength(1);
      expect(logged[0].level).toBe(50);
      expect(logged[0].err.message).toMatch(/no such table: events/);
      // The identifiers the failing unit added (the email) were rolled back with it.
      expect(await dumpWithoutEvents()).toEqual(before);

      await t.runtime.store.write((tx) => tx.schema.alterTable('events_moved_away').renameTo('events').execute());
      expect(json(await post('/api/v1/events', SEED_EVENTS))).toEqual(OK);
    });

    test('an unexpected error in a service: same envelope, and the secret of the request is not in the log', async () => {
      const lines: string[] = [];
      await setup({ log: pino({ level: 'info' }, { write: (s: string) => void lines.push(s) }) });
      t.runtime.profiles.upsert = async () => {
        throw new TypeError('cannot read properties of undefined (reading "x")');
      };
      const r = await post('/api/v1/user-profile', SEED_USER_PROFILE);
      const body = json(r);
      expect(body).toEqual({ status: false, code: '50000', message: 'INTERNAL_SERVER_ERROR', data: { error_id: expect.stringMatching(/^[0-9a-f]{16}$/) } });
      expect(lines.some((l) => l.includes(body.data.error_id) && l.includes('reading'))).toBe(true);
      expect(lines.join('\n')).not.toContain(creds.import_token);
    });

    async function dumpWithoutEvents() {
      const { events: _e, ...rest } = await (async () => {
        const db = t.runtime.store.db;
        const rows = async (table: 'profiles' | 'identifiers' | 'profile_aliases') =>
          (await db.selectFrom(table).selectAll().where('project_id', '=', project.id).execute()).map((r) => ({ ...r }));
        return { events: null, profiles: await rows('profiles'), identifiers: await rows('identifiers'), aliases: await rows('profile_aliases') };
      })();
      return rest;
    }
  });

  describe('/api/v1/identities', () => {
    beforeEach(() => setup());

    test('every identifier field of the seed is accepted; kakao and line ids identify too', async () => {
      const body = { identity: { external_id: 'u1', email: 'U1@Example.com', phone_no: '010-1234-5678', kakao_user_id: 'kakao-1', line_user_id: 'line-1' } };
      expect(json(await post('/api/v1/identities', body))).toEqual(OK);
      const d = await dump();
      expect(d.identifiers.map((i) => [i.type, i.value, i.raw])).toEqual([
        ['email', 'u1@example.com', 'U1@Example.com'],
        ['external_id', 'u1', 'u1'],
        ['kakao_user_id', 'kakao-1', 'kakao-1'],
        ['line_user_id', 'line-1', 'line-1'],
        ['phone', '+821012345678', '010-1234-5678'],
      ]);
      // Events sent with only the line id land on the same profile.
      const ev = events(1);
      ev.common.identity = { line_user_id: 'line-1' } as never;
      expect(json(await post('/api/v1/events', ev))).toEqual(OK);
      expect((await dump()).events[0].profile_id).toBe(d.profiles[0].id);
    });

    test('links identifiers first seen apart: two profiles merge into the older, the other id kept as an alias', async () => {
      expect(json(await post('/api/v1/identities', { identity: { email: 'dfn@gmail.com' } }))).toEqual(OK);
      clock.advance(1000);
      expect(json(await post('/api/v1/identities', { identity: { phone_no: '01012345678' } }))).toEqual(OK);
      const [older, newer] = (await dump()).profiles.sort((a, b) => a.created_at - b.created_at);
      clock.advance(1000);
      expect(json(await post('/api/v1/identities', SEED_IDENTITIES))).toEqual(OK);
      const d = await dump();
      expect(d.profiles.map((p) => p.id)).toEqual([older.id]);
      expect(d.aliases.map((a) => [a.alias_id, a.profile_id])).toEqual([[newer.id, older.id]]);
      expect(d.identifiers.every((i) => i.profile_id === older.id)).toBe(true);
    });
  });

  describe('/api/v1/user-profile: typed properties', () => {
    beforeEach(async () => {
      await setup();
      await t.runtime.taxonomy.apply(project.id, {
        properties: [
          { scope: 'user', name: 'u_string', type: 'String' },
          { scope: 'user', name: 'u_long', type: 'Long' },
          { scope: 'user', name: 'u_double', type: 'Double' },
          { scope: 'user', name: 'u_bool', type: 'Boolean' },
          { scope: 'user', name: 'u_datetime', type: 'Datetime' },
          { scope: 'user', name: 'u_date', type: 'Date' },
          { scope: 'user', name: 'u_strings', type: 'Array of String' },
          { scope: 'user', name: 'u_longs', type: 'Array of Long' },
          { scope: 'user', name: 'u_doubles', type: 'Array of Double' },
        ],
      });
    });

    const send = (user_properties: Record<string, unknown>) => post('/api/v1/user-profile', { identity: { external_id: 'typed' }, user_properties });
    const stored = async () => JSON.parse((await dump()).profiles[0].properties);

    test('every data type of the seed is accepted and stored', async () => {
      const r = await send({
        u_string: 'foo',
        u_long: 1,
        u_double: 1.5,
        u_bool: true,
        u_datetime: '2023-08-15T21:30:00.000+09:00',
        u_date: '2023-08-15',
        u_strings: ['foo', 'bar'],
        u_longs: [0, 1],
        u_doubles: [0.0, 1.5],
      });
      expect(json(r)).toEqual(OK);
      expect(await stored()).toEqual({
        u_string: 'foo',
        u_long: 1,
        u_double: 1.5,
        u_bool: true,
        u_datetime: '2023-08-15T12:30:00.000Z',
        u_date: '2023-08-15',
        u_strings: ['foo', 'bar'],
        u_longs: [0, 1],
        u_doubles: [0, 1.5],
      });
    });

    test('a Long is accepted for a Double, and an Array of Long for an Array of Double', async () => {
      expect(json(await send({ u_double: 1000, u_doubles: [1, 2] }))).toEqual(OK);
      expect(await stored()).toEqual({ u_double: 1000, u_doubles: [1, 2] });
    });

    test.each([
      ['u_string', 42, /must be a String/],
      ['u_long', 1.5, /must be a Long/],
      ['u_long', '1', /must be a Long/],
      ['u_double', '1.5', /must be a Double/],
      ['u_bool', 'true', /must be a Boolean/],
      ['u_bool', 1, /must be a Boolean/],
      ['u_datetime', '2023-08-15T12:30:00', /Datetime/],
      ['u_datetime', '2023-08-15', /Datetime/],
      ['u_date', '2023-02-30', /must be a Date/],
      ['u_date', '2023-08-15T00:00:00Z', /must be a Date/],
      ['u_strings', 'foo', /Array of String/],
      ['u_strings', ['foo', 1], /element 1 must be a String/],
      ['u_longs', [1, 2.5], /element 1 must be a Long/],
      ['u_doubles', [1, 'x'], /element 1 must be a Double/],
      ['df_push_ads_optin', 'Y', /must be a Boolean/],
      ['not_registered', 'x', /user property not_registered is not registered/],
      ['df_unified_id', 'x', /reserved/],
    ])('%s = %j is rejected naming the field', async (name, value, reason) => {
      expect(json(await send({ u_string: 'first' }))).toEqual(OK);
      const before = await dump();
      const r = await send({ u_string: 'changed', [name]: value });
      await expectRejected(r, { code: '40001', message: 'VALIDATION_FAILURE', field: `user_properties.${name}`, reason }, before);
    });

    test('the consent properties are pre-registered Booleans', async () => {
      const consent = {
        df_push_optin: true,
        df_push_ads_optin: true,
        df_push_night_ads_optin: false,
        df_sms_ads_optin: true,
        df_kakao_ads_optin: false,
        df_email_ads_optin: true,
      };
      expect(json(await send(consent))).toEqual(OK);
      expect(await stored()).toEqual(consent);
    });

    test('null removes a property; other properties are kept', async () => {
      expect(json(await send({ u_string: 'a', u_long: 2 }))).toEqual(OK);
      expect(json(await send({ u_string: null }))).toEqual(OK);
      expect(await stored()).toEqual({ u_long: 2 });
    });

    test('a later value replaces an earlier one', async () => {
      expect(json(await send({ df_gender: 'Female', u_long: 1 }))).toEqual(OK);
      clock.advance(1000);
      expect(json(await send({ df_gender: 'Male' }))).toEqual(OK);
      expect(await stored()).toEqual({ df_gender: 'Male', u_long: 1 });
    });

    test('user_properties that are not an object', async () => {
      const before = await dump();
      await expectRejected(
        await post('/api/v1/user-profile', { identity: { external_id: 'typed' }, user_properties: ['a'] }),
        { code: '40001', message: 'VALIDATION_FAILURE', field: 'user_properties' },
        before,
      );
    });

    test('an identity without usable identifiers', async () => {
      const before = await dump();
      await expectRejected(
        await post('/api/v1/user-profile', { identity: { external_id: 'null' }, user_properties: { u_long: 1 } }),
        { code: '40001', message: 'VALIDATION_FAILURE', field: 'identity' },
        before,
      );
    });
  });
});
