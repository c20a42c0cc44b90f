import { describe, it, expect, beforeEach, afterEach } from 'vitest';
import type { Store } from '../../src/platform/db/store.ts';
import { ManualClock } from '../../src/platform/clock.ts';
import { PermanentFailure, RetryLater, type Queue, type JobContext } from '../../src/platform/queue/queue.port.ts';

export interface QueueHarness {
  store: Store;
  clock: ManualClock;
  /** A fresh queue on the same store (as after a restart). */
  makeQueue(): Queue;
  cleanup(): Promise<void>;
}

/** The queue port's contract (src/platform/queue/queue.port.ts), for every adapter. */
export function describeQueueContract(name: string, makeHarness: () => Promise<QueueHarness>) {
  describe(`queue contract: ${name}`, () => {
    let h: QueueHarness;
    let queue: Queue;
    beforeEach(async () => {
      h = await makeHarness();
      queue = h.makeQueue();
    });
    afterEach(async () => {
      await queue.stop();
      await h.cleanup();
    });

    it('a job added in a unit that rolls back does not exist', async () => {
      const seen: unknown[] = [];
      queue.handle('q', async (job) => void seen.push(job.payload));
      await expect(
        h.store.write(async (tx) => {
          await queue.add(tx, { queue: 'q', payload: { n: 1 } });
          throw new Error('abort');
        }),
      ).rejects.toThrow('abort');
      await h.store.write((tx) => queue.add(tx, { queue: 'q', payload: { n: 2 } }));
      expect(await queue.drain('q')).toBe(1);
      expect(seen).toEqual([{ n: 2 }]);
    });

    it('dedupes by key while the job is kept', async () => {
      const a = await queue.enqueue({ queue: 'q', payload: 1, key: 'k' });
      const b = await queue.enqueue({ queue: 'q', payload: 2, key: 'k' });
      expect(a.added).toBe(true);
      expect(b).toEqual({ id: a.id, added: false });
      const seen: unknown[] = [];
      queue.handle('q', async (job) => void seen.push(job.payload));
      await queue.drain('q');
      expect(seen).toEqual([1]);
      expect((await queue.enqueue({ queue: 'q', payload: 3, key: 'k' })).added).toBe(false);
    });

    it('does not run a job before runAt', async () => {
      const seen: unknown[] = [];
      queue.handle('q', async (job) => void seen.push(job.payload));
      await queue.enqueue({ queue: 'q', payload: 'later', runAt: h.clock.now() + 60_000 });
      expect(await queue.drain('q')).toBe(0);
      h.clock.advance(60_000);
      expect(await queue.drain('q')).toBe(1);
      expect(seen).toEqual(['later']);
    });

    it('retries a failing job with backoff, then marks it failed with the last error', async () => {
      const attempts: number[] = [];
      queue.handle(
        'q',
        async (job) => {
          attempts.push(job.attempt);
          throw new Error(`boom ${job.attempt}`);
        },
        { backoffMs: () => 1000 },
      );
      const { id } = await queue.enqueue({ queue: 'q', payload: null, maxAttempts: 3 });
      await queue.drain('q');
      expect(attempts).toEqual([1]);
      let info = await queue.get(id);
      expect(info?.state).toBe('pending');
      expect(info!.runAt).toBeGreaterThanOrEqual(h.clock.now() + 500);
      expect(info!.runAt).toBeLessThan(h.clock.now() + 1000);
      h.clock.advance(1000);
      await queue.drain('q');
      h.clock.advance(1000);
      await queue.drain('q');
      expect(attempts).toEqual([1, 2, 3]);
      info = await queue.get(id);
      expect(info?.state).toBe('failed');
      expect(info?.lastError).toContain('boom 3');
      h.clock.advance(10_000);
      expect(await queue.drain('q')).toBe(0);
    });

    it('RetryLater sets the delay; PermanentFailure fails at once', async () => {
      queue.handle('q', async (job: JobContext<string>) => {
        if (job.payload === 'later') throw new RetryLater(30_000);
        throw new PermanentFailure('no');
      });
      const later = await queue.enqueue({ queue: 'q', payload: 'later' });
      const perm = await queue.enqueue({ queue: 'q', payload: 'perm' });
      await queue.drain('q');
      expect((await queue.get(later.id))?.runAt).toBe(h.clock.now() + 30_000);
      expect((await queue.get(perm.id))?.state).toBe('failed');
      expect((await queue.get(perm.id))?.attempts).toBe(1);
    });

    it('a job claimed by a worker that died runs again after its lease expires, and counts the attempt', async () => {
      const dead = h.makeQueue();
      let release!: () => void;
      const started = new Promise<void>((r) => {
        dead.handle(
          'q',
          async () => {
            r();
            await new Promise<void>((res) => (release = res));
          },
          { leaseMs: 5000 },
        );
      });
      const { id } = await queue.enqueue({ queue: 'q', payload: 'x' });
      const stuck = dead.drain('q');
      await started; // claimed and running in the "dead" worker
      const seen: number[] = [];
      queue.handle('q', async (job) => void seen.push(job.attempt), { leaseMs: 5000 });
      expect(await queue.drain('q')).toBe(0); // lease still held
      h.clock.advance(5001);
      expect(await queue.drain('q')).toBe(1);
      expect(seen).toEqual([2]);
      expect((await queue.get(id))?.state).toBe('done');
      release();
      await stuck;
    });

    it('a job whose worker died during its last attempt is failed when the lease expires, not run again', async () => {
      const dead = h.makeQueue();
      let release!: () => void;
      let started = false;
      dead.handle(
        'q',
        async () => {
          started = true;
          await new Promise<void>((res) => (release = res));
        },
        { leaseMs: 5000 },
      );
      const { id } = await queue.enqueue({ queue: 'q', payload: 'x', maxAttempts: 1 });
      const stuck = dead.drain('q');
      while (!started) await new Promise((r) => setTimeout(r, 5));
      const seen: number[] = [];
      queue.handle('q', async (job) => void seen.push(job.attempt), { leaseMs: 5000 });
      h.clock.advance(5001);
      expect(await queue.drain('q')).toBe(0);
      expect(seen).toEqual([]);
      const info = await queue.get(id);
      expect([info?.state, info?.attempts]).toEqual(['failed', 1]);
      expect(info?.lastError).toMatch(/lease expired/);
      release();
      await stuck;
    });

    it('the late outcome of an attempt whose lease expired never overwrites the newer attempt, and a process never re-runs a job it is still running', async () => {
      const slow = h.makeQueue();
      let release!: (fail: boolean) => void;
      let started = false;
      slow.handle(
        'q',
        async () => {
          started = true;
          if (await new Promise<boolean>((res) => (release = res))) throw new Error('late failure of the first attempt');
        },
        { leaseMs: 5000 },
      );
      const first = await queue.enqueue({ queue: 'q', payload: 'a', maxAttempts: 5 });
      const stuck = slow.drain('q');
      while (!started) await new Promise((r) => setTimeout(r, 5));
      h.clock.advance(5001);
      // The lease expired, but this process still runs the job: it does not take it a second time.
      expect(await slow.drain('q')).toBe(0);
      // Another process takes it (attempt 2) and completes it.
      const seen: number[] = [];
      queue.handle('q', async (job) => void seen.push(job.attempt), { leaseMs: 5000 });
      expect(await queue.drain('q')).toBe(1);
      expect(seen).toEqual([2]);
      // The first attempt ends late with a failure: the job stays done, attempt 2's outcome stands.
      release(true);
      await stuck;
      const info = await queue.get(first.id);
      expect([info?.state, info?.attempts]).toEqual(['done', 2]);
      h.clock.advance(600_000);
      expect(await queue.drain('q')).toBe(0);
      expect(seen).toEqual([2]);
      await slow.stop();
    });

    it('a failed job waits in the dead-letter list with its reason until retried, and does not hold back the other jobs', async () => {
      let fixed = false;
      queue.handle('q', async (job: JobContext<string>) => {
        if (job.payload === 'poison' && !fixed) throw new PermanentFailure(`cannot store item 2 (attempt ${job.attempt})`);
      });
      const poison = await queue.enqueue({ queue: 'q', payload: 'poison', projectId: 'p1' });
      const good = await queue.enqueue({ queue: 'q', payload: 'good', projectId: 'p1' });
      expect(await queue.drain('q')).toBe(2);
      expect((await queue.get(good.id))?.state).toBe('done');
      const dead = await queue.dead({ projectId: 'p1' });
      expect(dead.map((j) => [j.id, j.state, j.queue, j.projectId])).toEqual([[poison.id, 'failed', 'q', 'p1']]);
      expect(dead[0].lastError).toContain('cannot store item 2 (attempt 1)');
      expect(await queue.dead({ projectId: 'other' })).toEqual([]);
      expect(await queue.retry(good.id)).toBeUndefined(); // only failed jobs are retried
      // Retried before the cause is fixed: it fails again and is parked again, attempts counted from zero.
      const retried = await queue.retry(poison.id);
      expect([retried?.state, retried?.attempts]).toEqual(['pending', 0]);
      expect(await queue.drain('q')).toBe(1);
      expect((await queue.dead()).map((j) => [j.id, j.attempts, j.lastError])).toEqual([[poison.id, 1, 'PermanentFailure: cannot store item 2 (attempt 1)']]);
      fixed = true;
      await queue.retry(poison.id);
      expect(await queue.drain('q')).toBe(1);
      expect((await queue.get(poison.id))?.state).toBe('done');
      expect(await queue.dead()).toEqual([]);
      expect((await queue.stats()).find((s) => s.queue === 'q')?.counts).toMatchObject({ done: 2, failed: 0, pending: 0 });
    });

    it('started workers run jobs as they are added, up to the concurrency, and stop() waits for them', async () => {
      let running = 0;
      let peak = 0;
      const done: number[] = [];
      queue.handle(
        'q',
        async (job: JobContext<number>) => {
          running++;
          peak = Math.max(peak, running);
          await new Promise((r) => setTimeout(r, 20));
          running--;
          done.push(job.payload);
        },
        { concurrency: 3 },
      );
      await queue.start();
      await Promise.all(Array.from({ length: 10 }, (_, i) => queue.enqueue({ queue: 'q', payload: i })));
      const deadline = Date.now() + 10_000;
      while (done.length < 10 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
      await queue.stop();
      expect(done.sort((a, b) => a - b)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
      expect(peak).toBeLessThanOrEqual(3);
      expect(peak).toBeGreaterThan(1);
      expect((await queue.counts('q')).done).toBe(10);
    });

    it('jobs survive a restart: a new queue on the same store runs them', async () => {
      await queue.enqueue({ queue: 'q', payload: 'persisted' });
      const after = h.makeQueue();
      const seen: unknown[] = [];
      after.handle('q', async (job) => void seen.push(job.payload));
      expect(await after.drain('q')).toBe(1);
      expect(seen).toEqual(['persisted']);
    });
  });
}
