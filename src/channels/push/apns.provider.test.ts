import { generateKeyPairSync } from 'node:crypto';
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { loopbackTls, startApnsFake } from '../../../test/fakes/apns.fake.ts';
import type { ApnsFake, ApnsFakeFailure } from '../../../test/fakes/apns.fake.ts';
import type { PushMessage, PushProvider } from '../provider.types.ts';
import { APNS_TOKEN_TTL_MS, apnsIdFor, createApnsProvider } from './apns.provider.ts';
import { createOutboundGuard } from '../../platform/outbound-guard.ts';
import type { ApnsProviderConfig } from './apns.provider.ts';

let fake: ApnsFake;
// The fakes listen on loopback: the operator's allow setting (MARU_ALLOW_PRIVATE_NETWORKS) lets the provider reach them.
const network = createOutboundGuard({ allowPrivateNetworks: true });
let clock: number;
const providers: PushProvider[] = [];

function provider(config: Partial<ApnsProviderConfig> = {}): PushProvider {
  const created = createApnsProvider(
    {
      keyId: fake.keyId,
      teamId: fake.teamId,
      privateKey: fake.privateKey,
      bundleId: fake.bundleId,
      baseUrl: fake.baseUrl,
      ca: loopbackTls.cert,
      timeoutMs: 2_000,
      ...config,
    },
    { now: () => clock, network },
  );
  providers.push(created);
  return created;
}

const token = 'a1b2c3d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c6d7e8f90';
const message: PushMessage = {
  idempotencyKey: 'dlv_77',
  token,
  platform: 'ios',
  title: '주문이 출발했어요',
  body: '오늘 도착 예정입니다',
  deepLink: 'maru://orders/77',
  imageUrl: 'https://cdn.example.com/box.png',
  data: { campaignId: 'c-1' },
};

beforeEach(async () => {
  clock = Date.now();
  fake = await startApnsFake({ now: () => clock });
});
afterEach(async () => {
  await Promise.all(providers.splice(0).map((p) => p.close?.()));
  await fake.close();
});

describe('apns provider', () => {
  it('sends the documented request over HTTP/2 with a verified provider token', async () => {
    const result = await provider().send(message);

    expect(fake.requests).toHaveLength(1);
    const [request] = fake.requests;
    expect(request.problems).toEqual([]);
    expect(request.status).toBe(200);
    expect(request.method).toBe('POST');
    expect(request.path).toBe(`/3/device/${token}`);
    expect(request.headers).toMatchObject({
      'apns-topic': 'com.example.maru',
      'apns-push-type': 'alert',
      'apns-priority': '10',
      'apns-id': apnsIdFor('dlv_77'),
      'content-type': 'application/json',
    });
    expect(request.headers['apns-expiration']).toBeUndefined();
    expect(request.payload).toEqual({
      aps: { alert: { title: '주문이 출발했어요', body: '오늘 도착 예정입니다' }, 'mutable-content': 1 },
      deepLink: 'maru://orders/77',
      imageUrl: 'https://cdn.example.com/box.png',
      campaignId: 'c-1',
    });
    expect(result).toEqual({ ok: true, retryable: false, providerMessageId: apnsIdFor('dlv_77') });
  });

  it('derives a stable UUID apns-id from the idempotency key', () => {
    expect(apnsIdFor('dlv_77')).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-8[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(apnsIdFor('dlv_77')).toBe(apnsIdFor('dlv_77'));
    expect(apnsIdFor('dlv_78')).not.toBe(apnsIdFor('dlv_77'));
  });

  it('reuses one JWT and one HTTP/2 connection, and makes a new JWT after 50 minutes', async () => {
    const p = provider();
    await Promise.all([p.send(message), p.send({ ...message, idempotencyKey: 'dlv_78' })]);
    await p.send(message);
    clock += APNS_TOKEN_TTL_MS - 1_000;
    await p.send(message);
    expect(fake.jwts).toHaveLength(1);

    clock += 2_000;
    await p.send(message);
    expect(fake.jwts).toHaveLength(2);
    expect(fake.requests.every((r) => r.status === 200)).toBe(true);
    expect(fake.sessions).toBe(1);
  });

  it('sets apns-expiration and apns-priority when configured', async () => {
    await provider({ expirationSeconds: 3600, priority: 5 }).send(message);
    await provider({ expirationSeconds: 0 }).send(message);
    expect(fake.requests[0].headers['apns-expiration']).toBe(String(Math.floor(clock / 1000) + 3600));
    expect(fake.requests[0].headers['apns-priority']).toBe('5');
    expect(fake.requests[1].headers['apns-expiration']).toBe('0');
  });

  it.each<[ApnsFakeFailure, object]>([
    ['unregistered', { ok: false, retryable: false, invalidRecipient: true, reason: 'APNs HTTP 410 Unregistered' }],
    ['bad-device-token', { ok: false, retryable: false, invalidRecipient: true, reason: 'APNs HTTP 400 BadDeviceToken' }],
    ['too-many-requests', { ok: false, retryable: true, retryAfterMs: 12_000 }],
    ['internal', { ok: false, retryable: true, reason: 'APNs HTTP 500 InternalServerError' }],
    ['service-unavailable', { ok: false, retryable: true, reason: 'APNs HTTP 503 ServiceUnavailable' }],
    ['invalid-provider-token', { ok: false, retryable: false, reason: 'APNs HTTP 403 InvalidProviderToken' }],
    ['payload-too-large', { ok: false, retryable: false, reason: 'APNs HTTP 413 PayloadTooLarge' }],
    ['device-token-not-for-topic', { ok: false, retryable: false, reason: 'APNs HTTP 400 DeviceTokenNotForTopic' }],
  ])('maps %s to %j', async (failure, expected) => {
    fake.failToken(token, failure);
    const result = await provider().send(message);
    expect(result).toMatchObject(expected);
    if (!('invalidRecipient' in expected)) expect(result.invalidRecipient).toBeUndefined();
    expect(fake.requests).toHaveLength(1);
  });

  it('maps ExpiredProviderToken to retryable and signs a new JWT for the next send', async () => {
    const p = provider();
    fake.failToken(token, 'expired-provider-token');
    const result = await p.send(message);
    expect(result).toMatchObject({ ok: false, retryable: true, reason: 'APNs HTTP 403 ExpiredProviderToken' });

    clock += 1_000;
    await p.send({ ...message, token: token.replace('a1', 'b1') });
    expect(fake.jwts).toHaveLength(2);
  });

  it('is refused with 403 when the JWT is signed with another key (the fake verifies the signature)', async () => {
    const otherKey = generateKeyPairSync('ec', { namedCurve: 'prime256v1' }).privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
    const result = await provider({ privateKey: otherKey }).send(message);
    expect(result).toMatchObject({ ok: false, retryable: false, reason: 'APNs HTTP 403 InvalidProviderToken' });
    expect(fake.requests[0].problems).toEqual(['InvalidProviderToken']);
  });

  it('is refused when the team id does not match the key', async () => {
    const result = await provider({ teamId: 'OTHERTEAM1' }).send(message);
    expect(result).toMatchObject({ ok: false, retryable: false, reason: 'APNs HTTP 403 InvalidProviderToken' });
  });

  it('is refused with 400 for another app’s topic', async () => {
    const result = await provider({ bundleId: 'com.example.other' }).send(message);
    expect(result).toMatchObject({ ok: false, retryable: false, reason: 'APNs HTTP 400 DeviceTokenNotForTopic' });
  });

  it('maps a reset stream to retryable', async () => {
    fake.failToken(token, 'reset');
    const result = await provider().send(message);
    expect(result).toMatchObject({ ok: false, retryable: true });
    expect(result.reason).toContain('APNs request failed');
  });

  it('maps a request timeout to retryable', async () => {
    fake.failToken(token, 'hang');
    const result = await provider({ timeoutMs: 200 }).send(message);
    expect(result).toMatchObject({ ok: false, retryable: true, reason: 'APNs request failed: timed out' });
  });

  it('maps an unreachable APNs to retryable and reconnects later', async () => {
    const probe = createServer();
    await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
    const port = (probe.address() as AddressInfo).port;
    await new Promise<void>((resolve) => probe.close(() => resolve()));

    const result = await provider({ baseUrl: `https://127.0.0.1:${port}` }).send(message);
    expect(result).toMatchObject({ ok: false, retryable: true });
    expect(result.reason).toContain('ECONNREFUSED');
  });

  it('opens a new connection after the server drops the old one', async () => {
    const p = provider();
    await p.send(message);
    fake.failToken(token, 'drop-connection');
    const dropped = await p.send(message);
    fake.failToken(token, 'unregistered');
    const third = await p.send(message);

    expect(dropped).toMatchObject({ ok: false, retryable: true });
    expect(third).toMatchObject({ ok: false, invalidRecipient: true });
    expect(fake.requests.map((r) => r.status)).toEqual([200, -1, 410]);
    expect(fake.sessions).toBe(2);
  });

  it('rejects a non-hex device token without calling APNs', async () => {
    const result = await provider().send({ ...message, token: 'fcm:APA91bHun4MxP5egoKMwt2KZFBaFUH' });
    expect(result).toMatchObject({ ok: false, retryable: false, invalidRecipient: true });
    expect(fake.requests).toHaveLength(0);
  });

  it('refuses data keys that would overwrite the payload', async () => {
    const result = await provider().send({ ...message, data: { aps: 'x' } });
    expect(result).toMatchObject({ ok: false, retryable: false });
    expect(fake.requests).toHaveLength(0);
  });

  it('does not trust a server certificate it was not given', async () => {
    const result = await provider({ ca: undefined }).send(message);
    expect(result).toMatchObject({ ok: false, retryable: true });
    expect(fake.requests).toHaveLength(0);
  });
});

describe('apns provider config', () => {
  const base = (): ApnsProviderConfig => ({ keyId: fake.keyId, teamId: fake.teamId, privateKey: fake.privateKey, bundleId: fake.bundleId });
  it.each<[string, Partial<ApnsProviderConfig>, string]>([
    ['short keyId', { keyId: 'ABC' }, '"keyId"'],
    ['lower-case teamId', { teamId: 'team123456' }, '"teamId"'],
    ['missing bundleId', { bundleId: '' }, '"bundleId"'],
    ['not a key', { privateKey: 'nope' }, '"privateKey" is not a PEM'],
    ['RSA key', { privateKey: generateKeyPairSync('rsa', { modulusLength: 1024 }).privateKey.export({ type: 'pkcs8', format: 'pem' }).toString() }, 'EC P-256'],
    ['bad environment', { environment: 'staging' as 'sandbox' }, '"environment"'],
    ['bad priority', { priority: 7 as 5 }, '"priority"'],
    ['bad baseUrl', { baseUrl: 'ftp://x' }, '"baseUrl"'],
    ['negative expiration', { expirationSeconds: -1 }, '"expirationSeconds"'],
  ])('rejects %s', (_, patch, field) => {
    expect(() => createApnsProvider({ ...base(), ...patch })).toThrow(field);
  });

  it('accepts the sandbox environment', () => {
    expect(() => createApnsProvider({ ...base(), environment: 'sandbox' })).not.toThrow();
  });
});
