import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { request } from 'node:http';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { MAIN, NODE, ROOT, exited, freePort } from '../helpers/process.ts';

/**
 * maru as an operator runs it: a real process (`npm start`, `node src/cli/main.ts start`) on a free port with a
 * temp data dir, spoken to over a real socket. Proves start-up, health, readiness, metrics, the seed example end
 * to end, and graceful shutdown on SIGTERM (in-flight request finished and committed, exit code 0).
 */

const ADMIN = 'maru_adm_e2e-admin-token';

const SEED_EVENTS = {
  common: { identity: { external_id: 'dfn-user-123', email: 'dfn@gmail.com' } },
  events: [
    {
      event_log_id: 'b0c9cf18-f3c0-4879-bb2e-92c65858dabc',
      event_name: 'df_login',
      event_datetime: '2024-06-24T06:01:48.501Z',
      event_properties: null,
      event_items: null,
    },
    {
      event_log_id: '464bc021-9c56-481e-8ee8-3bf06de7c418',
      event_name: 'df_purchase',
      event_datetime: '2024-06-24T06:42:25.394Z',
      event_properties: { df_order_id: 'dwtfmoe', df_delivery_charge: 1000, df_payment_method: 'card', df_total_purchase_amount: 4000 },
      event_items: [{ df_item_id: '1', df_item_name: 'item1', df_price: 3000, df_quantity: 1, df_discount: 0 }],
    },
  ],
};
const OK = { status: true, code: '20000', message: 'OK', data: true };

async function waitFor(url: string, status = 200, timeoutMs = 20_000): Promise<Response> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      const r = await fetch(url);
      if (r.status === status) return r;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) throw new Error(`${url} did not answer ${status} within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

function cli(args: string[], env: Record<string, string>): Promise<string> {
  return new Promise((done, fail) =>
    execFile(NODE, [MAIN, ...args], { cwd: ROOT, env: { PATH: process.env.PATH ?? '', ...env } }, (err, stdout, stderr) =>
      err ? fail(new Error(stderr)) : done(stdout),
    ),
  );
}

let dataDir: string;
let port: number;
let base: string;
let child: ChildProcess | undefined;
let output = '';
let project: { project_id: string; credentials: { import_token: string } };

beforeEach(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'maru-e2e-'));
  port = await freePort();
  base = `http://127.0.0.1:${port}`;
  output = '';
  // The project is created with the CLI on the data dir, then served by the server on the same dir.
  project = JSON.parse(await cli(['project', 'create', '--name', 'e2e', '--json'], { MARU_DATA_DIR: dataDir, MARU_LOG_LEVEL: 'warn' }));
});

afterEach(async () => {
  if (child && child.exitCode === null && child.signalCode === null) {
    try {
      process.kill(-child.pid!, 'SIGKILL');
    } catch {
      child.kill('SIGKILL');
    }
    await exited(child);
  }
  child = undefined;
  rmSync(dataDir, { recursive: true, force: true });
});

function start(command: string, args: string[]) {
  child = spawn(command, args, {
    cwd: ROOT,
    env: {
      PATH: `${join(ROOT, 'node_modules/.bin')}:${process.env.PATH ?? ''}`,
      HOME: process.env.HOME ?? '',
      PORT: String(port),
      MARU_HOST: '127.0.0.1',
      MARU_DATA_DIR: dataDir,
      MARU_ADMIN_TOKEN: ADMIN,
      MARU_LOG_LEVEL: 'info',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true, // its own process group, as a service manager would run it
  });
  child.stdout!.on('data', (d) => (output += d));
  child.stderr!.on('data', (d) => (output += d));
  return child;
}

const postEvents = (body: unknown) =>
  fetch(`${base}/api/v1/events?service_id=${project.project_id}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', access_token: project.credentials.import_token },
    body: JSON.stringify(body),
  });

function storedEvents(): { event_key: string; name: string }[] {
  const db = new DatabaseSync(join(dataDir, 'maru.db'), { readOnly: true });
  try {
    return db.prepare('select event_key, name from events where project_id = ? order by occurred_at').all(project.project_id) as {
      event_key: string;
      name: string;
    }[];
  } finally {
    db.close();
  }
}

describe('a real server process', () => {
  test('npm start: healthz, readyz, metrics, docs, and the seed example over a real socket', async () => {
    start('npm', ['start', '--silent']);
    const health = await waitFor(`${base}/healthz`);
    expect(await health.json()).toEqual({ status: 'ok' });
    const ready = await fetch(`${base}/readyz`);
    expect([ready.status, await ready.json()]).toEqual([200, { status: 'ok', store: 'sqlite' }]);

    const r = await postEvents(SEED_EVENTS);
    expect(r.status).toBe(200);
    expect(r.headers.get('x-ratelimit-limit')).toBe('1m');
    expect(r.headers.get('x-ratelimit-remaining')).toBe('999998');
    expect(Number(r.headers.get('x-ratelimit-reset'))).toBeGreaterThan(Date.now());
    expect(await r.json()).toEqual(OK);
    expect(storedEvents()).toEqual([
      { event_key: 'b0c9cf18-f3c0-4879-bb2e-92c65858dabc', name: 'df_login' },
      { event_key: '464bc021-9c56-481e-8ee8-3bf06de7c418', name: 'df_purchase' },
    ]);

    const metrics = await fetch(`${base}/metrics`);
    expect(metrics.status).toBe(200);
    expect(metrics.headers.get('content-type')).toMatch(/^text\/plain/);
    const text = await metrics.text();
    expect(text).toMatch(/^maru_events_ingested_total\{source="api"\} 2$/m);
    expect(text).toMatch(/^maru_http_request_duration_seconds_count\{method="POST",route="\/api\/v1\/events",status="200"\} 1$/m);
    expect(text).toMatch(/^maru_store_commits \d+$/m);
    expect(text).toMatch(/^maru_process_cpu_user_seconds_total /m);

    const openapi = await fetch(`${base}/docs/json`);
    expect(openapi.status).toBe(200);
    const doc = (await openapi.json()) as { paths: Record<string, unknown> };
    expect(Object.keys(doc.paths)).toEqual(expect.arrayContaining(['/api/v1/events', '/api/v1/identities', '/api/v1/user-profile', '/admin/v1/projects']));

    const adminList = await fetch(`${base}/admin/v1/projects`, { headers: { authorization: `Bearer ${ADMIN}` } });
    expect(((await adminList.json()) as { projects: { id: string }[] }).projects.map((p) => p.id)).toEqual([project.project_id]);

    // npm does not pass SIGTERM on to its script: a service manager signals the whole group. The output pipes
    // close once every process of the group (npm, its shell, the server) has exited.
    const closed = new Promise<void>((done) => child!.once('close', () => done()));
    process.kill(-child!.pid!, 'SIGTERM');
    await closed;
    expect(output).toMatch(/"msg":"stopped"/);
  });

  test('SIGTERM finishes an in-flight request, commits it, stops listening, and exits 0', async () => {
    const proc = start(NODE, [MAIN, 'start']);
    await waitFor(`${base}/healthz`);

    const body = Buffer.from(JSON.stringify(SEED_EVENTS));
    const half = Math.floor(body.length / 2);
    let sendRest!: () => void;
    const response = new Promise<{ status: number; body: string }>((done, fail) => {
      const req = request(
        {
          host: '127.0.0.1',
          port,
          method: 'POST',
          path: `/api/v1/events?service_id=${project.project_id}`,
          headers: { 'content-type': 'application/json', 'content-length': body.length, access_token: project.credentials.import_token, connection: 'close' },
        },
        (res) => {
          let text = '';
          res.on('data', (d) => (text += d));
          res.on('end', () => done({ status: res.statusCode!, body: text }));
        },
      );
      req.on('error', fail);
      req.write(body.subarray(0, half));
      sendRest = () => req.end(body.subarray(half));
    });
    // The server has the headers (authentication ran) and half the body when the signal comes.
    await new Promise((r) => setTimeout(r, 500));
    const exit = exited(proc);
    proc.kill('SIGTERM');

    // It stops accepting new connections while the request is still open.
    const deadline = Date.now() + 10_000;
    for (;;) {
      const refused = await new Promise<boolean>((done) => {
        const s = connect(port, '127.0.0.1');
        s.once('connect', () => {
          s.destroy();
          done(false);
        });
        s.once('error', () => done(true));
      });
      if (refused) break;
      if (Date.now() > deadline) throw new Error('server kept accepting connections after SIGTERM');
      await new Promise((r) => setTimeout(r, 50));
    }
    expect(proc.exitCode).toBeNull(); // still finishing the request

    sendRest();
    const r = await response;
    expect(r.status).toBe(200);
    expect(JSON.parse(r.body)).toEqual(OK);
    expect(await exit).toEqual({ code: 0, signal: null });
    expect(output).toMatch(/"signal":"SIGTERM"/);
    expect(output).toMatch(/"msg":"stopped"/);
    expect(storedEvents().map((e) => e.event_key)).toEqual(['b0c9cf18-f3c0-4879-bb2e-92c65858dabc', '464bc021-9c56-481e-8ee8-3bf06de7c418']);
  });

  test('a restarted server serves the data of the previous run', async () => {
    let proc = start(NODE, [MAIN, 'start']);
    await waitFor(`${base}/healthz`);
    expect(await (await postEvents(SEED_EVENTS)).json()).toEqual(OK);
    proc.kill('SIGTERM');
    expect(await exited(proc)).toEqual({ code: 0, signal: null });

    proc = start(NODE, [MAIN, 'start']);
    await waitFor(`${base}/healthz`);
    // A replay after the restart is acknowledged and not stored twice.
    expect(await (await postEvents(SEED_EVENTS)).json()).toEqual(OK);
    expect(storedEvents()).toHaveLength(2);
    proc.kill('SIGTERM');
    expect(await exited(proc)).toEqual({ code: 0, signal: null });
  });
});
