import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import type { SendResult } from '../../src/channels/provider.types.ts';
import { createOutboundGuard } from '../../src/platform/outbound-guard.ts';
import { createNhnCloudSmsProvider } from '../../src/channels/text/nhn-cloud.provider.ts';
import { createTwilioSmsProvider } from '../../src/channels/text/twilio.provider.ts';
import { createNhnBizmessageProvider } from '../../src/channels/kakao/nhn-bizmessage.provider.ts';
import { createFcmProvider } from '../../src/channels/push/fcm.provider.ts';
import { createApnsProvider } from '../../src/channels/push/apns.provider.ts';
import { createVapidProvider, generateVapidKeys } from '../../src/channels/webpush/vapid.provider.ts';
import { createSmtpProvider } from '../../src/channels/email/smtp.provider.ts';
import { createWebhookProvider } from '../../src/channels/webhook/webhook.provider.ts';
import { startNhnCloudFake } from '../fakes/nhn-cloud.fake.ts';
import { startTwilioFake } from '../fakes/twilio.fake.ts';
import { startFcmFake } from '../fakes/fcm.fake.ts';
import { loopbackTls, startApnsFake } from '../fakes/apns.fake.ts';
import { startWebPushFake } from '../fakes/webpush.fake.ts';
import { startSmtpFake } from '../fakes/smtp.fake.ts';
import { startWebhookFake } from '../fakes/webhook.fake.ts';

/**
 * The channel provider contract (src/channels/provider.types.ts), run against every built-in vendor's provider and its
 * loopback fake. Each provider's own test checks its exact wire format; this suite checks what the delivery pipeline
 * relies on from all of them alike:
 * - an accepted message is `ok` and the fake saw exactly one well-formed request;
 * - a server error (5xx, SMTP 4xx) and a rate limit are retryable, with the vendor's Retry-After where it sends one;
 * - a rejection that would fail again is not retryable;
 * - a vendor that does not answer is a retryable failure within the provider's timeout, and nothing listening is one too;
 * - a provider never throws for what the vendor says, and never retries on its own (one request per send).
 */

type Failure = 'server-error' | 'rate-limited' | 'rejected' | 'hang';

interface Rig {
  send(): Promise<SendResult>;
  /** Makes the fake answer the next sends with this failure. */
  fail(failure: Failure): void;
  /** Send requests the fake received (not token exchanges). */
  sendRequests(): number;
  /** Request-format problems the fake found. */
  violations(): string[];
  /** The same send through a provider whose vendor address is a closed port. */
  sendToNothing(port: number): Promise<SendResult>;
  close(): Promise<void>;
}

interface Harness {
  vendor: string;
  start(): Promise<Rig>;
  /** Retry-After the fake sends with its rate-limit answer, in ms (undefined: the vendor has none). */
  rateLimitRetryAfterMs?: number;
  /** Failures this vendor's fake cannot produce, with why. */
  cannot?: Partial<Record<Failure, string>>;
}

// Every fake listens on loopback: the operator's allow setting (MARU_ALLOW_PRIVATE_NETWORKS) lets providers reach it.
const network = createOutboundGuard({ allowPrivateNetworks: true });
const TIMEOUT_MS = 500;

const harnesses: Harness[] = [
  {
    vendor: 'nhn-cloud-sms',
    rateLimitRetryAfterMs: 7_000,
    async start() {
      const fake = await startNhnCloudFake({ appKey: 'AppKey1', secretKey: 'secret-1' });
      const make = (baseUrl: string) =>
        createNhnCloudSmsProvider({ appKey: 'AppKey1', secretKey: 'secret-1', baseUrl, allowPrivateNetwork: true, timeoutMs: TIMEOUT_MS });
      const message = { idempotencyKey: 'dlv-1', kind: 'sms' as const, from: '1544-6859', to: '010-1234-5678', body: '주문이 접수되었습니다' };
      const outcomes = {
        'server-error': { kind: 'http-error', status: 500 },
        'rate-limited': { kind: 'http-error', status: 429, retryAfter: '7' },
        rejected: { kind: 'recipient-error', resultCode: -2019, resultMessage: 'RecipientNo is invalid.' },
        hang: { kind: 'hang', ms: 10_000 },
      } as const;
      return {
        send: () => make(fake.baseUrl).send(message),
        fail: (f) => fake.onRecipient('01012345678', outcomes[f]),
        sendRequests: () => fake.requests.filter((r) => r.path.endsWith('/sender/sms')).length,
        violations: () => fake.violations,
        sendToNothing: (port) => make(`http://127.0.0.1:${port}`).send(message),
        close: () => fake.close(),
      };
    },
  },
  {
    vendor: 'twilio',
    rateLimitRetryAfterMs: 3_000,
    async start() {
      const fake = await startTwilioFake({
        accountSid: 'AC0123456789abcdef0123456789abcdef',
        username: 'AC0123456789abcdef0123456789abcdef',
        password: 'token-1',
      });
      const make = (baseUrl: string) =>
        createTwilioSmsProvider({
          accountSid: 'AC0123456789abcdef0123456789abcdef',
          authToken: 'token-1',
          baseUrl,
          allowPrivateNetwork: true,
          timeoutMs: TIMEOUT_MS,
        });
      const message = { idempotencyKey: 'dlv-1', kind: 'sms' as const, from: '02-1234-5678', to: '010-1234-5678', body: '주문이 접수되었습니다' };
      const outcomes = {
        'server-error': { kind: 'error', status: 500, code: 20500, message: 'Internal Server Error' },
        'rate-limited': { kind: 'error', status: 429, code: 20429, message: 'Too Many Requests', retryAfter: '3' },
        rejected: { kind: 'error', status: 400, code: 21211, message: "The 'To' number is not valid." },
        hang: { kind: 'hang', ms: 10_000 },
      } as const;
      return {
        send: () => make(fake.baseUrl).send(message),
        fail: (f) => fake.onRecipient('+821012345678', outcomes[f]),
        sendRequests: () => fake.requests.length,
        violations: () => fake.violations,
        sendToNothing: (port) => make(`http://127.0.0.1:${port}`).send(message),
        close: () => fake.close(),
      };
    },
  },
  {
    vendor: 'nhn-bizmessage (alimtalk)',
    rateLimitRetryAfterMs: 7_000,
    async start() {
      const fake = await startNhnCloudFake({ appKey: 'KakaoKey1', secretKey: 'secret-2' });
      const make = (baseUrl: string) =>
        createNhnBizmessageProvider({ appKey: 'KakaoKey1', secretKey: 'secret-2', baseUrl, allowPrivateNetwork: true, timeoutMs: TIMEOUT_MS });
      const message = {
        idempotencyKey: 'dlv-1',
        senderKey: 'a1b2c3d4e5f6a1b2c3d4e5f6a1b2c3d4e5f6a1b2',
        templateCode: 'ORDER_SHIPPED',
        to: '010-1234-5678',
        content: '홍길동님, 주문하신 상품이 발송되었습니다.',
        templateParameter: { 고객명: '홍길동' },
      };
      const outcomes = {
        'server-error': { kind: 'http-error', status: 500 },
        'rate-limited': { kind: 'http-error', status: 429, retryAfter: '7' },
        rejected: { kind: 'header-error', resultCode: -9992, resultMessage: 'The API is no longer supported.' },
        hang: { kind: 'hang', ms: 10_000 },
      } as const;
      return {
        send: () => make(fake.baseUrl).sendAlimtalk(message),
        fail: (f) => fake.onRecipient('01012345678', outcomes[f]),
        sendRequests: () => fake.requests.filter((r) => r.method === 'POST' && r.path.endsWith('/messages')).length,
        violations: () => fake.violations,
        sendToNothing: (port) => make(`http://127.0.0.1:${port}`).sendAlimtalk(message),
        close: () => fake.close(),
      };
    },
  },
  {
    vendor: 'fcm',
    rateLimitRetryAfterMs: 30_000,
    async start() {
      const fake = await startFcmFake();
      const make = (baseUrl: string) => createFcmProvider({ serviceAccount: fake.serviceAccount, baseUrl, timeoutMs: TIMEOUT_MS }, { network });
      const message = { idempotencyKey: 'dlv-1', token: 'android-token-1', platform: 'android' as const, title: '주말 특가', body: '지금 확인하세요' };
      const failures = { 'server-error': 'internal', 'rate-limited': 'quota-exceeded', rejected: 'invalid-payload', hang: 'hang' } as const;
      return {
        send: () => make(fake.baseUrl).send(message),
        fail: (f) => fake.failToken('android-token-1', failures[f]),
        sendRequests: () => fake.sends.length,
        violations: () => fake.sends.flatMap((s) => s.problems),
        sendToNothing: (port) => make(`http://127.0.0.1:${port}`).send(message),
        close: () => fake.close(),
      };
    },
  },
  {
    vendor: 'apns',
    rateLimitRetryAfterMs: 12_000,
    async start() {
      const fake = await startApnsFake();
      const providers: { close?(): Promise<void> }[] = [];
      const make = (baseUrl: string) => {
        const p = createApnsProvider(
          {
            keyId: fake.keyId,
            teamId: fake.teamId,
            privateKey: fake.privateKey,
            bundleId: fake.bundleId,
            baseUrl,
            ca: loopbackTls.cert,
            timeoutMs: TIMEOUT_MS,
          },
          { network },
        );
        providers.push(p);
        return p;
      };
      const token = 'a'.repeat(64);
      const message = { idempotencyKey: 'dlv-1', token, platform: 'ios' as const, title: '주문이 출발했어요', body: '오늘 도착 예정입니다' };
      const failures = { 'server-error': 'internal', 'rate-limited': 'too-many-requests', rejected: 'bad-device-token', hang: 'hang' } as const;
      return {
        send: () => make(fake.baseUrl).send(message),
        fail: (f) => fake.failToken(token, failures[f]),
        sendRequests: () => fake.requests.length,
        violations: () => fake.requests.flatMap((r) => r.problems),
        sendToNothing: (port) => make(`https://127.0.0.1:${port}`).send(message),
        close: async () => {
          await Promise.all(providers.map((p) => p.close?.()));
          await fake.close();
        },
      };
    },
  },
  {
    vendor: 'vapid (web push)',
    rateLimitRetryAfterMs: 60_000,
    async start() {
      const fake = await startWebPushFake();
      const vapid = { subject: 'mailto:ops@maru.example', ...generateVapidKeys() };
      const providers: { close?(): Promise<void> }[] = [];
      const make = () => {
        const p = createVapidProvider({ vapid, ca: loopbackTls.cert, allowPrivateNetworks: true, timeoutMs: TIMEOUT_MS });
        providers.push(p);
        return p;
      };
      const { id, subscription } = fake.subscribe();
      const message = (endpoint = subscription.endpoint) => ({
        idempotencyKey: 'dlv-1',
        subscription: { ...subscription, endpoint },
        title: '장바구니',
        body: '오늘 주문하면 내일 도착',
      });
      const failures = { 'server-error': 'server-error', 'rate-limited': 'too-many-requests', rejected: 'bad-request', hang: 'hang' } as const;
      return {
        send: () => make().send(message()),
        fail: (f) => fake.fail(id, failures[f]),
        sendRequests: () => fake.requests.length,
        violations: () => fake.requests.flatMap((r) => r.problems),
        sendToNothing: (port) => make().send(message(`https://127.0.0.1:${port}/push/${id}`)),
        close: async () => {
          await Promise.all(providers.map((p) => p.close?.()));
          await fake.close();
        },
      };
    },
  },
  {
    vendor: 'smtp',
    cannot: { hang: 'the SMTP fake (smtp-server) answers every command; connection and socket timeouts are tested in smtp.provider.test.ts' },
    async start() {
      const fake = await startSmtpFake();
      const providers: { close?(): Promise<void> }[] = [];
      const make = (port: number) => {
        const p = createSmtpProvider(
          {
            host: fake.host,
            port,
            secure: false,
            ignoreTLS: true,
            connectionTimeoutMs: TIMEOUT_MS,
            greetingTimeoutMs: TIMEOUT_MS,
            socketTimeoutMs: TIMEOUT_MS,
          },
          { network },
        );
        providers.push(p);
        return p;
      };
      const to = 'user@example.com';
      const message = { idempotencyKey: 'dlv-1', from: { address: 'shop@example.com', name: 'Shop' }, to, subject: '주문 확인', text: '주문이 접수되었습니다' };
      return {
        send: () => make(fake.port).send(message),
        fail: (f) => {
          if (f === 'server-error') fake.failRecipient(to, 451, 'Requested action aborted: local error in processing');
          else if (f === 'rate-limited') fake.failRecipient(to, 421, 'Too many connections, try again later');
          else if (f === 'rejected') fake.failRecipient(to, 550, 'No such user here');
        },
        // One RCPT TO per attempt, accepted or refused.
        sendRequests: () => fake.recipients.length,
        violations: () => [],
        sendToNothing: (port) => make(port).send(message),
        close: async () => {
          await Promise.all(providers.map((p) => p.close?.()));
          await fake.close();
        },
      };
    },
  },
  {
    vendor: 'webhook',
    rateLimitRetryAfterMs: 9_000,
    async start() {
      const secret = 'whsec_0123456789abcdef';
      const fake = await startWebhookFake({ secret });
      const providers: { close?(): Promise<void> }[] = [];
      const make = (url: string) => {
        const p = createWebhookProvider({ url, secret, allowPrivateNetworks: true, timeoutMs: TIMEOUT_MS });
        providers.push(p);
        return p;
      };
      const message = { idempotencyKey: 'dlv-1', payload: { campaignId: 'c1', to: 'user-1', text: '안녕하세요' } };
      const answers = {
        'server-error': { kind: 'status', status: 500 },
        'rate-limited': { kind: 'status', status: 429, headers: { 'retry-after': '9' } },
        rejected: { kind: 'status', status: 400 },
        hang: { kind: 'hang' },
      } as const;
      return {
        send: () => make(fake.url).send(message),
        fail: (f) => fake.failNext(answers[f]),
        sendRequests: () => fake.requests.length,
        violations: () => fake.requests.flatMap((r) => r.problems),
        sendToNothing: (port) => make(`http://127.0.0.1:${port}/hooks/maru`).send(message),
        close: async () => {
          await Promise.all(providers.map((p) => p.close?.()));
          await fake.close();
        },
      };
    },
  },
];

async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

describe.each(harnesses)('provider contract: $vendor', (h) => {
  let rig: Rig | undefined;
  const start = async () => {
    rig = await h.start();
    return rig;
  };
  afterEach(async () => {
    await rig?.close();
    rig = undefined;
  });

  it('an accepted message is ok, from exactly one well-formed request', async () => {
    const r = await start();
    const result = await r.send();
    expect(result).toMatchObject({ ok: true });
    expect(r.sendRequests()).toBe(1);
    expect(r.violations()).toEqual([]);
  });

  it('a server error is a retryable failure with a reason, after one request (the pipeline owns retries)', async () => {
    const r = await start();
    r.fail('server-error');
    const result = await r.send();
    expect(result).toMatchObject({ ok: false, retryable: true });
    expect(result.reason).toMatch(/\S/);
    expect(r.sendRequests()).toBe(1);
  });

  it('a rate limit is retryable, carrying the vendor’s Retry-After', async () => {
    const r = await start();
    r.fail('rate-limited');
    const result = await r.send();
    expect(result).toMatchObject({ ok: false, retryable: true });
    expect(result.retryAfterMs).toBe(h.rateLimitRetryAfterMs);
  });

  it('a rejection that would fail again is not retryable', async () => {
    const r = await start();
    r.fail('rejected');
    const result = await r.send();
    expect(result).toMatchObject({ ok: false, retryable: false });
    expect(result.reason).toMatch(/\S/);
  });

  it.skipIf(h.cannot?.hang !== undefined)('a vendor that does not answer is a retryable failure within the timeout', async () => {
    const r = await start();
    r.fail('hang');
    const started = performance.now();
    const result = await r.send();
    expect(result).toMatchObject({ ok: false, retryable: true });
    // The fake would hang for 10 s or more; the provider gives up at its 500 ms timeout (the bound allows a loaded machine).
    expect(performance.now() - started).toBeLessThan(8_000);
  });

  it('nothing listening is a retryable failure, not a throw', async () => {
    const r = await start();
    const result = await r.sendToNothing(await closedPort());
    expect(result).toMatchObject({ ok: false, retryable: true });
    expect(result.reason).toMatch(/\S/);
  });
});
