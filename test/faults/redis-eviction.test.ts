import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { pino } from 'pino';
import { Redis } from 'ioredis';
import { loadConfig } from '../../src/platform/config.ts';
import { createRuntime } from '../../src/runtime.ts';
import { runCli } from '../../src/cli/commands.ts';
import { exited, freePort } from '../helpers/process.ts';

/**
 * Redis that may evict keys (issue 14): a Redis of the test's own (redis-server on a free port, so the shared one
 * is not reconfigured) with maxmemory-policy allkeys-lru. maru refuses to start in scale mode with one clear line;
 * with noeviction it starts. Skipped where redis-server is not installed.
 */
const hasRedis = (() => {
  try {
    execFileSync('redis-server', ['--version']);
    return true;
  } catch {
    return false;
  }
})();

let redis: ChildProcess | undefined;
let port: number;
let dataDir: string;
beforeAll(async () => {
  if (!hasRedis) return;
  dataDir = mkdtempSync(join(tmpdir(), 'maru-redis-policy-'));
  port = await freePort();
  redis = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--maxmemory-policy', 'allkeys-lru'], {
    stdio: 'ignore',
  });
  const client = new Redis({ port, host: '127.0.0.1', lazyConnect: true, retryStrategy: () => null });
  client.on('error', () => {});
  for (let i = 0; i < 100; i++) {
    try {
      await client.connect();
      break;
    } catch {
      await new Promise((r) => setTimeout(r, 50));
    }
  }
  client.disconnect();
});
afterAll(async () => {
  if (redis) {
    redis.kill('SIGTERM');
    await exited(redis);
  }
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
});

test.skipIf(!hasRedis)('scale mode refuses to start unless Redis maxmemory-policy is noeviction', async () => {
  const env = { MARU_DATA_DIR: dataDir, MARU_REDIS_URL: `redis://127.0.0.1:${port}`, MARU_REDIS_PREFIX: 'policy-test' };
  await expect(createRuntime(loadConfig(env), { log: pino({ level: 'silent' }) })).rejects.toThrow(
    'Redis maxmemory-policy is "allkeys-lru"; maru\'s queue (BullMQ) needs "noeviction"',
  );
  // The CLI prints it as one line and exits 2.
  const err: string[] = [];
  const code = await runCli(['migrate'], { out: () => {}, err: (t) => err.push(t), env: { ...env, MARU_LOG_LEVEL: 'silent' } });
  expect(code).toBe(2);
  expect(err.join('').trim().split('\n')).toEqual([
    expect.stringMatching(/^maru: Redis maxmemory-policy is "allkeys-lru"; .*CONFIG SET maxmemory-policy noeviction/),
  ]);

  const client = new Redis({ port, host: '127.0.0.1' });
  await client.config('SET', 'maxmemory-policy', 'noeviction');
  client.disconnect();
  const runtime = await createRuntime(loadConfig(env), { log: pino({ level: 'silent' }) });
  await runtime.close();
});
