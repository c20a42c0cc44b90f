import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { pino } from 'pino';
import { loadConfig } from '../../src/platform/config.ts';
import { createRuntime } from '../../src/runtime.ts';
import { expectOk, messagingWorld, type MessagingWorld } from './messaging.helpers.ts';

let w: MessagingWorld | undefined;
afterEach(async () => {
  await w?.close();
  w = undefined;
});

describe('admin API: /admin/v1/projects/:id/messaging', () => {
  it('registers sender numbers (digits, the first one the default) and removes them', async () => {
    w = await messagingWorld();
    const a = await w.admin('POST', '/messaging/sender-numbers', { number: '1544-6859' });
    expect([a.status, a.body]).toEqual([201, { senderNumber: { number: '15446859', default: true, createdAt: '2025-01-06T01:00:00.000Z' } }]);
    expect((await w.admin('POST', '/messaging/sender-numbers', { number: '(02) 123-4567' })).body.senderNumber).toMatchObject({
      number: '021234567',
      default: false,
    });
    // Registering again is idempotent; it may make the number the default.
    expect((await w.admin('POST', '/messaging/sender-numbers', { number: '021234567', default: true })).body.senderNumber).toMatchObject({
      number: '021234567',
      default: true,
    });
    expect((await w.admin('GET', '/messaging/sender-numbers')).body.senderNumbers.map((s: any) => [s.number, s.default])).toEqual([
      ['021234567', true],
      ['15446859', false],
    ]);
    for (const [body, field, message] of [
      [{ number: 'call me' }, 'number', 'number "call me" is not a phone number (3-20 digits)'],
      [{}, 'number', 'number is required'],
      [{ number: '15446859', primary: true }, 'primary', 'primary is not a field here (allowed: number, default)'],
      [{ number: '15446859', default: 'yes' }, 'default', 'default must be a boolean'],
    ] as const) {
      const r = await w.admin('POST', '/messaging/sender-numbers', body);
      expect([r.status, r.body]).toEqual([400, { error: { code: 'invalid_input', message, field } }]);
    }
    expect((await w.admin('DELETE', '/messaging/sender-numbers/021234567')).status).toBe(204);
    expect((await w.admin('DELETE', '/messaging/sender-numbers/021234567')).status).toBe(404);
    expect((await w.admin('GET', '/messaging/sender-numbers')).body.senderNumbers).toEqual([
      { number: '15446859', default: true, createdAt: '2025-01-06T01:00:00.000Z' },
    ]);
  });

  it('registers Kakao channels and alimtalk templates; a channel in use cannot be removed', async () => {
    w = await messagingWorld();
    expect((await w.admin('POST', '/messaging/kakao-channels', { channelId: '@maru', senderKey: 'KEY1' })).body).toEqual({
      kakaoChannel: { channelId: '@maru', senderKey: 'KEY1', default: true, createdAt: '2025-01-06T01:00:00.000Z' },
    });
    expectOk(await w.admin('POST', '/messaging/kakao-channels', { channelId: '@events', senderKey: 'KEY2' }), 201);
    const template = {
      templateId: 'welcome',
      templateCode: 'WELCOME01',
      content: '#{name}님 환영합니다',
      channelId: '@events',
      buttons: [{ type: 'WL', name: '바로가기', linkMo: 'https://m.example.com' }],
    };
    const created = await w.admin('POST', '/messaging/alimtalk-templates', template);
    expect([created.status, created.body]).toEqual([
      201,
      { alimtalkTemplate: { ...template, createdAt: '2025-01-06T01:00:00.000Z', updatedAt: '2025-01-06T01:00:00.000Z' } },
    ]);
    const again = await w.admin('POST', '/messaging/alimtalk-templates', template);
    expect([again.status, again.body.error.code]).toEqual([409, 'conflict']);
    w.clock.advance(1000);
    const replaced = await w.admin('PUT', '/messaging/alimtalk-templates/welcome', { templateCode: 'WELCOME02', content: '#{name}님, 반갑습니다' });
    expect([replaced.status, replaced.body.alimtalkTemplate]).toEqual([
      200,
      {
        templateId: 'welcome',
        templateCode: 'WELCOME02',
        content: '#{name}님, 반갑습니다',
        channelId: null,
        buttons: [],
        createdAt: '2025-01-06T01:00:00.000Z',
        updatedAt: '2025-01-06T01:00:01.000Z',
      },
    ]);
    expect((await w.admin('PUT', '/messaging/alimtalk-templates/other', { templateCode: 'X', content: 'x', channelId: '@events' })).status).toBe(201);
    expect((await w.admin('GET', '/messaging/alimtalk-templates')).body.alimtalkTemplates.map((t: any) => t.templateId)).toEqual(['other', 'welcome']);
    expect((await w.admin('GET', '/messaging/alimtalk-templates/welcome')).body.alimtalkTemplate.templateCode).toBe('WELCOME02');

    const inUse = await w.admin('DELETE', '/messaging/kakao-channels/@events');
    expect([inUse.status, inUse.body.error]).toEqual([
      409,
      { code: 'conflict', message: 'Kakao channel @events is used by alimtalk templates other; remove or move them first', field: 'channelId' },
    ]);
    expect((await w.admin('DELETE', '/messaging/alimtalk-templates/other')).status).toBe(204);
    expect((await w.admin('GET', '/messaging/alimtalk-templates/other')).status).toBe(404);
    expect((await w.admin('DELETE', '/messaging/kakao-channels/@events')).status).toBe(204);
    expect((await w.admin('GET', '/messaging/kakao-channels')).body.kakaoChannels.map((c: any) => c.channelId)).toEqual(['@maru']);

    const bad: [Record<string, unknown>, string, string][] = [
      [{ templateCode: 'A', content: 'x' }, 'templateId', 'templateId is required'],
      [{ templateId: 'a b', templateCode: 'A', content: 'x' }, 'templateId', 'templateId must be letters, digits, ".", ":", "-" or "_"'],
      [{ templateId: 't', content: 'x' }, 'templateCode', 'templateCode is required'],
      [{ templateId: 't', templateCode: 'A', content: 'x'.repeat(1001) }, 'content', 'content is 1001 characters; at most 1000'],
      [
        { templateId: 't', templateCode: 'A', content: 'x', channelId: '@nope' },
        'channelId',
        'channelId @nope is not a registered Kakao channel of this project',
      ],
      [
        { templateId: 't', templateCode: 'A', content: 'x', buttons: [{ type: 'WL', name: 'go' }] },
        'buttons[0].linkMo',
        'buttons[0].linkMo is required for a web-link (WL) button',
      ],
      [
        { templateId: 't', templateCode: 'A', content: 'x', buttons: [{ type: 'WL', name: 'go', linkMo: 'example.com' }] },
        'buttons[0].linkMo',
        'buttons[0].linkMo must be an absolute URL',
      ],
      [
        { templateId: 't', templateCode: 'A', content: 'x', buttons: [{ type: 'XX', name: 'go' }] },
        'buttons[0].type',
        'buttons[0].type must be one of WL, AL, DS, BK, MD, BC, BT, AC',
      ],
      [
        { templateId: 't', templateCode: 'A', content: 'x', buttons: [{ type: 'DS', name: '가'.repeat(15) }] },
        'buttons[0].name',
        'buttons[0].name is 15 characters; at most 14',
      ],
      [
        { templateId: 't', templateCode: 'A', content: 'x', buttons: Array.from({ length: 6 }, () => ({ type: 'DS', name: 'b' })) },
        'buttons',
        'buttons must be a list of at most 5 buttons',
      ],
    ];
    for (const [body, field, message] of bad) {
      const r = await w.admin('POST', '/messaging/alimtalk-templates', body);
      expect([r.status, r.body]).toEqual([400, { error: { code: 'invalid_input', message, field } }]);
    }
  });

  it('reports whether own text-message sending is configured, and takes the sandboxTextSending setting', async () => {
    w = await messagingWorld();
    const before = expectOk(await w.admin('GET', '/messaging'), 200).body;
    expect(before).toEqual({
      settings: { sandboxTextSending: false },
      textSending: {
        configured: false,
        vendor: 'sandbox',
        senderNumbers: 0,
        reason: 'no sender number is registered; register one with POST /admin/v1/projects/{projectId}/messaging/sender-numbers or `maru messaging sender-add`',
      },
      senderNumbers: [],
      kakaoChannels: [],
      alimtalkTemplates: 0,
    });
    expectOk(await w.admin('POST', '/messaging/sender-numbers', { number: '15446859' }), 201);
    expect((await w.admin('PATCH', '/messaging', { sandboxTextSending: true })).body).toEqual({ settings: { sandboxTextSending: true } });
    expect((await w.admin('GET', '/messaging')).body.textSending).toEqual({ configured: true, vendor: 'sandbox', senderNumbers: 1 });
    expect((await w.admin('PATCH', '/messaging', { sandboxTextSending: 'on' })).status).toBe(400);
    expect((await w.admin('PATCH', '/messaging', { ownSending: true })).body.error.field).toBe('ownSending');
  });

  it('needs the admin token, and answers 404 for an unknown project', async () => {
    w = await messagingWorld();
    const r = await w.t.app.inject({ method: 'GET', url: `/admin/v1/projects/${w.project.id}/messaging` });
    expect(r.statusCode).toBe(401);
    const unknown = await w.t.app.inject({
      method: 'GET',
      url: '/admin/v1/projects/nosuchproject/messaging',
      headers: { authorization: 'Bearer maru_adm_test-admin-token-for-tests-only' },
    });
    expect(unknown.statusCode).toBe(404);
  });
});

describe('maru messaging (CLI)', () => {
  const ROOT = resolve(import.meta.dirname, '../..');
  const run = (dataDir: string, args: string[]) =>
    new Promise<{ code: number; stdout: string; stderr: string }>((done) => {
      execFile(
        join(ROOT, 'node_modules/.bin/node'),
        [join(ROOT, 'src/cli/main.ts'), ...args],
        { cwd: ROOT, env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', MARU_DATA_DIR: dataDir, MARU_LOG_LEVEL: 'silent' }, timeout: 30_000 },
        (err, stdout, stderr) => done({ code: err ? (typeof err.code === 'number' ? err.code : -1) : 0, stdout, stderr }),
      );
    });

  it('sets up sender numbers, a Kakao channel and a template, and shows the status', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'maru-messaging-cli-'));
    try {
      const rt = await createRuntime(loadConfig({ MARU_LOG_LEVEL: 'silent' }, { dataDir }), { log: pino({ level: 'silent' }) });
      const { project } = await rt.projects.create({ name: 'shop' });
      await rt.close();
      const p = ['--project', project.id];

      const sender = await run(dataDir, ['messaging', 'sender-add', ...p, '--number', '1544-6859']);
      expect(sender.code).toBe(0);
      expect(JSON.parse(sender.stdout)).toMatchObject({ number: '15446859', default: true });
      expect((await run(dataDir, ['messaging', 'channel-add', ...p, '--channel-id', '@shop', '--sender-key', 'KEY'])).code).toBe(0);
      const file = join(dataDir, 'template.json');
      writeFileSync(file, JSON.stringify({ templateId: 'order', templateCode: 'ORDER01', content: '#{name}님 주문 접수' }));
      const set = await run(dataDir, ['messaging', 'template-set', ...p, '--file', file]);
      expect([set.code, set.stderr]).toEqual([0, 'registered alimtalk template order\n']);
      expect((await run(dataDir, ['messaging', 'set', ...p, '--sandbox-text-sending', 'true'])).code).toBe(0);

      const status = await run(dataDir, ['messaging', 'status', ...p]);
      expect(status.code).toBe(0);
      expect(JSON.parse(status.stdout)).toMatchObject({
        settings: { sandboxTextSending: true },
        textSending: { configured: true, vendor: 'sandbox', senderNumbers: 1 },
        senderNumbers: [{ number: '15446859', default: true }],
        kakaoChannels: [{ channelId: '@shop', senderKey: 'KEY', default: true }],
        alimtalkTemplates: 1,
      });
      expect(JSON.parse((await run(dataDir, ['messaging', 'templates', ...p])).stdout)).toEqual([
        { templateId: 'order', templateCode: 'ORDER01', channelId: null, content: '#{name}님 주문 접수', buttons: [] },
      ]);

      const bad = await run(dataDir, ['messaging', 'sender-add', ...p, '--number', 'nope']);
      expect([bad.code, bad.stderr]).toEqual([1, 'maru messaging sender-add: number "nope" is not a phone number (3-20 digits)\n']);
      const usage = await run(dataDir, ['messaging', 'sender-add', ...p]);
      expect(usage.code).toBe(2);
      expect(usage.stderr).toContain('--number is required');
      expect((await run(dataDir, ['messaging', 'template-remove', ...p, '--template-id', 'order'])).code).toBe(0);
      expect(JSON.parse((await run(dataDir, ['messaging', 'templates', ...p])).stdout)).toEqual([]);
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  }, 60_000);
});
