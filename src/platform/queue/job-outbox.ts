import type { Db } from '../db/store.ts';

/**
 * The BullMQ adapter's outbox (migration 080): a row per job that must still reach Redis, written in the same unit
 * as the job row (or its return to pending), deleted when a worker claims the job or the job is settled.
 */
export interface JobOutboxRow {
  job_id: string;
  queue: string;
  created_at: number;
}

declare module '../db/schema.ts' {
  interface Database {
    job_outbox: JobOutboxRow;
  }
}

export async function insertOutbox(tx: Db, row: { id: string; queue: string }, now: number): Promise<void> {
  await tx
    .insertInto('job_outbox')
    .values({ job_id: row.id, queue: row.queue, created_at: now })
    .onConflict((oc) => oc.column('job_id').doNothing())
    .execute();
}

export async function deleteOutbox(tx: Db, ids: string[]): Promise<void> {
  if (ids.length > 0) await tx.deleteFrom('job_outbox').where('job_id', 'in', ids).execute();
}

/** Outbox rows due for longer than the grace period (or whose job is gone or no longer pending). */
export function staleOutbox(db: Db, stale: number) {
  return db
    .selectFrom('job_outbox as o')
    .leftJoin('jobs as j', 'j.id', 'o.job_id')
    .select(['o.job_id', 'o.queue', 'j.attempts', 'j.run_at', 'j.state'])
    .where('o.created_at', '<=', stale)
    .where((eb) => eb.or([eb('j.run_at', '<=', stale), eb('j.id', 'is', null), eb('j.state', '!=', 'pending')]))
    .orderBy('o.created_at')
    .limit(500)
    .execute();
}

/** Running jobs whose lease expired before `stale`: their worker died; they need a new wake-up. */
export function abandonedJobs(db: Db, stale: number) {
  return db
    .selectFrom('jobs')
    .select(['id', 'queue', 'attempts', 'run_at'])
    .where('state', '=', 'running')
    .where('locked_until', '<=', stale)
    .limit(500)
    .execute();
}
