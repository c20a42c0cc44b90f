import type { Clock } from '../clock.ts';
import type { Logger } from '../log.ts';
import type { Db, Store } from '../db/store.ts';
import { newId } from '../ids.ts';
import './queue.tables.ts';
import {
  DEFAULT_MAX_ATTEMPTS,
  defaultBackoff,
  type HandlerOptions,
  type JobHandler,
  type JobInfo,
  type JobSpec,
  type JobState,
  type Queue,
} from './queue.port.ts';
import type { JobRow } from './queue.tables.ts';
import { countJobs, outcomeColumns, readJob, runHandler } from './jobs-table.ts';

interface Registered {
  handler: JobHandler<unknown>;
  concurrency: number;
  leaseMs: number;
  backoffMs: (attempt: number) => number;
  running: Set<Promise<void>>;
  wake?: () => void;
  loop?: Promise<void>;
}

/**
 * The embedded queue: jobs are rows of the store's `jobs` table, so adding one commits with the caller's unit
 * and survives a crash like any other row. Workers in this process poll for due jobs (a cheap read), claim a batch
 * with a lease in one write, run them, and record the outcome.
 */
export class LocalQueue implements Queue {
  #store: Store;
  #clock: Clock;
  #log: Logger;
  #pollMs: number;
  #retentionMs: number;
  #handlers = new Map<string, Registered>();
  #started = false;
  #pruneAt = 0;

  constructor(deps: { store: Store; clock: Clock; log: Logger; pollMs?: number; retentionMs?: number }) {
    this.#store = deps.store;
    this.#clock = deps.clock;
    this.#log = deps.log;
    this.#pollMs = deps.pollMs ?? 250;
    this.#retentionMs = deps.retentionMs ?? 24 * 3600_000;
  }

  async add<T>(tx: Db, spec: JobSpec<T>): Promise<{ id: string; added: boolean }> {
    const now = this.#clock.now();
    if (spec.key !== undefined) {
      const existing = await tx.selectFrom('jobs').select('id').where('queue', '=', spec.queue).where('key', '=', spec.key).executeTakeFirst();
      if (existing) return { id: existing.id, added: false };
    }
    const id = newId();
    await tx
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
        last_error: null,
        created_at: now,
        updated_at: now,
      })
      .execute();
    return { id, added: true };
  }

  async enqueue<T>(spec: JobSpec<T>): Promise<{ id: string; added: boolean }> {
    const r = await this.#store.write((tx) => this.add(tx, spec));
    this.kick(spec.queue);
    return r;
  }

  kick(queue?: string): void {
    if (queue) this.#handlers.get(queue)?.wake?.();
    else for (const h of this.#handlers.values()) h.wake?.();
  }

  handle<T>(queue: string, handler: JobHandler<T>, options: HandlerOptions = {}): void {
    if (this.#handlers.has(queue)) throw new Error(`queue ${queue} already has a handler`);
    const reg: Registered = {
      handler: handler as JobHandler<unknown>,
      concurrency: options.concurrency ?? 4,
      leaseMs: options.leaseMs ?? 300_000,
      backoffMs: options.backoffMs ?? defaultBackoff,
      running: new Set(),
    };
    this.#handlers.set(queue, reg);
    if (this.#started) reg.loop = this.#loop(queue, reg);
  }

  async start(): Promise<void> {
    if (this.#started) return;
    this.#started = true;
    for (const [queue, reg] of this.#handlers) reg.loop = this.#loop(queue, reg);
  }

  async stop(): Promise<void> {
    this.#started = false;
    for (const reg of this.#handlers.values()) reg.wake?.();
    await Promise.all([...this.#handlers.values()].map(async (reg) => {
      await reg.loop;
      await Promise.all(reg.running);
    }));
  }

  async #loop(queue: string, reg: Registered): Promise<void> {
    while (this.#started) {
      let claimed = 0;
      try {
        const free = reg.concurrency - reg.running.size;
        if (free > 0) {
          const jobs = await this.#claim(queue, free, reg.leaseMs);
          claimed = jobs.length;
          for (const job of jobs) {
            const p: Promise<void> = this.#run(reg, job).finally(() => {
              reg.running.delete(p);
              reg.wake?.();
            });
            reg.running.add(p);
          }
        }
        await this.#maybePrune();
      } catch (err) {
        this.#log.error({ err, queue }, 'queue poll failed');
      }
      if (!this.#started) break;
      if (claimed === 0 || reg.running.size >= reg.concurrency) {
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, this.#pollMs);
          reg.wake = () => {
            clearTimeout(timer);
            reg.wake = undefined;
            resolve();
          };
        });
      }
    }
  }

  /** Claims up to `limit` due jobs (pending and due, or running with an expired lease), counting an attempt each. */
  async #claim(queue: string, limit: number, leaseMs: number): Promise<JobRow[]> {
    const due = (db: Db, now: number) =>
      db
        .selectFrom('jobs')
        .selectAll()
        .where('queue', '=', queue)
        .where((eb) =>
          eb.or([
            eb.and([eb('state', '=', 'pending'), eb('run_at', '<=', now)]),
            eb.and([eb('state', '=', 'running'), eb('locked_until', '<=', now)]),
          ]),
        )
        .orderBy('run_at')
        .limit(limit);
    // A read first: idle polling costs no commit.
    const peek = await due(this.#store.db, this.#clock.now()).execute();
    if (peek.length === 0) return [];
    return this.#store.write(async (tx) => {
      const now = this.#clock.now();
      const candidates = await due(tx, now).execute();
      // A running job whose lease expired on its last attempt: its worker died; it is failed, not run again.
      const exhausted = candidates.filter((r) => r.state === 'running' && r.attempts >= r.max_attempts);
      if (exhausted.length > 0) {
        await tx
          .updateTable('jobs')
          .set({ state: 'failed', locked_until: null, updated_at: now, last_error: 'lease expired during the last attempt (the worker stopped or crashed)' })
          .where('id', 'in', exhausted.map((r) => r.id))
          .execute();
        for (const r of exhausted) this.#log.warn({ queue, jobId: r.id, attempts: r.attempts }, 'job failed: lease expired during its last attempt');
      }
      const rows = candidates.filter((r) => !exhausted.includes(r));
      if (rows.length === 0) return [];
      await tx
        .updateTable('jobs')
        .set((eb) => ({ state: 'running', attempts: eb('attempts', '+', 1), locked_until: now + leaseMs, updated_at: now }))
        .where('id', 'in', rows.map((r) => r.id))
        .execute();
      return rows.map((r) => ({ ...r, state: 'running', attempts: r.attempts + 1 }));
    });
  }

  async #run(reg: Registered, row: JobRow): Promise<void> {
    const outcome = await runHandler({ handler: reg.handler, row, backoffMs: reg.backoffMs, now: () => this.#clock.now(), log: this.#log });
    try {
      await this.#store.write(async (tx) => {
        const now = this.#clock.now();
        await tx
          .updateTable('jobs')
          .set(outcomeColumns(outcome, now))
          .where('id', '=', row.id)
          .execute();
      });
    } catch (err) {
      // The lease will expire and the job will run again: at least once.
      this.#log.error({ err, jobId: row.id }, 'could not record job outcome');
    }
  }

  async #maybePrune(): Promise<void> {
    const now = this.#clock.now();
    if (now < this.#pruneAt) return;
    this.#pruneAt = now + 600_000;
    await this.#store.write((tx) =>
      tx.deleteFrom('jobs').where('state', '=', 'done').where('updated_at', '<', now - this.#retentionMs).execute(),
    );
  }

  get(id: string): Promise<JobInfo | undefined> {
    return readJob(this.#store.db, id);
  }

  counts(queue: string): Promise<Record<JobState, number>> {
    return countJobs(this.#store.db, queue);
  }

  async drain(queue?: string): Promise<number> {
    const queues = queue ? [queue] : [...this.#handlers.keys()];
    let ran = 0;
    for (;;) {
      let round = 0;
      for (const q of queues) {
        const reg = this.#handlers.get(q);
        if (!reg) throw new Error(`no handler for queue ${q}`);
        const jobs = await this.#claim(q, reg.concurrency, reg.leaseMs);
        await Promise.all(jobs.map((j) => this.#run(reg, j)));
        round += jobs.length;
      }
      ran += round;
      if (round === 0) return ran;
    }
  }
}

