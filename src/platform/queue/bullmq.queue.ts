import { hostname } from 'node:os';
import { Redis, type RedisOptions } from 'ioredis';
import { Queue as BullQueue, Worker, DelayedError, type ConnectionOptions, type Job } from 'bullmq';
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

/** Rows of job_outbox (migration 080): jobs that must still reach Redis. */
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

export interface BullmqQueueOptions {
  store: Store;
  clock: Clock;
  log: Logger;
  /** redis:// or rediss:// URL. */
  redisUrl: string;
  /** Prefix of every Redis key (MARU_REDIS_PREFIX); BullMQ's keys live under `${prefix}:q`. */
  prefix?: string;
  /** How often a started process publishes outbox rows nobody published (ms). */
  relayMs?: number;
  /** How long a due job may wait in the outbox, or a lease stay expired, before the relay publishes it again (ms). */
  graceMs?: number;
  /** Finished jobs kept in the jobs table this long (ms). */
  retentionMs?: number;
  /** BullMQ: how long a worker's lock on a delivery lasts without renewal, and how often stalled deliveries are checked (ms). */
  lockDurationMs?: number;
  stalledIntervalMs?: number;
  /** Longest a publish to Redis may take before it is left to the relay (ms). */
  publishTimeoutMs?: number;
  /**
   * Lease a worker holds on a running job, renewed while its handler runs (MARU_WORKER_LEASE): a worker process that
   * dies or hangs without renewing loses the job this long after its last renewal, not after the handler's whole
   * `leaseMs`. The handler's `leaseMs` stays the longest a live worker keeps renewing (ms).
   */
  heartbeatLeaseMs?: number;
  /** Shown by BullMQ as the worker that processed a delivery (default host:pid). */
  workerName?: string;
}

interface Registered {
  handler: JobHandler<unknown>;
  concurrency: number;
  leaseMs: number;
  backoffMs: (attempt: number) => number;
  worker?: Worker;
}

/** What a BullMQ delivery carries: only which row to look at. The row is the job. */
interface Wakeup {
  id: string;
}

type Publishable = Pick<JobRow, 'id' | 'queue' | 'attempts' | 'run_at'> & { recovery?: boolean };

/**
 * The scale-mode queue: the store's `jobs` table stays the job (durable, authoritative for state, run_at, attempts,
 * lease and last error — D13: Redis is never the only copy); BullMQ carries wake-ups from the process that added a
 * job to whichever worker process is free.
 *
 * - `add(tx, spec)` writes the job row and a `job_outbox` row in the caller's unit. `kick()` (after the commit)
 *   publishes this process's new jobs to BullMQ, with BullMQ jobId = `${jobs.id}-${attempts}` so publishing the same
 *   row twice adds one delivery, and a delay until run_at.
 * - A BullMQ worker receiving a delivery claims the row in one conditional UPDATE (pending and due, or running with an
 *   expired lease), deleting its outbox row; runs the handler; records the outcome in the row. A retry returns the
 *   row to pending with a new outbox row in the same transaction, then publishes the next delivery.
 *   A delivery for a row that is not due yet, or leased by another worker, is moved back to BullMQ's delayed set
 *   until then; one for a finished or missing row completes without doing anything.
 * - Recovery: BullMQ's stalled-job check re-delivers deliveries of a worker that died; the claim then waits for the
 *   row's lease. Independently, every started process runs a relay that publishes outbox rows still unclaimed
 *   `graceMs` after they were due (Redis was down, a process died between commit and publish, Redis lost its data)
 *   and rows whose lease expired `graceMs` ago. Either way the row decides: a delivery that finds its job already
 *   claimed or done does nothing, so duplicates are harmless; a handler may still run twice (at least once, e.g.
 *   after a lease expires under a live handler) and the core's idempotency keys make that effectively once.
 * - `drain()` claims due rows directly (tests, CLI); time always comes from the injected clock.
 */
export class BullmqQueue implements Queue {
  #store: Store;
  #clock: Clock;
  #log: Logger;
  #connection: RedisOptions;
  #prefix: string;
  #relayMs: number;
  #graceMs: number;
  #retentionMs: number;
  #lockDurationMs: number;
  #stalledIntervalMs: number;
  #publishTimeoutMs: number;
  #heartbeatLeaseMs: number;
  #workerName: string;
  #handlers = new Map<string, Registered>();
  #started = false;
  #producer: Redis | undefined;
  #bullQueues = new Map<string, BullQueue<Wakeup>>();
  /** Jobs this process added and has not published yet: id → when added (ms, real time). */
  #unpublished = new Map<string, number>();
  #publishing: Promise<void> | undefined;
  #publishAgain = false;
  #localTimer: NodeJS.Timeout | undefined;
  #relayTimer: NodeJS.Timeout | undefined;
  #relaying: Promise<void> | undefined;
  #pruneAt = 0;

  constructor(options: BullmqQueueOptions) {
    this.#store = options.store;
    this.#clock = options.clock;
    this.#log = options.log;
    this.#connection = redisOptionsFromUrl(options.redisUrl);
    this.#prefix = `${options.prefix ?? 'maru'}:q`;
    this.#relayMs = options.relayMs ?? 1000;
    this.#graceMs = options.graceMs ?? 10_000;
    this.#retentionMs = options.retentionMs ?? 24 * 3600_000;
    this.#lockDurationMs = options.lockDurationMs ?? 30_000;
    this.#stalledIntervalMs = options.stalledIntervalMs ?? 30_000;
    this.#publishTimeoutMs = options.publishTimeoutMs ?? 5000;
    this.#heartbeatLeaseMs = options.heartbeatLeaseMs ?? 30_000;
    this.#workerName = options.workerName ?? `${hostname()}:${process.pid}`;
  }

  // ---- adding ---------------------------------------------------------------------------------------------------

  async add<T>(tx: Db, spec: JobSpec<T>): Promise<{ id: string; added: boolean }> {
    const now = this.#clock.now();
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
        last_error: null,
        created_at: now,
        updated_at: now,
      })
      // Another process added the same key a moment ago (it committed while this unit waited): that job stands.
      .onConflict((oc) => oc.columns(['queue', 'key']).doNothing())
      .executeTakeFirst();
    if (Number(inserted.numInsertedOrUpdatedRows ?? 0n) === 0) {
      const existing = await tx.selectFrom('jobs').select('id').where('queue', '=', spec.queue).where('key', '=', spec.key ?? '').executeTakeFirstOrThrow();
      return { id: existing.id, added: false };
    }
    await tx.insertInto('job_outbox').values({ job_id: id, queue: spec.queue, created_at: now }).execute();
    this.#unpublished.set(id, Date.now());
    this.#ensureLocalTimer();
    return { id, added: true };
  }

  async enqueue<T>(spec: JobSpec<T>): Promise<{ id: string; added: boolean }> {
    const r = await this.#store.write((tx) => this.add(tx, spec));
    this.kick(spec.queue);
    return r;
  }

  /** Publishes the jobs this process added (call after their unit committed). Never throws; never waits on Redis. */
  kick(_queue?: string): void {
    if (this.#unpublished.size === 0) return;
    if (this.#publishing) {
      this.#publishAgain = true;
      return;
    }
    this.#publishing = this.#publishLocal()
      .catch((err) => this.#log.warn({ err }, 'could not publish new jobs to redis; the relay will'))
      .finally(() => {
        this.#publishing = undefined;
        if (this.#publishAgain) {
          this.#publishAgain = false;
          this.kick();
        }
      });
  }

  async #publishLocal(): Promise<void> {
    const batch = [...this.#unpublished.keys()].slice(0, 1000);
    const rows = await this.#store.db
      .selectFrom('jobs')
      .select(['id', 'queue', 'attempts', 'run_at'])
      .where('id', 'in', batch)
      .where('state', '=', 'pending')
      .execute();
    const found = new Set(rows.map((r) => r.id));
    const now = Date.now();
    for (const id of batch) {
      // Not visible: rolled back (forget it) or not committed yet (keep it a little; the relay is the backstop).
      if (found.has(id) || now - (this.#unpublished.get(id) ?? 0) > 10_000) this.#unpublished.delete(id);
    }
    await this.#publish(rows);
    if (this.#unpublished.size > 0 && found.size > 0) this.#publishAgain = true;
  }

  /** Publishes leftovers of kicks that came before their unit committed (or never came). */
  #ensureLocalTimer() {
    if (this.#localTimer) return;
    this.#localTimer = setInterval(() => this.kick(), 1000);
    this.#localTimer.unref();
  }

  /** Adds one BullMQ delivery per row (idempotent per row and attempt), delayed until run_at. */
  async #publish(rows: Publishable[]): Promise<void> {
    if (rows.length === 0) return;
    const byQueue = new Map<string, Publishable[]>();
    for (const r of rows) byQueue.set(r.queue, [...(byQueue.get(r.queue) ?? []), r]);
    const now = this.#clock.now();
    const work = Promise.all(
      [...byQueue].map(([queue, list]) =>
        this.#bullQueue(queue).addBulk(
          list.map((r) => ({
            name: queue,
            data: { id: r.id },
            opts: {
              jobId: `${r.id}-${r.attempts}${r.recovery ? '-r' : ''}`,
              delay: Math.max(0, r.run_at - now),
              removeOnComplete: true,
              removeOnFail: true,
              attempts: 1,
            },
          })),
        ),
      ),
    );
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`publishing to redis took over ${this.#publishTimeoutMs} ms`)), this.#publishTimeoutMs);
    });
    try {
      await Promise.race([work, timeout]);
    } finally {
      clearTimeout(timer);
      work.catch(() => {});
    }
  }

  #bullQueue(queue: string): BullQueue<Wakeup> {
    let q = this.#bullQueues.get(queue);
    if (!q) {
      this.#producer ??= new Redis({ ...this.#connection, maxRetriesPerRequest: 1, connectTimeout: 2000 });
      this.#producer.on('error', () => {});
      q = new BullQueue<Wakeup>(queue, { connection: this.#producer, prefix: this.#prefix });
      q.on('error', () => {});
      this.#bullQueues.set(queue, q);
    }
    return q;
  }

  // ---- running --------------------------------------------------------------------------------------------------

  handle<T>(queue: string, handler: JobHandler<T>, options: HandlerOptions = {}): void {
    if (this.#handlers.has(queue)) throw new Error(`queue ${queue} already has a handler`);
    const reg: Registered = {
      handler: handler as JobHandler<unknown>,
      concurrency: options.concurrency ?? 4,
      leaseMs: options.leaseMs ?? 300_000,
      backoffMs: options.backoffMs ?? defaultBackoff,
    };
    this.#handlers.set(queue, reg);
    if (this.#started) this.#startWorker(queue, reg);
  }

  async start(): Promise<void> {
    if (this.#started) return;
    this.#started = true;
    for (const [queue, reg] of this.#handlers) this.#startWorker(queue, reg);
    this.#relayTimer = setInterval(() => void this.relay(), this.#relayMs);
    this.#relayTimer.unref();
    void this.relay();
  }

  #startWorker(queue: string, reg: Registered) {
    reg.worker = new Worker<Wakeup>(queue, (job, token) => this.#deliver(reg, job, token), {
      connection: { ...this.#connection } as ConnectionOptions,
      prefix: this.#prefix,
      name: this.#workerName,
      concurrency: reg.concurrency,
      lockDuration: this.#lockDurationMs,
      stalledInterval: this.#stalledIntervalMs,
      // The jobs table counts attempts; BullMQ only has to keep re-delivering a wake-up whose worker died.
      maxStalledCount: 1000,
      removeOnComplete: { count: 0 },
      removeOnFail: { count: 0 },
      drainDelay: 1,
    });
    reg.worker.on('error', (err) => this.#log.warn({ err, queue }, 'bullmq worker error'));
  }

  /** One BullMQ delivery: the row decides whether there is anything to run. */
  async #deliver(reg: Registered, job: Job<Wakeup>, token: string | undefined): Promise<void> {
    const lease = Math.min(reg.leaseMs, this.#heartbeatLeaseMs);
    const claimed = await this.#claimOne(job.data.id, lease);
    if (claimed) {
      const heartbeat = this.#heartbeat(claimed, reg.leaseMs, lease);
      try {
        await this.#run(reg, claimed);
      } finally {
        clearInterval(heartbeat);
      }
      return;
    }
    const row = await this.#store.db.selectFrom('jobs').select(['state', 'run_at', 'locked_until']).where('id', '=', job.data.id).executeTakeFirst();
    if (!row || row.state === 'done' || row.state === 'failed') return;
    // Not due yet, or another worker holds its lease: look again then (the lease ends if that worker died).
    const at = row.state === 'pending' ? row.run_at : (row.locked_until ?? this.#clock.now()) + 50;
    await job.moveToDelayed(Date.now() + Math.max(0, at - this.#clock.now()), token);
    throw new DelayedError();
  }

  /** Renews the row's lease every third of it while the handler runs, up to the handler's own `leaseMs` in all. */
  #heartbeat(row: JobRow, leaseMs: number, lease: number): NodeJS.Timeout {
    const until = this.#clock.now() + leaseMs;
    const timer = setInterval(() => {
      const now = this.#clock.now();
      if (now + lease > until) return;
      void this.#store
        .write((tx) =>
          tx
            .updateTable('jobs')
            .set({ locked_until: now + lease })
            .where('id', '=', row.id)
            .where('state', '=', 'running')
            .where('attempts', '=', row.attempts)
            .execute(),
        )
        .catch((err) => this.#log.warn({ err, jobId: row.id }, 'could not renew a job lease'));
    }, Math.max(50, Math.floor(lease / 3)));
    timer.unref();
    return timer;
  }

  /**
   * Claims one row if it is due (pending) or abandoned (lease expired); counts the attempt. An abandoned row that was
   * on its last attempt is failed instead (its worker died running it): the attempt counted, it is not run again.
   */
  async #claimOne(id: string, leaseMs: number): Promise<JobRow | undefined> {
    return this.#store.write(async (tx) => {
      const now = this.#clock.now();
      const exhausted = await tx
        .updateTable('jobs')
        .set({ state: 'failed', locked_until: null, updated_at: now, last_error: LEASE_EXPIRED })
        .where('id', '=', id)
        .where('state', '=', 'running')
        .where('locked_until', '<=', now)
        .where((eb) => eb('attempts', '>=', eb.ref('max_attempts')))
        .executeTakeFirst();
      if (Number(exhausted.numUpdatedRows) > 0) {
        this.#log.warn({ jobId: id }, 'job failed: lease expired during its last attempt');
        await tx.deleteFrom('job_outbox').where('job_id', '=', id).execute();
        return undefined;
      }
      const row = await tx
        .updateTable('jobs')
        .set((eb) => ({ state: 'running', attempts: eb('attempts', '+', 1), locked_until: now + leaseMs, updated_at: now }))
        .where('id', '=', id)
        .where((eb) =>
          eb.or([
            eb.and([eb('state', '=', 'pending'), eb('run_at', '<=', now)]),
            eb.and([eb('state', '=', 'running'), eb('locked_until', '<=', now)]),
          ]),
        )
        .returningAll()
        .executeTakeFirst();
      if (row) await tx.deleteFrom('job_outbox').where('job_id', '=', id).execute();
      return row;
    });
  }

  /** Claims up to `limit` due rows of a queue (drain). On PostgreSQL, rows other workers are claiming are skipped. */
  async #claimDue(queue: string, limit: number, leaseMs: number): Promise<JobRow[]> {
    const due = (db: Db, now: number) =>
      db
        .selectFrom('jobs')
        .select(['id', 'state', 'attempts', 'max_attempts'])
        .where('queue', '=', queue)
        .where((eb) =>
          eb.or([
            eb.and([eb('state', '=', 'pending'), eb('run_at', '<=', now)]),
            eb.and([eb('state', '=', 'running'), eb('locked_until', '<=', now)]),
          ]),
        )
        .orderBy('run_at')
        .limit(limit)
        .$if(this.#store.dialect === 'postgres', (qb) => qb.forUpdate().skipLocked());
    const peek = await due(this.#store.db, this.#clock.now()).execute();
    if (peek.length === 0) return [];
    return this.#store.write(async (tx) => {
      const now = this.#clock.now();
      const candidates = await due(tx, now).execute();
      // Abandoned on its last attempt: failed, not run again.
      const exhausted = candidates.filter((r) => r.state === 'running' && r.attempts >= r.max_attempts).map((r) => r.id);
      if (exhausted.length > 0) {
        await tx.updateTable('jobs').set({ state: 'failed', locked_until: null, updated_at: now, last_error: LEASE_EXPIRED }).where('id', 'in', exhausted).execute();
        await tx.deleteFrom('job_outbox').where('job_id', 'in', exhausted).execute();
        for (const id of exhausted) this.#log.warn({ queue, jobId: id }, 'job failed: lease expired during its last attempt');
      }
      const ids = candidates.filter((r) => !exhausted.includes(r.id)).map((r) => r.id);
      if (ids.length === 0) return [];
      const rows = await tx
        .updateTable('jobs')
        .set((eb) => ({ state: 'running', attempts: eb('attempts', '+', 1), locked_until: now + leaseMs, updated_at: now }))
        .where('id', 'in', ids)
        .returningAll()
        .execute();
      await tx.deleteFrom('job_outbox').where('job_id', 'in', ids).execute();
      return rows.sort((a, b) => a.run_at - b.run_at);
    });
  }

  async #run(reg: Registered, row: JobRow): Promise<void> {
    const outcome = await runHandler({ handler: reg.handler, row, backoffMs: reg.backoffMs, now: () => this.#clock.now(), log: this.#log });
    let retry: Publishable | undefined;
    try {
      retry = await this.#store.write(async (tx) => {
        const now = this.#clock.now();
        const r = await tx
          .updateTable('jobs')
          .set(outcomeColumns(outcome, now))
          .where('id', '=', row.id)
          // Only while this claim still holds it: after a lease expiry another attempt owns the row.
          .where('state', '=', 'running')
          .where('attempts', '=', row.attempts)
          .executeTakeFirst();
        if (Number(r.numUpdatedRows) === 0 || outcome.state !== 'pending') return undefined;
        await tx
          .insertInto('job_outbox')
          .values({ job_id: row.id, queue: row.queue, created_at: now })
          .onConflict((oc) => oc.column('job_id').doNothing())
          .execute();
        return { id: row.id, queue: row.queue, attempts: row.attempts, run_at: outcome.runAt! };
      });
    } catch (err) {
      // The lease will expire and the job will run again: at least once.
      this.#log.error({ err, jobId: row.id }, 'could not record job outcome');
      return;
    }
    if (retry) await this.#publish([retry]).catch((err) => this.#log.warn({ err, jobId: row.id }, 'could not publish a retry; the relay will'));
  }

  // ---- recovery -------------------------------------------------------------------------------------------------

  /**
   * Publishes what nobody published: outbox rows due for longer than the grace period, and running rows whose lease
   * expired that long ago. Runs every `relayMs` in started processes. Safe to run anywhere, any number of times.
   */
  async relay(): Promise<void> {
    if (this.#relaying) return this.#relaying;
    this.#relaying = (async () => {
      try {
        const now = this.#clock.now();
        const stale = now - this.#graceMs;
        const waiting = await this.#store.db
          .selectFrom('job_outbox as o')
          .leftJoin('jobs as j', 'j.id', 'o.job_id')
          .select(['o.job_id', 'o.queue', 'j.attempts', 'j.run_at', 'j.state'])
          .where('o.created_at', '<=', stale)
          .where((eb) => eb.or([eb('j.run_at', '<=', stale), eb('j.id', 'is', null), eb('j.state', '!=', 'pending')]))
          .orderBy('o.created_at')
          .limit(500)
          .execute();
        const orphans = waiting.filter((w) => w.state !== 'pending').map((w) => w.job_id);
        if (orphans.length > 0) await this.#store.write((tx) => tx.deleteFrom('job_outbox').where('job_id', 'in', orphans).execute());
        const abandoned = await this.#store.db
          .selectFrom('jobs')
          .select(['id', 'queue', 'attempts', 'run_at'])
          .where('state', '=', 'running')
          .where('locked_until', '<=', stale)
          .limit(500)
          .execute();
        const rows: Publishable[] = [
          ...waiting.filter((w) => w.state === 'pending').map((w) => ({ id: w.job_id, queue: w.queue, attempts: w.attempts!, run_at: w.run_at! })),
          ...abandoned.map((a) => ({ ...a, recovery: true })),
        ];
        if (rows.length > 0) {
          await this.#publish(rows);
          this.#log.info({ published: rows.length }, 'relay published jobs that had not reached redis');
        }
        await this.#maybePrune();
      } catch (err) {
        this.#log.warn({ err }, 'queue relay failed; will retry');
      }
    })().finally(() => {
      this.#relaying = undefined;
    });
    return this.#relaying;
  }

  async #maybePrune(): Promise<void> {
    const now = this.#clock.now();
    if (now < this.#pruneAt) return;
    this.#pruneAt = now + 600_000;
    await this.#store.write((tx) => tx.deleteFrom('jobs').where('state', '=', 'done').where('updated_at', '<', now - this.#retentionMs).execute());
  }

  async stop(): Promise<void> {
    this.#started = false;
    clearInterval(this.#relayTimer);
    clearInterval(this.#localTimer);
    this.#relayTimer = this.#localTimer = undefined;
    // Workers finish the handlers they are running (and record their outcomes) before close resolves.
    await Promise.all([...this.#handlers.values()].map(async (reg) => {
      const w = reg.worker;
      reg.worker = undefined;
      await w?.close();
    }));
    await this.#relaying;
    await this.#publishing;
    await Promise.all([...this.#bullQueues.values()].map((q) => q.close().catch(() => {})));
    this.#bullQueues.clear();
    this.#producer?.disconnect();
    this.#producer = undefined;
  }

  /** Stops at once, without waiting for running handlers or Redis — as if the process had died (tests). */
  async crash(): Promise<void> {
    this.#started = false;
    clearInterval(this.#relayTimer);
    clearInterval(this.#localTimer);
    this.#relayTimer = this.#localTimer = undefined;
    await Promise.all([...this.#handlers.values()].map(async (reg) => {
      const w = reg.worker;
      reg.worker = undefined;
      await w?.close(true).catch(() => {});
    }));
    for (const q of this.#bullQueues.values()) void q.close().catch(() => {});
    this.#bullQueues.clear();
    this.#producer?.disconnect();
    this.#producer = undefined;
  }

  // ---- reading --------------------------------------------------------------------------------------------------

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
        const jobs = await this.#claimDue(q, reg.concurrency, reg.leaseMs);
        await Promise.all(jobs.map((j) => this.#run(reg, j)));
        round += jobs.length;
      }
      ran += round;
      if (round === 0) return ran;
    }
  }
}

const LEASE_EXPIRED = 'lease expired during the last attempt (the worker stopped or crashed)';

/** ioredis options from a redis:// or rediss:// URL (host, port, credentials, database, TLS). */
export function redisOptionsFromUrl(url: string): RedisOptions {
  const u = new URL(url);
  const db = u.pathname.replace(/^\//, '');
  return {
    host: u.hostname || '127.0.0.1',
    port: Number(u.port || 6379),
    ...(u.username ? { username: decodeURIComponent(u.username) } : {}),
    ...(u.password ? { password: decodeURIComponent(u.password) } : {}),
    ...(db ? { db: Number(db) } : {}),
    ...(u.protocol === 'rediss:' ? { tls: {} } : {}),
  };
}

