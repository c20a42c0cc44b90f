import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { sql } from 'kysely';
import { afterEach, describe, expect, it } from 'vitest';
import { EMBEDDED_STORE } from '../helpers/scale.ts';
import { marketapFixture, rows, type MarketapFixture } from './marketap.helpers.ts';
import { createProject } from '../helpers/app.ts';
import { DELETION_QUEUE } from '../../src/core/deletion/deletion-jobs.service.ts';

const CORE_ZERO = { profiles: 0, identifiers: 0, devices: 0, events: 0, aliases: 0 };
const CORE_KINDS = Object.keys(CORE_ZERO);
/** The core's counts; other modules' erasers add their own kinds (deliveries, outbox, ...), which must be numbers. */
const core = (counts: Record<string, number>) => {
  for (const v of Object.values(counts)) expect(typeof v).toBe('number');
  return Object.fromEntries(Object.entries(counts).filter(([k]) => CORE_KINDS.includes(k)));
};

describe('Marketap face: user deletion jobs', () => {
  let f: MarketapFixture;
  afterEach(() => f.close());

  const status = async (jobId: string) => {
    const r = await f.call('GET', `/v1/api/profile/user/deletion-job/${jobId}`);
    expect(r.statusCode, r.body).toBe(200);
    return r.json();
  };
  /** A user whose device was first seen anonymously (so its profile absorbed another: one alias), with properties, a device and 2 events. */
  const seedUser = async (userId: string, n: { email: string; phone: string; device: string; token: string }) => {
    expect((await f.post('/v1/api/events', { events: [{ device_id: n.device, name: 'app_open' }] })).statusCode).toBe(202);
    await f.t.runtime.queue.drain();
    expect(
      (
        await f.post('/v1/api/profile/user', {
          profiles: [{ user_id: userId, properties: { mkt_name: '김삭제', mkt_email: n.email, mkt_phone_number: n.phone, note: `private note of ${userId}` } }],
        })
      ).statusCode,
    ).toBe(202);
    expect((await f.post('/v1/api/events', { events: [{ user_id: userId, name: 'purchase', properties: { memo: `bought by ${n.email}` } }] })).statusCode).toBe(
      202,
    );
    expect(
      (
        await f.post('/v1/api/profile/user/device/bulk', {
          devices: [{ device_id: n.device, user_id: userId, platform: 'android', push_token: n.token, properties: { model: `${userId}-phone` } }],
        })
      ).statusCode,
    ).toBe(202);
    await f.t.runtime.queue.drain();
    f.clock.advance(1000);
  };
  const profileOf = (userId: string) => f.t.runtime.profiles.findByIdentifier(f.project.id, 'external_id', userId);

  it('POST deletion-job → 202 {job_id}; pending until a worker runs it; then completed with counts and everything of the user gone', async () => {
    f = await marketapFixture();
    await seedUser('user-1', { email: 'one@example.com', phone: '010-1111-2222', device: 'dev-1', token: 'tok-1' });
    await seedUser('user-2', { email: 'two@example.com', phone: '010-3333-4444', device: 'dev-2', token: 'tok-2' });
    const user1 = (await profileOf('user-1'))!;
    const created = f.clock.now();

    const r = await f.post('/v1/api/profile/user/deletion-job', { user_id: 'user-1' });
    expect(r.statusCode).toBe(202);
    const jobId = r.json().job_id;
    expect(r.json()).toEqual({ job_id: jobId });
    expect(await status(jobId)).toEqual({
      job_id: jobId,
      status: 'pending',
      requested: 1,
      deleted: 0,
      counts: CORE_ZERO,
      created_at: new Date(created).toISOString(),
      started_at: null,
      completed_at: null,
    });
    // The queue job names the deletion job only.
    const [job] = (await rows(f.t, 'jobs', f.project.id)).filter((j) => j.queue === DELETION_QUEUE);
    expect(JSON.parse(String(job.payload))).toEqual({ projectId: f.project.id, jobId });

    f.clock.advance(2000);
    expect(await f.t.runtime.queue.drain()).toBe(1);
    const done = await status(jobId);
    expect({ ...done, counts: core(done.counts) }).toEqual({
      job_id: jobId,
      status: 'completed',
      requested: 1,
      deleted: 1,
      // identifiers: external_id, email, phone, device_id; events: 2; the device's first (anonymous) profile was merged in: 1 alias.
      counts: { profiles: 1, identifiers: 4, devices: 1, events: 2, aliases: 1 },
      created_at: new Date(created).toISOString(),
      started_at: new Date(created + 2000).toISOString(),
      completed_at: new Date(created + 2000).toISOString(),
    });
    for (const [type, value] of [
      ['external_id', 'user-1'],
      ['email', 'one@example.com'],
      ['phone', '01011112222'],
      ['device_id', 'dev-1'],
    ] as const) {
      expect(await f.t.runtime.profiles.findByIdentifier(f.project.id, type, value), `${type}`).toBeUndefined();
    }
    expect(await f.t.runtime.profiles.get(f.project.id, user1)).toBeUndefined();
    expect(await f.t.runtime.devices.get(f.project.id, 'dev-1')).toBeUndefined();
    expect(await f.t.runtime.devices.tokensForProfile(f.project.id, user1)).toEqual([]);
    // user-2 is untouched.
    const user2 = (await profileOf('user-2'))!;
    const left = await rows(f.t, 'events', f.project.id);
    expect(left).toHaveLength(2);
    for (const e of left) expect((await f.t.runtime.profiles.get(f.project.id, String(e.profile_id)))?.id).toBe(user2); // directly or as an absorbed id
    expect(await f.t.runtime.devices.tokensForProfile(f.project.id, user2)).toEqual([{ deviceId: 'dev-2', platform: 'android', token: 'tok-2' }]);
  });

  it('bulk: counts distinct users; unknown users complete with zero; a repeated deletion is harmless', async () => {
    f = await marketapFixture();
    await seedUser('a', { email: 'a@example.com', phone: '010-1000-0001', device: 'da', token: 'ta' });
    await seedUser('b', { email: 'b@example.com', phone: '010-1000-0002', device: 'db', token: 'tb' });
    await seedUser('keep', { email: 'keep@example.com', phone: '010-1000-0003', device: 'dk', token: 'tk' });

    const bulk = await f.post('/v1/api/profile/user/deletion-job/bulk', { user_ids: ['a', 'b', 'ghost', 'a', ' b '] });
    expect(bulk.statusCode).toBe(202);
    const unknown = await f.post('/v1/api/profile/user/deletion-job', { user_id: 'never-seen' });
    await f.t.runtime.queue.drain();
    const b = await status(bulk.json().job_id);
    expect([b.status, b.requested, b.deleted, core(b.counts)]).toEqual(['completed', 3, 2, { profiles: 2, identifiers: 8, devices: 2, events: 4, aliases: 2 }]);
    const u = await status(unknown.json().job_id);
    expect([u.status, u.requested, u.deleted, core(u.counts)]).toEqual(['completed', 1, 0, CORE_ZERO]);

    const again = await f.post('/v1/api/profile/user/deletion-job/bulk', { user_ids: ['a'] });
    await f.t.runtime.queue.drain();
    const g = await status(again.json().job_id);
    expect([g.status, g.deleted, core(g.counts)]).toEqual(['completed', 0, CORE_ZERO]);
    expect(await profileOf('keep')).toBeDefined();
    expect(await rows(f.t, 'profiles', f.project.id)).toHaveLength(1);
    expect(await rows(f.t, 'events', f.project.id)).toHaveLength(2);
  });

  it('events accepted before the deletion request are stored first and then erased, even if the deletion runs first', async () => {
    f = await marketapFixture();
    await seedUser('late', { email: 'late@example.com', phone: '010-2000-0001', device: 'dl', token: 'tl' });
    expect(
      (
        await f.post('/v1/api/events', {
          events: [
            { user_id: 'late', name: 'purchase' },
            { user_id: 'late', name: 'refund' },
          ],
        })
      ).statusCode,
    ).toBe(202);
    const d = await f.post('/v1/api/profile/user/deletion-job', { user_id: 'late' });
    expect(await rows(f.t, 'event_batches', f.project.id)).toHaveLength(1);
    expect(await f.t.runtime.queue.drain(DELETION_QUEUE)).toBe(1); // the deletion worker runs before the events worker
    const s = await status(d.json().job_id);
    expect([s.status, s.counts.events]).toEqual(['completed', 4]);
    expect(await rows(f.t, 'event_batches', f.project.id)).toEqual([]);
    await f.t.runtime.queue.drain();
    expect(await rows(f.t, 'events', f.project.id)).toEqual([]);
    expect(await rows(f.t, 'profiles', f.project.id)).toEqual([]);
  });

  it("another project's job id, or an unknown one, is a 404", async () => {
    f = await marketapFixture();
    const other = await createProject(f.t.runtime);
    const theirs = await f.t.runtime.deletionJobs.create({ projectId: other.project.id, externalIds: ['x'], field: 'user_ids' });
    for (const id of [theirs.id, 'no-such-job']) {
      const r = await f.call('GET', `/v1/api/profile/user/deletion-job/${id}`);
      expect(r.statusCode).toBe(404);
      expect(r.json()).toEqual({ error: { code: 'not_found', message: 'no such deletion job', field: 'job_id' } });
    }
  });

  it('names each malformed field; nothing is queued', async () => {
    f = await marketapFixture({ limits: { bulk_requests: 1000 } });
    const cases: [string, unknown, number, { code: string; message: string; field: string }][] = [
      ['', {}, 400, { code: 'invalid_input', message: 'user_id is required', field: 'user_id' }],
      ['', { user_id: '' }, 400, { code: 'invalid_input', message: 'user_id is required and must be a non-empty string', field: 'user_id' }],
      ['', { user_id: ['a'] }, 400, { code: 'invalid_input', message: 'user_id must be a string or an integer', field: 'user_id' }],
      [
        '',
        { user_id: 'a', user_ids: ['b'] },
        400,
        { code: 'invalid_input', message: 'user_ids is not a field of this request; use user_id', field: 'user_ids' },
      ],
      ['', [], 400, { code: 'malformed_body', message: 'the body must be a JSON object', field: 'body' }],
      ['/bulk', { user_ids: [] }, 400, { code: 'invalid_input', message: 'user_ids must not be empty', field: 'user_ids' }],
      ['/bulk', { user_ids: 'a' }, 400, { code: 'invalid_input', message: 'user_ids must be an array', field: 'user_ids' }],
      ['/bulk', { user_ids: ['a', 1.5] }, 400, { code: 'invalid_input', message: 'user_ids[1] must be a string or an integer', field: 'user_ids[1]' }],
      ['/bulk', { user_id: 'a' }, 400, { code: 'invalid_input', message: 'user_ids is required', field: 'user_ids' }],
    ];
    for (const [suffix, body, code, error] of cases) {
      const r = await f.post(`/v1/api/profile/user/deletion-job${suffix}`, body);
      expect(r.statusCode, JSON.stringify(body)).toBe(code);
      expect(r.json(), JSON.stringify(body)).toEqual({ error });
    }
    expect(await rows(f.t, 'deletion_jobs', f.project.id)).toEqual([]);
    expect(await rows(f.t, 'jobs', f.project.id)).toEqual([]);
  });

  it('leaves an audit record without personal data; the raw ids are forgotten when the job finishes', async () => {
    f = await marketapFixture();
    await seedUser('audited-user-77', { email: 'audit@example.com', phone: '010-7777-0000', device: 'dv', token: 'tv' });
    const r = await f.post('/v1/api/profile/user/deletion-job/bulk', { user_ids: ['audited-user-77'] });
    const jobId = r.json().job_id;
    const [pending] = await rows(f.t, 'deletion_jobs', f.project.id);
    expect(JSON.parse(String(pending.pending_ids))).toEqual(['audited-user-77']);
    await f.t.runtime.queue.drain();
    const [done] = await rows(f.t, 'deletion_jobs', f.project.id);
    expect(done.pending_ids).toBeNull();
    expect(JSON.stringify(done)).not.toContain('audited-user-77');
    expect(await f.t.runtime.deletionJobs.requested(f.project.id, jobId, 'audited-user-77')).toBe(true);
    expect(await f.t.runtime.deletionJobs.requested(f.project.id, jobId, 'someone-else')).toBe(false);
    const audit = await f.t.runtime.deletionJobs.audit(f.project.id, jobId);
    expect(audit.map((a) => ({ ...a, counts: core(a.counts) }))).toEqual([
      {
        jobId,
        projectId: f.project.id,
        outcome: 'completed',
        requested: 1,
        deleted: 1,
        counts: { profiles: 1, identifiers: 4, devices: 1, events: 2, aliases: 1 },
        at: f.clock.now(),
      },
    ]);
    const raw = await rows(f.t, 'deletion_audit', f.project.id);
    expect(Object.keys(raw[0]).sort()).toEqual(['at', 'counts', 'deleted', 'id', 'job_id', 'outcome', 'project_id', 'requested']);
  });

  it.skipIf(!EMBEDDED_STORE)("after a completed job the deleted user's email, phone, id, name and token are nowhere in the SQLite files", async () => {
    f = await marketapFixture();
    const gone = { email: 'Kim.Deleted@Example.com', phone: '010-9876-5432', device: 'device-of-deleted-user', token: 'push-token-of-deleted-user' };
    const kept = { email: 'keep.me@example.com', phone: '010-5555-6666', device: 'device-of-kept-user', token: 'push-token-of-kept-user' };
    await seedUser('deleted-user-4f2a', gone);
    await seedUser('kept-user-9c1b', kept);
    // An anonymous device profile of the deleted user merged in, and a pending batch accepted before the request.
    expect(
      (await f.post('/v1/api/events', { events: [{ user_id: 'deleted-user-4f2a', name: 'late_event', properties: { contact: 'kim.deleted@example.com' } }] }))
        .statusCode,
    ).toBe(202);
    const r = await f.post('/v1/api/profile/user/deletion-job', { user_id: 'deleted-user-4f2a' });
    await f.t.runtime.queue.drain();
    expect((await status(r.json().job_id)).status).toBe('completed');

    const needles = (n: typeof gone, userId: string) => [
      n.email,
      n.email.toLowerCase(),
      n.phone,
      '+82' + n.phone.replace(/-/g, '').slice(1),
      n.device,
      n.token,
      userId,
      `private note of ${userId}`,
      `${userId}-phone`,
    ];
    const scan = await scanSqlite(f);
    for (const needle of needles(gone, 'deleted-user-4f2a')) {
      expect(scan.cells(needle), `cell holding ${needle}`).toEqual([]);
      expect(scan.files(needle), `file bytes holding ${needle}`).toEqual([]);
    }
    // The scanner does find what is still there (the kept user), so its silence above means something.
    for (const needle of needles(kept, 'kept-user-9c1b')) {
      expect(scan.cells(needle).length, needle).toBeGreaterThan(0);
      expect(scan.files(needle), needle).toContain('maru.db');
    }
    scan.close();
  });
});

/**
 * Checkpoints the WAL into the database file (and truncates it), then offers two searches: every cell of every table
 * (through a second, read-only connection) and the raw bytes of maru.db, maru.db-wal and maru.db-shm.
 */
async function scanSqlite(f: MarketapFixture) {
  await sql`PRAGMA wal_checkpoint(TRUNCATE)`.execute(f.t.runtime.store.db);
  const dir = f.t.dataDir;
  const conn = new DatabaseSync(join(dir, 'maru.db'), { readOnly: true });
  const tables = (conn.prepare(`SELECT name FROM sqlite_master WHERE type = 'table'`).all() as { name: string }[]).map((t) => t.name);
  const cells: { table: string; column: string; value: string }[] = [];
  for (const table of tables) {
    for (const row of conn.prepare(`SELECT * FROM "${table}"`).all() as Record<string, unknown>[]) {
      for (const [column, value] of Object.entries(row)) {
        if (value === null || value === undefined) continue;
        cells.push({ table, column, value: value instanceof Uint8Array ? Buffer.from(value).toString('utf8') : String(value) });
      }
    }
  }
  const files = ['maru.db', 'maru.db-wal', 'maru.db-shm'].filter((n) => existsSync(join(dir, n))).map((n) => ({ name: n, bytes: readFileSync(join(dir, n)) }));
  return {
    cells: (needle: string) => cells.filter((c) => c.value.includes(needle)).map((c) => `${c.table}.${c.column}`),
    files: (needle: string) => files.filter((file) => file.bytes.includes(Buffer.from(needle, 'utf8'))).map((file) => file.name),
    close: () => conn.close(),
  };
}
