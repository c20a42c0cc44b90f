/**
 * A loopback fake of NHN Cloud's SMS API v3.0 and KakaoTalk Bizmessage API (alimtalk v2.3, friendtalk v2.4).
 *
 * It is a real HTTP server on 127.0.0.1 (port 0) that checks every request against what NHN documents —
 * method, path with the app key, `X-Secret-Key`, `Content-Type: application/json;charset=UTF-8`, body fields,
 * types and lengths, unknown fields — and records each deviation in `violations` (a test asserts it stays
 * empty). It answers in NHN's envelope, and can be told per recipient number to succeed, fail temporarily
 * (HTTP 5xx/429 with Retry-After, or NHN's -9999 system error) or fail permanently (any NHN result code,
 * in the header or in the recipient's result), or to hang.
 *
 * Assumptions where NHN's docs are silent: a wrong secret key answers HTTP 401 with an envelope
 * (`-1001 Invalid secretKey.`) on the SMS API and HTTP 200 with the same envelope code on Bizmessage.
 * The Bizmessage result lookup (`GET .../messages/{requestId}/{recipientSeq}`) answers an unknown message with
 * HTTP 200 and `isSuccessful: false` (code -2005, assumed).
 */
import type { ServerResponse } from 'node:http';
import { randomBytes } from 'node:crypto';
import { startLoopbackServer, type LoopbackRequest, type RecordedRequest } from './loopback.ts';

export type { RecordedRequest } from './loopback.ts';

export type NhnFakeOutcome =
  | { kind: 'accept' }
  /** Whole request answered with this HTTP status (body: NHN envelope with -9999 unless given). */
  | { kind: 'http-error'; status: number; retryAfter?: string; body?: string }
  /** HTTP 200, `header.isSuccessful: false` with this code. */
  | { kind: 'header-error'; resultCode: number; resultMessage?: string }
  /** HTTP 200, header successful, the recipient's result carries this code. */
  | { kind: 'recipient-error'; resultCode: number; resultMessage?: string }
  /** Wait this long, then accept. */
  | { kind: 'hang'; ms: number };

export type NhnFakeDelivery = { msgStatus: string; resultCode?: string; resultCodeName?: string; resultDate?: string } | { httpStatus: number };

export type NhnFakeKakaoDelivery = { messageStatus: string; resultCode?: string; resultCodeName?: string; receiveDate?: string } | { httpStatus: number };

export type NhnChannel = 'sms' | 'mms' | 'alimtalk' | 'friendtalk';

export interface NhnAcceptedMessage {
  channel: NhnChannel;
  requestId: string;
  recipientSeq: number;
  recipientNo: string;
  body: Record<string, unknown>;
  idempotencyKey?: string;
}

export interface NhnCloudFake {
  baseUrl: string;
  requests: RecordedRequest[];
  violations: string[];
  accepted: NhnAcceptedMessage[];
  /** What to answer for requests whose (first) recipient is `recipientNo` (national or international digits). */
  onRecipient(recipientNo: string, outcome: NhnFakeOutcome): void;
  /** What the SMS result lookup reports for messages to `recipientNo` (default: delivered, 1000). */
  setDelivery(recipientNo: string, delivery: NhnFakeDelivery): void;
  /** What the Bizmessage result lookup reports for alimtalk/friendtalk to `recipientNo` (default: COMPLETED, 1000). */
  setKakaoDelivery(recipientNo: string, delivery: NhnFakeKakaoDelivery): void;
  close(): Promise<void>;
}

const SMS_SEND = /^\/sms\/v3\.0\/appKeys\/([^/]+)\/sender\/(sms|mms)$/;
const SMS_LOOKUP = /^\/sms\/v3\.0\/appKeys\/([^/]+)\/sender\/(sms|mms)\/([^/]+)$/;
const KAKAO_SEND = /^\/(alimtalk|friendtalk)\/(v[0-9.]+)\/appkeys\/([^/]+)\/messages$/;
const KAKAO_LOOKUP = /^\/(alimtalk|friendtalk)\/(v[0-9.]+)\/appkeys\/([^/]+)\/messages\/([^/]+)\/([^/]+)$/;
const KAKAO_VERSIONS: Record<string, string> = { alimtalk: 'v2.3', friendtalk: 'v2.4' };

const SMS_FIELDS = new Set(['templateId', 'body', 'sendNo', 'requestDate', 'senderGroupingKey', 'recipientList', 'userId', 'statsId', 'originCode']);
const MMS_FIELDS = new Set([...SMS_FIELDS, 'title', 'attachFileIdList']);
const SMS_RECIPIENT_FIELDS = new Set(['recipientNo', 'countryCode', 'internationalRecipientNo', 'templateParameter', 'recipientGroupingKey']);
const ALIMTALK_FIELDS = new Set(['senderKey', 'templateCode', 'requestDate', 'senderGroupingKey', 'createUser', 'recipientList', 'messageOption', 'statsId']);
const ALIMTALK_RECIPIENT_FIELDS = new Set(['recipientNo', 'templateParameter', 'resendParameter', 'buttons', 'quickReplies', 'recipientGroupingKey']);
const FRIENDTALK_FIELDS = new Set(['senderKey', 'requestDate', 'senderGroupingKey', 'createUser', 'recipientList', 'statsId']);
const FRIENDTALK_RECIPIENT_FIELDS = new Set(['recipientNo', 'content', 'buttons', 'coupon', 'resendParameter', 'isAd', 'recipientGroupingKey']);
const RESEND_FIELDS = new Set(['isResend', 'resendType', 'resendTitle', 'resendContent', 'resendSendNo', 'resendUnsubscribeNo']);

const isRecord = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

const envelope = (isSuccessful: boolean, resultCode: number, resultMessage: string) => ({
  header: { isSuccessful, resultCode, resultMessage },
});

function newRequestId(): string {
  const stamp = new Date().toISOString().replace(/\D/g, '').slice(0, 14);
  return `${stamp}${randomBytes(8).toString('base64url').slice(0, 11)}`;
}

export async function startNhnCloudFake(options: { appKey: string; secretKey: string }): Promise<NhnCloudFake> {
  const requests: RecordedRequest[] = [];
  const violations: string[] = [];
  const accepted: NhnAcceptedMessage[] = [];
  const outcomes = new Map<string, NhnFakeOutcome>();
  const deliveries = new Map<string, NhnFakeDelivery>();
  const kakaoDeliveries = new Map<string, NhnFakeKakaoDelivery>();
  const seenIdempotencyKeys = new Set<string>();

  const violate = (request: RecordedRequest, problem: string) => violations.push(`${request.method} ${request.path}: ${problem}`);

  function checkJsonContentType(request: RecordedRequest): void {
    const contentType = String(request.headers['content-type'] ?? '')
      .replace(/\s+/g, '')
      .toLowerCase();
    if (contentType !== 'application/json;charset=utf-8') {
      violate(request, `Content-Type must be "application/json;charset=UTF-8", got "${request.headers['content-type'] ?? ''}"`);
    }
  }

  /** undefined when the secret key is right; otherwise records a violation if it is missing. */
  function secretKeyProblem(request: RecordedRequest): 'missing' | 'wrong' | undefined {
    const given = request.headers['x-secret-key'];
    if (given === undefined) {
      violate(request, 'X-Secret-Key header is missing');
      return 'missing';
    }
    return given === options.secretKey ? undefined : 'wrong';
  }

  function checkFields(request: RecordedRequest, where: string, value: Record<string, unknown>, allowed: Set<string>): void {
    for (const key of Object.keys(value)) {
      if (!allowed.has(key)) violate(request, `${where} has an undocumented field "${key}"`);
    }
  }

  function checkString(request: RecordedRequest, where: string, value: unknown, rule: { required?: boolean; max?: number; pattern?: RegExp }): void {
    if (value === undefined) {
      if (rule.required) violate(request, `${where} is required`);
      return;
    }
    if (typeof value !== 'string') return void violate(request, `${where} must be a string`);
    if (rule.required && value.length === 0) violate(request, `${where} must not be empty`);
    if (rule.max !== undefined && value.length > rule.max) violate(request, `${where} is longer than ${rule.max} characters`);
    if (rule.pattern && !rule.pattern.test(value)) violate(request, `${where} "${value}" does not match ${rule.pattern}`);
  }

  function checkResendParameter(request: RecordedRequest, where: string, value: unknown): void {
    if (value === undefined) return;
    if (!isRecord(value)) return void violate(request, `${where} must be an object`);
    checkFields(request, where, value, RESEND_FIELDS);
    if (value.isResend !== undefined && typeof value.isResend !== 'boolean') violate(request, `${where}.isResend must be a boolean`);
    checkString(request, `${where}.resendSendNo`, value.resendSendNo, { max: 13, pattern: /^\d+$/ });
  }

  function recipientsOf(request: RecordedRequest, body: Record<string, unknown>, max: number): Record<string, unknown>[] {
    const list = body.recipientList;
    if (!Array.isArray(list) || list.length === 0) {
      violate(request, 'recipientList must be a non-empty array');
      return [];
    }
    if (list.length > max) violate(request, `recipientList has more than ${max} recipients`);
    return list.filter((item, index): item is Record<string, unknown> => {
      if (!isRecord(item)) violate(request, `recipientList[${index}] must be an object`);
      return isRecord(item);
    });
  }

  function outcomeFor(recipientNo: string): NhnFakeOutcome {
    return outcomes.get(recipientNo) ?? { kind: 'accept' };
  }

  function send(response: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
    const text = typeof body === 'string' ? body : JSON.stringify(body);
    response.writeHead(status, { 'Content-Type': 'application/json;charset=UTF-8', ...headers });
    response.end(text);
  }

  /** Applies a non-accept outcome; returns true when it answered. */
  async function applyOutcome(
    response: ServerResponse,
    outcome: NhnFakeOutcome,
    answerRecipientError: (code: number, message: string) => unknown,
  ): Promise<boolean> {
    switch (outcome.kind) {
      case 'accept':
        return false;
      case 'hang':
        await new Promise((resolve) => setTimeout(resolve, outcome.ms));
        return false;
      case 'http-error':
        send(
          response,
          outcome.status,
          outcome.body ?? envelope(false, -9999, 'System error. Please inquire at support@toast.com.'),
          outcome.retryAfter === undefined ? {} : { 'Retry-After': outcome.retryAfter },
        );
        return true;
      case 'header-error':
        send(response, 200, envelope(false, outcome.resultCode, outcome.resultMessage ?? 'error'));
        return true;
      case 'recipient-error':
        send(response, 200, answerRecipientError(outcome.resultCode, outcome.resultMessage ?? 'error'));
        return true;
    }
  }

  async function handleSmsSend(request: RecordedRequest, response: ServerResponse, appKey: string, endpoint: 'sms' | 'mms') {
    if (request.method !== 'POST') {
      violate(request, 'must be POST');
      return send(response, 405, envelope(false, -9998, 'Not exist API.'));
    }
    checkJsonContentType(request);
    const secret = secretKeyProblem(request);
    if (appKey !== options.appKey) return send(response, 200, envelope(false, -1000, 'Invalid appKey.'));
    if (secret !== undefined) return send(response, 401, envelope(false, -1001, 'Invalid secretKey.'));
    const body = request.json;
    if (!isRecord(body)) {
      violate(request, 'body must be a JSON object');
      return send(response, 200, envelope(false, -9997, 'Invalid API parameters.'));
    }
    checkFields(request, 'body', body, endpoint === 'sms' ? SMS_FIELDS : MMS_FIELDS);
    checkString(request, 'body', body.body, { required: true, max: endpoint === 'sms' ? 255 : 4000 });
    checkString(request, 'sendNo', body.sendNo, { required: true, max: 13, pattern: /^\d+$/ });
    if (endpoint === 'mms') checkString(request, 'title', body.title, { required: true, max: 120 });
    checkString(request, 'userId', body.userId, { max: 100 });
    const recipients = recipientsOf(request, body, 1000);
    recipients.forEach((recipient, index) => {
      const where = `recipientList[${index}]`;
      checkFields(request, where, recipient, SMS_RECIPIENT_FIELDS);
      if (recipient.recipientNo === undefined && recipient.internationalRecipientNo === undefined) {
        violate(request, `${where} needs recipientNo or internationalRecipientNo`);
      }
      checkString(request, `${where}.recipientNo`, recipient.recipientNo, { max: 20, pattern: /^\d+$/ });
      checkString(request, `${where}.internationalRecipientNo`, recipient.internationalRecipientNo, { max: 20, pattern: /^\d+$/ });
    });
    const first = recipients[0];
    if (first === undefined) return send(response, 200, envelope(false, -2001, 'RecipientList can not be null.'));
    const recipientNo = String(first.recipientNo ?? first.internationalRecipientNo);
    const requestId = newRequestId();
    const answered = await applyOutcome(response, outcomeFor(recipientNo), (code, message) => ({
      ...envelope(true, 0, 'SUCCESS'),
      body: {
        data: {
          requestId,
          statusCode: '2',
          senderGroupingKey: null,
          sendResultList: [{ recipientNo, resultCode: code, resultMessage: message, recipientSeq: 1, recipientGroupingKey: null }],
        },
      },
    }));
    if (answered) return;
    accepted.push({ channel: endpoint, requestId, recipientSeq: 1, recipientNo, body });
    send(response, 200, {
      ...envelope(true, 0, 'SUCCESS'),
      body: {
        data: {
          requestId,
          statusCode: '2',
          senderGroupingKey: null,
          sendResultList: [{ recipientNo, resultCode: 0, resultMessage: 'SUCCESS', recipientSeq: 1, recipientGroupingKey: null }],
        },
      },
    });
  }

  function handleSmsLookup(request: RecordedRequest, response: ServerResponse, appKey: string, endpoint: 'sms' | 'mms', requestId: string) {
    if (request.method !== 'GET') {
      violate(request, 'must be GET');
      return send(response, 405, envelope(false, -9998, 'Not exist API.'));
    }
    const secret = secretKeyProblem(request);
    if (appKey !== options.appKey) return send(response, 200, envelope(false, -1000, 'Invalid appKey.'));
    if (secret !== undefined) return send(response, 401, envelope(false, -1001, 'Invalid secretKey.'));
    const seq = request.query.get('recipientSeq');
    if (seq === null || !/^\d+$/.test(seq)) {
      violate(request, 'query parameter recipientSeq (integer) is required');
      return send(response, 200, envelope(false, -2012, 'Search parameter is invalid.(requestId and recipientSeq).'));
    }
    const message = accepted.find((m) => m.channel === endpoint && m.requestId === decodeURIComponent(requestId) && m.recipientSeq === Number(seq));
    if (message === undefined) return send(response, 200, envelope(false, -2008, 'Invalid requestId.'));
    const delivery = deliveries.get(message.recipientNo) ?? { msgStatus: '3', resultCode: '1000', resultCodeName: '성공' };
    if ('httpStatus' in delivery) return send(response, delivery.httpStatus, envelope(false, -9999, 'System error.'));
    send(response, 200, {
      ...envelope(true, 0, 'SUCCESS'),
      body: {
        data: {
          requestId: message.requestId,
          requestDate: '2024-05-01 10:00:00.0',
          resultDate: delivery.resultDate ?? (delivery.msgStatus === '3' ? '2024-05-01 10:00:05.0' : ''),
          body: message.body.body,
          sendNo: message.body.sendNo,
          countryCode: '82',
          recipientNo: message.recipientNo,
          msgStatus: delivery.msgStatus,
          msgStatusName: { '0': '실패', '1': '요청', '2': '처리중', '3': '성공', '4': '예약취소', '5': '중복실패' }[delivery.msgStatus] ?? '',
          resultCode: delivery.resultCode ?? '',
          resultCodeName: delivery.resultCodeName ?? '',
          telecomCode: 10001,
          telecomCodeName: 'SKT',
          recipientSeq: message.recipientSeq,
          sendType: endpoint === 'sms' ? '0' : '1',
          messageType: endpoint === 'sms' ? 'SMS' : 'LMS',
          userId: message.body.userId ?? null,
          adYn: 'N',
          resultMessage: '',
          senderGroupingKey: null,
          recipientGroupingKey: null,
        },
      },
    });
  }

  async function handleKakaoSend(request: RecordedRequest, response: ServerResponse, channel: 'alimtalk' | 'friendtalk', version: string, appKey: string) {
    if (request.method !== 'POST') {
      violate(request, 'must be POST');
      return send(response, 405, envelope(false, -9998, 'Not exist API'));
    }
    if (version !== KAKAO_VERSIONS[channel]) {
      violate(request, `${channel} must use API ${KAKAO_VERSIONS[channel]}, got ${version}`);
    }
    checkJsonContentType(request);
    const secret = secretKeyProblem(request);
    if (appKey !== options.appKey) return send(response, 200, envelope(false, -1000, 'Invalid appKey.'));
    if (secret !== undefined) return send(response, 200, envelope(false, -1001, 'Invalid secretKey.'));
    const idempotencyKey = request.headers['x-nc-api-idempotency-key'];
    if (typeof idempotencyKey !== 'string' || idempotencyKey === '') violate(request, 'X-NC-API-IDEMPOTENCY-KEY header is missing');
    const body = request.json;
    if (!isRecord(body)) {
      violate(request, 'body must be a JSON object');
      return send(response, 200, envelope(false, -9997, 'Client Error.'));
    }
    checkString(request, 'senderKey', body.senderKey, { required: true, max: 40 });
    checkString(request, 'senderGroupingKey', body.senderGroupingKey, { max: 100 });
    const recipients = recipientsOf(request, body, 1000);
    if (channel === 'alimtalk') {
      checkFields(request, 'body', body, ALIMTALK_FIELDS);
      checkString(request, 'templateCode', body.templateCode, { required: true, max: 20 });
      recipients.forEach((recipient, index) => {
        const where = `recipientList[${index}]`;
        checkFields(request, where, recipient, ALIMTALK_RECIPIENT_FIELDS);
        checkString(request, `${where}.recipientNo`, recipient.recipientNo, { required: true, max: 15, pattern: /^\d+$/ });
        const parameters = recipient.templateParameter;
        if (parameters !== undefined) {
          if (!isRecord(parameters)) violate(request, `${where}.templateParameter must be an object`);
          else
            for (const [key, value] of Object.entries(parameters)) {
              if (typeof value !== 'string') violate(request, `${where}.templateParameter.${key} must be a string`);
            }
        }
        checkResendParameter(request, `${where}.resendParameter`, recipient.resendParameter);
      });
    } else {
      checkFields(request, 'body', body, FRIENDTALK_FIELDS);
      if ('isAd' in body) violate(request, 'friendtalk v2.4 takes isAd per recipient, not at the top level');
      recipients.forEach((recipient, index) => {
        const where = `recipientList[${index}]`;
        checkFields(request, where, recipient, FRIENDTALK_RECIPIENT_FIELDS);
        checkString(request, `${where}.recipientNo`, recipient.recipientNo, { required: true, max: 15, pattern: /^\d+$/ });
        checkString(request, `${where}.content`, recipient.content, { required: true, max: 1000 });
        if (typeof recipient.isAd !== 'boolean') violate(request, `${where}.isAd must be sent as a boolean (NHN defaults to true)`);
        checkResendParameter(request, `${where}.resendParameter`, recipient.resendParameter);
      });
    }
    if (typeof idempotencyKey === 'string' && idempotencyKey !== '') {
      if (seenIdempotencyKeys.has(idempotencyKey)) {
        return send(response, 200, envelope(false, -1005, "The same 'X-NC-API-IDEMPOTENCY-KEY' was used within the last 10 minute."));
      }
      seenIdempotencyKeys.add(idempotencyKey);
    }
    const first = recipients[0];
    if (first === undefined) return send(response, 200, envelope(false, -4011, 'Not found recipientList.'));
    const recipientNo = String(first.recipientNo);
    const requestId = newRequestId();
    const result = (code: number, message: string) => ({
      ...envelope(true, 0, 'SUCCESS'),
      message: {
        requestId,
        senderGroupingKey: body.senderGroupingKey ?? null,
        sendResults: [{ recipientSeq: 1, recipientNo, resultCode: code, resultMessage: message, recipientGroupingKey: null }],
      },
    });
    if (await applyOutcome(response, outcomeFor(recipientNo), result)) return;
    accepted.push({
      channel,
      requestId,
      recipientSeq: 1,
      recipientNo,
      body,
      idempotencyKey: typeof idempotencyKey === 'string' ? idempotencyKey : undefined,
    });
    send(response, 200, result(0, 'SUCCESS'));
  }

  function handleKakaoLookup(
    request: RecordedRequest,
    response: ServerResponse,
    channel: 'alimtalk' | 'friendtalk',
    version: string,
    appKey: string,
    requestId: string,
    seq: string,
  ) {
    if (request.method !== 'GET') {
      violate(request, 'must be GET');
      return send(response, 405, envelope(false, -9998, 'Not exist API'));
    }
    if (version !== KAKAO_VERSIONS[channel]) {
      violate(request, `${channel} must use API ${KAKAO_VERSIONS[channel]}, got ${version}`);
    }
    if ([...request.query.keys()].length > 0) violate(request, 'the single-message lookup takes no query parameters');
    const secret = secretKeyProblem(request);
    if (appKey !== options.appKey) return send(response, 200, envelope(false, -1000, 'Invalid appKey.'));
    if (secret !== undefined) return send(response, 200, envelope(false, -1001, 'Invalid secretKey.'));
    if (!/^\d+$/.test(seq)) {
      violate(request, `recipientSeq "${seq}" must be an integer`);
      return send(response, 200, envelope(false, -9997, 'Client Error.'));
    }
    const message = accepted.find((m) => m.channel === channel && m.requestId === decodeURIComponent(requestId) && m.recipientSeq === Number(seq));
    if (message === undefined) return send(response, 200, envelope(false, -2005, 'Not found message.'));
    const delivery = kakaoDeliveries.get(message.recipientNo) ?? { messageStatus: 'COMPLETED', resultCode: '1000', resultCodeName: '성공' };
    if ('httpStatus' in delivery) return send(response, delivery.httpStatus, envelope(false, -9999, 'System error.'));
    const done = delivery.messageStatus === 'COMPLETED' || delivery.messageStatus === 'FAILED';
    const body = message.body;
    const recipient = (Array.isArray(body.recipientList) ? body.recipientList[0] : {}) as Record<string, unknown>;
    send(response, 200, {
      ...envelope(true, 0, 'SUCCESS'),
      message: {
        requestId: message.requestId,
        recipientSeq: message.recipientSeq,
        plusFriendId: '@maru',
        senderKey: body.senderKey,
        ...(channel === 'alimtalk' ? { templateCode: body.templateCode } : { isAd: recipient.isAd }),
        recipientNo: message.recipientNo,
        content: channel === 'alimtalk' ? '' : recipient.content,
        requestDate: '2024-05-01 10:00:00.0',
        createDate: '2024-05-01 10:00:00.0',
        receiveDate: delivery.receiveDate ?? (done ? '2024-05-01 10:00:07.0' : null),
        resendStatus: null,
        resendStatusName: null,
        messageStatus: delivery.messageStatus,
        resultCode: delivery.resultCode ?? null,
        resultCodeName: delivery.resultCodeName ?? null,
        senderGroupingKey: body.senderGroupingKey ?? null,
        recipientGroupingKey: null,
      },
    });
  }

  async function handle(incoming: LoopbackRequest, response: ServerResponse): Promise<void> {
    const rawBody = incoming.body.toString('utf8');
    const url = { pathname: incoming.path, searchParams: incoming.query };
    let json: unknown;
    try {
      json = rawBody === '' ? undefined : JSON.parse(rawBody);
    } catch {
      json = undefined;
    }
    const request: RecordedRequest = {
      method: incoming.method ?? '',
      path: url.pathname,
      query: url.searchParams,
      headers: incoming.headers,
      rawBody,
      json,
    };
    requests.push(request);
    if (rawBody !== '' && json === undefined) {
      violate(request, 'body is not valid JSON');
      return send(response, 200, envelope(false, -9997, 'Invalid API parameters.'));
    }
    let match = SMS_SEND.exec(url.pathname);
    if (match) return handleSmsSend(request, response, decodeURIComponent(match[1]), match[2] as 'sms' | 'mms');
    match = SMS_LOOKUP.exec(url.pathname);
    if (match) return handleSmsLookup(request, response, decodeURIComponent(match[1]), match[2] as 'sms' | 'mms', match[3]);
    match = KAKAO_SEND.exec(url.pathname);
    if (match) return handleKakaoSend(request, response, match[1] as 'alimtalk' | 'friendtalk', match[2], decodeURIComponent(match[3]));
    match = KAKAO_LOOKUP.exec(url.pathname);
    if (match) {
      return handleKakaoLookup(request, response, match[1] as 'alimtalk' | 'friendtalk', match[2], decodeURIComponent(match[3]), match[4], match[5]);
    }
    violate(request, 'no such NHN Cloud API');
    send(response, 404, envelope(false, -9998, 'Not exist API.'));
  }

  const server = await startLoopbackServer(handle, { onCrash: (error) => violations.push(`fake crashed: ${String(error)}`) });

  return {
    baseUrl: server.origin,
    requests,
    violations,
    accepted,
    onRecipient: (recipientNo, outcome) => void outcomes.set(recipientNo, outcome),
    setDelivery: (recipientNo, delivery) => void deliveries.set(recipientNo, delivery),
    setKakaoDelivery: (recipientNo, delivery) => void kakaoDeliveries.set(recipientNo, delivery),
    close: () => server.close(),
  };
}
