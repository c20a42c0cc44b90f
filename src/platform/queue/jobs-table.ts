import type { Clock } from '../clock.ts';
import type { Logger } from '../log.ts';
import type { Db, Store } from '../db/store.ts';
import { describeStoreError, storeFault } from '../db/store-faults.ts';
import { newId } from '../ids.ts';
import './queue.tables.ts';
import type { JobRow } from './queue.tables.ts';
import {
  DEFAULT_MAX_ATTEMPTS,
  PermanentFailure,
  RetryLater,
  withJitter,
  type JobContext,
  type JobHandler,
  type JobInfo,
  type JobSpec,
  type JobState,
  type QueueStats,
} from './queue.port.ts';

/**
 * What both queue adapters share: the `jobs` table is the durable record of every job (the BullMQ adapter only adds a
 * wake-up channel), so adding, claiming, recording an outcome, the dead-letter list and the reads are one code path.
 *
 * - A claim sets `state = running`, counts the attempt and leases the row to this process (`lease_owner`) until
 *   `now + leaseMs`. `attempts` is the fencing token: an outcome or a lease renewal is written only where the row is
 *   still `running` with the attempt number of the claim, so the late outcome of an attempt whose lease expired and
 *   whose row another attempt took is dropped.
 * - A process never claims a row its own handlers are running (`#running`), even after that row's lease expired.
 * - A running row whose lease expired on its last attempt is failed instead of run again (its worker died running it).
 * - The hooks let the BullMQ adapter keep its outbox in the same transactions.
 */
export interface JobsTableHooks {
  /** In the unit that added a job. */
  added?(tx: Db, row: { id: string; queue: string }, now: number): Promise<void>;
  /** In the unit that claimed rows or failed them for an expired last lease: they need no further wake-up. */
  settled?(tx: Db, ids: string[]): Promise<void>;
  /** In the unit that returned a row to pending (a retry after a failed attempt, or an operator's retry). */
  requeued?(tx: Db, row: { id: string; queue: string }, now: number): Promise<void>;
}

export interface JobOutcome {
  state: JobState;
  runAt?: number;
  error?: string;
}

export const LEASE_EXPIRED = 'lease expired during the last attempt (the worker stopped or crashed)';

export class JobsTable {
  readonly store: Store;
  readonly clock: Clock;
  readonly log: Logger;
  /** This process's lease owner id (a new one per queue instance: a restarted process is a new owner). */
  readonly owner = newId();
  #hooks: JobsTableHooks;
  /** Rows whose handlers run in this process: never claimed again here while they run. */
  #running = new Set<string>();
  #stopping = false;

  constructor(deps: { store: Store; clock: Clock; log: Logger; hooks?: JobsTableHooks }) {
    this.store = deps.store;
    this.clock = deps.clock;
    this.log = deps.log;
    this.#hooks = deps.hooks ?? {};
  }

  /** Adds the job in the caller's unit; a key already kept answers the existing job (also when another process won a race). */
  async add<T>(tx: Db, spec: JobSpec<T>): Promise<{ id: string; added: boolean }> {
    const now = this.clock.now();
    if (spec.key !== undefined) {
      const existing = await tx.selectFrom('jobs').select('id').where('queue', '=', spec.queue).where('key', '=', spec.key).executeTakeFirst();
      if (existing) return { id: existing.id, added: false };
    }
    const id = newId();
    const inserted = await tx
      .insertInto('jobs')
      .values({
        id,
        queue: spec.queue,
        key: spec.key ?? null,
        project_id: spec.projectId ?? null,
        payload: JSON.stringify(spec.payload),
        state: 'pending',
        attempts: 0,
        max_attempts: spec.maxAttempts ?? DEFAULT_MAX_ATTEMPTS,
        run_at: spec.runAt ?? now,
        locked_until: null,
        lease_owner: null,
        last_error: null,
        created_at: now,
        updated_at: now,
      })
      // Another process added the same key a moment ago (it committed while this unit waited): that job stands.
      .onConflict((oc) => oc.columns(['queue', 'key']).doNothing())
      .executeTakeFirst();
    if (Number(inserted.numInsertedOrUpdatedRows ?? 0n) === 0) {
      const existing = await tx
        .selectFrom('jobs')
        .select('id')
        .where('queue', '=', spec.queue)
        .where('key', '=', spec.key ?? '')
        .executeTakeFirstOrThrow();
      return { id: existing.id, added: false };
    }
    await this.#hooks.added?.(tx, { id, queue: spec.queue }, now);
    return { id, added: true };
  }

  isRunningHere(id: string): boolean {
    return this.#running.has(id);
  }

  #due(db: Db, queue: string, now: number, limit: number) {
    const running = [...this.#running];
    return db
      .selectFrom('jobs')
      .select(['id', 'state', 'attempts', 'max_attempts'])
      .where('queue', '=', queue)
      .where((eb) =>
        eb.or([eb.and([eb('state', '=', 'pending'), eb('run_at', '<=', now)]), eb.and([eb('state', '=', 'running'), eb('locked_until', '<=', now)])]),
      )
      .$if(running.length > 0, (qb) => qb.where('id', 'not in', running))
      .orderBy('run_at')
      .limit(limit)
      .$if(this.store.dialect === 'postgres', (qb) => qb.forUpdate().skipLocked());
  }

  /** Claims up to `limit` due rows of a queue (pending and due, or running with an expired lease). */
  async claimDue(queue: string, limit: number, leaseMs: number): Promise<JobRow[]> {
    // A read first: idle polling costs no commit.
    const peek = await this.#due(this.store.db, queue, this.clock.now(), limit).execute();
    if (peek.length === 0) return [];
    const rows = await this.store.write(async (tx) => {
      const now = this.clock.now();
      const candidates = await this.#due(tx, queue, now, limit).execute();
      const exhausted = candidates.filter((r) => r.state === 'running' && r.attempts >= r.max_attempts).map((r) => r.id);
      if (exhausted.length > 0) await this.#failExhausted(tx, exhausted, now);
      const ids = candidates.filter((r) => !exhausted.includes(r.id)).map((r) => r.id);
      if (ids.length === 0) return [];
      const claimed = await tx
        .updateTable('jobs')
        .set((eb) => ({ state: 'running', attempts: eb('attempts', '+', 1), locked_until: now + leaseMs, lease_owner: this.owner, updated_at: now }))
        .where('id', 'in', ids)
        .returningAll()
        .execute();
      await this.#hooks.settled?.(tx, ids);
      return claimed.sort((a, b) => a.run_at - b.run_at);
    });
    for (const r of rows) this.#running.add(r.id);
    return rows;
  }

  /** Claims one row if it is due or abandoned (BullMQ deliveries); undefined if not (or if it runs here already). */
  async claimOne(id: string, leaseMs: number): Promise<JobRow | undefined> {
    if (this.#running.has(id)) return undefined;
    const row = await this.store.write(async (tx) => {
      const now = this.clock.now();
      const exhausted = await tx
        .updateTable('jobs')
        .set({ state: 'failed', locked_until: null, lease_owner: null, updated_at: now, last_error: LEASE_EXPIRED })
        .where('id', '=', id)
        .where('state', '=', 'running')
        .where('locked_until', '<=', now)
        .where((eb) => eb('attempts', '>=', eb.ref('max_attempts')))
        .executeTakeFirst();
      if (Number(exhausted.numUpdatedRows) > 0) {
        this.log.warn({ jobId: id }, 'job failed: lease expired during its last attempt');
        await this.#hooks.settled?.(tx, [id]);
        return undefined;
      }
      const claimed = await tx
        .updateTable('jobs')
        .set((eb) => ({ state: 'running', attempts: eb('attempts', '+', 1), locked_until: now + leaseMs, lease_owner: this.owner, updated_at: now }))
        .where('id', '=', id)
        .where((eb) =>
          eb.or([eb.and([eb('state', '=', 'pending'), eb('run_at', '<=', now)]), eb.and([eb('state', '=', 'running'), eb('locked_until', '<=', now)])]),
        )
        .returningAll()
        .executeTakeFirst();
      if (claimed) await this.#hooks.settled?.(tx, [id]);
      return claimed;
    });
    if (row) this.#running.add(row.id);
    return row;
  }

  async #failExhausted(tx: Db, ids: string[], now: number) {
    await tx
      .updateTable('jobs')
      .set({ state: 'failed', locked_until: null, lease_owner: null, updated_at: now, last_error: LEASE_EXPIRED })
      .where('id', 'in', ids)
      .execute();
    await this.#hooks.settled?.(tx, ids);
    for (const id of ids) this.log.warn({ jobId: id }, 'job failed: lease expired during its last attempt');
  }

  /**
   * Runs a claimed row's handler and records the outcome (queue.port.ts): done; failed after a PermanentFailure or
   * the last attempt; otherwise pending again after RetryLater's delay or jittered backoff. Resolves with the outcome
   * and whether it was recorded (false: the attempt had lost the row, or the write failed and the lease will expire).
   */
  async run(input: { handler: JobHandler<unknown>; row: JobRow; backoffMs: (attempt: number) => number }): Promise<{ outcome: JobOutcome; recorded: boolean }> {
    const { row } = input;
    try {
      const outcome = await runHandler({ ...input, now: () => this.clock.now(), log: this.log });
      return { outcome, recorded: await this.#record(row, outcome) };
    } finally {
      this.#running.delete(row.id);
    }
  }

  async #record(row: JobRow, outcome: JobOutcome): Promise<boolean> {
    // While the database cannot write (full disk), the outcome is written again with backoff until it succeeds, the
    // lease runs out (then the job runs again: at least once), or the queue stops.
    let wait = 250;
    for (;;) {
      try {
        return await this.#recordOnce(row, outcome);
      } catch (err) {
        const cause = storeFault(err);
        const leaseLeft = (row.locked_until ?? 0) - this.clock.now();
        if (!cause || this.#stopping || leaseLeft <= wait) {
          this.log.error({ err, jobId: row.id, cause: describeStoreError(err) }, 'could not record job outcome; the job runs again when its lease expires');
          return false;
        }
        if (wait === 250) this.log.warn({ jobId: row.id, cause }, `could not record job outcome (${cause}); writing it again with backoff`);
        await new Promise((r) => setTimeout(r, wait));
        wait = Math.min(30_000, wait * 2);
      }
    }
  }

  async #recordOnce(row: JobRow, outcome: JobOutcome): Promise<boolean> {
    return this.store.write(async (tx) => {
      const now = this.clock.now();
      const r = await tx
        .updateTable('jobs')
        .set({ ...outcomeColumns(outcome, now), lease_owner: null })
        .where('id', '=', row.id)
        // Only while this claim still holds it: after a lease expiry another attempt owns the row.
        .where('state', '=', 'running')
        .where('attempts', '=', row.attempts)
        .executeTakeFirst();
      if (Number(r.numUpdatedRows) === 0) {
        this.log.warn(
          { jobId: row.id, queue: row.queue, attempt: row.attempts },
          'outcome of an attempt that lost its lease dropped; a newer attempt owns the job',
        );
        return false;
      }
      if (outcome.state === 'pending') await this.#hooks.requeued?.(tx, { id: row.id, queue: row.queue }, now);
      return true;
    });
  }

  /** Stops rewriting outcomes that failed to record (the queue is stopping). */
  stopping(): void {
    this.#stopping = true;
  }

  /** Extends the lease of a row this attempt still holds. */
  async renew(row: JobRow, until: number): Promise<void> {
    await this.store.write((tx) =>
      tx
        .updateTable('jobs')
        .set({ locked_until: until })
        .where('id', '=', row.id)
        .where('state', '=', 'running')
        .where('attempts', '=', row.attempts)
        .execute(),
    );
  }

  /**
   * The embedded queue at start: it is the only process on its database, so every lease another process holds is
   * a dead process's. They expire now; the next claim takes them (counting the attempt, as after a lease expiry).
   */
  async releaseForeignLeases(): Promise<number> {
    return this.store.write(async (tx) => {
      const now = this.clock.now();
      const r = await tx
        .updateTable('jobs')
        .set({ locked_until: now })
        .where('state', '=', 'running')
        .where((eb) => eb.or([eb('lease_owner', 'is', null), eb('lease_owner', '!=', this.owner)]))
        .where('locked_until', '>', now)
        .executeTakeFirst();
      return Number(r.numUpdatedRows);
    });
  }

  async prune(retentionMs: number): Promise<void> {
    const now = this.clock.now();
    await this.store.write((tx) =>
      tx
        .deleteFrom('jobs')
        .where('state', '=', 'done')
        .where('updated_at', '<', now - retentionMs)
        .execute(),
    );
  }

  async get(id: string): Promise<JobInfo | undefined> {
    const r = await this.store.db.selectFrom('jobs').selectAll().where('id', '=', id).executeTakeFirst();
    return r && toJobInfo(r);
  }

  async counts(queue: string): Promise<Record<JobState, number>> {
    const rows = await this.store.db
      .selectFrom('jobs')
      .select(['state', (eb) => eb.fn.countAll<number>().as('n')])
      .where('queue', '=', queue)
      .groupBy('state')
      .execute();
    const out: Record<JobState, number> = { pending: 0, running: 0, done: 0, failed: 0 };
    for (const r of rows) out[r.state as JobState] = Number(r.n);
    return out;
  }

  async dead(filter: { queue?: string; projectId?: string; limit?: number } = {}): Promise<JobInfo[]> {
    const rows = await this.store.db
      .selectFrom('jobs')
      .selectAll()
      .where('state', '=', 'failed')
      .$if(filter.queue !== undefined, (qb) => qb.where('queue', '=', filter.queue!))
      .$if(filter.projectId !== undefined, (qb) => qb.where('project_id', '=', filter.projectId!))
      .orderBy('updated_at', 'desc')
      .orderBy('id')
      .limit(Math.min(Math.max(1, filter.limit ?? 100), 1000))
      .execute();
    return rows.map(toJobInfo);
  }

  /** Puts a failed job back: pending, due now, attempts from zero (the reason stays until it runs). */
  async retry(id: string): Promise<JobInfo | undefined> {
    const row = await this.store.write(async (tx) => {
      const now = this.clock.now();
      const r = await tx
        .updateTable('jobs')
        .set({ state: 'pending', attempts: 0, run_at: now, locked_until: null, lease_owner: null, updated_at: now })
        .where('id', '=', id)
        .where('state', '=', 'failed')
        .returningAll()
        .executeTakeFirst();
      if (r) await this.#hooks.requeued?.(tx, { id: r.id, queue: r.queue }, now);
      return r;
    });
    if (row) this.log.info({ jobId: id, queue: row.queue }, 'failed job put back by an operator');
    return row && toJobInfo(row);
  }

  async stats(): Promise<QueueStats[]> {
    const now = this.clock.now();
    const rows = await this.store.db
      .selectFrom('jobs')
      .select(['queue', 'state', (eb) => eb.fn.countAll<number>().as('n'), (eb) => eb.fn.min<number>('run_at').as('oldest')])
      .groupBy(['queue', 'state'])
      .execute();
    const out = new Map<string, QueueStats>();
    for (const r of rows) {
      const q = out.get(r.queue) ?? { queue: r.queue, counts: { pending: 0, running: 0, done: 0, failed: 0 }, oldestDueMs: 0 };
      q.counts[r.state as JobState] = Number(r.n);
      if ((r.state === 'pending' || r.state === 'running') && r.oldest !== null) q.oldestDueMs = Math.max(q.oldestDueMs, now - Number(r.oldest));
      out.set(r.queue, q);
    }
    return [...out.values()];
  }
}

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

async function runHandler(input: {
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
      input.log.warn({ queue: ctx.queue, jobId: ctx.id, attempt: ctx.attempt, err }, 'job failed; kept in the dead-letter list');
      return { state: 'failed', error: message };
    }
    const delay = err instanceof RetryLater ? err.delayMs : withJitter(input.backoffMs(ctx.attempt));
    input.log.debug({ queue: ctx.queue, jobId: ctx.id, attempt: ctx.attempt, delay, cause: describeStoreError(err) }, 'job will be retried');
    return { state: 'pending', runAt: input.now() + delay, error: message };
  }
}

/** The columns an outcome sets on the job's row. */
const outcomeColumns = (outcome: JobOutcome, now: number) => ({
  state: outcome.state,
  locked_until: null,
  updated_at: now,
  ...(outcome.runAt !== undefined ? { run_at: outcome.runAt } : {}),
  ...(outcome.error !== undefined ? { last_error: outcome.error.slice(0, 2000) } : {}),
});

const toJobInfo = (r: JobRow): JobInfo => ({
  id: r.id,
  queue: r.queue,
  key: r.key,
  projectId: r.project_id,
  state: r.state as JobState,
  attempts: r.attempts,
  maxAttempts: r.max_attempts,
  runAt: r.run_at,
  lastError: r.last_error,
  createdAt: r.created_at,
  updatedAt: r.updated_at,
});

/**
 * How long a polling loop waits after consecutive failures (the database is unavailable): pollMs·2^n, capped, so a
 * full disk costs a log line and a probe every few seconds, not a stack trace every poll. Logs the first failure
 * (with its cause) and the recovery; the ones between at debug.
 */
export class FailureBackoff {
  #failures = 0;
  #baseMs: number;
  #maxMs: number;
  #log: Logger;
  #what: string;

  constructor(input: { baseMs: number; maxMs?: number; log: Logger; what: string }) {
    this.#baseMs = input.baseMs;
    this.#maxMs = input.maxMs ?? 30_000;
    this.#log = input.log;
    this.#what = input.what;
  }

  get failures(): number {
    return this.#failures;
  }

  /** Notes a failure; returns how long to wait before the next try (ms). */
  failed(err: unknown, context: Record<string, unknown> = {}): number {
    this.#failures++;
    const delay = Math.min(this.#maxMs, this.#baseMs * 2 ** Math.min(this.#failures, 20));
    const cause = describeStoreError(err);
    if (this.#failures === 1) this.#log.error({ ...context, err, cause, retryInMs: delay }, `${this.#what} failed (${cause}); retrying with backoff`);
    else this.#log.debug({ ...context, cause, failures: this.#failures, retryInMs: delay }, `${this.#what} failed again`);
    return delay;
  }

  succeeded(context: Record<string, unknown> = {}): void {
    if (this.#failures === 0) return;
    this.#log.info({ ...context, failures: this.#failures }, `${this.#what} works again`);
    this.#failures = 0;
  }
}
