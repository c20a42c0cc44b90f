/**
 * Loopback FCM HTTP v1 + Google OAuth token endpoint.
 *
 * It makes its own service account (RSA key pair) and checks requests as Google documents them:
 * - POST /token: form-encoded, grant_type jwt-bearer, an RS256 assertion whose signature verifies with the
 *   service account's public key, iss = client_email, aud = token_uri, scope firebase.messaging, at most
 *   one hour long. Issues `access_token`s (counted in `exchanges`).
 * - POST /v1/projects/{project_id}/messages:send: `Authorization: Bearer <an issued, unrevoked token>`,
 *   JSON `{message: {token, notification: {title, body, image?}, data?: {string: string}, android? | apns?}}`.
 * Bad requests are answered the way FCM does (400 INVALID_ARGUMENT / 401 UNAUTHENTICATED) and recorded with
 * their problems. Error classes can be scripted per device token.
 */
import { generateKeyPairSync, randomUUID } from 'node:crypto';
import type { KeyObject } from 'node:crypto';
import type { IncomingHttpHeaders, ServerResponse } from 'node:http';
import { jwtVerify } from 'jose';
import { startLoopbackServer } from './loopback.ts';

export type FcmFakeFailure =
  | 'unregistered'
  | 'not-found'
  | 'invalid-token'
  | 'invalid-payload'
  | 'quota-exceeded'
  | 'internal'
  | 'unavailable'
  | 'third-party-auth'
  | 'sender-id-mismatch'
  /** Never answers (close() drops the connection). */
  | 'hang';

export interface FcmFakeSend {
  accessToken: string | undefined;
  headers: IncomingHttpHeaders;
  path: string;
  body: { message?: Record<string, unknown> } | undefined;
  problems: string[];
  status: number;
}

export interface FcmFakeServiceAccount {
  type: 'service_account';
  project_id: string;
  private_key_id: string;
  private_key: string;
  client_email: string;
  token_uri: string;
}

export interface FcmFake {
  baseUrl: string;
  tokenUri: string;
  serviceAccount: FcmFakeServiceAccount;
  /** Successful token exchanges, with the verified JWT claims. */
  exchanges: { claims: Record<string, unknown>; header: Record<string, unknown>; accessToken: string }[];
  /** Token endpoint requests that were refused, with why. */
  refusedExchanges: string[];
  sends: FcmFakeSend[];
  /** Answer sends to this device token with this error class. */
  failToken(deviceToken: string, failure: FcmFakeFailure): void;
  /** Answer the next token exchange(s) with this HTTP status (Google's error JSON). */
  failNextExchange(status: number, error?: string): void;
  /** Invalidate every access token issued so far (the next send with one gets 401). */
  revokeAccessTokens(): void;
  /** While true, every access token is refused with 401. */
  rejectAllAccessTokens: boolean;
  /** expires_in of issued tokens, seconds. */
  tokenLifetimeSeconds: number;
  close(): Promise<void>;
}

const FCM_ERROR_TYPE = 'type.googleapis.com/google.firebase.fcm.v1.FcmError';
const BAD_REQUEST_TYPE = 'type.googleapis.com/google.rpc.BadRequest';

function googleError(status: number, statusName: string, message: string, fcmCode?: string, fieldViolation?: { field: string; description: string }): object {
  const details: object[] = [];
  if (fcmCode) details.push({ '@type': FCM_ERROR_TYPE, errorCode: fcmCode });
  if (fieldViolation) details.push({ '@type': BAD_REQUEST_TYPE, fieldViolations: [fieldViolation] });
  return { error: { code: status, message, status: statusName, details } };
}

const FAILURES: Record<Exclude<FcmFakeFailure, 'hang'>, { status: number; body: object; headers?: Record<string, string> }> = {
  unregistered: { status: 404, body: googleError(404, 'NOT_FOUND', 'Requested entity was not found.', 'UNREGISTERED') },
  'not-found': { status: 404, body: googleError(404, 'NOT_FOUND', 'Requested entity was not found.') },
  'invalid-token': {
    status: 400,
    body: googleError(400, 'INVALID_ARGUMENT', 'The registration token is not a valid FCM registration token', 'INVALID_ARGUMENT', {
      field: 'message.token',
      description: 'The registration token is not a valid FCM registration token',
    }),
  },
  'invalid-payload': {
    status: 400,
    body: googleError(400, 'INVALID_ARGUMENT', "Invalid value at 'message.data[0].value'", 'INVALID_ARGUMENT', {
      field: 'message.data[0].value',
      description: 'Invalid value',
    }),
  },
  'quota-exceeded': {
    status: 429,
    body: googleError(429, 'RESOURCE_EXHAUSTED', 'Quota exceeded for quota metric.', 'QUOTA_EXCEEDED'),
    headers: { 'retry-after': '30' },
  },
  internal: { status: 500, body: googleError(500, 'INTERNAL', 'Internal error encountered.', 'INTERNAL') },
  unavailable: {
    status: 503,
    body: googleError(503, 'UNAVAILABLE', 'The service is currently unavailable.', 'UNAVAILABLE'),
    headers: { 'retry-after': '5' },
  },
  'third-party-auth': {
    status: 401,
    body: googleError(401, 'UNAUTHENTICATED', 'Auth error from APNS or Web Push Service', 'THIRD_PARTY_AUTH_ERROR'),
  },
  'sender-id-mismatch': {
    status: 403,
    body: googleError(403, 'PERMISSION_DENIED', 'SenderId mismatch', 'SENDER_ID_MISMATCH'),
  },
};

function checkMessage(body: unknown, problems: string[]): void {
  const message = (body as { message?: unknown } | undefined)?.message;
  if (typeof message !== 'object' || message === null) {
    problems.push('message missing');
    return;
  }
  const m = message as Record<string, unknown>;
  const allowed = new Set(['token', 'notification', 'data', 'android', 'apns', 'webpush', 'fcm_options', 'name']);
  for (const key of Object.keys(m)) if (!allowed.has(key)) problems.push(`unknown field message.${key}`);
  if (typeof m.token !== 'string' || m.token === '') problems.push('message.token missing');
  const notification = m.notification as Record<string, unknown> | undefined;
  if (typeof notification !== 'object' || notification === null) problems.push('message.notification missing');
  else {
    for (const key of Object.keys(notification)) if (!['title', 'body', 'image'].includes(key)) problems.push(`unknown field message.notification.${key}`);
    if (typeof notification.title !== 'string') problems.push('message.notification.title missing');
    if (typeof notification.body !== 'string') problems.push('message.notification.body missing');
    if (notification.image !== undefined && typeof notification.image !== 'string') problems.push('message.notification.image not a string');
  }
  if (m.data !== undefined) {
    if (typeof m.data !== 'object' || m.data === null) problems.push('message.data not an object');
    else for (const [key, value] of Object.entries(m.data)) if (typeof value !== 'string') problems.push(`message.data.${key} is not a string`);
  }
  if (m.android !== undefined) {
    const priority = (m.android as { priority?: unknown }).priority;
    if (priority !== undefined && priority !== 'HIGH' && priority !== 'NORMAL') problems.push(`message.android.priority ${String(priority)}`);
  }
  if (m.apns !== undefined) {
    const headers = (m.apns as { headers?: Record<string, unknown> }).headers ?? {};
    for (const [key, value] of Object.entries(headers)) if (typeof value !== 'string') problems.push(`message.apns.headers.${key} is not a string`);
  }
}

export async function startFcmFake(options: { projectId?: string } = {}): Promise<FcmFake> {
  const projectId = options.projectId ?? 'maru-test-project';
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const liveTokens = new Set<string>();
  const tokenFailures = new Map<string, FcmFakeFailure>();
  const exchangeFailures: { status: number; error: string }[] = [];

  const server = await startLoopbackServer(async (request, response) => {
    const raw = request.body.toString('utf8');
    if (request.method === 'POST' && request.url === '/token') {
      await handleToken(request.headers, raw, response);
    } else if (request.method === 'POST' && request.url.startsWith('/v1/projects/')) {
      handleSend(request.url, request.headers, raw, response);
    } else {
      json(response, 404, { error: { code: 404, message: `no route ${request.method} ${request.url}`, status: 'NOT_FOUND' } });
    }
  });
  const baseUrl = server.origin;
  const tokenUri = `${baseUrl}/token`;

  const fake: FcmFake = {
    baseUrl,
    tokenUri,
    serviceAccount: {
      type: 'service_account',
      project_id: projectId,
      private_key_id: 'fake-key-id-1',
      private_key: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
      client_email: `maru-sender@${projectId}.iam.gserviceaccount.com`,
      token_uri: tokenUri,
    },
    exchanges: [],
    refusedExchanges: [],
    sends: [],
    failToken: (deviceToken, failure) => tokenFailures.set(deviceToken, failure),
    failNextExchange: (status, error = status >= 500 ? 'internal_failure' : 'invalid_grant') => exchangeFailures.push({ status, error }),
    revokeAccessTokens: () => liveTokens.clear(),
    rejectAllAccessTokens: false,
    tokenLifetimeSeconds: 3599,
    close: () => server.close(),
  };

  function json(response: ServerResponse, status: number, body: object, headers: Record<string, string> = {}): void {
    response.writeHead(status, { 'content-type': 'application/json; charset=UTF-8', ...headers });
    response.end(JSON.stringify(body));
  }

  async function verifyAssertion(key: KeyObject, assertion: string): Promise<{ claims: Record<string, unknown>; header: Record<string, unknown> }> {
    const { payload, protectedHeader } = await jwtVerify(assertion, key, {
      algorithms: ['RS256'],
      issuer: fake.serviceAccount.client_email,
      audience: tokenUri,
      requiredClaims: ['iat', 'exp'],
    });
    if (payload.scope !== 'https://www.googleapis.com/auth/firebase.messaging') throw new Error(`scope ${String(payload.scope)}`);
    if ((payload.exp ?? 0) - (payload.iat ?? 0) > 3600) throw new Error('assertion longer than one hour');
    if (protectedHeader.kid !== undefined && protectedHeader.kid !== fake.serviceAccount.private_key_id) throw new Error('unknown kid');
    return { claims: payload as Record<string, unknown>, header: protectedHeader as Record<string, unknown> };
  }

  async function handleToken(headers: IncomingHttpHeaders, raw: string, response: ServerResponse): Promise<void> {
    const scripted = exchangeFailures.shift();
    if (scripted) {
      json(response, scripted.status, { error: scripted.error, error_description: 'scripted failure' });
      return;
    }
    const refuse = (why: string): void => {
      fake.refusedExchanges.push(why);
      json(response, 400, { error: 'invalid_grant', error_description: why });
    };
    if (headers['content-type'] !== 'application/x-www-form-urlencoded') return refuse(`content-type ${headers['content-type']}`);
    const form = new URLSearchParams(raw);
    if (form.get('grant_type') !== 'urn:ietf:params:oauth:grant-type:jwt-bearer') return refuse(`grant_type ${form.get('grant_type')}`);
    let verified: Awaited<ReturnType<typeof verifyAssertion>>;
    try {
      verified = await verifyAssertion(publicKey, form.get('assertion') ?? '');
    } catch (error) {
      return refuse(`Invalid JWT: ${(error as Error).message}`);
    }
    const accessToken = `ya29.fake-${randomUUID()}`;
    liveTokens.add(accessToken);
    fake.exchanges.push({ ...verified, accessToken });
    json(response, 200, { access_token: accessToken, expires_in: fake.tokenLifetimeSeconds, token_type: 'Bearer' });
  }

  function handleSend(path: string, headers: IncomingHttpHeaders, raw: string, response: ServerResponse): void {
    const problems: string[] = [];
    const accessToken = /^Bearer (.+)$/.exec(headers.authorization ?? '')?.[1];
    let body: FcmFakeSend['body'];
    try {
      body = JSON.parse(raw) as FcmFakeSend['body'];
    } catch {
      problems.push('body is not JSON');
    }
    const record = (status: number): void => {
      fake.sends.push({ accessToken, headers, path, body, problems, status });
    };
    if (path !== `/v1/projects/${projectId}/messages:send`) {
      record(404);
      json(response, 404, googleError(404, 'NOT_FOUND', `unknown path ${path}`));
      return;
    }
    if (!accessToken || !liveTokens.has(accessToken) || fake.rejectAllAccessTokens) {
      problems.push('access token not accepted');
      record(401);
      json(response, 401, googleError(401, 'UNAUTHENTICATED', 'Request had invalid authentication credentials. Expected OAuth 2 access token.'));
      return;
    }
    if (!headers['content-type']?.startsWith('application/json')) problems.push(`content-type ${headers['content-type']}`);
    checkMessage(body, problems);
    if (problems.length > 0) {
      record(400);
      json(response, 400, googleError(400, 'INVALID_ARGUMENT', problems.join('; ')));
      return;
    }
    const failure = tokenFailures.get(String(body?.message?.token));
    if (failure === 'hang') {
      record(-1);
      return;
    }
    if (failure) {
      const { status, body: errorBody, headers: errorHeaders } = FAILURES[failure];
      record(status);
      json(response, status, errorBody, errorHeaders);
      return;
    }
    record(200);
    json(response, 200, { name: `projects/${projectId}/messages/0:${Date.now()}%${randomUUID().slice(0, 8)}` });
  }

  return fake;
}
