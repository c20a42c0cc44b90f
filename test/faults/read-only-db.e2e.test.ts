import type { ChildProcess } from 'node:child_process';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { pino } from 'pino';
import { loadConfig } from '../../src/platform/config.ts';
import { createRuntime } from '../../src/runtime.ts';
import { exited, freePort, startMaru } from '../helpers/process.ts';

/**
 * The database file becomes read-only under a running maru (issue 14; docs/operations.md "The database file is
 * read-only"), for real: the data dir is a small ext4 file system (a loop-mounted image), and the database file and
 * its WAL are made immutable (chattr +i) while maru runs — a mount cannot be made read-only under open files (EBUSY),
 * a file can. ext4 then refuses every write to them, on the descriptors already open too (EPERM, which SQLite reports
 * as SQLITE_IOERR; tmpfs would not: it checks the flag only at open); reads keep working. maru must acknowledge
 * nothing it did not store, answer 503 with Retry-After, fail /readyz naming the cause, and recover without a
 * restart once the file is writable again (chattr -i). Needs root (mount, loop devices, mkfs.ext4, chattr); skipped
 * otherwise.
 */
const root = process.getuid?.() === 0 && process.platform === 'linux';

let base: string;
let image: string;
let mounted = false;
beforeAll(() => {
  if (!root) return;
  base = mkdtempSync(join(tmpdir(), 'maru-ro-'));
  image = `${base}.img`;
  execFileSync('truncate', ['-s', '64M', image]);
  execFileSync('mkfs.ext4', ['-q', '-F', image]);
  execFileSync('mount', ['-o', 'loop', image, base]);
  mounted = true;
});
afterAll(() => {
  if (!root) return;
  if (mounted) {
    try {
      execFileSync('chattr', ['-R', '-i', base]);
    } catch {
      // nothing immutable left
    }
    execFileSync('umount', [base]);
  }
  rmSync(base, { recursive: true, force: true });
  rmSync(image, { force: true });
});

test.skipIf(!root)(
  'a database file made read-only while maru runs: 503 with Retry-After, /readyz fails naming the cause, no false acknowledgment, recovery without restart',
  async () => {
    const dataDir = join(base, 'data');
    mkdirSync(dataDir);
    const runtime = await createRuntime(loadConfig({ MARU_DATA_DIR: dataDir }), { log: pino({ level: 'silent' }) });
    const { project, credentials } = await runtime.projects.create({ name: 'read-only' });
    await runtime.close();

    const port = await freePort();
    const logs: string[] = [];
    const server: ChildProcess = await startMaru({ port, dataDir, env: { MARU_LOG_LEVEL: 'warn' }, onLog: (l) => logs.push(l) });
    const url = (path: string) => `http://127.0.0.1:${port}${path}`;
    const dbFiles = [join(dataDir, 'maru.db'), join(dataDir, 'maru.db-wal')];
    const acknowledged: string[] = [];
    let n = 0;
    const post = async () => {
      const key = `evt-${n++}`;
      const r = await fetch(url(`/v1/api/events?project_id=${project.id}`), {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${credentials.api_key}` },
        body: JSON.stringify({ events: [{ user_id: `user-${n % 3}`, event_id: key, name: 'page_view' }] }),
      });
      const body = (await r.json()) as { error?: { code: string } };
      if (r.status === 202) acknowledged.push(key);
      return { status: r.status, retryAfter: r.headers.get('retry-after'), body };
    };
    const admin = async () => (await fetch(url(`/admin/v1/projects/${project.id}`), { headers: { authorization: 'Bearer none' } })).status;
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
    const stored = () => {
      const db = new DatabaseSync(join(dataDir, 'maru.db'), { readOnly: true });
      try {
        const keys = (db.prepare('select event_key from events where project_id = ?').all(project.id) as { event_key: string }[]).map((r) => r.event_key);
        const pending = (db.prepare('select count(*) as n from event_batches').get() as { n: number }).n;
        return { keys, pending };
      } finally {
        db.close();
      }
    };

    try {
      expect((await post()).status).toBe(202);
      await waitFor('the first batch to be stored', async () => stored().pending === 0);
      expect((await ready()).status).toBe(200);

      // ---- read-only while running ----
      execFileSync('chattr', ['+i', ...dbFiles]);
      const answers = [];
      for (let i = 0; i < 10; i++) answers.push(await post());
      expect(answers.map((a) => [a.status, a.retryAfter, a.body.error?.code])).toEqual(Array(10).fill([503, '5', 'unavailable']));
      const notReady = await ready();
      expect(notReady.status).toBe(503);
      expect(notReady.body).toMatchObject({ status: 'unavailable', store: 'sqlite', cause: 'SQLITE_IOERR' });
      expect(await admin()).toBe(401); // the process keeps serving: requests that need no write answer as usual
      const text = logs.join('\n');
      expect(text).toContain('SQLITE_IOERR');
      expect(text).not.toContain('unexpected error');
      expect(text).not.toContain('cannot rollback');

      // ---- writable again: ready without a restart, writes acknowledged, everything acknowledged stored ----
      execFileSync('chattr', ['-i', ...dbFiles]);
      await waitFor('/readyz to recover', async () => (await ready()).status === 200);
      expect((await post()).status).toBe(202);
      await waitFor('accepted batches to be stored', async () => stored().pending === 0);
      expect(new Set(stored().keys)).toEqual(new Set(acknowledged));
      expect(acknowledged).toEqual(['evt-0', 'evt-11']);
    } finally {
      try {
        execFileSync('chattr', ['-i', ...dbFiles]);
      } catch {
        // already writable
      }
      server.kill('SIGTERM');
      await exited(server);
    }
  },
  120_000,
);
