import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startWebhookFake } from '../../../test/fakes/webhook.fake.ts';
import type { WebhookFake } from '../../../test/fakes/webhook.fake.ts';
import type { Resolver } from '../../platform/net-guard.ts';
import type { WebhookProvider } from '../provider.types.ts';
import { createWebhookProvider, signWebhookBody } from './webhook.provider.ts';
import type { WebhookProviderConfig } from './webhook.provider.ts';

const secret = 'whsec_0123456789abcdef';
let fake: WebhookFake;
const providers: WebhookProvider[] = [];

function provider(config: Partial<WebhookProviderConfig> = {}, deps: Parameters<typeof createWebhookProvider>[1] = {}): WebhookProvider {
  const created = createWebhookProvider({ url: fake.url, secret, allowPrivateNetworks: true, timeoutMs: 2_000, ...config }, deps);
  providers.push(created);
  return created;
}

const message = { idempotencyKey: 'dlv_01HZX', payload: { campaignId: 'c1', to: 'user-1', text: '안녕하세요 {"quoted"}' } };

beforeEach(async () => {
  fake = await startWebhookFake({ secret });
});
afterEach(async () => {
  await Promise.all(providers.splice(0).map((p) => p.close?.()));
  await fake.close();
});

describe('webhook provider', () => {
  it('posts the payload as JSON with a signature the receiver verifies', async () => {
    const result = await provider().send(message);

    expect(result).toEqual({ ok: true, retryable: false, providerMessageId: undefined });
    expect(fake.requests).toHaveLength(1);
    const [request] = fake.requests;
    expect(request.problems).toEqual([]);
    expect(request.method).toBe('POST');
    expect(request.body).toEqual(message.payload);
    expect(request.headers['x-maru-idempotency-key']).toBe('dlv_01HZX');
    const timestamp = Number(request.headers['x-maru-timestamp']);
    expect(Math.abs(timestamp - Date.now() / 1000)).toBeLessThan(5);
    expect(request.headers['x-maru-signature']).toBe(signWebhookBody({ secret, timestamp, body: request.rawBody }));
  });

  it('is refused by the receiver when signed with another secret (the fake really verifies)', async () => {
    const result = await provider({ secret: 'another-secret-entirely' }).send(message);

    expect(result.ok).toBe(false);
    expect(result.retryable).toBe(false);
    expect(result.reason).toContain('HTTP 400');
    expect(fake.requests[0].problems).toEqual(['signature mismatch']);
  });

  it('is refused by the receiver when the timestamp is stale', async () => {
    const result = await provider({}, { now: () => Date.now() - 3_600_000 }).send(message);

    expect(result.ok).toBe(false);
    expect(fake.requests[0].problems).toEqual(['x-maru-timestamp outside tolerance']);
  });

  it('sends configured static headers', async () => {
    await provider({ headers: { authorization: 'Bearer receiver-token' } }).send(message);
    expect(fake.requests[0].headers.authorization).toBe('Bearer receiver-token');
  });

  it('maps 429 with Retry-After to retryable with retryAfterMs', async () => {
    fake.failNext({ kind: 'status', status: 429, headers: { 'retry-after': '7' } });
    const result = await provider().send(message);
    expect(result).toMatchObject({ ok: false, retryable: true, retryAfterMs: 7_000 });
    expect(fake.requests).toHaveLength(1);
  });

  it.each([500, 502, 503])('maps %i to retryable', async (status) => {
    fake.failNext({ kind: 'status', status, body: 'upstream down' });
    const result = await provider().send(message);
    expect(result).toMatchObject({ ok: false, retryable: true });
    expect(result.reason).toContain(`HTTP ${status}`);
    expect(result.retryAfterMs).toBeUndefined();
  });

  it.each([400, 401, 404, 410, 422])('maps %i to permanent', async (status) => {
    fake.failNext({ kind: 'status', status });
    const result = await provider().send(message);
    expect(result).toMatchObject({ ok: false, retryable: false });
    expect(result.invalidRecipient).toBeUndefined();
  });

  it('does not follow redirects', async () => {
    fake.failNext({ kind: 'status', status: 302, headers: { location: 'http://169.254.169.254/latest/meta-data/' } });
    const result = await provider().send(message);
    expect(result).toMatchObject({ ok: false, retryable: false });
    expect(result.reason).toContain('redirect');
    expect(fake.requests).toHaveLength(1);
  });

  it('maps a reset connection to retryable', async () => {
    fake.failNext({ kind: 'reset' });
    const result = await provider().send(message);
    expect(result).toMatchObject({ ok: false, retryable: true });
  });

  it('maps a timeout to retryable', async () => {
    fake.failNext({ kind: 'hang' });
    const started = Date.now();
    const result = await provider({ timeoutMs: 200 }).send(message);
    expect(result).toMatchObject({ ok: false, retryable: true, reason: 'webhook request failed: timed out' });
    expect(Date.now() - started).toBeLessThan(2_000);
  });

  it('maps a refused connection to retryable', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise<void>((resolve) => closed.close(() => resolve()));

    const result = await provider({ url: `http://127.0.0.1:${port}/hook` }).send(message);
    expect(result).toMatchObject({ ok: false, retryable: true, reason: 'webhook request failed: ECONNREFUSED' });
  });
});

describe('webhook provider SSRF guard', () => {
  it('refuses a loopback URL by default and sends nothing', async () => {
    const result = await provider({ allowPrivateNetworks: undefined }).send(message);
    expect(result).toMatchObject({ ok: false, retryable: false });
    expect(result.reason).toContain('127.0.0.1 is a loopback address');
    expect(fake.requests).toHaveLength(0);
  });

  it('refuses a host name that resolves to loopback (localhost)', async () => {
    const result = await provider({ url: `http://localhost:${fake.port}/hooks/maru`, allowPrivateNetworks: false }).send(message);
    expect(result).toMatchObject({ ok: false, retryable: false });
    expect(result.reason).toMatch(/localhost resolves to (127\.0\.0\.1|::1), a loopback address/);
    expect(fake.requests).toHaveLength(0);
  });

  it('refuses when any one of the resolved addresses is private', async () => {
    const resolve: Resolver = async () => [
      { address: '93.184.216.34', family: 4 },
      { address: '10.1.2.3', family: 4 },
    ];
    const result = await provider({ url: 'https://hooks.example.test/in', allowPrivateNetworks: false }, { resolve }).send(message);
    expect(result).toMatchObject({ ok: false, retryable: false });
    expect(result.reason).toContain('10.1.2.3, a private address');
  });

  it('treats a DNS failure as retryable', async () => {
    const resolve: Resolver = async () => {
      throw Object.assign(new Error('getaddrinfo'), { code: 'EAI_AGAIN' });
    };
    const result = await provider({ url: 'https://hooks.example.test/in', allowPrivateNetworks: false }, { resolve }).send(message);
    expect(result).toMatchObject({ ok: false, retryable: true });
    expect(result.reason).toContain('EAI_AGAIN');
  });

  it('connects to the address it checked, without resolving again', async () => {
    let lookups = 0;
    // First answer is the loopback fake; a second lookup (a rebinding attacker's chance) would get another address.
    const resolve: Resolver = async () => {
      lookups += 1;
      return lookups === 1 ? [{ address: '127.0.0.1', family: 4 }] : [{ address: '10.255.255.1', family: 4 }];
    };
    const result = await provider({ url: `http://hooks.maru.test:${fake.port}/hooks/maru` }, { resolve }).send(message);

    expect(result.ok).toBe(true);
    expect(lookups).toBe(1);
    expect(fake.requests[0].host).toBe(`hooks.maru.test:${fake.port}`);
    expect(fake.requests[0].problems).toEqual([]);
  });
});

describe('webhook provider config', () => {
  const base = { url: 'https://hooks.example.com/in', secret };
  it.each([
    [{ ...base, url: 'not a url' }, '"url"'],
    [{ ...base, url: 'ftp://hooks.example.com/in' }, '"url" must use http or https'],
    [{ ...base, secret: 'short' }, '"secret"'],
    [{ ...base, timeoutMs: 0 }, '"timeoutMs"'],
    [{ ...base, headers: { 'x-maru-signature': 'v1=forged' } }, '"headers.x-maru-signature" is set by maru'],
    [{ ...base, headers: { 'x-bad': 'a\r\nInjected: 1' } }, '"headers.x-bad"'],
  ])('rejects %j', (config, field) => {
    expect(() => createWebhookProvider(config as WebhookProviderConfig)).toThrow(field);
  });
});
