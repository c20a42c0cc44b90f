import type { MaruError } from '../../core/errors.ts';
import type { ExportBody } from './schemas.ts';
import { type ExportFieldNames, type ExportKind, type ExportRequest, type FilterCondition, type NameFilter } from '../../core/export/export.types.ts';

/** The Export API's parameter names (seed 000, "Export API"). */
export const EXPORT_FIELDS: ExportFieldNames = {
  from: 'from_date',
  to: 'to_date',
  events: 'events',
  eventsCondition: 'events_condition_type',
  properties: 'properties',
  propertiesCondition: 'properties_condition_type',
  audience: 'audience',
};

/** The failure body of the Export API (D1): `{result: "fail", message}`, plus the parameter at fault where there is one. */
export interface ExportFailure {
  result: 'fail';
  message: string;
  parameter?: string;
  detail?: string;
  error_id?: string;
}

/**
 * An Export API body → the core's export request. Fastify has checked its shape with schemas.ts (unknown fields are
 * refused, so a misspelt filter cannot silently export everything). An absent or empty body means "everything";
 * when a condition type is absent the filter is `all` (the seed: "if the value does not exist: the entire …").
 */
export function mapExportBody(kind: ExportKind, body: ExportBody, projectId: string): ExportRequest {
  const b = body ?? {};
  const filter = (names: string[] | null | undefined, condition: FilterCondition | null | undefined): NameFilter | undefined =>
    names == null && condition == null ? undefined : { condition: condition ?? 'all', names: names ?? [] };
  return {
    projectId,
    kind,
    from: b.from_date ?? undefined,
    to: b.to_date ?? undefined,
    events: kind === 'events' ? filter(b.events, b.events_condition_type) : undefined,
    properties: filter(b.properties, b.properties_condition_type),
    audience: b.audience == null || b.audience === '' ? undefined : b.audience,
    fields: EXPORT_FIELDS,
  };
}

/**
 * A core error → the Export API's status and body (seed 000, "Detailed response" of the Export API):
 * 400 invalid_parameter (naming `parameter`), 400 exceed_date_range_limit, 401 unauthorized_token,
 * 429 too_many_api_requests, 500 query_error / unknown_error (with an error id that is in the log).
 */
export function renderExportError(err: MaruError): { status: number; body: ExportFailure } {
  const fail = (status: number, message: string, extra: Omit<ExportFailure, 'result' | 'message'> = {}) => ({
    status,
    body: { result: 'fail' as const, message, ...extra },
  });
  switch (err.code) {
    case 'date_range_exceeded':
      return fail(400, 'exceed_date_range_limit', { ...(err.field ? { parameter: err.field } : {}), detail: err.message });
    case 'unauthenticated':
    case 'forbidden':
    case 'unknown_project':
      return fail(401, 'unauthorized_token');
    case 'rate_limited':
      return fail(429, 'too_many_api_requests');
    case 'payload_too_large':
      return fail(413, 'invalid_parameter', { parameter: 'body', detail: err.message });
    case 'malformed_body':
      return fail(400, 'invalid_parameter', { parameter: 'body', detail: err.message });
    case 'unsupported_media_type':
      return fail(415, 'invalid_parameter', { parameter: 'Content-Encoding', detail: err.message });
    case 'method_not_allowed':
      return fail(405, 'method_not_allowed', { detail: err.message });
    case 'internal':
    case 'unavailable':
    case 'not_implemented': {
      const errorId = err.details?.error_id as string | undefined;
      return fail(500, err.details?.reason === 'query_failed' ? 'query_error' : 'unknown_error', errorId ? { error_id: errorId } : {});
    }
    default:
      return fail(400, 'invalid_parameter', { parameter: err.field ?? 'body', detail: err.message });
  }
}
