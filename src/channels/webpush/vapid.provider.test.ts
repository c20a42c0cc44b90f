import { request } from 'node:https';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import webpush from 'web-push';
import { loopbackTls } from '../../../test/fakes/apns.fake.ts';
import { startWebPushFake } from '../../../test/fakes/webpush.fake.ts';
import type { WebPushFake, WebPushFakeFailure } from '../../../test/fakes/webpush.fake.ts';
import type { Resolver } from '../../platform/net-guard.ts';
import type { WebPushMessage, WebPushProvider } from '../provider.types.ts';
import { createVapidProvider, generateVapidKeys } from './vapid.provider.ts';
import type { VapidProviderConfig } from './vapid.provider.ts';

const vapid = { subject: 'mailto:ops@maru.example', ...generateVapidKeys() };
let fake: WebPushFake;
const providers: WebPushProvider[] = [];

function provider(config: Partial<VapidProviderConfig> = {}, deps: Parameters<typeof createVapidProvider>[1] = {}): WebPushProvider {
  const created = createVapidProvider({ vapid, ca: loopbackTls.cert, allowPrivateNetworks: true, timeoutMs: 2_000, ...config }, deps);
  providers.push(created);
  return created;
}

function messageFor(subscription: WebPushMessage['subscription']): WebPushMessage {
  return {
    idempotencyKey: 'dlv_web_1',
    subscription,
    title: '장바구니에 상품이 남아 있어요',
    body: '오늘 주문하면 내일 도착',
    url: 'https://shop.example/cart',
    iconUrl: 'https://shop.example/icon.png',
    imageUrl: 'https://shop.example/banner.png',
  };
}

beforeEach(async () => {
  fake = await startWebPushFake();
});
afterEach(async () => {
  await Promise.all(providers.splice(0).map((p) => p.close?.()));
  await fake.close();
});

describe('vapid web push provider', () => {
  it('sends an encrypted payload with a VAPID JWT the push service verifies', async () => {
    const { id, subscription } = fake.subscribe();
    const result = await provider().send(messageFor(subscription));

    expect(fake.requests).toHaveLength(1);
    const [received] = fake.requests;
    expect(received.problems).toEqual([]);
    expect(received.subscriptionId).toBe(id);
    expect(received.payload).toEqual({
      title: '장바구니에 상품이 남아 있어요',
      body: '오늘 주문하면 내일 도착',
      url: 'https://shop.example/cart',
      icon: 'https://shop.example/icon.png',
      image: 'https://shop.example/banner.png',
      tag: 'dlv_web_1',
    });
    expect(received.headers).toMatchObject({ ttl: '86400', urgency: 'normal', 'content-encoding': 'aes128gcm' });
    expect(received.vapidPublicKey).toBe(vapid.publicKey);
    expect(received.vapidClaims).toMatchObject({ aud: fake.origin, sub: 'mailto:ops@maru.example' });
    expect(result.ok).toBe(true);
    expect(result.providerMessageId).toMatch(new RegExp(`^${fake.origin}/message/[0-9a-f-]{36}$`));
  });

  it('uses the message TTL and the configured urgency', async () => {
    const { subscription } = fake.subscribe();
    await provider({ urgency: 'high', defaultTtlSeconds: 600 }).send({ ...messageFor(subscription), ttlSeconds: 120 });
    await provider({ defaultTtlSeconds: 600 }).send(messageFor(subscription));
    expect(fake.requests[0].headers).toMatchObject({ ttl: '120', urgency: 'high' });
    expect(fake.requests[1].headers.ttl).toBe('600');
  });

  it.each<[WebPushFakeFailure, object]>([
    ['gone', { ok: false, retryable: false, invalidRecipient: true }],
    ['not-found', { ok: false, retryable: false, invalidRecipient: true }],
    ['too-many-requests', { ok: false, retryable: true, retryAfterMs: 60_000 }],
    ['server-error', { ok: false, retryable: true }],
    ['unavailable', { ok: false, retryable: true, retryAfterMs: 2_000 }],
    ['reset', { ok: false, retryable: true }],
  ])('maps %s to %j', async (failure, expected) => {
    const { id, subscription } = fake.subscribe();
    fake.fail(id, failure);
    const result = await provider().send(messageFor(subscription));
    expect(result).toMatchObject(expected);
    expect(fake.requests).toHaveLength(1);
  });

  it.each<[WebPushFakeFailure, number]>([
    ['bad-request', 400],
    ['forbidden', 403],
    ['too-large', 413],
  ])('maps %s to permanent', async (failure, status) => {
    const { id, subscription } = fake.subscribe();
    fake.fail(id, failure);
    const result = await provider().send(messageFor(subscription));
    expect(result).toMatchObject({ ok: false, retryable: false, reason: `push service answered HTTP ${status}` });
    expect(result.invalidRecipient).toBeUndefined();
  });

  it('marks an unknown subscription at the push service as invalid', async () => {
    const { subscription } = fake.subscribe();
    const result = await provider().send(messageFor({ ...subscription, endpoint: `${fake.origin}/push/00000000-0000-0000-0000-000000000000` }));
    expect(result).toMatchObject({ ok: false, invalidRecipient: true });
  });

  it('marks malformed subscriptions invalid without sending', async () => {
    const { subscription } = fake.subscribe();
    const p = provider();
    const insecure = await p.send(messageFor({ ...subscription, endpoint: subscription.endpoint.replace('https:', 'http:') }));
    const badKey = await p.send(messageFor({ ...subscription, keys: { ...subscription.keys, p256dh: 'AAAA' } }));
    const badAuth = await p.send(messageFor({ ...subscription, keys: { ...subscription.keys, auth: 'c2hvcnQ' } }));
    for (const result of [insecure, badKey, badAuth]) expect(result).toMatchObject({ ok: false, retryable: false, invalidRecipient: true });
    expect(fake.requests).toHaveLength(0);
  });

  it('maps an unreachable push service to retryable', async () => {
    const { subscription } = fake.subscribe();
    await fake.close();
    const result = await provider().send(messageFor(subscription));
    expect(result).toMatchObject({ ok: false, retryable: true, reason: 'push request failed: ECONNREFUSED' });
    fake = await startWebPushFake();
  });
});

describe('vapid web push provider SSRF guard', () => {
  it('refuses a loopback endpoint by default', async () => {
    const { subscription } = fake.subscribe();
    const result = await provider({ allowPrivateNetworks: undefined }).send(messageFor(subscription));
    expect(result).toMatchObject({ ok: false, retryable: false });
    expect(result.reason).toContain('127.0.0.1 is a loopback address');
    expect(result.invalidRecipient).toBeUndefined();
    expect(fake.requests).toHaveLength(0);
  });

  it('refuses a host name that resolves to loopback, at connect time', async () => {
    const { subscription } = fake.subscribe();
    const endpoint = subscription.endpoint.replace('127.0.0.1', 'localhost');
    const result = await provider({ allowPrivateNetworks: false }).send(messageFor({ ...subscription, endpoint }));
    expect(result).toMatchObject({ ok: false, retryable: false });
    expect(result.reason).toMatch(/localhost resolves to (127\.0\.0\.1|::1), a loopback address/);
    expect(fake.requests).toHaveLength(0);
  });

  it('connects to a private host name when allowed, using the checked address', async () => {
    const { subscription } = fake.subscribe();
    const endpoint = subscription.endpoint.replace('127.0.0.1', 'localhost');
    const lookups: string[] = [];
    const resolve: Resolver = async (host) => {
      lookups.push(host);
      return [{ address: '127.0.0.1', family: 4 }];
    };
    const result = await provider({ allowPrivateNetworks: true }, { resolve }).send(messageFor({ ...subscription, endpoint }));
    expect(result.ok).toBe(true);
    expect(lookups).toEqual(['localhost']);
    expect(fake.requests[0].problems).toEqual([]);
  });
});

describe('the web push fake', () => {
  it('refuses a VAPID JWT signed with a key other than the one in k=', async () => {
    const { subscription } = fake.subscribe();
    const other = generateVapidKeys();
    const details = webpush.generateRequestDetails(subscription, 'x', { vapidDetails: { ...vapid, publicKey: vapid.publicKey, privateKey: other.privateKey } });
    const status = await new Promise<number>((resolve, reject) => {
      const req = request(details.endpoint, { method: 'POST', headers: details.headers as Record<string, string>, ca: loopbackTls.cert }, (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      });
      req.on('error', reject);
      req.end(details.body);
    });
    expect(status).toBe(403);
    expect(fake.requests[0].problems[0]).toContain('vapid JWT rejected');
  });
});

describe('vapid provider config and keys', () => {
  it('generates usable VAPID keys', () => {
    const keys = generateVapidKeys();
    expect(Buffer.from(keys.publicKey, 'base64url')).toHaveLength(65);
    expect(Buffer.from(keys.privateKey, 'base64url')).toHaveLength(32);
    expect(() => createVapidProvider({ vapid: { subject: 'https://maru.example/contact', ...keys } }).close?.()).not.toThrow();
  });

  const other = generateVapidKeys();
  it.each<[string, Partial<VapidProviderConfig['vapid']> | undefined, Partial<VapidProviderConfig>, string]>([
    ['bad subject', { subject: 'ops@maru.example' }, {}, '"vapid.subject"'],
    ['short public key', { publicKey: 'AAAA' }, {}, '"vapid.publicKey" must be'],
    ['bad private key', { privateKey: 'AAAA' }, {}, '"vapid.privateKey" must be'],
    ['mismatched pair', { publicKey: other.publicKey }, {}, 'does not match'],
    ['bad urgency', {}, { urgency: 'urgent' as 'high' }, '"urgency"'],
    ['negative TTL', {}, { defaultTtlSeconds: -1 }, '"defaultTtlSeconds"'],
  ])('rejects %s', (_, vapidPatch, patch, message) => {
    expect(() => createVapidProvider({ vapid: { ...vapid, ...vapidPatch }, ...patch })).toThrow(message);
  });
});
