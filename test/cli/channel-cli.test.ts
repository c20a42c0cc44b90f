import { execFile } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { TEST_SECRET_KEY } from '../helpers/channels.ts';

/** `maru channel set|list|remove` as a user runs them: a real process on a temp data dir. */
const ROOT = resolve(import.meta.dirname, '../..');
const NODE = join(ROOT, 'node_modules/.bin/node');
const MAIN = join(ROOT, 'src/cli/main.ts');
let dataDir: string;
let projectId: string;

function maru(args: string[], env: Record<string, string> = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((done) => {
    execFile(
      NODE,
      [MAIN, ...args],
      {
        cwd: ROOT,
        env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', MARU_DATA_DIR: dataDir, MARU_SECRET_KEY: TEST_SECRET_KEY, ...env },
        timeout: 30_000,
      },
      (err, stdout, stderr) => done({ code: err ? (typeof err.code === 'number' ? err.code : -1) : 0, stdout, stderr }),
    );
  });
}

beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'maru-channel-cli-'));
  const r = await maru(['project', 'create', '--name', 'shop', '--json']);
  expect(r.code, r.stderr).toBe(0);
  projectId = JSON.parse(r.stdout).project_id;
});
afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

describe('maru channel', () => {
  test('set from a JSON file, list without secrets, remove', async () => {
    const file = join(dataDir, 'twilio.json');
    writeFileSync(file, JSON.stringify({ accountSid: 'AC' + 'b'.repeat(32), authToken: 'cli-twilio-token-Qw9', from: '+15550001111' }));
    const set = await maru(['channel', 'set', '--project', projectId, '--channel', 'text_message', '--vendor', 'twilio', '--config', file]);
    expect(set.code, set.stderr).toBe(0);
    expect(set.stdout).toBe('text_message: twilio configured (credentials stored encrypted)\n');
    rmSync(file);

    const list = await maru(['channel', 'list', '--project', projectId, '--json']);
    expect(list.code, list.stderr).toBe(0);
    const { channels } = JSON.parse(list.stdout);
    expect(channels).toMatchObject([
      { channel: 'text_message', vendor: 'twilio', readable: true, config: { accountSid: 'AC' + 'b'.repeat(32), authToken: '[set]', from: '+15550001111' } },
    ]);
    expect(list.stdout).not.toContain('cli-twilio-token-Qw9');
    const bytes = readdirSync(dataDir)
      .map((f) => readFileSync(join(dataDir, f)).toString('latin1'))
      .join('');
    expect(bytes).not.toContain('cli-twilio-token-Qw9');

    const bad = await maru([
      'channel',
      'set',
      '--project',
      projectId,
      '--channel',
      'text_message',
      '--vendor',
      'twilio',
      '--config',
      join(dataDir, 'missing.json'),
    ]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('cannot read');

    const remove = await maru(['channel', 'remove', '--project', projectId, '--channel', 'text_message']);
    expect(remove.code, remove.stderr).toBe(0);
    const empty = await maru(['channel', 'list', '--project', projectId]);
    expect(empty.stdout).toBe('no channel providers configured: every channel uses the sandbox\n');
    const again = await maru(['channel', 'remove', '--project', projectId, '--channel', 'text_message']);
    expect(again.code).toBe(1);
    expect(again.stderr).toContain('has no provider configured');
  });

  test('without MARU_SECRET_KEY nothing is stored and the error says what to set', async () => {
    const file = join(dataDir, 'hook.json');
    writeFileSync(file, JSON.stringify({ url: 'https://93.184.215.14/hook', secret: 'whsec_0123456789abcdef' }));
    const r = await maru(['channel', 'set', '--project', projectId, '--channel', 'email', '--vendor', 'webhook', '--config', file], { MARU_SECRET_KEY: '' });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('MARU_SECRET_KEY, which is not set');
    const list = await maru(['channel', 'list', '--project', projectId, '--json']);
    expect(JSON.parse(list.stdout)).toEqual({ channels: [] });
  });
});
