/**
 * Web Push (RFC 8030) with VAPID (RFC 8292) and aes128gcm payload encryption (RFC 8291), through `web-push`.
 *
 * The payload the service worker receives is JSON: `{title, body, url?, icon?, image?, tag}` where `tag` is the
 * delivery's idempotency key (pass it to showNotification so a retried delivery replaces, not duplicates).
 *
 * Subscription endpoints come from browsers, i.e. from clients: every connection resolves the endpoint host
 * and refuses loopback/private/link-local/... addresses (platform/outbound-guard.ts) unless
 * `allowPrivateNetworks`; the socket connects to the address that was checked.
 *
 * Outcomes: 201 → providerMessageId = the push service's `Location` (the message resource). 404/410 →
 * invalidRecipient (the subscription expired or was unsubscribed). 429/5xx, network errors, timeouts →
 * retryable, honouring Retry-After. Other 4xx (400, 401/403 VAPID rejected, 413 too large) → permanent.
 * A subscription that is malformed (non-https endpoint, bad keys) → permanent with invalidRecipient.
 */
import { createECDH } from 'node:crypto';
import https from 'node:https';
import webpush from 'web-push';
import { failed, sent } from '../provider.types.ts';
import type { SendResult, WebPushMessage, WebPushProvider, WebPushSubscription } from '../provider.types.ts';
import type { Resolver } from '../../platform/net-guard.ts';
import { createOutboundGuard, netGuardErrorIn, type OutboundGuard } from '../../platform/outbound-guard.ts';
import { retryAfterMs } from '../http/retry-after.ts';

export type WebPushUrgency = 'very-low' | 'low' | 'normal' | 'high';

export interface VapidProviderConfig {
  vapid: {
    /** `mailto:` or `https:` contact the push services can reach the sender at. */
    subject: string;
    /** base64url, uncompressed P-256 point (65 bytes) — also given to browsers as applicationServerKey. */
    publicKey: string;
    /** base64url, 32 bytes. */
    privateKey: string;
  };
  /** How long the push service keeps an undelivered message, when the message sets none. Default 86 400 s. */
  defaultTtlSeconds?: number;
  /** Default 'normal'. */
  urgency?: WebPushUrgency;
  /** Per request. Default 10 000 ms. */
  timeoutMs?: number;
  /** Allow endpoints on loopback/private networks (self-hosted push services, tests). Default false. */
  allowPrivateNetworks?: boolean;
  /** Extra trusted CA certificates (PEM), added to the public roots. */
  ca?: string;
}

export interface VapidProviderDeps {
  /** The guard every connection goes through. Default: one built from `allowPrivateNetworks` and `resolve`. */
  network?: OutboundGuard;
  resolve?: Resolver;
  now?: () => number;
}

export interface VapidKeys {
  publicKey: string;
  privateKey: string;
}

/** A new VAPID key pair (base64url). Generate once per deployment and keep it: subscriptions are bound to it. */
export function generateVapidKeys(): VapidKeys {
  const keys = webpush.generateVAPIDKeys();
  return { publicKey: keys.publicKey, privateKey: keys.privateKey };
}

const BASE64URL = /^[A-Za-z0-9_-]+=*$/;
const URGENCIES: readonly WebPushUrgency[] = ['very-low', 'low', 'normal', 'high'];

function decodeKey(value: unknown): Buffer | undefined {
  if (typeof value !== 'string' || !BASE64URL.test(value)) return undefined;
  return Buffer.from(value.replace(/=+$/, ''), 'base64url');
}

function validate(config: VapidProviderConfig): void {
  if (typeof config !== 'object' || config === null) throw new Error('vapid provider config must be an object');
  const vapid = config.vapid;
  if (typeof vapid !== 'object' || vapid === null) throw new Error('vapid provider config: "vapid" is required');
  if (typeof vapid.subject !== 'string' || !/^(mailto:.+@.+|https:\/\/.+)$/.test(vapid.subject)) {
    throw new Error('vapid provider config: "vapid.subject" must be a mailto: or https: URL');
  }
  const publicKey = decodeKey(vapid.publicKey);
  if (!publicKey || publicKey.length !== 65 || publicKey[0] !== 4) {
    throw new Error('vapid provider config: "vapid.publicKey" must be a base64url 65-byte P-256 public key');
  }
  const privateKey = decodeKey(vapid.privateKey);
  if (!privateKey || privateKey.length !== 32) throw new Error('vapid provider config: "vapid.privateKey" must be a base64url 32-byte key');
  let derived: Buffer;
  try {
    const ecdh = createECDH('prime256v1');
    ecdh.setPrivateKey(privateKey);
    derived = ecdh.getPublicKey();
  } catch {
    throw new Error('vapid provider config: "vapid.privateKey" is not a valid P-256 key');
  }
  if (!derived.equals(publicKey)) throw new Error('vapid provider config: "vapid.publicKey" does not match "vapid.privateKey"');
  const ttl = config.defaultTtlSeconds;
  if (ttl !== undefined && (!Number.isInteger(ttl) || ttl < 0)) throw new Error('vapid provider config: "defaultTtlSeconds" must be a non-negative integer');
  if (config.urgency !== undefined && !URGENCIES.includes(config.urgency))
    throw new Error(`vapid provider config: "urgency" must be one of ${URGENCIES.join(', ')}`);
  const timeout = config.timeoutMs;
  if (timeout !== undefined && (!Number.isInteger(timeout) || timeout <= 0)) throw new Error('vapid provider config: "timeoutMs" must be a positive integer');
}

/** Why a subscription can never be delivered to, or undefined when it looks usable. */
function subscriptionProblem(subscription: WebPushSubscription | undefined): string | undefined {
  if (typeof subscription !== 'object' || subscription === null) return 'missing';
  let endpoint: URL;
  try {
    endpoint = new URL(subscription.endpoint);
  } catch {
    return 'endpoint is not a URL';
  }
  if (endpoint.protocol !== 'https:') return 'endpoint is not https';
  const p256dh = decodeKey(subscription.keys?.p256dh);
  if (!p256dh || p256dh.length !== 65 || p256dh[0] !== 4) return 'keys.p256dh is not a P-256 public key';
  const auth = decodeKey(subscription.keys?.auth);
  if (!auth || auth.length !== 16) return 'keys.auth is not 16 bytes';
  return undefined;
}

interface WebPushFailure {
  statusCode?: unknown;
  headers?: Record<string, string | string[] | undefined>;
  body?: unknown;
  code?: unknown;
  message?: unknown;
}

export function createVapidProvider(config: VapidProviderConfig, deps: VapidProviderDeps = {}): WebPushProvider {
  validate(config);
  const now = deps.now ?? Date.now;
  const network = deps.network ?? createOutboundGuard({ allowPrivateNetworks: config.allowPrivateNetworks === true, resolve: deps.resolve });
  const agent = network.agent('https:', { ca: config.ca }) as https.Agent;
  const vapidDetails = { subject: config.vapid.subject, publicKey: config.vapid.publicKey, privateKey: config.vapid.privateKey };

  function classify(error: WebPushFailure): SendResult {
    if (typeof error.statusCode === 'number') {
      const status = error.statusCode;
      const detail = typeof error.body === 'string' && error.body ? `: ${error.body.slice(0, 200)}` : '';
      const reason = `push service answered HTTP ${status}${detail}`;
      if (status === 404 || status === 410) return failed(false, reason, { invalidRecipient: true });
      if (status === 429 || status >= 500) {
        const retryAfter = retryAfterMs(error.headers?.['retry-after'], now());
        return failed(true, reason, retryAfter === undefined ? {} : { retryAfterMs: retryAfter });
      }
      return failed(false, reason);
    }
    const refusal = netGuardErrorIn(error);
    if (refusal) return failed(refusal.code === 'DNS_FAILURE', `push endpoint refused: ${refusal.message}`);
    const code = typeof error.code === 'string' ? error.code : typeof error.message === 'string' ? error.message : 'unknown error';
    return failed(true, `push request failed: ${code}`);
  }

  return {
    async send(message: WebPushMessage): Promise<SendResult> {
      if (typeof message?.idempotencyKey !== 'string' || message.idempotencyKey === '') throw new Error('web push message: "idempotencyKey" is required');
      if (typeof message.title !== 'string' || typeof message.body !== 'string') throw new Error('web push message: "title" and "body" are required');
      const problem = subscriptionProblem(message.subscription);
      if (problem) return failed(false, `invalid web push subscription: ${problem}`, { invalidRecipient: true });

      const payload = JSON.stringify({
        title: message.title,
        body: message.body,
        ...(message.url ? { url: message.url } : {}),
        ...(message.iconUrl ? { icon: message.iconUrl } : {}),
        ...(message.imageUrl ? { image: message.imageUrl } : {}),
        tag: message.idempotencyKey,
      });
      const ttl = message.ttlSeconds ?? config.defaultTtlSeconds ?? 86_400;
      try {
        const response = await webpush.sendNotification(
          { endpoint: message.subscription.endpoint, keys: { p256dh: message.subscription.keys.p256dh, auth: message.subscription.keys.auth } },
          payload,
          { vapidDetails, TTL: ttl, urgency: config.urgency ?? 'normal', timeout: config.timeoutMs ?? 10_000, agent, contentEncoding: 'aes128gcm' },
        );
        const location = response.headers?.location;
        return sent(typeof location === 'string' ? location : undefined);
      } catch (error) {
        return classify(error as WebPushFailure);
      }
    },

    async close(): Promise<void> {
      agent.destroy();
    },
  };
}
