import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import type { LightMyRequestResponse } from 'fastify';
import { ADMIN_TOKEN, adminHeaders, buildTestApp, createProject, ManualClock, type TestApp } from '../helpers/app.ts';
import { digestSecret } from '../../src/core/credentials/secrets.ts';

/** The admin API through app.inject(): projects, credentials, taxonomy, profile lookups; its authentication. */

const T0 = Date.UTC(2025, 0, 6, 1, 0, 0);
const DAY = 24 * 60 * 60 * 1000;

let t: TestApp;
let clock: ManualClock;

beforeEach(async () => {
  clock = new ManualClock(T0);
  t = await buildTestApp({ clock });
});
afterEach(async () => {
  await t.close();
});

const json = (r: LightMyRequestResponse) => JSON.parse(r.body);
const admin = (method: 'GET' | 'POST' | 'PATCH', url: string, payload?: unknown, headers: Record<string, string> = adminHeaders) =>
  t.app.inject({ method, url, headers, ...(payload === undefined ? {} : { payload: payload as object }) });

const count = async (table: 'projects' | 'credentials' | 'properties' | 'event_types') =>
  Number(
    (
      await t.runtime.store.db
        .selectFrom(table)
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .executeTakeFirstOrThrow()
    ).n,
  );

const importEvent = (projectId: string, token: string) =>
  t.app.inject({
    method: 'POST',
    url: `/api/v1/identities?service_id=${projectId}`,
    headers: { access_token: token },
    payload: { identity: { external_id: 'u1' } },
  });

describe('authentication', () => {
  const UNAUTHENTICATED = { error: { code: 'unauthenticated', message: 'invalid credentials' } };

  test.each([
    ['no Authorization header', {}],
    ['a wrong token', { authorization: 'Bearer maru_adm_wrong' }],
    ['the token without Bearer', { authorization: ADMIN_TOKEN }],
  ])('%s: 401, and nothing is created', async (_name, headers) => {
    const before = await count('projects');
    for (const [method, url] of [
      ['POST', '/admin/v1/projects'],
      ['GET', '/admin/v1/projects'],
    ] as const) {
      const r = await admin(method, url, method === 'POST' ? { name: 'x' } : undefined, headers as Record<string, string>);
      expect(r.statusCode).toBe(401);
      expect(json(r)).toEqual(UNAUTHENTICATED);
    }
    expect(await count('projects')).toBe(before);
  });

  test("a project's credentials are not admin credentials", async () => {
    const { credentials } = await createProject(t.runtime);
    for (const secret of Object.values(credentials)) {
      const r = await admin('GET', '/admin/v1/projects', undefined, { authorization: `Bearer ${secret}` });
      expect(r.statusCode).toBe(401);
    }
  });

  test('MARU_ADMIN_TOKEN works, and so does a token created with `maru admin token`', async () => {
    expect((await admin('GET', '/admin/v1/projects')).statusCode).toBe(200);
    const created = await t.runtime.credentials.createAdmin();
    expect(created).toMatch(/^maru_adm_[0-9A-Za-z]{43}$/);
    expect((await admin('GET', '/admin/v1/projects', undefined, { authorization: `Bearer ${created}` })).statusCode).toBe(200);
    // Only its digest is stored.
    const rows = await t.runtime.store.db.selectFrom('credentials').selectAll().where('kind', '=', 'admin').execute();
    expect(rows.map((r) => r.digest)).toEqual([digestSecret(created)]);
    expect(JSON.stringify(rows)).not.toContain(created);
  });
});

describe('projects', () => {
  test('create: 201 with the id, the project and its credentials, shown once and stored only as digests', async () => {
    const r = await admin('POST', '/admin/v1/projects', { name: ' Shop ', timezone: 'Asia/Tokyo', settings: { strictTaxonomy: true } });
    expect(r.statusCode).toBe(201);
    const body = json(r);
    expect(body).toEqual({
      project_id: expect.stringMatching(/^[0-9a-z]{10}$/),
      project: { id: body.project_id, name: 'Shop', timezone: 'Asia/Tokyo', settings: { strictTaxonomy: true }, createdAt: '2025-01-06T01:00:00.000Z' },
      credentials: {
        import_token: expect.stringMatching(/^maru_imp_[0-9A-Za-z]{43}$/),
        export_token: expect.stringMatching(/^maru_exp_[0-9A-Za-z]{43}$/),
        api_key: expect.stringMatching(/^maru_api_[0-9A-Za-z]{43}$/),
        access_key: expect.stringMatching(/^maru_ak_[0-9A-Za-z]{43}$/),
        secret_key: expect.stringMatching(/^maru_sk_[0-9A-Za-z]{43}$/),
      },
    });
    const stored = await t.runtime.store.db.selectFrom('credentials').selectAll().where('project_id', '=', body.project_id).execute();
    expect(stored.map((c) => c.kind).sort()).toEqual(['access-key', 'api-key', 'export', 'import', 'secret-key']);
    const dump = JSON.stringify(stored);
    for (const secret of Object.values(body.credentials as Record<string, string>)) {
      expect(dump).not.toContain(secret);
      expect(stored.some((c) => c.digest === digestSecret(secret))).toBe(true);
    }
    // The listing shows prefixes only.
    const list = json(await admin('GET', `/admin/v1/projects/${body.project_id}/credentials`));
    expect(list.credentials).toHaveLength(5);
    for (const secret of Object.values(body.credentials as Record<string, string>)) expect(JSON.stringify(list)).not.toContain(secret);
    expect(list.credentials.map((c: { prefix: string }) => c.prefix).sort()).toEqual(
      expect.arrayContaining([expect.stringMatching(/^maru_imp_[0-9A-Za-z]{4}$/)]),
    );
    // The import token works on the DFINERY face at once.
    expect(json(await importEvent(body.project_id, body.credentials.import_token)).code).toBe('20000');
  });

  test('the default timezone is Asia/Seoul, and the standard taxonomy is pre-registered', async () => {
    const body = json(await admin('POST', '/admin/v1/projects', { name: 'Default' }));
    expect(body.project.timezone).toBe('Asia/Seoul');
    const taxonomy = json(await admin('GET', `/admin/v1/projects/${body.project_id}/taxonomy`));
    expect(taxonomy.events.map((e: { name: string }) => e.name)).toEqual(expect.arrayContaining(['df_login', 'df_purchase', 'df_sign_up']));
    expect(taxonomy.properties).toEqual(
      expect.arrayContaining([
        { scope: 'event', name: 'df_total_purchase_amount', type: 'double', origin: 'standard' },
        { scope: 'item', name: 'df_quantity', type: 'long', origin: 'standard' },
        { scope: 'user', name: 'df_push_ads_optin', type: 'boolean', origin: 'standard' },
      ]),
    );
  });

  test.each([
    [{}, 'name'],
    [{ name: '' }, 'name'],
    [{ name: 'x'.repeat(201) }, 'name'],
    [{ name: 'x', timezone: 'Mars/Olympus' }, 'timezone'],
    [{ name: 'x', timezone: 5 }, 'timezone'],
    [{ name: 'x', settings: 'strict' }, 'settings'],
  ])('create %j: 400 naming %s, nothing stored', async (payload, field) => {
    const before = [await count('projects'), await count('credentials')];
    const r = await admin('POST', '/admin/v1/projects', payload);
    expect(r.statusCode).toBe(400);
    expect(json(r).error).toMatchObject({ code: 'invalid_input', field });
    expect([await count('projects'), await count('credentials')]).toEqual(before);
  });

  test('list, get and patch', async () => {
    const a = json(await admin('POST', '/admin/v1/projects', { name: 'A' }));
    clock.advance(1000);
    const b = json(await admin('POST', '/admin/v1/projects', { name: 'B' }));
    expect(json(await admin('GET', '/admin/v1/projects')).projects.map((p: { id: string }) => p.id)).toEqual([a.project_id, b.project_id]);
    expect(json(await admin('GET', `/admin/v1/projects/${a.project_id}`)).project.name).toBe('A');
    const patched = json(await admin('PATCH', `/admin/v1/projects/${a.project_id}`, { name: 'A2', settings: { limits: { event_ingest: 10 } } }));
    expect(patched.project).toMatchObject({ name: 'A2', timezone: 'Asia/Seoul', settings: { limits: { event_ingest: 10 } } });
    const bad = await admin('PATCH', `/admin/v1/projects/${a.project_id}`, { timezone: 'Nowhere/Nothing' });
    expect(bad.statusCode).toBe(400);
    expect(json(bad).error.field).toBe('timezone');
    expect(json(await admin('GET', `/admin/v1/projects/${a.project_id}`)).project.timezone).toBe('Asia/Seoul');
  });

  test.each([
    [{}, 'body', 'nothing to change: give at least one of name, timezone, settings'],
    [{ nme: 'typo' }, 'nme', 'nme is not a project field (name, timezone, settings)'],
    [{ name: 'ok', id: 'other' }, 'id', 'id is not a project field (name, timezone, settings)'],
    [{ name: '   ' }, 'name', 'name is required (1-200 characters)'],
    [{ name: 'x'.repeat(201) }, 'name', 'name is required (1-200 characters)'],
    [{ settings: [] }, 'settings', 'settings must be a JSON object'],
    [{ settings: { limits: 'lots' } }, 'settings.limits', 'settings.limits must be an object {policy: quota}, e.g. {"event_ingest": 500000}'],
    [
      { settings: { limits: { event_ingest: -5 } } },
      'settings.limits.event_ingest',
      'settings.limits.event_ingest must be a whole number of at least 0 (or null for the default 1000000), got -5',
    ],
    [
      { settings: { limits: { event_ingest: 'lots' } } },
      'settings.limits.event_ingest',
      'settings.limits.event_ingest must be a whole number of at least 0 (or null for the default 1000000), got "lots"',
    ],
    [
      { settings: { limits: { event_ingest: 1.5 } } },
      'settings.limits.event_ingest',
      'settings.limits.event_ingest must be a whole number of at least 0 (or null for the default 1000000), got 1.5',
    ],
    [
      { settings: { limits: { burst: 10 } } },
      'settings.limits.burst',
      expect.stringMatching(/^settings\.limits\.burst is not a rate-limit policy \(event_ingest, /),
    ],
    [{ settings: { strictTaxonomy: 'yes' } }, 'settings.strictTaxonomy', 'settings.strictTaxonomy must be true or false'],
    [{ settings: { phoneRegion: 'XX' } }, 'settings.phoneRegion', 'settings.phoneRegion must be an ISO 3166 region code such as KR, got "XX"'],
    [
      { settings: { strictTaxnomy: true } },
      'settings.strictTaxnomy',
      expect.stringMatching(/^settings\.strictTaxnomy is not a project setting \(strictTaxonomy, /),
    ],
    [
      { settings: { campaigns: { quietHour: {} } } },
      'settings.campaigns.quietHour',
      expect.stringMatching(/^settings\.campaigns\.quietHour is not a campaign setting/),
    ],
    [
      { settings: { taxonomyLimits: { events: 0 } } },
      'settings.taxonomyLimits.events',
      'settings.taxonomyLimits.events must be a whole number from 1 to 100000, got 0',
    ],
  ])('patch %j: 400 naming %s, nothing changed', async (payload, field, message) => {
    const { project } = await createProject(t.runtime, { settings: { limits: { event_ingest: 7 } } });
    const before = json(await admin('GET', `/admin/v1/projects/${project.id}`)).project;
    const r = await admin('PATCH', `/admin/v1/projects/${project.id}`, payload);
    expect([r.statusCode, json(r)]).toEqual([400, { error: { code: 'invalid_input', field, message } }]);
    expect(json(await admin('GET', `/admin/v1/projects/${project.id}`)).project).toEqual(before);
  });

  test('create refuses unknown fields and malformed settings as patch does', async () => {
    for (const [payload, field] of [
      [{ name: 'x', colour: 'red' }, 'colour'],
      [{ name: 'x', settings: { limits: { event_ingest: -1 } } }, 'settings.limits.event_ingest'],
      [{ name: 'x', settings: { nope: 1 } }, 'settings.nope'],
    ] as const) {
      const before = await count('projects');
      const r = await admin('POST', '/admin/v1/projects', payload);
      expect([r.statusCode, json(r).error.field]).toEqual([400, field]);
      expect(await count('projects')).toBe(before);
    }
  });

  test('patch: settings members replace the stored ones, null puts one back to its default; times are ISO 8601 UTC', async () => {
    const { project } = await createProject(t.runtime, { settings: { strictTaxonomy: true, phoneRegion: 'US' } });
    const r = await admin('PATCH', `/admin/v1/projects/${project.id}`, { settings: { phoneRegion: null, limits: { event_ingest: 0, export_requests: null } } });
    expect(r.statusCode).toBe(200);
    expect(json(r).project).toEqual({
      id: project.id,
      name: project.name,
      timezone: 'Asia/Seoul',
      settings: { strictTaxonomy: true, limits: { event_ingest: 0, export_requests: null } },
      createdAt: '2025-01-06T01:00:00.000Z',
    });
    expect(t.runtime.rateLimiter.quota(await t.runtime.projects.get(project.id), 'export_requests')).toBe(100);
  });

  test('every admin time is ISO 8601 UTC with milliseconds (projects, credentials, profiles, audiences)', async () => {
    const { project } = await createProject(t.runtime);
    await t.runtime.profiles.upsert({
      projectId: project.id,
      updates: [{ identifiers: [{ type: 'external_id', value: 'u1' }], properties: { tier: 'gold' } }],
      strict: false,
    });
    await admin('POST', `/admin/v1/projects/${project.id}/audiences`, { name: 'all', rule: { property: 'tier', op: 'exists' } });
    const ISO = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/;
    const times: [string, unknown][] = [];
    const walk = (path: string, v: unknown) => {
      if (Array.isArray(v)) {
        for (const [i, x] of v.entries()) walk(`${path}[${i}]`, x);
      } else if (v && typeof v === 'object') for (const [k, x] of Object.entries(v)) walk(path === '' ? k : `${path}.${k}`, x);
      else if (/(At|_at)$/.test(path) || /propertyTimes\./.test(path)) times.push([path, v]);
    };
    for (const url of ['', '/credentials', '/profiles?type=external_id&value=u1', '/audiences'])
      walk('', json(await admin('GET', `/admin/v1/projects/${project.id}${url}`)));
    walk('list', json(await admin('GET', '/admin/v1/projects')));
    expect(times.length).toBeGreaterThan(10);
    for (const [path, v] of times) if (v !== null) expect([path, v]).toEqual([path, expect.stringMatching(ISO)]);
    expect(times.map(([p]) => p)).toEqual(
      expect.arrayContaining([
        'project.createdAt',
        'credentials[0].created_at',
        'profile.createdAt',
        'profile.propertyTimes.tier',
        'audiences[0].updatedAt',
        'list.projects[0].createdAt',
      ]),
    );
  });

  test.each([
    ['/outbox?before=2025-01-06T01:00:00', 'before'],
    ['/outbox?before=yesterday', 'before'],
    ['/events?from=2025-01-06T01:00:00.000', 'from'],
    ['/events?to=2025-01-06', 'to'],
  ])('GET %s: a datetime parameter without a zone is 400 naming %s (D3)', async (path, field) => {
    const { project } = await createProject(t.runtime);
    const r = await admin('GET', `/admin/v1/projects/${project.id}${path}`);
    expect([r.statusCode, json(r).error.field, json(r).error.message]).toEqual([
      400,
      field,
      expect.stringContaining(`${field} must be an ISO 8601 datetime with Z or an offset`),
    ]);
    const zoned = await admin('GET', `/admin/v1/projects/${project.id}${path.replace(/=.*/, '=2025-01-06T10:00:00.000%2B09:00')}`);
    expect(zoned.statusCode).toBe(200);
  });

  test('an unknown project is 404', async () => {
    for (const [method, url] of [
      ['GET', '/admin/v1/projects/nope'],
      ['GET', '/admin/v1/projects/nope/taxonomy'],
      ['POST', '/admin/v1/projects/nope/credentials/import/reissue'],
      ['POST', '/admin/v1/projects/nope/taxonomy/events'],
    ] as const) {
      const r = await admin(method, url, method === 'POST' ? { name: 'e' } : undefined);
      expect(r.statusCode).toBe(404);
      expect(json(r).error.code).toBe('unknown_project');
    }
  });
});

describe('credentials', () => {
  test('reissue: a new secret; the old one keeps working for 14 days', async () => {
    const { project, credentials } = await createProject(t.runtime);
    const r = await admin('POST', `/admin/v1/projects/${project.id}/credentials/import/reissue`);
    expect(r.statusCode).toBe(200);
    const fresh = json(r).credentials.import as string;
    expect(json(r)).toEqual({ credentials: { import: expect.stringMatching(/^maru_imp_/) } });
    expect(json(await importEvent(project.id, fresh)).code).toBe('20000');
    clock.advance(14 * DAY - 1);
    expect(json(await importEvent(project.id, credentials.import_token)).code).toBe('20000');
    clock.advance(1);
    expect(json(await importEvent(project.id, credentials.import_token)).code).toBe('40201');
    expect(json(await importEvent(project.id, fresh)).code).toBe('20000');
    // The listing shows the old one with its expiry.
    const list = json(await admin('GET', `/admin/v1/projects/${project.id}/credentials`)).credentials as { kind: string; expires_at: string | null }[];
    expect(list.filter((c) => c.kind === 'import').map((c) => c.expires_at)).toEqual([new Date(T0 + 14 * DAY).toISOString(), null]);
  });

  test('access-key and secret-key are reissued together', async () => {
    const { project } = await createProject(t.runtime);
    const body = json(await admin('POST', `/admin/v1/projects/${project.id}/credentials/secret-key/reissue`));
    expect(Object.keys(body.credentials).sort()).toEqual(['access-key', 'secret-key']);
    expect(body.credentials['access-key']).toMatch(/^maru_ak_/);
    expect(body.credentials['secret-key']).toMatch(/^maru_sk_/);
  });

  test.each(['admin', 'root', 'import_token'])('kind %s is refused with 400 naming kind', async (kind) => {
    const { project } = await createProject(t.runtime);
    const before = await count('credentials');
    const r = await admin('POST', `/admin/v1/projects/${project.id}/credentials/${kind}/reissue`);
    expect(r.statusCode).toBe(400);
    expect(json(r).error).toMatchObject({ code: 'invalid_input', field: 'kind' });
    expect(await count('credentials')).toBe(before);
  });
});

describe('taxonomy', () => {
  let projectId: string;
  beforeEach(async () => {
    projectId = (await createProject(t.runtime)).project.id;
  });
  const taxonomy = async () => json(await admin('GET', `/admin/v1/projects/${projectId}/taxonomy`));
  const custom = async () => {
    const tx = await taxonomy();
    return {
      events: tx.events.filter((e: { origin: string }) => e.origin !== 'standard').map((e: { name: string }) => e.name),
      properties: tx.properties
        .filter((p: { origin: string }) => p.origin !== 'standard')
        .map((p: { scope: string; name: string; type: string }) => `${p.scope}:${p.name}:${p.type}`),
    };
  };

  test('a document registers its events and properties (types as the seeds spell them)', async () => {
    const r = await admin('POST', `/admin/v1/projects/${projectId}/taxonomy`, {
      events: ['app_open', { name: 'coupon_used' }],
      properties: [
        { scope: 'event', name: 'coupon_code', type: 'String' },
        { scope: 'item', name: 'color', type: 'string' },
        { scope: 'user', name: 'tier', type: 'Long' },
        { scope: 'user', name: 'tags', type: 'Array of String' },
        { scope: 'user', name: 'scores', type: 'double[]' },
        { scope: 'user', name: 'last_seen', type: 'Datetime' },
        { scope: 'user', name: 'birthday', type: 'Date' },
      ],
    });
    expect(r.statusCode).toBe(200);
    expect(json(r)).toEqual({ events: 2, properties: 7 });
    expect(await custom()).toEqual({
      events: ['app_open', 'coupon_used'],
      properties: [
        'event:coupon_code:string',
        'item:color:string',
        'user:birthday:date',
        'user:last_seen:datetime',
        'user:scores:double[]',
        'user:tags:string[]',
        'user:tier:long',
      ],
    });
    // Registering the same document again changes nothing.
    expect(
      json(
        await admin('POST', `/admin/v1/projects/${projectId}/taxonomy`, { events: ['app_open'], properties: [{ scope: 'user', name: 'tier', type: 'Long' }] }),
      ),
    ).toEqual({
      events: 1,
      properties: 1,
    });
    expect((await custom()).properties).toHaveLength(7);
  });

  test('a conflicting type anywhere in the document is 409 and registers nothing of it', async () => {
    await admin('POST', `/admin/v1/projects/${projectId}/taxonomy`, { properties: [{ scope: 'user', name: 'tier', type: 'Long' }] });
    const before = await custom();
    const r = await admin('POST', `/admin/v1/projects/${projectId}/taxonomy`, {
      events: ['new_event'],
      properties: [
        { scope: 'user', name: 'fresh', type: 'String' },
        { scope: 'user', name: 'tier', type: 'String' },
      ],
    });
    expect(r.statusCode).toBe(409);
    expect(json(r).error).toMatchObject({ code: 'conflict', field: 'properties[1].type' });
    expect(json(r).error.message).toMatch(/already registered as long/);
    expect(await custom()).toEqual(before);
  });

  test('a standard property cannot change type', async () => {
    const r = await admin('POST', `/admin/v1/projects/${projectId}/taxonomy`, { properties: [{ scope: 'user', name: 'df_push_ads_optin', type: 'String' }] });
    expect(r.statusCode).toBe(409);
  });

  test('the same property twice with different types in one document is 409 and registers nothing', async () => {
    const r = await admin('POST', `/admin/v1/projects/${projectId}/taxonomy`, {
      events: ['e1'],
      properties: [
        { scope: 'user', name: 'twice', type: 'Long' },
        { scope: 'user', name: 'twice', type: 'String' },
      ],
    });
    expect(r.statusCode).toBe(409);
    expect(json(r).error).toMatchObject({ code: 'conflict', field: 'properties[1].type' });
    expect(await custom()).toEqual({ events: [], properties: [] });
  });

  test.each([
    [{ events: 'e1' }, 'events'],
    [{ events: ['ok', 'bad name!'] }, 'events[1]'],
    [
      {
        properties: [
          { scope: 'user', name: 'a', type: 'Long' },
          { scope: 'device', name: 'b', type: 'Long' },
        ],
      },
      'properties[1].scope',
    ],
    [{ properties: [{ scope: 'user', name: 'a', type: 'Integer' }] }, 'properties[0].type'],
    [{ properties: [{ scope: 'user', name: 'df_unified_id', type: 'String' }] }, 'properties[0].name'],
    [{ properties: [null] }, 'properties[0]'],
    [[], 'body'],
  ])('an invalid document %j: 400 naming %s, nothing registered', async (doc, field) => {
    const r = await admin('POST', `/admin/v1/projects/${projectId}/taxonomy`, doc);
    expect(r.statusCode).toBe(400);
    expect(json(r).error).toMatchObject({ code: 'invalid_input', field });
    expect(await custom()).toEqual({ events: [], properties: [] });
  });

  test('single event and property registration: 201 when new, 200 when already there, 409 on a type conflict', async () => {
    const e1 = await admin('POST', `/admin/v1/projects/${projectId}/taxonomy/events`, { name: 'app_open' });
    expect([e1.statusCode, json(e1)]).toEqual([201, { name: 'app_open', created: true }]);
    const e2 = await admin('POST', `/admin/v1/projects/${projectId}/taxonomy/events`, { name: 'app_open' });
    expect([e2.statusCode, json(e2)]).toEqual([200, { name: 'app_open', created: false }]);
    const bad = await admin('POST', `/admin/v1/projects/${projectId}/taxonomy/events`, {});
    expect([bad.statusCode, json(bad).error.field]).toEqual([400, 'name']);

    const p1 = await admin('POST', `/admin/v1/projects/${projectId}/taxonomy/properties`, { scope: 'user', name: 'tier', type: 'Long' });
    expect([p1.statusCode, json(p1)]).toEqual([201, { projectId, scope: 'user', name: 'tier', type: 'long', created: true }]);
    const p2 = await admin('POST', `/admin/v1/projects/${projectId}/taxonomy/properties`, { scope: 'user', name: 'tier', type: 'long' });
    expect(p2.statusCode).toBe(200);
    const p3 = await admin('POST', `/admin/v1/projects/${projectId}/taxonomy/properties`, { scope: 'user', name: 'tier', type: 'Double' });
    expect([p3.statusCode, json(p3).error.code]).toEqual([409, 'conflict']);
    const p4 = await admin('POST', `/admin/v1/projects/${projectId}/taxonomy/properties`, { scope: 'user', name: 'x', type: 'Whatever' });
    expect([p4.statusCode, json(p4).error.field]).toEqual([400, 'type']);
    expect(await custom()).toEqual({ events: ['app_open'], properties: ['user:tier:long'] });
  });

  test('a registered event is accepted by the DFINERY face at once', async () => {
    const { project, credentials } = await createProject(t.runtime, { name: 'face' });
    const send = () =>
      t.app.inject({
        method: 'POST',
        url: `/api/v1/events?service_id=${project.id}`,
        headers: { access_token: credentials.import_token },
        payload: {
          common: { identity: { external_id: 'u' } },
          events: [{ event_log_id: '1', event_name: 'app_open', event_datetime: '2025-01-01T00:00:00Z' }],
        },
      });
    expect(json(await send()).code).toBe('40001');
    await admin('POST', `/admin/v1/projects/${project.id}/taxonomy/events`, { name: 'app_open' });
    expect(json(await send()).code).toBe('20000');
  });
});

describe('profiles', () => {
  test('by identifier and by id, absorbed ids resolving to the survivor', async () => {
    const { project } = await createProject(t.runtime);
    const [a] = await t.runtime.profiles.upsert({
      projectId: project.id,
      updates: [{ identifiers: [{ type: 'email', value: 'a@example.com' }], properties: { df_name: 'A' } }],
      strict: true,
    });
    clock.advance(1000);
    const [b] = await t.runtime.profiles.upsert({
      projectId: project.id,
      updates: [{ identifiers: [{ type: 'phone', value: '010-1234-5678' }] }],
      strict: true,
    });
    await t.runtime.profiles.upsert({
      projectId: project.id,
      updates: [
        {
          identifiers: [
            { type: 'email', value: 'a@example.com' },
            { type: 'phone', value: '01012345678' },
          ],
        },
      ],
      strict: true,
    });

    const byPhone = await admin('GET', `/admin/v1/projects/${project.id}/profiles?type=phone&value=${encodeURIComponent('+82 10-1234-5678')}`);
    expect(byPhone.statusCode).toBe(200);
    expect(json(byPhone).profile).toMatchObject({ id: a.profileId, properties: { df_name: 'A' } });
    const byAlias = json(await admin('GET', `/admin/v1/projects/${project.id}/profiles/${b.profileId}`));
    expect(byAlias.profile.id).toBe(a.profileId);
    expect(byAlias.profile.identifiers).toEqual(expect.arrayContaining([{ type: 'phone', value: '+821012345678' }]));

    expect((await admin('GET', `/admin/v1/projects/${project.id}/profiles/unknown`)).statusCode).toBe(404);
    expect((await admin('GET', `/admin/v1/projects/${project.id}/profiles?type=email&value=nobody@example.com`)).statusCode).toBe(404);
    const bad = await admin('GET', `/admin/v1/projects/${project.id}/profiles?type=ssn&value=1`);
    expect([bad.statusCode, json(bad).error.field]).toEqual([400, 'type']);
  });
});
