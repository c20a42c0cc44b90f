import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import pg from 'pg';
import { pino } from 'pino';
import { Queue as BullQueue, type ConnectionOptions } from 'bullmq';
import { loadConfig } from '../../src/platform/config.ts';
import { createRuntime } from '../../src/runtime.ts';
import { redisOptionsFromUrl } from '../../src/platform/queue/bullmq.queue.ts';
import { TEST_DATABASE_URL, TEST_REDIS_URL, createTestDatabase, deleteRedisKeys, testRedisPrefix } from '../helpers/scale.ts';

/**
 * Scale mode end to end (issue 9): two API processes and two worker processes (`maru start --role api|worker`,
 * real sockets, real child processes) on one PostgreSQL database and one Redis.
 *
 * - `maru migrate` run twice at once: both succeed (advisory lock).
 * - Roles: workers answer only health and metrics; API processes serve the faces.
 * - DFINERY import load spread over both API processes against a low shared limit: per rate-limit window the
 *   acknowledged events never exceed the limit (and reach it exactly: counting is exact across processes), and every
 *   acknowledged event is stored exactly once; one profile per person although both processes saw each person at once.
 * - Marketap events (202, stored by workers through the queue) while one worker is killed with SIGKILL in the middle
 *   of a batch it is running: the other worker takes the batch over once its lease lapses; every accepted event is
 *   stored exactly once.
 *
 * Runs when MARU_TEST_DATABASE_URL and MARU_TEST_REDIS_URL are set (.ci/scale.sh).
 */

const ROOT = resolve(import.meta.dirname, '../..');
const NODE = join(ROOT, 'node_modules/.bin/node');
const MAIN = join(ROOT, 'src/cli/main.ts');

interface Proc {
  name: string;
  child: ChildProcess;
  port: number;
  url: string;
}

const freePort = () =>
  new Promise<number>((done, fail) => {
    const s = createServer();
    s.once('error', fail);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => done(port));
    });
  });

const exited = (child: ChildProcess) =>
  new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((done) => {
    if (child.exitCode !== null || child.signalCode !== null) return done({ code: child.exitCode, signal: child.signalCode });
    child.once('exit', (code, signal) => done({ code, signal }));
  });

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe.skipIf(!TEST_DATABASE_URL || !TEST_REDIS_URL)('scale mode: two API and two worker processes on PostgreSQL and Redis', () => {
  let database: Awaited<ReturnType<typeof createTestDatabase>>;
  let prefix: string;
  let dataDir: string;
  let env: NodeJS.ProcessEnv;
  let sqlClient: pg.Client;
  const procs: Proc[] = [];
  let dfinery: { projectId: string; importToken: string };
  let marketap: { projectId: string; apiKey: string };
  const LIMIT = 200; // event_ingest per minute, shared by both API processes

  const q = async <T extends pg.QueryResultRow>(text: string, ...values: unknown[]) => (await sqlClient.query<T>(text, values)).rows;

  async function start(name: string, role: 'api' | 'worker'): Promise<Proc> {
    const port = await freePort();
    const child = spawn(NODE, [MAIN, 'start', '--role', role, '--port', String(port)], {
      cwd: ROOT,
      env: { ...env, MARU_HOST: '127.0.0.1' },
      stdio: ['ignore', 'ignore', 'inherit'],
    });
    const url = `http://127.0.0.1:${port}`;
    const deadline = Date.now() + 30_000;
    for (;;) {
      try {
        if ((await fetch(`${url}/healthz`)).status === 200) break;
      } catch {
        // not listening yet
      }
      if (child.exitCode !== null) throw new Error(`${name} exited with ${child.exitCode}`);
      if (Date.now() > deadline) throw new Error(`${name} did not become healthy`);
      await sleep(100);
    }
    const proc = { name, child, port, url };
    procs.push(proc);
    return proc;
  }

  const cli = (args: string[]) =>
    new Promise<number | null>((done) => {
      const child = spawn(NODE, [MAIN, ...args], { cwd: ROOT, env, stdio: ['ignore', 'ignore', 'inherit'] });
      child.once('exit', (code) => done(code));
    });

  beforeAll(async () => {
    database = await createTestDatabase();
    prefix = testRedisPrefix();
    dataDir = mkdtempSync(join(tmpdir(), 'maru-scale-'));
    env = {
      PATH: process.env.PATH ?? '',
      MARU_DATABASE_URL: database.url,
      MARU_REDIS_URL: TEST_REDIS_URL,
      MARU_REDIS_PREFIX: prefix,
      MARU_DATABASE_POOL_SIZE: '6',
      MARU_WORKER_LEASE: '3',
      MARU_DATA_DIR: dataDir,
      MARU_LOG_LEVEL: 'warn',
    };
    // Two `maru migrate` at once on an empty database: the advisory lock lets one apply, the other find nothing to do.
    expect(await Promise.all([cli(['migrate']), cli(['migrate'])])).toEqual([0, 0]);

    const runtime = await createRuntime(loadConfig(env), { log: pino({ level: 'silent' }) });
    try {
      const d = await runtime.projects.create({ name: 'dfinery load', settings: { limits: { event_ingest: LIMIT } } });
      dfinery = { projectId: d.project.id, importToken: d.credentials.import_token };
      const m = await runtime.projects.create({ name: 'marketap load' });
      marketap = { projectId: m.project.id, apiKey: m.credentials.api_key };
    } finally {
      await runtime.close();
    }
    sqlClient = new pg.Client({ connectionString: database.url });
    await sqlClient.connect();
    await Promise.all([start('api-1', 'api'), start('api-2', 'api'), start('worker-1', 'worker'), start('worker-2', 'worker')]);
  }, 120_000);

  afterAll(async () => {
    for (const p of procs) {
      if (p.child.exitCode === null && p.child.signalCode === null) {
        p.child.kill('SIGKILL');
        await exited(p.child);
      }
    }
    await sqlClient?.end();
    await database?.drop();
    if (prefix) await deleteRedisKeys(TEST_REDIS_URL!, prefix);
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  });

  const proc = (name: string) => procs.find((p) => p.name === name)!;

  test('workers serve only health and metrics; API processes serve the faces', async () => {
    for (const name of ['worker-1', 'worker-2']) {
      const w = proc(name);
      expect((await fetch(`${w.url}/healthz`)).status).toBe(200);
      expect(await (await fetch(`${w.url}/readyz`)).json()).toEqual({ status: 'ok', store: 'postgres' });
      expect(await (await fetch(`${w.url}/metrics`)).text()).toContain('maru_http_request_duration_seconds');
      const face = await fetch(`${w.url}/api/v1/events?service_id=${dfinery.projectId}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', access_token: dfinery.importToken },
        body: '{}',
      });
      expect(face.status).toBe(404);
      expect((await fetch(`${w.url}/v1/api/events?project_id=${marketap.projectId}`, { method: 'POST' })).status).toBe(404);
      expect((await fetch(`${w.url}/admin/v1/projects`)).status).toBe(404);
      expect((await fetch(`${w.url}/docs/json`)).status).toBe(404); // no API reference on a worker
    }
    for (const name of ['api-1', 'api-2']) {
      const a = proc(name);
      expect(await (await fetch(`${a.url}/readyz`)).json()).toEqual({ status: 'ok', store: 'postgres' });
      const r = await fetch(`${a.url}/api/v1/events?service_id=${dfinery.projectId}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', access_token: dfinery.importToken },
        body: '{}',
      });
      // Reached the face: a body without events is refused in DFINERY's envelope.
      expect({ status: r.status, envelope: ((await r.json()) as { status: boolean }).status }).toEqual({ status: 200, envelope: false });
    }
  });

  test('DFINERY import over both API processes: the shared limit is never exceeded and every acknowledged event is stored once', async () => {
    // Keep the burst inside one minute window when possible (the assertions hold per window either way).
    const intoMinute = Date.now() % 60_000;
    if (intoMinute > 40_000) await sleep(60_000 - intoMinute + 200);

    const PER_REQUEST = 5;
    const REQUESTS = 80; // 400 events asked for, twice the limit
    const PEOPLE = 10;
    const now = Date.now();
    type Outcome = { i: number; api: string; status: number; code: string; reset: number; keys: string[] };
    const send = async (i: number): Promise<Outcome> => {
      const api = proc(i % 2 === 0 ? 'api-1' : 'api-2');
      const keys = Array.from({ length: PER_REQUEST }, (_, j) => `dfn-${i}-${j}`);
      const person = i % PEOPLE;
      const r = await fetch(`${api.url}/api/v1/events?service_id=${dfinery.projectId}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', access_token: dfinery.importToken },
        body: JSON.stringify({
          common: { identity: { external_id: `person-${person}`, email: `person${person}@example.com` } },
          events: keys.map((k, j) => ({
            event_log_id: k,
            event_name: 'df_login',
            event_datetime: new Date(now - 1000 + i * 10 + j).toISOString(),
            event_properties: null,
            event_items: null,
          })),
        }),
      });
      const body = (await r.json()) as { code: string };
      return { i, api: api.name, status: r.status, code: body.code, reset: Number(r.headers.get('x-ratelimit-reset')), keys };
    };
    const outcomes: Outcome[] = [];
    for (let i = 0; i < REQUESTS; i += 8) outcomes.push(...(await Promise.all(Array.from({ length: 8 }, (_, k) => send(i + k)))));

    const accepted = outcomes.filter((o) => o.status === 200 && o.code === '20000');
    const limited = outcomes.filter((o) => o.status === 429 && o.code === '40401');
    expect(accepted.length + limited.length).toBe(REQUESTS); // nothing else (no 5xx)
    expect(limited.length).toBeGreaterThan(0);
    expect(new Set(accepted.map((o) => o.api))).toEqual(new Set(['api-1', 'api-2']));
    // Per window: acknowledged events ≤ the limit; a window that refused requests was filled exactly to it.
    const windows = new Map<number, { events: number; refused: number }>();
    for (const o of outcomes) {
      const w = windows.get(o.reset) ?? { events: 0, refused: 0 };
      if (o.status === 200) w.events += PER_REQUEST;
      else w.refused++;
      windows.set(o.reset, w);
    }
    for (const [, w] of windows) {
      expect(w.events).toBeLessThanOrEqual(LIMIT);
      if (w.refused > 0) expect(w.events).toBe(LIMIT);
    }

    // Every acknowledged event is stored, once; nothing of a refused request is.
    const stored = await q<{ event_key: string; n: string }>(
      'select event_key, count(*) as n from events where project_id = $1 group by event_key',
      dfinery.projectId,
    );
    expect(stored.every((r) => Number(r.n) === 1)).toBe(true);
    expect(stored.map((r) => r.event_key).sort()).toEqual(accepted.flatMap((o) => o.keys).sort());
    // Both processes met each person at the same moment: still one profile each, holding both identifiers.
    const people = await q<{ n: string }>('select count(distinct profile_id) as n from identifiers where project_id = $1', dfinery.projectId);
    expect(Number(people[0].n)).toBe(PEOPLE);
    expect(Number((await q<{ n: string }>('select count(*) as n from profiles where project_id = $1', dfinery.projectId))[0].n)).toBe(PEOPLE);
  }, 120_000);

  test('Marketap events through the queue, a worker killed with SIGKILL mid-batch: every accepted event is stored once', async () => {
    const REQUESTS = 16;
    const PER_REQUEST = 1000;
    const bull = new BullQueue('event-batches', { connection: redisOptionsFromUrl(TEST_REDIS_URL!) as ConnectionOptions, prefix: `${prefix}:q` });
    try {
      const accept = async (i: number) => {
        const api = proc(i % 2 === 0 ? 'api-1' : 'api-2');
        const r = await fetch(`${api.url}/v1/api/events?project_id=${marketap.projectId}`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', authorization: `Bearer ${marketap.apiKey}` },
          body: JSON.stringify({
            events: Array.from({ length: PER_REQUEST }, (_, j) => ({
              user_id: `m-user-${(i * 7 + j) % 300}`,
              event_id: `m-${i}-${j}`,
              name: 'purchase',
              timestamp: new Date(Date.UTC(2026, 0, 5, 3, 0, 0) + i * PER_REQUEST + j).toISOString(),
              properties: { amount: j, sku: `sku-${j % 17}` },
            })),
          }),
        });
        expect(r.status).toBe(202);
      };
      // Load keeps arriving while a worker is killed.
      const load = (async () => {
        for (let i = 0; i < REQUESTS; i += 2) await Promise.all([accept(i), accept(i + 1)]);
      })();

      // Find a batch a worker is running right now (BullMQ records which worker process took it) and kill that worker.
      let victim: { proc: Proc; jobId: string } | undefined;
      const seenBy = new Set<number>();
      const deadline = Date.now() + 60_000;
      while (!victim && Date.now() < deadline) {
        for (const job of await bull.getActive()) {
          const pid = Number(job.processedBy?.split(':').pop());
          seenBy.add(pid);
          const p = procs.find((x) => x.name.startsWith('worker') && x.child.pid === pid);
          const row = p && (await q<{ state: string }>('select state from jobs where id = $1', job.data.id))[0];
          if (p && row?.state === 'running') {
            p.child.kill('SIGKILL');
            victim = { proc: p, jobId: job.data.id as string };
            break;
          }
        }
        if (!victim) await sleep(10);
      }
      expect(victim, 'a worker was caught running a batch').toBeDefined();
      // Only worker processes ever took a batch: the API role runs no workers.
      const workerPids = procs.filter((p) => p.name.startsWith('worker')).map((p) => p.child.pid ?? -1);
      expect([...seenBy].every((pid) => workerPids.includes(pid))).toBe(true);
      expect((await exited(victim!.proc.child)).signal).toBe('SIGKILL');
      await load;

      // The survivor stores everything, including the batch the dead worker held (after its 3 s lease).
      const until = Date.now() + 90_000;
      for (;;) {
        const left = Number((await q<{ n: string }>('select count(*) as n from event_batches where project_id = $1', marketap.projectId))[0].n);
        if (left === 0 || Date.now() > until) break;
        await sleep(250);
      }
      const stored = await q<{ n: string; keys: string }>(
        'select count(*) as n, count(distinct event_key) as keys from events where project_id = $1',
        marketap.projectId,
      );
      expect({ n: Number(stored[0].n), keys: Number(stored[0].keys) }).toEqual({ n: REQUESTS * PER_REQUEST, keys: REQUESTS * PER_REQUEST });
      const jobs = await q<{ state: string; n: string }>(
        "select state, count(*) as n from jobs where queue = 'event-batches' and project_id = $1 group by state",
        marketap.projectId,
      );
      expect(jobs.map((j) => ({ state: j.state, n: Number(j.n) }))).toEqual([{ state: 'done', n: REQUESTS }]);
      // The batch the killed worker was running ran again (a second attempt) and completed.
      const taken = await q<{ state: string; attempts: number }>('select state, attempts from jobs where id = $1', victim!.jobId);
      expect(taken[0].state).toBe('done');
      expect(taken[0].attempts).toBeGreaterThanOrEqual(2);
    } finally {
      await bull.close();
    }
  }, 180_000);
});
