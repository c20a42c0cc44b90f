import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { pino } from 'pino';
import { loadConfig } from '../../src/platform/config.ts';
import { createRuntime } from '../../src/runtime.ts';
import { exited, freePort, startMaru } from '../helpers/process.ts';

/**
 * Kill -9 between the 202 and the processing (issue 4, D13): a real server runs with MARU_ROLE=api, so no worker
 * takes the queued batches; it accepts Marketap event requests (202) and is killed with SIGKILL. Restarted with
 * MARU_ROLE=all on the same data dir, its worker stores every accepted event exactly once, and runs the deletion job
 * accepted before the kill (after storing the events sent before it). A retried request with event_id and timestamp
 * adds nothing.
 */

let dataDir: string;
let port: number;
let server: ChildProcess | undefined;
let projectId: string;
let apiKey: string;

const startServer = (role: 'api' | 'all') => startMaru({ port, dataDir, env: { MARU_ROLE: role } });

async function postEvents(events: object[]): Promise<{ status: number; body: { job_id?: string; accepted?: number } }> {
  const r = await fetch(`http://127.0.0.1:${port}/v1/api/events?project_id=${projectId}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${apiKey}` },
    body: JSON.stringify({ events }),
  });
  return { status: r.status, body: (await r.json()) as { job_id?: string; accepted?: number } };
}

/** Reads the data dir's database through its own read-only connection (WAL: sees every committed write). */
function query<T>(sqlText: string, ...params: (string | number)[]): T[] {
  const db = new DatabaseSync(join(dataDir, 'maru.db'), { readOnly: true });
  try {
    return db.prepare(sqlText).all(...params) as T[];
  } finally {
    db.close();
  }
}

beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'maru-marketap-crash-'));
  port = await freePort();
  const runtime = await createRuntime(loadConfig({ MARU_DATA_DIR: dataDir }), { log: pino({ level: 'silent' }) });
  const { project, credentials } = await runtime.projects.create({ name: 'crash' });
  await runtime.close();
  projectId = project.id;
  apiKey = credentials.api_key;
});

afterAll(async () => {
  if (server && server.exitCode === null && server.signalCode === null) {
    server.kill('SIGKILL');
    await exited(server);
  }
  rmSync(dataDir, { recursive: true, force: true });
});

test('events acknowledged with 202 by a process killed before any worker ran are stored exactly once after restart', async () => {
  server = await startServer('api');
  const requests = [
    Array.from({ length: 200 }, (_, i) => ({
      user_id: `user-${i % 7}`,
      name: 'purchase',
      timestamp: new Date(Date.UTC(2025, 0, 17, 5, 0, i % 60)).toISOString(),
      properties: { amount: i },
    })),
    Array.from({ length: 100 }, (_, i) => ({ device_id: `device-${i % 5}`, name: 'app_open' })), // no timestamp: fixed at acceptance
    Array.from({ length: 50 }, (_, i) => ({
      user_id: 'retrier',
      event_id: `evt-${i}`,
      name: 'page_view',
      timestamp: `2025-01-17T05:39:${String(i).padStart(2, '0')}+09:00`,
    })),
  ];
  const jobIds: string[] = [];
  for (const events of requests) {
    const r = await postEvents(events);
    expect(r.status).toBe(202);
    expect(r.body.accepted).toBe(events.length);
    jobIds.push(r.body.job_id!);
  }
  // A deletion requested after those events, also acknowledged before the kill.
  const deletion = await fetch(`http://127.0.0.1:${port}/v1/api/profile/user/deletion-job?project_id=${projectId}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${apiKey}` },
    body: JSON.stringify({ user_id: 'user-6' }),
  });
  expect(deletion.status).toBe(202);
  const deletionJobId = ((await deletion.json()) as { job_id: string }).job_id;
  // Acknowledged and durable, not processed: no worker runs in the api role.
  expect(query<{ n: number }>('SELECT count(*) AS n FROM events WHERE project_id = ?', projectId)[0].n).toBe(0);
  expect(query<{ id: string }>('SELECT id FROM event_batches WHERE project_id = ? ORDER BY id', projectId).map((r) => r.id)).toEqual([...jobIds].sort());

  server.kill('SIGKILL');
  expect((await exited(server)).signal).toBe('SIGKILL');

  server = await startServer('all');
  const deadline = Date.now() + 30_000;
  while (query<{ n: number }>('SELECT count(*) AS n FROM event_batches').at(0)!.n > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));

  const status = async () => {
    const r = await fetch(`http://127.0.0.1:${port}/v1/api/profile/user/deletion-job/${deletionJobId}?project_id=${projectId}`, {
      headers: { authorization: `Bearer ${apiKey}` },
    });
    return (await r.json()) as { status: string; deleted: number; counts: { events: number } };
  };
  while ((await status()).status !== 'completed' && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
  // user-6 had 28 of the first request's events (i % 7 === 6): stored, then erased by the deletion requested after them.
  expect(await status()).toMatchObject({ status: 'completed', deleted: 1, counts: { events: 28 } });

  const stored = query<{ n: number; keys: number }>('SELECT count(*) AS n, count(DISTINCT event_key) AS keys FROM events WHERE project_id = ?', projectId)[0];
  expect(stored).toEqual({ n: 322, keys: 322 });
  const perJob = jobIds.map(
    (id) => query<{ n: number }>("SELECT count(*) AS n FROM events WHERE project_id = ? AND event_key LIKE ? || ':%'", projectId, id)[0].n,
  );
  expect(perJob).toEqual([172, 100, 0]); // the third request's events carry their event_id
  expect(query<{ n: number }>("SELECT count(*) AS n FROM events WHERE project_id = ? AND event_key LIKE 'evt-%'", projectId)[0].n).toBe(50);
  expect(query<{ state: string; n: number }>("SELECT state, count(*) AS n FROM jobs WHERE queue = 'event-batches' GROUP BY state")).toEqual([
    { state: 'done', n: 3 },
  ]);

  // The client retries the third request (it never saw the answer, say): nothing new is stored.
  const retry = await postEvents(requests[2]);
  expect(retry.status).toBe(202);
  const until = Date.now() + 30_000;
  while (query<{ n: number }>('SELECT count(*) AS n FROM event_batches').at(0)!.n > 0 && Date.now() < until) await new Promise((r) => setTimeout(r, 100));
  expect(query<{ n: number }>('SELECT count(*) AS n FROM events WHERE project_id = ?', projectId)[0].n).toBe(322);

  server.kill('SIGTERM');
  expect((await exited(server)).code).toBe(0);
}, 90_000);
