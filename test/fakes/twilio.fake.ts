/**
 * A loopback fake of Twilio's Programmable Messaging API (`POST /2010-04-01/Accounts/{AccountSid}/Messages.json`).
 *
 * A real HTTP server on 127.0.0.1 (port 0). It checks the request Twilio documents — method, path with the
 * account SID, HTTP Basic auth, `application/x-www-form-urlencoded`, `To` in E.164, exactly one of `From` /
 * `MessagingServiceSid`, a non-empty `Body` of at most 1,600 characters, an absolute `StatusCallback`, no
 * unknown or repeated parameters — and records each deviation in `violations`. It answers 201 with a message
 * resource, or Twilio's error JSON `{code, message, more_info, status}`; per `To` number it can be told to
 * fail with any status and error code (with `Retry-After`), or to hang. Bad credentials answer 401 / 20003.
 */
import type { ServerResponse } from 'node:http';
import { randomBytes } from 'node:crypto';
import { startLoopbackServer, type LoopbackRequest, type RecordedRequest } from './loopback.ts';

export type TwilioFakeOutcome =
  | { kind: 'accept' }
  | { kind: 'error'; status: number; code?: number; message?: string; retryAfter?: string }
  | { kind: 'hang'; ms: number };

export interface TwilioAcceptedMessage {
  sid: string;
  params: Record<string, string>;
}

export interface TwilioFake {
  baseUrl: string;
  requests: RecordedRequest[];
  violations: string[];
  accepted: TwilioAcceptedMessage[];
  /** What to answer for messages to `to` (E.164). */
  onRecipient(to: string, outcome: TwilioFakeOutcome): void;
  close(): Promise<void>;
}

const KNOWN_PARAMS = new Set([
  'To',
  'From',
  'MessagingServiceSid',
  'Body',
  'StatusCallback',
  'MediaUrl',
  'ApplicationSid',
  'MaxPrice',
  'ProvideFeedback',
  'Attempt',
  'ValidityPeriod',
  'ForceDelivery',
  'ContentRetention',
  'AddressRetention',
  'SmartEncoded',
  'PersistentAction',
  'ShortenUrls',
  'ScheduleType',
  'SendAt',
  'SendAsMms',
  'ContentSid',
  'ContentVariables',
  'RiskCheck',
]);
const MESSAGES_PATH = /^\/2010-04-01\/Accounts\/([^/]+)\/Messages\.json$/;

const twilioError = (status: number, code: number, message: string) => ({
  code,
  message,
  more_info: `https://www.twilio.com/docs/errors/${code}`,
  status,
});

export async function startTwilioFake(options: {
  accountSid: string;
  /** The Basic-auth pair that is accepted: AccountSid:AuthToken or ApiKeySid:ApiKeySecret. */
  username: string;
  password: string;
}): Promise<TwilioFake> {
  const requests: RecordedRequest[] = [];
  const violations: string[] = [];
  const accepted: TwilioAcceptedMessage[] = [];
  const outcomes = new Map<string, TwilioFakeOutcome>();

  const violate = (request: RecordedRequest, problem: string) => violations.push(`${request.method} ${request.path}: ${problem}`);

  function send(response: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
    response.writeHead(status, { 'Content-Type': 'application/json; charset=utf-8', ...headers });
    response.end(JSON.stringify(body));
  }

  async function handle(incoming: LoopbackRequest, response: ServerResponse): Promise<void> {
    const rawBody = incoming.body.toString('utf8');
    const url = { pathname: incoming.path, searchParams: incoming.query };
    const form = new URLSearchParams(rawBody);
    const request: RecordedRequest = {
      method: incoming.method ?? '',
      path: url.pathname,
      query: url.searchParams,
      headers: incoming.headers,
      rawBody,
      json: Object.fromEntries(form),
    };
    requests.push(request);

    const match = MESSAGES_PATH.exec(url.pathname);
    if (!match) {
      violate(request, 'no such Twilio API');
      return send(response, 404, twilioError(404, 20404, 'The requested resource was not found'));
    }
    if (request.method !== 'POST') {
      violate(request, 'must be POST');
      return send(response, 405, twilioError(405, 20004, 'Method not allowed'));
    }
    if (decodeURIComponent(match[1]) !== options.accountSid) {
      violate(request, `path has account SID "${match[1]}", expected "${options.accountSid}"`);
      return send(response, 404, twilioError(404, 20404, 'The requested resource was not found'));
    }

    const authorization = request.headers.authorization ?? '';
    const basic = /^Basic ([A-Za-z0-9+/=]+)$/.exec(authorization);
    if (!basic) {
      violate(request, 'Authorization must be HTTP Basic');
      return send(response, 401, twilioError(401, 20003, 'Authenticate'), { 'WWW-Authenticate': 'Basic realm="Twilio API"' });
    }
    const decoded = Buffer.from(basic[1], 'base64').toString('utf8');
    if (decoded !== `${options.username}:${options.password}`) {
      return send(response, 401, twilioError(401, 20003, 'Authenticate'), { 'WWW-Authenticate': 'Basic realm="Twilio API"' });
    }

    if (
      !String(request.headers['content-type'] ?? '')
        .toLowerCase()
        .startsWith('application/x-www-form-urlencoded')
    ) {
      violate(request, `Content-Type must be application/x-www-form-urlencoded, got "${request.headers['content-type'] ?? ''}"`);
    }
    const names = [...form.keys()];
    for (const name of new Set(names)) {
      if (!KNOWN_PARAMS.has(name)) violate(request, `undocumented parameter "${name}"`);
      if (names.filter((n) => n === name).length > 1) violate(request, `parameter "${name}" is repeated`);
    }
    const to = form.get('To');
    const from = form.get('From');
    const service = form.get('MessagingServiceSid');
    const body = form.get('Body');
    const callback = form.get('StatusCallback');
    if ((from === null) === (service === null)) violate(request, 'exactly one of From and MessagingServiceSid is required');
    if (from !== null && !/^\+[1-9]\d{6,14}$/.test(from) && !/^[A-Za-z0-9 ]{1,11}$/.test(from)) {
      violate(request, `From "${from}" is neither E.164 nor an alphanumeric sender ID`);
    }
    if (service !== null && !/^MG[0-9a-f]{32}$/i.test(service)) violate(request, `MessagingServiceSid "${service}" is malformed`);
    if (body === null || body === '') violate(request, 'Body is required');
    else if (body.length > 1600) violate(request, 'Body is longer than 1,600 characters');
    if (callback !== null) {
      try {
        new URL(callback);
      } catch {
        violate(request, `StatusCallback "${callback}" is not an absolute URL`);
      }
    }
    if (to === null || !/^\+[1-9]\d{6,14}$/.test(to)) {
      violate(request, `To "${to ?? ''}" is not E.164`);
      return send(response, 400, twilioError(400, 21211, `The 'To' number ${to ?? ''} is not a valid phone number.`));
    }

    const outcome = outcomes.get(to) ?? { kind: 'accept' };
    if (outcome.kind === 'hang') await new Promise((resolve) => setTimeout(resolve, outcome.ms));
    if (outcome.kind === 'error') {
      return send(
        response,
        outcome.status,
        twilioError(outcome.status, outcome.code ?? outcome.status, outcome.message ?? 'error'),
        outcome.retryAfter === undefined ? {} : { 'Retry-After': outcome.retryAfter },
      );
    }
    const sid = `SM${randomBytes(16).toString('hex')}`;
    accepted.push({ sid, params: Object.fromEntries(form) });
    const now = new Date().toUTCString().replace('GMT', '+0000');
    send(response, 201, {
      account_sid: options.accountSid,
      api_version: '2010-04-01',
      body,
      date_created: now,
      date_sent: null,
      date_updated: now,
      direction: 'outbound-api',
      error_code: null,
      error_message: null,
      from,
      messaging_service_sid: service,
      num_media: '0',
      num_segments: '1',
      price: null,
      price_unit: 'USD',
      sid,
      status: service === null ? 'queued' : 'accepted',
      subresource_uris: { media: `/2010-04-01/Accounts/${options.accountSid}/Messages/${sid}/Media.json` },
      to,
      uri: `/2010-04-01/Accounts/${options.accountSid}/Messages/${sid}.json`,
    });
  }

  const server = await startLoopbackServer(handle, { onCrash: (error) => violations.push(`fake crashed: ${String(error)}`) });

  return {
    baseUrl: server.origin,
    requests,
    violations,
    accepted,
    onRecipient: (to, outcome) => void outcomes.set(to, outcome),
    close: () => server.close(),
  };
}
