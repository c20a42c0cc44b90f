import { hostname } from 'node:os';
import type { RedisOptions } from 'ioredis';
import { Worker, DelayedError, type ConnectionOptions, type Job } from 'bullmq';
import type { Clock } from '../clock.ts';
import type { Logger } from '../log.ts';
import type { Db, Store } from '../db/store.ts';
import { defaultBackoff, type HandlerOptions, type JobHandler, type JobInfo, type JobSpec, type JobState, type Queue, type QueueStats } from './queue.port.ts';
import type { JobRow } from './queue.tables.ts';
import { JobsTable } from './jobs-table.ts';
import { deleteOutbox, insertOutbox } from './job-outbox.ts';
import { BullmqPublisher, type Wakeup } from './bullmq.publisher.ts';
import { redisOptionsFromUrl } from './redis-connection.ts';

export { redisOptionsFromUrl } from './redis-connection.ts';

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
  #table: JobsTable;
  #publisher: BullmqPublisher;
  #store: Store;
  #clock: Clock;
  #log: Logger;
  #connection: RedisOptions;
  #prefix: string;
  #relayMs: number;
  #retentionMs: number;
  #lockDurationMs: number;
  #stalledIntervalMs: number;
  #heartbeatLeaseMs: number;
  #workerName: string;
  #handlers = new Map<string, Registered>();
  #started = false;
  #relayTimer: NodeJS.Timeout | undefined;
  #pruneAt = 0;

  constructor(options: BullmqQueueOptions) {
    this.#store = options.store;
    this.#clock = options.clock;
    this.#log = options.log;
    this.#connection = redisOptionsFromUrl(options.redisUrl);
    this.#prefix = `${options.prefix ?? 'maru'}:q`;
    this.#relayMs = options.relayMs ?? 1000;
    this.#retentionMs = options.retentionMs ?? 24 * 3600_000;
    this.#lockDurationMs = options.lockDurationMs ?? 30_000;
    this.#stalledIntervalMs = options.stalledIntervalMs ?? 30_000;
    this.#heartbeatLeaseMs = options.heartbeatLeaseMs ?? 30_000;
    this.#workerName = options.workerName ?? `${hostname()}:${process.pid}`;
    this.#publisher = new BullmqPublisher({
      store: this.#store,
      clock: this.#clock,
      log: this.#log,
      connection: this.#connection,
      prefix: this.#prefix,
      graceMs: options.graceMs ?? 10_000,
      publishTimeoutMs: options.publishTimeoutMs ?? 5000,
      relayMs: this.#relayMs,
    });
    // The outbox lives in the same units as the job rows: written when a job is added or requeued, removed when claimed.
    this.#table = new JobsTable({
      store: this.#store,
      clock: this.#clock,
      log: this.#log,
      hooks: {
        added: async (tx, row, now) => {
          await insertOutbox(tx, row, now);
          this.#publisher.noteAdded(row.id);
        },
        settled: (tx, ids) => deleteOutbox(tx, ids),
        requeued: (tx, row, now) => insertOutbox(tx, row, now),
      },
    });
  }

  // ---- adding ---------------------------------------------------------------------------------------------------

  add<T>(tx: Db, spec: JobSpec<T>): Promise<{ id: string; added: boolean }> {
    return this.#table.add(tx, spec);
  }

  async enqueue<T>(spec: JobSpec<T>): Promise<{ id: string; added: boolean }> {
    const r = await this.#store.write((tx) => this.add(tx, spec));
    this.kick(spec.queue);
    return r;
  }

  /** Publishes the jobs this process added (call after their unit committed). Never throws; never waits on Redis. */
  kick(_queue?: string): void {
    this.#publisher.kick();
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
    const claimed = await this.#table.claimOne(job.data.id, lease);
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
    // Not due yet, or a worker (maybe this one) holds its lease: look again then (the lease ends if that worker died).
    const at = row.state === 'pending' ? row.run_at : Math.max(row.locked_until ?? 0, this.#clock.now() + 1000) + 50;
    await job.moveToDelayed(Date.now() + Math.max(0, at - this.#clock.now()), token);
    throw new DelayedError();
  }

  /** Renews the row's lease every third of it while the handler runs, up to the handler's own `leaseMs` in all. */
  #heartbeat(row: JobRow, leaseMs: number, lease: number): NodeJS.Timeout {
    const until = this.#clock.now() + leaseMs;
    const timer = setInterval(
      () => {
        const now = this.#clock.now();
        if (now + lease > until) return;
        void this.#table.renew(row, now + lease).catch((err) => this.#log.warn({ err, jobId: row.id }, 'could not renew a job lease'));
      },
      Math.max(50, Math.floor(lease / 3)),
    );
    timer.unref();
    return timer;
  }

  async #run(reg: Registered, row: JobRow): Promise<void> {
    const { outcome, recorded } = await this.#table.run({ handler: reg.handler, row, backoffMs: reg.backoffMs });
    if (recorded && outcome.state === 'pending') {
      await this.#publisher
        .publish([{ id: row.id, queue: row.queue, attempts: row.attempts, run_at: outcome.runAt! }])
        .catch((err) => this.#log.warn({ err, jobId: row.id }, 'could not publish a retry; the relay will'));
    }
  }

  // ---- recovery -------------------------------------------------------------------------------------------------

  /** One relay round (bullmq.publisher.ts), then pruning of finished jobs. Runs every `relayMs` in started processes. */
  relay(): Promise<void> {
    return this.#publisher.relay(() => this.#maybePrune());
  }

  async #maybePrune(): Promise<void> {
    const now = this.#clock.now();
    if (now < this.#pruneAt) return;
    this.#pruneAt = now + 600_000;
    await this.#table.prune(this.#retentionMs);
  }

  async stop(): Promise<void> {
    this.#started = false;
    this.#table.stopping();
    clearInterval(this.#relayTimer);
    this.#relayTimer = undefined;
    // Workers finish the handlers they are running (and record their outcomes) before close resolves.
    await Promise.all(
      [...this.#handlers.values()].map(async (reg) => {
        const w = reg.worker;
        reg.worker = undefined;
        await w?.close();
      }),
    );
    await this.#publisher.close();
  }

  /** Stops at once, without waiting for running handlers or Redis — as if the process had died (tests). */
  async crash(): Promise<void> {
    this.#started = false;
    clearInterval(this.#relayTimer);
    this.#relayTimer = undefined;
    await Promise.all(
      [...this.#handlers.values()].map(async (reg) => {
        const w = reg.worker;
        reg.worker = undefined;
        await w?.close(true).catch(() => {});
      }),
    );
    await this.#publisher.close(true);
  }

  // ---- reading and the dead-letter list --------------------------------------------------------------------------

  get(id: string): Promise<JobInfo | undefined> {
    return this.#table.get(id);
  }

  counts(queue: string): Promise<Record<JobState, number>> {
    return this.#table.counts(queue);
  }

  dead(filter?: { queue?: string; projectId?: string; limit?: number }): Promise<JobInfo[]> {
    return this.#table.dead(filter);
  }

  async retry(id: string): Promise<JobInfo | undefined> {
    const info = await this.#table.retry(id);
    if (info) {
      await this.#publisher
        .publish([{ id: info.id, queue: info.queue, attempts: 0, run_at: info.runAt, recovery: true }])
        .catch((err) => this.#log.warn({ err, jobId: id }, 'could not publish a retried job; the relay will'));
    }
    return info;
  }

  stats(): Promise<QueueStats[]> {
    return this.#table.stats();
  }

  async drain(queue?: string): Promise<number> {
    const queues = queue ? [queue] : [...this.#handlers.keys()];
    let ran = 0;
    for (;;) {
      let round = 0;
      for (const q of queues) {
        const reg = this.#handlers.get(q);
        if (!reg) throw new Error(`no handler for queue ${q}`);
        const jobs = await this.#table.claimDue(q, reg.concurrency, reg.leaseMs);
        await Promise.all(jobs.map((j) => this.#run(reg, j)));
        round += jobs.length;
      }
      ran += round;
      if (round === 0) return ran;
    }
  }
}
