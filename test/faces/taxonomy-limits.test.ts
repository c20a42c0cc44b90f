import { afterEach, describe, expect, it } from 'vitest';
import { marketapFixture, type MarketapFixture } from './marketap.helpers.ts';
import { adminHeaders } from '../helpers/app.ts';
import { DEFAULT_TAXONOMY_LIMITS } from '../../src/core/taxonomy/taxonomy-limits.ts';
import { STANDARD_EVENTS, STANDARD_USER_PROPERTIES } from '../../src/core/taxonomy/standard-taxonomy.ts';

/** Bounded taxonomy growth (docs/taxonomy.md "Limits"): past a bound a new name is refused naming it, old ones still work. */

let f: MarketapFixture | undefined;
afterEach(async () => {
  await f?.close();
  f = undefined;
});

const taxonomy = async () => {
  const t = await f!.t.runtime.taxonomy.list(f!.project.id);
  return { events: t.events.map((e) => e.name).sort(), properties: t.properties.map((p) => `${p.scope}.${p.name}`).sort() };
};
const countEvents = async () =>
  Number(
    (
      await f!.t.runtime.store.db
        .selectFrom('event_batches')
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .where('project_id', '=', f!.project.id)
        .executeTakeFirstOrThrow()
    ).n,
  );
const props = (n: number, prefix = 'p') => Object.fromEntries(Array.from({ length: n }, (_, i) => [`${prefix}${i}`, i]));

describe('taxonomy growth limits', () => {
  it(`by default one request registers at most ${DEFAULT_TAXONOMY_LIMITS.newPerRequest} new names: the next is 400 naming it, and nothing is stored`, async () => {
    f = await marketapFixture();
    const before = await taxonomy();
    const r = await f.post('/v1/api/events', { events: [{ user_id: 'u1', name: 'df_login', properties: props(60_013) }] });
    expect(r.statusCode).toBe(400);
    expect(r.json().error).toMatchObject({
      code: 'invalid_input',
      field: `events[0].properties.p${DEFAULT_TAXONOMY_LIMITS.newPerRequest}`,
      message: expect.stringContaining(
        `at most ${DEFAULT_TAXONOMY_LIMITS.newPerRequest} may be registered per request (settings.taxonomyLimits.newPerRequest)`,
      ),
    });
    expect(await taxonomy()).toEqual(before);
    expect(await countEvents()).toBe(0);
    // Exactly the bound is accepted.
    expect(
      (await f.post('/v1/api/events', { events: [{ user_id: 'u1', name: 'df_login', properties: props(DEFAULT_TAXONOMY_LIMITS.newPerRequest) }] })).statusCode,
    ).toBe(202);
    expect((await taxonomy()).properties.length).toBe(before.properties.length + DEFAULT_TAXONOMY_LIMITS.newPerRequest);
  });

  it('a project has at most taxonomyLimits.events event names; past it new names are refused, registered ones accepted', async () => {
    f = await marketapFixture({ taxonomyLimits: { events: STANDARD_EVENTS.length + 2 } });
    expect(
      (
        await f.post('/v1/api/events', {
          events: [
            { user_id: 'u1', name: 'app_open' },
            { user_id: 'u1', name: 'purchase' },
          ],
        })
      ).statusCode,
    ).toBe(202);
    const before = await taxonomy();
    const r = await f.post('/v1/api/events', {
      events: [
        { user_id: 'u1', name: 'app_open' },
        { user_id: 'u1', name: 'refund' },
      ],
    });
    expect([r.statusCode, r.json().error.field]).toEqual([400, 'events[1].name']);
    expect(r.json().error.message).toBe(
      `events[1].name: event refund is not registered, and the project has its maximum of ${STANDARD_EVENTS.length + 2} event names (settings.taxonomyLimits.events); registered events are still accepted`,
    );
    expect(await taxonomy()).toEqual(before);
    expect(
      (
        await f.post('/v1/api/events', {
          events: [
            { user_id: 'u1', name: 'app_open' },
            { user_id: 'u1', name: 'df_login' },
          ],
        })
      ).statusCode,
    ).toBe(202);
    // Explicit registration (admin API) is bounded by the same total.
    const admin = await f.t.app.inject({
      method: 'POST',
      url: `/admin/v1/projects/${f.project.id}/taxonomy/events`,
      headers: adminHeaders,
      payload: { name: 'refund' },
    });
    expect([admin.statusCode, admin.json().error.field]).toEqual([400, 'name']);
    // Raising the limit lets it grow again.
    expect(
      (
        await f.t.app.inject({
          method: 'PATCH',
          url: `/admin/v1/projects/${f.project.id}`,
          headers: adminHeaders,
          payload: { settings: { taxonomyLimits: { events: null } } },
        })
      ).statusCode,
    ).toBe(200);
    expect((await f.post('/v1/api/events', { events: [{ user_id: 'u1', name: 'refund' }] })).statusCode).toBe(202);
  });

  it('a project has at most taxonomyLimits.propertiesPerScope properties in each scope', async () => {
    const userProps = Object.keys(STANDARD_USER_PROPERTIES).length;
    f = await marketapFixture({ taxonomyLimits: { propertiesPerScope: userProps + 1 } });
    expect((await f.post('/v1/api/profile/user', { profiles: [{ user_id: 'a', properties: { tier: 'gold' } }] })).statusCode).toBe(202);
    const before = await taxonomy();
    const r = await f.post('/v1/api/profile/user', { profiles: [{ user_id: 'a', properties: { tier: 'silver', points: 3 } }] });
    expect([r.statusCode, r.json().error.field]).toEqual([400, 'profiles[0].properties.points']);
    expect(r.json().error.message).toContain(
      `user property points is not registered, and the project has its maximum of ${userProps + 1} user properties (settings.taxonomyLimits.propertiesPerScope)`,
    );
    expect(await taxonomy()).toEqual(before);
    expect((await f.post('/v1/api/profile/user', { profiles: [{ user_id: 'a', properties: { tier: 'silver' } }] })).statusCode).toBe(202);
    // Event properties are another scope, with their own count.
    expect((await f.post('/v1/api/events', { events: [{ user_id: 'a', name: 'df_login', properties: { points: 3 } }] })).statusCode).toBe(202);
  });
});
