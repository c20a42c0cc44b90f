import type { ChildProcess } from 'node:child_process';
import { execFileSync, spawnSync } from 'node:child_process';
import { closeSync, mkdirSync, mkdtempSync, openSync, rmSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { pino } from 'pino';
import { loadConfig } from '../../src/platform/config.ts';
import { createRuntime } from '../../src/runtime.ts';
import { SqliteStore } from '../../src/platform/db/sqlite.store.ts';
import { LocalQueue } from '../../src/platform/queue/local.queue.ts';
import { systemClock } from '../../src/platform/clock.ts';
import { MAIN, NODE, exited, freePort, startMaru } from '../helpers/process.ts';

/**
 * Disk full and a read-only database (issue 14), for real: the data dir is a small tmpfs; a filler file takes its last
 * byte, then the mount is made read-only. maru must not acknowledge what it did not store, must say why in its log
 * (SQLITE_FULL / SQLITE_READONLY), fail /readyz, answer 503 with Retry-After in the face's envelope, back off its
 * queue, and recover without a restart when space (or write access) returns. Needs root (mount); skipped otherwise.
 */
const root = process.getuid?.() === 0 && process.platform === 'linux';

let base: string;
let mounted = false;
const mount = (dir: string, size: string) => {
  execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${size}`, 'tmpfs', dir]);
  mounted = true;
};
const remount = (dir: string, mode: 'ro' | 'rw') => execFileSync('mount', ['-o', `remount,${mode}`, dir]);

/** Fills the file system of `dir` to the last byte; returns the filler's path. */
function fill(dir: string): string {
  const path = join(dir, 'filler');
  const fd = openSync(path, 'w');
  const chunk = Buffer.alloc(64 * 1024, 1);
  try {
    for (;;) writeSync(fd, chunk);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOSPC') throw e;
    // the last partial chunk
    try {
      for (;;) writeSync(fd, chunk.subarray(0, 512));
    } catch {
      // full
    }
  } finally {
    closeSync(fd);
  }
  return path;
}

beforeAll(() => {
  if (!root) return;
  base = mkdtempSync(join(tmpdir(), 'maru-disk-'));
});

afterAll(() => {
  if (!root) return;
  if (mounted) {
    try {
      remount(base, 'rw');
    } catch {
      // not mounted any more
    }
    execFileSync('umount', ['-l', base]);
  }
  rmSync(base, { recursive: true, force: true });
});

test.skipIf(!root)(
  'a full disk: 503 with Retry-After, /readyz fails, the log names the cause, no false acknowledgment, recovery without restart; a read-only database: one clear line',
  async () => {
    mount(base, '6m');
    const dataDir = join(base, 'data');
    mkdirSync(dataDir);
    const runtime = await createRuntime(loadConfig({ MARU_DATA_DIR: dataDir }), { log: pino({ level: 'silent' }) });
    const { project, credentials } = await runtime.projects.create({ name: 'disk' });
    await runtime.close();

    const port = await freePort();
    const logs: string[] = [];
    let server: ChildProcess = await startMaru({ port, dataDir, env: { MARU_LOG_LEVEL: 'warn' }, onLog: (l) => logs.push(l) });
    const url = (path: string) => `http://127.0.0.1:${port}${path}`;
    let n = 0;
    const acknowledged: string[] = [];
    const post = async () => {
      const key = `evt-${n++}`;
      const r = await fetch(url(`/v1/api/events?project_id=${project.id}`), {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${credentials.api_key}` },
        body: JSON.stringify({ events: [{ user_id: `user-${n % 5}`, event_id: key, name: 'page_view', properties: { pad: 'x'.repeat(200) } }] }),
      });
      const body = (await r.json()) as { error?: { code: string; message: string } };
      if (r.status === 202) acknowledged.push(key);
      return { status: r.status, retryAfter: r.headers.get('retry-after'), body };
    };
    const ready = async () => {
      const r = await fetch(url('/readyz'));
      return { status: r.status, body: (await r.json()) as { status: string; cause?: string } };
    };
    const waitFor = async (what: string, ok: () => Promise<boolean>, ms = 20_000) => {
      const deadline = Date.now() + ms;
      while (!(await ok())) {
        if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
        await new Promise((r) => setTimeout(r, 100));
      }
    };
    const storedKeys = () => {
      const db = new DatabaseSync(join(dataDir, 'maru.db'), { readOnly: true });
      try {
        return (db.prepare('select event_key from events where project_id = ?').all(project.id) as { event_key: string }[]).map((r) => r.event_key);
      } finally {
        db.close();
      }
    };
    const pendingBatches = () => {
      const db = new DatabaseSync(join(dataDir, 'maru.db'), { readOnly: true });
      try {
        return (db.prepare('select count(*) as n from event_batches').get() as { n: number }).n;
      } finally {
        db.close();
      }
    };

    try {
      expect((await post()).status).toBe(202);
      expect((await ready()).status).toBe(200);

      // ---- disk full ----
      const filler = fill(base);
      const answers = [];
      for (let i = 0; i < 40; i++) answers.push(await post());
      const refused = answers.filter((a) => a.status !== 202);
      expect(refused.length).toBeGreaterThan(0);
      for (const a of refused) {
        expect(a.status).toBe(503);
        expect(a.retryAfter).toBe('5');
        expect(a.body.error?.code).toBe('unavailable');
      }
      const notReady = await ready();
      expect(notReady).toEqual({ status: 503, body: { status: 'unavailable', store: 'sqlite', cause: 'SQLITE_FULL' } });
      const text = logs.join('\n');
      expect(text).toContain('SQLITE_FULL');
      expect(text).not.toContain('cannot rollback');
      expect(text).not.toContain('unexpected error');

      // ---- space returns: ready again without a restart, writes acknowledged, everything acknowledged stored ----
      rmSync(filler);
      await waitFor('/readyz to recover', async () => (await ready()).status === 200);
      const after = await post();
      expect(after.status).toBe(202);
      await waitFor('accepted batches to be stored', async () => pendingBatches() === 0);
      expect(new Set(storedKeys())).toEqual(new Set(acknowledged));

      // ---- read-only ----
      // A live file system cannot be made read-only under open files (EBUSY), so the read-only case is a start on a
      // read-only mount: one clear line naming the cause, no stack, exit 1; writable again, it starts and serves.
      server.kill('SIGTERM');
      await exited(server);
      remount(base, 'ro');
      const refusedStart = spawnSync(NODE, [MAIN, 'start'], {
        env: { PATH: process.env.PATH ?? '', PORT: String(port), MARU_HOST: '127.0.0.1', MARU_DATA_DIR: dataDir, MARU_LOG_LEVEL: 'warn' },
        encoding: 'utf8',
        timeout: 20_000,
      });
      expect(refusedStart.status).toBe(1);
      expect(refusedStart.stderr.trim().split('\n')).toEqual([expect.stringMatching(/^maru: the database cannot be written \(SQLITE_(CANTOPEN|READONLY)\): /)]);
      remount(base, 'rw');
      server = await startMaru({ port, dataDir, env: { MARU_LOG_LEVEL: 'warn' }, onLog: (l) => logs.push(l) });
      expect((await post()).status).toBe(202);
      await waitFor('accepted batches to be stored', async () => pendingBatches() === 0);
      expect(new Set(storedKeys())).toEqual(new Set(acknowledged));
    } finally {
      if (server.exitCode === null && server.signalCode === null) {
        server.kill('SIGTERM');
        await exited(server);
      }
    }
  },
  120_000,
);

test.skipIf(!root)(
  'the queue backs off while the database cannot write, logging the cause once, and runs its jobs when space returns',
  async () => {
    const dir = join(base, 'queue');
    mkdirSync(dir);
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=3m', 'tmpfs', dir]);
    try {
      const store = new SqliteStore({ path: join(dir, 'maru.db') });
      await store.migrate();
      const lines: { level: number; msg: string; cause?: string }[] = [];
      const log = pino({ level: 'info' }, { write: (l: string) => void lines.push(JSON.parse(l)) });
      const queue = new LocalQueue({ store, clock: systemClock, log, pollMs: 20 });
      const ran: number[] = [];
      queue.handle('q', async (job) => void ran.push(job.payload as number));
      // Jobs wait, the disk fills, then the workers start: every claim (a write) fails.
      for (let i = 0; i < 3; i++) await queue.enqueue({ queue: 'q', payload: i });
      const filler = fill(dir);
      await queue.start();
      await new Promise((r) => setTimeout(r, 1500));
      const failures = lines.filter((l) => l.level >= 50);
      // Unbacked, a 20 ms poll would have logged ~75 errors; backed off (20 ms·2^n) it logs one, with its cause.
      expect(failures.map((l) => l.cause)).toEqual(['SQLITE_FULL']);
      expect(failures[0].msg).toMatch(/claiming jobs of queue q failed \(SQLITE_FULL\); retrying with backoff/);
      expect(ran).toEqual([]);
      rmSync(filler);
      const deadline = Date.now() + 40_000;
      while (ran.length < 3 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
      expect(ran.sort()).toEqual([0, 1, 2]);
      expect(lines.some((l) => l.msg === 'claiming jobs of queue q works again')).toBe(true);
      await queue.stop();
      await store.close();
    } finally {
      execFileSync('umount', ['-l', dir]);
    }
  },
  60_000,
);
