/**
 * Loopback Web Push service (RFC 8030) over HTTPS on 127.0.0.1.
 *
 * `subscribe()` plays the browser: it makes a P-256 key pair and an auth secret and returns a subscription
 * whose endpoint is this server. Each push is checked as the RFCs require: POST to a known subscription,
 * `TTL` header, `Content-Encoding: aes128gcm`, optional `Urgency` from the defined set, and
 * `Authorization: vapid t=<JWT>, k=<public key>` (RFC 8292) where the ES256 JWT verifies with `k`,
 * `aud` is this origin (as addressed in Host), `exp` is in the future and at most 24 h away, and `sub` is a mailto:/https: URL.
 * The body is decrypted (RFC 8291) with the subscriber's private key and recorded as parsed JSON.
 * Answers 201 with a Location, or a scripted error class per subscription.
 *
 * TLS uses the fixed loopback certificate from apns.fake.ts; clients trust it through their `ca` option.
 */
import { createDecipheriv, createECDH, createPublicKey, hkdfSync, randomBytes, randomUUID } from 'node:crypto';
import type { ECDH } from 'node:crypto';
import type { IncomingHttpHeaders, ServerResponse } from 'node:http';
import { jwtVerify } from 'jose';
import type { WebPushSubscription } from '../../src/channels/provider.types.ts';
import { loopbackTls } from './apns.fake.ts';
import { startLoopbackServer } from './loopback.ts';

export type WebPushFakeFailure =
  | 'gone'
  | 'not-found'
  | 'too-many-requests'
  | 'server-error'
  | 'unavailable'
  | 'bad-request'
  | 'forbidden'
  | 'too-large'
  | 'reset'
  | 'hang';

export interface WebPushFakeRequest {
  subscriptionId: string | undefined;
  headers: IncomingHttpHeaders;
  /** Claims of the verified VAPID JWT. */
  vapidClaims: Record<string, unknown> | undefined;
  vapidPublicKey: string | undefined;
  /** The decrypted payload, parsed as JSON. */
  payload: unknown;
  problems: string[];
  status: number;
}

export interface WebPushFake {
  origin: string;
  requests: WebPushFakeRequest[];
  subscribe(): { id: string; subscription: WebPushSubscription };
  fail(subscriptionId: string, failure: WebPushFakeFailure): void;
  close(): Promise<void>;
}

const FAILURES: Record<Exclude<WebPushFakeFailure, 'reset' | 'hang'>, { status: number; headers?: Record<string, string> }> = {
  gone: { status: 410 },
  'not-found': { status: 404 },
  'too-many-requests': { status: 429, headers: { 'retry-after': '60' } },
  'server-error': { status: 500 },
  unavailable: { status: 503, headers: { 'retry-after': '2' } },
  'bad-request': { status: 400 },
  forbidden: { status: 403 },
  'too-large': { status: 413 },
};

/** RFC 8291 / RFC 8188 aes128gcm decryption of a single-record message. */
export function decryptAes128gcm(body: Buffer, receiver: ECDH, authSecret: Buffer): Buffer {
  const salt = body.subarray(0, 16);
  const idLength = body[20];
  const senderPublic = body.subarray(21, 21 + idLength);
  const record = body.subarray(21 + idLength);
  const ecdhSecret = receiver.computeSecret(senderPublic);
  const keyInfo = Buffer.concat([Buffer.from('WebPush: info\0'), receiver.getPublicKey(), senderPublic]);
  const ikm = Buffer.from(hkdfSync('sha256', ecdhSecret, authSecret, keyInfo, 32));
  const cek = Buffer.from(hkdfSync('sha256', ikm, salt, Buffer.from('Content-Encoding: aes128gcm\0'), 16));
  const nonce = Buffer.from(hkdfSync('sha256', ikm, salt, Buffer.from('Content-Encoding: nonce\0'), 12));
  const decipher = createDecipheriv('aes-128-gcm', cek, nonce);
  decipher.setAuthTag(record.subarray(record.length - 16));
  const padded = Buffer.concat([decipher.update(record.subarray(0, record.length - 16)), decipher.final()]);
  let end = padded.length - 1;
  while (end >= 0 && padded[end] === 0) end--;
  if (padded[end] !== 2) throw new Error('last record is not delimited with 0x02');
  return padded.subarray(0, end);
}

function rawP256ToKey(raw: Buffer) {
  return createPublicKey({
    key: { kty: 'EC', crv: 'P-256', x: raw.subarray(1, 33).toString('base64url'), y: raw.subarray(33, 65).toString('base64url') },
    format: 'jwk',
  });
}

export async function startWebPushFake(): Promise<WebPushFake> {
  const subscribers = new Map<string, { ecdh: ECDH; auth: Buffer }>();
  const failures = new Map<string, WebPushFakeFailure>();
  let origin = '';

  const fake: WebPushFake = {
    get origin() {
      return origin;
    },
    requests: [],
    subscribe() {
      const id = randomUUID();
      const ecdh = createECDH('prime256v1');
      ecdh.generateKeys();
      const auth = randomBytes(16);
      subscribers.set(id, { ecdh, auth });
      return {
        id,
        subscription: {
          endpoint: `${origin}/push/${id}`,
          keys: { p256dh: ecdh.getPublicKey().toString('base64url'), auth: auth.toString('base64url') },
        },
      };
    },
    fail: (subscriptionId, failure) => failures.set(subscriptionId, failure),
    close: () => server.close(),
  };

  async function verifyVapid(
    header: string | undefined,
    audience: string,
    problems: string[],
  ): Promise<Pick<WebPushFakeRequest, 'vapidClaims' | 'vapidPublicKey'>> {
    const match = /^vapid t=([^,\s]+),\s*k=([A-Za-z0-9_-]+)$/.exec(header ?? '');
    if (!match) {
      problems.push(`authorization is not "vapid t=..., k=...": ${header}`);
      return { vapidClaims: undefined, vapidPublicKey: undefined };
    }
    const [, token, k] = match;
    try {
      const raw = Buffer.from(k, 'base64url');
      if (raw.length !== 65 || raw[0] !== 4) throw new Error('k is not an uncompressed P-256 point');
      const { payload } = await jwtVerify(token, rawP256ToKey(raw), { algorithms: ['ES256'], audience, requiredClaims: ['exp', 'sub'] });
      if ((payload.exp ?? 0) > Date.now() / 1000 + 24 * 3600) problems.push('vapid exp more than 24h ahead');
      if (typeof payload.sub !== 'string' || !/^(mailto:|https:)/.test(payload.sub)) problems.push(`vapid sub ${String(payload.sub)}`);
      return { vapidClaims: payload as Record<string, unknown>, vapidPublicKey: k };
    } catch (error) {
      problems.push(`vapid JWT rejected: ${(error as Error).message}`);
      return { vapidClaims: undefined, vapidPublicKey: k };
    }
  }

  async function handle(method: string | undefined, path: string, headers: IncomingHttpHeaders, body: Buffer, response: ServerResponse): Promise<void> {
    const problems: string[] = [];
    const subscriptionId = /^\/push\/([0-9a-f-]+)$/.exec(path)?.[1];
    const subscriber = subscriptionId ? subscribers.get(subscriptionId) : undefined;
    const record: WebPushFakeRequest = { subscriptionId, headers, vapidClaims: undefined, vapidPublicKey: undefined, payload: undefined, problems, status: 0 };
    fake.requests.push(record);
    const answer = (status: number, extra: Record<string, string> = {}): void => {
      record.status = status;
      response.writeHead(status, extra);
      response.end();
    };

    if (method !== 'POST') problems.push(`method ${method}`);
    if (!subscriber) return answer(404);
    // The audience is the push service's origin as the client addressed it.
    Object.assign(record, await verifyVapid(headers.authorization, `https://${headers.host}`, problems));
    if (!/^\d+$/.test(String(headers.ttl ?? ''))) problems.push(`TTL ${headers.ttl}`);
    if (headers['content-encoding'] !== 'aes128gcm') problems.push(`content-encoding ${headers['content-encoding']}`);
    if (headers.urgency !== undefined && !['very-low', 'low', 'normal', 'high'].includes(String(headers.urgency))) problems.push(`urgency ${headers.urgency}`);
    if (body.length > 4096) problems.push('body larger than 4096 bytes');
    try {
      record.payload = JSON.parse(decryptAes128gcm(body, subscriber.ecdh, subscriber.auth).toString('utf8'));
    } catch (error) {
      problems.push(`payload did not decrypt to JSON: ${(error as Error).message}`);
    }
    if (problems.some((p) => p.startsWith('vapid') || p.startsWith('authorization'))) return answer(403);
    if (problems.length > 0) return answer(400);

    const failure = failures.get(subscriptionId ?? '');
    if (failure === 'reset') {
      record.status = -1;
      response.socket?.destroy();
      return;
    }
    if (failure === 'hang') {
      record.status = -1;
      return; // never answers; close() drops the connection
    }
    if (failure) return answer(FAILURES[failure].status, FAILURES[failure].headers);
    answer(201, { location: `${origin}/message/${randomUUID()}` });
  }

  const server = await startLoopbackServer((request, response) => handle(request.method, request.url, request.headers, request.body, response), {
    tls: loopbackTls,
  });
  origin = server.origin;
  return fake;
}
