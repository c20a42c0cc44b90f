import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { DatabaseSync } from 'node:sqlite';
import { MAIN, NODE, ROOT, exited, freePort, startMaru } from '../helpers/process.ts';

/** `maru campaign send` and `maru message text` as a newcomer runs them: real processes on a fresh data dir. */
let dataDir: string;
const maru = (args: string[]) =>
  new Promise<{ code: number; stdout: string; stderr: string }>((done) =>
    execFile(
      NODE,
      [MAIN, ...args],
      { cwd: ROOT, env: { PATH: process.env.PATH ?? '', MARU_DATA_DIR: dataDir, MARU_LOG_LEVEL: 'silent' }, timeout: 120_000 },
      (err, stdout, stderr) => done({ code: err ? (typeof err.code === 'number' ? err.code : -1) : 0, stdout, stderr }),
    ),
  );
beforeAll(() => {
  dataDir = mkdtempSync(join(tmpdir(), 'maru-send-cli-'));
});
afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

test('--help of both commands', async () => {
  const a = await maru(['campaign', 'send', '--help']);
  expect([a.code, a.stdout]).toEqual([0, expect.stringContaining('maru campaign send --project ID --campaign ID --recipients FILE|-')]);
  const b = await maru(['message', 'text', '--help']);
  expect([b.code, b.stdout]).toEqual([0, expect.stringContaining('maru message text --project ID --to NUMBER')]);
}, 240_000);

test('campaign send plans one delivery per recipient; a repeated request id records nothing twice and another body under it is refused', async () => {
  const p = await maru(['project', 'create', '--name', 'Shop', '--json']);
  expect(p.code).toBe(0);
  const projectId = JSON.parse(p.stdout).project_id as string;
  const file = join(dataDir, 'campaign.json');
  writeFileSync(
    file,
    JSON.stringify({
      name: 'hello',
      channel: 'text_message',
      consent_class: 'informational',
      template: { body: 'hi' },
      send_time: { type: 'api' },
      status: 'active',
    }),
  );
  const c = await maru(['campaign', 'create', '--project', projectId, '--file', file, '--json']);
  expect(c.stderr).toBe('');
  const campaignId = JSON.parse(c.stdout).campaign.id as string;
  const recipients = join(dataDir, 'recipients.json');
  writeFileSync(
    recipients,
    JSON.stringify([
      { type: 'phone-number', phoneNumber: '01012345678' },
      { type: 'phone-number', phoneNumber: '01087654321' },
    ]),
  );
  const s = await maru(['campaign', 'send', '--project', projectId, '--campaign', campaignId, '--recipients', recipients, '--request-id', 'r1']);
  expect(s.stderr).toBe('');
  expect(JSON.parse(s.stdout)).toMatchObject({ request_id: 'api:r1', created: 2, existing: 0 });
  const again = await maru(['campaign', 'send', '--project', projectId, '--campaign', campaignId, '--recipients', recipients, '--request-id', 'r1']);
  // The Idempotency-Key rule: the same request id and recipients print the first plan again, other recipients are refused.
  expect(JSON.parse(again.stdout)).toEqual(JSON.parse(s.stdout));
  writeFileSync(recipients, JSON.stringify([{ type: 'phone-number', phoneNumber: '01011112222' }]));
  const other = await maru(['campaign', 'send', '--project', projectId, '--campaign', campaignId, '--recipients', recipients, '--request-id', 'r1']);
  expect(other.code).not.toBe(0);
  expect(other.stderr).toContain('Idempotency-Key "r1" was already used with another request body');
  // message text without text sending set up: a clear error, exit non-zero.
  const m = await maru(['message', 'text', '--project', projectId, '--to', '01012345678', '--body', 'hi']);
  expect(m.code).not.toBe(0);
  expect(m.stderr).toMatch(/text/);
}, 400_000);

test('message text sends through the sandbox once text sending is set up: the plan, then the exact message in the outbox', async () => {
  const p = await maru(['project', 'create', '--name', 'Texts', '--json']);
  expect(p.code).toBe(0);
  const projectId = JSON.parse(p.stdout).project_id as string;
  expect((await maru(['messaging', 'set', '--project', projectId, '--sandbox-text-sending', 'true'])).code).toBe(0);
  expect((await maru(['messaging', 'sender-add', '--project', projectId, '--number', '1544-6859'])).code).toBe(0);
  const m = await maru([
    'message',
    'text',
    '--project',
    projectId,
    '--to',
    '010-1234-5678',
    '--to',
    '01087654321',
    '--kind',
    'lms',
    '--title',
    '공지',
    '--body',
    '내일 배송됩니다',
    '--request-id',
    'cli-1',
  ]);
  expect(m.stderr).toBe('');
  expect(m.code).toBe(0);
  expect(JSON.parse(m.stdout)).toMatchObject({ campaign_id: 'direct_text', created: 2, queued: 2, existing: 0 });

  // The CLI records and queues; a running maru sends. Start one on the same data dir until both are in the outbox.
  const port = await freePort();
  const server = await startMaru({ port, dataDir });
  try {
    const deadline = Date.now() + 30_000;
    const count = () => {
      const db = new DatabaseSync(join(dataDir, 'maru.db'), { readOnly: true });
      try {
        return (db.prepare('select count(*) as n from sandbox_outbox where project_id = ?').get(projectId) as { n: number }).n;
      } finally {
        db.close();
      }
    };
    while (count() < 2 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 200));
  } finally {
    server.kill('SIGTERM');
    await exited(server);
  }
  const out = await maru(['outbox', 'list', '--project', projectId, '--campaign', 'direct_text', '--json']);
  expect(out.code).toBe(0);
  const messages = (JSON.parse(out.stdout).outbox as { channel: string; state: string; message: Record<string, unknown> }[]).map((e) => [
    e.channel,
    e.state,
    e.message,
  ]);
  expect(messages.sort((a, b) => (JSON.stringify(a) < JSON.stringify(b) ? -1 : 1))).toEqual([
    ['text_message', 'delivered', { kind: 'lms', from: '15446859', to: '+821012345678', title: '공지', body: '내일 배송됩니다' }],
    ['text_message', 'delivered', { kind: 'lms', from: '15446859', to: '+821087654321', title: '공지', body: '내일 배송됩니다' }],
  ]);
  // The same request id again records nothing twice.
  const again = await maru([
    'message',
    'text',
    '--project',
    projectId,
    '--to',
    '010-1234-5678',
    '--to',
    '01087654321',
    '--kind',
    'lms',
    '--title',
    '공지',
    '--body',
    '내일 배송됩니다',
    '--request-id',
    'cli-1',
  ]);
  // The same request id and request: the first answer again (Idempotency-Key replay), nothing recorded twice.
  expect(JSON.parse(again.stdout)).toEqual(JSON.parse(m.stdout));
  const db = new DatabaseSync(join(dataDir, 'maru.db'), { readOnly: true });
  try {
    expect((db.prepare("select count(*) as n from deliveries where project_id = ? and campaign_id = 'direct_text'").get(projectId) as { n: number }).n).toBe(2);
  } finally {
    db.close();
  }
}, 400_000);
