import { randomBytes } from 'node:crypto';
import type { FastifyBaseLogger, FastifyReply } from 'fastify';
import { MaruError, isMaruError } from '../../core/errors.ts';
import type { RateDecision } from '../../core/limits/rate-limits.ts';
import { storeFault } from '../../platform/db/store-faults.ts';

/** Retry-After of a 503 for a database fault. */
export const STORE_RETRY_AFTER_MS = 5000;

/**
 * Turns anything thrown while serving a request into a MaruError: Fastify's own errors (bad JSON, body too large,
 * wrong content type) into their user-facing codes, unexpected ones into `internal` with an error id that is logged
 * with the cause and the only thing the client sees.
 */
export function toMaruError(err: unknown, log: FastifyBaseLogger): MaruError {
  if (isMaruError(err)) return err;
  const e = err as { code?: string; statusCode?: number; message?: string; validation?: unknown };
  switch (e?.code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return new MaruError('payload_too_large', e.message ?? 'request body is too large');
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
    case 'FST_ERR_CTP_INVALID_CONTENT_LENGTH':
      return new MaruError('malformed_body', `malformed JSON body: ${e.message ?? ''}`.trim());
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return new MaruError('malformed_body', 'Content-Type must be application/json');
  }
  if (err instanceof SyntaxError || (e?.statusCode === 400 && /JSON/i.test(e.message ?? ''))) {
    return new MaruError('malformed_body', `malformed JSON body: ${e.message}`);
  }
  if (e?.validation) return new MaruError('invalid_input', e.message ?? 'invalid request');
  if (e?.statusCode === 413) return new MaruError('payload_too_large', e.message ?? 'request body is too large');
  if (e?.statusCode === 415) return new MaruError('malformed_body', e.message ?? 'unsupported content type');
  // The client went away before its body arrived whole (Node's 'aborted'): nothing to answer, nothing unexpected;
  // the operations hooks log it at info.
  if (e?.code === 'ECONNRESET' && e.message === 'aborted')
    return new MaruError('malformed_body', 'the client closed the connection before its request arrived whole');
  const errorId = randomBytes(8).toString('hex');
  // The database cannot write or answer now (full disk, read-only file, connection lost): retryable, and said so.
  const fault = storeFault(err);
  if (fault) {
    log.warn({ err, errorId, fault }, `database unavailable (${fault}); answered 503, retry later`);
    return new MaruError('unavailable', 'the database is unavailable; retry later', { retryAfterMs: STORE_RETRY_AFTER_MS, details: { error_id: errorId } });
  }
  log.error({ err, errorId }, 'unexpected error');
  return new MaruError('internal', 'internal error', { details: { error_id: errorId } });
}

/** X-RateLimit-* headers (D2). `limitHeader` lets a face show the window (DFINERY shows e.g. "1m") instead of the count. */
export function setRateLimitHeaders(reply: FastifyReply, d: RateDecision, limitHeader: 'count' | 'window' = 'count') {
  reply.header('X-RateLimit-Limit', limitHeader === 'window' && d.window ? d.window : String(d.limit));
  reply.header('X-RateLimit-Remaining', String(d.remaining));
  reply.header('X-RateLimit-Reset', String(d.resetAt));
  if (!d.allowed) reply.header('Retry-After', String(Math.max(1, Math.ceil(d.retryAfterMs / 1000))));
}

export const bearer = (header: string | string[] | undefined): string | undefined => {
  const h = Array.isArray(header) ? header[0] : header;
  if (!h) return undefined;
  const m = /^Bearer\s+(.+)$/i.exec(h.trim());
  return m ? m[1].trim() : undefined;
};
