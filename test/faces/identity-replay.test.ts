import { afterAll, beforeAll, expect, test } from 'vitest';
import fc from 'fast-check';
import { buildTestApp, createProject, ManualClock, type TestApp } from '../helpers/app.ts';

/**
 * D6 amended, through the three faces' HTTP routes: for any generated sequence of requests (DFINERY identities,
 * user-profile and events; Marketap profiles, events and devices; Notifly set-user-properties), applying any
 * request a second time leaves the identity graph, profiles, devices and events exactly as its first application
 * left them. Events carry their idempotency key and time (D5: an event without a key is a new event each time).
 */

let t: TestApp;
let clock: ManualClock;

beforeAll(async () => {
  clock = new ManualClock('2025-03-01T00:00:00Z');
  t = await buildTestApp({ clock, env: { MARU_IDENTIFIERS_PER_TYPE: '2' } });
});
afterAll(async () => {
  await t?.close();
});

const USERS = ['u1', 'u2', 'u3'];
const EMAILS = ['a@x.io', 'b@x.io', 'c@x.io'];
const PHONES = ['010-1000-0001', '010-1000-0002', '+82 10 1000 0003'];
const DEVICES = ['d1', 'd2', 'd3'];

type Req = { face: string; method: 'POST'; url: string; body: unknown };

const maybe = <T>(arb: fc.Arbitrary<T>) => fc.option(arb, { nil: undefined });
const user = fc.constantFrom(...USERS);
const email = fc.constantFrom(...EMAILS);
const phone = fc.constantFrom(...PHONES);
const device = fc.constantFrom(...DEVICES);
const name = fc.constantFrom('Kim', 'Lee', 'Park');
const strip = (o: Record<string, unknown>) => Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined));

const dfIdentity = fc
  .record({ external_id: maybe(user), email: maybe(email), phone_no: maybe(phone) })
  .map(strip)
  .filter((o) => Object.keys(o).length > 0);

const request = (keyNo: fc.Arbitrary<number>): fc.Arbitrary<Omit<Req, 'url'> & { path: string }> =>
  fc.oneof(
    dfIdentity.map((identity) => ({ face: 'dfinery', method: 'POST' as const, path: '/api/v1/identities', body: { identity } })),
    fc.record({ identity: dfIdentity, n: name }).map(({ identity, n }) => ({
      face: 'dfinery',
      method: 'POST' as const,
      path: '/api/v1/user-profile',
      body: { identity, user_properties: { df_name: n } },
    })),
    fc.record({ identity: dfIdentity, k: keyNo }).map(({ identity, k }) => ({
      face: 'dfinery',
      method: 'POST' as const,
      path: '/api/v1/events',
      body: { common: { identity }, events: [{ event_log_id: `df-${k}`, event_name: 'df_login', event_datetime: `2025-02-01T00:00:0${k % 10}Z` }] },
    })),
    fc.record({ u: user, e: maybe(email), p: maybe(phone), n: maybe(name) }).map(({ u, e, p, n }) => ({
      face: 'marketap',
      method: 'POST' as const,
      path: '/v1/api/profile/user',
      body: { profiles: [{ user_id: u, properties: strip({ mkt_email: e, mkt_phone_number: p, mkt_name: n }) }] },
    })),
    fc.record({ u: maybe(user), d: device, k: keyNo }).map(({ u, d, k }) => ({
      face: 'marketap-events',
      method: 'POST' as const,
      path: '/v1/api/events',
      body: { events: [strip({ user_id: u, device_id: d, event_id: `mk-${k}`, name: 'app_open', timestamp: `2025-02-01T00:00:0${k % 10}Z` })] },
    })),
    fc.record({ u: maybe(user), d: device }).map(({ u, d }) => ({
      face: 'marketap',
      method: 'POST' as const,
      path: '/v1/api/profile/user/device/bulk',
      body: { devices: [strip({ device_id: d, user_id: u, platform: 'android' })] },
    })),
    fc.record({ u: user, e: maybe(email), p: maybe(phone), n: maybe(name) }).map(({ u, e, p, n }) => ({
      face: 'notifly',
      method: 'POST' as const,
      path: '/set-user-properties',
      body: { projectId: 'P', userId: u, userProperties: strip({ $email: e, $phone_number: p, name: n }) },
    })),
  );

/** Everything identity resolution, profiles and ingest write for a project, in a stable order. */
async function digest(projectId: string) {
  const db = t.runtime.store.db;
  const all = async (table: 'identifiers' | 'profiles' | 'profile_aliases' | 'events' | 'devices') =>
    JSON.stringify(
      ((await db.selectFrom(table).selectAll().where('project_id', '=', projectId).execute()) as Record<string, unknown>[])
        .map((r) => JSON.stringify(Object.entries(r).sort(([a], [b]) => (a < b ? -1 : 1))))
        .sort(),
    );
  return {
    identifiers: await all('identifiers'),
    profiles: await all('profiles'),
    aliases: await all('profile_aliases'),
    events: await all('events'),
    devices: await all('devices'),
  };
}

test('any request applied a second time changes nothing, on every face', async () => {
  let run = 0;
  await fc.assert(
    fc.asyncProperty(fc.array(request(fc.integer({ min: 0, max: 5 })), { minLength: 1, maxLength: 12 }), async (requests) => {
      const { project, credentials } = await createProject(t.runtime, { name: `replay ${run++}` });
      const auth = await t.app.inject({
        method: 'POST',
        url: '/authenticate',
        payload: { accessKey: credentials.access_key, secretKey: credentials.secret_key },
      });
      const token = auth.json().data as string;
      const send = async (r: (typeof requests)[number]) => {
        const body = r.face === 'notifly' ? { ...(r.body as object), projectId: project.id } : r.body;
        const url = r.face === 'dfinery' ? `${r.path}?service_id=${project.id}` : r.face === 'notifly' ? r.path : `${r.path}?project_id=${project.id}`;
        const headers: Record<string, string> =
          r.face === 'dfinery'
            ? { access_token: credentials.import_token }
            : r.face === 'notifly'
              ? { authorization: token }
              : { authorization: `Bearer ${credentials.api_key}` };
        const res = await t.app.inject({ method: r.method, url, headers, payload: body as object });
        if (r.face === 'marketap-events') await t.runtime.queue.drain();
        return res;
      };
      for (const r of requests) {
        clock.advance(1000);
        const first = await send(r);
        expect(first.statusCode, `${r.path} ${JSON.stringify(r.body)}: ${first.body}`).toBeLessThan(300);
        if (r.face === 'dfinery') expect(first.json().code, first.body).toBe('20000');
        const before = await digest(project.id);
        clock.advance(1000);
        const again = await send(r);
        expect(again.statusCode).toBe(first.statusCode);
        expect(await digest(project.id), `replaying ${r.path} ${JSON.stringify(r.body)}`).toEqual(before);
      }
    }),
    { numRuns: 40 },
  );
}, 240_000);
