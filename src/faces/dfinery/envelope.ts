import type { MaruError } from '../../core/errors.ts';

/** DFINERY Import API detailed response codes (seed 000, "Detailed response"). */
export const DFINERY_CODES = {
  OK: { code: '20000', message: 'OK' },
  BAD_REQUEST: { code: '40000', message: 'BAD_REQUEST' },
  VALIDATION_FAILURE: { code: '40001', message: 'VALIDATION_FAILURE' },
  INVALID_SERVICE_ID: { code: '40101', message: 'INVALID_SERVICE_ID' },
  INVALID_TOKEN: { code: '40201', message: 'INVALID_TOKEN' },
  TOO_MANY_REQUEST: { code: '40401', message: 'TOO_MANY_REQUEST' },
  TOO_MANY_EVENTS: { code: '40402', message: 'TOO_MANY_EVENTS' },
  TOO_MANY_USER_PROFILES: { code: '40403', message: 'TOO_MANY_USER_PROFILES' },
  INTERNAL_SERVER_ERROR: { code: '50000', message: 'INTERNAL_SERVER_ERROR' },
} as const;

export interface DfineryEnvelope {
  status: boolean;
  code: string;
  message: string;
  data: unknown;
}

export const ok = (): DfineryEnvelope => ({ status: true, code: '20000', message: 'OK', data: true });

/**
 * Renders a core error as DFINERY's envelope and HTTP status (D1): HTTP 200 with the detailed code, except a
 * malformed body (400), an oversized body (413), an unsupported Content-Encoding (415), a wrong method (405) and an
 * exceeded limit (429). Validation failures name the field
 * in `data` ({field, reason}); an internal error carries only an error id that is in the log.
 */
export function renderError(err: MaruError): { status: number; body: DfineryEnvelope } {
  const fail = (c: { code: string; message: string }, status = 200, data: unknown = null) => ({
    status,
    body: { status: false, code: c.code, message: c.message, data },
  });
  switch (err.code) {
    case 'malformed_body':
      return fail(DFINERY_CODES.BAD_REQUEST, 400, { reason: err.message });
    case 'payload_too_large':
      return fail(DFINERY_CODES.BAD_REQUEST, 413, { reason: err.message });
    case 'unsupported_media_type':
      return fail(DFINERY_CODES.BAD_REQUEST, 415, { reason: err.message });
    case 'method_not_allowed':
      return fail(DFINERY_CODES.BAD_REQUEST, 405, { reason: err.message });
    case 'unknown_project':
      return fail(DFINERY_CODES.INVALID_SERVICE_ID);
    case 'unauthenticated':
    case 'forbidden':
      return fail(DFINERY_CODES.INVALID_TOKEN);
    case 'rate_limited':
      return fail(DFINERY_CODES.TOO_MANY_REQUEST, 429);
    case 'too_many_items':
      return fail(err.details?.kind === 'profiles' ? DFINERY_CODES.TOO_MANY_USER_PROFILES : DFINERY_CODES.TOO_MANY_EVENTS, 200, {
        reason: err.message,
      });
    case 'internal':
    case 'unavailable':
    case 'not_implemented':
      return fail(DFINERY_CODES.INTERNAL_SERVER_ERROR, 200, err.details?.error_id ? { error_id: err.details.error_id } : null);
    default:
      return fail(DFINERY_CODES.VALIDATION_FAILURE, 200, { field: err.field ?? null, reason: err.message });
  }
}
