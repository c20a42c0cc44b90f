import { afterEach, describe, expect, it } from 'vitest';
import { marketapFixture, rows, type MarketapFixture } from './marketap.helpers.ts';
import { STANDARD_PROPERTIES } from '../../src/faces/marketap/mapping.ts';

describe('Marketap face: POST /v1/api/profile/user', () => {
  let f: MarketapFixture;
  afterEach(() => f.close());

  const profileOf = async (userId: string) => {
    const id = await f.t.runtime.profiles.findByIdentifier(f.project.id, 'external_id', userId);
    return id ? f.t.runtime.profiles.get(f.project.id, id) : undefined;
  };
  const registered = async () => (await f.t.runtime.taxonomy.list(f.project.id)).properties.filter((p) => p.scope === 'user' && p.origin === 'observed');

  it('maps every mkt_* standard property to the core, email and phone also as identifiers; stored before the 202', async () => {
    f = await marketapFixture();
    const r = await f.post('/v1/api/profile/user', {
      profiles: [
        {
          user_id: 'user-1',
          timestamp: '2025-01-17T05:39:22+09:00',
          properties: {
            mkt_name: '홍길동',
            mkt_email: ' Gil.Dong@Example.COM ',
            mkt_phone_number: '010-1234-5678',
            mkt_gender: 'M',
            mkt_birth_date: '1990-05-17',
            mkt_membership: 'gold',
            mkt_push_opt_in: true,
            mkt_push_night_opt_in: false,
            mkt_text_message_opt_in: true,
            mkt_text_message_night_opt_in: false,
            mkt_email_opt_in: false,
            mkt_kakao_opt_in: true,
            mkt_kakao_night_opt_in: true,
          },
        },
      ],
    });
    expect(r.statusCode).toBe(202);
    expect(r.json()).toEqual({ accepted: 1 });
    const p = await profileOf('user-1');
    expect(p?.properties).toEqual({
      df_name: '홍길동',
      df_email: ' Gil.Dong@Example.COM ',
      df_phone: '010-1234-5678',
      df_gender: 'M',
      df_birth: '1990-05-17',
      df_membership: 'gold',
      df_push_ads_optin: true,
      df_push_night_ads_optin: false,
      df_sms_ads_optin: true,
      df_sms_night_ads_optin: false,
      df_email_ads_optin: false,
      df_kakao_ads_optin: true,
      df_kakao_night_ads_optin: true,
    });
    expect(p?.identifiers).toEqual(
      expect.arrayContaining([
        { type: 'external_id', value: 'user-1' },
        { type: 'email', value: 'gil.dong@example.com' },
        { type: 'phone', value: '+821012345678' },
      ]),
    );
    expect(p?.identifiers).toHaveLength(3);
    // The same person found by the identifiers the mkt_* properties gave.
    expect(await f.t.runtime.profiles.findByIdentifier(f.project.id, 'phone', '+82 10 1234 5678')).toBe(p?.id);
    expect(await registered()).toEqual([]); // standard properties register nothing
    expect(Object.keys(STANDARD_PROPERTIES)).toHaveLength(13);
  });

  it('registers custom properties on first sight with the type of their first value (D4), and updates existing profiles', async () => {
    f = await marketapFixture();
    const r = await f.post('/v1/api/profile/user', {
      profiles: [
        { user_id: 'a', properties: { tier: 'gold', points: 10, score: 1.5, vip: true, joined_at: '2025-01-01T09:00:00+09:00', tags: ['x', 'y'] } },
        { user_id: 'b', properties: { tier: 'silver' } },
      ],
    });
    expect(r.statusCode).toBe(202);
    expect(r.json()).toEqual({ accepted: 2 });
    expect((await registered()).map((p) => [p.name, p.type]).sort()).toEqual([
      ['joined_at', 'datetime'],
      ['points', 'long'],
      ['score', 'double'],
      ['tags', 'string[]'],
      ['tier', 'string'],
      ['vip', 'boolean'],
    ]);
    expect((await profileOf('a'))?.properties).toEqual({
      tier: 'gold',
      points: 10,
      score: 1.5,
      vip: true,
      joined_at: '2025-01-01T00:00:00.000Z',
      tags: ['x', 'y'],
    });
    // A later update: a Long where a Double is registered is fine; null removes.
    f.clock.advance(1000);
    const u = await f.post('/v1/api/profile/user', { profiles: [{ user_id: 'a', properties: { score: 2, tags: null } }] });
    expect(u.statusCode).toBe(202);
    expect((await profileOf('a'))?.properties).toEqual({ tier: 'gold', points: 10, score: 2, vip: true, joined_at: '2025-01-01T00:00:00.000Z' });
    expect(await rows(f.t, 'profiles', f.project.id)).toHaveLength(2);
  });

  it('a value of the wrong type for a registered property is a 400 naming it, and nothing of the request is stored', async () => {
    f = await marketapFixture();
    expect((await f.post('/v1/api/profile/user', { profiles: [{ user_id: 'a', properties: { points: 10 } }] })).statusCode).toBe(202);
    const r = await f.post('/v1/api/profile/user', {
      profiles: [
        { user_id: 'new-user', properties: { fresh: 'x' } },
        { user_id: 'a', properties: { points: 'many' } },
      ],
    });
    expect(r.statusCode).toBe(400);
    expect(r.json()).toEqual({
      error: { code: 'invalid_input', message: 'profiles[1].properties.points must be a Long (an integer)', field: 'profiles[1].properties.points' },
    });
    expect(await profileOf('new-user')).toBeUndefined();
    expect((await registered()).map((p) => p.name)).toEqual(['points']);
    expect((await profileOf('a'))?.properties).toEqual({ points: 10 });
  });

  it('two first values of different types in one request: 400 naming the second, nothing registered', async () => {
    f = await marketapFixture();
    const r = await f.post('/v1/api/profile/user', {
      profiles: [
        { user_id: 'a', properties: { level: 3 } },
        { user_id: 'b', properties: { level: 'three' } },
      ],
    });
    expect(r.statusCode).toBe(400);
    expect(r.json().error.field).toBe('profiles[1].properties.level');
    expect(await registered()).toEqual([]);
    expect(await rows(f.t, 'profiles', f.project.id)).toEqual([]);
  });

  it('a strict project refuses unregistered properties', async () => {
    f = await marketapFixture({ strictTaxonomy: true });
    const r = await f.post('/v1/api/profile/user', { profiles: [{ user_id: 'a', properties: { mkt_name: 'Kim', tier: 'gold' } }] });
    expect(r.statusCode).toBe(400);
    expect(r.json()).toEqual({
      error: { code: 'invalid_input', message: 'profiles[0].properties.tier: user property tier is not registered', field: 'profiles[0].properties.tier' },
    });
    expect(await rows(f.t, 'profiles', f.project.id)).toEqual([]);
    expect((await f.post('/v1/api/profile/user', { profiles: [{ user_id: 'a', properties: { mkt_name: 'Kim' } }] })).statusCode).toBe(202);
  });

  it('names each malformed field; nothing is stored', async () => {
    f = await marketapFixture({ limits: { bulk_requests: 1000 } });
    const cases: [unknown, string, string][] = [
      [{ profiles: [{ properties: {} }] }, 'profiles[0].user_id', 'profiles[0].user_id is required'],
      [{ profiles: [{ user_id: '  ' }] }, 'profiles[0].user_id', 'profiles[0].user_id is required and must be a non-empty string'],
      [
        { profiles: [{ user_id: 'anonymous' }] },
        'profiles[0].user_id',
        'profiles[0].user_id "anonymous" does not identify a user (empty, null-like, placeholder and all-zero values are not accepted)',
      ],
      [{ profiles: [{ user_id: { id: 1 } }] }, 'profiles[0].user_id', 'profiles[0].user_id must be a string or an integer'],
      [
        { profiles: [{ user_id: 'a', timestamp: '2025-01-17T05:39:22' }] },
        'profiles[0].timestamp',
        'profiles[0].timestamp must be an ISO 8601 datetime with Z or an offset, e.g. "2025-01-17T05:39:22Z" or "2025-01-17T05:39:22+09:00"',
      ],
      [{ profiles: [{ user_id: 'a', properties: [1] }] }, 'profiles[0].properties', 'profiles[0].properties must be a JSON object or null'],
      [
        { profiles: [{ user_id: 'a', props: {} }] },
        'profiles[0].props',
        'profiles[0].props is not a field of this request; use user_id, properties, timestamp',
      ],
      [
        { profiles: [{ user_id: 'a', properties: { mkt_push_opt_in: 'yes' } }] },
        'profiles[0].properties.mkt_push_opt_in',
        'profiles[0].properties.mkt_push_opt_in must be a Boolean',
      ],
      [
        { profiles: [{ user_id: 'a', properties: { mkt_birth_date: '17/05/1990' } }] },
        'profiles[0].properties.mkt_birth_date',
        'profiles[0].properties.mkt_birth_date must be a Date: yyyy-MM-dd',
      ],
      [
        { profiles: [{ user_id: 'a', properties: { mkt_email: 42 } }] },
        'profiles[0].properties.mkt_email',
        'profiles[0].properties.mkt_email must be a String',
      ],
      [
        { profiles: [{ user_id: 'a', properties: { mkt_nickname: 'x' } }] },
        'profiles[0].properties.mkt_nickname',
        `profiles[0].properties.mkt_nickname: mkt_nickname is not a Marketap standard property (${Object.keys(STANDARD_PROPERTIES).join(', ')}); custom properties must not start with mkt_`,
      ],
      [
        { profiles: [{ user_id: 'a', properties: { mkt_email: 'a@x.com', df_email: 'b@x.com' } }] },
        'profiles[0].properties.df_email',
        'profiles[0].properties.df_email: set either mkt_email or df_email, not both',
      ],
      [
        { profiles: [{ user_id: 'a', properties: { df_unified_id: 'abc' } }] },
        'profiles[0].properties.df_unified_id',
        'profiles[0].properties.df_unified_id: df_unified_id is reserved and cannot be set',
      ],
      [
        { profiles: [{ user_id: 'a', properties: { nested: { a: 1 } } }] },
        'profiles[0].properties.nested',
        'profiles[0].properties.nested: cannot infer a type from this value (use a string, number, boolean or an array of one of them)',
      ],
      [{ profiles: [] }, 'profiles', 'profiles must not be empty'],
      [{ profiles: {} }, 'profiles', 'profiles must be an array'],
      [{}, 'profiles', 'profiles is required'],
      [{ profiles: [{ user_id: 'ok' }, 'x'] }, 'profiles[1]', 'profiles[1] must be a JSON object'],
    ];
    for (const [body, field, message] of cases) {
      const r = await f.post('/v1/api/profile/user', body);
      expect(r.statusCode, JSON.stringify(body)).toBe(400);
      expect(r.json(), JSON.stringify(body)).toEqual({ error: { code: 'invalid_input', message, field } });
    }
    expect(await rows(f.t, 'profiles', f.project.id)).toEqual([]);
    expect(await registered()).toEqual([]);
  });

  it('accepts a numeric user_id as its decimal string', async () => {
    f = await marketapFixture();
    expect((await f.post('/v1/api/profile/user', { profiles: [{ user_id: 12345, properties: { mkt_name: 'N' } }] })).statusCode).toBe(202);
    expect((await profileOf('12345'))?.properties).toEqual({ df_name: 'N' });
  });
});
