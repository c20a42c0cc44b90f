import { Redis, type RedisOptions } from 'ioredis';
import { Queue as BullQueue } from 'bullmq';
import type { Clock } from '../clock.ts';
import type { Logger } from '../log.ts';
import type { Store } from '../db/store.ts';
import type { JobRow } from './queue.tables.ts';
import { abandonedJobs, deleteOutbox, staleOutbox } from './job-outbox.ts';
import { FailureBackoff } from './jobs-table.ts';

/** What a BullMQ delivery carries: only which row to look at. The row is the job. */
export interface Wakeup {
  id: string;
}

export type Publishable = Pick<JobRow, 'id' | 'queue' | 'attempts' | 'run_at'> & { recovery?: boolean };

/**
 * The producing side of the BullMQ adapter: turns committed job rows into BullMQ deliveries (wake-ups).
 *
 * - `noteAdded(id)` (inside the adding unit) and `kick()` (after its commit) publish this process's new jobs, with
 *   BullMQ jobId = `${jobs.id}-${attempts}` so publishing the same row twice adds one delivery, and a delay until
 *   run_at. A kick never throws and never waits on Redis.
 * - `relay()` (every `relayMs` in started processes) publishes outbox rows still unclaimed `graceMs` after they were
 *   due (Redis was down, a process died between commit and publish, Redis lost its data) and running rows whose
 *   lease expired that long ago. While the database or Redis fails, it backs off (up to 30 s).
 */
export class BullmqPublisher {
  #store: Store;
  #clock: Clock;
  #log: Logger;
  #connection: RedisOptions;
  #prefix: string;
  #graceMs: number;
  #publishTimeoutMs: number;
  #producer: Redis | undefined;
  #bullQueues = new Map<string, BullQueue<Wakeup>>();
  /** Jobs this process added and has not published yet: id → when added (ms, real time). */
  #unpublished = new Map<string, number>();
  #publishing: Promise<void> | undefined;
  #publishAgain = false;
  #localTimer: NodeJS.Timeout | undefined;
  #relaying: Promise<void> | undefined;
  #relayBackoff: FailureBackoff;
  #relayPausedUntil = 0;

  constructor(deps: {
    store: Store;
    clock: Clock;
    log: Logger;
    connection: RedisOptions;
    prefix: string;
    graceMs: number;
    publishTimeoutMs: number;
    relayMs: number;
  }) {
    this.#store = deps.store;
    this.#clock = deps.clock;
    this.#log = deps.log;
    this.#connection = deps.connection;
    this.#prefix = deps.prefix;
    this.#graceMs = deps.graceMs;
    this.#publishTimeoutMs = deps.publishTimeoutMs;
    this.#relayBackoff = new FailureBackoff({ baseMs: deps.relayMs, log: deps.log, what: 'the queue relay' });
  }

  /** A job this process added (call inside the adding unit); published by the next kick after the commit. */
  noteAdded(id: string): void {
    this.#unpublished.set(id, Date.now());
    this.#ensureLocalTimer();
  }

  kick(): void {
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
    await this.publish(rows);
    if (this.#unpublished.size > 0 && found.size > 0) this.#publishAgain = true;
  }

  /** Publishes leftovers of kicks that came before their unit committed (or never came). */
  #ensureLocalTimer() {
    if (this.#localTimer) return;
    this.#localTimer = setInterval(() => this.kick(), 1000);
    this.#localTimer.unref();
  }

  /** Adds one BullMQ delivery per row (idempotent per row and attempt), delayed until run_at. */
  async publish(rows: Publishable[]): Promise<void> {
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

  /**
   * Publishes what nobody published: outbox rows due for longer than the grace period, and running rows whose lease
   * expired that long ago. Safe to run anywhere, any number of times. `afterRound` runs in the same guarded round.
   */
  async relay(afterRound?: () => Promise<void>): Promise<void> {
    if (this.#relaying) return this.#relaying;
    if (Date.now() < this.#relayPausedUntil) return;
    this.#relaying = (async () => {
      try {
        const now = this.#clock.now();
        const stale = now - this.#graceMs;
        const waiting = await staleOutbox(this.#store.db, stale);
        const orphans = waiting.filter((w) => w.state !== 'pending').map((w) => w.job_id);
        if (orphans.length > 0) await this.#store.write((tx) => deleteOutbox(tx, orphans));
        const abandoned = await abandonedJobs(this.#store.db, stale);
        const rows: Publishable[] = [
          ...waiting.filter((w) => w.state === 'pending').map((w) => ({ id: w.job_id, queue: w.queue, attempts: w.attempts!, run_at: w.run_at! })),
          ...abandoned.map((a) => ({ ...a, recovery: true })),
        ];
        if (rows.length > 0) {
          await this.publish(rows);
          this.#log.info({ published: rows.length }, 'relay published jobs that had not reached redis');
        }
        await afterRound?.();
        this.#relayBackoff.succeeded();
      } catch (err) {
        this.#relayPausedUntil = Date.now() + this.#relayBackoff.failed(err);
      }
    })().finally(() => {
      this.#relaying = undefined;
    });
    return this.#relaying;
  }

  /** Waits for publishing in progress, then closes the Redis connections (`abrupt`: without waiting). */
  async close(abrupt = false): Promise<void> {
    clearInterval(this.#localTimer);
    this.#localTimer = undefined;
    if (!abrupt) {
      await this.#relaying;
      await this.#publishing;
      await Promise.all([...this.#bullQueues.values()].map((q) => q.close().catch(() => {})));
    } else for (const q of this.#bullQueues.values()) void q.close().catch(() => {});
    this.#bullQueues.clear();
    this.#producer?.disconnect();
    this.#producer = undefined;
  }
}
