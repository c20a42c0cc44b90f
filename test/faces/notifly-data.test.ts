import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import type { LightMyRequestResponse } from 'fastify';
import { buildTestApp, createProject, ManualClock, type TestApp } from '../helpers/app.ts';
import type { IssuedCredentials } from '../../src/core/credentials/credentials.service.ts';
import type { Project } from '../../src/core/projects/projects.types.ts';
import { FAILED_EXCHANGE_LIMIT } from '../../src/core/credentials/session-tokens.ts';

/**
 * The Notifly data face (seed 004 §1–4) through app.inject(), on a real runtime and SQLite file with a ManualClock.
 * Every response is asserted exactly; every rejected request is checked to have changed nothing.
 */

const T0 = Date.UTC(2025, 0, 6, 1, 0, 0); // on a second (and minute) boundary
const HOUR = 60 * 60 * 1000;
const INVALID_TOKEN = { data: null, error: 'Unauthorized: Invalid token' };

let t: TestApp;
let clock: ManualClock;
let project: Project;
let keys: IssuedCredentials;
let token: string;

async function setup(options: { bodyLimit?: number; settings?: Record<string, unknown> } = {}) {
  clock = new ManualClock(T0);
  // These tests play clients behind a reverse proxy maru trusts (MARU_TRUST_PROXY), so X-Forwarded-For names the client.
  t = await buildTestApp({ clock, config: { trustProxy: true, ...(options.bodyLimit ? { bodyLimit: options.bodyLimit } : {}) } });
  ({ project, credentials: keys } = await createProject(t.runtime, { settings: options.settings }));
  token = await authenticate(keys);
}

afterEach(async () => {
  await t?.close();
});

async function authenticate(k: { access_key: string; secret_key: string }, ip = '192.0.2.1'): Promise<string> {
  const r = await call('POST', '/authenticate', { accessKey: k.access_key, secretKey: k.secret_key }, { 'x-forwarded-for': ip });
  expect(r.statusCode).toBe(200);
  return r.json().data;
}

function call(
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE' | 'HEAD' | 'OPTIONS',
  url: string,
  body?: unknown,
  headers: Record<string, string> = {},
): Promise<LightMyRequestResponse> {
  return t.app.inject({ method, url, headers, ...(body === undefined ? {} : { payload: body as object }) });
}

const authed = (method: 'POST' | 'DELETE', url: string, body: unknown, tok = token, headers: Record<string, string> = {}) =>
  call(method, url, body, { authorization: tok, ...headers });

const expectJson = (r: LightMyRequestResponse, status: number, body: unknown) => {
  expect({ status: r.statusCode, body: r.json() }).toEqual({ status, body });
};

// ---- stored state --------------------------------------------------------------------------------------------
const db = () => t.runtime.store.db;
const events = (projectId = project.id) =>
  db()
    .selectFrom('events')
    .select(['name', 'profile_id', 'properties', 'source', 'occurred_at', 'received_at'])
    .where('project_id', '=', projectId)
    .orderBy('seq')
    .execute();
const identifiers = (projectId = project.id) =>
  db().selectFrom('identifiers').select(['type', 'value', 'raw', 'profile_id']).where('project_id', '=', projectId).orderBy('type').orderBy('value').execute();
const profiles = (projectId = project.id) =>
  db().selectFrom('profiles').select(['id', 'properties']).where('project_id', '=', projectId).orderBy('created_at').execute();
const count = async (table: 'events' | 'identifiers' | 'profiles' | 'devices' | 'profile_aliases', projectId = project.id) =>
  Number(
    (
      await db()
        .selectFrom(table)
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .where('project_id', '=', projectId)
        .executeTakeFirstOrThrow()
    ).n,
  );
const ownerOf = async (type: 'external_id' | 'email' | 'phone', value: string) => t.runtime.profiles.findByIdentifier(project.id, type, value);
const taxonomy = async () => t.runtime.taxonomy.list(project.id);
const snapshot = async () => ({ events: await events(), identifiers: await identifiers(), profiles: await profiles(), taxonomy: await taxonomy() });

// ---- 1. authenticate -----------------------------------------------------------------------------------------
describe('POST /authenticate', () => {
  beforeEach(() => setup());

  test('exchanges the project keys for a token, in the {data, error} envelope with rate-limit headers', async () => {
    const r = await call('POST', '/authenticate', { accessKey: keys.access_key, secretKey: keys.secret_key });
    expect(r.statusCode).toBe(200);
    const body = r.json();
    expect(Object.keys(body)).toEqual(['data', 'error']);
    expect(body.error).toBeNull();
    expect(body.data).toMatch(/^[\w-]+\.[\w-]+\.[\w-]+$/);
    expect(await t.runtime.sessionTokens.verify(body.data)).toMatchObject({ projectId: project.id, expiresAt: T0 + HOUR });
    // setup() already exchanged once this minute.
    expect([r.headers['x-ratelimit-limit'], r.headers['x-ratelimit-remaining'], r.headers['x-ratelimit-reset']]).toEqual(['600', '598', String(T0 + 60_000)]);
  });

  test('repeated authentication within the hour works, and every token stays valid', async () => {
    clock.advance(30 * 60_000);
    const second = await authenticate(keys);
    expect(second).not.toBe(token);
    for (const tok of [token, second])
      expectJson(await authed('POST', '/track-event', { projectId: project.id, userId: 'u1', eventName: 'open' }, tok), 200, {
        data: 'tracked 1 event',
        error: null,
      });
  });

  test.each([
    ['a wrong secret key', () => ({ accessKey: keys.access_key, secretKey: 'maru_sk_wrong' })],
    ['a wrong access key', () => ({ accessKey: 'maru_ak_wrong', secretKey: keys.secret_key })],
    ['the keys swapped', () => ({ accessKey: keys.secret_key, secretKey: keys.access_key })],
  ])('%s is 401 {data: null, error}', async (_label, body) => {
    expectJson(await call('POST', '/authenticate', body()), 401, { data: null, error: 'Unauthorized: Invalid access key or secret key' });
  });

  test('keys of two different projects are 401', async () => {
    const other = await createProject(t.runtime);
    expectJson(await call('POST', '/authenticate', { accessKey: keys.access_key, secretKey: other.credentials.secret_key }), 401, {
      data: null,
      error: 'Unauthorized: Invalid access key or secret key',
    });
  });

  test.each([
    [{ secretKey: 'x' }, 'Bad request: accessKey is required'],
    [{ accessKey: 'x', secretKey: 7 }, 'Bad request: secretKey must be a string'],
    [{ accessKey: '', secretKey: 'y' }, 'Bad request: accessKey must not be empty'],
    [{ accessKey: 'x', secretKey: 'y', projectId: 'p' }, 'Bad request: projectId is not a field of this request; use accessKey, secretKey'],
    [['x'], 'Bad request: body must be a JSON object'],
  ])('bad body %j is 400 naming the field', async (body, error) => {
    expectJson(await call('POST', '/authenticate', body), 400, { data: null, error });
  });

  test('a client IP that failed too often is throttled (429, even with correct keys); failures spend no project quota', async () => {
    await t.runtime.projects.update(project.id, { settings: { limits: { auth_requests: 2 } } });
    const guesser = { 'x-forwarded-for': '203.0.113.7' };
    for (let i = 0; i < FAILED_EXCHANGE_LIMIT.limit; i++) {
      const r = await call('POST', '/authenticate', { accessKey: `maru_ak_guess${i}`, secretKey: 'maru_sk_guess' }, guesser);
      expect(r.statusCode).toBe(401);
    }
    const r = await call('POST', '/authenticate', { accessKey: keys.access_key, secretKey: keys.secret_key }, guesser);
    expectJson(r, 429, { data: null, error: 'Too many requests: too many failed authentication attempts from this client' });
    expect([r.headers['x-ratelimit-limit'], r.headers['x-ratelimit-remaining'], r.headers['x-ratelimit-reset'], r.headers['retry-after']]).toEqual([
      String(FAILED_EXCHANGE_LIMIT.limit),
      '0',
      String(T0 + 60_000),
      '60',
    ]);
    // Another client gets a token: the project's quota (2/min, one spent by setup) was not touched by the failures.
    const ok = await call('POST', '/authenticate', { accessKey: keys.access_key, secretKey: keys.secret_key }, { 'x-forwarded-for': '198.51.100.2' });
    expect([ok.statusCode, ok.headers['x-ratelimit-remaining']]).toEqual([200, '0']);
    // Next minute the guesser's IP may try again.
    clock.advance(60_000);
    expect((await call('POST', '/authenticate', { accessKey: keys.access_key, secretKey: keys.secret_key }, guesser)).statusCode).toBe(200);
  });

  test('the endpoint is limited per project (auth_requests): 429 with headers and Retry-After', async () => {
    await t.runtime.projects.update(project.id, { settings: { limits: { auth_requests: 2 } } });
    expect((await call('POST', '/authenticate', { accessKey: keys.access_key, secretKey: keys.secret_key })).statusCode).toBe(200);
    clock.advance(15_000);
    const r = await call('POST', '/authenticate', { accessKey: keys.access_key, secretKey: keys.secret_key });
    expectJson(r, 429, { data: null, error: 'Too many requests: token requests limit exceeded for this project' });
    expect([r.headers['x-ratelimit-limit'], r.headers['x-ratelimit-remaining'], r.headers['x-ratelimit-reset'], r.headers['retry-after']]).toEqual([
      '2',
      '0',
      String(T0 + 60_000),
      '45',
    ]);
  });
});

// ---- 5. token and project scope ------------------------------------------------------------------------------
describe('token', () => {
  beforeEach(() => setup());
  const body = () => ({ projectId: project.id, userId: 'u1', eventName: 'open' });

  test.each([
    ['no Authorization header', undefined],
    ['a garbage token', 'not-a-token'],
    ['an access key instead of a token', 'ACCESS'],
    ['a tampered token', 'TAMPERED'],
  ])('%s is 401 "Unauthorized: Invalid token" and stores nothing', async (_label, tok) => {
    const value = tok === 'ACCESS' ? keys.access_key : tok === 'TAMPERED' ? token.slice(0, -3) + (token.endsWith('AAA') ? 'BBB' : 'AAA') : tok;
    const r = await call('POST', '/track-event', body(), value === undefined ? {} : { authorization: value });
    expectJson(r, 401, INVALID_TOKEN);
    expect(r.headers['x-ratelimit-limit']).toBeUndefined();
    expect(await count('events')).toBe(0);
  });

  test('the token expires after one hour (ManualClock), on every endpoint', async () => {
    clock.advance(HOUR - 1);
    expect((await authed('POST', '/track-event', body())).statusCode).toBe(200);
    clock.advance(1);
    expectJson(await authed('POST', '/track-event', body()), 401, INVALID_TOKEN);
    expectJson(await authed('POST', '/set-user-properties', { projectId: project.id, userId: 'u1', userProperties: { a: 1 } }), 401, INVALID_TOKEN);
    expectJson(await authed('DELETE', '/users', { projectId: project.id, userId: 'u1' }), 401, INVALID_TOKEN);
    expect(await count('events')).toBe(1);
    expect(await count('profiles')).toBe(1);
  });

  test('"Bearer <token>" is accepted as well as the bare token', async () => {
    expect((await authed('POST', '/track-event', body(), `Bearer ${token}`)).statusCode).toBe(200);
  });

  test('a token of another project cannot write into this one: 403, nothing changed, no quota spent', async () => {
    await t.runtime.projects.update(project.id, { settings: { limits: { client_requests: 1 } } });
    const other = await createProject(t.runtime);
    const before = await snapshot();
    const cases: [string, 'POST' | 'DELETE', unknown, string][] = [
      ['/track-event', 'POST', { projectId: other.project.id, userId: 'u1', eventName: 'open' }, `body[0].projectId "${other.project.id}"`],
      ['/track-event', 'POST', [body(), { projectID: other.project.id, userID: 'u2', eventName: 'open' }], `body[1].projectID "${other.project.id}"`],
      [
        '/set-user-properties',
        'POST',
        [
          { projectId: project.id, userId: 'u1', userProperties: {} },
          { projectId: 'nope', userId: 'u1', userProperties: {} },
        ],
        'body[1].projectId "nope"',
      ],
      ['/users', 'DELETE', { projectId: other.project.id, userId: 'u1' }, `body[0].projectId "${other.project.id}"`],
    ];
    for (const [url, method, b, what] of cases) {
      expectJson(await authed(method, url, b), 403, { data: null, error: `Forbidden: ${what} is not the project of this token` });
    }
    expect(await snapshot()).toEqual(before);
    // The per-client quota (1/s) is still whole.
    expect((await authed('POST', '/track-event', body())).statusCode).toBe(200);
  });

  test('a token whose project was exchanged for keys of another project works only there', async () => {
    const other = await createProject(t.runtime);
    const otherToken = await authenticate(other.credentials);
    expect((await authed('POST', '/track-event', { projectId: other.project.id, userId: 'u1', eventName: 'open' }, otherToken)).statusCode).toBe(200);
    expect(await count('events', other.project.id)).toBe(1);
    expect(await count('events')).toBe(0);
  });
});

// ---- 2. track-event ------------------------------------------------------------------------------------------
describe('POST /track-event', () => {
  test('maru keys each tracked event, so a resent body is stored again and counts no duplicate in /metrics', async () => {
    await setup();
    const body = [{ projectId: project.id, userId: 'user-id', eventName: 'opened' }];
    expectJson(await authed('POST', '/track-event', body), 200, { data: 'tracked 1 event', error: null });
    expectJson(await authed('POST', '/track-event', body), 200, { data: 'tracked 1 event', error: null });
    expect((await events()).map((e) => e.name)).toEqual(['opened', 'opened']);
    const m = await t.app.inject({ method: 'GET', url: '/metrics' });
    expect(m.body).toMatch(/^maru_events_duplicate_total 0$/m);
    expect(m.body).toMatch(/^maru_events_ingested_total\{source="api"\} 2$/m);
  });

  test('the seed sample: stored for the external_id userId, params as properties, segmentation keys with the event', async () => {
    await setup();
    const r = await authed('POST', '/track-event', [
      {
        projectId: project.id,
        userId: 'user-id',
        eventName: 'purchase_completed',
        eventParams: { price: 1200, currency: 'KRW', tags: ['a', 'b'] },
        segmentationEventParamKeys: ['currency', 'price', 'currency'],
      },
    ]);
    expectJson(r, 200, { data: 'tracked 1 event', error: null });
    expect([r.headers['x-ratelimit-limit'], r.headers['x-ratelimit-remaining'], r.headers['x-ratelimit-reset']]).toEqual(['5000', '4999', String(T0 + 1000)]);
    const profileId = await ownerOf('external_id', 'user-id');
    expect(profileId).toMatch(/^[0-9A-Za-z]{7}$/);
    expect(await events()).toEqual([
      {
        name: 'purchase_completed',
        profile_id: profileId,
        properties: JSON.stringify({ price: 1200, currency: 'KRW', tags: ['a', 'b'], $segmentation_keys: ['currency', 'price'] }),
        source: 'api',
        occurred_at: T0,
        received_at: T0,
      },
    ]);
    const tax = await taxonomy();
    expect(tax.events.find((e) => e.name === 'purchase_completed')).toEqual({ name: 'purchase_completed', origin: 'observed' });
    expect(tax.properties.filter((p) => p.scope === 'event' && ['price', 'currency', 'tags', '$segmentation_keys'].includes(p.name))).toEqual([
      { scope: 'event', name: '$segmentation_keys', type: 'string[]', origin: 'observed' },
      { scope: 'event', name: 'currency', type: 'string', origin: 'observed' },
      { scope: 'event', name: 'price', type: 'long', origin: 'observed' },
      { scope: 'event', name: 'tags', type: 'string[]', origin: 'observed' },
    ]);
  });

  test('a single object and the legacy projectID/userID names; two users get two profiles', async () => {
    await setup();
    expectJson(await authed('POST', '/track-event', { projectID: project.id, userID: 'legacy-user', eventName: 'open' }), 200, {
      data: 'tracked 1 event',
      error: null,
    });
    expectJson(
      await authed('POST', '/track-event', [
        { projectId: project.id, userId: 'u1', eventName: 'open', eventParams: {}, segmentationEventParamKeys: [] },
        { projectID: project.id, userId: 'u2', eventName: 'close' },
        { projectId: project.id, projectID: project.id, userID: 'u1', eventName: 'close', eventParams: null },
      ]),
      200,
      { data: 'tracked 3 events', error: null },
    );
    const [legacy, u1, u2] = [await ownerOf('external_id', 'legacy-user'), await ownerOf('external_id', 'u1'), await ownerOf('external_id', 'u2')];
    expect(new Set([legacy, u1, u2]).size).toBe(3);
    // Rows are written grouped by identity; compare them as a set.
    const rows = (await events()).map((e) => `${e.name} ${e.profile_id} ${e.properties}`).sort();
    expect(rows).toEqual([`close ${u1} null`, `close ${u2} null`, `open ${legacy} null`, `open ${u1} null`].sort());
  });

  test('500 events are accepted; 501 are 400 and nothing is stored', async () => {
    await setup();
    const many = (n: number) => Array.from({ length: n }, (_, i) => ({ projectId: project.id, userId: `u${i % 7}`, eventName: 'tick', eventParams: { i } }));
    expectJson(await authed('POST', '/track-event', many(501)), 400, { data: null, error: 'Bad request: at most 500 events per request, got 501' });
    expect(await count('events')).toBe(0);
    expectJson(await authed('POST', '/track-event', many(500)), 200, { data: 'tracked 500 events', error: null });
    expect(await count('events')).toBe(500);
    expect(await count('profiles')).toBe(7);
  });

  test.each([
    [{ userId: 'u1', eventName: 'e' }, 'body[0].projectId is required and must be a string'],
    [{ projectId: 'P', eventName: 'e' }, 'body[0].userId is required and must be a non-empty string'],
    [{ projectId: 'P', userId: '', eventName: 'e' }, 'body[0].userId is required and must be a non-empty string'],
    [
      { projectId: 'P', userID: 'anonymous', eventName: 'e' },
      'body[0].userID "anonymous" does not identify a user (empty, null-like, placeholder and all-zero values are not accepted)',
    ],
    [{ projectId: 'P', userId: { id: 1 }, eventName: 'e' }, 'body[0].userId must be a string or an integer'],
    [{ projectId: 'P', userId: 'a', userID: 'b', eventName: 'e' }, 'body[0].userId and body[0].userID (its legacy name) disagree'],
    [{ projectId: 'P', userId: 'u1' }, 'body[0].eventName is required'],
    [
      { projectId: 'P', userId: 'u1', eventName: 'has space' },
      'body[0].eventName must be 1-128 characters of letters, digits, _ . $ -, starting with a letter, digit, _ or $',
    ],
    [{ projectId: 'P', userId: 'u1', eventName: 'e', eventParams: [1] }, 'body[0].eventParams must be a JSON object or null'],
    [
      { projectId: 'P', userId: 'u1', eventName: 'e', eventParams: { nested: { a: 1 } } },
      'body[0].eventParams.nested: cannot infer a type from this value (use a string, number, boolean or an array of one of them)',
    ],
    [{ projectId: 'P', userId: 'u1', eventName: 'e', eventParams: { id: 'x' } }, 'body[0].eventParams.id: id is reserved and cannot be set'],
    [
      { projectId: 'P', userId: 'u1', eventName: 'e', eventParams: { $segmentation_keys: ['a'] } },
      'body[0].eventParams.$segmentation_keys is reserved; use segmentationEventParamKeys',
    ],
    [{ projectId: 'P', userId: 'u1', eventName: 'e', segmentationEventParamKeys: 'a' }, 'body[0].segmentationEventParamKeys must be an array or null'],
    [{ projectId: 'P', userId: 'u1', eventName: 'e', segmentationEventParamKeys: ['a', 3] }, 'body[0].segmentationEventParamKeys[1] must be a string'],
    [
      { projectId: 'P', userId: 'u1', eventName: 'e', timestamp: 1 },
      'body[0].timestamp is not a field of this request; use projectId, projectID, userId, userID, eventName, eventParams, segmentationEventParamKeys',
    ],
    ['just a string', 'body[0] must be a JSON object'],
    [[], 'body must not be empty'],
  ])('bad element %j is 400 naming the field, nothing stored', async (element, message) => {
    await setup();
    const withProject = (e: unknown) =>
      typeof e === 'object' && e !== null && !Array.isArray(e) && (e as { projectId?: string }).projectId === 'P' ? { ...e, projectId: project.id } : e;
    const good = { projectId: project.id, userId: 'ok-user', eventName: 'fine' };
    // The bad element second in an array: the first (valid) one must not be stored either.
    const payload = Array.isArray(element) ? element : [good, withProject(element)];
    const expected = Array.isArray(element) ? message : message.replaceAll('body[0]', 'body[1]');
    const before = await snapshot();
    expectJson(await authed('POST', '/track-event', payload), 400, { data: null, error: `Bad request: ${expected}` });
    expect(await snapshot()).toEqual(before);
  });

  test('a param value of the wrong type for its registered type is 400, and the whole request stores nothing', async () => {
    await setup();
    await authed('POST', '/track-event', { projectId: project.id, userId: 'u1', eventName: 'buy', eventParams: { price: 100 } });
    const before = await snapshot();
    expectJson(
      await authed('POST', '/track-event', [
        { projectId: project.id, userId: 'u2', eventName: 'new_event', eventParams: { fresh: true } },
        { projectId: project.id, userId: 'u1', eventName: 'buy', eventParams: { price: 'cheap' } },
      ]),
      400,
      { data: null, error: 'Bad request: body[1].eventParams.price must be a Long (an integer)' },
    );
    expect(await snapshot()).toEqual(before);
  });

  test('a strict project rejects unregistered events and params, and still stores segmentation keys of registered ones', async () => {
    await setup({ settings: { strictTaxonomy: true } });
    expectJson(await authed('POST', '/track-event', { projectId: project.id, userId: 'u1', eventName: 'open' }), 400, {
      data: null,
      error: 'Bad request: body[0].eventName: event open is not registered',
    });
    await t.runtime.taxonomy.apply(project.id, { events: ['open'], properties: [{ scope: 'event', name: 'screen', type: 'String' }] });
    expectJson(await authed('POST', '/track-event', { projectId: project.id, userId: 'u1', eventName: 'open', eventParams: { other: 1 } }), 400, {
      data: null,
      error: 'Bad request: body[0].eventParams.other: event property other is not registered',
    });
    expect(await count('events')).toBe(0);
    expectJson(
      await authed('POST', '/track-event', {
        projectId: project.id,
        userId: 'u1',
        eventName: 'open',
        eventParams: { screen: 'home' },
        segmentationEventParamKeys: ['screen'],
      }),
      200,
      {
        data: 'tracked 1 event',
        error: null,
      },
    );
    expect((await events()).map((e) => e.properties)).toEqual([JSON.stringify({ screen: 'home', $segmentation_keys: ['screen'] })]);
    expect((await taxonomy()).properties.find((p) => p.name === '$segmentation_keys')).toEqual({
      scope: 'event',
      name: '$segmentation_keys',
      type: 'string[]',
      origin: 'registered',
    });
  });
});

// ---- 3. set-user-properties ----------------------------------------------------------------------------------
describe('POST /set-user-properties', () => {
  test('the seed sample: $email/$phone_number become identifiers and df_email/df_phone; data is the row count', async () => {
    await setup();
    const r = await authed('POST', '/set-user-properties', [
      { projectId: project.id, userProperties: { $email: 'User1@Example.com', $phone_number: '010-5555-5555', plan: 'pro', visits: 3 }, userId: 'user-id-1' },
      { projectId: project.id, userProperties: { $email: 'user2@example.com', $phone_number: '010-7777-7777' }, userId: 'user-id-2' },
    ]);
    expectJson(r, 200, { data: 2, error: null });
    expect(r.headers['x-ratelimit-remaining']).toBe('4999');
    const [p1, p2] = [await ownerOf('external_id', 'user-id-1'), await ownerOf('external_id', 'user-id-2')];
    expect(await identifiers()).toEqual([
      { type: 'email', value: 'user1@example.com', raw: 'User1@Example.com', profile_id: p1 },
      { type: 'email', value: 'user2@example.com', raw: 'user2@example.com', profile_id: p2 },
      { type: 'external_id', value: 'user-id-1', raw: 'user-id-1', profile_id: p1 },
      { type: 'external_id', value: 'user-id-2', raw: 'user-id-2', profile_id: p2 },
      { type: 'phone', value: '+821055555555', raw: '010-5555-5555', profile_id: p1 },
      { type: 'phone', value: '+821077777777', raw: '010-7777-7777', profile_id: p2 },
    ]);
    const props = Object.fromEntries((await profiles()).map((p) => [p.id, JSON.parse(p.properties)]));
    expect(props).toEqual({
      [p1!]: { plan: 'pro', visits: 3, df_email: 'User1@Example.com', df_phone: '010-5555-5555' },
      [p2!]: { df_email: 'user2@example.com', df_phone: '010-7777-7777' },
    });
    const tax = await taxonomy();
    expect(tax.properties.filter((p) => p.scope === 'user' && ['plan', 'visits', '$email', '$phone_number'].includes(p.name))).toEqual([
      { scope: 'user', name: 'plan', type: 'string', origin: 'observed' },
      { scope: 'user', name: 'visits', type: 'long', origin: 'observed' },
    ]);
  });

  test('a single object with legacy names updates the same profile; null clears a property', async () => {
    await setup();
    expectJson(
      await authed('POST', '/set-user-properties', { projectID: project.id, userID: 'u1', userProperties: { plan: 'free', $email: 'a@x.com' } }),
      200,
      { data: 1, error: null },
    );
    clock.advance(1000);
    expectJson(
      await authed('POST', '/set-user-properties', { projectId: project.id, userId: 'u1', userProperties: { plan: null, level: 2, $email: null } }),
      200,
      { data: 1, error: null },
    );
    const all = await profiles();
    expect(all.map((p) => JSON.parse(p.properties))).toEqual([{ level: 2 }]);
    expect((await identifiers()).map((i) => [i.type, i.value])).toEqual([
      ['email', 'a@x.com'],
      ['external_id', 'u1'],
    ]);
  });

  test('1000 users are accepted; 1001 are 400 and nothing is stored', async () => {
    await setup();
    const many = (n: number) => Array.from({ length: n }, (_, i) => ({ projectId: project.id, userId: `user-${i}`, userProperties: { n: i } }));
    expectJson(await authed('POST', '/set-user-properties', many(1001)), 400, { data: null, error: 'Bad request: at most 1000 users per request, got 1001' });
    expect(await count('profiles')).toBe(0);
    expectJson(await authed('POST', '/set-user-properties', many(1000)), 200, { data: 1000, error: null });
    expect(await count('profiles')).toBe(1000);
  });

  test.each([
    [{ projectId: 'P', userId: 'u1' }, 'body[1].userProperties is required'],
    [{ projectId: 'P', userId: 'u1', userProperties: [] }, 'body[1].userProperties must be a JSON object'],
    [{ projectId: 'P', userProperties: {} }, 'body[1].userId is required and must be a non-empty string'],
    [{ projectId: 'P', userId: 'u1', userProperties: { $email: 42 } }, 'body[1].userProperties.$email must be a string'],
    [{ projectId: 'P', userId: 'u1', userProperties: { $phone_number: ['010'] } }, 'body[1].userProperties.$phone_number must be a string'],
    [{ projectId: 'P', userId: 'u1', userProperties: { visits: 'many' } }, 'body[1].userProperties.visits must be a Long (an integer)'],
    [
      { projectId: 'P', userId: 'u1', userProperties: { df_unified_id: 'x' } },
      'body[1].userProperties.df_unified_id: df_unified_id is reserved and cannot be set',
    ],
    [
      { projectId: 'P', userId: 'u1', userProperties: {}, extra: 1 },
      'body[1].extra is not a field of this request; use projectId, projectID, userId, userID, userProperties',
    ],
  ])('bad element %j is 400 naming the field, nothing changed', async (element, message) => {
    await setup();
    await authed('POST', '/set-user-properties', { projectId: project.id, userId: 'seed', userProperties: { visits: 1 } });
    const before = await snapshot();
    const payload = [
      { projectId: project.id, userId: 'fine', userProperties: { $email: 'fine@x.com' } },
      { ...element, projectId: project.id },
    ];
    expectJson(await authed('POST', '/set-user-properties', payload), 400, { data: null, error: `Bad request: ${message}` });
    expect(await snapshot()).toEqual(before);
  });
});

// ---- 4. delete users -----------------------------------------------------------------------------------------
describe('DELETE /users', () => {
  beforeEach(() => setup());

  const setUser = (userId: string, userProperties: Record<string, unknown> = {}) =>
    authed('POST', '/set-user-properties', { projectId: project.id, userId, userProperties });
  const track = (userId: string, eventName = 'open') => authed('POST', '/track-event', { projectId: project.id, userId, eventName });

  test('deletes completely: profile, identifiers, devices, events, and the profiles it absorbed with their events', async () => {
    // u1's history: a DFINERY identity holding only the email (older), then Notifly events, then the merge.
    const dfinery = await t.app.inject({
      method: 'POST',
      url: `/api/v1/identities?service_id=${project.id}`,
      headers: { access_token: keys.import_token },
      payload: { identity: { email: 'one@x.com' } },
    });
    expect(dfinery.json().code).toBe('20000');
    const older = (await ownerOf('email', 'one@x.com'))!;
    clock.advance(1000);
    await track('u1');
    await track('u1', 'close');
    const absorbed = (await ownerOf('external_id', 'u1'))!;
    expect(absorbed).not.toBe(older);
    clock.advance(1000);
    expectJson(await setUser('u1', { $email: 'one@x.com', $phone_number: '010-1111-2222' }), 200, { data: 1, error: null });
    expect(await ownerOf('external_id', 'u1')).toBe(older);
    await track('u1', 'after_merge');
    await db()
      .insertInto('devices')
      .values({
        project_id: project.id,
        device_id: 'dev-1',
        profile_id: older,
        platform: 'android',
        push_token: 'tok',
        webpush: null,
        properties: '{}',
        created_at: T0,
        updated_at: T0,
      })
      .execute();
    // Someone else, who must survive.
    await setUser('u2', { $email: 'two@x.com' });
    await track('u2');
    const survivor = (await ownerOf('external_id', 'u2'))!;
    expect({
      p: await count('profiles'),
      i: await count('identifiers'),
      e: await count('events'),
      d: await count('devices'),
      a: await count('profile_aliases'),
    }).toEqual({ p: 2, i: 5, e: 4, d: 1, a: 1 });

    expectJson(await authed('DELETE', '/users', { projectId: project.id, userId: 'u1' }), 200, { data: 1, error: null });

    expect({
      p: await count('profiles'),
      i: await count('identifiers'),
      e: await count('events'),
      d: await count('devices'),
      a: await count('profile_aliases'),
    }).toEqual({ p: 1, i: 2, e: 1, d: 0, a: 0 });
    expect((await profiles()).map((p) => p.id)).toEqual([survivor]);
    expect((await events()).map((e) => [e.name, e.profile_id])).toEqual([['open', survivor]]);
    expect(await ownerOf('email', 'one@x.com')).toBeUndefined();
    expect(await t.runtime.profiles.get(project.id, absorbed)).toBeUndefined();
  });

  test('the phone matches only exactly as written: 010-1234-1234 ≠ 01012341234', async () => {
    await setUser('u1', { $phone_number: '010-1234-1234' });
    await track('u1');
    expectJson(await authed('DELETE', '/users', { projectId: project.id, userProperties: { $phone_number: '01012341234' } }), 200, { data: 0, error: null });
    expectJson(await authed('DELETE', '/users', { projectId: project.id, userProperties: { $phone_number: '+82 10-1234-1234' } }), 200, {
      data: 0,
      error: null,
    });
    expect([await count('profiles'), await count('events')]).toEqual([1, 1]);
    expectJson(await authed('DELETE', '/users', { projectId: project.id, userProperties: { $phone_number: '010-1234-1234' } }), 200, { data: 1, error: null });
    expect([await count('profiles'), await count('events'), await count('identifiers')]).toEqual([0, 0, 0]);
  });

  test('by $email (matched like identity resolution: trimmed, case-insensitive), and an array counting distinct users', async () => {
    await setUser('u1', { $email: 'one@x.com' });
    await setUser('u2', { $email: 'two@x.com' });
    await setUser('u3');
    await setUser('keep');
    expectJson(await authed('DELETE', '/users', { projectId: project.id, userProperties: { $email: ' ONE@x.com ' } }), 200, { data: 1, error: null });
    expectJson(
      await authed('DELETE', '/users', [
        { projectId: project.id, userId: 'u2' },
        { projectID: project.id, userProperties: { $email: 'two@x.com' } },
        { projectId: project.id, userID: 'u3' },
        { projectId: project.id, userId: 'nobody' },
      ]),
      200,
      { data: 2, error: null },
    );
    expect((await identifiers()).map((i) => i.value)).toEqual(['keep']);
  });

  test('an unknown user deletes nothing and is not an error', async () => {
    await setUser('u1');
    expectJson(await authed('DELETE', '/users', { projectId: project.id, userId: 'ghost' }), 200, { data: 0, error: null });
    expect(await count('profiles')).toBe(1);
  });

  test('1000 entries are accepted; 1001 are 400 and nothing is deleted', async () => {
    await setUser('u1');
    const many = (n: number) => Array.from({ length: n }, (_, i) => ({ projectId: project.id, userId: i === 0 ? 'u1' : `ghost-${i}` }));
    expectJson(await authed('DELETE', '/users', many(1001)), 400, { data: null, error: 'Bad request: at most 1000 users per request, got 1001' });
    expect(await count('profiles')).toBe(1);
    expectJson(await authed('DELETE', '/users', many(1000)), 200, { data: 1, error: null });
    expect(await count('profiles')).toBe(0);
  });

  test.each([
    [{}, 'body[1] must name the user to delete: userId, userProperties.$email or userProperties.$phone_number'],
    [{ userProperties: {} }, 'body[1] must name the user to delete: userId, userProperties.$email or userProperties.$phone_number'],
    [{ userProperties: { plan: 'pro' } }, 'body[1].userProperties.plan is not a field of this request; use $email, $phone_number'],
    [{ userProperties: { $phone_number: 1012341234 } }, 'body[1].userProperties.$phone_number must be a string or null'],
    [{ userProperties: { $email: '' } }, 'body[1].userProperties.$email must be a non-empty string'],
    [{ userProperties: 'x' }, 'body[1].userProperties must be a JSON object or null'],
    [{ userId: '0' }, 'body[1].userId "0" does not identify a user (empty, null-like, placeholder and all-zero values are not accepted)'],
    [{ eventName: 'x', userId: 'u1' }, 'body[1].eventName is not a field of this request; use projectId, projectID, userId, userID, userProperties'],
  ])('bad entry %j is 400 naming the field, nothing deleted', async (entry, message) => {
    await setUser('u1');
    expectJson(
      await authed('DELETE', '/users', [
        { projectId: project.id, userId: 'u1' },
        { projectId: project.id, ...entry },
      ]),
      400,
      { data: null, error: `Bad request: ${message}` },
    );
    expect(await count('profiles')).toBe(1);
  });
});

// ---- 6. limits and HTTP errors -------------------------------------------------------------------------------
describe('rate limits', () => {
  const ev = () => ({ projectId: project.id, userId: 'u1', eventName: 'open' });

  test('per client (client_requests): 429 with X-RateLimit-* and Retry-After, nothing stored; another client of the project is not limited', async () => {
    await setup({ settings: { limits: { client_requests: 2 } } });
    const reissued = await t.runtime.credentials.reissue(project.id, 'access-key');
    const otherClient = await authenticate({ access_key: reissued['access-key']!, secret_key: reissued['secret-key']! });
    for (const remaining of ['1', '0']) expect((await authed('POST', '/track-event', ev())).headers['x-ratelimit-remaining']).toBe(remaining);
    const r = await authed('POST', '/track-event', ev());
    expectJson(r, 429, { data: null, error: 'Too many requests: more than 2 requests per second from this client' });
    expect([r.headers['x-ratelimit-limit'], r.headers['x-ratelimit-remaining'], r.headers['x-ratelimit-reset'], r.headers['retry-after']]).toEqual([
      '2',
      '0',
      String(T0 + 1000),
      '1',
    ]);
    expect(await count('events')).toBe(2);
    // A token of the same key pair shares the quota; another key pair has its own.
    expect(
      (await authed('POST', '/set-user-properties', { projectId: project.id, userId: 'u1', userProperties: {} }, await authenticate(keys))).statusCode,
    ).toBe(429);
    expect((await authed('POST', '/track-event', ev(), otherClient)).statusCode).toBe(200);
    // The next second the quota is back.
    clock.advance(1000);
    expect((await authed('POST', '/track-event', ev())).statusCode).toBe(200);
    expect(await count('events')).toBe(4);
  });

  test('per project (project_requests): shared by every client of the project, on every data endpoint', async () => {
    await setup({ settings: { limits: { project_requests: 3 } } });
    const reissued = await t.runtime.credentials.reissue(project.id, 'access-key');
    const otherClient = await authenticate({ access_key: reissued['access-key']!, secret_key: reissued['secret-key']! });
    expect((await authed('POST', '/track-event', ev())).statusCode).toBe(200);
    expect((await authed('POST', '/set-user-properties', { projectId: project.id, userId: 'u9', userProperties: {} })).statusCode).toBe(200);
    const third = await authed('POST', '/track-event', ev(), otherClient);
    expect([third.statusCode, third.headers['x-ratelimit-limit'], third.headers['x-ratelimit-remaining']]).toEqual([200, '3', '0']);
    const r = await authed('DELETE', '/users', { projectId: project.id, userId: 'u9' }, otherClient);
    expectJson(r, 429, { data: null, error: 'Too many requests: more than 3 requests per second for this project' });
    expect([r.headers['x-ratelimit-limit'], r.headers['x-ratelimit-remaining'], r.headers['x-ratelimit-reset'], r.headers['retry-after']]).toEqual([
      '3',
      '0',
      String(T0 + 1000),
      '1',
    ]);
    expect(await count('profiles')).toBe(2);
    // Another project is not affected.
    const other = await createProject(t.runtime);
    expect(
      (await authed('POST', '/track-event', { projectId: other.project.id, userId: 'u1', eventName: 'x' }, await authenticate(other.credentials))).statusCode,
    ).toBe(200);
  });
});

describe('HTTP errors', () => {
  test.each([
    ['GET', '/track-event', 'POST'],
    ['PUT', '/set-user-properties', 'POST'],
    ['GET', '/authenticate', 'POST'],
    ['POST', '/users', 'DELETE'],
    ['PATCH', '/users', 'DELETE'],
    ['DELETE', '/track-event', 'POST'],
  ] as const)('%s %s is 405 with Allow, before authentication', async (method, url, allow) => {
    await setup();
    const r = await call(method, url, method === 'GET' ? undefined : { projectId: project.id });
    expectJson(r, 405, { data: null, error: `Method not allowed: ${method} ${url}; use ${allow}` });
    expect(r.headers.allow).toBe(allow);
  });

  test("HEAD on a face path is 405 too; paths outside the face keep Fastify's 404", async () => {
    await setup();
    const head = await call('HEAD', '/users');
    expect([head.statusCode, head.headers.allow]).toEqual([405, 'DELETE']);
    for (const url of ['/track-events', '/user', '/api/v1/nothing']) {
      const r = await call('GET', url);
      expect([url, r.statusCode, r.json()]).toEqual([url, 404, { message: `Route GET:${url} not found`, error: 'Not Found', statusCode: 404 }]);
    }
    // The DFINERY face still renders its own errors.
    const dfinery = await t.app.inject({ method: 'POST', url: '/api/v1/identities', payload: {} });
    expect(dfinery.json()).toMatchObject({ status: false, code: '40101' });
  });

  test('a body over the limit is 413 "Payload too large: ..." and stores nothing; without a token it is 401 first', async () => {
    await setup({ bodyLimit: 2048 });
    const big = { projectId: project.id, userId: 'u1', eventName: 'big', eventParams: { blob: 'x'.repeat(4096) } };
    expectJson(await authed('POST', '/track-event', big), 413, { data: null, error: 'Payload too large: request body exceeds 2048 bytes' });
    expectJson(await call('POST', '/track-event', big), 401, INVALID_TOKEN);
    expectJson(await call('POST', '/authenticate', { accessKey: 'x'.repeat(3000), secretKey: 'y' }), 413, {
      data: null,
      error: 'Payload too large: request body exceeds 2048 bytes',
    });
    expect(await count('events')).toBe(0);
  });

  test('malformed JSON is 400 {data: null, error}', async () => {
    await setup();
    for (const [method, url, headers] of [
      ['POST', '/track-event', { authorization: token }],
      ['DELETE', '/users', { authorization: token }],
      ['POST', '/authenticate', {}],
    ] as const) {
      const r = await t.app.inject({ method, url, headers: { ...headers, 'content-type': 'application/json' }, payload: '{"projectId": ' });
      expect(r.statusCode).toBe(400);
      expect(r.json()).toEqual({ data: null, error: expect.stringMatching(/^Bad request: malformed JSON body: /) });
    }
    const noBody = await t.app.inject({ method: 'POST', url: '/track-event', headers: { authorization: token } });
    expectJson(noBody, 400, { data: null, error: 'Bad request: body must be a JSON object or an array' });
  });
});

// ---- 7. one core ---------------------------------------------------------------------------------------------
describe('one core with the DFINERY face', () => {
  beforeEach(() => setup());
  const dfinery = (path: string, payload: unknown) =>
    t.app.inject({ method: 'POST', url: `${path}?service_id=${project.id}`, headers: { access_token: keys.import_token }, payload: payload as object });

  test('an event tracked here is stored with the profile a DFINERY identities call with the same external_id resolved', async () => {
    const r = await dfinery('/api/v1/identities', { identity: { external_id: 'shared-user', email: 'shared@x.com' } });
    expect(r.json().code).toBe('20000');
    const dfineryProfile = (await ownerOf('email', 'shared@x.com'))!;
    expect(dfineryProfile).toBeTruthy();
    await authed('POST', '/track-event', { projectId: project.id, userId: 'shared-user', eventName: 'open' });
    expect((await events()).map((e) => e.profile_id)).toEqual([dfineryProfile]);
    expect(await count('profiles')).toBe(1);
  });

  test('a user set here is the profile DFINERY events and user-profile calls land on; deleting here removes them too', async () => {
    await authed('POST', '/set-user-properties', { projectId: project.id, userId: 'n-user', userProperties: { $email: 'n@x.com' } });
    const profileId = (await ownerOf('external_id', 'n-user'))!;
    const ev = await dfinery('/api/v1/events', {
      common: { identity: { email: 'n@x.com' } },
      events: [{ event_log_id: 'e-1', event_name: 'df_login', event_datetime: '2025-01-06T00:59:00.000Z' }],
    });
    expect(ev.json().code).toBe('20000');
    const up = await dfinery('/api/v1/user-profile', { identity: { external_id: 'n-user' }, user_properties: { df_gender: 'Female' } });
    expect(up.json().code).toBe('20000');
    expect((await events()).map((e) => [e.name, e.profile_id])).toEqual([['df_login', profileId]]);
    expect(JSON.parse((await profiles())[0].properties)).toEqual({ df_email: 'n@x.com', df_gender: 'Female' });
    expectJson(await authed('DELETE', '/users', { projectId: project.id, userProperties: { $email: 'n@x.com' } }), 200, { data: 1, error: null });
    expect([await count('events'), await count('profiles'), await count('identifiers')]).toEqual([0, 0, 0]);
  });
});
