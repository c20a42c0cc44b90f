import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { join, resolve } from 'node:path';

/** Real maru processes for end-to-end tests: the pinned Node, the CLI entry point, free ports, health waits. */
export const ROOT = resolve(import.meta.dirname, '../..');
export const NODE = join(ROOT, 'node_modules/.bin/node');
export const MAIN = join(ROOT, 'src/cli/main.ts');

export const freePort = () =>
  new Promise<number>((done, fail) => {
    const s = createServer();
    s.once('error', fail);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => done(port));
    });
  });

export const exited = (child: ChildProcess) =>
  new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((done) => {
    if (child.exitCode !== null || child.signalCode !== null) return done({ code: child.exitCode, signal: child.signalCode });
    child.once('exit', (code, signal) => done({ code, signal }));
  });

/**
 * Spawns `maru start` on 127.0.0.1:port with the given data dir (and extra environment), and resolves once
 * /healthz answers 200. Rejects if the process exits first or is not healthy within `timeoutMs`.
 */
export async function startMaru(input: {
  port: number;
  dataDir: string;
  env?: Record<string, string>;
  timeoutMs?: number;
  /** Receives each log line (stdout) of the process; without it stdout is discarded. */
  onLog?: (line: string) => void;
}): Promise<ChildProcess> {
  const child = spawn(NODE, [MAIN, 'start'], {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? '', PORT: String(input.port), MARU_HOST: '127.0.0.1', MARU_DATA_DIR: input.dataDir, MARU_LOG_LEVEL: 'warn', ...input.env },
    stdio: ['ignore', input.onLog ? 'pipe' : 'ignore', 'inherit'],
  });
  if (input.onLog && child.stdout) {
    let rest = '';
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (chunk: string) => {
      const lines = (rest + chunk).split('\n');
      rest = lines.pop() ?? '';
      for (const l of lines) if (l) input.onLog!(l);
    });
  }
  const deadline = Date.now() + (input.timeoutMs ?? 20_000);
  for (;;) {
    try {
      if ((await fetch(`http://127.0.0.1:${input.port}/healthz`)).status === 200) return child;
    } catch {
      // not yet listening
    }
    if (child.exitCode !== null) throw new Error(`server exited with ${child.exitCode}`);
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error('server did not become healthy');
    }
    await new Promise((r) => setTimeout(r, 100));
  }
}
