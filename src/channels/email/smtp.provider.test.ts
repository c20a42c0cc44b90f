import { createHash } from 'node:crypto';
import { createServer } from 'node:net';
import type { AddressInfo, Server, Socket } from 'node:net';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startSmtpFake } from '../../../test/fakes/smtp.fake.ts';
import type { SmtpFake } from '../../../test/fakes/smtp.fake.ts';
import type { EmailMessage, EmailProvider } from '../provider.types.ts';
import { createSmtpProvider } from './smtp.provider.ts';
import { createOutboundGuard } from '../../platform/outbound-guard.ts';
import type { SmtpProviderConfig } from './smtp.provider.ts';

// The fakes listen on loopback: the operator's allow setting (MARU_ALLOW_PRIVATE_NETWORKS) lets the provider reach them.
const network = createOutboundGuard({ allowPrivateNetworks: true });
let fake: SmtpFake;
const providers: EmailProvider[] = [];

function provider(config: Partial<SmtpProviderConfig> = {}): EmailProvider {
  const created = createSmtpProvider({ host: fake.host, port: fake.port, secure: false, ignoreTLS: true, ...config }, { network });
  providers.push(created);
  return created;
}

const advertising: EmailMessage = {
  idempotencyKey: 'dlv_42',
  from: { address: 'news@shop.example', name: '마루 상점' },
  to: 'kim@customer.example',
  subject: '(광고) 주말 특가 안내',
  html: '<p>안녕하세요 <b>김</b>님, 주말 특가입니다.</p>',
  text: '안녕하세요 김님, 주말 특가입니다.',
  headers: {
    'List-Unsubscribe': '<https://maru.example/u/dlv_42?sig=abc>, <mailto:unsubscribe@shop.example?subject=dlv_42>',
    'List-Unsubscribe-Post': 'List-Unsubscribe=One-Click',
  },
};

beforeEach(async () => {
  fake = await startSmtpFake();
});
afterEach(async () => {
  await Promise.all(providers.splice(0).map((p) => p.close?.()));
  await fake.close();
});

describe('smtp provider', () => {
  it('delivers HTML and text parts with sender, subject and custom headers intact', async () => {
    const result = await provider().send(advertising);

    expect(fake.messages).toHaveLength(1);
    const [mail] = fake.messages;
    expect(mail.mailFrom).toBe('news@shop.example');
    expect(mail.rcptTo).toEqual(['kim@customer.example']);
    expect(mail.contentType).toBe('multipart/alternative');
    expect(mail.html).toBe(advertising.html);
    expect(mail.text).toBe(advertising.text);
    expect(mail.header('subject')).toBe('(광고) 주말 특가 안내');
    expect(mail.header('from')).toBe('마루 상점 <news@shop.example>');
    expect(mail.header('to')).toBe('kim@customer.example');
    expect(mail.header('list-unsubscribe')).toBe(advertising.headers?.['List-Unsubscribe']);
    expect(mail.header('list-unsubscribe-post')).toBe('List-Unsubscribe=One-Click');
    expect(result).toEqual({ ok: true, retryable: false, providerMessageId: mail.header('message-id') });
  });

  it('derives a stable Message-ID from the idempotency key', async () => {
    const p = provider();
    const first = await p.send(advertising);
    const again = await p.send(advertising);
    const other = await p.send({ ...advertising, idempotencyKey: 'dlv_43' });

    const digest = createHash('sha256').update('dlv_42').digest('hex').slice(0, 32);
    expect(first.providerMessageId).toBe(`<${digest}@shop.example>`);
    expect(again.providerMessageId).toBe(first.providerMessageId);
    expect(other.providerMessageId).not.toBe(first.providerMessageId);
    expect(fake.messages.map((m) => m.header('message-id'))).toEqual([first.providerMessageId, first.providerMessageId, other.providerMessageId]);
  });

  it('uses the configured default sender, envelope sender and Message-ID domain', async () => {
    const result = await provider({
      from: { address: 'noreply@maru.example', name: 'Maru' },
      envelopeFrom: 'bounces@maru.example',
      messageIdDomain: 'mail.maru.example',
    }).send({ ...advertising, from: { address: '' }, headers: undefined });

    expect(fake.messages[0].header('from')).toBe('Maru <noreply@maru.example>');
    expect(fake.messages[0].mailFrom).toBe('bounces@maru.example');
    expect(result.providerMessageId).toMatch(/^<[0-9a-f]{32}@mail\.maru\.example>$/);
  });

  it('sends a text-only message without a multipart wrapper, over a fresh connection when pooling is off', async () => {
    await provider({ pool: false }).send({ ...advertising, html: undefined, headers: undefined });
    expect(fake.messages[0].contentType).toBe('text/plain');
    expect(fake.messages[0].text).toBe(advertising.text);
  });

  it('authenticates with the configured credentials', async () => {
    await fake.close();
    fake = await startSmtpFake({ auth: { user: 'relay-user', pass: 'relay-pass' } });

    const ok = await provider({ auth: { user: 'relay-user', pass: 'relay-pass' } }).send(advertising);
    const bad = await provider({ auth: { user: 'relay-user', pass: 'wrong' } }).send(advertising);

    expect(ok.ok).toBe(true);
    expect(fake.messages).toHaveLength(1);
    expect(fake.messages[0].authenticatedUser).toBe('relay-user');
    expect(bad).toMatchObject({ ok: false, retryable: false });
    expect(bad.reason).toContain('535');
  });

  it('maps a 4xx at RCPT TO to retryable', async () => {
    fake.failRecipient('kim@customer.example', 451, '4.7.1 Greylisted, try again later');
    const result = await provider().send(advertising);
    expect(result).toMatchObject({ ok: false, retryable: true });
    expect(result.reason).toContain('451');
    expect(result.invalidRecipient).toBeUndefined();
    expect(fake.messages).toHaveLength(0);
  });

  it('maps 550 5.1.1 at RCPT TO to permanent with invalidRecipient', async () => {
    fake.failRecipient('kim@customer.example', 550, '5.1.1 Mailbox does not exist');
    const result = await provider().send(advertising);
    expect(result).toMatchObject({ ok: false, retryable: false, invalidRecipient: true });
    expect(result.reason).toContain('550 at RCPT TO');
  });

  it('maps a 5xx policy rejection to permanent without invalidRecipient', async () => {
    fake.failRecipient('kim@customer.example', 554, '5.7.1 Relay access denied');
    const result = await provider().send(advertising);
    expect(result).toMatchObject({ ok: false, retryable: false });
    expect(result.invalidRecipient).toBeUndefined();
  });

  it('maps a 4xx at end of DATA to retryable and a 5xx to permanent', async () => {
    const p = provider();
    fake.failNextData(452, '4.3.1 Insufficient system storage');
    const deferred = await p.send(advertising);
    fake.failNextData(552, '5.3.4 Message too big');
    const rejected = await p.send(advertising);

    expect(deferred).toMatchObject({ ok: false, retryable: true });
    expect(deferred.reason).toContain('452');
    expect(rejected).toMatchObject({ ok: false, retryable: false });
    expect(rejected.reason).toContain('552');
    expect(fake.messages).toHaveLength(0);
  });

  it('maps a refused connection to retryable', async () => {
    const probe = createServer();
    await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
    const port = (probe.address() as AddressInfo).port;
    await new Promise<void>((resolve) => probe.close(() => resolve()));

    const result = await provider({ port }).send(advertising);
    expect(result).toMatchObject({ ok: false, retryable: true });
    expect(result.reason).toContain('ECONNREFUSED');
  });

  it('maps a server that never greets to retryable (greeting timeout)', async () => {
    const sockets = new Set<Socket>();
    const silent: Server = createServer((socket) => sockets.add(socket));
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    try {
      const port = (silent.address() as AddressInfo).port;
      const result = await provider({ port, greetingTimeoutMs: 150, pool: false }).send(advertising);
      expect(result).toMatchObject({ ok: false, retryable: true });
      expect(result.reason).toContain('ETIMEDOUT');
    } finally {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => silent.close(() => resolve()));
    }
  });

  it('maps a failed STARTTLS requirement to permanent (configuration)', async () => {
    const result = await provider({ ignoreTLS: false, requireTLS: true }).send(advertising);
    expect(result).toMatchObject({ ok: false, retryable: false });
    expect(fake.messages).toHaveLength(0);
  });

  it('refuses headers it owns or that would inject lines', async () => {
    const p = provider();
    await expect(p.send({ ...advertising, headers: { Subject: 'x' } })).rejects.toThrow('header "Subject" is set by the provider');
    await expect(p.send({ ...advertising, headers: { 'X-Campaign': 'a\r\nBcc: victim@example.com' } })).rejects.toThrow('header "X-Campaign"');
    await expect(p.send({ ...advertising, subject: 'hi\r\nBcc: victim@example.com' })).rejects.toThrow('"subject"');
    expect(fake.messages).toHaveLength(0);
  });
});

describe('smtp provider config', () => {
  it.each([
    [{ host: '' }, '"host"'],
    [{ host: 'smtp.example.com', port: 0 }, '"port"'],
    [{ host: 'smtp.example.com', auth: { user: '', pass: 'x' } }, '"auth.user"'],
    [{ host: 'smtp.example.com', ignoreTLS: true, requireTLS: true }, '"ignoreTLS" and "requireTLS"'],
    [{ host: 'smtp.example.com', connectionTimeoutMs: -1 }, '"connectionTimeoutMs"'],
    [{ host: 'smtp.example.com', from: { address: 'not-an-address' } }, '"from.address"'],
    [{ host: 'smtp.example.com', pool: { maxConnections: 0 } }, '"pool.maxConnections"'],
  ])('rejects %j', (config, field) => {
    expect(() => createSmtpProvider(config as SmtpProviderConfig)).toThrow(field);
  });
});
