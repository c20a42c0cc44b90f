import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, expect, test } from 'vitest';
import { MAIN, NODE, ROOT, exited, freePort, startMaru } from '../helpers/process.ts';

/**
 * Two real `maru start` processes on one port (issue 14): the second prints one clear line and exits non-zero,
 * whether it listens on the default host (MARU_HOST unset = 0.0.0.0) or on the loopback address.
 */

const dirs: string[] = [];
const stops: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const stop of stops.splice(0)) await stop();
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});
const dataDir = () => {
  const d = mkdtempSync(join(tmpdir(), 'maru-busy-'));
  dirs.push(d);
  return d;
};

/** `maru start` with MARU_HOST unset (or set), its stderr collected; resolves with exit code and stderr. */
async function secondStart(port: number, host?: string) {
  const env: Record<string, string> = { PATH: process.env.PATH ?? '', PORT: String(port), MARU_DATA_DIR: dataDir(), MARU_LOG_LEVEL: 'warn' };
  if (host !== undefined) env.MARU_HOST = host;
  const child = spawn(NODE, [MAIN, 'start'], { cwd: ROOT, env, stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr!.setEncoding('utf8').on('data', (c: string) => (stderr += c));
  const timer = setTimeout(() => child.kill('SIGKILL'), 90_000);
  const { code } = await exited(child);
  clearTimeout(timer);
  return { code, stderr };
}

for (const [first, second] of [
  [undefined, undefined],
  ['127.0.0.1', undefined],
  [undefined, '127.0.0.1'],
] as const) {
  test(`a busy port: first on ${first ?? 'the default host'}, second on ${second ?? 'the default host'} prints one line, exits 1`, async () => {
    const port = await freePort();
    // startMaru sets MARU_HOST=127.0.0.1; '0.0.0.0' is what an unset MARU_HOST means (the default).
    const one = await startMaru({ port, dataDir: dataDir(), env: { MARU_HOST: first ?? '0.0.0.0' }, timeoutMs: 90_000 });
    stops.push(async () => {
      one.kill('SIGTERM');
      await exited(one);
    });
    const r = await secondStart(port, second);
    expect(r.code).toBe(1);
    expect(r.stderr).toBe(`maru: cannot listen on ${second ?? '0.0.0.0'}:${port}: the port is already in use (set PORT or --port)\n`);
    // The first server is untouched.
    expect((await fetch(`http://127.0.0.1:${port}/healthz`)).status).toBe(200);
  }, 240_000);
}
