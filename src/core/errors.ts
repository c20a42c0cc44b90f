/**
 * The one error type of maru's core, with a closed set of codes.
 * Faces render these in their vendor's envelope; `HTTP_STATUS` is the default status for faces
 * that use plain HTTP semantics. Codes are documented in docs/errors.md (a test keeps the two in step).
 */
export const ERROR_CODES = {
  invalid_input: 400,
  malformed_body: 400,
  too_many_items: 400,
  date_range_exceeded: 400,
  unauthenticated: 401,
  invalid_credentials: 401,
  forbidden: 403,
  csrf_token_invalid: 403,
  not_found: 404,
  unknown_project: 404,
  method_not_allowed: 405,
  conflict: 409,
  payload_too_large: 413,
  unsupported_media_type: 415,
  idempotency_key_reused: 422,
  rate_limited: 429,
  internal: 500,
  not_implemented: 501,
  unavailable: 503,
} as const;

export type ErrorCode = keyof typeof ERROR_CODES;

export interface MaruErrorOptions {
  /** The request field at fault, as the client wrote it (e.g. `events[3].event_datetime`). */
  field?: string;
  /** Machine-readable extra detail (never secrets or personal data). */
  details?: Record<string, unknown>;
  /** For rate_limited: when the client may retry. */
  retryAfterMs?: number;
  cause?: unknown;
}

export class MaruError extends Error {
  override name = 'MaruError';
  readonly code: ErrorCode;
  readonly field: string | undefined;
  readonly details: Record<string, unknown> | undefined;
  readonly retryAfterMs: number | undefined;

  constructor(code: ErrorCode, message: string, options: MaruErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.field = options.field;
    this.details = options.details;
    this.retryAfterMs = options.retryAfterMs;
  }

  get status(): number {
    return ERROR_CODES[this.code];
  }
}

export const invalid = (field: string, message: string, details?: Record<string, unknown>) => new MaruError('invalid_input', message, { field, details });

export const isMaruError = (e: unknown): e is MaruError => e instanceof MaruError;
