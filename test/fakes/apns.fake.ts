/**
 * Loopback APNs: an HTTP/2 server over TLS on 127.0.0.1 that checks requests as Apple documents them
 * ("Sending notification requests to APNs", "Establishing a token-based connection to APNs"):
 * POST /3/device/<hex token>; `authorization: bearer <ES256 JWT>` whose signature verifies with the .p8
 * key's public key, header kid = key id, iss = team id, iat not older than one hour; `apns-topic` = bundle id;
 * `apns-push-type: alert`; `apns-priority` 5 or 10; `apns-id` a UUID when present; `apns-expiration` a number
 * when present; a JSON body with `aps.alert.title/body`, at most 4096 bytes. Violations are answered with
 * Apple's status and reason and recorded. Error classes can be scripted per device token.
 *
 * TLS uses a fixed self-signed certificate for 127.0.0.1/::1/localhost (`loopbackTls`, valid 2000-2100),
 * trusted by the client through its `ca` option; plain h2c would not exercise ALPN as production does.
 */
import { generateKeyPairSync, randomUUID } from 'node:crypto';
import http2 from 'node:http2';
import type { IncomingHttpHeaders, ServerHttp2Stream } from 'node:http2';
import type { AddressInfo } from 'node:net';
import { decodeProtectedHeader, jwtVerify } from 'jose';

/** Self-signed EC certificate for 127.0.0.1, ::1 and localhost. Test use only. */
export const loopbackTls = {
  cert: `-----BEGIN CERTIFICATE-----
MIIBjDCCATGgAwIBAgIBATAKBggqhkjOPQQDAjAdMRswGQYDVQQDDBJtYXJ1IGxv
b3BiYWNrIHRlc3QwIBcNMDAwMTAxMDAwMDAwWhgPMjEwMDAxMDEwMDAwMDBaMB0x
GzAZBgNVBAMMEm1hcnUgbG9vcGJhY2sgdGVzdDBZMBMGByqGSM49AgEGCCqGSM49
AwEHA0IABEORzGgHnHguZ0QVtCDGe4Y3Infwp+B/q8pY27roIOKR1q5wp0r7+84e
Vds2WmfDcUmwBaYLlwuQ7kLlU+/oZ3ujYDBeMA8GA1UdEwEB/wQFMAMBAf8wLAYD
VR0RBCUwI4cEfwAAAYcQAAAAAAAAAAAAAAAAAAAAAYIJbG9jYWxob3N0MB0GA1Ud
DgQWBBRNhPkyhGWTDKopFVEphCLDUT5qiTAKBggqhkjOPQQDAgNJADBGAiEAr+u7
fhvJncqlx0M5wwAnQt/Z0ox862ubuYwKO0bnwAYCIQDrt/p2R3Z2ix/YPpc2qAQH
ZNpruXx9PRGcxOQl8Tq0fA==
-----END CERTIFICATE-----
`,
  key: `-----BEGIN PRIVATE KEY-----
MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQgSUNtZ9pwkS+KMdYo
g9zUOija0XQ8U1L+waaiPESBaAmhRANCAARDkcxoB5x4LmdEFbQgxnuGNyJ38Kfg
f6vKWNu66CDikdaucKdK+/vOHlXbNlpnw3FJsAWmC5cLkO5C5VPv6Gd7
-----END PRIVATE KEY-----
`,
};

export type ApnsFakeFailure =
  | 'unregistered'
  | 'bad-device-token'
  | 'device-token-not-for-topic'
  | 'too-many-requests'
  | 'internal'
  | 'service-unavailable'
  | 'expired-provider-token'
  | 'invalid-provider-token'
  | 'payload-too-large'
  | 'reset'
  | 'drop-connection'
  | 'hang';

export interface ApnsFakeRequest {
  method: string | undefined;
  path: string | undefined;
  deviceToken: string | undefined;
  headers: IncomingHttpHeaders;
  jwt: string | undefined;
  payload: unknown;
  problems: string[];
  status: number;
  reason?: string;
}

export interface ApnsFake {
  baseUrl: string;
  keyId: string;
  teamId: string;
  bundleId: string;
  /** PEM of the .p8 key the provider signs with. */
  privateKey: string;
  requests: ApnsFakeRequest[];
  /** Distinct JWTs presented, in order of first use. */
  jwts: string[];
  /** HTTP/2 sessions (connections) opened by clients. */
  sessions: number;
  failToken(deviceToken: string, failure: ApnsFakeFailure): void;
  close(): Promise<void>;
}

const FAILURES: Record<Exclude<ApnsFakeFailure, 'reset' | 'drop-connection' | 'hang'>, { status: number; reason: string; headers?: Record<string, string> }> = {
  unregistered: { status: 410, reason: 'Unregistered' },
  'bad-device-token': { status: 400, reason: 'BadDeviceToken' },
  'device-token-not-for-topic': { status: 400, reason: 'DeviceTokenNotForTopic' },
  'too-many-requests': { status: 429, reason: 'TooManyRequests', headers: { 'retry-after': '12' } },
  internal: { status: 500, reason: 'InternalServerError' },
  'service-unavailable': { status: 503, reason: 'ServiceUnavailable' },
  'expired-provider-token': { status: 403, reason: 'ExpiredProviderToken' },
  'invalid-provider-token': { status: 403, reason: 'InvalidProviderToken' },
  'payload-too-large': { status: 413, reason: 'PayloadTooLarge' },
};

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export async function startApnsFake(options: { now?: () => number; bundleId?: string } = {}): Promise<ApnsFake> {
  const now = options.now ?? Date.now;
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
  const failures = new Map<string, ApnsFakeFailure>();
  const streams = new Set<ServerHttp2Stream>();
  const server = http2.createSecureServer({ key: loopbackTls.key, cert: loopbackTls.cert });
  const sessions = new Set<http2.ServerHttp2Session>();

  const fake: ApnsFake = {
    baseUrl: '',
    keyId: 'ABC123DEFG',
    teamId: 'TEAM123456',
    bundleId: options.bundleId ?? 'com.example.maru',
    privateKey: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
    requests: [],
    jwts: [],
    sessions: 0,
    failToken: (deviceToken, failure) => failures.set(deviceToken, failure),
    close: () =>
      new Promise<void>((resolve) => {
        for (const stream of streams) stream.close(http2.constants.NGHTTP2_CANCEL);
        for (const session of sessions) session.destroy();
        server.close(() => resolve());
      }),
  };

  server.on('session', (session) => {
    fake.sessions += 1;
    sessions.add(session);
    session.on('close', () => sessions.delete(session));
  });

  async function authProblem(jwt: string | undefined): Promise<string | undefined> {
    if (!jwt) return 'MissingProviderToken';
    try {
      const header = decodeProtectedHeader(jwt);
      if (header.alg !== 'ES256' || header.kid !== fake.keyId) return 'InvalidProviderToken';
      const { payload } = await jwtVerify(jwt, publicKey, {
        algorithms: ['ES256'],
        issuer: fake.teamId,
        requiredClaims: ['iat'],
        currentDate: new Date(now()),
      });
      if (now() / 1000 - (payload.iat ?? 0) > 3600) return 'ExpiredProviderToken';
      return undefined;
    } catch {
      return 'InvalidProviderToken';
    }
  }

  server.on('stream', (stream, headers) => {
    streams.add(stream);
    stream.on('close', () => streams.delete(stream));
    stream.on('error', () => undefined); // resets are scripted; nothing to report
    const chunks: Buffer[] = [];
    stream.on('data', (chunk: Buffer) => chunks.push(chunk));
    stream.on('end', () => void handle(stream, headers, Buffer.concat(chunks)));
  });

  async function handle(stream: ServerHttp2Stream, headers: IncomingHttpHeaders, raw: Buffer): Promise<void> {
    const problems: string[] = [];
    const path = headers[':path'];
    const deviceToken = /^\/3\/device\/([0-9a-f]+)$/.exec(path ?? '')?.[1];
    const jwt = /^bearer (.+)$/.exec(String(headers.authorization ?? ''))?.[1];
    if (jwt && !fake.jwts.includes(jwt)) fake.jwts.push(jwt);
    let payload: unknown;
    try {
      payload = JSON.parse(raw.toString('utf8'));
    } catch {
      payload = undefined;
    }
    const record: ApnsFakeRequest = { method: headers[':method'], path, deviceToken, headers, jwt, payload, problems, status: 0 };
    fake.requests.push(record);
    const answer = (status: number, reason?: string, extra: Record<string, string> = {}): void => {
      record.status = status;
      record.reason = reason;
      const apnsId = typeof headers['apns-id'] === 'string' ? headers['apns-id'] : randomUUID();
      stream.respond({ ':status': status, 'apns-id': apnsId, ...(reason ? { 'content-type': 'application/json' } : {}), ...extra });
      stream.end(reason ? JSON.stringify(status === 410 ? { reason, timestamp: now() } : { reason }) : undefined);
    };

    if (headers[':method'] !== 'POST') return answer(405, 'MethodNotAllowed');
    if (!deviceToken) return answer(404, 'BadPath');
    const authFailure = await authProblem(jwt);
    if (authFailure) {
      problems.push(authFailure);
      return answer(403, authFailure);
    }
    if (!headers['apns-topic']) return answer(400, 'MissingTopic');
    if (headers['apns-topic'] !== fake.bundleId) return answer(400, 'DeviceTokenNotForTopic');
    if (headers['apns-push-type'] !== 'alert') return answer(400, 'InvalidPushType');
    if (headers['apns-priority'] !== undefined && !['5', '10'].includes(String(headers['apns-priority']))) return answer(400, 'BadPriority');
    if (headers['apns-id'] !== undefined && !UUID.test(String(headers['apns-id']))) return answer(400, 'BadMessageId');
    if (headers['apns-expiration'] !== undefined && !/^\d+$/.test(String(headers['apns-expiration']))) return answer(400, 'BadExpirationDate');
    if (raw.length > 4096) return answer(413, 'PayloadTooLarge');
    const alert = (payload as { aps?: { alert?: { title?: unknown; body?: unknown } } } | undefined)?.aps?.alert;
    if (typeof alert?.title !== 'string' || typeof alert.body !== 'string') {
      problems.push('aps.alert.title/body missing');
      return answer(400, 'PayloadEmpty');
    }
    const failure = failures.get(deviceToken);
    if (failure === 'hang') return;
    if (failure === 'reset') {
      record.status = -1;
      stream.close(http2.constants.NGHTTP2_INTERNAL_ERROR);
      return;
    }
    if (failure === 'drop-connection') {
      record.status = -1;
      stream.session?.destroy();
      return;
    }
    if (failure) {
      const { status, reason, headers: extra } = FAILURES[failure];
      return answer(status, reason, extra);
    }
    answer(200);
  }

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  fake.baseUrl = `https://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return fake;
}
