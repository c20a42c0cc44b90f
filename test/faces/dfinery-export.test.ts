import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, beforeEach, describe, expect, test } from 'vitest';
import { buildTestApp, createProject, ManualClock, ADMIN_TOKEN, type TestApp } from '../helpers/app.ts';
import { EVENT_WIRE } from '../../src/faces/dfinery/mapping.ts';
import type { IdentifierInput } from '../../src/core/profiles/profiles.service.ts';
import type { EventSource } from '../../src/core/events/events.service.ts';
import { runCli } from '../../src/cli/commands.ts';
import { csvObjects, parseCsv } from '../helpers/csv-reader.ts';

const NOW = '2025-01-06T01:00:00.000Z'; // 2025-01-06 10:00 KST
const clock = new ManualClock(NOW);
let t: TestApp;

beforeAll(async () => {
  t = await buildTestApp({ clock });
});
afterAll(async () => {
  await t.close();
});
beforeEach(() => clock.set(NOW));

const rt = () => t.runtime;
const ext = (v: string): IdentifierInput[] => [{ type: 'external_id', value: v }];

async function project(settings: Record<string, unknown> = {}) {
  const { project: p, credentials } = await createProject(rt(), { settings });
  return { id: p.id, token: credentials.export_token, credentials };
}

async function ingest(
  projectId: string,
  identifiers: IdentifierInput[],
  e: { name: string; at: string | number; key?: string; properties?: Record<string, unknown>; items?: Record<string, unknown>[] },
  source: EventSource = 'api',
) {
  const r = await rt().events.ingest({
    projectId,
    events: [
      {
        key: e.key ?? randomUUID(),
        name: e.name,
        occurredAt: typeof e.at === 'number' ? new Date(e.at).toISOString() : e.at,
        properties: e.properties,
        items: e.items,
        identifiers,
      },
    ],
    source,
    strict: true,
    wire: EVENT_WIRE,
  });
  return r.profileIds[0];
}

function exportEvents(p: { id: string; token: string }, payload?: unknown, headers: Record<string, string> = {}) {
  return t.app.inject({
    method: 'POST',
    url: `/api/v1/export/event?service_id=${p.id}`,
    headers: { authorization: `Bearer ${p.token}`, ...headers },
    ...(payload === undefined
      ? {}
      : typeof payload === 'string'
        ? { payload, headers: { authorization: `Bearer ${p.token}`, 'content-type': 'application/json', ...headers } }
        : { payload: payload as object }),
  });
}

function exportProfiles(p: { id: string; token: string }, payload?: object) {
  return t.app.inject({
    method: 'POST',
    url: `/api/v1/export/userprofile?service_id=${p.id}`,
    headers: { authorization: `Bearer ${p.token}` },
    ...(payload ? { payload } : {}),
  });
}

const day = { from_date: '2025-01-06', to_date: '2025-01-06' };

// The seed's sample header (seed 000, "POST api/v1/export/event", 200 OK), verbatim.
const SEED_EVENT_HEADER =
  'custom_012,custom_event_p_boolean,custom_event_p_datetime,custom_event_p_double,custom_event_p_double_list,custom_event_p_long,custom_event_p_long_list,custom_event_p_string_list,df_api_version,df_correction_datetime,df_delivery_charge,df_discount,df_event_datetime,df_event_detail_log_id,df_event_log_id,df_event_name,df_items_custom_012391239128,df_items_custom_item_boolean,df_items_custom_item_datetime,df_items_custom_item_double,df_items_custom_item_double_list,df_items_custom_item_long,df_items_custom_item_long_list,df_items_custom_item_string,df_items_custom_item_string_list,df_items_df_category1,df_items_df_category2,df_items_df_category3,df_items_df_category4,df_items_df_category5,df_items_df_discount,df_items_df_item_id,df_items_df_item_name,df_items_df_price,df_items_df_quantity,df_keyword,df_order_id,df_payment_method,df_server_datetime,df_service_id,df_sharing_channel,df_sign_channel,df_source_type,df_total_purchase_amount,df_total_refund_amount,df_unified_id,sum';

const SYSTEM = [
  'df_api_version',
  'df_correction_datetime',
  'df_event_datetime',
  'df_event_detail_log_id',
  'df_event_log_id',
  'df_event_name',
  'df_server_datetime',
  'df_service_id',
  'df_source_type',
  'df_unified_id',
];

describe('CSV against the seed', () => {
  test("the header is the seed's sample header, and a row renders as D7 says (KST, SDK, key as detail id)", async () => {
    const { project: p, credentials } = await rt().projects.create({ name: 'seed', id: 'xyroon' });
    await rt().taxonomy.apply(p.id, {
      properties: [
        ...[
          ['custom_012', 'String'],
          ['custom_event_p_boolean', 'Boolean'],
          ['custom_event_p_datetime', 'Datetime'],
          ['custom_event_p_double', 'Double'],
          ['custom_event_p_double_list', 'Array of Double'],
          ['custom_event_p_long', 'Long'],
          ['custom_event_p_long_list', 'Array of Long'],
          ['custom_event_p_string_list', 'Array of String'],
          ['sum', 'Long'],
        ].map(([name, type]) => ({ scope: 'event', name, type })),
        ...[
          ['custom_012391239128', 'String'],
          ['custom_item_boolean', 'Boolean'],
          ['custom_item_datetime', 'Datetime'],
          ['custom_item_double', 'Double'],
          ['custom_item_double_list', 'Array of Double'],
          ['custom_item_long', 'Long'],
          ['custom_item_long_list', 'Array of Long'],
          ['custom_item_string', 'String'],
          ['custom_item_string_list', 'Array of String'],
        ].map(([name, type]) => ({ scope: 'item', name, type })),
      ],
    });
    // The seed's third row: event log id 1736127490036:…, server time 2025-01-06 10:38:10.036 (KST).
    const key = '1736127490036:30873a05-62d3-4007-b643-f500a151be24';
    clock.set(1736127490036);
    const profileId = await ingest(
      p.id,
      ext('seed-user'),
      { name: 'df_start_session', at: 1736127490036, key, properties: { custom_event_p_boolean: false } },
      'sdk',
    );
    clock.set(NOW);

    const res = await exportEvents({ id: p.id, token: credentials.export_token }, day);
    expect(res.statusCode, res.body).toBe(200);
    expect(res.headers['content-type']).toBe('text/csv; charset=utf-8');
    const [header, row, ...rest] = res.body.split('\r\n');
    expect(header).toBe(SEED_EVENT_HEADER);
    expect(rest).toEqual(['']);
    const expected: Record<string, string> = Object.fromEntries(SEED_EVENT_HEADER.split(',').map((c) => [c, '']));
    Object.assign(expected, {
      custom_event_p_boolean: 'false',
      df_api_version: '1.0.0',
      df_correction_datetime: '2025-01-06 10:38:10.036',
      df_event_datetime: '2025-01-06 10:38:10.036',
      df_event_detail_log_id: key,
      df_event_log_id: key,
      df_event_name: 'df_start_session',
      df_server_datetime: '2025-01-06 10:38:10.036',
      df_service_id: 'xyroon',
      df_source_type: 'SDK',
      df_unified_id: profileId,
    });
    expect(row).toBe(Object.values(expected).join(','));
  });

  test('one row per item: detail id key:n, df_items_* per item, event properties repeated; the seed request example', async () => {
    const p = await project();
    const profileId = await ingest(p.id, ext('buyer'), {
      name: 'df_purchase',
      at: '2025-01-06T00:42:25.394Z',
      key: 'p-1',
      properties: { df_order_id: 'dwtfmoe', df_delivery_charge: 1000, df_discount: 500, df_payment_method: 'card', df_total_purchase_amount: 4000 },
      items: [
        { df_item_id: '1', df_item_name: 'item1', df_price: 3000, df_quantity: 1, df_discount: 0 },
        { df_item_id: '2', df_item_name: 'item "two", large', df_price: 1000.5, df_quantity: 2 },
      ],
    });
    await ingest(p.id, ext('buyer'), { name: 'df_login', at: '2025-01-06T00:00:00.000Z', key: 'l-1' });

    // The seed's example request.
    const res = await exportEvents(p, {
      events: ['df_purchase'],
      events_condition_type: 'include',
      properties: ['df_discount', 'df_items_df_price'],
      properties_condition_type: 'include',
      from_date: '2025-01-06',
      to_date: '2025-01-06',
    });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.body).toBe(
      [
        'df_api_version,df_correction_datetime,df_discount,df_event_datetime,df_event_detail_log_id,df_event_log_id,df_event_name,df_items_df_price,df_server_datetime,df_service_id,df_source_type,df_unified_id',
        `1.0.0,2025-01-06 09:42:25.394,500,2025-01-06 09:42:25.394,p-1:1,p-1,df_purchase,3000,2025-01-06 10:00:00.000,${p.id},API,${profileId}`,
        `1.0.0,2025-01-06 09:42:25.394,500,2025-01-06 09:42:25.394,p-1:2,p-1,df_purchase,1000.5,2025-01-06 10:00:00.000,${p.id},API,${profileId}`,
        '',
      ].join('\r\n'),
    );

    // Everything: the login (no items) is one row with empty item columns and its key as detail id.
    const all = csvObjects((await exportEvents(p, day)).body);
    expect(
      all.rows.map((r) => [
        r.df_event_detail_log_id,
        r.df_event_name,
        r.df_items_df_item_id,
        r.df_items_df_item_name,
        r.df_items_df_discount,
        r.df_items_df_quantity,
        r.df_order_id,
        r.df_discount,
      ]),
    ).toEqual([
      ['l-1', 'df_login', '', '', '', '', '', ''],
      ['p-1:1', 'df_purchase', '1', 'item1', '0', '1', 'dwtfmoe', '500'],
      ['p-1:2', 'df_purchase', '2', 'item "two", large', '', '2', 'dwtfmoe', '500'],
    ]);
    expect(all.rows[2]).toMatchObject({ df_delivery_charge: '1000', df_payment_method: 'card', df_total_purchase_amount: '4000', df_items_df_price: '1000.5' });
  });

  test('values that need quoting, arrays, datetimes and emoji survive the trip through an RFC 4180 reader', async () => {
    const p = await project();
    await rt().taxonomy.apply(p.id, {
      properties: [
        { scope: 'event', name: 'note', type: 'String' },
        { scope: 'event', name: 'tags', type: 'Array of String' },
        { scope: 'event', name: 'paid_at', type: 'Datetime' },
        { scope: 'event', name: 'first', type: 'Boolean' },
      ],
    });
    const note = ' line one,\r\n"two" 😀 한글 ';
    await ingest(p.id, ext('q'), { name: 'df_login', at: NOW, properties: { note, tags: ['1', '2'], paid_at: '2024-12-31T15:00:00Z', first: true } });
    const res = await exportEvents(p, { ...day, properties: ['note', 'tags', 'paid_at', 'first'], properties_condition_type: 'include' });
    expect(res.body).toContain('"[""1"",""2""]"');
    const { rows } = csvObjects(res.body);
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ note, tags: '["1","2"]', paid_at: '2025-01-01 00:00:00.000', first: 'true' });
  });
});

describe('filters', () => {
  async function threeEvents() {
    const p = await project();
    await ingest(p.id, ext('a'), { name: 'df_login', at: '2025-01-06T00:00:00Z', key: 'k1' });
    await ingest(p.id, ext('a'), { name: 'df_purchase', at: '2025-01-06T00:00:01Z', key: 'k2', properties: { df_order_id: 'o1' } });
    await ingest(p.id, ext('a'), { name: 'df_sign_up', at: '2025-01-06T00:00:02Z', key: 'k3', properties: { df_sign_channel: 'Kakao' } });
    return p;
  }
  const names = (body: string) => csvObjects(body).rows.map((r) => r.df_event_name);

  test.each([
    ['include', { events: ['df_login', 'df_sign_up'], events_condition_type: 'include' }, ['df_login', 'df_sign_up']],
    ['exclude', { events: ['df_login'], events_condition_type: 'exclude' }, ['df_purchase', 'df_sign_up']],
    ['all (the list is ignored)', { events: ['df_login'], events_condition_type: 'all' }, ['df_login', 'df_purchase', 'df_sign_up']],
    ['no condition type means all (seed)', { events: ['df_login'] }, ['df_login', 'df_purchase', 'df_sign_up']],
    [
      'include with an empty list means all (seed: "if no value exists")',
      { events: [], events_condition_type: 'include' },
      ['df_login', 'df_purchase', 'df_sign_up'],
    ],
    ['include of an unknown name selects nothing', { events: ['df_nope'], events_condition_type: 'include' }, []],
  ])('events %s', async (_name, filter, expected) => {
    const p = await threeEvents();
    const res = await exportEvents(p, { ...day, ...filter });
    expect(res.statusCode, res.body).toBe(200);
    expect(names(res.body)).toEqual(expected);
  });

  test('properties include: only those, plus the system columns and df_unified_id', async () => {
    const p = await threeEvents();
    const res = await exportEvents(p, {
      ...day,
      properties: ['df_sign_channel', 'df_items_df_item_id', 'not_registered'],
      properties_condition_type: 'include',
    });
    const { header, rows } = csvObjects(res.body);
    expect(header).toEqual([
      ...SYSTEM.slice(0, 6),
      'df_items_df_item_id',
      'df_server_datetime',
      'df_service_id',
      'df_sign_channel',
      'df_source_type',
      'df_unified_id',
    ]);
    expect(rows.map((r) => r.df_sign_channel)).toEqual(['', '', 'Kakao']);
  });

  test('properties exclude: cannot remove system columns or df_unified_id', async () => {
    const p = await threeEvents();
    const res = await exportEvents(p, {
      ...day,
      properties: ['df_order_id', 'df_unified_id', 'df_event_name', 'df_items_df_price'],
      properties_condition_type: 'exclude',
    });
    const { header, rows } = csvObjects(res.body);
    expect(header).not.toContain('df_order_id');
    expect(header).not.toContain('df_items_df_price');
    for (const c of [...SYSTEM, 'df_sign_channel', 'df_items_df_item_id', 'df_discount', 'df_items_df_discount']) expect(header).toContain(c);
    expect(header).toEqual([...header].sort());
    expect(rows).toHaveLength(3);
  });

  test('properties include with only system names gives exactly the system columns', async () => {
    const p = await threeEvents();
    const { header } = csvObjects((await exportEvents(p, { ...day, properties: ['df_event_name'], properties_condition_type: 'include' })).body);
    expect(header).toEqual(SYSTEM);
  });

  test('properties all / absent: every registered event and item property', async () => {
    const p = await threeEvents();
    const all = csvObjects((await exportEvents(p, { ...day, properties: ['df_order_id'], properties_condition_type: 'all' })).body).header;
    const absent = csvObjects((await exportEvents(p, day)).body).header;
    expect(all).toEqual(absent);
    expect(absent).toHaveLength(SYSTEM.length + 9 + 10); // 9 standard event and 10 standard item properties
  });

  test('from/to are KST dates, inclusive, across the UTC date boundary', async () => {
    const p = await project();
    const at = ['2025-01-04T14:59:59.999Z', '2025-01-04T15:00:00.000Z', '2025-01-05T14:59:59.999Z', '2025-01-05T15:00:00.000Z'];
    for (const [i, a] of at.entries()) await ingest(p.id, ext('a'), { name: 'df_login', at: a, key: `k${i}` });
    const one = csvObjects((await exportEvents(p, { from_date: '2025-01-05', to_date: '2025-01-05' })).body).rows;
    expect(one.map((r) => [r.df_event_log_id, r.df_event_datetime])).toEqual([
      ['k1', '2025-01-05 00:00:00.000'],
      ['k2', '2025-01-05 23:59:59.999'],
    ]);
    const two = csvObjects((await exportEvents(p, { from_date: '2025-01-04', to_date: '2025-01-06' })).body).rows;
    expect(two.map((r) => r.df_event_log_id)).toEqual(['k0', 'k1', 'k2', 'k3']);
  });

  test('a project in another time zone uses its own days', async () => {
    const { project: p, credentials } = await rt().projects.create({ name: 'utc', timezone: 'UTC' });
    await ingest(p.id, ext('a'), { name: 'df_login', at: '2025-01-04T23:59:59.999Z', key: 'late' });
    await ingest(p.id, ext('a'), { name: 'df_login', at: '2025-01-05T00:00:00.000Z', key: 'early' });
    const rows = csvObjects((await exportEvents({ id: p.id, token: credentials.export_token }, { from_date: '2025-01-05', to_date: '2025-01-05' })).body).rows;
    expect(rows.map((r) => [r.df_event_log_id, r.df_event_datetime])).toEqual([['early', '2025-01-05 00:00:00.000']]);
  });

  test('audience: only the events and profiles of the profiles it selects', async () => {
    const p = await project();
    const a = await ingest(p.id, ext('a'), { name: 'df_login', at: NOW, key: 'ka' });
    const b = await ingest(p.id, ext('b'), { name: 'df_login', at: NOW, key: 'kb' });
    await ingest(p.id, ext('b'), { name: 'df_purchase', at: NOW, key: 'kb2' });
    await rt().profiles.upsert({ projectId: p.id, updates: [{ identifiers: ext('b'), properties: { df_gender: 'Male' } }], strict: true });
    const aud = await rt().audiences.create(p.id, { name: 'men', rule: { property: 'df_gender', op: 'equals', value: 'Male' } });
    const ev = csvObjects((await exportEvents(p, { ...day, audience: aud.id })).body).rows;
    expect(ev.map((r) => [r.df_event_log_id, r.df_unified_id])).toEqual([
      ['kb', b],
      ['kb2', b],
    ]);
    const buyers = await rt().audiences.create(p.id, { name: 'buyers', rule: { event: 'df_purchase', performed: false } });
    expect(csvObjects((await exportEvents(p, { ...day, audience: buyers.id })).body).rows.map((r) => r.df_unified_id)).toEqual([a]);
    const prof = csvObjects((await exportProfiles(p, { audience: aud.id, properties: ['df_gender'], properties_condition_type: 'include' })).body);
    expect(prof).toEqual({ header: ['df_gender', 'df_unified_id'], rows: [{ df_gender: 'Male', df_unified_id: b }] });
  });

  test('events of merged profiles export under the surviving id', async () => {
    const p = await project();
    const survivor = await ingest(p.id, ext('user-1'), { name: 'df_login', at: '2025-01-06T00:00:00Z', key: 'k1' });
    clock.advance(1000);
    const absorbed = await ingest(p.id, [{ type: 'email', value: 'user1@example.com' }], { name: 'df_purchase', at: '2025-01-06T00:00:01Z', key: 'k2' });
    const alsoAbsorbed = await ingest(p.id, [{ type: 'phone', value: '010-1234-5678' }], { name: 'df_sign_up', at: '2025-01-06T00:00:02Z', key: 'k3' });
    expect(new Set([survivor, absorbed, alsoAbsorbed]).size).toBe(3);
    const before = csvObjects((await exportEvents(p, day)).body).rows.map((r) => r.df_unified_id);
    expect(before).toEqual([survivor, absorbed, alsoAbsorbed]);
    // One request names all three identifiers: the profiles merge into the oldest.
    await rt().profiles.upsert({
      projectId: p.id,
      updates: [{ identifiers: [...ext('user-1'), { type: 'email', value: 'user1@example.com' }, { type: 'phone', value: '010-1234-5678' }] }],
      strict: true,
    });
    const after = await exportEvents(p, day);
    expect(csvObjects(after.body).rows.map((r) => [r.df_event_log_id, r.df_unified_id])).toEqual([
      ['k1', survivor],
      ['k2', survivor],
      ['k3', survivor],
    ]);
    expect(after.body).not.toContain(absorbed);
    expect(csvObjects((await exportProfiles(p, { properties: ['x'], properties_condition_type: 'include' })).body).rows).toEqual([{ df_unified_id: survivor }]);
  });
});

describe('profiles export', () => {
  test("the seed's request: exclude df_birth; consent defaults to false; arrays as JSON; datetimes in KST; sorted header", async () => {
    const p = await project();
    await rt().taxonomy.apply(p.id, {
      properties: [
        { scope: 'user', name: 'custom_user_datetime', type: 'Datetime' },
        { scope: 'user', name: 'scenario_list_string', type: 'Array of String' },
      ],
    });
    const [first] = await rt().profiles.upsert({
      projectId: p.id,
      updates: [
        {
          identifiers: ext('u1'),
          properties: {
            df_gender: 'Male',
            df_push_ads_optin: true,
            df_push_optin: true,
            scenario_list_string: ['1', '2'],
            custom_user_datetime: '2025-01-05T15:30:00Z',
            df_birth: '1990-01-01',
          },
        },
      ],
      strict: true,
    });
    const [second] = await rt().profiles.upsert({ projectId: p.id, updates: [{ identifiers: ext('u2') }], strict: true });
    const res = await exportProfiles(p, { properties_condition_type: 'exclude', properties: ['df_birth'] });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toBe('text/csv; charset=utf-8');
    const header =
      'custom_user_datetime,df_email,df_email_ads_optin,df_gender,df_kakao_ads_optin,df_kakao_night_ads_optin,df_membership,df_name,df_phone,df_push_ads_optin,df_push_night_ads_optin,df_push_optin,df_sms_ads_optin,df_sms_night_ads_optin,df_unified_id,scenario_list_string';
    const rows = [
      [first.profileId, `2025-01-06 00:30:00.000,,false,Male,false,false,,,,true,false,true,false,false,${first.profileId},"[""1"",""2""]"`],
      [second.profileId, `,,false,,false,false,,,,false,false,false,false,false,${second.profileId},`],
    ].sort((a, b) => (a[0] < b[0] ? -1 : 1));
    expect(res.body).toBe([header, ...rows.map((r) => r[1]), ''].join('\r\n'));
  });

  test('an empty body (no filters) exports everything', async () => {
    const p = await project();
    await rt().profiles.upsert({ projectId: p.id, updates: [{ identifiers: ext('u1') }], strict: true });
    const res = await t.app.inject({
      method: 'POST',
      url: `/api/v1/export/userprofile?service_id=${p.id}`,
      headers: { authorization: `Bearer ${p.token}`, 'content-type': 'application/json' },
    });
    expect(res.statusCode, res.body).toBe(200);
    expect(parseCsv(res.body)).toHaveLength(2);
  });
});

describe('formula neutralisation (D14)', () => {
  test('off by default for the API; on with the project setting', async () => {
    for (const [settings, expected] of [
      [{}, '=HYPERLINK("http://evil")'],
      [{ neutraliseExportFormulas: true }, `'=HYPERLINK("http://evil")`],
    ] as const) {
      const p = await project(settings);
      await ingest(p.id, ext('x'), { name: 'df_purchase', at: NOW, properties: { df_order_id: '=HYPERLINK("http://evil")', df_total_purchase_amount: -1500 } });
      const { rows } = csvObjects((await exportEvents(p, day)).body);
      expect(rows[0].df_order_id).toBe(expected);
      expect(rows[0].df_total_purchase_amount).toBe('-1500');
    }
  });
});

describe('failures (exact bodies)', () => {
  const fail = (message: string, extra: Record<string, string> = {}) => ({ result: 'fail', message, ...extra });

  test('service_id missing → 400 invalid_parameter; unknown → 401', async () => {
    const p = await project();
    const missing = await t.app.inject({ method: 'POST', url: '/api/v1/export/event', headers: { authorization: `Bearer ${p.token}` }, payload: day });
    expect(missing.statusCode).toBe(400);
    expect(missing.json()).toEqual(fail('invalid_parameter', { parameter: 'service_id', detail: 'service_id is required' }));
    const unknown = await exportEvents({ id: 'nosuchservice', token: p.token }, day);
    expect(unknown.statusCode).toBe(401);
    expect(unknown.json()).toEqual(fail('unauthorized_token'));
  });

  test('401 unauthorized_token: no token, a wrong token, the import token, another project’s export token, an admin token', async () => {
    const p = await project();
    const other = await project();
    const cases: Record<string, string>[] = [
      {},
      { authorization: 'Bearer nope' },
      { authorization: p.token },
      { authorization: `Basic ${p.token}` },
      { authorization: `Bearer ${p.credentials.import_token}` },
      { authorization: `Bearer ${other.token}` },
      { authorization: `Bearer ${ADMIN_TOKEN}` },
    ];
    for (const headers of cases) {
      for (const path of ['event', 'userprofile']) {
        const res = await t.app.inject({ method: 'POST', url: `/api/v1/export/${path}?service_id=${p.id}`, headers, payload: day });
        expect(res.statusCode, JSON.stringify(headers)).toBe(401);
        expect(res.json()).toEqual(fail('unauthorized_token'));
        expect(res.headers['x-ratelimit-remaining']).toBeUndefined();
      }
    }
  });

  test.each([
    ['from_date missing', { to_date: '2025-01-06' }, 'from_date', 'from_date is required (yyyy-MM-dd)'],
    ['to_date missing', { from_date: '2025-01-06' }, 'to_date', 'to_date is required (yyyy-MM-dd)'],
    ['from_date not a date', { from_date: '2025/01/06', to_date: '2025-01-06' }, 'from_date', 'from_date must be a date as yyyy-MM-dd'],
    ['to_date impossible', { from_date: '2025-01-06', to_date: '2025-02-30' }, 'to_date', 'to_date must be a date as yyyy-MM-dd'],
    ['from_date a number', { from_date: 20250106, to_date: '2025-01-06' }, 'from_date', 'from_date must be a date as yyyy-MM-dd'],
    ['to before from', { from_date: '2025-01-06', to_date: '2025-01-05' }, 'to_date', 'to_date must not be before from_date'],
    ['events not a list', { ...day, events: 'df_login' }, 'events', 'events must be an array or null'],
    ['events with a non-string', { ...day, events: ['df_login', 3] }, 'events[1]', 'events[1] must be a string'],
    [
      'events_condition_type unknown',
      { ...day, events_condition_type: 'only' },
      'events_condition_type',
      'events_condition_type must be one of all, include, exclude',
    ],
    ['properties not a list', { ...day, properties: { a: 1 } }, 'properties', 'properties must be an array or null'],
    [
      'properties_condition_type unknown',
      { ...day, properties_condition_type: 'INCLUDE' },
      'properties_condition_type',
      'properties_condition_type must be one of all, include, exclude',
    ],
    ['audience not a string', { ...day, audience: 5 }, 'audience', 'audience must be a string or null'],
    ['audience unknown', { ...day, audience: 'zzzzzz' }, 'audience', 'audience zzzzzz does not exist in this project'],
    [
      'a misspelt field',
      { ...day, event_condition_type: 'include' },
      'event_condition_type',
      'event_condition_type is not a field of this request; use events, events_condition_type, from_date, to_date, properties, properties_condition_type, audience',
    ],
    ['a body that is a list', [day], 'body', 'body must be a JSON object or null'],
  ])('400 invalid_parameter: %s', async (_name, payload, parameter, detail) => {
    const p = await project();
    const res = await exportEvents(p, payload);
    expect(res.statusCode).toBe(400);
    expect(res.json()).toEqual(fail('invalid_parameter', { parameter, detail }));
  });

  test('400 invalid_parameter: malformed JSON; userprofile takes no dates', async () => {
    const p = await project();
    const res = await exportEvents(p, '{"from_date": ');
    expect(res.statusCode).toBe(400);
    expect(Object.keys(res.json())).toEqual(['result', 'message', 'parameter', 'detail']);
    expect(res.json()).toMatchObject(fail('invalid_parameter', { parameter: 'body' }));
    expect(res.json().detail).toMatch(/^malformed JSON body: /);
    const prof = await exportProfiles(p, day);
    expect(prof.json()).toEqual(
      fail('invalid_parameter', {
        parameter: 'from_date',
        detail: 'from_date is not a field of this request; use properties, properties_condition_type, audience',
      }),
    );
  });

  test('400 exceed_date_range_limit: more than 31 days apart, or from_date older than 365 days (both per project)', async () => {
    const p = await project();
    expect((await exportEvents(p, { from_date: '2024-12-06', to_date: '2025-01-06' })).statusCode).toBe(200); // 31 days
    const span = await exportEvents(p, { from_date: '2024-12-05', to_date: '2025-01-06' });
    expect(span.statusCode).toBe(400);
    expect(span.json()).toEqual(fail('exceed_date_range_limit', { parameter: 'to_date', detail: 'from_date to to_date may span at most 31 days' }));
    // Today is 2025-01-06 in KST: 365 days back is 2024-01-07.
    expect((await exportEvents(p, { from_date: '2024-01-07', to_date: '2024-01-07' })).statusCode).toBe(200);
    const old = await exportEvents(p, { from_date: '2024-01-06', to_date: '2024-01-06' });
    expect(old.statusCode).toBe(400);
    expect(old.json()).toEqual(
      fail('exceed_date_range_limit', { parameter: 'from_date', detail: 'from_date may be at most 365 days ago (earliest 2024-01-07)' }),
    );

    const strict = await project({ exportMaxRangeDays: 7, exportRetentionDays: 30 });
    expect((await exportEvents(strict, { from_date: '2024-12-30', to_date: '2025-01-06' })).statusCode).toBe(200);
    expect((await exportEvents(strict, { from_date: '2024-12-28', to_date: '2025-01-05' })).json()).toEqual(
      fail('exceed_date_range_limit', { parameter: 'to_date', detail: 'from_date to to_date may span at most 7 days' }),
    );
    expect((await exportEvents(strict, { from_date: '2024-12-06', to_date: '2024-12-06' })).json()).toEqual(
      fail('exceed_date_range_limit', { parameter: 'from_date', detail: 'from_date may be at most 30 days ago (earliest 2024-12-07)' }),
    );
  });

  test('429 too_many_api_requests after the hourly quota; failed auth and bad requests use none of it; X-RateLimit-* on every answer', async () => {
    const p = await project({ limits: { export_requests: 3 } });
    for (let i = 0; i < 3; i++) expect((await exportEvents({ ...p, token: 'bad' }, day)).statusCode).toBe(401);
    expect((await exportEvents(p, { to_date: '2025-01-06' })).statusCode).toBe(400);
    const reset = String(Date.parse('2025-01-06T02:00:00Z'));
    for (const remaining of ['2', '1', '0']) {
      const ok = await exportEvents(p, day);
      expect(ok.statusCode).toBe(200);
      expect([ok.headers['x-ratelimit-limit'], ok.headers['x-ratelimit-remaining'], ok.headers['x-ratelimit-reset']]).toEqual(['1h', remaining, reset]);
    }
    clock.advance(60_000);
    const limited = await exportProfiles(p);
    expect(limited.statusCode).toBe(429);
    expect(limited.json()).toEqual(fail('too_many_api_requests'));
    expect([
      limited.headers['x-ratelimit-limit'],
      limited.headers['x-ratelimit-remaining'],
      limited.headers['x-ratelimit-reset'],
      limited.headers['retry-after'],
    ]).toEqual(['1h', '0', reset, '3540']);
    clock.set('2025-01-06T02:00:00Z');
    expect((await exportEvents(p, day)).statusCode).toBe(200);
  });
});

describe('CLI', () => {
  test('maru export events writes the same CSV as the API, with progress on stderr', async () => {
    const p = await project();
    await ingest(p.id, ext('a'), {
      name: 'df_purchase',
      at: NOW,
      key: 'c1',
      properties: { df_order_id: 'x,y' },
      items: [{ df_item_id: '1' }, { df_item_id: '2' }],
    });
    await ingest(p.id, ext('b'), { name: 'df_login', at: NOW, key: 'c2' });
    const api = await exportEvents(p, {
      ...day,
      events: ['df_purchase'],
      events_condition_type: 'include',
      properties: ['df_order_id'],
      properties_condition_type: 'exclude',
    });
    let out = '';
    let err = '';
    const code = await runCli(
      [
        'export',
        'events',
        '--data-dir',
        t.dataDir,
        '--project',
        p.id,
        '--from',
        '2025-01-06',
        '--to',
        '2025-01-06',
        '--events',
        'df_purchase',
        '--properties',
        'df_order_id',
        '--properties-condition',
        'exclude',
      ],
      { out: (s) => (out += s), err: (s) => (err += s), env: { MARU_LOG_LEVEL: 'silent', ...t.storeEnv } },
    );
    expect(code, err).toBe(0);
    expect(out).toBe(api.body);
    expect(csvObjects(out).rows).toHaveLength(2);
    expect(err).toMatch(/^export events: done, 2 rows, [\d,]+ rows\/s, \d+\.\ds\n$/);

    let profilesOut = '';
    expect(
      await runCli(['export', 'profiles', '--data-dir', t.dataDir, '--project', p.id], {
        out: (s) => (profilesOut += s),
        err: () => {},
        env: { MARU_LOG_LEVEL: 'silent', ...t.storeEnv },
      }),
    ).toBe(0);
    expect(profilesOut).toBe((await exportProfiles(p)).body);
  });

  test('the CLI names its own flags in errors and does not apply the API date limits', async () => {
    const p = await project();
    let err = '';
    const io = { out: () => {}, err: (s: string) => (err += s), env: { MARU_LOG_LEVEL: 'silent', ...t.storeEnv } };
    expect(await runCli(['export', 'events', '--data-dir', t.dataDir, '--project', p.id, '--from', '2025-01-06', '--to', '2024-01-01'], io)).toBe(1);
    expect(err).toBe('maru export events: --to must not be before --from\n');
    expect(await runCli(['export', 'events', '--data-dir', t.dataDir, '--project', p.id, '--from', '2020-01-01', '--to', '2025-01-06'], io)).toBe(0);
    err = '';
    expect(await runCli(['export', 'events', '--data-dir', t.dataDir, '--project', p.id, '--to', '2025-01-06'], io)).toBe(2);
    expect(err).toContain('maru export events: --from is required');
  });
});
