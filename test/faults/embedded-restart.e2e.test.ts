import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { afterAll, expect, test } from 'vitest';
import { pino } from 'pino';
import { loadConfig } from '../../src/platform/config.ts';
import { createRuntime } from '../../src/runtime.ts';
import { buildApp } from '../../src/server/app.ts';
import { exited, freePort, startMaru } from '../helpers/process.ts';

/**
 * Restart after kill -9 in embedded mode (issue 14): a real maru process claims a delivery job (lease: 2 minutes) and
 * is killed with SIGKILL while its webhook call hangs. The restarted process releases the dead process's lease at
 * start and settles the delivery within seconds, not after the lease.
 */
const cleanups: (() => Promise<void> | void)[] = [];
afterAll(async () => {
  for (const c of cleanups.reverse()) await c();
});

test('the restarted process runs the jobs the killed one held at once', async () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'maru-restart-'));
  cleanups.push(() => rmSync(dataDir, { recursive: true, force: true }));
  // The webhook: hangs on every request until `answer` is set, then answers 200.
  let answer = false;
  const received: number[] = [];
  const hanging: ServerResponse[] = [];
  const hook = createServer((req: IncomingMessage, res: ServerResponse) => {
    req.resume();
    req.on('end', () => {
      received.push(Date.now());
      if (answer) res.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}');
      else hanging.push(res);
    });
  });
  await new Promise<void>((r) => hook.listen(0, '127.0.0.1', r));
  cleanups.push(
    () =>
      new Promise<void>((r) => {
        for (const res of hanging) res.destroy();
        hook.close(() => r());
      }),
  );
  const hookPort = (hook.address() as { port: number }).port;

  const env = {
    MARU_SECRET_KEY: 'maru-test-secret-key-0123456789abcdef',
    MARU_ALLOW_PRIVATE_NETWORKS: 'true',
    MARU_ADMIN_TOKEN: 'maru_adm_restart-test-token-0123456789',
  };
  const setup = await createRuntime(loadConfig({ ...env, MARU_DATA_DIR: dataDir }), { log: pino({ level: 'silent' }) });
  const app = await buildApp(setup);
  const { project } = await setup.projects.create({ name: 'restart' });
  const put = await app.inject({
    method: 'PUT',
    url: `/admin/v1/projects/${project.id}/channels/text_message`,
    headers: { authorization: `Bearer ${env.MARU_ADMIN_TOKEN}` },
    payload: { vendor: 'webhook', config: { url: `http://127.0.0.1:${hookPort}/hook`, secret: 'whsec_0123456789abcdef' } },
  });
  expect(put.statusCode).toBe(200);
  const campaign = await setup.campaigns.create(project.id, {
    name: 'otp',
    channel: 'text_message',
    consent_class: 'informational',
    status: 'active',
    template: { body: 'code {{ eventParams.code }}' },
  });
  await setup.deliveries.sendApi({
    projectId: project.id,
    campaignId: campaign.id,
    body: { recipients: [{ type: 'phone-number', phoneNumber: '01012340000', eventParams: { code: '1' } }] },
  });
  await app.close();
  await setup.close();

  const port = await freePort();
  let server: ChildProcess = await startMaru({ port, dataDir, env });
  cleanups.push(async () => {
    if (server.exitCode === null && server.signalCode === null) {
      server.kill('SIGKILL');
      await exited(server);
    }
  });
  const deadline = Date.now() + 20_000;
  while (received.length === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
  expect(received).toHaveLength(1); // the worker claimed the delivery and is inside the provider call
  server.kill('SIGKILL');
  await exited(server);

  const read = () => {
    const db = new DatabaseSync(join(dataDir, 'maru.db'), { readOnly: true });
    try {
      return {
        job: db.prepare("select state, attempts, locked_until from jobs where queue = 'deliveries'").get() as {
          state: string;
          attempts: number;
          locked_until: number;
        },
        delivery: db.prepare('select state, reason from deliveries where project_id = ?').get(project.id) as { state: string; reason: string | null },
      };
    } finally {
      db.close();
    }
  };
  const atKill = read();
  expect(atKill.job.state).toBe('running');
  expect(atKill.job.locked_until - Date.now()).toBeGreaterThan(60_000); // the lease would hold it for over a minute

  answer = true;
  const restartedAt = Date.now();
  server = await startMaru({ port, dataDir, env });
  while (read().job.state !== 'done' && Date.now() - restartedAt < 20_000) await new Promise((r) => setTimeout(r, 50));
  const after = read();
  // Run again at once (attempt 2), seconds after the restart instead of after the two-minute lease. The delivery was
  // being handed to a webhook that cannot be asked whether it arrived: it is settled as outcome_unknown, not resent.
  expect([after.job.state, after.job.attempts]).toEqual(['done', 2]);
  expect(Date.now() - restartedAt).toBeLessThan(20_000);
  expect(after.delivery.state).toBe('failed');
  expect(after.delivery.reason).toMatch(/^outcome_unknown/);
  expect(received).toHaveLength(1);
  server.kill('SIGTERM');
  expect((await exited(server)).code).toBe(0);
}, 60_000);
