import type { Logger } from '../log.ts';
import type { Db } from '../db/store.ts';
import './queue.tables.ts';
import type { JobRow } from './queue.tables.ts';
import { PermanentFailure, RetryLater, withJitter, type JobContext, type JobHandler, type JobInfo, type JobState } from './queue.port.ts';

/**
 * What both queue adapters share: the `jobs` table is the durable record of every job (the BullMQ adapter only adds a
 * wake-up channel), so reading jobs and deciding a run's outcome are the same code for both.
 */

export function jobContext(row: JobRow): JobContext<unknown> {
  return {
    id: row.id,
    queue: row.queue,
    key: row.key,
    projectId: row.project_id,
    payload: JSON.parse(row.payload),
    attempt: row.attempts,
    maxAttempts: row.max_attempts,
  };
}

export interface JobOutcome {
  state: JobState;
  runAt?: number;
  error?: string;
}

/**
 * Runs a claimed job's handler and decides what becomes of the job (queue.port.ts): done; failed after a
 * PermanentFailure or the last attempt; otherwise pending again after RetryLater's delay or jittered backoff.
 */
export async function runHandler(input: {
  handler: JobHandler<unknown>;
  row: JobRow;
  backoffMs: (attempt: number) => number;
  now: () => number;
  log: Logger;
}): Promise<JobOutcome> {
  const ctx = jobContext(input.row);
  try {
    await input.handler(ctx);
    return { state: 'done' };
  } catch (err) {
    const message = err instanceof Error ? `${err.name}: ${err.message}` : String(err);
    if (err instanceof PermanentFailure || ctx.attempt >= ctx.maxAttempts) {
      input.log.warn({ queue: ctx.queue, jobId: ctx.id, attempt: ctx.attempt, err }, 'job failed');
      return { state: 'failed', error: message };
    }
    const delay = err instanceof RetryLater ? err.delayMs : withJitter(input.backoffMs(ctx.attempt));
    input.log.debug({ queue: ctx.queue, jobId: ctx.id, attempt: ctx.attempt, delay }, 'job will be retried');
    return { state: 'pending', runAt: input.now() + delay, error: message };
  }
}

/** The columns an outcome sets on the job's row. */
export const outcomeColumns = (outcome: JobOutcome, now: number) => ({
  state: outcome.state,
  locked_until: null,
  updated_at: now,
  ...(outcome.runAt !== undefined ? { run_at: outcome.runAt } : {}),
  ...(outcome.error !== undefined ? { last_error: outcome.error.slice(0, 2000) } : {}),
});

export const toJobInfo = (r: JobRow): JobInfo => ({
  id: r.id,
  queue: r.queue,
  key: r.key,
  state: r.state as JobState,
  attempts: r.attempts,
  maxAttempts: r.max_attempts,
  runAt: r.run_at,
  lastError: r.last_error,
});

export async function readJob(db: Db, id: string): Promise<JobInfo | undefined> {
  const r = await db.selectFrom('jobs').selectAll().where('id', '=', id).executeTakeFirst();
  return r && toJobInfo(r);
}

export async function countJobs(db: Db, queue: string): Promise<Record<JobState, number>> {
  const rows = await db
    .selectFrom('jobs')
    .select(['state', (eb) => eb.fn.countAll<number>().as('n')])
    .where('queue', '=', queue)
    .groupBy('state')
    .execute();
  const out: Record<JobState, number> = { pending: 0, running: 0, done: 0, failed: 0 };
  for (const r of rows) out[r.state as JobState] = Number(r.n);
  return out;
}
