import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { EMBEDDED_STORE } from '../helpers/scale.ts';
import { adminHeaders, buildTestApp, createProject, ManualClock, type TestApp } from '../helpers/app.ts';
import { campaign, channelWorld, deliveries, drain, TEST_SECRET_KEY, user, type ChannelWorld } from '../helpers/channels.ts';
import { generateVapidKeys } from '../../src/channels/webpush/vapid.provider.ts';

/**
 * The admin API of a project's channel providers: configuration checked by building the provider, stored sealed
 * (MARU_SECRET_KEY), secrets never returned and never on disk in plain text, removal back to the sandbox.
 */
let w: ChannelWorld | undefined;
const cleanup: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  await w?.close();
  w = undefined;
  for (const c of cleanup.splice(0).reverse()) await c();
});

const rsaPem = () => generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
const p8Pem = () => generateKeyPairSync('ec', { namedCurve: 'prime256v1' }).privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
/** A line from the middle of a PEM body: what would show in a file if the key were stored in plain text (JSON escapes the newlines). */
const pemLine = (pem: string) => pem.split('\n')[2];

const serviceAccount = (privateKey = rsaPem()) => ({
  type: 'service_account',
  project_id: 'shop-prod',
  private_key_id: 'f00dfeedf00dfeedf00dfeedf00dfeedf00dfeed',
  private_key: privateKey,
  client_email: 'maru@shop-prod.iam.gserviceaccount.com',
  token_uri: 'https://oauth2.googleapis.com/token',
});

describe('PUT/GET/DELETE /admin/v1/projects/:id/channels', () => {
  it('stores a config, lists it without its secrets, and removing it sends through the sandbox again', async () => {
    w = await channelWorld();
    const put = await w.admin('PUT', '/channels/email', {
      vendor: 'smtp',
      config: {
        host: 'smtp.shop.example',
        port: 587,
        requireTLS: true,
        auth: { user: 'AKIAEXAMPLE', pass: 'smtp-password-do-not-show' },
        from: { address: 'news@shop.example', name: 'Shop' },
      },
    });
    expect(put.status, put.text).toBe(200);
    const expected = {
      channel: 'email',
      vendor: 'smtp',
      config: {
        host: 'smtp.shop.example',
        port: 587,
        requireTLS: true,
        auth: { user: 'AKIAEXAMPLE', pass: '[set]' },
        from: { address: 'news@shop.example', name: 'Shop' },
      },
      configured_at: '2025-01-06T01:00:00.000Z',
      readable: true,
    };
    expect(put.body).toEqual({ channel: expected });
    const list = await w.admin('GET', '/channels');
    expect(list.status).toBe(200);
    expect(list.body).toEqual({ channels: [expected] });
    expect(list.text).not.toContain('smtp-password-do-not-show');
    expect(w.runtime.providers.resolve(w.project, 'email').vendor).toBe('smtp');

    const del = await w.admin('DELETE', '/channels/email');
    expect(del.status).toBe(204);
    expect((await w.admin('GET', '/channels')).body).toEqual({ channels: [] });
    expect((await w.admin('DELETE', '/channels/email')).status).toBe(404);

    // Back on the sandbox: the message lands in the outbox.
    await user(w, { userId: 'u1', email: 'u1@example.com' });
    const id = await campaign(w, { channel: 'email', template: { subject: 's', text: 't' } });
    await w.send(id, [{ type: 'user-id', userId: 'u1' }]);
    await drain(w);
    expect((await deliveries(w, id)).map((d) => [d.state, d.provider])).toEqual([['sent', 'sandbox']]);
    expect((await w.admin('GET', `/outbox?campaign_id=${id}`)).body.outbox).toHaveLength(1);
  });

  it('refuses a bad config naming the field, and stores nothing', async () => {
    w = await channelWorld();
    const apns = { keyId: 'ABC123DEFG', teamId: 'DEF123GHIJ', privateKey: p8Pem(), bundleId: 'com.shop.app' };
    const cases: [string, unknown, string, RegExp][] = [
      ['sms', { vendor: 'nhn-cloud', config: {} }, 'channel', /channel must be one of push, web_push, kakao_alimtalk, text_message, email/],
      ['push', { vendor: 'onesignal', config: {} }, 'vendor', /vendor must be one of fcm, apns, fcm\+apns, webhook for the push channel/],
      ['push', { vendor: 'sandbox', config: {} }, 'vendor', /remove the push configuration/],
      ['push', { vendor: 'apns' }, 'config', /config is required/],
      ['push', { vendor: 'apns', config: { ...apns, keyId: 'short' } }, 'config.keyId', /"keyId" must be the 10-character key id/],
      ['push', { vendor: 'apns', config: { ...apns, privateKey: 'not a key' } }, 'config.privateKey', /"privateKey" is not a PEM private key/],
      [
        'push',
        { vendor: 'fcm', config: { serviceAccount: { ...serviceAccount(), private_key: 'nope' } } },
        'config.serviceAccount.private_key',
        /not a PEM private key/,
      ],
      ['push', { vendor: 'fcm', config: { serviceAccount: '{not json' } }, 'config.serviceAccount', /not valid JSON/],
      ['push', { vendor: 'fcm+apns', config: { fcm: { serviceAccount: serviceAccount() }, apns: { ...apns, teamId: 'x' } } }, 'config.apns.teamId', /"teamId"/],
      ['push', { vendor: 'fcm+apns', config: { fcm: { serviceAccount: serviceAccount() } } }, 'config.apns', /"apns" is required/],
      ['email', { vendor: 'smtp', config: { port: 587 } }, 'config.host', /"host" is required/],
      [
        'web_push',
        { vendor: 'vapid', config: { vapid: { subject: 'mailto:a@b.c', ...generateVapidKeys(), privateKey: generateVapidKeys().privateKey } } },
        'config.vapid.publicKey',
        /"vapid.publicKey" does not match "vapid.privateKey"/,
      ],
      ['text_message', { vendor: 'twilio', config: { accountSid: 'AC' + '1'.repeat(32) } }, 'config.authToken', /"authToken" is required/],
      [
        'text_message',
        { vendor: 'nhn-cloud', config: { appKey: 'k', secretKey: 's', allowPrivateNetwork: true } },
        'config.allowPrivateNetwork',
        /decided by the server operator/,
      ],
      ['kakao_alimtalk', { vendor: 'webhook', config: { url: 'https://hooks.example.com/x', secret: 'short' } }, 'config.secret', /"secret"/],
    ];
    for (const [channel, body, field, message] of cases) {
      const r = await w.admin('PUT', `/channels/${channel}`, body);
      expect(r.status, `${channel} ${JSON.stringify(body).slice(0, 80)}: ${r.text}`).toBe(400);
      expect(r.body.error.code).toBe('invalid_input');
      expect(r.body.error.field, r.text).toBe(field);
      expect(r.body.error.message).toMatch(message);
    }
    expect((await w.admin('GET', '/channels')).body).toEqual({ channels: [] });
  });

  it('refuses endpoints on loopback or private addresses unless MARU_ALLOW_PRIVATE_NETWORKS (D14)', async () => {
    w = await channelWorld({ config: { allowPrivateNetworks: false } });
    const cases: [string, unknown, string][] = [
      ['email', { vendor: 'smtp', config: { host: '127.0.0.1', port: 2525 } }, 'config.host'],
      ['email', { vendor: 'smtp', config: { host: 'localhost' } }, 'config.host'],
      ['push', { vendor: 'fcm', config: { serviceAccount: serviceAccount(), baseUrl: 'http://10.1.2.3:8080' } }, 'config.baseUrl'],
      [
        'push',
        { vendor: 'fcm', config: { serviceAccount: { ...serviceAccount(), token_uri: 'http://169.254.169.254/token' } } },
        'config.serviceAccount.token_uri',
      ],
      [
        'push',
        { vendor: 'apns', config: { keyId: 'ABC123DEFG', teamId: 'DEF123GHIJ', privateKey: p8Pem(), bundleId: 'com.shop.app', baseUrl: 'https://[::1]:8443' } },
        'config.baseUrl',
      ],
      ['text_message', { vendor: 'webhook', config: { url: 'http://192.168.0.10/hook', secret: 'whsec_0123456789abcdef' } }, 'config.url'],
      ['text_message', { vendor: 'nhn-cloud', config: { appKey: 'k', secretKey: 's', baseUrl: 'http://127.0.0.1:9' } }, 'config.baseUrl'],
    ];
    for (const [channel, body, field] of cases) {
      const r = await w.admin('PUT', `/channels/${channel}`, body);
      expect(r.status, r.text).toBe(400);
      expect(r.body.error.field, r.text).toBe(field);
      expect(r.body.error.message).toMatch(/loopback|private|link-local/);
      expect(r.body.error.message).toContain('MARU_ALLOW_PRIVATE_NETWORKS'); // the operator's switch, not a config field
    }
    // A public literal address passes without DNS.
    expect(
      (await w.admin('PUT', '/channels/text_message', { vendor: 'webhook', config: { url: 'https://93.184.215.14/hook', secret: 'whsec_0123456789abcdef' } }))
        .status,
    ).toBe(200);
  });

  it('answers 401 without the admin token and 404 for an unknown project', async () => {
    w = await channelWorld();
    expect((await w.inject('GET', `/admin/v1/projects/${w.project.id}/channels`)).status).toBe(401);
    expect((await w.inject('PUT', `/admin/v1/projects/${w.project.id}/channels/email`, { vendor: 'smtp', config: { host: 'smtp.example.com' } })).status).toBe(
      401,
    );
    expect((await w.inject('GET', '/admin/v1/projects/nosuchproject/channels', undefined, adminHeaders)).status).toBe(404);
  });
});

describe('credentials at rest', () => {
  // Scans the embedded store's files; on PostgreSQL the data is not in the data dir.
  it.skipIf(!EMBEDDED_STORE)('returns no secret and writes none in plain text to the database files', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'maru-channels-'));
    cleanup.push(() => rmSync(dataDir, { recursive: true, force: true }));
    w = await channelWorld({ config: { dataDir } });
    const fcmKey = rsaPem();
    const p8 = p8Pem();
    const vapid = generateVapidKeys();
    const secrets = {
      smtp: 'smtp-pass-Zq8wX1',
      fcmKeyLine: pemLine(fcmKey),
      fcmKeyId: 'f00dfeedf00dfeedf00dfeedf00dfeedf00dfeed',
      p8Line: pemLine(p8),
      vapid: vapid.privateKey,
      webhook: 'whsec_webhook-secret-Lm4Pq',
      twilio: 'twilio-token-Hj7Kd9',
      nhn: 'nhn-secret-Xc3Vb5',
      header: 'Bearer receiver-token-Rt6Yu2',
    };
    const configs: [string, string, Record<string, unknown>][] = [
      ['email', 'smtp', { host: 'smtp.example.com', auth: { user: 'relay', pass: secrets.smtp } }],
      [
        'push',
        'fcm+apns',
        { fcm: { serviceAccount: serviceAccount(fcmKey) }, apns: { keyId: 'ABC123DEFG', teamId: 'DEF123GHIJ', privateKey: p8, bundleId: 'com.shop.app' } },
      ],
      ['web_push', 'vapid', { vapid: { subject: 'mailto:ops@shop.example', ...vapid } }],
      ['text_message', 'twilio', { accountSid: 'AC' + 'a'.repeat(32), authToken: secrets.twilio }],
      ['kakao_alimtalk', 'nhn-bizmessage', { appKey: 'app-key-1', secretKey: secrets.nhn }],
    ];
    const answers: string[] = [];
    for (const [channel, vendor, config] of configs) {
      const r = await w.admin('PUT', `/channels/${channel}`, { vendor, config });
      expect(r.status, r.text).toBe(200);
      answers.push(r.text);
    }
    const hook = await w.admin('PUT', '/channels/kakao_alimtalk', {
      vendor: 'webhook',
      config: { url: 'https://hooks.example.com/maru', secret: secrets.webhook, headers: { authorization: secrets.header } },
    });
    expect(hook.status).toBe(200);
    answers.push(hook.text);
    const list = await w.admin('GET', '/channels');
    answers.push(list.text);
    expect(list.body.channels.map((c: { channel: string; vendor: string }) => `${c.channel}/${c.vendor}`)).toEqual([
      'email/smtp',
      'kakao_alimtalk/webhook',
      'push/fcm+apns',
      'text_message/twilio',
      'web_push/vapid',
    ]);
    const push = list.body.channels.find((c: { channel: string }) => c.channel === 'push');
    expect(push.config).toEqual({
      fcm: {
        serviceAccount: {
          type: 'service_account',
          project_id: 'shop-prod',
          private_key_id: '[set]',
          private_key: '[set]',
          client_email: 'maru@shop-prod.iam.gserviceaccount.com',
          token_uri: 'https://oauth2.googleapis.com/token',
        },
      },
      apns: { keyId: 'ABC123DEFG', teamId: 'DEF123GHIJ', privateKey: '[set]', bundleId: 'com.shop.app' },
    });
    for (const text of answers) for (const s of Object.values(secrets)) expect(text).not.toContain(s);

    // The provider the registry builds has the real credentials (it opens the sealed config).
    expect(w.runtime.channelConfigs.source(w.project, 'text_message')).toEqual({
      vendor: 'twilio',
      config: { accountSid: 'AC' + 'a'.repeat(32), authToken: secrets.twilio },
    });

    const rows = await w.runtime.store.db.selectFrom('channel_configs').select(['channel', 'sealed_config']).execute();
    for (const r of rows) expect(r.sealed_config).toMatch(/^v1:[A-Za-z0-9_-]{16}:[A-Za-z0-9_-]+$/);
    await w.close();
    w = undefined;
    // Every byte maru wrote (database, WAL, anything else in the data dir).
    const bytes = readdirSync(dataDir)
      .map((f) => readFileSync(join(dataDir, f)).toString('latin1'))
      .join('\n');
    expect(bytes).toContain('smtp.example.com'); // the scan reads the right files
    for (const [name, s] of Object.entries(secrets)) expect(bytes.includes(s), name).toBe(false);
  });

  it('refuses provider credentials in plain project settings (PATCH) and changes nothing', async () => {
    w = await channelWorld({});
    const before = await w.admin('GET', '');
    const r = await w.admin('PATCH', '', {
      settings: { channels: { email: { vendor: 'smtp', config: { host: 'smtp.example.com', auth: { user: 'u', pass: 'hunter2' } } } } },
    });
    expect(r.status).toBe(400);
    expect((r.body as { error: unknown }).error).toMatchObject({ code: 'invalid_input', field: 'settings.channels.email.config' });
    // The project as stored, not the whole reply: the Date header ticks between the two reads.
    const after = await w.admin('GET', '');
    expect([after.status, after.body]).toEqual([before.status, before.body]);
  });

  it('refuses to store credentials without MARU_SECRET_KEY', async () => {
    w = await channelWorld({ config: { secretKey: undefined } });
    const r = await w.admin('PUT', '/channels/text_message', {
      vendor: 'webhook',
      config: { url: 'https://hooks.example.com/x', secret: 'whsec_0123456789abcdef' },
    });
    expect(r.status).toBe(400);
    expect(r.body.error).toMatchObject({ code: 'invalid_input', field: 'config', details: { setting: 'MARU_SECRET_KEY' } });
    expect(r.body.error.message).toContain('MARU_SECRET_KEY');
    expect((await w.admin('GET', '/channels')).body).toEqual({ channels: [] });
    expect(w.runtime.providers.resolve(w.project, 'text_message').vendor).toBe('sandbox');
  });

  it('a config sealed under another key is shown unreadable and fails its deliveries with the reason', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'maru-channels-'));
    cleanup.push(() => rmSync(dataDir, { recursive: true, force: true }));
    w = await channelWorld({ config: { dataDir } });
    const projectId = w.project.id;
    expect(
      (await w.admin('PUT', '/channels/text_message', { vendor: 'webhook', config: { url: 'https://hooks.example.com/x', secret: 'whsec_0123456789abcdef' } }))
        .status,
    ).toBe(200);
    await user(w, { userId: 'u1', phone: '01011112222' });
    const id = await campaign(w, { channel: 'text_message', template: { kind: 'sms', body: 'hi', from: '0212345678' } });
    await w.close();
    w = undefined;

    const other = await buildTestApp({
      clock: new ManualClock('2025-01-06T01:00:00.000Z'),
      config: { dataDir, secretKey: 'a-different-secret-key-0123456789abcdef' },
    });
    cleanup.push(() => other.close());
    const list = await other.app.inject({ method: 'GET', url: `/admin/v1/projects/${projectId}/channels`, headers: adminHeaders });
    expect(list.json().channels).toMatchObject([{ channel: 'text_message', vendor: 'webhook', readable: false, config: { secret: '[set]' } }]);
    await other.runtime.deliveries.sendApi({ projectId, campaignId: id, body: { recipients: [{ type: 'user-id', userId: 'u1' }] } });
    await other.runtime.queue.drain();
    const [d] = await other.runtime.deliveries.list(projectId, { campaignId: id });
    expect(d.state).toBe('failed');
    expect(d.reason).toMatch(
      /^provider_not_configured: the stored text_message provider config \(webhook\) cannot be opened: it was sealed with another MARU_SECRET_KEY/,
    );
  });
});

describe('several processes', () => {
  it("a process sees another process's change after refresh (generation check)", async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'maru-channels-'));
    cleanup.push(() => rmSync(dataDir, { recursive: true, force: true }));
    const config = { dataDir, secretKey: TEST_SECRET_KEY, allowPrivateNetworks: true };
    const a: TestApp = await buildTestApp({ config });
    cleanup.push(() => a.close());
    const { project } = await createProject(a.runtime);
    const b: TestApp = await buildTestApp({ config });
    cleanup.push(() => b.close());
    const bProject = (await b.runtime.projects.find(project.id))!;

    await a.runtime.channelConfigs.set({
      projectId: project.id,
      channel: 'email',
      vendor: 'webhook',
      config: { url: 'https://hooks.example.com/x', secret: 'whsec_0123456789abcdef' },
    });
    expect(b.runtime.channelConfigs.source(bProject, 'email')).toBeUndefined();
    await b.runtime.channelConfigs.refresh();
    expect(b.runtime.channelConfigs.source(bProject, 'email')?.vendor).toBe('webhook');
    expect(b.runtime.providers.resolve(bProject, 'email').vendor).toBe('webhook');

    await a.runtime.channelConfigs.remove(project.id, 'email');
    await b.runtime.channelConfigs.refresh();
    expect(b.runtime.providers.resolve(bProject, 'email').vendor).toBe('sandbox');
  });
});
