import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { MaruError } from '../../core/errors.ts';
import type { Services } from '../../services.ts';
import { toMaruError } from '../shared/http-errors.ts';
import { limitRequest, requireSessionToken, type NotiflySession, type NotiflyAuthDeps } from './auth.ts';
import { notiflyError, setRateLimitHeadersFromError } from './envelope.ts';
import { methodNotAllowed } from './methods.ts';
import { Type, type TSchema } from '@sinclair/typebox';
import { described, SECURITY } from '../shared/openapi.ts';
import { AlimtalkBodySchema, FriendtalkBodySchema, MESSAGES_ERRORS, MessagesSuccess, TextMessageBodySchema } from './schemas.ts';
import { mapAlimtalk, mapFriendtalk, mapTextMessage } from './messages-mapping.ts';

/** What this module uses of the composition root (the dependency rules in .dependency-cruiser.cjs). */
type Deps = Pick<Services, 'directMessages'> & NotiflyAuthDeps;

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

const responses = { 200: described(200, MessagesSuccess, { success: true }), ...MESSAGES_ERRORS };
const headers = Type.Object({ 'idempotency-key': Type.Optional(Type.String({ description: 'A retried request with the same key records nothing twice' })) });

type SendInput = { projectId: string; body: unknown; requestId?: string };
type Send = (runtime: Deps, input: SendInput) => Promise<{ requestId: string }>;
const sendText: Send = (runtime, input) => runtime.directMessages.sendText(mapTextMessage(input));
const sendAlimtalk: Send = (runtime, input) => runtime.directMessages.sendAlimtalk(mapAlimtalk(input));
const sendFriendtalk: Send = (runtime, input) => runtime.directMessages.sendFriendtalk(mapFriendtalk(input));

/**
 * Notifly direct messages (seed 004 §6–8; docs/korean-messaging.md): `POST /messages/text-message`,
 * `/messages/kakao-alimtalk`, `/messages/kakao-friendtalk`. Order of checks: the token (401, before any body is read),
 * the body's projectId (400/404), the rate limits (429), then the body's schema (schemas.ts) and the values (the core),
 * 400 with nothing recorded. An accepted
 * request has recorded one delivery per recipient and queued them: `{"success": true}`, the send's request id in
 * `X-Maru-Request-Id`. An `Idempotency-Key` header makes a retried request record nothing twice.
 */
export async function notiflyMessagesRoutes(app: FastifyInstance, opts: { runtime: Deps }) {
  const { runtime } = opts;
  app.setErrorHandler(messagesErrorHandler());

  const routes: { path: string; send: Send; summary: string; body: TSchema }[] = [
    {
      path: '/messages/text-message',
      send: sendText,
      summary: "Send an SMS, LMS or MMS to up to 1,000 numbers (needs the project's own text-message sending)",
      body: TextMessageBodySchema,
    },
    {
      path: '/messages/kakao-alimtalk',
      send: sendAlimtalk,
      summary: 'Send a registered alimtalk template to up to 1,000 numbers, with optional SMS/LMS failover',
      body: AlimtalkBodySchema,
    },
    {
      path: '/messages/kakao-friendtalk',
      send: sendFriendtalk,
      summary: 'Send a friendtalk text to up to 1,000 numbers (advertising: marked "(광고)", not between 21:00 and 08:00)',
      body: FriendtalkBodySchema,
    },
  ];

  for (const r of routes) {
    methodNotAllowed(app, r.path, ['POST']);
    app.post(
      r.path,
      {
        onRequest: requireSessionToken(runtime),
        // Before the schema check: the body's project (400/404) and the rate limits (429) come first.
        preValidation: async (request, reply) => {
          const session = request.notiflySession!;
          checkBodyProject(session, request.body);
          await limitRequest(runtime, reply, session);
        },
        schema: { tags: ['Notifly'], security: SECURITY.notifly, summary: r.summary, headers, body: r.body, response: responses },
      },
      async (request, reply) => {
        const session = request.notiflySession!;
        const key = request.headers['idempotency-key'];
        const result = await r.send(runtime, { projectId: session.project.id, body: request.body, requestId: typeof key === 'string' ? key : undefined });
        reply.header('X-Maru-Request-Id', result.requestId);
        return { success: true };
      },
    );
  }
}
