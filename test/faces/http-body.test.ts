import { deflateRawSync, deflateSync, gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { adminHeaders, buildTestApp, createProject, type TestApp } from '../helpers/app.ts';
import type { Project } from '../../src/core/projects/projects.types.ts';
import type { IssuedCredentials } from '../../src/core/credentials/credentials.service.ts';

/**
 * HTTP details of issue 13 / D16 on every face: Content-Encoding, the decoded body limit, strict UTF-8, JSON depth,
 * the wrong content type and the wrong method — each answered in the face's own envelope, each changing nothing.
 */

let t: TestApp;
let project: Project;
let creds: IssuedCredentials;
let notiflyToken: string;

beforeAll(async () => {
  t = await buildTestApp();
  ({ project, credentials: creds } = await createProject(t.runtime));
  const r = await t.app.inject({ method: 'POST', url: '/authenticate', payload: { accessKey: creds.access_key, secretKey: creds.secret_key } });
  notiflyToken = r.json().data;
});
afterAll(() => t.close());

const eventsCount = async () =>
  Number(
    (
      await t.runtime.store.db
        .selectFrom('events')
        .select((e) => e.fn.countAll().as('n'))
        .where('project_id', '=', project.id)
        .executeTakeFirstOrThrow()
    ).n,
  );
const profilesCount = async () =>
  Number(
    (
      await t.runtime.store.db
        .selectFrom('profiles')
        .select((e) => e.fn.countAll().as('n'))
        .where('project_id', '=', project.id)
        .executeTakeFirstOrThrow()
    ).n,
  );

interface Face {
  name: string;
  method: 'POST' | 'DELETE';
  url: () => string;
  headers: () => Record<string, string>;
  /** A valid body for the route. */
  body: (n: number) => unknown;
  /** The face's error envelope, checked on every refusal. */
  envelope: (status: number, body: any) => void;
}

let seq = 0;
let bomb: Buffer | undefined;
const FACES: Face[] = [
  {
    name: 'DFINERY import',
    method: 'POST',
    url: () => `/api/v1/identities?service_id=${project.id}`,
    headers: () => ({ access_token: creds.import_token }),
    body: (n) => ({ identity: { external_id: `dfn-${n}` } }),
    envelope: (status, b) => {
      expect(b).toMatchObject({ status: false, code: '40000', message: 'BAD_REQUEST' });
      expect(typeof b.data.reason).toBe('string');
    },
  },
  {
    name: 'DFINERY export',
    method: 'POST',
    url: () => `/api/v1/export/userprofile?service_id=${project.id}`,
    headers: () => ({ authorization: `Bearer ${creds.export_token}` }),
    body: () => ({}),
    envelope: (_status, b) => {
      expect(b.result).toBe('fail');
      expect(b.message).toMatch(/invalid_parameter|method_not_allowed/);
    },
  },
  {
    name: 'Marketap',
    method: 'POST',
    url: () => `/v1/api/profile/user?project_id=${project.id}`,
    headers: () => ({ authorization: `Bearer ${creds.api_key}` }),
    body: (n) => ({ profiles: [{ user_id: `mkt-${n}`, properties: {} }] }),
    envelope: (_status, b) => {
      expect(typeof b.error.code).toBe('string');
      expect(typeof b.error.message).toBe('string');
    },
  },
  {
    name: 'Notifly',
    method: 'POST',
    url: () => '/set-user-properties',
    headers: () => ({ authorization: notiflyToken }),
    body: (n) => ({ projectId: project.id, userId: `nfy-${n}`, userProperties: { tier: 'gold' } }),
    envelope: (_status, b) => {
      expect(b.data).toBeNull();
      expect(typeof b.error).toBe('string');
    },
  },
  {
    name: 'admin',
    method: 'POST',
    url: () => `/admin/v1/projects/${project.id}/taxonomy/events`,
    headers: () => adminHeaders,
    body: (n) => ({ name: `admin_event_${n}` }),
    envelope: (_status, b) => {
      expect(typeof b.error.code).toBe('string');
      expect(typeof b.error.message).toBe('string');
    },
  },
];

const send = (f: Face, payload: Buffer | string, headers: Record<string, string>) =>
  t.app.inject({ method: f.method, url: f.url(), headers: { 'content-type': 'application/json', ...f.headers(), ...headers }, payload });

describe.each(FACES)('$name', (f) => {
  test('gzip, zlib deflate and raw deflate bodies are decoded and accepted', async () => {
    for (const [encoding, encode] of [
      ['gzip', gzipSync],
      ['deflate', deflateSync],
      ['deflate', deflateRawSync],
    ] as const) {
      const r = await send(f, encode(Buffer.from(JSON.stringify(f.body(++seq)))), { 'content-encoding': encoding });
      expect(r.statusCode, `${encoding}: ${r.body}`).toBeLessThan(300);
    }
  });

  test('a gzip bomb is 413 in the envelope, detected while inflating, and stores nothing', async () => {
    // 64 MiB of spaces inside a valid JSON document compresses to ~64 KiB.
    bomb ??= gzipSync(Buffer.concat([Buffer.from('{"a":"'), Buffer.alloc(64 * 1024 * 1024, 0x20), Buffer.from('"}')]));
    expect(bomb.length).toBeLessThan(1024 * 1024);
    const [events, profiles] = [await eventsCount(), await profilesCount()];
    const started = Date.now();
    const r = await send(f, bomb, { 'content-encoding': 'gzip' });
    expect(r.statusCode).toBe(413);
    expect(Date.now() - started).toBeLessThan(2000);
    if (f.name !== 'DFINERY import') f.envelope(413, r.json());
    else expect(r.json()).toMatchObject({ status: false, code: '40000' });
    expect([await eventsCount(), await profilesCount()]).toEqual([events, profiles]);
  });

  test('another Content-Encoding is 415 in the envelope; broken gzip is 400', async () => {
    const r = await send(f, Buffer.from(JSON.stringify(f.body(++seq))), { 'content-encoding': 'br' });
    expect(r.statusCode).toBe(415);
    f.envelope(415, r.json());
    const broken = await send(f, Buffer.from('not gzip at all'), { 'content-encoding': 'gzip' });
    expect(broken.statusCode).toBe(400);
    f.envelope(400, broken.json());
  });

  test('invalid UTF-8 is 400 naming the body, never U+FFFD', async () => {
    const before = await profilesCount();
    const json = Buffer.from(JSON.stringify(f.body(++seq)));
    // Replace the first letter of the first string value with the invalid byte 0xff.
    const at = json.indexOf('"', json.indexOf(':')) + 1;
    json[at] = 0xff;
    const r = await send(f, json, {});
    expect(r.statusCode).toBe(400);
    f.envelope(400, r.json());
    expect(r.body).toMatch(/UTF-8/);
    expect(await profilesCount()).toBe(before);
  });

  test('JSON nested 33 levels deep is 400 at parse time; 32 levels parse', async () => {
    const nest = (n: number) => '['.repeat(n) + ']'.repeat(n);
    const deep = await send(f, `{"x":${nest(32)}}`, {});
    expect(deep.statusCode).toBe(400);
    f.envelope(400, deep.json());
    expect(deep.body).toMatch(/32 levels/);
    // 32 levels pass the parser (the face may then refuse the unknown field, but not as a malformed body).
    const ok = await send(f, `{"x":${nest(31)}}`, {});
    expect(ok.body).not.toMatch(/32 levels/);
  });

  test("a body of another content type is the face's 400", async () => {
    for (const type of ['text/plain', 'application/x-www-form-urlencoded', 'application/xml']) {
      const r = await send(f, JSON.stringify(f.body(++seq)), { 'content-type': type });
      expect(r.statusCode, `${type}: ${r.body}`).toBe(400);
      f.envelope(400, r.json());
    }
  });

  test('a wrong method is 405 with Allow in the envelope', async () => {
    const r = await t.app.inject({ method: 'PUT', url: f.url(), headers: f.headers(), payload: {} });
    expect(r.statusCode).toBe(405);
    expect(r.headers.allow).toContain(f.method);
    f.envelope(405, r.json());
  });
});

test('a DFINERY body of text/plain is 400/40000, not 200/40001 (D1)', async () => {
  const r = await t.app.inject({
    method: 'POST',
    url: `/api/v1/identities?service_id=${project.id}`,
    headers: { access_token: creds.import_token, 'content-type': 'text/plain' },
    payload: JSON.stringify({ identity: { external_id: 'plain' } }),
  });
  expect(r.statusCode).toBe(400);
  expect(r.json()).toEqual({ status: false, code: '40000', message: 'BAD_REQUEST', data: { reason: 'Content-Type must be application/json' } });
});

test('a gzip body is stored exactly as its decoded JSON says', async () => {
  const name = '홍길동 \u{1F600}';
  const body = { projectId: project.id, userId: 'gz-exact', userProperties: { nickname: name } };
  const r = await t.app.inject({
    method: 'POST',
    url: '/set-user-properties',
    headers: { authorization: notiflyToken, 'content-type': 'application/json', 'content-encoding': 'gzip' },
    payload: gzipSync(Buffer.from(JSON.stringify(body))),
  });
  expect(r.statusCode).toBe(200);
  const id = await t.runtime.profiles.findByIdentifier(project.id, 'external_id', 'gz-exact');
  const profile = await t.runtime.profiles.get(project.id, id!);
  expect((profile as any).properties.nickname).toBe(name);
});
