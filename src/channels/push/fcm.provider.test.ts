import { generateKeyPairSync } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startFcmFake } from '../../../test/fakes/fcm.fake.ts';
import type { FcmFake, FcmFakeFailure } from '../../../test/fakes/fcm.fake.ts';
import type { PushMessage } from '../provider.types.ts';
import { createFcmProvider } from './fcm.provider.ts';
import { createOutboundGuard } from '../../platform/outbound-guard.ts';
import type { FcmProviderConfig } from './fcm.provider.ts';

// The fakes listen on loopback: the operator's allow setting (MARU_ALLOW_PRIVATE_NETWORKS) lets the provider reach them.
const network = createOutboundGuard({ allowPrivateNetworks: true });
let fake: FcmFake;

function provider(config: Partial<FcmProviderConfig> = {}, now?: () => number) {
  return createFcmProvider({ serviceAccount: fake.serviceAccount, baseUrl: fake.baseUrl, timeoutMs: 2_000, ...config }, { now, network });
}

const android: PushMessage = {
  idempotencyKey: 'dlv_1',
  token: 'android-token-1',
  platform: 'android',
  title: '주말 특가',
  body: '지금 확인하세요',
  deepLink: 'maru://sale/42',
  imageUrl: 'https://cdn.example.com/sale.png',
  data: { campaignId: 'c-9' },
};
const ios: PushMessage = { ...android, token: 'ios-token-1', platform: 'ios' };

beforeEach(async () => {
  fake = await startFcmFake();
});
afterEach(async () => {
  await fake.close();
});

describe('fcm provider', () => {
  it('exchanges a signed JWT for an access token and sends the documented android message', async () => {
    const result = await provider().send(android);

    expect(fake.refusedExchanges).toEqual([]);
    expect(fake.exchanges).toHaveLength(1);
    expect(fake.exchanges[0].header).toMatchObject({ alg: 'RS256', kid: 'fake-key-id-1' });
    expect(fake.exchanges[0].claims).toMatchObject({
      iss: fake.serviceAccount.client_email,
      aud: fake.tokenUri,
      scope: 'https://www.googleapis.com/auth/firebase.messaging',
    });
    expect(fake.sends).toHaveLength(1);
    const [send] = fake.sends;
    expect(send.problems).toEqual([]);
    expect(send.accessToken).toBe(fake.exchanges[0].accessToken);
    expect(send.body).toEqual({
      message: {
        token: 'android-token-1',
        notification: { title: '주말 특가', body: '지금 확인하세요', image: 'https://cdn.example.com/sale.png' },
        data: { campaignId: 'c-9', deepLink: 'maru://sale/42' },
        android: { priority: 'HIGH' },
      },
    });
    expect(result.ok).toBe(true);
    expect(result.providerMessageId).toMatch(/^projects\/maru-test-project\/messages\/0:/);
  });

  it('sends the iOS variant with mutable-content and the image for the service extension', async () => {
    const result = await provider().send({ ...ios, data: undefined, deepLink: undefined });
    expect(result.ok).toBe(true);
    expect(fake.sends[0].body).toEqual({
      message: {
        token: 'ios-token-1',
        notification: { title: '주말 특가', body: '지금 확인하세요', image: 'https://cdn.example.com/sale.png' },
        apns: {
          headers: { 'apns-priority': '10', 'apns-push-type': 'alert' },
          payload: { aps: { 'mutable-content': 1 } },
          fcm_options: { image: 'https://cdn.example.com/sale.png' },
        },
      },
    });
  });

  it('accepts the service account as JSON text', async () => {
    const result = await provider({ serviceAccount: JSON.stringify(fake.serviceAccount) }).send(android);
    expect(result.ok).toBe(true);
  });

  it('does one OAuth exchange for many sends, sequential and concurrent', async () => {
    const p = provider();
    const concurrent = await Promise.all([1, 2, 3, 4, 5].map((n) => p.send({ ...android, token: `t-${n}` })));
    await p.send(android);
    await p.send(ios);

    expect(concurrent.every((r) => r.ok)).toBe(true);
    expect(fake.exchanges).toHaveLength(1);
    expect(fake.sends).toHaveLength(7);
    expect(new Set(fake.sends.map((s) => s.accessToken))).toEqual(new Set([fake.exchanges[0].accessToken]));
  });

  it('refreshes the access token shortly before it expires', async () => {
    let clock = Date.now();
    const p = provider({}, () => clock);
    await p.send(android);
    clock += (3599 - 61) * 1000;
    await p.send(android);
    expect(fake.exchanges).toHaveLength(1);
    clock += 2_000;
    await p.send(android);
    expect(fake.exchanges).toHaveLength(2);
    expect(fake.sends[2].accessToken).toBe(fake.exchanges[1].accessToken);
  });

  it('on 401 gets a fresh token and sends once more', async () => {
    const p = provider();
    await p.send(android);
    fake.revokeAccessTokens();

    const result = await p.send(android);

    expect(result.ok).toBe(true);
    expect(fake.exchanges).toHaveLength(2);
    expect(fake.sends.map((s) => s.status)).toEqual([200, 401, 200]);
    expect(fake.sends[2].accessToken).toBe(fake.exchanges[1].accessToken);
  });

  it('returns retryable when the fresh token is refused too, without looping', async () => {
    fake.rejectAllAccessTokens = true;
    const result = await provider().send(android);
    expect(result).toMatchObject({ ok: false, retryable: true });
    expect(result.reason).toContain('again after a fresh access token');
    expect(fake.exchanges).toHaveLength(2);
    expect(fake.sends.map((s) => s.status)).toEqual([401, 401]);
  });

  it.each<[FcmFakeFailure, object]>([
    ['unregistered', { ok: false, retryable: false, invalidRecipient: true }],
    ['not-found', { ok: false, retryable: false, invalidRecipient: true }],
    ['invalid-token', { ok: false, retryable: false, invalidRecipient: true }],
    ['quota-exceeded', { ok: false, retryable: true, retryAfterMs: 30_000 }],
    ['internal', { ok: false, retryable: true }],
    ['unavailable', { ok: false, retryable: true, retryAfterMs: 5_000 }],
  ])('maps %s to %j', async (failure, expected) => {
    fake.failToken(android.token, failure);
    const result = await provider().send(android);
    expect(result).toMatchObject(expected);
    expect(fake.sends).toHaveLength(1);
  });

  it.each<FcmFakeFailure>(['invalid-payload', 'sender-id-mismatch'])('maps %s to permanent without invalidRecipient', async (failure) => {
    fake.failToken(android.token, failure);
    const result = await provider().send(android);
    expect(result).toMatchObject({ ok: false, retryable: false });
    expect(result.invalidRecipient).toBeUndefined();
  });

  it('maps THIRD_PARTY_AUTH_ERROR to permanent without refreshing the token', async () => {
    fake.failToken(ios.token, 'third-party-auth');
    const result = await provider().send(ios);
    expect(result).toMatchObject({ ok: false, retryable: false });
    expect(result.reason).toContain('THIRD_PARTY_AUTH_ERROR');
    expect(fake.exchanges).toHaveLength(1);
    expect(fake.sends).toHaveLength(1);
  });

  it('fails permanently when the token endpoint refuses the key (the fake verifies the JWT signature)', async () => {
    const otherKey = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
    const result = await provider({ serviceAccount: { ...fake.serviceAccount, private_key: otherKey } }).send(android);

    expect(result).toMatchObject({ ok: false, retryable: false });
    expect(result.reason).toContain('invalid_grant');
    expect(fake.refusedExchanges).toHaveLength(1);
    expect(fake.refusedExchanges[0]).toContain('signature verification failed');
    expect(fake.sends).toHaveLength(0);
  });

  it('maps a token endpoint outage to retryable and tries again on the next send', async () => {
    const p = provider();
    fake.failNextExchange(503);
    const first = await p.send(android);
    const second = await p.send(android);
    expect(first).toMatchObject({ ok: false, retryable: true });
    expect(second.ok).toBe(true);
    expect(fake.sends).toHaveLength(1);
  });

  it('honours a tokenUri override', async () => {
    const result = await provider({
      serviceAccount: { ...fake.serviceAccount, token_uri: 'https://oauth2.googleapis.invalid/token' },
      tokenUri: fake.tokenUri,
    }).send(android);
    expect(result.ok).toBe(true);
  });

  it('maps an unreachable FCM to retryable', async () => {
    const p = provider();
    await p.send(android);
    const baseUrl = fake.baseUrl;
    await fake.close();
    const result = await createFcmProvider({ serviceAccount: { ...fake.serviceAccount }, baseUrl, tokenUri: baseUrl + '/token' }, { network }).send(android);
    expect(result).toMatchObject({ ok: false, retryable: true });
    expect(result.reason).toContain('ECONNREFUSED');
    fake = await startFcmFake();
  });
});

describe('fcm provider config', () => {
  const account = () => ({ ...fake.serviceAccount });
  it.each<[string, (a: ReturnType<typeof account>) => unknown, string]>([
    ['missing client_email', (a) => ({ ...a, client_email: '' }), '"serviceAccount.client_email"'],
    ['missing project_id', (a) => ({ ...a, project_id: undefined }), '"serviceAccount.project_id"'],
    ['bad private key', (a) => ({ ...a, private_key: 'not a key' }), '"serviceAccount.private_key" is not a PEM'],
    [
      'EC instead of RSA',
      (a) => ({
        ...a,
        private_key: generateKeyPairSync('ec', { namedCurve: 'prime256v1' }).privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
      }),
      'must be an RSA key',
    ],
    ['bad JSON text', () => '{nope', '"serviceAccount" is not valid JSON'],
  ])('rejects %s', (_, mutate, message) => {
    expect(() => createFcmProvider({ serviceAccount: mutate(account()) as FcmProviderConfig['serviceAccount'] })).toThrow(message);
  });

  it('rejects a bad baseUrl and timeout', () => {
    expect(() => createFcmProvider({ serviceAccount: account(), baseUrl: 'ftp://x' })).toThrow('"baseUrl"');
    expect(() => createFcmProvider({ serviceAccount: account(), timeoutMs: 0 })).toThrow('"timeoutMs"');
  });
});
