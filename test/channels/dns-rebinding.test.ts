/**
 * DNS rebinding, per provider kind: a vendor host resolves to a public address when its config is saved and to
 * 127.0.0.1 when the provider connects. The save passes (the check sees a public address); the connect is refused by
 * the outbound guard (platform/outbound-guard.ts), and not one TCP connection reaches the loopback listener. With the
 * operator's allow setting (MARU_ALLOW_PRIVATE_NETWORKS) the same provider does connect to it — so the refusal is the
 * guard's doing, not a broken config.
 *
 * The resolver is injected through the guard the provider context carries; nothing global is patched.
 */
import { createServer, type Server, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';
import { generateKeyPairSync } from 'node:crypto';
import { pino } from 'pino';
import webpush from 'web-push';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/platform/clock.ts';
import type { Resolver } from '../../src/platform/net-guard.ts';
import { createOutboundGuard } from '../../src/platform/outbound-guard.ts';
import type { ProviderContext } from '../../src/channels/registry.ts';
import type { SandboxOutbox } from '../../src/channels/sandbox/outbox.ts';
import type { EmailProvider, KakaoProvider, PushProvider, SendResult, TextProvider, WebPushProvider } from '../../src/channels/provider.types.ts';
import { BuiltInChannelVendors, vendorDescriptor } from '../../src/channels/vendors/built-in-vendors.ts';

const PUBLIC_ADDRESS = '93.184.216.34';
const project = { id: 'p1', name: 'p', timezone: 'Asia/Seoul', settings: {}, createdAt: 0 };

/** A loopback listener that counts every TCP connection and closes it at once. */
let canary: Server;
let port: number;
let connections = 0;
const sockets = new Set<Socket>();

beforeAll(async () => {
  canary = createServer((socket) => {
    connections++;
    sockets.add(socket);
    socket.destroy();
  });
  await new Promise<void>((resolve) => canary.listen(0, '127.0.0.1', resolve));
  port = (canary.address() as AddressInfo).port;
});
afterAll(async () => {
  for (const s of sockets) s.destroy();
  await new Promise<void>((resolve) => canary.close(() => resolve()));
});
beforeEach(() => {
  connections = 0;
});

/** Answers the public address while `phase` is 'save' and loopback afterwards. */
function rebindingResolver() {
  const state = { phase: 'save' as 'save' | 'connect', asked: [] as string[] };
  const resolve: Resolver = async (host) => {
    state.asked.push(`${state.phase}:${host}`);
    return [{ address: state.phase === 'save' ? PUBLIC_ADDRESS : '127.0.0.1', family: 4 }];
  };
  return { state, resolve };
}

function contextWith(resolve: Resolver, allowPrivateNetworks: boolean): Omit<ProviderContext, 'project'> {
  return {
    clock: new ManualClock(),
    log: pino({ level: 'silent' }),
    allowPrivateNetworks,
    network: createOutboundGuard({ allowPrivateNetworks, resolve }),
    sandboxOutbox: {} as SandboxOutbox,
  };
}

const rsaKey = () => generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
const ecKey = () => generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
const vapidKeys = webpush.generateVAPIDKeys();
const subscriptionKeys = {
  p256dh: 'BNcRdreALRFXTkOOUHK1EtK2wtaz5Ry4YfYCA_0QTpQtUbVlUls0VJXg7A8u-Ts1XbjhazAkj7I99e8QcYP7DkM',
  auth: 'tBHItJI5svbpez7KI4CCXg',
};

interface Case {
  channel: string;
  vendor: string;
  config: (host: string) => Record<string, unknown>;
  send: (provider: unknown, host: string) => Promise<SendResult>;
}

const vendorHost = 'api.vendor.example';
const cases: Case[] = [
  {
    channel: 'email',
    vendor: 'smtp',
    config: (host) => ({ host, port, secure: false, ignoreTLS: true, pool: false, connectionTimeoutMs: 2_000 }),
    send: (p) => (p as EmailProvider).send({ idempotencyKey: 'k1', from: { address: 'shop@example.com' }, to: 'a@example.com', subject: 's', text: 't' }),
  },
  {
    channel: 'push',
    vendor: 'fcm',
    config: (host) => ({
      serviceAccount: { type: 'service_account', project_id: 'demo', client_email: 'maru@demo.iam.gserviceaccount.com', private_key: rsaKey() },
      baseUrl: `http://${host}:${port}`,
      tokenUri: `http://${host}:${port}/token`,
      timeoutMs: 2_000,
    }),
    send: (p) => (p as PushProvider).send({ idempotencyKey: 'k1', token: 'device-token', platform: 'android', title: 't', body: 'b' }),
  },
  {
    channel: 'push',
    vendor: 'apns',
    config: (host) => ({
      keyId: 'ABCDEFGHIJ',
      teamId: 'KLMNOPQRST',
      privateKey: ecKey(),
      bundleId: 'com.example.app',
      baseUrl: `https://${host}:${port}`,
      timeoutMs: 2_000,
    }),
    send: (p) => (p as PushProvider).send({ idempotencyKey: 'k1', token: 'ab'.repeat(32), platform: 'ios', title: 't', body: 'b' }),
  },
  {
    channel: 'web_push',
    vendor: 'vapid',
    config: () => ({ vapid: { subject: 'mailto:ops@example.com', publicKey: vapidKeys.publicKey, privateKey: vapidKeys.privateKey }, timeoutMs: 2_000 }),
    // The endpoint comes from a browser's subscription, not from the config.
    send: (p, host) =>
      (p as WebPushProvider).send({
        idempotencyKey: 'k1',
        subscription: { endpoint: `https://${host}:${port}/push/abc`, keys: subscriptionKeys },
        title: 't',
        body: 'b',
      }),
  },
  {
    channel: 'text_message',
    vendor: 'nhn-cloud',
    config: (host) => ({ appKey: 'app-key', secretKey: 'secret-key', baseUrl: `http://${host}:${port}`, timeoutMs: 2_000 }),
    send: (p) => (p as TextProvider).send({ idempotencyKey: 'k1', kind: 'sms', from: '1544-6859', to: '010-1234-5678', body: 'hello' }),
  },
  {
    channel: 'text_message',
    vendor: 'twilio',
    config: (host) => ({ accountSid: `AC${'0'.repeat(32)}`, authToken: 'token', from: '+15005550006', baseUrl: `http://${host}:${port}`, timeoutMs: 2_000 }),
    send: (p) => (p as TextProvider).send({ idempotencyKey: 'k1', kind: 'sms', from: '', to: '+821012345678', body: 'hello' }),
  },
  {
    channel: 'kakao_alimtalk',
    vendor: 'nhn-bizmessage',
    config: (host) => ({ appKey: 'app-key', secretKey: 'secret-key', baseUrl: `http://${host}:${port}`, timeoutMs: 2_000 }),
    send: (p) =>
      (p as KakaoProvider).sendAlimtalk({
        idempotencyKey: 'k1',
        senderKey: 'sender-key',
        templateCode: 'T1',
        to: '010-1234-5678',
        content: 'hi',
        templateParameter: {},
      }),
  },
  {
    channel: 'push',
    vendor: 'webhook',
    config: (host) => ({ url: `http://${host}:${port}/hook`, secret: 'a-webhook-secret-of-16+', timeoutMs: 2_000 }),
    send: (p) => (p as PushProvider).send({ idempotencyKey: 'k1', token: 'device-token', platform: 'android', title: 't', body: 'b' }),
  },
];

describe.each(cases)('DNS rebinding: $channel/$vendor', ({ channel, vendor, config, send }) => {
  it('passes the save-time check, then refuses the connect to 127.0.0.1; nothing reaches loopback', async () => {
    const { state, resolve } = rebindingResolver();
    const ctx = contextWith(resolve, false);
    const saved = await new BuiltInChannelVendors(ctx).check({ project, channel, vendor, config: config(vendorHost) });

    state.phase = 'connect';
    const provider = vendorDescriptor(channel, vendor)!.create(saved, { ...ctx, project });
    try {
      const result = await send(provider, vendorHost);
      expect(result).toMatchObject({ ok: false, retryable: false });
      expect(result.reason).toContain(`${vendorHost} resolves to 127.0.0.1, a loopback address`);
    } finally {
      await provider.close?.();
    }
    expect(connections).toBe(0);
    // The guard resolved at connect time (not only at save time).
    expect(state.asked).toContain(`connect:${vendorHost}`);
  });

  it('connects to the loopback address when the operator allows private networks', async () => {
    const { state, resolve } = rebindingResolver();
    state.phase = 'connect';
    const ctx = contextWith(resolve, true);
    const saved = await new BuiltInChannelVendors(ctx).check({ project, channel, vendor, config: config(vendorHost) });
    const provider = vendorDescriptor(channel, vendor)!.create(saved, { ...ctx, project });
    try {
      const result = await send(provider, vendorHost);
      // The listener hangs up at once, so the send fails, but as a retryable network failure after connecting.
      expect(result).toMatchObject({ ok: false, retryable: true });
    } finally {
      await provider.close?.();
    }
    expect(connections).toBeGreaterThanOrEqual(1);
  });
});
