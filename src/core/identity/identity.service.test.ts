import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import fc from 'fast-check';
import { pino } from 'pino';
import { loadConfig } from '../../platform/config.ts';
import { ManualClock } from '../../platform/clock.ts';
import { createRuntime, type Runtime } from '../../runtime.ts';
import { isMaruError } from '../errors.ts';
import type { IdentifierType } from './identifiers.ts';
import { normalizeIdentifier } from './identifiers.ts';
import type { Resolution } from './identity.service.ts';

/**
 * D6, rule by rule, through the real SQLite store and services: ProfilesService.upsert (what the faces call)
 * and IdentityService.resolve inside store.write. Every test reads the stored identifiers/profiles/aliases back.
 */

const T0 = Date.UTC(2025, 0, 6, 0, 0, 0);
const MINUTE = 60_000;

interface Ctx {
  rt: Runtime;
  clock: ManualClock;
  projectId: string;
  dir: string;
}

async function open(env: Record<string, string> = {}): Promise<Ctx> {
  const dir = mkdtempSync(join(tmpdir(), 'maru-identity-'));
  const clock = new ManualClock(T0);
  const config = loadConfig({ MARU_LOG_LEVEL: 'silent', ...env }, { dataDir: dir });
  const rt = await createRuntime(config, { clock, log: pino({ level: 'silent' }) });
  const { project } = await rt.projects.create({ name: 'identity' });
  return { rt, clock, projectId: project.id, dir };
}

async function close(ctx: Ctx) {
  await ctx.rt.close();
  rmSync(ctx.dir, { recursive: true, force: true });
}

type Ids = Partial<Record<IdentifierType, unknown>>;

/** What a face does: one profile update with these identifiers (and properties). */
async function upsert(ctx: Ctx, ids: Ids, properties: Record<string, unknown> = {}): Promise<Resolution> {
  const [r] = await ctx.rt.profiles.upsert({
    projectId: ctx.projectId,
    updates: [{ identifiers: Object.entries(ids).map(([type, value]) => ({ type: type as IdentifierType, value })), properties }],
    strict: true,
  });
  return r;
}

/** Identity resolution alone, inside one write unit, on already normalised identifiers. */
async function resolve(ctx: Ctx, ids: { type: IdentifierType; value: string }[]): Promise<Resolution> {
  const identifiers = ids.map((id) => normalizeIdentifier(id.type, id.value, 'KR')!);
  return ctx.rt.store.write((tx) => ctx.rt.identity.resolve(tx, { projectId: ctx.projectId, identifiers, now: ctx.clock.now() }));
}

async function identifierRows(ctx: Ctx) {
  return (
    await ctx.rt.store.db
      .selectFrom('identifiers')
      .select(['type', 'value', 'raw', 'profile_id'])
      .where('project_id', '=', ctx.projectId)
      .orderBy('type')
      .orderBy('value')
      .execute()
  ).map((r) => ({ ...r }));
}

async function profileRows(ctx: Ctx) {
  return (await ctx.rt.store.db.selectFrom('profiles').selectAll().where('project_id', '=', ctx.projectId).orderBy('created_at').orderBy('id').execute()).map(
    (r) => ({ id: r.id, properties: JSON.parse(r.properties), created_at: r.created_at, updated_at: r.updated_at }),
  );
}

async function aliasRows(ctx: Ctx) {
  return (
    await ctx.rt.store.db.selectFrom('profile_aliases').select(['alias_id', 'profile_id']).where('project_id', '=', ctx.projectId).orderBy('alias_id').execute()
  ).map((r) => ({ ...r }));
}

/** Identifiers of one profile as `type:value`, sorted. */
async function held(ctx: Ctx, profileId: string): Promise<string[]> {
  return (await identifierRows(ctx))
    .filter((r) => r.profile_id === profileId)
    .map((r) => `${r.type}:${r.value}`)
    .sort();
}

describe('identity resolution (D6)', () => {
  let ctx: Ctx;
  beforeEach(async () => {
    ctx = await open();
  });
  afterEach(async () => {
    await close(ctx);
  });

  describe('normalisation', () => {
    test('values are trimmed before matching and stored trimmed', async () => {
      const a = await upsert(ctx, { external_id: '  user-1\t', kakao_user_id: ' k-1 ' });
      const b = await upsert(ctx, { external_id: 'user-1' });
      const c = await upsert(ctx, { kakao_user_id: 'k-1' });
      expect(b.profileId).toBe(a.profileId);
      expect(c.profileId).toBe(a.profileId);
      expect(await identifierRows(ctx)).toEqual([
        { type: 'external_id', value: 'user-1', raw: 'user-1', profile_id: a.profileId },
        { type: 'kakao_user_id', value: 'k-1', raw: 'k-1', profile_id: a.profileId },
      ]);
      expect(await profileRows(ctx)).toHaveLength(1);
    });

    test('email is matched lower-cased; the first raw form is kept', async () => {
      const a = await upsert(ctx, { email: ' Kim.Minji@Example.COM ' });
      const b = await upsert(ctx, { email: 'kim.minji@example.com' });
      const c = await upsert(ctx, { email: 'KIM.MINJI@EXAMPLE.COM' });
      expect([b.profileId, c.profileId]).toEqual([a.profileId, a.profileId]);
      expect(await identifierRows(ctx)).toEqual([{ type: 'email', value: 'kim.minji@example.com', raw: 'Kim.Minji@Example.COM', profile_id: a.profileId }]);
    });

    test('other identifier types are case-sensitive', async () => {
      const a = await upsert(ctx, { external_id: 'User-1' });
      const b = await upsert(ctx, { external_id: 'user-1' });
      expect(b.profileId).not.toBe(a.profileId);
    });

    test('a phone number matches on its E.164 form in the default region (KR); the raw form is kept', async () => {
      const forms = ['010-1234-5678', '01012345678', '+82 10 1234 5678', '821012345678', ' +82-10-1234-5678 '];
      const results: Resolution[] = [];
      for (const phone of forms) results.push(await upsert(ctx, { phone }));
      expect(new Set(results.map((r) => r.profileId)).size).toBe(1);
      expect(results.map((r) => r.created)).toEqual([true, false, false, false, false]);
      expect(await identifierRows(ctx)).toEqual([{ type: 'phone', value: '+821012345678', raw: '010-1234-5678', profile_id: results[0].profileId }]);
      // Lookups normalise the same way.
      for (const phone of forms) expect(await ctx.rt.profiles.findByIdentifier(ctx.projectId, 'phone', phone)).toBe(results[0].profileId);
      // A different number is a different person.
      const other = await upsert(ctx, { phone: '010-1234-5679' });
      expect(other.profileId).not.toBe(results[0].profileId);
    });

    test("the project's phone region is used for national numbers", async () => {
      await ctx.rt.projects.update(ctx.projectId, { settings: { phoneRegion: 'US' } });
      const a = await upsert(ctx, { phone: '(415) 555-2671' });
      const b = await upsert(ctx, { phone: '+1 415 555 2671' });
      expect(b.profileId).toBe(a.profileId);
      expect((await identifierRows(ctx))[0]).toMatchObject({ value: '+14155552671', raw: '(415) 555-2671' });
    });
  });

  describe('blocked values never identify anyone', () => {
    const blocked: unknown[] = [
      '',
      '   ',
      'null',
      'NULL',
      'undefined',
      'anonymous',
      'Anonymous',
      '0',
      '-1',
      0,
      -1,
      '00000000',
      '00000000-0000-0000-0000-000000000000',
      null,
      undefined,
    ];

    test.each(blocked.map((v) => [JSON.stringify(v) ?? 'undefined', v]))(
      '%s is ignored next to a usable identifier and links no one',
      async (_label, value) => {
        const a = await upsert(ctx, { external_id: value, email: 'a@example.com' });
        const b = await upsert(ctx, { external_id: value, email: 'b@example.com' });
        expect(b.profileId).not.toBe(a.profileId);
        expect(await identifierRows(ctx)).toEqual([
          { type: 'email', value: 'a@example.com', raw: 'a@example.com', profile_id: a.profileId },
          { type: 'email', value: 'b@example.com', raw: 'b@example.com', profile_id: b.profileId },
        ]);
      },
    );

    test.each(blocked.map((v) => [JSON.stringify(v) ?? 'undefined', v]))(
      '%s alone is rejected, naming the field, and stores nothing',
      async (_label, value) => {
        const before = await profileRows(ctx);
        const err = await upsert(ctx, { external_id: value }).catch((e: unknown) => e);
        expect(isMaruError(err) && err.code).toBe('invalid_input');
        expect(isMaruError(err) && err.field).toBe('profiles[0].identity');
        expect(await profileRows(ctx)).toEqual(before);
        expect(await identifierRows(ctx)).toEqual([]);
      },
    );

    test('blocked forms of phone and email are ignored too', async () => {
      const a = await upsert(ctx, { phone: '000-0000-0000', email: 'null', device_id: 'dev-a' });
      const b = await upsert(ctx, { phone: '000-0000-0000', email: 'null', device_id: 'dev-b' });
      expect(b.profileId).not.toBe(a.profileId);
      expect((await identifierRows(ctx)).map((r) => `${r.type}:${r.value}`)).toEqual(['device_id:dev-a', 'device_id:dev-b']);
    });
  });

  describe('limits', () => {
    test('a profile holds at most one external_id: a second one starts its own profile, the first keeps its email', async () => {
      const p = await upsert(ctx, { external_id: 'u1', email: 'shared@example.com' });
      const q = await upsert(ctx, { external_id: 'u2', email: 'shared@example.com' });
      expect(q.created).toBe(true);
      expect(q.profileId).not.toBe(p.profileId);
      expect(q.dropped).toEqual([]);
      expect(q.heldElsewhere).toEqual([{ type: 'email', value: 'shared@example.com', raw: 'shared@example.com' }]);
      expect(await held(ctx, p.profileId)).toEqual(['email:shared@example.com', 'external_id:u1']);
      expect(await held(ctx, q.profileId)).toEqual(['external_id:u2']);
      // Replayed, the request changes nothing (D6 amended: the email does not move to u2).
      const again = await upsert(ctx, { external_id: 'u2', email: 'shared@example.com' });
      expect(again).toEqual({ ...q, created: false });
      expect(await held(ctx, p.profileId)).toEqual(['email:shared@example.com', 'external_id:u1']);
      expect(await held(ctx, q.profileId)).toEqual(['external_id:u2']);
    });

    test('a profile holds at most 5 identifiers of each other type; the 6th is not attached', async () => {
      const first = await upsert(ctx, { external_id: 'u1', email: 'e1@example.com' });
      for (const n of [2, 3, 4, 5]) expect((await upsert(ctx, { external_id: 'u1', email: `e${n}@example.com` })).profileId).toBe(first.profileId);
      const sixth = await upsert(ctx, { external_id: 'u1', email: 'e6@example.com' });
      expect(sixth).toEqual({
        profileId: first.profileId,
        created: false,
        merged: [],
        dropped: [{ type: 'email', value: 'e6@example.com', raw: 'e6@example.com' }],
        heldElsewhere: [],
      });
      expect(await held(ctx, first.profileId)).toEqual([
        'email:e1@example.com',
        'email:e2@example.com',
        'email:e3@example.com',
        'email:e4@example.com',
        'email:e5@example.com',
        'external_id:u1',
      ]);
      // The 6th email is free: alone, it starts a profile of its own.
      const alone = await upsert(ctx, { email: 'e6@example.com' });
      expect(alone.created).toBe(true);
    });

    test('the per-type limit is configurable (MARU_IDENTIFIERS_PER_TYPE)', async () => {
      const small = await open({ MARU_IDENTIFIERS_PER_TYPE: '2' });
      try {
        const a = await upsert(small, { external_id: 'u1', device_id: 'd1' });
        await upsert(small, { external_id: 'u1', device_id: 'd2' });
        const third = await upsert(small, { external_id: 'u1', device_id: 'd3' });
        expect(third.dropped.map((d) => d.value)).toEqual(['d3']);
        expect(await held(small, a.profileId)).toEqual(['device_id:d1', 'device_id:d2', 'external_id:u1']);
      } finally {
        await close(small);
      }
    });

    test('a merge that would exceed a limit does not happen: the lowest-priority identifier is dropped instead', async () => {
      const small = await open({ MARU_IDENTIFIERS_PER_TYPE: '2' });
      try {
        const a = await upsert(small, { email: 'a1@example.com', device_id: 'd1' });
        await upsert(small, { email: 'a2@example.com', device_id: 'd1' });
        const b = await upsert(small, { email: 'b1@example.com', phone: '010-1111-2222' });
        // Merging a and b would give 3 emails: the phone (lower priority than email) is dropped, and then the
        // request's remaining email b1 alone finds b.
        const r = await upsert(small, { email: 'b1@example.com', phone: '010-1111-2222', device_id: 'd1' });
        expect(r.dropped.map((d) => d.type)).toEqual(['device_id']);
        expect(r.profileId).toBe(b.profileId);
        expect(await held(small, a.profileId)).toEqual(['device_id:d1', 'email:a1@example.com', 'email:a2@example.com']);
        expect(await held(small, b.profileId)).toEqual(['email:b1@example.com', 'phone:+821011112222']);
      } finally {
        await close(small);
      }
    });
  });

  describe('priority: the lowest-priority identifier of the request is dropped and resolution retried', () => {
    test('a device_id over the limit is dropped; the email of the same request is still attached', async () => {
      const p = await upsert(ctx, { external_id: 'u1', device_id: 'd1' });
      for (const n of [2, 3, 4, 5]) await upsert(ctx, { external_id: 'u1', device_id: `d${n}` });
      const r = await upsert(ctx, { external_id: 'u1', email: 'new@example.com', device_id: 'd6' });
      expect(r).toEqual({ profileId: p.profileId, created: false, merged: [], dropped: [{ type: 'device_id', value: 'd6', raw: 'd6' }], heldElsewhere: [] });
      expect(await held(ctx, p.profileId)).toEqual([
        'device_id:d1',
        'device_id:d2',
        'device_id:d3',
        'device_id:d4',
        'device_id:d5',
        'email:new@example.com',
        'external_id:u1',
      ]);
    });

    test('drops go from the lowest priority up until the request resolves (device_id, then phone)', async () => {
      const small = await open({ MARU_IDENTIFIERS_PER_TYPE: '1' });
      try {
        const p = await upsert(small, { external_id: 'u1', phone: '010-1000-0001', device_id: 'd0' });
        // u1 holds one phone and one device_id already (limit 1): the new device_id is dropped first, then the phone.
        const r = await resolve(small, [
          { type: 'device_id', value: 'd1' },
          { type: 'phone', value: '010-1000-0002' },
          { type: 'email', value: 'e1@example.com' },
          { type: 'external_id', value: 'u1' },
        ]);
        expect(r.profileId).toBe(p.profileId);
        expect(r.dropped.map((d) => `${d.type}:${d.value}`)).toEqual(['device_id:d1', 'phone:+821010000002']);
        expect(await held(small, p.profileId)).toEqual(['device_id:d0', 'email:e1@example.com', 'external_id:u1', 'phone:+821010000001']);
      } finally {
        await close(small);
      }
    });
  });

  describe('merge', () => {
    test('several profiles merge into the oldest: older created_at, newer value of each property, absorbed id kept as an alias', async () => {
      const older = await upsert(ctx, { email: 'kim@example.com' }, { df_name: 'Kim (old)', df_gender: 'Female' });
      ctx.clock.advance(MINUTE);
      const newer = await upsert(ctx, { phone: '010-1234-5678' }, { df_name: 'Kim Minji', df_membership: 'gold' });
      ctx.clock.advance(MINUTE);
      await upsert(ctx, { email: 'kim@example.com' }, { df_gender: 'Male' }); // newer than anything on `newer`
      ctx.clock.advance(MINUTE);

      const r = await upsert(ctx, { email: 'kim@example.com', phone: '01012345678' });
      expect(r).toEqual({ profileId: older.profileId, created: false, merged: [newer.profileId], dropped: [], heldElsewhere: [] });
      expect(await profileRows(ctx)).toEqual([
        {
          id: older.profileId,
          properties: { df_name: 'Kim Minji', df_gender: 'Male', df_membership: 'gold' },
          created_at: T0,
          updated_at: T0 + 3 * MINUTE,
        },
      ]);
      expect(await aliasRows(ctx)).toEqual([{ alias_id: newer.profileId, profile_id: older.profileId }]);
      expect(await held(ctx, older.profileId)).toEqual(['email:kim@example.com', 'phone:+821012345678']);

      // The absorbed id resolves to the survivor.
      const viaAlias = await ctx.rt.profiles.get(ctx.projectId, newer.profileId);
      expect(viaAlias?.id).toBe(older.profileId);
      expect(viaAlias?.identifiers).toEqual(
        expect.arrayContaining([
          { type: 'email', value: 'kim@example.com' },
          { type: 'phone', value: '+821012345678' },
        ]),
      );
      // And later requests with either identifier land on the survivor.
      expect((await upsert(ctx, { phone: '+82 10 1234 5678' })).profileId).toBe(older.profileId);
    });

    test('the oldest profile wins whichever identifier found it', async () => {
      const oldest = await upsert(ctx, { device_id: 'd1' });
      ctx.clock.advance(1000);
      const younger = await upsert(ctx, { external_id: 'u1' });
      const r = await upsert(ctx, { external_id: 'u1', device_id: 'd1' });
      expect(r.profileId).toBe(oldest.profileId);
      expect(r.merged).toEqual([younger.profileId]);
      expect(await held(ctx, oldest.profileId)).toEqual(['device_id:d1', 'external_id:u1']);
      expect((await profileRows(ctx)).map((p) => p.id)).toEqual([oldest.profileId]);
    });

    test('aliases follow later merges: an id absorbed earlier resolves to the final survivor', async () => {
      const a = await upsert(ctx, { email: 'a@example.com' });
      ctx.clock.advance(1000);
      const b = await upsert(ctx, { phone: '010-2222-3333' });
      ctx.clock.advance(1000);
      const c = await upsert(ctx, { device_id: 'dev-c' });
      ctx.clock.advance(1000);
      expect((await upsert(ctx, { phone: '010-2222-3333', device_id: 'dev-c' })).merged).toEqual([c.profileId]);
      expect((await upsert(ctx, { email: 'a@example.com', phone: '010-2222-3333' })).merged).toEqual([b.profileId]);
      expect(await aliasRows(ctx)).toEqual(
        [
          { alias_id: b.profileId, profile_id: a.profileId },
          { alias_id: c.profileId, profile_id: a.profileId },
        ].sort((x, y) => (x.alias_id < y.alias_id ? -1 : 1)),
      );
      expect((await ctx.rt.profiles.get(ctx.projectId, c.profileId))?.id).toBe(a.profileId);
      expect(await held(ctx, a.profileId)).toEqual(['device_id:dev-c', 'email:a@example.com', 'phone:+821022223333']);
    });

    test('events of an absorbed profile are found under the survivor through its alias', async () => {
      await ctx.rt.events.ingest({
        projectId: ctx.projectId,
        events: [{ key: 'k1', name: 'df_login', occurredAt: '2025-01-05T00:00:00Z', identifiers: [{ type: 'phone', value: '010-9999-0000' }] }],
        source: 'api',
        strict: true,
        wire: { events: 'events', key: 'key', name: 'name', occurredAt: 'at', properties: 'p', items: 'i', identity: 'identity' },
      });
      const [event] = await ctx.rt.store.db.selectFrom('events').select('profile_id').execute();
      ctx.clock.advance(-1000); // make the email profile the older one
      const e = await upsert(ctx, { email: 'x@example.com' });
      ctx.clock.advance(1000);
      const r = await upsert(ctx, { email: 'x@example.com', phone: '010-9999-0000' });
      expect(r.profileId).toBe(e.profileId);
      expect(r.merged).toEqual([event.profile_id]);
      expect((await ctx.rt.profiles.get(ctx.projectId, event.profile_id))?.id).toBe(e.profileId);
    });
  });

  describe('the external_id guard', () => {
    let p1: Resolution;
    let p2: Resolution;
    beforeEach(async () => {
      p1 = await upsert(ctx, { external_id: 'u1', email: 'one@example.com' }, { df_name: 'One' });
      ctx.clock.advance(1000);
      p2 = await upsert(ctx, { external_id: 'u2', phone: '010-2000-0000' }, { df_name: 'Two' });
      ctx.clock.advance(1000);
    });

    test("profiles with different external_ids never merge; the request's profile is its external_id's and the other's identifiers stay", async () => {
      const r = await upsert(ctx, { external_id: 'u1', phone: '010-2000-0000' });
      expect(r).toEqual({
        profileId: p1.profileId,
        created: false,
        merged: [],
        dropped: [],
        heldElsewhere: [{ type: 'phone', value: '+821020000000', raw: '010-2000-0000' }],
      });
      expect(await held(ctx, p1.profileId)).toEqual(['email:one@example.com', 'external_id:u1']);
      expect(await held(ctx, p2.profileId)).toEqual(['external_id:u2', 'phone:+821020000000']);
      expect((await profileRows(ctx)).map((p) => [p.id, p.properties.df_name])).toEqual([
        [p1.profileId, 'One'],
        [p2.profileId, 'Two'],
      ]);
      expect(await aliasRows(ctx)).toEqual([]);
    });

    test("the request's profile is its external_id's even when it is the newer one; new identifiers join it", async () => {
      const r = await upsert(ctx, { external_id: 'u2', email: 'one@example.com', kakao_user_id: 'k-2' });
      expect(r.profileId).toBe(p2.profileId);
      expect(await held(ctx, p2.profileId)).toEqual(['external_id:u2', 'kakao_user_id:k-2', 'phone:+821020000000']);
      expect(await held(ctx, p1.profileId)).toEqual(['email:one@example.com', 'external_id:u1']);
    });

    test("anonymous profiles found beside another user's profile merge into the request's profile; the other user keeps everything", async () => {
      ctx.clock.advance(1000);
      const anon = await upsert(ctx, { device_id: 'dev-9' }, { df_membership: 'trial' });
      ctx.clock.advance(1000);
      const r = await upsert(ctx, { external_id: 'u2', email: 'one@example.com', device_id: 'dev-9' });
      expect(r).toMatchObject({ profileId: p2.profileId, merged: [anon.profileId], dropped: [] });
      expect(await held(ctx, p2.profileId)).toEqual(['device_id:dev-9', 'external_id:u2', 'phone:+821020000000']);
      expect(await held(ctx, p1.profileId)).toEqual(['email:one@example.com', 'external_id:u1']);
      expect((await profileRows(ctx)).find((p) => p.id === p2.profileId)?.properties).toEqual({ df_name: 'Two', df_membership: 'trial' });
    });

    test("without an external_id in the request, the profile of the request's highest-priority identifier is the request's", async () => {
      const r = await upsert(ctx, { phone: '010-2000-0000', email: 'one@example.com', line_user_id: 'l-1' });
      expect(r.profileId).toBe(p1.profileId); // email outranks phone
      expect(await held(ctx, p1.profileId)).toEqual(['email:one@example.com', 'external_id:u1', 'line_user_id:l-1']);
      expect(await held(ctx, p2.profileId)).toEqual(['external_id:u2', 'phone:+821020000000']);
    });

    test('a new external_id next to identifiers of two external_id profiles starts its own profile; theirs stay', async () => {
      const r = await upsert(ctx, { external_id: 'u3', email: 'one@example.com', phone: '010-2000-0000' });
      expect(r.created).toBe(true);
      expect(r.dropped).toEqual([]);
      expect(r.heldElsewhere.map((d) => d.type)).toEqual(['email', 'phone']);
      expect(await held(ctx, r.profileId)).toEqual(['external_id:u3']);
      expect(await held(ctx, p1.profileId)).toEqual(['email:one@example.com', 'external_id:u1']);
      expect(await held(ctx, p2.profileId)).toEqual(['external_id:u2', 'phone:+821020000000']);
    });

    test('one external_id among the profiles does not prevent a merge into the oldest', async () => {
      const anon = await upsert(ctx, { device_id: 'dev-1' });
      const r = await upsert(ctx, { device_id: 'dev-1', email: 'one@example.com' });
      expect(r.profileId).toBe(p1.profileId);
      expect(r.merged).toEqual([anon.profileId]);
      expect(await held(ctx, p1.profileId)).toEqual(['device_id:dev-1', 'email:one@example.com', 'external_id:u1']);
    });
  });

  test('a batch is one unit: a rejected update leaves no identifier or profile of the others', async () => {
    const err = await ctx.rt.profiles
      .upsert({
        projectId: ctx.projectId,
        updates: [
          { identifiers: [{ type: 'email', value: 'ok@example.com' }], properties: { df_name: 'ok' } },
          { identifiers: [{ type: 'email', value: 'bad@example.com' }], properties: { df_name: 42 } },
        ],
        strict: true,
      })
      .catch((e: unknown) => e);
    expect(isMaruError(err) && err.field).toBe('profiles[1].properties.df_name');
    expect(await identifierRows(ctx)).toEqual([]);
    expect(await profileRows(ctx)).toEqual([]);
  });
});

describe('identity resolution invariants (property-based)', () => {
  const POOL: { type: IdentifierType; value: string }[] = [
    ...['x1', 'x2', 'x3'].map((value) => ({ type: 'external_id' as const, value })),
    ...['e1@x.io', 'e2@x.io', 'e3@x.io', 'e4@x.io'].map((value) => ({ type: 'email' as const, value })),
    ...['010-0000-0001', '010-0000-0002', '010-0000-0003'].map((value) => ({ type: 'phone' as const, value })),
    ...['k1', 'k2'].map((value) => ({ type: 'kakao_user_id' as const, value })),
    ...['d1', 'd2', 'd3', 'd4'].map((value) => ({ type: 'device_id' as const, value })),
  ];
  const PER_TYPE = 2;

  test('any sequence of requests leaves every identifier on exactly one live profile, within limits, aliases live', async () => {
    const ctx = await open({ MARU_IDENTIFIERS_PER_TYPE: String(PER_TYPE) });
    try {
      const request = fc.uniqueArray(fc.constantFrom(...POOL.keys()), { minLength: 1, maxLength: 4 }).map((ix) => ix.map((i) => POOL[i]));
      let run = 0;
      await fc.assert(
        fc.asyncProperty(fc.array(request, { minLength: 1, maxLength: 20 }), async (requests) => {
          // A fresh project per run.
          const { project } = await ctx.rt.projects.create({ name: `run ${run++}` });
          const c = { ...ctx, projectId: project.id };
          const firstOwner = new Map<string, string>(); // external_id → profile it first identified
          for (const req of requests) {
            ctx.clock.advance(1000);
            const r = await resolve(c, req);
            // The resolved profile is live and holds every identifier of the request that was not dropped.
            const ids = await identifierRows(c);
            const owner = new Map(ids.map((row) => [`${row.type}:${row.value}`, row.profile_id]));
            const notAttached = [...r.dropped, ...r.heldElsewhere];
            const kept = req.filter((id) => !notAttached.some((d) => d.type === id.type && d.value === normalizeIdentifier(id.type, id.value, 'KR')!.value));
            // What is not attached is either dropped (limits) or stays with a profile holding another external_id.
            for (const id of r.heldElsewhere) {
              const other = (await held(c, owner.get(`${id.type}:${id.value}`)!)).find((h) => h.startsWith('external_id:'));
              expect(other).toBeDefined();
              expect(other).not.toBe(`external_id:${req.find((q) => q.type === 'external_id')?.value}`);
            }
            // Replay-safe (D6): the same request again changes nothing.
            const before = [await identifierRows(c), await profileRows(c), await aliasRows(c)];
            ctx.clock.advance(1000);
            const again = await resolve(c, req);
            expect(again.profileId).toBe(r.profileId);
            expect([await identifierRows(c), await profileRows(c), await aliasRows(c)]).toEqual(before);
            for (const id of kept) expect(owner.get(`${id.type}:${normalizeIdentifier(id.type, id.value, 'KR')!.value}`)).toBe(r.profileId);
            for (const id of req.filter((i) => i.type === 'external_id'))
              if (!firstOwner.has(id.value) && owner.has(`external_id:${id.value}`)) firstOwner.set(id.value, owner.get(`external_id:${id.value}`)!);
          }

          const live = new Set((await profileRows(c)).map((p) => p.id));
          const ids = await identifierRows(c);
          const aliases = await aliasRows(c);
          // Every identifier points at exactly one live profile (the primary key makes it one; it must be live).
          expect(new Set(ids.map((r) => `${r.type}:${r.value}`)).size).toBe(ids.length);
          for (const row of ids) expect(live.has(row.profile_id)).toBe(true);
          // Every profile within limits.
          const perProfile = new Map<string, Map<string, number>>();
          for (const row of ids) {
            const m = perProfile.get(row.profile_id) ?? new Map<string, number>();
            m.set(row.type, (m.get(row.type) ?? 0) + 1);
            perProfile.set(row.profile_id, m);
          }
          for (const m of perProfile.values()) {
            for (const [type, n] of m) expect(n).toBeLessThanOrEqual(type === 'external_id' ? 1 : PER_TYPE);
          }
          // Every alias points at a live profile and is not itself live.
          for (const a of aliases) {
            expect(live.has(a.profile_id)).toBe(true);
            expect(live.has(a.alias_id)).toBe(false);
          }
          // An external_id stays with the profile it first identified (or whatever absorbed it).
          for (const [value, first] of firstOwner) {
            const now = ids.find((r) => r.type === 'external_id' && r.value === value)!.profile_id;
            expect((await c.rt.profiles.get(c.projectId, first))?.id).toBe(now);
          }
        }),
        { numRuns: 200 },
      );
    } finally {
      await close(ctx);
    }
  }, 120_000);
});
