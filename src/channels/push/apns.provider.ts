/**
 * Apple Push Notification service, token-based (.p8) authentication over HTTP/2.
 *
 * Auth: an ES256 JWT `{alg: ES256, kid: keyId}.{iss: teamId, iat}` signed with the .p8 key, reused for at
 * most 50 minutes (Apple refuses tokens older than an hour and throttles refreshes faster than every 20).
 *
 * Send: one long-lived HTTP/2 session to the base URL (re-opened after GOAWAY, error or idle close);
 * `POST /3/device/{token}` with `authorization: bearer <jwt>`, `apns-topic` (the bundle id),
 * `apns-push-type: alert`, `apns-priority`, `apns-id` (a UUID derived from the idempotency key, so a retried
 * delivery carries the same id) and `apns-expiration` when configured; body
 * `{aps: {alert: {title, body}, 'mutable-content': 1}, deepLink?, imageUrl?, ...data}`.
 *
 * Outcomes: 200 → providerMessageId = the `apns-id` Apple echoes. 410 (Unregistered, ExpiredToken) and 400
 * BadDeviceToken → invalidRecipient. 403 ExpiredProviderToken → the JWT is re-made and the result is
 * retryable; any other 403 (InvalidProviderToken, ...) → permanent (bad key/team/topic configuration).
 * 429 and 5xx, network errors and timeouts → retryable. Other 4xx → permanent.
 *
 * `baseUrl` may be `http://` for an h2c (cleartext HTTP/2) endpoint; Apple's are https.
 */
import { createHash, createPrivateKey } from 'node:crypto';
import type { KeyObject } from 'node:crypto';
import http2 from 'node:http2';
import type { ClientHttp2Session, IncomingHttpHeaders } from 'node:http2';
import { SignJWT } from 'jose';
import { NetGuardError } from '../../platform/net-guard.ts';
import { createOutboundGuard, type OutboundGuard } from '../../platform/outbound-guard.ts';
import { failed, sent } from '../provider.types.ts';
import type { PushMessage, PushProvider, SendResult } from '../provider.types.ts';
import { retryAfterMs } from '../http/retry-after.ts';

export const APNS_PRODUCTION_URL = 'https://api.push.apple.com';
export const APNS_SANDBOX_URL = 'https://api.sandbox.push.apple.com';
/** How long one provider JWT is reused. */
export const APNS_TOKEN_TTL_MS = 50 * 60 * 1000;

export interface ApnsProviderConfig {
  /** 10-character Key ID of the .p8 key (Apple Developer → Keys). */
  keyId: string;
  /** 10-character Team ID. */
  teamId: string;
  /** Contents of the AuthKey_XXXXXXXXXX.p8 file (PEM, EC P-256). */
  privateKey: string;
  /** The app's bundle id, sent as apns-topic. */
  bundleId: string;
  /** Default 'production'; 'sandbox' for development builds. Ignored when baseUrl is set. */
  environment?: 'production' | 'sandbox';
  baseUrl?: string;
  /** 10 = immediate (default), 5 = power-considerate. */
  priority?: 5 | 10;
  /** When set, apns-expiration = now + this many seconds (0: deliver now or never). Unset: Apple's default. */
  expirationSeconds?: number;
  /** Per request. Default 10 000 ms. */
  timeoutMs?: number;
  /** Extra trusted CA certificates (PEM), added to the public roots: a test server or TLS-inspecting proxy. */
  ca?: string;
  /** Close the HTTP/2 session after this long without requests. Default 5 minutes. */
  idleTimeoutMs?: number;
}

export interface ApnsProviderDeps {
  now?: () => number;
  /** The guard the HTTP/2 connection goes through (platform/outbound-guard.ts). Default: private networks refused. */
  network?: OutboundGuard;
}

const RESERVED_PAYLOAD_KEYS = new Set(['aps', 'deepLink', 'imageUrl']);

interface Resolved {
  key: KeyObject;
  baseUrl: string;
  timeoutMs: number;
  priority: 5 | 10;
  idleTimeoutMs: number;
}

function resolveConfig(config: ApnsProviderConfig): Resolved {
  if (typeof config !== 'object' || config === null) throw new Error('apns provider config must be an object');
  if (typeof config.keyId !== 'string' || !/^[A-Z0-9]{10}$/.test(config.keyId))
    throw new Error('apns provider config: "keyId" must be the 10-character key id');
  if (typeof config.teamId !== 'string' || !/^[A-Z0-9]{10}$/.test(config.teamId))
    throw new Error('apns provider config: "teamId" must be the 10-character team id');
  if (typeof config.bundleId !== 'string' || !/^[A-Za-z0-9.-]+$/.test(config.bundleId)) throw new Error('apns provider config: "bundleId" is required');
  let key: KeyObject;
  try {
    key = createPrivateKey(config.privateKey);
  } catch {
    throw new Error('apns provider config: "privateKey" is not a PEM private key (.p8 contents)');
  }
  if (key.asymmetricKeyType !== 'ec' || key.asymmetricKeyDetails?.namedCurve !== 'prime256v1') {
    throw new Error('apns provider config: "privateKey" must be an EC P-256 key');
  }
  const environment = config.environment ?? 'production';
  if (environment !== 'production' && environment !== 'sandbox') throw new Error('apns provider config: "environment" must be production or sandbox');
  const baseUrl = config.baseUrl ?? (environment === 'sandbox' ? APNS_SANDBOX_URL : APNS_PRODUCTION_URL);
  let parsed: URL;
  try {
    parsed = new URL(baseUrl);
  } catch {
    throw new Error('apns provider config: "baseUrl" must be a URL');
  }
  if (parsed.protocol !== 'https:' && parsed.protocol !== 'http:') throw new Error('apns provider config: "baseUrl" must be http(s)');
  const priority = config.priority ?? 10;
  if (priority !== 5 && priority !== 10) throw new Error('apns provider config: "priority" must be 5 or 10');
  if (config.expirationSeconds !== undefined && (!Number.isInteger(config.expirationSeconds) || config.expirationSeconds < 0)) {
    throw new Error('apns provider config: "expirationSeconds" must be a non-negative integer');
  }
  const timeoutMs = config.timeoutMs ?? 10_000;
  if (!Number.isInteger(timeoutMs) || timeoutMs <= 0) throw new Error('apns provider config: "timeoutMs" must be a positive integer');
  const idleTimeoutMs = config.idleTimeoutMs ?? 5 * 60_000;
  if (!Number.isInteger(idleTimeoutMs) || idleTimeoutMs <= 0) throw new Error('apns provider config: "idleTimeoutMs" must be a positive integer');
  return { key, baseUrl: parsed.origin, timeoutMs, priority, idleTimeoutMs };
}

/** A UUID (8-4-4-4-12, version 8) derived from the idempotency key. */
export function apnsIdFor(idempotencyKey: string): string {
  const bytes = createHash('sha256').update(idempotencyKey).digest().subarray(0, 16);
  bytes[6] = (bytes[6] & 0x0f) | 0x80;
  bytes[8] = (bytes[8] & 0x3f) | 0x80;
  const hex = bytes.toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

const REFUSED = 'address refused: ';

type Answer = { status: number; headers: IncomingHttpHeaders; body: string } | { error: string };

export function createApnsProvider(config: ApnsProviderConfig, deps: ApnsProviderDeps = {}): PushProvider {
  const resolved = resolveConfig(config);
  const now = deps.now ?? Date.now;
  const network = deps.network ?? createOutboundGuard();
  // The promise is cached so concurrent sends share one signature.
  let jwt: { token: Promise<string>; issuedAt: number } | undefined;
  let session: ClientHttp2Session | undefined;
  const sessionErrors = new WeakMap<ClientHttp2Session, string>();

  function providerToken(): Promise<string> {
    if (jwt && now() - jwt.issuedAt < APNS_TOKEN_TTL_MS) return jwt.token;
    const issuedAt = now();
    const token = new SignJWT({})
      .setProtectedHeader({ alg: 'ES256', kid: config.keyId })
      .setIssuer(config.teamId)
      .setIssuedAt(Math.floor(issuedAt / 1000))
      .sign(resolved.key);
    jwt = { token, issuedAt };
    return token;
  }

  function connection(): ClientHttp2Session {
    if (session && !session.closed && !session.destroyed) return session;
    const opened = network.connectHttp2(resolved.baseUrl, { ca: config.ca });
    const forget = (): void => {
      if (session === opened) session = undefined;
    };
    opened.on('error', (error: NodeJS.ErrnoException) => {
      // A connection the guard refused (a private address) is named as such, so it is reported as permanent.
      sessionErrors.set(
        opened,
        error instanceof NetGuardError && error.code === 'FORBIDDEN_ADDRESS' ? `${REFUSED}${error.message}` : (error.code ?? error.message),
      );
      forget();
    });
    opened.on('goaway', forget);
    opened.on('close', forget);
    opened.setTimeout(resolved.idleTimeoutMs, () => {
      forget();
      opened.close();
    });
    session = opened;
    return opened;
  }

  function request(path: string, headers: Record<string, string>, body: string): Promise<Answer> {
    return new Promise((resolve) => {
      let settled = false;
      const settle = (answer: Answer): void => {
        if (settled) return;
        settled = true;
        resolve(answer);
      };
      let stream: http2.ClientHttp2Stream;
      let opened: ClientHttp2Session;
      try {
        opened = connection();
        stream = opened.request({ ':method': 'POST', ':path': path, ...headers });
      } catch (error) {
        settle({ error: (error as Error).message });
        return;
      }
      // A stream cancelled because its connection failed reports the connection's error (ECONNREFUSED, ...).
      const failure = (fallback: string): string => sessionErrors.get(opened) ?? fallback;
      let status = 0;
      let responseHeaders: IncomingHttpHeaders = {};
      const chunks: Buffer[] = [];
      stream.setTimeout(resolved.timeoutMs, () => {
        stream.close(http2.constants.NGHTTP2_CANCEL);
        settle({ error: 'timed out' });
      });
      stream.on('response', (received) => {
        responseHeaders = received;
        status = Number(received[':status']);
      });
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      // Deferred one turn: when the connection fails, the stream is cancelled before the session's error is emitted.
      const settleFailure = (fallback: string): void => {
        setImmediate(() => settle({ error: failure(fallback) }));
      };
      stream.on('end', () => {
        if (status === 0) settleFailure('connection closed before a response');
        else settle({ status, headers: responseHeaders, body: Buffer.concat(chunks).toString('utf8') });
      });
      stream.on('error', (error: NodeJS.ErrnoException) => settleFailure(error.code ?? error.message));
      stream.on('close', () => settleFailure(`stream closed (code ${stream.rstCode})`));
      stream.end(body);
    });
  }

  function payloadOf(message: PushMessage): string | SendResult {
    const custom: Record<string, string> = {};
    for (const [key, value] of Object.entries(message.data ?? {})) {
      if (RESERVED_PAYLOAD_KEYS.has(key)) return failed(false, `APNs payload: data key "${key}" is reserved`);
      custom[key] = value;
    }
    return JSON.stringify({
      aps: { alert: { title: message.title, body: message.body }, 'mutable-content': 1 },
      ...(message.deepLink ? { deepLink: message.deepLink } : {}),
      ...(message.imageUrl ? { imageUrl: message.imageUrl } : {}),
      ...custom,
    });
  }

  return {
    async send(message: PushMessage): Promise<SendResult> {
      if (typeof message?.idempotencyKey !== 'string' || message.idempotencyKey === '') throw new Error('push message: "idempotencyKey" is required');
      if (typeof message.token !== 'string' || message.token === '') throw new Error('push message: "token" is required');
      if (typeof message.title !== 'string' || typeof message.body !== 'string') throw new Error('push message: "title" and "body" are required');
      const body = payloadOf(message);
      if (typeof body !== 'string') return body;
      if (!/^[0-9a-fA-F]{16,200}$/.test(message.token)) {
        return failed(false, 'APNs device token is not hexadecimal (BadDeviceToken)', { invalidRecipient: true });
      }
      const apnsId = apnsIdFor(message.idempotencyKey);
      const headers: Record<string, string> = {
        authorization: `bearer ${await providerToken()}`,
        'apns-topic': config.bundleId,
        'apns-push-type': 'alert',
        'apns-priority': String(resolved.priority),
        'apns-id': apnsId,
        'content-type': 'application/json',
      };
      if (config.expirationSeconds !== undefined) {
        headers['apns-expiration'] = config.expirationSeconds === 0 ? '0' : String(Math.floor(now() / 1000) + config.expirationSeconds);
      }

      const answer = await request(`/3/device/${message.token.toLowerCase()}`, headers, body);
      if ('error' in answer) return failed(!answer.error.startsWith(REFUSED), `APNs request failed: ${answer.error}`);
      const { status } = answer;
      if (status === 200) {
        const echoed = answer.headers['apns-id'];
        return sent(typeof echoed === 'string' ? echoed : apnsId);
      }
      let apnsReason = 'unknown';
      try {
        apnsReason = String((JSON.parse(answer.body) as { reason?: unknown }).reason ?? 'unknown');
      } catch {
        // not JSON: keep 'unknown'
      }
      const reason = `APNs HTTP ${status} ${apnsReason}`;
      if (status === 410) return failed(false, reason, { invalidRecipient: true });
      if (status === 400 && apnsReason === 'BadDeviceToken') return failed(false, reason, { invalidRecipient: true });
      if (status === 403) {
        if (apnsReason === 'ExpiredProviderToken' || apnsReason === 'InvalidProviderToken') jwt = undefined;
        return failed(apnsReason === 'ExpiredProviderToken', reason);
      }
      if (status === 429 || status >= 500) {
        const retryAfter = retryAfterMs(answer.headers['retry-after'] as string | undefined, now());
        return failed(true, reason, retryAfter === undefined ? {} : { retryAfterMs: retryAfter });
      }
      return failed(false, reason);
    },

    async close(): Promise<void> {
      const open = session;
      session = undefined;
      if (open && !open.closed) await new Promise<void>((resolve) => open.close(() => resolve()));
    },
  };
}
