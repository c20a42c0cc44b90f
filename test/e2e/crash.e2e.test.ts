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
 * Crash test (D13): a real server process under concurrent import load is killed with SIGKILL and restarted on
 * the same data dir. Every event of an acknowledged request is stored exactly once; a request that got no answer
 * is one unit — all of its events or none; nothing else is stored. Replaying everything then duplicates nothing.
 */

const CLIENTS = 8;
const EVENTS_PER_REQUEST = 20;

interface Sent {
  body: string;
  keys: string[];
  outcome: 'acknowledged' | 'no answer' | 'rejected';
}

let dataDir: string;
let port: number;
let server: ChildProcess | undefined;
let projectId: string;
let token: string;

const startServer = () => startMaru({ port, dataDir });

function post(body: string): Promise<'acknowledged' | 'no answer' | 'rejected'> {
  return fetch(`http://127.0.0.1:${port}/api/v1/events?service_id=${projectId}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', access_token: token },
    body,
  }).then(
    async (r) => {
      const envelope = (await r.json()) as { code: string };
      return r.status === 200 && envelope.code === '20000' ? 'acknowledged' : 'rejected';
    },
    () => 'no answer' as const,
  );
}

function stored(): Map<string, number> {
  const db = new DatabaseSync(join(dataDir, 'maru.db'), { readOnly: true });
  try {
    // What is durably stored: the query table plus the ingest log's rows not yet merged into it (the merge stores
    // each (occurred_at, key) of the log once, and none that `events` already holds: docs/design.md).
    const rows = db
      .prepare(
        `select event_key, count(*) as n from (
           select event_key from events where project_id = ?
           union all
           select event_key from (select distinct l.event_key, l.occurred_at from event_log l where l.project_id = ?
             and not exists (select 1 from events e where e.project_id = l.project_id and e.event_key = l.event_key and e.occurred_at = l.occurred_at))
         ) group by event_key`,
      )
      .all(projectId, projectId) as { event_key: string; n: number }[];
    return new Map(rows.map((r) => [r.event_key, Number(r.n)]));
  } finally {
    db.close();
  }
}

beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'maru-crash-'));
  port = await freePort();
  const rt = await createRuntime(loadConfig({ MARU_LOG_LEVEL: 'silent' }, { dataDir }), { log: pino({ level: 'silent' }) });
  const { project, credentials } = await rt.projects.create({ name: 'crash' });
  await rt.close();
  projectId = project.id;
  token = credentials.import_token;
});

afterAll(async () => {
  if (server && server.exitCode === null && server.signalCode === null) {
    server.kill('SIGKILL');
    await exited(server);
  }
  rmSync(dataDir, { recursive: true, force: true });
});

test('SIGKILL under concurrent import load loses no acknowledged event and splits no request', async () => {
  server = await startServer();
  const sent: Sent[] = [];
  let acknowledged = 0;
  let killed = false;
  const base = Date.UTC(2025, 0, 6, 0, 0, 0);

  const client = async (c: number) => {
    for (let n = 0; !killed; n++) {
      const keys = Array.from({ length: EVENTS_PER_REQUEST }, (_, i) => `c${c}-r${n}-e${i}`);
      const body = JSON.stringify({
        common: { identity: { external_id: `crash-client-${c}` } },
        events: keys.map((key, i) => ({
          event_log_id: key,
          event_name: i % 2 ? 'df_login' : 'df_view_home',
          event_datetime: new Date(base + c * 1_000_000 + n * 100 + i).toISOString(),
        })),
      });
      const record: Sent = { body, keys, outcome: 'no answer' };
      sent.push(record);
      record.outcome = await post(body);
      if (record.outcome === 'acknowledged') acknowledged++;
      if (record.outcome === 'no answer') return;
    }
  };
  const clients = Array.from({ length: CLIENTS }, (_, c) => client(c));

  // Kill it in the middle of the load: once a good number of requests were acknowledged.
  const deadline = Date.now() + 15_000;
  while (acknowledged < 60 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
  expect(acknowledged).toBeGreaterThanOrEqual(60);
  const victim = server;
  victim.kill('SIGKILL');
  killed = true;
  expect(await exited(victim)).toEqual({ code: null, signal: 'SIGKILL' });
  await Promise.all(clients);

  const unanswered = sent.filter((s) => s.outcome === 'no answer');
  expect(sent.filter((s) => s.outcome === 'rejected')).toEqual([]);
  expect(unanswered.length).toBeGreaterThan(0); // requests were in flight when it died

  server = await startServer();
  const afterCrash = stored();

  // Every event of an acknowledged request: stored exactly once.
  for (const s of sent.filter((x) => x.outcome === 'acknowledged')) {
    for (const key of s.keys) expect(afterCrash.get(key), key).toBe(1);
  }
  // A request that got no answer is one unit: all of its events or none.
  let committedUnanswered = 0;
  for (const s of unanswered) {
    const present = s.keys.filter((k) => afterCrash.has(k)).length;
    expect([0, EVENTS_PER_REQUEST], `request ${s.keys[0]}`).toContain(present);
    for (const key of s.keys) if (afterCrash.has(key)) expect(afterCrash.get(key)).toBe(1);
    if (present) committedUnanswered++;
  }
  // Nothing else.
  const sentKeys = new Set(sent.flatMap((s) => s.keys));
  expect([...afterCrash.keys()].filter((k) => !sentKeys.has(k))).toEqual([]);
  console.info(
    `crash test: ${sent.length} requests, ${acknowledged} acknowledged, ${unanswered.length} unanswered (${committedUnanswered} of them committed), ${afterCrash.size} events stored`,
  );

  // Replaying everything (what a client does after an outage) stores each event exactly once.
  const replays = [];
  for (let i = 0; i < sent.length; i += CLIENTS) {
    replays.push(...(await Promise.all(sent.slice(i, i + CLIENTS).map((s) => post(s.body)))));
  }
  expect(replays.every((o) => o === 'acknowledged')).toBe(true);
  const afterReplay = stored();
  expect(afterReplay.size).toBe(sent.length * EVENTS_PER_REQUEST);
  expect([...afterReplay.values()].every((n) => n === 1)).toBe(true);

  server.kill('SIGTERM');
  expect(await exited(server)).toEqual({ code: 0, signal: null });
}, 60_000);
