import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { MaruError } from '../../core/errors.ts';
import type { Runtime } from '../../runtime.ts';
import { documentOnly, toMaruError } from '../shared/http-errors.ts';
import { limitRequest, requireSessionToken, type NotiflySession } from './auth.ts';
import { notiflyError, setRateLimitHeadersFromError } from './envelope.ts';
import { methodNotAllowed } from './methods.ts';
import { mapAlimtalk, mapFriendtalk, mapTextMessage } from './messages-mapping.ts';

/**
 * The messaging endpoints' envelope (seed 004 §6–9): `{"success": true}` on success, `{"error": "..."}` otherwise, with
 * the seed's exact texts for 405 (`Method not allowed`), 413 (`Payload Too Large`) and 500 (`Internal Server Error`;
 * the error id that is in the log goes in the `X-Maru-Error-Id` header). A 400 names the field and the limit.
 * 401 (a missing or expired token), 404 (a project id other than the token's, D14) and 429 (D2) follow the face.
 */
export function renderMessagesError(err: MaruError): { status: number; body: { error: string } } {
  switch (err.code) {
    case 'method_not_allowed':
      return { status: 405, body: { error: 'Method not allowed' } };
    case 'payload_too_large':
      return { status: 413, body: { error: 'Payload Too Large' } };
    case 'internal':
      return { status: 500, body: { error: 'Internal Server Error' } };
    case 'invalid_input':
    case 'malformed_body':
    case 'too_many_items':
    case 'date_range_exceeded':
    case 'conflict':
      return { status: 400, body: { error: err.message } };
    default: {
      const { status, message } = notiflyError(err);
      return { status, body: { error: message } };
    }
  }
}

/** The error handler of a messaging route scope. */
export function messagesErrorHandler() {
  return (err: unknown, request: FastifyRequest, reply: FastifyReply) => {
    const e = toMaruError(err, request.log);
    setRateLimitHeadersFromError(reply, e);
    const id = e.details?.error_id;
    if (e.code === 'internal' && typeof id === 'string') reply.header('X-Maru-Error-Id', id);
    const { status, body } = renderMessagesError(e);
    return reply.status(status).send(body);
  };
}

/**
 * The body's `projectId` (legacy `projectID`, D9) must be the token's project: missing → 400, another project's → 404
 * (D14: another project's ids are indistinguishable from ids that do not exist).
 */
export function checkBodyProject(session: NotiflySession, body: unknown): void {
  const b = typeof body === 'object' && body !== null && !Array.isArray(body) ? (body as Record<string, unknown>) : undefined;
  if (!b) return; // the core names the malformed body
  const field = b.projectId === undefined && b.projectID !== undefined ? 'projectID' : 'projectId';
  const value = b[field];
  if (value === undefined || value === null || value === '') throw new MaruError('invalid_input', 'projectId is required', { field: 'projectId' });
  if (typeof value !== 'string') throw new MaruError('invalid_input', `${field} must be a string`, { field });
  if (value !== session.project.id) throw new MaruError('not_found', `project ${value} not found`, { field });
}

const success = { type: 'object', properties: { success: { type: 'boolean' } } };
const failure = { type: 'object', properties: { error: { type: 'string' } } };
const responses = { 200: success, 400: failure, 401: failure, 404: failure, 405: failure, 413: failure, 429: failure, 500: failure };
const headers = { type: 'object', properties: { authorization: { type: 'string', description: 'The token from POST /authenticate' }, 'idempotency-key': { type: 'string' } } };
const recipientList = (item: Record<string, unknown>) => ({ type: 'array', minItems: 1, maxItems: 1000, items: { type: 'object', properties: item } });

type SendInput = { projectId: string; body: unknown; requestId?: string };
type Send = (runtime: Runtime, input: SendInput) => Promise<{ requestId: string }>;
const sendText: Send = (runtime, input) => runtime.directMessages.sendText(mapTextMessage(input));
const sendAlimtalk: Send = (runtime, input) => runtime.directMessages.sendAlimtalk(mapAlimtalk(input));
const sendFriendtalk: Send = (runtime, input) => runtime.directMessages.sendFriendtalk(mapFriendtalk(input));

/**
 * Notifly direct messages (seed 004 §6–8; docs/korean-messaging.md): `POST /messages/text-message`,
 * `/messages/kakao-alimtalk`, `/messages/kakao-friendtalk`. Order of checks: the token (401, before any body is read),
 * the body's projectId (400/404), the rate limits (429), then the whole request (400, nothing recorded). An accepted
 * request has recorded one delivery per recipient and queued them: `{"success": true}`, the send's request id in
 * `X-Maru-Request-Id`. An `Idempotency-Key` header makes a retried request record nothing twice.
 */
export async function notiflyMessagesRoutes(app: FastifyInstance, opts: { runtime: Runtime }) {
  const { runtime } = opts;
  app.setErrorHandler(messagesErrorHandler());

  const routes: { path: string; send: Send; summary: string; body: Record<string, unknown> }[] = [
    {
      path: '/messages/text-message',
      send: sendText,
      summary: 'Send an SMS, LMS or MMS to up to 1,000 numbers (needs the project\'s own text-message sending)',
      body: {
        type: 'object',
        required: ['projectId', 'type', 'body', 'recipientList'],
        properties: {
          projectId: { type: 'string' },
          type: { type: 'string', enum: ['sms', 'lms', 'mms'] },
          title: { type: 'string', description: 'LMS/MMS only; at most 40 bytes (EUC-KR)' },
          body: { type: 'string', description: 'SMS at most 90 bytes, LMS/MMS at most 2,000 bytes (EUC-KR/CP949)' },
          sendNo: { type: 'string', description: 'a registered sender number (default: the project\'s default)' },
          isAd: { type: 'boolean', description: 'maru extension: advertising (marked "(광고)", 080 block list applies)' },
          recipientList: recipientList({ recipientNo: { type: 'string' } }),
        },
      },
    },
    {
      path: '/messages/kakao-alimtalk',
      send: sendAlimtalk,
      summary: 'Send a registered alimtalk template to up to 1,000 numbers, with optional SMS/LMS failover',
      body: {
        type: 'object',
        required: ['projectId', 'templateId', 'recipientList'],
        properties: {
          projectId: { type: 'string' },
          templateId: { type: 'string' },
          channelId: { type: 'string' },
          resendSendNo: { type: 'string' },
          senderGroupingKey: { type: 'string', maxLength: 100 },
          recipientList: recipientList({
            recipientNo: { type: 'string', maxLength: 15 },
            templateParameter: { type: 'object' },
            resendParameter: {
              type: 'object',
              properties: { isResend: { type: 'boolean' }, resendType: { type: 'string', enum: ['SMS', 'LMS'] }, resendTitle: { type: 'string' }, resendContent: { type: 'string' } },
            },
          }),
        },
      },
    },
    {
      path: '/messages/kakao-friendtalk',
      send: sendFriendtalk,
      summary: 'Send a friendtalk text to up to 1,000 numbers (advertising: marked "(광고)", not between 21:00 and 08:00)',
      body: {
        type: 'object',
        required: ['projectId', 'messageType', 'recipientList'],
        properties: {
          projectId: { type: 'string' },
          channelId: { type: 'string' },
          messageType: { type: 'string', enum: ['text'] },
          isAd: { type: 'boolean' },
          recipientList: recipientList({ recipientNo: { type: 'string' }, content: { type: 'object', properties: { text: { type: 'string' } } } }),
        },
      },
    },
  ];

  for (const r of routes) {
    methodNotAllowed(app, r.path, ['POST']);
    app.post(
      r.path,
      {
        ...documentOnly,
        onRequest: requireSessionToken(runtime),
        schema: { tags: ['Notifly'], summary: r.summary, headers, body: r.body, response: responses },
      },
      async (request, reply) => {
        const session = request.notiflySession!;
        checkBodyProject(session, request.body);
        await limitRequest(runtime, reply, session);
        const key = request.headers['idempotency-key'];
        const result = await r.send(runtime, { projectId: session.project.id, body: request.body, requestId: typeof key === 'string' ? key : undefined });
        reply.header('X-Maru-Request-Id', result.requestId);
        return { success: true };
      },
    );
  }
}
