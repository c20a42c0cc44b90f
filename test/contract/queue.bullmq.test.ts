import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { pino } from 'pino';
import { Redis } from 'ioredis';
import { SqliteStore } from '../../src/platform/db/sqlite.store.ts';
import { PostgresStore } from '../../src/platform/db/postgres.store.ts';
import type { Store } from '../../src/platform/db/store.ts';
import { BullmqQueue, type BullmqQueueOptions } from '../../src/platform/queue/bullmq.queue.ts';
import { ManualClock, systemClock } from '../../src/platform/clock.ts';
import type { Queue } from '../../src/platform/queue/queue.port.ts';
import { describeQueueContract } from './queue.contract.ts';
import { TEST_DATABASE_URL, TEST_REDIS_URL, createTestDatabase, deleteRedisKeys, startTcpProxy, testRedisPrefix } from '../helpers/scale.ts';

/**
 * The BullMQ adapter: the queue contract unchanged, on PostgreSQL when MARU_TEST_DATABASE_URL is set (else SQLite),
 * then what the adapter adds — outbox relay, Redis outages and data loss, stalled workers, several worker processes.
 * Runs when MARU_TEST_REDIS_URL is set.
 */
const log = pino({ level: 'silent' });

async function openStore(): Promise<{ store: Store; reopen(): Store; cleanup(): Promise<void> }> {
  if (TEST_DATABASE_URL) {
    const db = await createTestDatabase();
    const open = () => new PostgresStore({ url: db.url, poolSize: 8, partitionIntervalMs: 0 });
    const opened: Store[] = [open()];
    return {
      store: opened[0],
      reopen: () => {
        const s = open();
        opened.push(s);
        return s;
      },
      async cleanup() {
        for (const s of opened) await s.close();
        await db.drop();
      },
    };
  }
  const dir = mkdtempSync(join(tmpdir(), 'maru-bullmq-'));
  const store = new SqliteStore({ path: join(dir, 'maru.db') });
  return {
    store,
    reopen: () => store,
    async cleanup() {
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

const waitFor = async (what: string, ok: () => boolean | Promise<boolean>, ms = 15_000) => {
  const deadline = Date.now() + ms;
  while (!(await ok())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
};

describe.skipIf(!TEST_REDIS_URL)('bullmq queue', () => {
  const url = TEST_REDIS_URL!;

  describeQueueContract(`bullmq (${TEST_DATABASE_URL ? 'PostgreSQL' : 'SQLite'})`, async () => {
    const { store, cleanup } = await openStore();
    await store.migrate();
    const clock = new ManualClock();
    const prefix = testRedisPrefix();
    const queues: Queue[] = [];
    return {
      store,
      clock,
      makeQueue: () => {
        const q = new BullmqQueue({ store, clock, log, redisUrl: url, prefix });
        queues.push(q);
        return q;
      },
      async cleanup() {
        for (const q of queues) await q.stop();
        await cleanup();
        await deleteRedisKeys(url, prefix);
      },
    };
  });

  describe('outbox, recovery and several processes (real clock)', () => {
    let s: Awaited<ReturnType<typeof openStore>>;
    let prefix: string;
    const queues: BullmqQueue[] = [];
    const make = (over: Partial<BullmqQueueOptions> = {}, store: Store = s.store) => {
      const q = new BullmqQueue({ store, clock: systemClock, log, redisUrl: url, prefix, relayMs: 100, graceMs: 200, ...over });
      queues.push(q);
      return q;
    };
    beforeEach(async () => {
      s = await openStore();
      await s.store.migrate();
      prefix = testRedisPrefix();
    });
    afterEach(async () => {
      for (const q of queues.splice(0)) await q.stop();
      await s.cleanup();
      await deleteRedisKeys(url, prefix);
    });

    test('a job added by an API process (never started) runs on a worker process; the outbox row is gone once claimed', async () => {
      const api = make({ relayMs: 60_000 });
      const worker = make({ relayMs: 60_000 }, s.reopen());
      const seen: unknown[] = [];
      worker.handle('q', async (job) => void seen.push(job.payload));
      await worker.start();
      const rolledBack = s.store.write(async (tx) => {
        await api.add(tx, { queue: 'q', payload: 'never' });
        throw new Error('abort');
      });
      await expect(rolledBack).rejects.toThrow('abort');
      const { id } = await s.store.write((tx) => api.add(tx, { queue: 'q', payload: 'hello' }));
      api.kick('q');
      await waitFor('the job to run', async () => (await worker.get(id))?.state === 'done');
      expect(seen).toEqual(['hello']);
      expect(await s.store.db.selectFrom('job_outbox').selectAll().execute()).toEqual([]);
    });

    test('Redis unreachable when the job is added: the add still commits, and the relay publishes it once Redis is reachable', async () => {
      const target = new URL(url);
      const proxy = await startTcpProxy({ host: target.hostname, port: Number(target.port || 6379) });
      proxy.cut();
      try {
        const api = make({ redisUrl: proxy.url('redis'), publishTimeoutMs: 300 });
        const { id } = await api.enqueue({ queue: 'q', payload: 'durable' });
        await new Promise((r) => setTimeout(r, 500)); // the publish attempt fails
        expect(await s.store.db.selectFrom('job_outbox').select('job_id').execute()).toEqual([{ job_id: id }]);
        const worker = make({}, s.reopen());
        const seen: unknown[] = [];
        worker.handle('q', async (job) => void seen.push(job.payload));
        await worker.start();
        await waitFor('the relay to publish and the job to run', async () => (await worker.get(id))?.state === 'done');
        expect(seen).toEqual(['durable']);
      } finally {
        await proxy.close();
      }
    });

    test('Redis loses its data after publishing: the relay publishes again and the job runs once', async () => {
      const api = make();
      const ids = [];
      for (let i = 0; i < 5; i++) ids.push((await api.enqueue({ queue: 'q', payload: i })).id);
      await new Promise((r) => setTimeout(r, 300));
      const raw = new Redis(url);
      expect((await raw.keys(`${prefix}:q:q:*`)).length).toBeGreaterThan(0);
      await deleteRedisKeys(url, prefix); // e.g. a Redis restart without persistence
      raw.disconnect();
      const worker = make({}, s.reopen());
      const seen: number[] = [];
      worker.handle('q', async (job) => void seen.push(job.payload as number));
      await worker.start();
      await waitFor('all jobs to run', async () => (await worker.counts('q')).done === 5);
      expect(seen.sort()).toEqual([0, 1, 2, 3, 4]);
    });

    test('a worker that dies mid-job: its job runs again on another worker after the lease, and the late outcome is ignored', async () => {
      const dying = make({ lockDurationMs: 1000, stalledIntervalMs: 500 });
      let releaseDead!: () => void;
      const deadStarted = new Promise<void>((started) => {
        dying.handle(
          'q',
          async () => {
            started();
            await new Promise<void>((r) => (releaseDead = r));
            throw new Error('the dead worker must not decide the outcome');
          },
          { leaseMs: 1500 },
        );
      });
      await dying.start();
      const { id } = await dying.enqueue({ queue: 'q', payload: 'x' });
      await deadStarted;
      // The process "dies": its BullMQ worker stops renewing its lock; the handler is left hanging.
      await dying.crash();
      const attempts: number[] = [];
      const survivor = make({ lockDurationMs: 1000, stalledIntervalMs: 500 }, s.reopen());
      survivor.handle('q', async (job) => void attempts.push(job.attempt), { leaseMs: 1500 });
      await survivor.start();
      await waitFor('the job to run on the survivor', async () => (await survivor.get(id))?.state === 'done');
      expect(attempts).toEqual([2]);
      releaseDead();
      await new Promise((r) => setTimeout(r, 200));
      expect(await survivor.get(id)).toMatchObject({ state: 'done', attempts: 2, lastError: null });
    });

    test('two worker processes share the work: every job runs exactly once, at most `concurrency` at a time in each', async () => {
      const api = make();
      const workers = [make({}, s.reopen()), make({}, s.reopen())];
      const runs = new Map<number, number>();
      const byWorker = [0, 0];
      const running = [0, 0];
      const peak = [0, 0];
      workers.forEach((w, i) => {
        w.handle(
          'q',
          async (job) => {
            running[i]++;
            peak[i] = Math.max(peak[i], running[i]);
            byWorker[i]++;
            runs.set(job.payload as number, (runs.get(job.payload as number) ?? 0) + 1);
            await new Promise((r) => setTimeout(r, 5));
            running[i]--;
          },
          { concurrency: 3 },
        );
      });
      await Promise.all(workers.map((w) => w.start()));
      await Promise.all(Array.from({ length: 200 }, (_, i) => api.enqueue({ queue: 'q', payload: i })));
      await waitFor('all jobs to run', async () => (await api.counts('q')).done === 200, 30_000);
      expect([...runs.values()].every((n) => n === 1)).toBe(true);
      expect(runs.size).toBe(200);
      expect(byWorker[0]).toBeGreaterThan(0);
      expect(byWorker[1]).toBeGreaterThan(0);
      expect(Math.max(...peak)).toBeLessThanOrEqual(3);
    });

    test('a failed attempt is retried through BullMQ after its backoff, with the table counting attempts', async () => {
      const worker = make();
      const attempts: number[] = [];
      worker.handle(
        'q',
        async (job) => {
          attempts.push(job.attempt);
          if (job.attempt < 3) throw new Error(`boom ${job.attempt}`);
        },
        { backoffMs: () => 200 },
      );
      await worker.start();
      const { id } = await worker.enqueue({ queue: 'q', payload: null });
      await waitFor('the third attempt to succeed', async () => (await worker.get(id))?.state === 'done');
      expect(attempts).toEqual([1, 2, 3]);
      expect(await worker.get(id)).toMatchObject({ attempts: 3, lastError: 'Error: boom 2' });
    });
  });
});
