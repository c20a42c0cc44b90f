import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, test } from 'vitest';
import { adminHeaders, buildTestApp, createProject, ManualClock, type TestApp } from '../helpers/app.ts';
import { EVENT_WIRE } from '../../src/faces/dfinery/mapping.ts';
import type { IdentifierInput } from '../../src/core/profiles/profiles.service.ts';
import { runCli } from '../../src/cli/commands.ts';

const NOW = '2025-01-06T01:00:00.000Z'; // 10:00 KST
const DAY = 86_400_000;
const ago = (days: number) => new Date(Date.parse(NOW) - days * DAY).toISOString();

let t: TestApp;
const clock = new ManualClock(NOW);

beforeAll(async () => {
  t = await buildTestApp({ clock });
});
afterAll(async () => {
  await t.close();
});
beforeEach(() => clock.set(NOW));

const rt = () => t.runtime;

async function newProject(settings: Record<string, unknown> = {}) {
  const { project } = await createProject(rt(), { settings });
  await rt().taxonomy.apply(project.id, {
    properties: [
      { scope: 'user', name: 'age', type: 'Long' },
      { scope: 'user', name: 'score', type: 'Double' },
      { scope: 'user', name: 'tags', type: 'Array of String' },
      { scope: 'user', name: 'nickname', type: 'String' },
      { scope: 'user', name: 'last_login_at', type: 'Datetime' },
      { scope: 'user', name: 'joined_on', type: 'Date' },
    ],
  });
  return project.id;
}

async function profile(projectId: string, externalId: string, properties: Record<string, unknown> = {}): Promise<string> {
  const [r] = await rt().profiles.upsert({ projectId, updates: [{ identifiers: [{ type: 'external_id', value: externalId }], properties }], strict: true });
  return r.profileId;
}

async function event(projectId: string, identifiers: IdentifierInput[], name: string, occurredAt: string, properties?: Record<string, unknown>) {
  await rt().events.ingest({
    projectId,
    events: [{ key: randomUUID(), name, occurredAt, properties, identifiers }],
    source: 'api',
    strict: true,
    wire: EVENT_WIRE,
  });
}

const api = (projectId: string) => `/admin/v1/projects/${projectId}/audiences`;

async function preview(projectId: string, rule: unknown) {
  const res = await t.app.inject({ method: 'POST', url: `${api(projectId)}/preview?sample=100`, headers: adminHeaders, payload: { rule } });
  expect(res.statusCode, res.body).toBe(200);
  return res.json() as { count: number; sample: string[] };
}

/** Four profiles covering every property type (u4 has no properties at all). */
async function fourProfiles(projectId: string) {
  const ids = {
    u1: await profile(projectId, 'u1', {
      df_gender: 'Female',
      age: 30,
      score: 4.5,
      tags: ['vip', 'kr'],
      nickname: 'Alpha,Beta',
      last_login_at: ago(1),
      joined_on: '2025-01-01',
      df_birth: '1990-05-01',
      df_push_ads_optin: true,
    }),
    u2: await profile(projectId, 'u2', {
      df_gender: 'Male',
      age: 45,
      score: 2,
      tags: ['kr'],
      last_login_at: '2024-10-01T00:00:00.000Z',
      joined_on: '2024-06-01',
      df_birth: '1980-01-01',
      df_push_ads_optin: false,
    }),
    u3: await profile(projectId, 'u3', { age: 18, tags: [], df_membership: 'gold' }),
    u4: await profile(projectId, 'u4'),
  };
  const names = new Map(Object.entries(ids).map(([k, v]) => [v, k]));
  /** The external ids a preview selected, sorted. */
  const who = (p: { count: number; sample: string[] }) => {
    expect(p.sample.length).toBe(p.count);
    return p.sample.map((id) => names.get(id) ?? id).sort();
  };
  return { ids, who };
}

describe('audience rules on user properties (SQL in the store)', () => {
  test.each([
    ['equals', { property: 'df_gender', op: 'equals', value: 'Female' }, ['u1']],
    ['not_equals (missing counts as not equal)', { property: 'df_gender', op: 'not_equals', value: 'Female' }, ['u2', 'u3', 'u4']],
    ['gt', { property: 'age', op: 'gt', value: 30 }, ['u2']],
    ['gte', { property: 'age', op: 'gte', value: 30 }, ['u1', 'u2']],
    ['lt', { property: 'age', op: 'lt', value: 30 }, ['u3']],
    ['lte', { property: 'age', op: 'lte', value: 30 }, ['u1', 'u3']],
    ['gte on a Double with a Long value', { property: 'score', op: 'gte', value: 2 }, ['u1', 'u2']],
    ['equals on a Double', { property: 'score', op: 'equals', value: 4.5 }, ['u1']],
    ['contains on a String (substring, case-sensitive)', { property: 'nickname', op: 'contains', value: 'a,B' }, ['u1']],
    ['contains is not case-insensitive', { property: 'nickname', op: 'contains', value: 'alpha' }, []],
    ['contains on an Array (element)', { property: 'tags', op: 'contains', value: 'kr' }, ['u1', 'u2']],
    ['in', { property: 'df_gender', op: 'in', value: ['Female', 'Male', 'Other'] }, ['u1', 'u2']],
    ['in on a Long', { property: 'age', op: 'in', value: [18, 45] }, ['u2', 'u3']],
    ['exists', { property: 'df_gender', op: 'exists' }, ['u1', 'u2']],
    ['exists (an empty array is a value)', { property: 'tags', op: 'exists' }, ['u1', 'u2', 'u3']],
    ['not_exists', { property: 'df_gender', op: 'not_exists' }, ['u3', 'u4']],
    ['Date gt', { property: 'df_birth', op: 'gt', value: '1985-01-01' }, ['u1']],
    ['Datetime lt', { property: 'last_login_at', op: 'lt', value: '2024-12-01T00:00:00+09:00' }, ['u2']],
    ['Datetime within_last_days', { property: 'last_login_at', op: 'within_last_days', value: 7 }, ['u1']],
    ['Datetime before_days_ago', { property: 'last_login_at', op: 'before_days_ago', value: 30 }, ['u2']],
    ['Date within_last_days (project-local today 2025-01-06)', { property: 'joined_on', op: 'within_last_days', value: 30 }, ['u1']],
    ['Date before_days_ago', { property: 'joined_on', op: 'before_days_ago', value: 30 }, ['u2']],
    ['consent equals true', { property: 'df_push_ads_optin', op: 'equals', value: true }, ['u1']],
    ['consent equals false (never set reads as false)', { property: 'df_push_ads_optin', op: 'equals', value: false }, ['u2', 'u3', 'u4']],
    ['consent not_equals true', { property: 'df_push_ads_optin', op: 'not_equals', value: true }, ['u2', 'u3', 'u4']],
    ['consent exists (only where set)', { property: 'df_push_ads_optin', op: 'exists' }, ['u1', 'u2']],
  ])('%s', async (_name, rule, expected) => {
    const projectId = await newProject();
    const { who } = await fourProfiles(projectId);
    expect(who(await preview(projectId, rule))).toEqual(expected);
  });

  test('AND / OR groups nest', async () => {
    const projectId = await newProject();
    const { who } = await fourProfiles(projectId);
    expect(
      who(
        await preview(projectId, {
          any: [
            { property: 'df_gender', op: 'equals', value: 'Male' },
            { property: 'age', op: 'lt', value: 20 },
          ],
        }),
      ),
    ).toEqual(['u2', 'u3']);
    expect(
      who(
        await preview(projectId, {
          all: [
            { property: 'tags', op: 'contains', value: 'kr' },
            { property: 'age', op: 'lt', value: 40 },
          ],
        }),
      ),
    ).toEqual(['u1']);
    expect(
      who(
        await preview(projectId, {
          any: [
            {
              all: [
                { property: 'tags', op: 'contains', value: 'kr' },
                { property: 'df_push_ads_optin', op: 'equals', value: false },
              ],
            },
            {
              all: [
                { property: 'df_membership', op: 'equals', value: 'gold' },
                { property: 'age', op: 'gte', value: 18 },
              ],
            },
          ],
        }),
      ),
    ).toEqual(['u2', 'u3']);
    // A bare array is "all".
    expect(
      who(
        await preview(projectId, [
          { property: 'df_gender', op: 'exists' },
          { property: 'age', op: 'gt', value: 40 },
        ]),
      ),
    ).toEqual(['u2']);
  });

  test('relative dates follow the clock', async () => {
    const projectId = await newProject();
    const { who } = await fourProfiles(projectId);
    const rule = { property: 'last_login_at', op: 'within_last_days', value: 7 };
    expect(who(await preview(projectId, rule))).toEqual(['u1']);
    clock.advance(6 * DAY - 60_000); // the last login (1 day before NOW) is now 7 days less a minute old
    expect(who(await preview(projectId, rule))).toEqual(['u1']);
    clock.advance(120_000); // a minute over 7 days
    expect(who(await preview(projectId, rule))).toEqual([]);
    expect(who(await preview(projectId, { property: 'last_login_at', op: 'before_days_ago', value: 7 }))).toEqual(['u1', 'u2']);
  });

  test('a profile export of an audience selects the same profiles', async () => {
    const projectId = await newProject();
    const { ids } = await fourProfiles(projectId);
    const a = await rt().audiences.create(projectId, { name: 'kr', rule: { property: 'tags', op: 'contains', value: 'kr' } });
    const prepared = await rt().exports.prepare({ projectId, kind: 'profiles', audience: a.id, properties: { condition: 'include', names: ['tags'] } });
    const stream = await prepared.open();
    let csv = '';
    for await (const c of stream.chunks) csv += c;
    expect(csv).toBe(['df_unified_id,tags', ...[ids.u1, ids.u2].sort().map((id) => `${id},"[""${id === ids.u1 ? 'vip"",""kr' : 'kr'}""]"`), ''].join('\r\n'));
  });
});

describe('audience rules on events', () => {
  async function withEvents() {
    const projectId = await newProject();
    const base = await fourProfiles(projectId);
    const ext = (v: string): IdentifierInput[] => [{ type: 'external_id', value: v }];
    await event(projectId, ext('u1'), 'df_purchase', ago(1), { df_total_purchase_amount: 1000 });
    await event(projectId, ext('u1'), 'df_purchase', ago(2), { df_total_purchase_amount: 5000 });
    await event(projectId, ext('u1'), 'df_purchase', ago(40), { df_total_purchase_amount: 20000 });
    await event(projectId, ext('u1'), 'df_login', ago(1));
    await event(projectId, ext('u2'), 'df_purchase', ago(10), { df_total_purchase_amount: 3000 });
    // A second profile known only by email buys twice, then turns out to be u3: it is absorbed into u3 (the older).
    clock.advance(1000);
    const email: IdentifierInput[] = [{ type: 'email', value: 'u3@example.com' }];
    await event(projectId, email, 'df_purchase', ago(1), { df_total_purchase_amount: 700 });
    await event(projectId, email, 'df_purchase', ago(3), { df_total_purchase_amount: 800 });
    const absorbed = (await rt().profiles.findByIdentifier(projectId, 'email', 'u3@example.com'))!;
    expect(absorbed).not.toBe(base.ids.u3);
    const [merge] = await rt().profiles.upsert({ projectId, updates: [{ identifiers: [...ext('u3'), ...email] }], strict: true });
    expect(merge).toMatchObject({ profileId: base.ids.u3, merged: [absorbed] });
    clock.set(NOW);
    return { projectId, ...base, absorbed };
  }

  test.each([
    ['performed at least once', { event: 'df_purchase' }, ['u1', 'u2', 'u3']],
    ['at least twice (u3 through its merged profile)', { event: 'df_purchase', min_count: 2 }, ['u1', 'u3']],
    ['at least three times', { event: 'df_purchase', min_count: 3 }, ['u1']],
    ['within the last 7 days', { event: 'df_purchase', within_last_days: 7 }, ['u1', 'u3']],
    ['twice within the last 2 days', { event: 'df_purchase', min_count: 2, within_last_days: 2 }, ['u1']],
    ['never performed', { event: 'df_purchase', performed: false }, ['u4']],
    ['performed fewer than 2 times', { event: 'df_purchase', performed: false, min_count: 2 }, ['u2', 'u4']],
    ['not within the last 7 days', { event: 'df_purchase', performed: false, within_last_days: 7 }, ['u2', 'u4']],
    ['with a property condition', { event: 'df_purchase', where: { property: 'df_total_purchase_amount', op: 'gte', value: 5000 } }, ['u1']],
    [
      'property condition and window',
      { event: 'df_purchase', within_last_days: 7, where: [{ property: 'df_total_purchase_amount', op: 'gte', value: 5000 }] },
      ['u1'],
    ],
    [
      'property condition, window and count',
      { event: 'df_purchase', within_last_days: 7, min_count: 2, where: { property: 'df_total_purchase_amount', op: 'gte', value: 5000 } },
      [],
    ],
    [
      'OR of property conditions on the event',
      {
        event: 'df_purchase',
        min_count: 2,
        where: {
          any: [
            { property: 'df_total_purchase_amount', op: 'lt', value: 1000 },
            { property: 'df_total_purchase_amount', op: 'gt', value: 10000 },
          ],
        },
      },
      ['u3'],
    ],
    ['events combined with user properties', { all: [{ event: 'df_login' }, { property: 'df_gender', op: 'equals', value: 'Female' }] }, ['u1']],
    [
      'events OR user properties',
      {
        any: [
          { event: 'df_purchase', within_last_days: 5 },
          { property: 'df_gender', op: 'equals', value: 'Male' },
        ],
      },
      ['u1', 'u2', 'u3'],
    ],
  ])('%s', async (_name, rule, expected) => {
    const { projectId, who } = await withEvents();
    expect(who(await preview(projectId, rule))).toEqual(expected);
  });

  test('event windows follow the clock', async () => {
    const { projectId, who } = await withEvents();
    const rule = { event: 'df_purchase', within_last_days: 7 };
    const twice = { ...rule, min_count: 2 };
    expect(who(await preview(projectId, twice))).toEqual(['u1', 'u3']);
    clock.advance(4 * DAY + 60_000); // u1's purchases are 5 and 6 days old (both in); u3's 5 and 7 days + 1 minute (one in)
    expect(who(await preview(projectId, rule))).toEqual(['u1', 'u3']);
    expect(who(await preview(projectId, twice))).toEqual(['u1']);
    clock.advance(DAY); // u1: 6 days (in) and 7 days + 1 minute (out)
    expect(who(await preview(projectId, rule))).toEqual(['u1', 'u3']);
    expect(who(await preview(projectId, twice))).toEqual([]);
    clock.advance(DAY);
    expect(who(await preview(projectId, rule))).toEqual([]);
  });

  test('other projects are never counted', async () => {
    const { projectId, who } = await withEvents();
    const other = await newProject();
    await profile(other, 'u4');
    await event(other, [{ type: 'external_id', value: 'u4' }], 'df_purchase', ago(1));
    expect(who(await preview(projectId, { event: 'df_purchase', performed: false }))).toEqual(['u4']);
  });
});

describe('admin API', () => {
  test("the OpenAPI document's request examples are accepted (the fuzzer found them using op `eq`, which is refused)", async () => {
    const projectId = await newProject();
    await rt().taxonomy.apply(projectId, { properties: [{ scope: 'user', name: 'tier', type: 'String' }] });
    const doc = (await t.app.inject({ method: 'GET', url: '/docs/json' })).json();
    for (const path of ['/admin/v1/projects/{projectId}/audiences', '/admin/v1/projects/{projectId}/audiences/preview']) {
      const example = doc.paths[path].post.requestBody.content['application/json'].example;
      const res = await t.app.inject({ method: 'POST', url: path.replace('{projectId}', projectId), headers: adminHeaders, payload: example });
      expect(res.statusCode, `${path}: ${res.body}`).toBeLessThan(300);
    }
  });

  test('create, get, list, update, preview and delete; ids are short lowercase', async () => {
    const projectId = await newProject();
    const { ids } = await fourProfiles(projectId);
    const created = await t.app.inject({
      method: 'POST',
      url: api(projectId),
      headers: adminHeaders,
      payload: { name: ' Koreans ', description: 'tagged kr', rule: [{ property: 'tags', op: 'contains', value: 'kr' }] },
    });
    expect(created.statusCode, created.body).toBe(201);
    const a = created.json().audience;
    expect(a.id).toMatch(/^[a-z0-9]{6}$/);
    const at = Date.parse(NOW);
    expect(created.json()).toEqual({
      audience: {
        id: a.id,
        name: 'Koreans',
        description: 'tagged kr',
        rule: { all: [{ property: 'tags', op: 'contains', value: 'kr' }] },
        createdAt: new Date(at).toISOString(),
        updatedAt: new Date(at).toISOString(),
      },
    });
    const row = await rt().store.db.selectFrom('audiences').selectAll().where('project_id', '=', projectId).executeTakeFirstOrThrow();
    expect(row).toEqual({
      project_id: projectId,
      id: a.id,
      name: 'Koreans',
      description: 'tagged kr',
      rule: '{"all":[{"property":"tags","op":"contains","value":"kr"}]}',
      created_at: at,
      updated_at: at,
    });

    const got = await t.app.inject({ method: 'GET', url: `${api(projectId)}/${a.id}`, headers: adminHeaders });
    expect(got.json()).toEqual(created.json());
    const listed = await t.app.inject({ method: 'GET', url: api(projectId), headers: adminHeaders });
    expect(listed.json()).toEqual({ audiences: [a] });

    const p1 = await t.app.inject({ method: 'POST', url: `${api(projectId)}/${a.id}/preview`, headers: adminHeaders });
    expect(p1.json()).toEqual({ count: 2, sample: [ids.u1, ids.u2].sort() });
    const p2 = await t.app.inject({ method: 'POST', url: `${api(projectId)}/${a.id}/preview?sample=1`, headers: adminHeaders });
    expect(p2.json()).toEqual({ count: 2, sample: [[ids.u1, ids.u2].sort()[0]] });

    clock.advance(5000);
    const patched = await t.app.inject({
      method: 'PATCH',
      url: `${api(projectId)}/${a.id}`,
      headers: adminHeaders,
      payload: { name: 'Men', rule: { property: 'df_gender', op: 'equals', value: 'Male' } },
    });
    expect(patched.json()).toEqual({
      audience: {
        id: a.id,
        name: 'Men',
        description: 'tagged kr',
        rule: { property: 'df_gender', op: 'equals', value: 'Male' },
        createdAt: new Date(at).toISOString(),
        updatedAt: new Date(at + 5000).toISOString(),
      },
    });
    const p3 = await t.app.inject({ method: 'POST', url: `${api(projectId)}/${a.id}/preview`, headers: adminHeaders });
    expect(p3.json()).toEqual({ count: 1, sample: [ids.u2] });

    const del = await t.app.inject({ method: 'DELETE', url: `${api(projectId)}/${a.id}`, headers: adminHeaders });
    expect(del.statusCode).toBe(204);
    const gone = await t.app.inject({ method: 'GET', url: `${api(projectId)}/${a.id}`, headers: adminHeaders });
    expect(gone.statusCode).toBe(404);
    expect(gone.json()).toEqual({ error: { code: 'not_found', message: `audience ${a.id} does not exist`, field: 'audience' } });
    expect(await rt().store.db.selectFrom('audiences').selectAll().where('project_id', '=', projectId).execute()).toEqual([]);
  });

  test('an invalid rule is rejected naming the field, and nothing is stored', async () => {
    const projectId = await newProject();
    const res = await t.app.inject({
      method: 'POST',
      url: api(projectId),
      headers: adminHeaders,
      payload: { name: 'x', rule: { all: [{ property: 'age', op: 'gt', value: 1 }, { any: [{ property: 'age', op: 'contains', value: 'a' }] }] } },
    });
    expect(res.statusCode).toBe(400);
    expect(res.json()).toEqual({
      error: {
        code: 'invalid_input',
        message: 'rule.all[1].any[0].op: contains does not apply to age (Long); use one of equals, not_equals, gt, gte, lt, lte, in, exists, not_exists',
        field: 'rule.all[1].any[0].op',
      },
    });
    const noName = await t.app.inject({ method: 'POST', url: api(projectId), headers: adminHeaders, payload: { rule: { event: 'df_login' } } });
    expect(noName.json()).toEqual({ error: { code: 'invalid_input', message: 'name is required', field: 'name' } });
    const extra = await t.app.inject({
      method: 'POST',
      url: api(projectId),
      headers: adminHeaders,
      payload: { name: 'x', rule: { event: 'df_login' }, id: 'abcdef' },
    });
    expect(extra.json()).toEqual({ error: { code: 'invalid_input', message: 'id is not a field of an audience (name, description, rule)', field: 'id' } });
    const badPreview = await t.app.inject({ method: 'POST', url: `${api(projectId)}/preview`, headers: adminHeaders, payload: { rule: { event: 'df_nope' } } });
    expect(badPreview.json()).toEqual({ error: { code: 'invalid_input', message: 'rule.event: event df_nope is not registered', field: 'rule.event' } });
    const badSample = await t.app.inject({
      method: 'POST',
      url: `${api(projectId)}/preview?sample=500`,
      headers: adminHeaders,
      payload: { rule: { event: 'df_login' } },
    });
    expect(badSample.json()).toEqual({ error: { code: 'invalid_input', message: 'sample must be a whole number from 0 to 100', field: 'sample' } });
    expect(await rt().store.db.selectFrom('audiences').selectAll().where('project_id', '=', projectId).execute()).toEqual([]);
  });

  test('a failed update changes nothing', async () => {
    const projectId = await newProject();
    const a = await rt().audiences.create(projectId, { name: 'a', rule: { event: 'df_login' } });
    const res = await t.app.inject({
      method: 'PATCH',
      url: `${api(projectId)}/${a.id}`,
      headers: adminHeaders,
      payload: { name: 'b', rule: { event: 'df_login', min_count: -1 } },
    });
    expect(res.statusCode).toBe(400);
    expect(res.json().error.field).toBe('rule.min_count');
    expect(await rt().audiences.get(projectId, a.id)).toEqual(a);
  });

  test('audiences belong to their project; unknown ids and projects are 404; no token is 401', async () => {
    const p1 = await newProject();
    const p2 = await newProject();
    const a = await rt().audiences.create(p1, { name: 'a', rule: { event: 'df_login' } });
    const cross = await t.app.inject({ method: 'GET', url: `${api(p2)}/${a.id}`, headers: adminHeaders });
    expect(cross.statusCode).toBe(404);
    expect((await t.app.inject({ method: 'DELETE', url: `${api(p2)}/${a.id}`, headers: adminHeaders })).statusCode).toBe(404);
    expect(await rt().audiences.get(p1, a.id)).toEqual(a);
    const noProject = await t.app.inject({ method: 'GET', url: api('nosuchproject'), headers: adminHeaders });
    expect(noProject.statusCode).toBe(404);
    expect(noProject.json().error.code).toBe('unknown_project');
    const anon = await t.app.inject({ method: 'GET', url: api(p1) });
    expect(anon.statusCode).toBe(401);
    expect(anon.json()).toEqual({ error: { code: 'unauthenticated', message: 'invalid credentials' } });
  });
});

describe('CLI', () => {
  test('maru audience create | list | get | update | preview | delete', async () => {
    const projectId = await newProject();
    const { ids } = await fourProfiles(projectId);
    const dir = mkdtempSync(join(tmpdir(), 'maru-aud-cli-'));
    const cli = async (...argv: string[]) => {
      let out = '';
      let err = '';
      const code = await runCli([...argv, '--data-dir', t.dataDir], {
        out: (s) => (out += s),
        err: (s) => (err += s),
        env: { MARU_LOG_LEVEL: 'silent', ...t.storeEnv },
      });
      return { code, out, err };
    };
    try {
      writeFileSync(
        join(dir, 'rule.json'),
        JSON.stringify({
          any: [
            { property: 'age', op: 'gte', value: 40 },
            { property: 'df_membership', op: 'equals', value: 'gold' },
          ],
        }),
      );
      const created = await cli('audience', 'create', '--project', projectId, '--name', 'older or gold', '--file', join(dir, 'rule.json'));
      expect(created.code, created.err).toBe(0);
      const id = created.out.trim();
      expect(id).toMatch(/^[a-z0-9]{6}$/);
      expect(await cli('audience', 'list', '--project', projectId)).toEqual({ code: 0, out: `${id}  older or gold\n`, err: '' });
      const got = await cli('audience', 'get', '--project', projectId, '--id', id);
      expect(JSON.parse(got.out).audience.rule).toEqual({
        any: [
          { property: 'age', op: 'gte', value: 40 },
          { property: 'df_membership', op: 'equals', value: 'gold' },
        ],
      });
      const pv = await cli('audience', 'preview', '--project', projectId, '--id', id, '--json');
      expect(JSON.parse(pv.out)).toEqual({ count: 2, sample: [ids.u2, ids.u3].sort() });
      writeFileSync(join(dir, 'rule2.json'), JSON.stringify({ property: 'age', op: 'lt', value: 20 }));
      expect((await cli('audience', 'update', '--project', projectId, '--id', id, '--file', join(dir, 'rule2.json'))).out).toBe(`updated ${id}\n`);
      expect((await cli('audience', 'preview', '--project', projectId, '--id', id)).out).toBe(`1 profiles; e.g. ${ids.u3}\n`);
      expect((await cli('audience', 'preview', '--project', projectId, '--file', join(dir, 'rule.json'), '--json')).out).toContain('"count": 2');
      writeFileSync(join(dir, 'bad.json'), JSON.stringify({ property: 'nope', op: 'exists' }));
      expect(await cli('audience', 'create', '--project', projectId, '--name', 'bad', '--file', join(dir, 'bad.json'))).toEqual({
        code: 1,
        out: '',
        err: 'maru audience create: rule.property: user property nope is not registered\n',
      });
      expect((await cli('audience', 'delete', '--project', projectId, '--id', id)).out).toBe(`deleted ${id}\n`);
      expect((await cli('audience', 'list', '--project', projectId)).out).toBe('');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
