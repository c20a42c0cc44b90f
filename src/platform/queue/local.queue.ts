import type { Clock } from '../clock.ts';
import type { Logger } from '../log.ts';
import type { Db, Store } from '../db/store.ts';
import { defaultBackoff, type HandlerOptions, type JobHandler, type JobInfo, type JobSpec, type JobState, type Queue, type QueueStats } from './queue.port.ts';
import type { JobRow } from './queue.tables.ts';
import { FailureBackoff, JobsTable } from './jobs-table.ts';

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
 * The embedded queue: jobs are rows of the store's `jobs` table (jobs-table.ts), so adding one commits with the
 * caller's unit and survives a crash like any other row. Workers in this process poll for due jobs (a cheap read),
 * claim a batch with a lease in one write, run them, and record the outcome (fenced by the attempt).
 *
 * Embedded mode has one process per database: `start()` releases the leases a previous (killed) process held, so
 * its jobs run at once instead of after their lease. While the database cannot write (full disk, read-only file), the
 * poll loop backs off exponentially up to 30 s and logs the cause once, then once more when it works again.
 */
export class LocalQueue implements Queue {
  #table: JobsTable;
  #clock: Clock;
  #log: Logger;
  #pollMs: number;
  #retentionMs: number;
  #handlers = new Map<string, Registered>();
  #started = false;
  #pruneAt = 0;

  constructor(deps: { store: Store; clock: Clock; log: Logger; pollMs?: number; retentionMs?: number }) {
    this.#table = new JobsTable({ store: deps.store, clock: deps.clock, log: deps.log });
    this.#clock = deps.clock;
    this.#log = deps.log;
    this.#pollMs = deps.pollMs ?? 250;
    this.#retentionMs = deps.retentionMs ?? 24 * 3600_000;
  }

  add<T>(tx: Db, spec: JobSpec<T>): Promise<{ id: string; added: boolean }> {
    return this.#table.add(tx, spec);
  }

  async enqueue<T>(spec: JobSpec<T>): Promise<{ id: string; added: boolean }> {
    const r = await this.#table.store.write((tx) => this.add(tx, spec));
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
    try {
      const released = await this.#table.releaseForeignLeases();
      if (released > 0) this.#log.info({ released }, 'released the job leases of the previous process; its jobs run now');
    } catch (err) {
      this.#log.warn({ err }, 'could not release the leases of the previous process; its jobs run when their leases expire');
    }
    for (const [queue, reg] of this.#handlers) reg.loop = this.#loop(queue, reg);
  }

  async stop(): Promise<void> {
    this.#started = false;
    this.#table.stopping();
    for (const reg of this.#handlers.values()) reg.wake?.();
    await Promise.all(
      [...this.#handlers.values()].map(async (reg) => {
        await reg.loop;
        await Promise.all(reg.running);
      }),
    );
  }

  async #loop(queue: string, reg: Registered): Promise<void> {
    const backoff = new FailureBackoff({ baseMs: this.#pollMs, log: this.#log, what: `claiming jobs of queue ${queue}` });
    while (this.#started) {
      let claimed = 0;
      let waitMs = this.#pollMs;
      try {
        const free = reg.concurrency - reg.running.size;
        if (free > 0) {
          const jobs = await this.#table.claimDue(queue, free, reg.leaseMs);
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
        backoff.succeeded({ queue });
      } catch (err) {
        waitMs = backoff.failed(err, { queue });
      }
      if (!this.#started) break;
      if (claimed === 0 || reg.running.size >= reg.concurrency || backoff.failures > 0) {
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, waitMs);
          reg.wake = () => {
            clearTimeout(timer);
            reg.wake = undefined;
            resolve();
          };
        });
      }
    }
  }

  async #run(reg: Registered, row: JobRow): Promise<void> {
    await this.#table.run({ handler: reg.handler, row, backoffMs: reg.backoffMs });
  }

  async #maybePrune(): Promise<void> {
    const now = this.#clock.now();
    if (now < this.#pruneAt) return;
    this.#pruneAt = now + 600_000;
    await this.#table.prune(this.#retentionMs);
  }

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
    if (info) this.kick(info.queue);
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
