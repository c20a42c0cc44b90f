import { invalid, type MaruError } from '../../core/errors.ts';
import {
  FILTER_CONDITIONS,
  type ExportFieldNames,
  type ExportKind,
  type ExportRequest,
  type FilterCondition,
  type NameFilter,
} from '../../core/export/export.types.ts';

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

const BODY_FIELDS: Record<ExportKind, string[]> = {
  events: ['events', 'events_condition_type', 'properties', 'properties_condition_type', 'from_date', 'to_date', 'audience'],
  profiles: ['properties', 'properties_condition_type', 'audience'],
};

/** The failure body of the Export API (D1): `{result: "fail", message}`, plus the parameter at fault where there is one. */
export interface ExportFailure {
  result: 'fail';
  message: string;
  parameter?: string;
  detail?: string;
  error_id?: string;
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const absent = (v: unknown) => v === undefined || v === null;

function names(body: Record<string, unknown>, field: string): string[] {
  const v = body[field];
  if (absent(v)) return [];
  if (!Array.isArray(v)) throw invalid(field, `${field} must be a list of names`);
  v.forEach((n, i) => {
    if (typeof n !== 'string' || n.length === 0) throw invalid(field, `${field}[${i}] must be a non-empty String`);
  });
  return v as string[];
}

function condition(body: Record<string, unknown>, field: string): FilterCondition {
  const v = body[field];
  if (absent(v)) return 'all';
  if (typeof v !== 'string' || !(FILTER_CONDITIONS as readonly string[]).includes(v))
    throw invalid(field, `${field} must be one of ${FILTER_CONDITIONS.join(', ')}`);
  return v as FilterCondition;
}

function filter(body: Record<string, unknown>, namesField: string, conditionField: string): NameFilter | undefined {
  const c = condition(body, conditionField);
  const list = names(body, namesField);
  return absent(body[namesField]) && absent(body[conditionField]) ? undefined : { condition: c, names: list };
}

function date(body: Record<string, unknown>, field: string): string | undefined {
  const v = body[field];
  if (absent(v)) return undefined;
  if (typeof v !== 'string') throw invalid(field, `${field} must be a date as yyyy-MM-dd`);
  return v;
}

/**
 * An Export API body → the core's export request. An absent or empty body means "everything" (a profiles export
 * needs nothing else); unknown fields are rejected, so a misspelt filter cannot silently export everything.
 * When a condition type is absent the filter is `all` (the seed: "if the value does not exist: the entire …").
 */
export function mapExportBody(kind: ExportKind, body: unknown, projectId: string): ExportRequest {
  if (absent(body)) body = {};
  if (!isObject(body)) throw invalid('body', 'the body must be a JSON object');
  for (const k of Object.keys(body)) {
    if (!BODY_FIELDS[kind].includes(k)) throw invalid(k, `${k} is not a parameter of this export (${BODY_FIELDS[kind].join(', ')})`);
  }
  const audience = body.audience;
  if (!absent(audience) && typeof audience !== 'string') throw invalid('audience', 'audience must be an audience id (String)');
  return {
    projectId,
    kind,
    from: kind === 'events' ? date(body, 'from_date') : undefined,
    to: kind === 'events' ? date(body, 'to_date') : undefined,
    events: kind === 'events' ? filter(body, 'events', 'events_condition_type') : undefined,
    properties: filter(body, 'properties', 'properties_condition_type'),
    audience: absent(audience) || audience === '' ? undefined : (audience as string),
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
