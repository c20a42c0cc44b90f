import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startSmtpFake, type SmtpFake } from '../fakes/smtp.fake.ts';
import { signedIn } from '../helpers/console.ts';
import { channelWorld, type ChannelWorld } from '../helpers/channels.ts';

/**
 * "Send a test message" (POST /admin/v1/projects/:id/channels/:channel/test): one message through the provider the
 * channel's deliveries use — the sandbox (its outbox records it) or a configured vendor (a real SMTP server on
 * loopback) — answered with the outcome; bad input is a 400 naming the field with nothing sent; owners only.
 */
let w: ChannelWorld;
let smtp: SmtpFake | undefined;

beforeEach(async () => {
  w = await channelWorld({ settings: { messaging: { emailFrom: 'news@shop.example', emailFromName: 'Shop' } } });
});
afterEach(async () => {
  await w?.close();
  await smtp?.close();
  smtp = undefined;
});

const outbox = async () =>
  (await w.admin('GET', '/outbox')).body.outbox as {
    idempotency_key: string;
    channel: string;
    recipient: string;
    message: Record<string, unknown>;
    state: string;
  }[];

describe('send a test message', () => {
  it('without a vendor it goes to the sandbox, which records it and answers like a vendor', async () => {
    const r = await w.admin('POST', '/channels/email/test', { to: 'me@example.com' });
    expect(r.status, r.text).toBe(200);
    expect(r.body).toMatchObject({ ok: true, retryable: false, vendor: 'sandbox' });
    expect(r.body.idempotencyKey).toMatch(/^test:[0-9a-f-]{36}$/);
    const [entry] = await outbox();
    expect(entry).toMatchObject({ idempotency_key: r.body.idempotencyKey, channel: 'email', recipient: 'me@example.com', state: 'delivered' });
    expect(r.body.providerMessageId).toBe((await w.admin('GET', '/outbox')).body.outbox[0].id);
    expect(entry.message).toMatchObject({
      from: { address: 'news@shop.example', name: 'Shop' },
      subject: 'maru test message',
      text: 'This is a test message from maru. Your channel provider works.',
    });
  });

  it("a refusal is answered with the provider's reason (the sandbox's failure rule refusing the recipient)", async () => {
    expect(
      (await w.admin('PUT', '/sandbox', { failures: [{ recipients: ['bounce@example.com'], mode: 'permanent', reason: 'mailbox unavailable' }] })).status,
    ).toBe(200);
    const r = await w.admin('POST', '/channels/email/test', { to: 'bounce@example.com' });
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({ ok: false, retryable: false, vendor: 'sandbox', reason: 'mailbox unavailable' });
  });

  it('through a configured SMTP provider: the SMTP server receives the message from the project sender', async () => {
    smtp = await startSmtpFake({ auth: { user: 'relay-user', pass: 'relay-pass-0123' } });
    const put = await w.admin('PUT', '/channels/email', {
      vendor: 'smtp',
      config: { host: smtp.host, port: smtp.port, secure: false, ignoreTLS: true, pool: false, auth: { user: 'relay-user', pass: 'relay-pass-0123' } },
    });
    expect(put.status, put.text).toBe(200);
    const r = await w.admin('POST', '/channels/email/test', { to: ' owner@example.com ' });
    expect(r.status, r.text).toBe(200);
    expect(r.body).toMatchObject({ ok: true, vendor: 'smtp' });
    expect(smtp.messages).toHaveLength(1);
    const [m] = smtp.messages;
    expect(m.authenticatedUser).toBe('relay-user');
    expect(m.mailFrom).toBe('news@shop.example');
    expect(m.rcptTo).toEqual(['owner@example.com']);
    expect(m.header('subject')).toBe('maru test message');
    expect(m.header('message-id')).toBe(r.body.providerMessageId);
    expect(await outbox()).toEqual([]);

    // The SMTP server refusing the login is a failure with its reason, not an error of the route.
    await smtp.close();
    smtp = await startSmtpFake({ auth: { user: 'relay-user', pass: 'another-password' } });
    expect(
      (
        await w.admin('PUT', '/channels/email', {
          vendor: 'smtp',
          config: { host: smtp.host, port: smtp.port, secure: false, ignoreTLS: true, pool: false, auth: { user: 'relay-user', pass: 'relay-pass-0123' } },
        })
      ).status,
    ).toBe(200);
    const refused = await w.admin('POST', '/channels/email/test', { to: 'owner@example.com' });
    expect(refused.status).toBe(200);
    expect(refused.body.ok).toBe(false);
    expect(refused.body.vendor).toBe('smtp');
    expect(refused.body.reason).toMatch(/auth/i);
    expect(smtp.messages).toHaveLength(0);
  });

  it('a text message goes from the default sender number to the number as typed', async () => {
    const none = await w.admin('POST', '/channels/text_message/test', { to: '010-1234-5678' });
    expect(none.status).toBe(400);
    expect(none.body.error.field).toBe('from');
    expect(await outbox()).toEqual([]);
    expect((await w.admin('POST', '/messaging/sender-numbers', { number: '1544-6859' })).status).toBe(201);
    const r = await w.admin('POST', '/channels/text_message/test', { to: ' 010-1234-5678 ' });
    expect(r.status, r.text).toBe(200);
    expect(r.body).toMatchObject({ ok: true, vendor: 'sandbox' });
    const [entry] = await outbox();
    expect(entry).toMatchObject({ channel: 'text_message', recipient: '010-1234-5678' });
    expect(entry.message).toMatchObject({ kind: 'sms', from: '15446859', to: '010-1234-5678' });
  });

  it('bad input is a 400 naming the field, and nothing is sent', async () => {
    const cases: [string, unknown, string][] = [
      ['/channels/email/test', {}, 'to'],
      ['/channels/email/test', { to: 'not an address' }, 'to'],
      ['/channels/email/test', { to: 42 }, 'to'],
      ['/channels/fax/test', { to: 'me@example.com' }, 'channel'],
      ['/channels/text_message/test', { to: 'call me' }, 'to'],
      ['/channels/push/test', { to: 'token', platform: 'windows' }, 'platform'],
      ['/channels/web_push/test', { to: '{"endpoint": "http://push.example"}' }, 'to'],
      ['/channels/web_push/test', { to: 'not json' }, 'to'],
    ];
    for (const [path, body, field] of cases) {
      const r = await w.admin('POST', path, body);
      expect(r.status, `${path} ${JSON.stringify(body)}: ${r.text}`).toBe(400);
      expect(r.body.error.field, `${path} ${JSON.stringify(body)}`).toBe(field);
    }
    expect(await outbox()).toEqual([]);
  });

  it('push and web push go to the token or subscription given', async () => {
    const push = await w.admin('POST', '/channels/push/test', { to: 'fcm-token-123', platform: 'ios' });
    expect(push.body).toMatchObject({ ok: true, vendor: 'sandbox' });
    const sub = { endpoint: 'https://push.example.com/send/abc', keys: { p256dh: 'BP256', auth: 'AUTH' } };
    const web = await w.admin('POST', '/channels/web_push/test', { to: JSON.stringify(sub) });
    expect(web.body).toMatchObject({ ok: true, vendor: 'sandbox' });
    const entries = await outbox();
    expect(entries.map((e) => [e.channel, e.recipient]).sort()).toEqual([
      ['push', 'fcm-token-123'],
      ['web_push', 'https://push.example.com/send/abc'],
    ]);
    expect(entries.find((e) => e.channel === 'push')!.message).toMatchObject({ platform: 'ios', title: 'maru test message' });
  });

  it("owners only: a marketer is refused (403) and nothing is sent; an owner's test is in the audit log", async () => {
    const projectId = w.project.id;
    const marketer = await signedIn(w.t.app, w.runtime, { email: 'marketer@example.com', roles: [{ projectId, role: 'marketer' }] });
    const owner = await signedIn(w.t.app, w.runtime, { email: 'owner@example.com', roles: [{ projectId, role: 'owner' }] });
    const refused = await marketer.request({ method: 'POST', url: `/admin/v1/projects/${projectId}/channels/email/test`, payload: { to: 'me@example.com' } });
    expect(refused.statusCode).toBe(403);
    expect(await outbox()).toEqual([]);
    const done = await owner.request({ method: 'POST', url: `/admin/v1/projects/${projectId}/channels/email/test`, payload: { to: 'me@example.com' } });
    expect(done.statusCode, done.body).toBe(200);
    const audit = (await owner.request({ method: 'GET', url: `/admin/v1/projects/${projectId}/audit` })).json().items as {
      action: string;
      target: string;
      actor: { email?: string };
      details: Record<string, unknown>;
    }[];
    expect(audit[0]).toMatchObject({
      action: 'provider.tested',
      target: 'channel:email',
      actor: { email: 'owner@example.com' },
      details: { vendor: 'sandbox', to: 'me@example.com', ok: true },
    });
  });

  it('is documented in the OpenAPI document with its body and answer', async () => {
    const doc = (await w.inject('GET', '/docs/json')).body as {
      paths: Record<
        string,
        Record<
          string,
          {
            'x-maru-permission'?: string;
            requestBody?: unknown;
            responses: Record<string, { content?: { 'application/json'?: { schema?: { properties?: Record<string, unknown> } } } }>;
          }
        >
      >;
    };
    const op = doc.paths['/admin/v1/projects/{projectId}/channels/{channel}/test']?.post;
    expect(op?.['x-maru-permission']).toBe('project:admin');
    expect(Object.keys(op!.responses['200'].content!['application/json']!.schema!.properties!).sort()).toEqual([
      'idempotencyKey',
      'ok',
      'providerMessageId',
      'reason',
      'retryable',
      'vendor',
    ]);
  });
});
