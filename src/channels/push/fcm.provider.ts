/**
 * Firebase Cloud Messaging, HTTP v1 API.
 *
 * Auth: the service account's key signs a JWT (RS256; iss = client_email, scope firebase.messaging,
 * aud = token_uri, one hour), exchanged at token_uri (grant_type jwt-bearer) for an OAuth access token. The
 * token is cached until one minute before it expires and concurrent sends share one exchange.
 *
 * Send: POST {baseUrl}/v1/projects/{project_id}/messages:send with
 * `{message: {token, notification: {title, body, image}, data, android | apns}}`; the deep link travels in
 * `data.deepLink` (FCM data values are strings) for both platforms, and iOS gets `mutable-content: 1` so a
 * notification service extension can attach the image.
 *
 * Outcomes: 200 → providerMessageId = the returned `name`. UNREGISTERED / 404 NOT_FOUND, and INVALID_ARGUMENT
 * about the token → invalidRecipient. 401 → the cached access token is dropped, a new one obtained and the
 * request made once more (FCM did not accept the first one, so nothing is sent twice); still 401 → retryable.
 * THIRD_PARTY_AUTH_ERROR (the APNs key/cert in Firebase is wrong) and SENDER_ID_MISMATCH → permanent.
 * 429/500/503 (any 5xx) and network errors → retryable, honouring Retry-After. Token endpoint: 4xx
 * (invalid_grant: bad key, revoked account) → permanent, 429/5xx/network → retryable.
 */
import { createPrivateKey } from 'node:crypto';
import type { KeyObject } from 'node:crypto';
import { SignJWT } from 'jose';
import { createOutboundGuard, netGuardErrorIn, type OutboundGuard } from '../../platform/outbound-guard.ts';
import { failed, sent } from '../provider.types.ts';
import type { PushMessage, PushProvider, SendResult } from '../provider.types.ts';
import { retryAfterMs } from '../http/retry-after.ts';

export interface FcmServiceAccount {
  client_email: string;
  private_key: string;
  project_id: string;
  /** Default https://oauth2.googleapis.com/token. */
  token_uri?: string;
  private_key_id?: string;
}

export interface FcmProviderConfig {
  /** The service-account JSON downloaded from Firebase, as an object or the JSON text. */
  serviceAccount: FcmServiceAccount | string;
  /** Default https://fcm.googleapis.com. */
  baseUrl?: string;
  /** Overrides the service account's token_uri. */
  tokenUri?: string;
  /** Per HTTP request. Default 10 000 ms. */
  timeoutMs?: number;
  /** Android delivery priority. Default 'HIGH' (a visible notification). */
  androidPriority?: 'HIGH' | 'NORMAL';
}

export interface FcmProviderDeps {
  now?: () => number;
  /** The guard every connection goes through (platform/outbound-guard.ts). Default: private networks refused. */
  network?: OutboundGuard;
}

export const FCM_SCOPE = 'https://www.googleapis.com/auth/firebase.messaging';
export const JWT_BEARER_GRANT = 'urn:ietf:params:oauth:grant-type:jwt-bearer';
const DEFAULT_TOKEN_URI = 'https://oauth2.googleapis.com/token';
const REFRESH_MARGIN_MS = 60_000;

interface ResolvedConfig {
  clientEmail: string;
  privateKey: KeyObject;
  privateKeyId: string | undefined;
  projectId: string;
  tokenUri: string;
  sendUrl: string;
  timeoutMs: number;
  androidPriority: 'HIGH' | 'NORMAL';
}

function httpUrl(value: unknown, field: string): string {
  if (typeof value !== 'string') throw new Error(`fcm provider config: "${field}" must be a URL`);
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new Error(`fcm provider config: "${field}" must be a URL`);
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') throw new Error(`fcm provider config: "${field}" must be http(s)`);
  return value.replace(/\/+$/, '');
}

function resolveConfig(config: FcmProviderConfig): ResolvedConfig {
  if (typeof config !== 'object' || config === null) throw new Error('fcm provider config must be an object');
  let account: Partial<FcmServiceAccount>;
  if (typeof config.serviceAccount === 'string') {
    try {
      account = JSON.parse(config.serviceAccount) as Partial<FcmServiceAccount>;
    } catch {
      throw new Error('fcm provider config: "serviceAccount" is not valid JSON');
    }
  } else {
    account = config.serviceAccount ?? {};
  }
  for (const field of ['client_email', 'private_key', 'project_id'] as const) {
    if (typeof account[field] !== 'string' || account[field] === '') throw new Error(`fcm provider config: "serviceAccount.${field}" is required`);
  }
  if (!/^[a-z0-9-]+$/i.test(account.project_id ?? '')) throw new Error('fcm provider config: "serviceAccount.project_id" is not a project id');
  let privateKey: KeyObject;
  try {
    privateKey = createPrivateKey(account.private_key ?? '');
  } catch {
    throw new Error('fcm provider config: "serviceAccount.private_key" is not a PEM private key');
  }
  if (privateKey.asymmetricKeyType !== 'rsa') throw new Error('fcm provider config: "serviceAccount.private_key" must be an RSA key');
  const timeoutMs = config.timeoutMs ?? 10_000;
  if (!Number.isInteger(timeoutMs) || timeoutMs <= 0) throw new Error('fcm provider config: "timeoutMs" must be a positive integer');
  const androidPriority = config.androidPriority ?? 'HIGH';
  if (androidPriority !== 'HIGH' && androidPriority !== 'NORMAL') throw new Error('fcm provider config: "androidPriority" must be HIGH or NORMAL');
  const baseUrl = httpUrl(config.baseUrl ?? 'https://fcm.googleapis.com', 'baseUrl');
  return {
    clientEmail: account.client_email ?? '',
    privateKey,
    privateKeyId: account.private_key_id,
    projectId: account.project_id ?? '',
    tokenUri:
      config.tokenUri !== undefined ? httpUrl(config.tokenUri, 'tokenUri') : httpUrl(account.token_uri ?? DEFAULT_TOKEN_URI, 'serviceAccount.token_uri'),
    sendUrl: `${baseUrl}/v1/projects/${account.project_id}/messages:send`,
    timeoutMs,
    androidPriority,
  };
}

interface GoogleErrorDetail {
  '@type'?: string;
  errorCode?: string;
  fieldViolations?: { field?: string; description?: string }[];
}
interface GoogleErrorBody {
  error?: { code?: number; message?: string; status?: string; details?: GoogleErrorDetail[] } | string;
  error_description?: string;
}

type TokenOutcome = { ok: true; token: string } | { ok: false; result: SendResult };

function describe(error: unknown): string {
  const refusal = netGuardErrorIn(error);
  if (refusal) return `address refused: ${refusal.message}`;
  if (error instanceof Error) {
    if (error.name === 'TimeoutError' || error.name === 'AbortError') return 'timed out';
    const cause = (error as Error & { cause?: { code?: string } }).cause;
    return cause?.code ?? error.message;
  }
  return String(error);
}

/** The guard refused the address (private network): asking again cannot help. */
const refused = (error: unknown) => netGuardErrorIn(error)?.code === 'FORBIDDEN_ADDRESS';

async function readJson(response: Response): Promise<GoogleErrorBody & Record<string, unknown>> {
  try {
    return (await response.json()) as GoogleErrorBody & Record<string, unknown>;
  } catch {
    return {};
  }
}

export function createFcmProvider(config: FcmProviderConfig, deps: FcmProviderDeps = {}): PushProvider {
  const resolved = resolveConfig(config);
  const now = deps.now ?? Date.now;
  const http = (deps.network ?? createOutboundGuard()).fetcher();
  let cached: { token: string; refreshAt: number } | undefined;
  let exchanging: Promise<TokenOutcome> | undefined;

  async function exchange(): Promise<TokenOutcome> {
    const issuedAt = Math.floor(now() / 1000);
    const header = resolved.privateKeyId ? { alg: 'RS256', typ: 'JWT', kid: resolved.privateKeyId } : { alg: 'RS256', typ: 'JWT' };
    const assertion = await new SignJWT({ scope: FCM_SCOPE })
      .setProtectedHeader(header)
      .setIssuer(resolved.clientEmail)
      .setAudience(resolved.tokenUri)
      .setIssuedAt(issuedAt)
      .setExpirationTime(issuedAt + 3600)
      .sign(resolved.privateKey);
    let response: Response;
    try {
      response = await http.fetch(resolved.tokenUri, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ grant_type: JWT_BEARER_GRANT, assertion }).toString(),
        signal: AbortSignal.timeout(resolved.timeoutMs),
      });
    } catch (error) {
      return { ok: false, result: failed(!refused(error), `FCM OAuth token request failed: ${describe(error)}`) };
    }
    const body = await readJson(response);
    if (response.ok && typeof body.access_token === 'string') {
      const expiresIn = typeof body.expires_in === 'number' && body.expires_in > 0 ? body.expires_in : 3600;
      cached = { token: body.access_token, refreshAt: now() + expiresIn * 1000 - REFRESH_MARGIN_MS };
      return { ok: true, token: body.access_token };
    }
    const what = typeof body.error === 'string' ? `${body.error}${body.error_description ? ` (${body.error_description})` : ''}` : 'no access_token';
    const reason = `FCM OAuth token exchange answered HTTP ${response.status}: ${what}`.slice(0, 300);
    if (response.status === 429 || response.status >= 500 || response.ok) {
      const retryAfter = retryAfterMs(response.headers.get('retry-after'), now());
      return { ok: false, result: failed(true, reason, retryAfter === undefined ? {} : { retryAfterMs: retryAfter }) };
    }
    return { ok: false, result: failed(false, reason) };
  }

  function accessToken(): Promise<TokenOutcome> {
    if (cached && now() < cached.refreshAt) return Promise.resolve({ ok: true, token: cached.token });
    exchanging ??= exchange().finally(() => {
      exchanging = undefined;
    });
    return exchanging;
  }

  function body(message: PushMessage): string {
    const data: Record<string, string> = { ...message.data };
    if (message.deepLink) data.deepLink = message.deepLink;
    const notification: Record<string, string> = { title: message.title, body: message.body };
    if (message.imageUrl) notification.image = message.imageUrl;
    const fcmMessage: Record<string, unknown> = { token: message.token, notification };
    if (Object.keys(data).length > 0) fcmMessage.data = data;
    if (message.platform === 'android') {
      fcmMessage.android = { priority: resolved.androidPriority };
    } else {
      fcmMessage.apns = {
        headers: { 'apns-priority': '10', 'apns-push-type': 'alert' },
        payload: { aps: { 'mutable-content': 1 } },
        ...(message.imageUrl ? { fcm_options: { image: message.imageUrl } } : {}),
      };
    }
    return JSON.stringify({ message: fcmMessage });
  }

  async function post(token: string, payload: string): Promise<Response | Error> {
    try {
      return await http.fetch(resolved.sendUrl, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json; charset=utf-8' },
        body: payload,
        signal: AbortSignal.timeout(resolved.timeoutMs),
      });
    } catch (error) {
      return error instanceof Error ? error : new Error(String(error));
    }
  }

  function classify(response: Response, errorBody: GoogleErrorBody, afterRefresh: boolean): SendResult {
    const error = typeof errorBody.error === 'object' ? errorBody.error : undefined;
    const details = error?.details ?? [];
    const fcmCode = details.find((detail) => detail['@type']?.endsWith('google.firebase.fcm.v1.FcmError'))?.errorCode;
    const code = fcmCode ?? error?.status ?? 'UNKNOWN';
    const reason = `FCM HTTP ${response.status} ${code}: ${error?.message ?? response.statusText}`.slice(0, 300);
    const status = response.status;

    if (code === 'UNREGISTERED' || status === 404) return failed(false, reason, { invalidRecipient: true });
    if (status === 400 && code === 'INVALID_ARGUMENT') {
      const violations = details.flatMap((detail) => detail.fieldViolations ?? []);
      const aboutToken = violations.some((violation) => violation.field === 'message.token') || /registration token/i.test(error?.message ?? '');
      return failed(false, reason, aboutToken ? { invalidRecipient: true } : {});
    }
    if (code === 'THIRD_PARTY_AUTH_ERROR' || code === 'SENDER_ID_MISMATCH') return failed(false, reason);
    if (status === 401) {
      return failed(true, afterRefresh ? `${reason} (again after a fresh access token)` : reason);
    }
    if (status === 429 || status >= 500) {
      const retryAfter = retryAfterMs(response.headers.get('retry-after'), now());
      return failed(true, reason, retryAfter === undefined ? {} : { retryAfterMs: retryAfter });
    }
    return failed(false, reason);
  }

  return {
    async send(message: PushMessage): Promise<SendResult> {
      if (typeof message?.token !== 'string' || message.token === '') throw new Error('push message: "token" is required');
      if (typeof message.title !== 'string' || typeof message.body !== 'string') throw new Error('push message: "title" and "body" are required');
      const payload = body(message);

      for (let attempt = 0; ; attempt++) {
        const token = await accessToken();
        if (!token.ok) return token.result;
        const response = await post(token.token, payload);
        if (response instanceof Error) return failed(!refused(response), `FCM request failed: ${describe(response)}`);
        if (response.ok) {
          const answer = await readJson(response);
          return sent(typeof answer.name === 'string' ? answer.name : undefined);
        }
        const errorBody = await readJson(response);
        const errorObject = typeof errorBody.error === 'object' ? errorBody.error : undefined;
        const thirdParty = errorObject?.details?.some((detail) => detail.errorCode === 'THIRD_PARTY_AUTH_ERROR') ?? false;
        if (response.status === 401 && !thirdParty && attempt === 0) {
          if (cached?.token === token.token) cached = undefined;
          continue;
        }
        return classify(response, errorBody, attempt > 0);
      }
    },

    async close(): Promise<void> {
      cached = undefined;
      await http.close();
    },
  };
}
