import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { PermanentFailure } from '../../platform/queue/queue.port.ts';
import { MaruError } from '../errors.ts';
import { buildTestApp, createProject, ManualClock, type TestApp } from '../../../test/helpers/app.ts';
import { DELETION_QUEUE, MAX_DELETION_IDS } from './deletion-jobs.service.ts';
import type { Eraser } from './deletion.service.ts';

describe('DeletionJobsService', () => {
  let t: TestApp;
  let clock: ManualClock;
  let projectId: string;
  /** An eraser run after the built-in ones: each test that needs a deletion to fail sets it. */
  let extraEraser: Eraser;
  beforeEach(async () => {
    clock = new ManualClock();
    extraEraser = async () => ({});
    t = await buildTestApp({ clock, erasers: [(tx, p, ids) => extraEraser(tx, p, ids)] });
    projectId = (await createProject(t.runtime)).project.id;
    await t.runtime.profiles.upsert({
      projectId,
      strict: false,
      updates: [
        {
          identifiers: [
            { type: 'external_id', value: 'victim' },
            { type: 'email', value: 'v@example.com' },
          ],
          properties: { plan: 'pro' },
        },
      ],
    });
  });
  afterEach(() => t.close());

  const jobs = () => t.runtime.deletionJobs;
  const victim = () => t.runtime.profiles.findByIdentifier(projectId, 'external_id', 'victim');

  it('validates the list: an array of 1..1000 non-empty ids, naming the entry at fault', async () => {
    const bad: [unknown, string, string][] = [
      ['victim', 'user_ids', 'user_ids must be an array of user ids'],
      [[], 'user_ids', 'user_ids must name at least one user'],
      [['a', ''], 'user_ids[1]', 'user_ids[1] must be a non-empty string of at most 512 characters'],
      [['a', 'x'.repeat(513)], 'user_ids[1]', 'user_ids[1] must be at most 512 characters'],
      [['a', 'b\u0000'], 'user_ids[1]', expect.stringContaining('user_ids[1]')],
      [[{}], 'user_ids[0]', 'user_ids[0] must be a non-empty string of at most 512 characters'],
    ];
    for (const [externalIds, field, message] of bad) {
      const err = await jobs()
        .create({ projectId, externalIds, field: 'user_ids' })
        .catch((e: unknown) => e);
      expect(err).toBeInstanceOf(MaruError);
      expect([(err as MaruError).code, (err as MaruError).field, (err as MaruError).message]).toEqual(['invalid_input', field, message]);
    }
    const tooMany = await jobs()
      .create({ projectId, externalIds: Array.from({ length: MAX_DELETION_IDS + 1 }, (_, i) => `u${i}`), field: 'user_ids' })
      .catch((e: unknown) => e);
    expect((tooMany as MaruError).code).toBe('too_many_items');
    expect(await t.runtime.queue.counts(DELETION_QUEUE)).toEqual({ pending: 0, running: 0, done: 0, failed: 0 });
  });

  it('a failed attempt erases nothing (one unit with the status); the retry completes', async () => {
    let calls = 0;
    extraEraser = async () => {
      calls++;
      if (calls === 1) throw new Error('disk hiccup'); // after the core rows were deleted in the same unit
      return { test_rows: 0 };
    };
    const job = await jobs().create({ projectId, externalIds: ['victim'], field: 'user_ids' });
    await t.runtime.queue.drain(DELETION_QUEUE);
    expect((await jobs().get(projectId, job.id)).status).toBe('running');
    expect(await victim()).toBeDefined();
    expect((await t.runtime.profiles.get(projectId, (await victim())!))?.properties).toEqual({ plan: 'pro' });

    clock.advance(60_000);
    await t.runtime.queue.drain(DELETION_QUEUE);
    const done = await jobs().get(projectId, job.id);
    expect([done.status, done.deleted]).toEqual(['completed', 1]);
    expect(done.counts).toMatchObject({ profiles: 1, identifiers: 2, devices: 0, events: 0, aliases: 0, test_rows: 0 });
    expect(await victim()).toBeUndefined();
  });

  it('a permanent failure marks the job failed with a message that says nothing internal, keeps the data and the ids (an operator can retry it: docs/operations.md)', async () => {
    extraEraser = async () => {
      throw new PermanentFailure('SELECT * FROM secret_table WHERE email = v@example.com');
    };
    const job = await jobs().create({ projectId, externalIds: ['victim'], field: 'user_ids' });
    await t.runtime.queue.drain(DELETION_QUEUE);
    const failed = await jobs().get(projectId, job.id);
    expect([failed.status, failed.deleted, failed.error, failed.completedAt]).toEqual([
      'failed',
      0,
      'the deletion could not be completed; see the server log',
      clock.now(),
    ]);
    expect(await victim()).toBeDefined();
    const [row] = await t.runtime.store.db.selectFrom('deletion_jobs').selectAll().where('id', '=', job.id).execute();
    expect(JSON.parse(row.pending_ids as string)).toEqual(['victim']);
    expect((await jobs().audit(projectId, job.id)).map((a) => a.outcome)).toEqual(['failed']);
    expect(
      (await t.runtime.queue.get((await t.runtime.store.db.selectFrom('jobs').select('id').where('key', '=', job.id).executeTakeFirstOrThrow()).id))?.state,
    ).toBe('failed');
  });

  it('a job that exhausts its attempts is failed too', async () => {
    extraEraser = async () => {
      throw new Error('always');
    };
    const job = await jobs().create({ projectId, externalIds: ['victim'], field: 'user_ids' });
    for (let i = 0; i < 8; i++) {
      await t.runtime.queue.drain(DELETION_QUEUE);
      clock.advance(11 * 60_000);
    }
    expect((await jobs().get(projectId, job.id)).status).toBe('failed');
  });

  it('a job whose worker died during its last attempt reports failed (the queue gave up without running it)', async () => {
    const job = await jobs().create({ projectId, externalIds: ['victim'], field: 'user_ids' });
    // The 8th claim's worker was killed: the job is running with an expired lease and no attempts left.
    await t.runtime.store.write((tx) =>
      tx.updateTable('jobs').set({ state: 'running', attempts: 8, locked_until: clock.now() }).where('key', '=', job.id).execute(),
    );
    clock.advance(1);
    expect(await t.runtime.queue.drain(DELETION_QUEUE)).toBe(0);
    const failed = await jobs().get(projectId, job.id);
    expect([failed.status, failed.error]).toEqual(['failed', 'the deletion could not be completed; see the server log']);
    expect(await jobs().get(projectId, job.id)).toEqual(failed);
    expect((await jobs().audit(projectId, job.id)).map((a) => a.outcome)).toEqual(['failed']);
    expect(await victim()).toBeDefined();
  });

  it('a repeated delivery of a finished job does nothing', async () => {
    const job = await jobs().create({ projectId, externalIds: ['victim'], field: 'user_ids' });
    await t.runtime.queue.drain(DELETION_QUEUE);
    const first = await jobs().get(projectId, job.id);
    // The same user comes back; a stale re-delivery of the old job must not delete the new profile.
    await t.runtime.profiles.upsert({ projectId, strict: false, updates: [{ identifiers: [{ type: 'external_id', value: 'victim' }] }] });
    await t.runtime.store.write((tx) => tx.updateTable('jobs').set({ state: 'pending', run_at: 0 }).where('key', '=', job.id).execute());
    clock.advance(1000);
    expect(await t.runtime.queue.drain(DELETION_QUEUE)).toBe(1);
    expect(await jobs().get(projectId, job.id)).toEqual(first);
    expect(await victim()).toBeDefined();
    expect(await jobs().audit(projectId, job.id)).toHaveLength(1);
  });
});
