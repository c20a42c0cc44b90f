import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { LightMyRequestResponse } from 'fastify';
import { buildTestApp, createProject, ManualClock, type TestApp } from '../helpers/app.ts';
import type { IssuedCredentials } from '../../src/core/credentials/credentials.service.ts';
import type { Project } from '../../src/core/projects/projects.types.ts';

/**
 * D16 and the identifier checks of D6 on every face, through app.inject on a real SQLite file: text is stored exactly
 * or refused naming the field (lone surrogates, NUL, depth > 32, integers beyond 2^53), names like Object.prototype
 * members are ordinary names, emails and phones are checked for what they are, placeholders identify no one.
 * Every refusal is checked to have changed nothing.
 */

let t: TestApp;
let project: Project;
let keys: IssuedCredentials;
let token: string;

beforeAll(async () => {
  t = await buildTestApp({ clock: new ManualClock('2025-03-01T00:00:00Z') });
  ({ project, credentials: keys } = await createProject(t.runtime));
  const auth = await t.app.inject({ method: 'POST', url: '/authenticate', payload: { accessKey: keys.access_key, secretKey: keys.secret_key } });
  token = auth.json().data;
});
afterAll(async () => {
  await t?.close();
});

const dfinery = (path: string, body: unknown) =>
  t.app.inject({
    method: 'POST',
    url: `${path}?service_id=${project.id}`,
    headers: { access_token: keys.import_token, 'content-type': 'application/json' },
    payload: typeof body === 'string' ? body : JSON.stringify(body),
  });
const marketap = (path: string, body: unknown) =>
  t.app.inject({
    method: 'POST',
    url: `${path}?project_id=${project.id}`,
    headers: { authorization: `Bearer ${keys.api_key}`, 'content-type': 'application/json' },
    payload: typeof body === 'string' ? body : JSON.stringify(body),
  });
const notifly = (method: 'POST' | 'DELETE', path: string, body: unknown) =>
  t.app.inject({
    method,
    url: path,
    headers: { authorization: token, 'content-type': 'application/json' },
    payload: typeof body === 'string' ? body : JSON.stringify(body),
  });

async function dump() {
  const db = t.runtime.store.db;
  const rows = async (table: 'identifiers' | 'profiles' | 'events' | 'properties' | 'event_types') =>
    JSON.stringify(await db.selectFrom(table).selectAll().where('project_id', '=', project.id).execute());
  return [await rows('identifiers'), await rows('profiles'), await rows('events'), await rows('properties'), await rows('event_types')];
}

/** DFINERY answers 200 with 40001 and data.field; Marketap 400 {error}; Notifly 400 {data: null, error}. */
async function refused(r: LightMyRequestResponse, face: 'dfinery' | 'marketap' | 'notifly', field: string, before: unknown, message?: RegExp) {
  const body = r.json();
  if (face === 'dfinery') {
    expect({ status: r.statusCode, code: body.code, field: body.data?.field }, r.body).toEqual({ status: 200, code: '40001', field });
  } else if (face === 'marketap') {
    expect({ status: r.statusCode, code: body.error?.code, field: body.error?.field }, r.body).toEqual({ status: 400, code: 'invalid_input', field });
  } else {
    expect(r.statusCode, r.body).toBe(400);
    expect(body.data, r.body).toBeNull();
    expect(String(body.error), r.body).toContain(field);
  }
  if (message) expect(r.body).toMatch(message);
  expect(r.body).not.toMatch(/native code|function /);
  expect(await dump()).toEqual(before);
}

const nest = (depth: number): unknown => (depth === 0 ? 'leaf' : { n: nest(depth - 1) });

describe('text is stored exactly or refused (D16)', () => {
  test('a lone surrogate in an identifier is refused on every face, naming the field', async () => {
    const before = await dump();
    await refused(await dfinery('/api/v1/identities', '{"identity":{"external_id":"u\\ud800"}}'), 'dfinery', 'identity.external_id', before, /lone surrogate/);
    await refused(await marketap('/v1/api/profile/user', '{"profiles":[{"user_id":"u\\udfff"}]}'), 'marketap', 'profiles[0].user_id', before);
    await refused(
      await notifly('POST', '/set-user-properties', `{"projectId":"${project.id}","userId":"u\\ud83d","userProperties":{}}`),
      'notifly',
      'body[0].userId',
      before,
    );
  });

  test('NUL is refused in values and in names', async () => {
    const before = await dump();
    await refused(
      await dfinery('/api/v1/user-profile', '{"identity":{"external_id":"u1"},"user_properties":{"df_name":"a\\u0000b"}}'),
      'dfinery',
      'user_properties.df_name',
      before,
      /NUL/,
    );
    await refused(
      await marketap('/v1/api/profile/user', '{"profiles":[{"user_id":"u1","properties":{"a\\u0000":"x"}}]}'),
      'marketap',
      'profiles[0].properties["a\\u0000"]',
      before,
    );
    await refused(
      await notifly('POST', '/track-event', [{ projectId: project.id, userId: 'u1', eventName: 'e', eventParams: { k: 'v\u0000' } }]),
      'notifly',
      'body[0].eventParams.k',
      before,
    );
  });

  test('JSON deeper than 32 levels is a 400 on every face (body parser), and the core checker names the field', async () => {
    const before = await dump();
    const deep = (n: number) => `${'{"n":'.repeat(n)}1${'}'.repeat(n)}`;
    const m = await marketap('/v1/api/profile/user', `{"profiles":[{"user_id":"u1","properties":{"deep":${deep(40)}}}]}`);
    expect({ status: m.statusCode, code: m.json().error.code }).toEqual({ status: 400, code: 'malformed_body' });
    const n = await notifly('POST', '/track-event', `{"projectId":"${project.id}","userId":"u1","eventName":"e","eventParams":${deep(100_000)}}`);
    expect(n.statusCode, n.body).toBe(400);
    const d = await dfinery('/api/v1/user-profile', `{"identity":{"external_id":"u1"},"user_properties":{"df_name":${deep(33)}}}`);
    expect(d.statusCode, d.body).toBe(400);
    const admin = await t.app.inject({
      method: 'PATCH',
      url: `/admin/v1/projects/${project.id}`,
      headers: { authorization: 'Bearer maru_adm_test-admin-token-for-tests-only', 'content-type': 'application/json' },
      payload: `{"settings":{"x":${deep(100)}}}`,
    });
    expect(admin.statusCode, admin.body).toBe(400);
    expect(await dump()).toEqual(before);
    // The core's checker (used on parsed values that did not come through the body parser) names the deepest field.
    const { checkInputTree } = await import('../../src/core/input/input-checks.ts');
    expect(() => checkInputTree({ a: nest(31) })).not.toThrow();
    expect(() => checkInputTree({ a: nest(32) })).toThrow(expect.objectContaining({ field: `a${'.n'.repeat(31)}` }));
  });

  test('an integer beyond 2^53 is refused, not rounded', async () => {
    const before = await dump();
    await refused(
      await marketap('/v1/api/profile/user', '{"profiles":[{"user_id":"u1","properties":{"points":9007199254740993}}]}'),
      'marketap',
      'profiles[0].properties.points',
      before,
      /2\^53/,
    );
  });
});

describe('names like Object.prototype members are ordinary names (D16)', () => {
  test('Marketap and Notifly store properties named constructor, toString, __proto__, hasOwnProperty', async () => {
    const names = ['constructor', 'toString', '__proto__', 'hasOwnProperty', 'valueOf'];
    const props = `{${names.map((n) => `"${n}":"v-${n}"`).join(',')}}`;
    const r = await marketap('/v1/api/profile/user', `{"profiles":[{"user_id":"proto-user","properties":${props}}]}`);
    expect(r.statusCode, r.body).toBe(202);
    const n = await notifly('POST', '/set-user-properties', `{"projectId":"${project.id}","userId":"proto-user-2","userProperties":${props}}`);
    expect(n.statusCode, n.body).toBe(200);
    for (const user of ['proto-user', 'proto-user-2']) {
      const id = await t.runtime.profiles.findByIdentifier(project.id, 'external_id', user);
      const row = await t.runtime.store.db
        .selectFrom('profiles')
        .select('properties')
        .where('project_id', '=', project.id)
        .where('id', '=', id!)
        .executeTakeFirstOrThrow();
      expect(JSON.parse(row.properties)).toEqual(JSON.parse(Object.fromEntries(names.map((k) => [k, `v-${k}`])) && props));
    }
    const registered = await t.runtime.taxonomy.list(project.id);
    for (const k of names)
      expect(
        registered.properties.some((p) => p.scope === 'user' && p.name === k),
        k,
      ).toBe(true);
  });

  test('DFINERY names an unknown identity field without printing JavaScript; Notifly DELETE /users answers 400', async () => {
    const before = await dump();
    for (const k of ['constructor', 'toString', '__proto__']) {
      await refused(await dfinery('/api/v1/identities', `{"identity":{"${k}":"x"}}`), 'dfinery', `identity.${k}`, before);
      await refused(
        await notifly('DELETE', '/users', `{"projectId":"${project.id}","userProperties":{"${k}":"x"}}`),
        'notifly',
        `body[0].userProperties.${k}`,
        before,
      );
    }
  });
});

describe('identifiers are checked for what they are (D6)', () => {
  test('an email that is not an address and a phone that does not parse are refused on every face', async () => {
    const before = await dump();
    await refused(
      await dfinery('/api/v1/identities', { identity: { external_id: 'u1', email: 'not-an-email' } }),
      'dfinery',
      'identity.email',
      before,
      /email address/,
    );
    await refused(
      await dfinery('/api/v1/identities', { identity: { external_id: 'u1', phone_no: '12' } }),
      'dfinery',
      'identity.phone_no',
      before,
      /phone number/,
    );
    await refused(
      await marketap('/v1/api/profile/user', { profiles: [{ user_id: 'u1', properties: { mkt_email: 'kim@' } }] }),
      'marketap',
      'profiles[0].properties.mkt_email',
      before,
    );
    await refused(
      await marketap('/v1/api/profile/user', { profiles: [{ user_id: 'u1', properties: { mkt_phone_number: '010-12' } }] }),
      'marketap',
      'profiles[0].properties.mkt_phone_number',
      before,
    );
    await refused(
      await notifly('POST', '/set-user-properties', { projectId: project.id, userId: 'u1', userProperties: { $email: 'a b@x.io' } }),
      'notifly',
      'body[0].userProperties.$email',
      before,
    );
    await refused(
      await notifly('POST', '/set-user-properties', { projectId: project.id, userId: 'u1', userProperties: { $phone_number: 'call me' } }),
      'notifly',
      'body[0].userProperties.$phone_number',
      before,
    );
  });

  test.each(['guest', 'Guest', 'not_authenticated', '[object Object]', 'distinct_id', '"null"', 'undefined'])(
    'PostHog placeholder %s identifies no one',
    async (value) => {
      const before = await dump();
      await refused(await dfinery('/api/v1/identities', { identity: { external_id: value } }), 'dfinery', 'identity', before);
      await refused(await marketap('/v1/api/profile/user', { profiles: [{ user_id: value }] }), 'marketap', 'profiles[0].user_id', before);
      await refused(
        await notifly('POST', '/set-user-properties', { projectId: project.id, userId: value, userProperties: {} }),
        'notifly',
        'body[0].userId',
        before,
      );
    },
  );
});
