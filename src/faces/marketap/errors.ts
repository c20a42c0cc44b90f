import type { ErrorCode, MaruError } from '../../core/errors.ts';

/**
 * The Marketap face's error body (D1, D8; the seed shows none):
 *
 *   {"error": {"code": "invalid_input", "message": "events[3].timestamp must be ...", "field": "events[3].timestamp"}}
 *
 * `field` is present when one request field is at fault, written as the client wrote it (JSON path with [index]).
 * An internal error carries `error_id` (also in the server log) and nothing else internal.
 */
export interface MarketapErrorBody {
  error: { code: string; message: string; field?: string; error_id?: string };
}

/**
 * Core error code → HTTP status and the code shown on the wire. Documented in docs/marketap.md.
 * A core code missing here is shown as itself with the core's default status.
 */
export const MARKETAP_ERRORS: Partial<Record<ErrorCode, { status: number; code: string }>> = {
  invalid_input: { status: 400, code: 'invalid_input' },
  malformed_body: { status: 400, code: 'malformed_body' },
  too_many_items: { status: 400, code: 'too_many_items' },
  date_range_exceeded: { status: 400, code: 'invalid_input' },
  conflict: { status: 400, code: 'invalid_input' },
  unauthenticated: { status: 401, code: 'unauthorized' },
  forbidden: { status: 401, code: 'unauthorized' },
  unknown_project: { status: 401, code: 'unauthorized' },
  // Console sign-in codes (docs/console.md); they never arise on this face, but every core code has a row.
  invalid_credentials: { status: 401, code: 'unauthorized' },
  csrf_token_invalid: { status: 401, code: 'unauthorized' },
  // Idempotency-Key is read by the Notifly and admin sends only.
  idempotency_key_reused: { status: 400, code: 'invalid_input' },
  not_found: { status: 404, code: 'not_found' },
  method_not_allowed: { status: 405, code: 'method_not_allowed' },
  payload_too_large: { status: 413, code: 'payload_too_large' },
  unsupported_media_type: { status: 415, code: 'unsupported_media_type' },
  rate_limited: { status: 429, code: 'rate_limited' },
  internal: { status: 500, code: 'internal' },
  not_implemented: { status: 501, code: 'internal' },
  unavailable: { status: 503, code: 'unavailable' },
};

export function renderError(err: MaruError): { status: number; body: MarketapErrorBody } {
  const m = MARKETAP_ERRORS[err.code] ?? { status: err.status, code: err.code };
  if (m.status >= 500) {
    const errorId = err.details?.error_id;
    return {
      status: m.status,
      body: {
        error: {
          code: m.code,
          message: m.status === 503 ? 'service unavailable, retry later' : 'internal error',
          ...(typeof errorId === 'string' ? { error_id: errorId } : {}),
        },
      },
    };
  }
  // Authentication failures say the same thing whatever was wrong (unknown project, wrong key, another project's key).
  const message = m.status === 401 ? 'invalid project_id or API key' : err.message;
  return { status: m.status, body: { error: { code: m.code, message, ...(err.field ? { field: err.field } : {}) } } };
}
