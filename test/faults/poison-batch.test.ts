import { afterEach, beforeEach, expect, test } from 'vitest';
import { EVENT_BATCH_QUEUE, type QueuedEvent } from '../../src/core/events/event-batches.service.ts';
import { DELETION_QUEUE } from '../../src/core/deletion/deletion-jobs.service.ts';
import * as batches from '../../src/core/events/event-batches.repository.ts';
import { uuidv7 } from '../../src/platform/ids.ts';
import { TEST_DATABASE_URL } from '../helpers/scale.ts';
import { adminHeaders } from '../helpers/app.ts';
import { marketapFixture, rows, type MarketapFixture } from '../faces/marketap.helpers.ts';

/**
 * Poison items (issue 14): a batch already accepted (by a version of maru that did not refuse it at acceptance) holds
 * one event PostgreSQL cannot store — a NUL inside a text value (SQLSTATE 22021) — next to good ones. The worker stores
 * the good ones, keeps only the bad one in the batch, parks its job in the dead-letter list with the reason, and later
 * deletion jobs of the project complete. SQLite stores NUL, so there is no such event to make on it: PostgreSQL only.
 */
let f: MarketapFixture;

beforeEach(async () => {
  f = await marketapFixture();
});
afterEach(async () => {
  await f.close();
});

const event = (key: string, userId: string, amount: number): QueuedEvent => ({
  key,
  name: 'purchase',
  occurredAt: Date.UTC(2025, 0, 16),
  properties: { amount },
  items: null,
  identifiers: [{ type: 'external_id', value: userId }],
});

/** A batch as acceptance leaves it: its row and its job, in one unit. */
async function queueBatch(events: QueuedEvent[]): Promise<{ batchId: string; jobId: string }> {
  const { store, queue } = f.t.runtime;
  const projectId = f.project.id;
  const batchId = uuidv7(f.clock.now());
  const { id } = await store.write(async (tx) => {
    await batches.insertBatch(tx, { id: batchId, project_id: projectId, events: JSON.stringify(events), count: events.length, received_at: f.clock.now() });
    return queue.add(tx, { queue: EVENT_BATCH_QUEUE, payload: { projectId, batchId }, key: batchId, projectId });
  });
  return { batchId, jobId: id };
}

test.skipIf(!TEST_DATABASE_URL)(
  'a bad event is parked alone with its reason; the good events of its batch are stored; later deletions of the project complete',
  async () => {
    const { runtime } = f.t;
    await runtime.taxonomy.registerEvent(f.project.id, 'purchase');
    const poisoned = await queueBatch([event('e1', 'alice', 1), event('e2', 'bad\u0000user', 2), event('e3', 'bob', 3)]);
    const clean = await queueBatch([event('e4', 'carol', 4)]);
    await runtime.queue.drain(EVENT_BATCH_QUEUE);

    // The good events of the poisoned batch and the next batch are stored; the bad one is not.
    const stored = await rows(f.t, 'events', f.project.id);
    expect(stored.map((r) => r.event_key).sort()).toEqual(['e1', 'e3', 'e4']);
    expect((await runtime.queue.get(clean.jobId))?.state).toBe('done');

    // Its job waits in the dead-letter list, once, with the reason (no event values); the batch keeps only the bad event.
    const poisonJob = await runtime.queue.get(poisoned.jobId);
    expect([poisonJob?.state, poisonJob?.attempts]).toEqual(['failed', 1]);
    const listed = await f.t.app.inject({ method: 'GET', url: `/admin/v1/jobs/dead?project_id=${f.project.id}`, headers: adminHeaders });
    expect(listed.statusCode).toBe(200);
    expect(listed.headers['cache-control']).toBe('no-store');
    const dead = listed.json().jobs as { id: string; queue: string; project_id: string; reason: string }[];
    expect(dead.map((j) => [j.id, j.queue, j.project_id])).toEqual([[poisoned.jobId, EVENT_BATCH_QUEUE, f.project.id]]);
    expect(dead[0].reason).toMatch(/^PermanentFailure: 1 of 3 events could not be stored and are kept in batch \S+: event 1: 22021$/);
    expect(dead[0].reason).not.toContain('bad');
    const left = await batches.findBatch(runtime.store.db, f.project.id, poisoned.batchId);
    expect((JSON.parse(left!.events) as QueuedEvent[]).map((e) => e.key)).toEqual(['e2']);

    // A deletion job accepted after it is not blocked by the parked batch.
    const del = await f.post('/v1/api/profile/user/deletion-job', { user_id: 'alice' });
    expect(del.statusCode).toBe(202);
    await runtime.queue.drain(DELETION_QUEUE);
    const status = await f.call('GET', `/v1/api/profile/user/deletion-job/${del.json().job_id}`);
    expect(status.json()).toMatchObject({ status: 'completed' });
    expect((await rows(f.t, 'events', f.project.id)).map((r) => r.event_key).sort()).toEqual(['e3', 'e4']);

    // An operator retries it through the admin API: it runs again (attempts from zero) and, still bad, is parked again.
    const retried = await f.t.app.inject({ method: 'POST', url: `/admin/v1/jobs/${poisoned.jobId}/retry`, headers: adminHeaders });
    expect(retried.statusCode).toBe(200);
    expect(retried.json().job).toMatchObject({ id: poisoned.jobId, state: 'pending', attempts: 0 });
    expect(await runtime.queue.drain(EVENT_BATCH_QUEUE)).toBe(1);
    expect((await runtime.queue.get(poisoned.jobId))?.state).toBe('failed');
    const again = await f.t.app.inject({ method: 'POST', url: `/admin/v1/jobs/${clean.jobId}/retry`, headers: adminHeaders });
    expect([again.statusCode, again.json().error.code]).toEqual([409, 'conflict']);
    const unknown = await f.t.app.inject({ method: 'POST', url: '/admin/v1/jobs/nope/retry', headers: adminHeaders });
    expect(unknown.statusCode).toBe(404);
  },
);

test('the dead-letter list names its bad input and needs the admin token', async () => {
  const bad = await f.t.app.inject({ method: 'GET', url: '/admin/v1/jobs/dead?limit=0', headers: adminHeaders });
  expect([bad.statusCode, bad.json().error.field]).toEqual([400, 'limit']);
  const anonymous = await f.t.app.inject({ method: 'GET', url: '/admin/v1/jobs/dead' });
  expect(anonymous.statusCode).toBe(401);
  const empty = await f.t.app.inject({ method: 'GET', url: `/admin/v1/jobs/dead?project_id=${f.project.id}`, headers: adminHeaders });
  expect(empty.json()).toEqual({ jobs: [] });
});
