import type { FastifyReply, FastifyRequest } from 'fastify';
import { MaruError } from '../../core/errors.ts';
import { toMaruError } from '../shared/http-errors.ts';

/** Notifly's data envelope (seed 004 §1–4, D1): `{data, error}`. */
export interface NotiflyDataEnvelope {
  data: unknown;
  error: string | null;
}

/** Notifly's campaign envelope (seed 004 §5): `{code, success, error}`. */
export interface NotiflyCampaignEnvelope {
  code: number;
  success: boolean;
  error: string | null;
}

export const okData = (data: unknown): NotiflyDataEnvelope => ({ data, error: null });

/**
 * A core error as Notifly's status and message. Messages carry the seed's prefixes ("Bad request: ",
 * "Unauthorized: ", "Method not allowed: ", "Payload too large: ", "Not implemented: "); a 5xx says only
 * that it failed and the error id that is in the log.
 */
export function notiflyError(err: MaruError): { status: number; message: string } {
  switch (err.code) {
    case 'invalid_input':
    case 'malformed_body':
    case 'too_many_items':
    case 'date_range_exceeded':
    case 'conflict':
    case 'unknown_project':
      return { status: 400, message: `Bad request: ${err.message}` };
    case 'unauthenticated':
      return { status: 401, message: `Unauthorized: ${err.message}` };
    case 'forbidden':
      return { status: 403, message: `Forbidden: ${err.message}` };
    case 'not_found':
      return { status: 404, message: `Not found: ${err.message}` };
    case 'method_not_allowed':
      return { status: 405, message: `Method not allowed: ${err.message}` };
    case 'payload_too_large':
      return { status: 413, message: `Payload too large: ${err.message}` };
    case 'unsupported_media_type':
      return { status: 415, message: `Unsupported media type: ${err.message}` };
    case 'rate_limited':
      return { status: 429, message: `Too many requests: ${err.message}` };
    case 'not_implemented':
      return { status: 501, message: `Not implemented: ${err.message}` };
    case 'unavailable':
      return { status: 503, message: `Service unavailable: ${err.message}` };
    case 'internal': {
      const id = err.details?.error_id;
      return { status: 500, message: `Internal Server Error${typeof id === 'string' ? `: error id ${id}` : ''}` };
    }
    default:
      return { status: err.status, message: err.message };
  }
}

/** Renders a core error in the data envelope: `{data: null, error: "<Prefix>: <message>"}`. */
export function renderDataError(err: MaruError): { status: number; body: NotiflyDataEnvelope } {
  const { status, message } = notiflyError(err);
  return { status, body: { data: null, error: message } };
}

/** Renders a core error in the campaign envelope: `{code, success: false, error}`. */
export function renderCampaignError(err: MaruError): { status: number; body: NotiflyCampaignEnvelope } {
  const { status, message } = notiflyError(err);
  return { status, body: { code: status, success: false, error: message } };
}

/**
 * A rate_limited error thrown by the core with `details: {limit, remaining, resetAt}` (token exchange) gets the
 * X-RateLimit-* headers and Retry-After unless a route already set them from its own decision.
 */
export function setRateLimitHeadersFromError(reply: FastifyReply, err: MaruError): void {
  if (err.code !== 'rate_limited') return;
  const d = err.details as { limit?: unknown; remaining?: unknown; resetAt?: unknown } | undefined;
  if (!reply.hasHeader('X-RateLimit-Limit') && d && typeof d.limit === 'number' && typeof d.remaining === 'number' && typeof d.resetAt === 'number') {
    reply.header('X-RateLimit-Limit', String(d.limit));
    reply.header('X-RateLimit-Remaining', String(d.remaining));
    reply.header('X-RateLimit-Reset', String(d.resetAt));
  }
  if (!reply.hasHeader('Retry-After')) reply.header('Retry-After', String(Math.max(1, Math.ceil((err.retryAfterMs ?? 1000) / 1000))));
}

/**
 * An error handler for a Notifly route scope: any error as a MaruError (Fastify's own: malformed JSON → 400,
 * body over the limit → 413), rendered with `render` (the data or campaign envelope), with rate-limit headers.
 */
export function notiflyErrorHandler(input: { render: (err: MaruError) => { status: number; body: unknown }; bodyLimit: number }) {
  return (err: unknown, request: FastifyRequest, reply: FastifyReply) => {
    let e = toMaruError(err, request.log);
    if (e.code === 'payload_too_large') e = new MaruError('payload_too_large', `request body exceeds ${input.bodyLimit} bytes`);
    setRateLimitHeadersFromError(reply, e);
    const { status, body } = input.render(e);
    return reply.status(status).send(body);
  };
}
