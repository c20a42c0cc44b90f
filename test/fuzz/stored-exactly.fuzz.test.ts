import fc from 'fast-check';
import { afterAll, expect, test } from 'vitest';
import { buildTestApp, createProject } from '../helpers/app.ts';

/**
 * D16, the other half of the fuzzer (api.fuzz.test.ts proves refusals change nothing): a valid request is stored
 * exactly. Generated user ids and property values (any well-formed Unicode except NUL, including astral characters,
 * combining marks and strings that look like numbers or dates; safe integers; finite doubles; booleans; nested
 * JSON) sent through the Marketap and Notifly profile endpoints come back unchanged from the store, and the user id
 * is the profile's external_id as sent (trimmed, docs/identity.md). A placeholder user id ("true", "null", "0000",
 * D6's blocked list) is refused with 400 naming the field, and that run checks only the refusal. Seeded and bounded (MARU_FUZZ_SEED, MARU_FUZZ_RUNS).
 */

const SEED = Number(process.env.MARU_FUZZ_SEED ?? 13);
const RUNS = Number(process.env.MARU_FUZZ_RUNS ?? 8) * 3;

const t = await buildTestApp();
afterAll(() => t.close());
const { project, credentials } = await createProject(t.runtime, {
  name: 'stored exactly',
  settings: { limits: { bulk_requests: 1_000_000, project_requests: 1_000_000, client_requests: 1_000_000 } },
});
const token = (
  await t.app.inject({ method: 'POST', url: '/authenticate', payload: { accessKey: credentials.access_key, secretKey: credentials.secret_key } })
).json().data as string;

/** Text as D16 accepts it: well-formed, no NUL. */
const text = (max: number) =>
  fc
    .oneof(
      fc.string({ unit: 'grapheme', minLength: 1, maxLength: max }),
      fc.string({ unit: 'binary', minLength: 1, maxLength: max }),
      fc.constantFrom('0012', '1e3', '2025-01-17', 'true', ' padded ', 'é', 'é', '👩‍👩‍👧', '\t tab'),
    )
    .filter((s) => s.isWellFormed() && !s.includes('\u0000') && s.trim() !== '');
const scalar = fc.oneof(
  text(40),
  fc.maxSafeInteger(),
  fc.double({ noNaN: true, noDefaultInfinity: true, min: -1e15, max: 1e15 }).filter((x) => !Object.is(x, -0)),
  fc.boolean(),
);
const value = fc.oneof({ weight: 4, arbitrary: scalar }, { weight: 1, arbitrary: fc.array(text(10), { maxLength: 3 }) });

let n = 0;
/** Fresh property names per run, so a value's type never conflicts with one observed earlier. */
const placeholder = (body: string) => body.includes('does not identify a user');
const properties = fc.array(value, { minLength: 1, maxLength: 4 }).map((vs) => Object.fromEntries(vs.map((v) => [`fz_${n++}`, v])));

async function storedProfile(externalId: string): Promise<Record<string, unknown> | undefined> {
  const row = await t.runtime.store.db
    .selectFrom('identifiers')
    .innerJoin('profiles', (j) => j.onRef('profiles.id', '=', 'identifiers.profile_id').onRef('profiles.project_id', '=', 'identifiers.project_id'))
    .select(['profiles.properties', 'identifiers.value'])
    .where('identifiers.project_id', '=', project.id)
    .where('identifiers.type', '=', 'external_id')
    .where('identifiers.raw', '=', externalId.trim())
    .executeTakeFirst();
  return row ? (JSON.parse(row.properties) as Record<string, unknown>) : undefined;
}

test('Marketap profiles: user id and properties are stored exactly as sent', async () => {
  await fc.assert(
    fc.asyncProperty(text(60), properties, async (userId, props) => {
      const r = await t.app.inject({
        method: 'POST',
        url: `/v1/api/profile/user?project_id=${project.id}`,
        headers: { authorization: `Bearer ${credentials.api_key}` },
        payload: { profiles: [{ user_id: userId, properties: props }] },
      });
      if (r.statusCode === 400 && placeholder(r.body)) {
        expect(r.json().error.field).toBe('profiles[0].user_id');
        return;
      }
      expect(r.statusCode, r.body).toBe(202);
      const stored = await storedProfile(userId);
      expect(stored, `no profile with external_id ${JSON.stringify(userId)}`).toBeDefined();
      for (const [k, v] of Object.entries(props)) expect(stored?.[k], k).toEqual(v);
    }),
    { seed: SEED, numRuns: RUNS, endOnFailure: true },
  );
}, 60_000);

test('Notifly set-user-properties: user id and properties are stored exactly as sent', async () => {
  await fc.assert(
    fc.asyncProperty(text(60), properties, async (userId, props) => {
      const r = await t.app.inject({
        method: 'POST',
        url: '/set-user-properties',
        headers: { authorization: token },
        payload: { projectId: project.id, userId, userProperties: props },
      });
      if (r.statusCode === 400 && placeholder(r.body)) return;
      expect(r.statusCode, r.body).toBe(200);
      const stored = await storedProfile(userId);
      expect(stored, `no profile with external_id ${JSON.stringify(userId)}`).toBeDefined();
      for (const [k, v] of Object.entries(props)) expect(stored?.[k], k).toEqual(v);
    }),
    { seed: SEED + 1, numRuns: RUNS, endOnFailure: true },
  );
}, 60_000);

afterAll(() => expect(t.responseViolations).toEqual([]));
