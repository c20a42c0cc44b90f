/**
 * NHN Cloud Notification > KakaoTalk Bizmessage (https://docs.nhncloud.com/ko/Notification/KakaoTalk%20Bizmessage/ko/).
 *
 * Alimtalk (API v2.3, "치환 발송" — NHN fills the approved template from `templateParameter`):
 *   `POST {baseUrl}/alimtalk/v2.3/appkeys/{appKey}/messages`
 *   `{ senderKey, templateCode, recipientList: [{ recipientNo, templateParameter, resendParameter? }], senderGroupingKey? }`
 * Friendtalk (API v2.4, text type):
 *   `POST {baseUrl}/friendtalk/v2.4/appkeys/{appKey}/messages`
 *   `{ senderKey, recipientList: [{ recipientNo, content, isAd, resendParameter? }] }`
 *   In every documented v2.x friendtalk API `isAd` lives **per recipient** (`recipientList[].isAd`,
 *   default true at NHN), which is the form used here; we always send it explicitly.
 * Headers: `X-Secret-Key`, `Content-Type: application/json;charset=UTF-8`, and
 * `X-NC-API-IDEMPOTENCY-KEY: {message.idempotencyKey}` (NHN refuses a second request with the same key
 * within 10 minutes — result code -1005).
 *
 * Response: `{ header: { isSuccessful, resultCode, resultMessage }, message: { requestId, sendResults:
 * [{ recipientSeq, recipientNo, resultCode, resultMessage }] } }`; success only when the header is
 * successful and the recipient's resultCode is 0. `providerMessageId` is
 * `{alimtalk|friendtalk}:{requestId}:{recipientSeq}`.
 *
 * Result-code mapping (NHN KakaoTalk Bizmessage "API 응답 코드" table):
 * - retryable: -9999 system error, -7000 Kakao (vendor) API call failed; HTTP 429/5xx; network errors
 *   and timeouts (with `Retry-After` when sent).
 * - sent: -1005 "same X-NC-API-IDEMPOTENCY-KEY within 10 minutes": an earlier attempt of this very
 *   delivery reached NHN, so it is reported as sent (without a provider id) rather than sent twice.
 *   (If that earlier attempt had itself been refused, the refusal was already recorded by the pipeline.)
 * - permanent, `invalidRecipient`: -5000 invalid recipient number.
 * - permanent: everything else, notably -1000/-1001 bad app key / secret key, -1006/-2017/-1027 sender
 *   profile missing or blocked, -3003 template missing, -3004 template parameter error, -3005 template
 *   not approved, -3010 content does not match the template, -9992 retired friendtalk API; HTTP
 *   401/403/4xx without an envelope; unknown codes.
 *
 * Numbers: Korean numbers are sent in national form (01012345678); others as E.164 digits without '+'.
 * SMS fallback ("대체 발송"): set `resendSendNo` to ask NHN to resend failed messages as SMS/LMS from that
 * (SMS-registered) number; otherwise the console's fallback setting applies.
 *
 * Delivery result (`fetchResult`), assumptions from the "메시지 단건 조회" sections of alimtalk v2.3 and
 * friendtalk v2.4:
 *   `GET {baseUrl}/{alimtalk/v2.3|friendtalk/v2.4}/appkeys/{appKey}/messages/{requestId}/{recipientSeq}` with
 *   `X-Secret-Key`; the answer is `{ header, message: { requestId, recipientSeq, messageStatus, resultCode,
 *   resultCodeName?, resultMessage?, receiveDate?, ... } }`. `messageStatus` is READY / IN_PROGRESS while Kakao
 *   has not answered (pending), COMPLETED once it has — delivered when `resultCode` is "1000" (or absent),
 *   failed with that code otherwise — and FAILED or CANCEL when NHN or Kakao gave up (failed). Any other
 *   status is an unknown answer (asked no more). `receiveDate` (KST, no zone; `resultDate` if there is none) is
 *   the delivery time. A header error is an unknown result, retryable for -9999/-7000 only (an unknown
 *   requestId is such a header error, or a successful header without `message`); HTTP 429/5xx and network
 *   errors are retryable. NHN's own SMS fallback (`resendStatus`) is not looked at: a Kakao message that
 *   failed is reported failed even when NHN resent it as SMS.
 *   A bare id without the `{kind}:` prefix and seq (none is stored today; kept for safety, like the SMS
 *   provider) is looked up as alimtalk, recipientSeq 1.
 */
import { createOutboundGuard, type OutboundGuard } from '../../platform/outbound-guard.ts';
import { failed, sent } from '../provider.types.ts';
import type { AlimtalkMessage, FriendtalkMessage, KakaoProvider, SendResult } from '../provider.types.ts';
import type { DeliveryStatus, DeliveryStatusSource } from '../delivery-status.types.ts';
import { checkNhnSendResponse, dig, readRecipientResults } from '../nhn/nhn-envelope.ts';
import { lookupNhnResult } from '../nhn/nhn-result.ts';
import { configReader } from '../provider-config.helpers.ts';
import { callVendor, clip } from '../http/vendor-call.ts';
import { parsePhoneNumber } from '../phone-number.helpers.ts';

const VENDOR = 'nhn-bizmessage';
export const NHN_BIZMESSAGE_DEFAULT_BASE_URL = 'https://kakaotalk-bizmessage.api.nhncloudservice.com';
const DEFAULT_TIMEOUT_MS = 10_000;

export interface NhnBizmessageConfig {
  appKey: string;
  secretKey: string;
  /** Default https://kakaotalk-bizmessage.api.nhncloudservice.com. */
  baseUrl?: string;
  /** SMS-registered number for NHN's SMS/LMS fallback of failed Kakao messages; no fallback request when unset. */
  resendSendNo?: string;
  /** Per-request timeout; default 10,000 ms. */
  timeoutMs?: number;
  /** Allow a base URL on a loopback/private address (tests). Default false. */
  allowPrivateNetwork?: boolean;
}

export interface NhnBizmessageProvider extends KakaoProvider, DeliveryStatusSource {}

type KakaoKind = 'alimtalk' | 'friendtalk';
const API_VERSION: Record<KakaoKind, string> = { alimtalk: 'v2.3', friendtalk: 'v2.4' };

const RETRYABLE_CODES = new Set([-9999, -7000]);
const INVALID_RECIPIENT_CODES = new Set([-5000]);
const DUPLICATE_IDEMPOTENCY_KEY = -1005;

export function classifyNhnBizmessageCode(code: number, message: string): SendResult {
  const reason = `${VENDOR}: result code ${code}${message ? ` (${clip(message)})` : ''}`;
  if (code === DUPLICATE_IDEMPOTENCY_KEY) {
    return { ok: true, retryable: false, reason: `${VENDOR}: already accepted under this idempotency key (result code -1005)` };
  }
  if (RETRYABLE_CODES.has(code)) return failed(true, reason);
  if (INVALID_RECIPIENT_CODES.has(code)) return failed(false, reason, { invalidRecipient: true });
  return failed(false, reason);
}

export function createNhnBizmessageProvider(config: NhnBizmessageConfig, deps: { network?: OutboundGuard } = {}): NhnBizmessageProvider {
  const read = configReader(VENDOR, config);
  const appKey = read.requireString('appKey', { pattern: /^[A-Za-z0-9_-]+$/, hint: 'letters, digits, "-" or "_"' });
  const secretKey = read.requireString('secretKey');
  const allowPrivateNetwork = read.optionalBoolean('allowPrivateNetwork') ?? false;
  const baseUrl = read.baseUrl('baseUrl', NHN_BIZMESSAGE_DEFAULT_BASE_URL, allowPrivateNetwork);
  // Every connection is checked when it connects (a DNS answer may change after the config was saved).
  const http = (deps.network ?? createOutboundGuard({ allowPrivateNetworks: allowPrivateNetwork })).fetcher();
  const resendSendNo = read.optionalString('resendSendNo', { pattern: /^[0-9\-() ]{3,20}$/, hint: 'a phone number' })?.replace(/\D/g, '');
  const timeoutMs = read.optionalPositiveInteger('timeoutMs') ?? DEFAULT_TIMEOUT_MS;
  const encodedAppKey = encodeURIComponent(appKey);

  const resendParameter = resendSendNo === undefined ? {} : { resendParameter: { isResend: true, resendSendNo } };

  const messagesUrl = (kind: KakaoKind) => `${baseUrl}/${kind}/${API_VERSION[kind]}/appkeys/${encodedAppKey}/messages`;

  async function post(kind: KakaoKind, idempotencyKey: string, body: unknown): Promise<SendResult> {
    const response = await callVendor(http.fetch, {
      method: 'POST',
      url: messagesUrl(kind),
      headers: {
        'Content-Type': 'application/json;charset=UTF-8',
        'X-Secret-Key': secretKey,
        'X-NC-API-IDEMPOTENCY-KEY': idempotencyKey,
      },
      body: JSON.stringify(body),
      timeoutMs,
    });
    const checked = checkNhnSendResponse(VENDOR, response, classifyNhnBizmessageCode);
    if ('result' in checked) return checked.result;
    const requestId = dig(checked.json, 'message', 'requestId');
    const [result] = readRecipientResults(dig(checked.json, 'message', 'sendResults'));
    if (typeof requestId !== 'string' || result === undefined) {
      return failed(false, `${VENDOR}: response has no result for the recipient; the message may have been sent`);
    }
    if (result.resultCode !== 0) return classifyNhnBizmessageCode(result.resultCode, result.resultMessage);
    return sent(`${kind}:${requestId}:${result.recipientSeq ?? 1}`);
  }

  function recipientNo(to: string): string | undefined {
    const number = parsePhoneNumber(to);
    if (number === undefined) return undefined;
    return number.country === 'KR' ? number.nationalDigits : number.e164.slice(1);
  }

  const invalidNumber = (): SendResult => failed(false, `${VENDOR}: recipient is not a valid phone number`, { invalidRecipient: true });

  async function sendAlimtalk(message: AlimtalkMessage): Promise<SendResult> {
    const to = recipientNo(message.to);
    if (to === undefined) return invalidNumber();
    const body: Record<string, unknown> = {
      senderKey: message.senderKey,
      templateCode: message.templateCode,
      recipientList: [{ recipientNo: to, templateParameter: { ...message.templateParameter }, ...resendParameter }],
    };
    if (message.senderGroupingKey !== undefined) body.senderGroupingKey = message.senderGroupingKey;
    return post('alimtalk', message.idempotencyKey, body);
  }

  async function sendFriendtalk(message: FriendtalkMessage): Promise<SendResult> {
    const to = recipientNo(message.to);
    if (to === undefined) return invalidNumber();
    return post('friendtalk', message.idempotencyKey, {
      senderKey: message.senderKey,
      recipientList: [{ recipientNo: to, content: message.text, isAd: message.isAd, ...resendParameter }],
    });
  }

  async function fetchResult(providerMessageId: string): Promise<DeliveryStatus> {
    const { kind, requestId, recipientSeq } = parseProviderMessageId(providerMessageId);
    return lookupNhnResult({
      vendor: VENDOR,
      fetch: http.fetch,
      url: `${messagesUrl(kind)}/${encodeURIComponent(requestId)}/${recipientSeq}`,
      headers: { 'X-Secret-Key': secretKey },
      timeoutMs,
      providerMessageId,
      retryableCodes: RETRYABLE_CODES,
      record: (json) => dig(json, 'message'),
      missingRecord: `no message ${kind} ${clip(requestId, 40)}/${recipientSeq}`,
      statusField: 'messageStatus',
      pending: ['READY', 'IN_PROGRESS'],
      completed: 'COMPLETED',
      gaveUp: ['FAILED', 'CANCEL'],
      detailFields: ['resultCodeName', 'resultMessage'],
      deliveredAtFields: ['receiveDate', 'resultDate'],
      failure: kakaoFailure,
    });
  }

  return { sendAlimtalk, sendFriendtalk, fetchResult, close: () => http.close() };
}

function kakaoFailure(providerMessageId: string, code: string, detail: string): DeliveryStatus {
  return {
    status: 'failed',
    providerMessageId,
    code,
    reason: `${VENDOR}: delivery failed, result code ${code}${detail ? ` (${detail})` : ''}`,
  };
}

/** `{alimtalk|friendtalk}:{requestId}:{recipientSeq}`, or a bare requestId (alimtalk, seq 1). */
function parseProviderMessageId(id: string): { kind: KakaoKind; requestId: string; recipientSeq: number } {
  const match = /^(alimtalk|friendtalk):([^:]+):(\d+)$/.exec(id);
  if (match) return { kind: match[1] as KakaoKind, requestId: match[2], recipientSeq: Number(match[3]) };
  if (/^[A-Za-z0-9_-]+$/.test(id)) return { kind: 'alimtalk', requestId: id, recipientSeq: 1 };
  throw new Error(`${VENDOR}: not a provider message id of this provider: "${clip(id, 60)}"`);
}
