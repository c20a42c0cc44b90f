import { execFile, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MAIN, NODE, ROOT, exited, freePort, startMaru } from '../helpers/process.ts';

/**
 * Runnable documentation (issue 14; docs/development.md "Runnable examples"): every fenced block opened with
 * ```sh runnable in README.md and docs/*.md runs, as written, against a real `maru start` on a fresh SQLite data dir
 * and a free port, and must exit 0. What the test provides, as a reader would have it after the README's first
 * steps: `localhost:8080` is this server's address; `maru` is bin/maru on PATH with MARU_DATA_DIR pointing at the
 * server's data; $PROJECT_ID and the project's credentials ($IMPORT_TOKEN, $EXPORT_TOKEN, $API_KEY, $ACCESS_KEY,
 * $SECRET_KEY) come from `maru project create --json`; $MARU_ADMIN_TOKEN is the server's admin token. The blocks of
 * one file run in order in one bash (set -euo pipefail) in a scratch directory, so a later block may use a file or
 * variable an earlier one made. A `curl` in a runnable block must fail on an HTTP error (-f or --fail-with-body),
 * so a drifted path or field fails the test (the test runs `curl -sf` as `curl -sS --fail-with-body`, to show why).
 */
interface RunnableBlock {
  file: string;
  line: number;
  code: string;
}

const FENCE_OPEN = /^```sh runnable\s*$/;

/** The ```sh runnable blocks of a markdown text, with the line each starts on. */
function runnableBlocks(file: string, text: string): RunnableBlock[] {
  const out: RunnableBlock[] = [];
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    if (!FENCE_OPEN.test(lines[i])) continue;
    const start = i + 1;
    const body: string[] = [];
    for (i++; i < lines.length && !/^```\s*$/.test(lines[i]); i++) body.push(lines[i]);
    if (i >= lines.length) throw new Error(`${file}:${start}: a runnable block is not closed`);
    out.push({ file, line: start, code: body.join('\n') });
  }
  return out;
}

const files = [
  'README.md',
  ...readdirSync(join(ROOT, 'docs'))
    .filter((f) => f.endsWith('.md'))
    .sort()
    .map((f) => `docs/${f}`),
];
const blocksByFile = new Map(files.map((f) => [f, runnableBlocks(f, readFileSync(join(ROOT, f), 'utf8'))] as const).filter(([, b]) => b.length > 0));

const ADMIN_TOKEN = 'docs-admin-token-0123456789abcdef';
let dataDir: string;
let server: ChildProcess;
let port: number;
let env: Record<string, string>;

beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'maru-docs-'));
  const created = await run(
    NODE,
    [MAIN, 'project', 'create', '--name', 'Docs shop', '--json'],
    { PATH: process.env.PATH ?? '', MARU_DATA_DIR: dataDir, MARU_LOG_LEVEL: 'silent' },
    ROOT,
  );
  expect(created.code, created.stderr).toBe(0);
  const p = JSON.parse(created.stdout) as { project_id: string; credentials: Record<string, string> };
  port = await freePort();
  const serverEnv = { MARU_ADMIN_TOKEN: ADMIN_TOKEN, MARU_SECRET_KEY: Buffer.alloc(32, 9).toString('hex'), MARU_PUBLIC_URL: `http://127.0.0.1:${port}` };
  server = await startMaru({ port, dataDir, env: serverEnv });
  env = {
    PATH: `${join(ROOT, 'bin')}:${process.env.PATH ?? ''}`,
    HOME: process.env.HOME ?? tmpdir(),
    MARU_DATA_DIR: dataDir,
    MARU_LOG_LEVEL: 'silent',
    ...serverEnv,
    PROJECT_ID: p.project_id,
    IMPORT_TOKEN: p.credentials.import_token,
    EXPORT_TOKEN: p.credentials.export_token,
    API_KEY: p.credentials.api_key,
    ACCESS_KEY: p.credentials.access_key,
    SECRET_KEY: p.credentials.secret_key,
  };
}, 120_000);

afterAll(async () => {
  if (server) {
    server.kill('SIGTERM');
    await exited(server);
  }
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
});

function run(cmd: string, args: string[], e: Record<string, string>, cwd: string) {
  return new Promise<{ code: number; stdout: string; stderr: string }>((done) =>
    execFile(cmd, args, { cwd, env: e, timeout: 240_000, maxBuffer: 16 * 1024 * 1024 }, (err, stdout, stderr) =>
      done({ code: err ? (typeof err.code === 'number' ? err.code : -1) : 0, stdout, stderr }),
    ),
  );
}

describe('runnable documentation', () => {
  it('README.md and docs/ have runnable blocks, and every curl in them fails on an HTTP error', () => {
    expect(blocksByFile.has('README.md')).toBe(true);
    expect(blocksByFile.size).toBeGreaterThanOrEqual(8);
    for (const blocks of blocksByFile.values()) {
      for (const b of blocks) {
        for (const l of b.code.split('\n')) {
          if (!/(^|[|;&(]\s*|\$\()curl\s/.test(l)) continue;
          expect(l, `${b.file}:${b.line}: curl must fail on an HTTP error`).toMatch(/\s(-[a-zA-Z]*f[a-zA-Z]*|--fail|--fail-with-body)(\s|$)/);
          expect(l, `${b.file}:${b.line}: curl only the local server`).not.toMatch(/https?:\/\/(?!localhost|127\.0\.0\.1)/);
        }
      }
    }
  });

  for (const [file, blocks] of blocksByFile) {
    it(`${file}: ${blocks.length} runnable block(s) exit 0`, async () => {
      const address = `127.0.0.1:${port}`;
      const script = [
        'set -euo pipefail',
        ...blocks.flatMap((b) => [
          `echo "::block ${b.file}:${b.line}" >&2`,
          b.code.replaceAll('localhost:8080', address).replace(/\bcurl -sf\b/g, 'curl -sS --fail-with-body'),
        ]),
      ].join('\n');
      const cwd = mkdtempSync(join(tmpdir(), 'maru-docs-run-'));
      try {
        const r = await run('bash', ['-c', script], env, cwd);
        const at = [...r.stderr.matchAll(/::block (\S+)/g)].pop()?.[1];
        expect(r.code, `failed in ${at}\nstdout:\n${r.stdout.slice(-3000)}\nstderr:\n${r.stderr.slice(-3000)}`).toBe(0);
      } finally {
        rmSync(cwd, { recursive: true, force: true });
      }
    }, 300_000);
  }
});
