/**
 * Twilio Programmable Messaging (https://www.twilio.com/docs/messaging/api/message-resource).
 *
 * Send: `POST {baseUrl}/2010-04-01/Accounts/{AccountSid}/Messages.json`, HTTP Basic auth
 * (`AccountSid:AuthToken`, or `ApiKeySid:ApiKeySecret`), `application/x-www-form-urlencoded` body with
 * `To`, `From` (or `MessagingServiceSid`), `Body` and optional `StatusCallback`. Success is HTTP 201 with
 * the message `sid` (SM…), which becomes `providerMessageId`.
 *
 * Numbers are sent in E.164, converted with libphonenumber-js from the configured default region
 * (KR by default: 010-1234-5678 → +821012345678). With `messagingServiceSid` configured the message is
 * sent through that service (`MessagingServiceSid`, no `From`); otherwise `From` is the message's `from`
 * (or the configured `from`), in E.164, or as is when it is an alphanumeric sender ID.
 * Twilio has no title: an LMS/MMS title is put on the first line of the body.
 *
 * Error mapping (Twilio error JSON `{ code, message, more_info, status }`):
 * - retryable: HTTP 429 and 5xx, codes 20429 (too many requests) and 21611 (sender queue full); network
 *   errors and timeouts; with `Retry-After` when sent.
 * - permanent, `invalidRecipient`: 21211 invalid `To` number, 21614 `To` is not a mobile number.
 * - permanent: 21610 recipient unsubscribed (replied STOP), 21408 region not enabled, 21606/21659 bad
 *   `From`, 401/403 (20003 authentication), every other 4xx.
 *
 * Delivery outcomes arrive as status callbacks: `verifyTwilioSignature` checks `X-Twilio-Signature`
 * (HMAC-SHA1, keyed with the account's Auth Token, over the full callback URL followed by every POST
 * parameter name and value, sorted by name, base64) and `parseTwilioStatusCallback` reads the body.
 */
import { createOutboundGuard, type OutboundGuard } from '../../platform/outbound-guard.ts';
import { createHmac, timingSafeEqual } from 'node:crypto';
import { failed, sent } from '../provider.types.ts';
import type { SendResult, SignedStatusCallbacks, TextMessage, TextProvider } from '../provider.types.ts';
import type { DeliveryStatus } from '../delivery-status.types.ts';
import { configReader } from '../provider-config.helpers.ts';
import { callVendor, clip, isTransientStatus, transientFailure } from '../http/vendor-call.ts';
import { parsePhoneNumber } from '../phone-number.helpers.ts';

const VENDOR = 'twilio';
export const TWILIO_DEFAULT_BASE_URL = 'https://api.twilio.com';
const DEFAULT_TIMEOUT_MS = 10_000;

export interface TwilioSmsConfig {
  /** AC followed by 32 hex digits. */
  accountSid: string;
  /** The account's Auth Token; also the key for status-callback signatures. */
  authToken?: string;
  /** An API key (SK…) and its secret, instead of the Auth Token, for sending. */
  apiKeySid?: string;
  apiKeySecret?: string;
  /** Default sender (E.164 number or alphanumeric sender ID) when a message's `from` is empty. */
  from?: string;
  /** MG…: send through a Messaging Service instead of a `From` number. */
  messagingServiceSid?: string;
  /** Public URL Twilio posts delivery status to. */
  statusCallbackUrl?: string;
  /** Region for numbers without a country code; default KR. */
  defaultRegion?: string;
  /** Default https://api.twilio.com. */
  baseUrl?: string;
  /** Per-request timeout; default 10,000 ms. */
  timeoutMs?: number;
  /** Allow a base URL or callback URL on a loopback/private address (tests). Default false. */
  allowPrivateNetwork?: boolean;
}

const RETRYABLE_CODES = new Set([20429, 21611]);
const INVALID_RECIPIENT_CODES = new Set([21211, 21614]);
const KNOWN_CODES: Record<number, string> = {
  20003: 'authentication failed (check accountSid and credentials)',
  21211: "invalid 'To' phone number",
  21408: 'sending to this region is not enabled',
  21606: "the 'From' number cannot send this message",
  21610: 'recipient has unsubscribed (replied STOP)',
  21614: "'To' is not a mobile number",
  21659: "'From' is not a Twilio number of this account",
};

const sid = (prefix: string) => new RegExp(`^${prefix}[0-9a-fA-F]{32}$`);

export function createTwilioSmsProvider(config: TwilioSmsConfig, deps: { network?: OutboundGuard } = {}): TextProvider & SignedStatusCallbacks {
  const read = configReader(VENDOR, config);
  const accountSid = read.requireString('accountSid', { pattern: sid('AC'), hint: 'AC followed by 32 hex digits' });
  const authToken = read.optionalString('authToken');
  const apiKeySid = read.optionalString('apiKeySid', { pattern: sid('SK'), hint: 'SK followed by 32 hex digits' });
  const apiKeySecret = read.optionalString('apiKeySecret');
  if (apiKeySid !== undefined && apiKeySecret === undefined) read.fail('apiKeySecret', 'is required with apiKeySid');
  if (apiKeySecret !== undefined && apiKeySid === undefined) read.fail('apiKeySid', 'is required with apiKeySecret');
  if (authToken === undefined && apiKeySid === undefined) {
    read.fail('authToken', 'is required (or apiKeySid and apiKeySecret)');
  }
  const messagingServiceSid = read.optionalString('messagingServiceSid', {
    pattern: sid('MG'),
    hint: 'MG followed by 32 hex digits',
  });
  const defaultFrom = read.optionalString('from');
  const defaultRegion = read.optionalString('defaultRegion', { pattern: /^[A-Z]{2}$/, hint: 'an ISO country code such as KR' }) ?? 'KR';
  const allowPrivateNetwork = read.optionalBoolean('allowPrivateNetwork') ?? false;
  const baseUrl = read.baseUrl('baseUrl', TWILIO_DEFAULT_BASE_URL, allowPrivateNetwork);
  // Every connection is checked when it connects (a DNS answer may change after the config was saved).
  const http = (deps.network ?? createOutboundGuard({ allowPrivateNetworks: allowPrivateNetwork })).fetcher();
  const statusCallbackUrl = read.optionalUrl('statusCallbackUrl', allowPrivateNetwork);
  const timeoutMs = read.optionalPositiveInteger('timeoutMs') ?? DEFAULT_TIMEOUT_MS;

  const username = apiKeySid ?? accountSid;
  const password = apiKeySid !== undefined ? (apiKeySecret as string) : (authToken as string);
  const authorization = `Basic ${Buffer.from(`${username}:${password}`).toString('base64')}`;
  const url = `${baseUrl}/2010-04-01/Accounts/${accountSid}/Messages.json`;

  async function send(message: TextMessage): Promise<SendResult> {
    const to = parsePhoneNumber(message.to, defaultRegion);
    if (to === undefined) return failed(false, `${VENDOR}: recipient is not a valid phone number`, { invalidRecipient: true });

    const form = new URLSearchParams();
    form.set('To', to.e164);
    if (messagingServiceSid !== undefined) {
      form.set('MessagingServiceSid', messagingServiceSid);
    } else {
      const from = senderOf(message.from || defaultFrom || '', defaultRegion);
      if (from === undefined) return failed(false, `${VENDOR}: no valid sender (message.from or config from)`);
      form.set('From', from);
    }
    form.set('Body', message.kind !== 'sms' && message.title ? `${message.title}\n${message.body}` : message.body);
    if (statusCallbackUrl !== undefined) form.set('StatusCallback', statusCallbackUrl);

    const response = await callVendor(http.fetch, {
      method: 'POST',
      url,
      headers: {
        Authorization: authorization,
        'Content-Type': 'application/x-www-form-urlencoded',
        Accept: 'application/json',
      },
      body: form.toString(),
      timeoutMs,
    });
    if (response.kind === 'network-error') return transientFailure(VENDOR, response);

    const json = response.json as { sid?: unknown; code?: unknown; message?: unknown } | undefined;
    if (response.status >= 200 && response.status < 300) {
      if (json && typeof json.sid === 'string') return sent(json.sid);
      return failed(false, `${VENDOR}: unreadable response to a send (HTTP ${response.status}); the message may have been sent`);
    }
    const code = typeof json?.code === 'number' ? json.code : undefined;
    const detail = code === undefined ? '' : `error ${code}: ${KNOWN_CODES[code] ?? clip(json?.message)}`;
    if (isTransientStatus(response.status)) return transientFailure(VENDOR, response, detail);
    const reason = `${VENDOR}: HTTP ${response.status}${detail ? ` ${detail}` : ''}`;
    if (code !== undefined && RETRYABLE_CODES.has(code)) return transientFailure(VENDOR, response, detail);
    if (code !== undefined && INVALID_RECIPIENT_CODES.has(code)) return failed(false, reason, { invalidRecipient: true });
    return failed(false, reason);
  }

  // Status callbacks are signed with the account Auth Token (an API key cannot check them).
  const verifyCallbackSignature: SignedStatusCallbacks['verifyCallbackSignature'] = ({ urls, params, signature }) => {
    if (authToken === undefined || authToken === '') return 'no-secret';
    return urls.some((url) => verifyTwilioSignature({ authToken, url, params, signature })) ? 'valid' : 'invalid';
  };

  return { send, verifyCallbackSignature, close: () => http.close() };
}

function senderOf(from: string, defaultRegion: string): string | undefined {
  const trimmed = from.trim();
  if (trimmed === '') return undefined;
  // Alphanumeric sender ID: 1–11 characters, letters, digits and spaces, at least one letter.
  if (/^[A-Za-z0-9 ]{1,11}$/.test(trimmed) && /[A-Za-z]/.test(trimmed)) return trimmed;
  return parsePhoneNumber(trimmed, defaultRegion)?.e164;
}

// ---------------------------------------------------------------------------------------------------
// Status callbacks

export type TwilioParams = URLSearchParams | Readonly<Record<string, string | readonly string[]>>;

function paramEntries(params: TwilioParams): Array<[string, string]> {
  const entries: Array<[string, string]> = [];
  if (params instanceof URLSearchParams) {
    for (const [key, value] of params) entries.push([key, value]);
  } else {
    for (const [key, value] of Object.entries(params)) {
      if (typeof value === 'string') entries.push([key, value]);
      else for (const item of value) entries.push([key, item]);
    }
  }
  return entries;
}

/**
 * The `X-Twilio-Signature` Twilio would send for a POST to `url` with `params`: base64 of HMAC-SHA1,
 * keyed with the Auth Token, over the URL followed by each parameter's name and value, sorted by name
 * (values of a repeated name sorted too).
 */
export function computeTwilioSignature(input: { authToken: string; url: string; params: TwilioParams }): string {
  const entries = paramEntries(input.params).sort(([ka, va], [kb, vb]) => (ka < kb ? -1 : ka > kb ? 1 : va < vb ? -1 : va > vb ? 1 : 0));
  let data = input.url;
  for (const [key, value] of entries) data += key + value;
  return createHmac('sha1', input.authToken).update(data, 'utf8').digest('base64');
}

/**
 * Whether `signature` (the `X-Twilio-Signature` header) is Twilio's for this request. `url` must be the
 * full public URL Twilio called, query string included, as configured in `statusCallbackUrl` (behind a
 * proxy, rebuild it from the public scheme and host). As Twilio's own libraries do, the URL is also
 * tried with its default port added or removed. Comparison is constant-time.
 */
export function verifyTwilioSignature(input: { authToken: string; url: string; params: TwilioParams; signature: string | undefined | null }): boolean {
  if (typeof input.signature !== 'string' || input.signature === '') return false;
  const given = Buffer.from(input.signature);
  let valid = false;
  for (const url of urlVariants(input.url)) {
    const expected = Buffer.from(computeTwilioSignature({ authToken: input.authToken, url, params: input.params }));
    if (expected.length === given.length && timingSafeEqual(expected, given)) valid = true;
  }
  return valid;
}

function urlVariants(raw: string): string[] {
  const match = /^(https?):\/\/([^/?#]*?)(?::(\d+))?([/?#].*)?$/i.exec(raw);
  if (!match) return [raw];
  const [, scheme, host, port, rest = ''] = match;
  const defaultPort = scheme.toLowerCase() === 'https' ? '443' : '80';
  if (port === undefined) return [raw, `${scheme}://${host}:${defaultPort}${rest}`];
  if (port === defaultPort) return [raw, `${scheme}://${host}${rest}`];
  return [raw];
}

export interface TwilioStatusUpdate {
  messageSid: string;
  /** Twilio's MessageStatus as sent (queued, sent, delivered, undelivered, failed, ...). */
  rawStatus: string;
  /** The delivery state it means for maru. */
  delivery: DeliveryStatus;
  errorCode?: string;
}

/** Twilio delivery error codes that mean the number cannot receive messages at all. */
const CALLBACK_INVALID_RECIPIENT_CODES = new Set(['30005', '30006']);
const CALLBACK_ERRORS: Record<string, string> = {
  '30003': 'unreachable destination handset',
  '30004': 'message blocked',
  '30005': 'unknown destination handset',
  '30006': 'landline or unreachable carrier',
  '30007': 'carrier filtering',
  '30008': 'unknown error',
};

/**
 * Reads a Twilio status callback body (form-encoded string, URLSearchParams or a parsed object).
 * delivered/read → delivered; undelivered/failed/canceled → failed (with ErrorCode); anything else
 * (queued, accepted, scheduled, sending, sent, ...) → pending.
 */
export function parseTwilioStatusCallback(body: string | TwilioParams): { ok: true; update: TwilioStatusUpdate } | { ok: false; reason: string } {
  const params = new URLSearchParams(typeof body === 'string' ? body : paramEntries(body));
  const messageSid = params.get('MessageSid') ?? params.get('SmsSid') ?? '';
  const rawStatus = (params.get('MessageStatus') ?? params.get('SmsStatus') ?? '').toLowerCase();
  if (!/^(SM|MM)[0-9a-fA-F]{32}$/.test(messageSid)) return { ok: false, reason: 'MessageSid is missing or malformed' };
  if (rawStatus === '') return { ok: false, reason: 'MessageStatus is missing' };
  const errorCode = params.get('ErrorCode') || undefined;

  let delivery: DeliveryStatus;
  if (rawStatus === 'delivered' || rawStatus === 'read') {
    delivery = { status: 'delivered', providerMessageId: messageSid };
  } else if (rawStatus === 'undelivered' || rawStatus === 'failed' || rawStatus === 'canceled') {
    const described = errorCode ? `, error ${errorCode}${CALLBACK_ERRORS[errorCode] ? ` (${CALLBACK_ERRORS[errorCode]})` : ''}` : '';
    delivery = {
      status: 'failed',
      providerMessageId: messageSid,
      ...(errorCode ? { code: errorCode } : {}),
      reason: `${VENDOR}: ${rawStatus}${described}`,
      ...(errorCode && CALLBACK_INVALID_RECIPIENT_CODES.has(errorCode) ? { invalidRecipient: true } : {}),
    };
  } else {
    delivery = { status: 'pending', providerMessageId: messageSid };
  }
  return { ok: true, update: { messageSid, rawStatus, delivery, ...(errorCode ? { errorCode } : {}) } };
}
