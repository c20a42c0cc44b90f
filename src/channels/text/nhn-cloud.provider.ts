/**
 * NHN Cloud Notification > SMS, API v3.0 (https://docs.nhncloud.com/ko/Notification/SMS/ko/api-guide/).
 *
 * Send: `POST {baseUrl}/sms/v3.0/appKeys/{appKey}/sender/sms` for SMS and `/sender/mms` for LMS and MMS
 * (an MMS without attachments is an LMS; this port carries no attachments), headers
 * `X-Secret-Key` and `Content-Type: application/json;charset=UTF-8`, body
 * `{ body, sendNo, recipientList: [{ recipientNo }], title (LMS/MMS), userId? }`. One recipient per call.
 *
 * Success only when `header.isSuccessful` is true AND the recipient's `sendResultList[].resultCode` is 0.
 * NHN answers most errors with HTTP 200 and `isSuccessful: false`, so the envelope decides, and the HTTP
 * status only when there is no envelope.
 *
 * Result-code mapping (NHN "API 결과 코드" table):
 * - retryable: -9999 system error, -2021 system error (queue insert failed); HTTP 429/5xx; network errors
 *   and timeouts (with `Retry-After` when sent).
 * - permanent, `invalidRecipient`: -2018 recipient number empty, -2019 recipient number invalid.
 * - permanent: every other code, notably 4 parameter validation, -1000..-1008 app key / project /
 *   IP-allowlist problems, -2015 title or body over the maximum, -2023 unacceptable characters (emoji —
 *   see core/messaging/text-size.ts), -2024 LMS/MMS abroad, -2312 unregistered sender number,
 *   -2313 blocked sender number, -6001 recipient on the 080 block list; HTTP 401/403/4xx without an
 *   envelope. An unknown code is permanent too: retrying a request NHN refused for a reason we cannot
 *   read would only repeat the refusal.
 *
 * Numbers: a Korean number is sent as `recipientNo` in national form (01012345678); any other country
 * as `internationalRecipientNo` (E.164 digits, SMS only — NHN sends no LMS/MMS abroad). `sendNo` is the
 * message's `from` (or `defaultSendNo`) with non-digits removed; it must be registered in the console.
 * LMS/MMS need a title: when the message has none, the first line of the body cut to 40 bytes is used.
 *
 * `providerMessageId` is `{sms|mms}:{requestId}:{recipientSeq}` — everything the result lookup needs.
 *
 * Delivery result (`fetchResult`), assumptions from the v3.0 "발송 단일 검색" section:
 * `GET {baseUrl}/sms/v3.0/appKeys/{appKey}/sender/{sms|mms}/{requestId}?recipientSeq={n}` with `X-Secret-Key`;
 * the answer's `body.data` carries `msgStatus` (0 failed, 1 requested, 2 processing, 3 done,
 * 4 reservation cancelled, 5 duplicate failure) and the carrier's `resultCode` ("1000" = delivered).
 * We report delivered for msgStatus 3 with resultCode 1000 (or none), failed for msgStatus 3 with another
 * resultCode and for 0/4/5, pending for 1/2. A bare requestId (no prefix) is looked up as SMS, seq 1.
 */
import { createOutboundGuard, type OutboundGuard } from '../../platform/outbound-guard.ts';
import { failed, sent } from '../provider.types.ts';
import type { SendResult, TextMessage, TextProvider } from '../provider.types.ts';
import { truncateToCarrierBytes, LMS_TITLE_MAX_BYTES } from '../../core/messaging/text-size.ts';
import type { DeliveryStatus, DeliveryStatusSource } from '../delivery-status.types.ts';
import { checkNhnSendResponse, describeNhnHeader, dig, nhnAuthHint, readNhnHeader, readRecipientResults } from '../nhn/nhn-envelope.ts';
import { configReader } from '../provider-config.helpers.ts';
import { callVendor, clip, isTransientStatus } from '../http/vendor-call.ts';
import type { VendorResponse } from '../http/vendor-call.ts';
import { parsePhoneNumber } from '../phone-number.helpers.ts';

const VENDOR = 'nhn-cloud-sms';
export const NHN_CLOUD_SMS_DEFAULT_BASE_URL = 'https://api-sms.cloud.toast.com';
const DEFAULT_TIMEOUT_MS = 10_000;

export interface NhnCloudSmsConfig {
  appKey: string;
  secretKey: string;
  /** Default https://api-sms.cloud.toast.com. */
  baseUrl?: string;
  /** Sender number used when a message's `from` is empty. */
  defaultSendNo?: string;
  /** NHN's `userId` ("발송 구분자", e.g. "maru"), shown in NHN's console. */
  userId?: string;
  /** Per-request timeout; default 10,000 ms. */
  timeoutMs?: number;
  /** Allow a base URL on a loopback/private address (tests, on-premise gateways). Default false. */
  allowPrivateNetwork?: boolean;
}

export interface NhnCloudSmsProvider extends TextProvider, DeliveryStatusSource {}

const RETRYABLE_CODES = new Set([-9999, -2021]);
const INVALID_RECIPIENT_CODES = new Set([-2018, -2019]);

/** SendResult for an NHN SMS result code other than 0. */
export function classifyNhnSmsCode(code: number, message: string): SendResult {
  const reason = `${VENDOR}: result code ${code}${message ? ` (${clip(message)})` : ''}`;
  if (RETRYABLE_CODES.has(code)) return failed(true, reason);
  if (INVALID_RECIPIENT_CODES.has(code)) return failed(false, reason, { invalidRecipient: true });
  return failed(false, reason);
}

export function createNhnCloudSmsProvider(config: NhnCloudSmsConfig, deps: { network?: OutboundGuard } = {}): NhnCloudSmsProvider {
  const read = configReader(VENDOR, config);
  const appKey = read.requireString('appKey', { pattern: /^[A-Za-z0-9_-]+$/, hint: 'letters, digits, "-" or "_"' });
  const secretKey = read.requireString('secretKey');
  const allowPrivateNetwork = read.optionalBoolean('allowPrivateNetwork') ?? false;
  const baseUrl = read.baseUrl('baseUrl', NHN_CLOUD_SMS_DEFAULT_BASE_URL, allowPrivateNetwork);
  // Every connection is checked when it connects (a DNS answer may change after the config was saved).
  const http = (deps.network ?? createOutboundGuard({ allowPrivateNetworks: allowPrivateNetwork })).fetcher();
  const defaultSendNo = read.optionalString('defaultSendNo', { pattern: /^[0-9+\-() ]{3,20}$/, hint: 'a phone number' });
  const userId = read.optionalString('userId');
  if (userId !== undefined && userId.length > 100) read.fail('userId', 'must be at most 100 characters');
  const timeoutMs = read.optionalPositiveInteger('timeoutMs') ?? DEFAULT_TIMEOUT_MS;

  const appBase = `${baseUrl}/sms/v3.0/appKeys/${encodeURIComponent(appKey)}`;
  const headers = { 'Content-Type': 'application/json;charset=UTF-8', 'X-Secret-Key': secretKey };

  async function send(message: TextMessage): Promise<SendResult> {
    const number = parsePhoneNumber(message.to);
    if (number === undefined) {
      return failed(false, `${VENDOR}: recipient is not a valid phone number`, { invalidRecipient: true });
    }
    const endpoint = message.kind === 'sms' ? 'sms' : 'mms';
    let recipient: Record<string, string>;
    if (number.country === 'KR') recipient = { recipientNo: number.nationalDigits };
    else if (endpoint === 'sms') recipient = { internationalRecipientNo: number.e164.slice(1) };
    else return failed(false, `${VENDOR}: NHN Cloud does not send LMS/MMS outside Korea`);

    const sendNo = (message.from || defaultSendNo || '').replace(/\D/g, '');
    if (sendNo === '') return failed(false, `${VENDOR}: no sender number (message.from or defaultSendNo)`);

    const body: Record<string, unknown> = { body: message.body, sendNo, recipientList: [recipient] };
    if (endpoint === 'mms') body.title = message.title || defaultTitle(message.body);
    if (userId !== undefined) body.userId = userId;

    const response = await callVendor(http.fetch, {
      method: 'POST',
      url: `${appBase}/sender/${endpoint}`,
      headers,
      body: JSON.stringify(body),
      timeoutMs,
    });
    return interpretSendResponse(response, endpoint);
  }

  function interpretSendResponse(response: VendorResponse, endpoint: 'sms' | 'mms'): SendResult {
    const checked = checkNhnSendResponse(VENDOR, response, classifyNhnSmsCode);
    if ('result' in checked) return checked.result;
    const data = dig(checked.json, 'body', 'data');
    const requestId = dig(data, 'requestId');
    const [result] = readRecipientResults(dig(data, 'sendResultList'));
    if (typeof requestId !== 'string' || result === undefined) {
      return failed(false, `${VENDOR}: response has no result for the recipient; the message may have been sent`);
    }
    if (result.resultCode !== 0) return classifyNhnSmsCode(result.resultCode, result.resultMessage);
    return sent(`${endpoint}:${requestId}:${result.recipientSeq ?? 1}`);
  }

  async function fetchResult(providerMessageId: string): Promise<DeliveryStatus> {
    const { endpoint, requestId, recipientSeq } = parseProviderMessageId(providerMessageId);
    const response = await callVendor(http.fetch, {
      method: 'GET',
      url: `${appBase}/sender/${endpoint}/${encodeURIComponent(requestId)}?recipientSeq=${recipientSeq}`,
      headers,
      timeoutMs,
    });
    const unknown = (retryable: boolean, reason: string): DeliveryStatus => ({
      status: 'unknown',
      providerMessageId,
      retryable,
      reason: `${VENDOR}: ${reason}`,
    });
    if (response.kind === 'network-error') return unknown(true, response.reason);
    const header = readNhnHeader(response.json);
    if (isTransientStatus(response.status)) return unknown(true, `HTTP ${response.status} ${describeNhnHeader(header)}`.trim());
    if (header === undefined) return unknown(false, `HTTP ${response.status}${nhnAuthHint(response.status)}; unreadable response`);
    if (!header.isSuccessful) return unknown(RETRYABLE_CODES.has(header.resultCode), describeNhnHeader(header));

    const data = dig(response.json, 'body', 'data');
    const msgStatus = String(dig(data, 'msgStatus') ?? '');
    const resultCode = dig(data, 'resultCode');
    const code = resultCode === undefined || resultCode === null || resultCode === '' ? undefined : String(resultCode);
    const detail = clip(dig(data, 'resultCodeName') || dig(data, 'msgStatusName') || dig(data, 'resultMessage'));
    switch (msgStatus) {
      case '1':
      case '2':
        return { status: 'pending', providerMessageId };
      case '3':
        if (code === undefined || code === '1000') {
          const resultDate = dig(data, 'resultDate');
          return typeof resultDate === 'string' && resultDate !== ''
            ? { status: 'delivered', providerMessageId, deliveredAt: resultDate }
            : { status: 'delivered', providerMessageId };
        }
        return carrierFailure(providerMessageId, code, detail);
      case '0':
      case '4':
      case '5':
        return carrierFailure(providerMessageId, code ?? `msgStatus ${msgStatus}`, detail);
      default:
        return unknown(false, `unexpected msgStatus "${clip(msgStatus, 20)}"`);
    }
  }

  return { send, fetchResult, close: () => http.close() };
}

/** Carrier codes that mean the number itself does not exist (NHN "수신 결과 코드"). */
const CARRIER_INVALID_NUMBER_CODES = new Set(['1002', '3001', '3003']);

function carrierFailure(providerMessageId: string, code: string, detail: string): DeliveryStatus {
  const status: DeliveryStatus = {
    status: 'failed',
    providerMessageId,
    code,
    reason: `${VENDOR}: delivery failed, result code ${code}${detail ? ` (${detail})` : ''}`,
  };
  return CARRIER_INVALID_NUMBER_CODES.has(code) ? { ...status, invalidRecipient: true } : status;
}

function parseProviderMessageId(id: string): { endpoint: 'sms' | 'mms'; requestId: string; recipientSeq: number } {
  const match = /^(sms|mms):([^:]+):(\d+)$/.exec(id);
  if (match) return { endpoint: match[1] as 'sms' | 'mms', requestId: match[2], recipientSeq: Number(match[3]) };
  if (/^[A-Za-z0-9_-]+$/.test(id)) return { endpoint: 'sms', requestId: id, recipientSeq: 1 };
  throw new Error(`${VENDOR}: not a provider message id of this provider: "${clip(id, 60)}"`);
}

function defaultTitle(body: string): string {
  const firstLine = body.split(/\r?\n/, 1)[0].trim();
  return truncateToCarrierBytes(firstLine, LMS_TITLE_MAX_BYTES) || '-';
}
