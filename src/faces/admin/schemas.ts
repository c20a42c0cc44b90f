import { Type, type TSchema } from '@sinclair/typebox';
import { MaruError, type ErrorCode } from '../../core/errors.ts';
import { described, errorResponses, noContent, Open, SECURITY } from '../shared/openapi.ts';
import { adminError, type RoutePermission } from './admin-auth.ts';
import { documentOnly } from '../shared/http-errors.ts';

/** The admin API's error body: `{error: {code, message, field?, details?}}` with the core code's status. */
export const AdminError = Type.Object(
  { error: Type.Object({ code: Type.String(), message: Type.String(), field: Type.Optional(Type.String()), details: Type.Optional(Type.Record(Type.String(), Type.Unknown())) }, { additionalProperties: false }) },
  { additionalProperties: false },
);

const CODE_OF: Record<number, ErrorCode> = { 400: 'invalid_input', 401: 'unauthenticated', 403: 'forbidden', 404: 'not_found', 409: 'conflict', 413: 'payload_too_large', 415: 'unsupported_media_type', 422: 'idempotency_key_reused', 500: 'internal', 503: 'unavailable' };

/** Every status an admin route can fail with. */
export const ADMIN_ERRORS = errorResponses(AdminError, [400, 401, 403, 404, 409, 413, 415, 422, 500, 503], (s) =>
  adminError(s === 422 ? new MaruError('idempotency_key_reused', 'Idempotency-Key "order-42" was already used with another request body; use a new key for a new request', { field: 'Idempotency-Key' }) : new MaruError(CODE_OF[s], 'see docs/errors.md')).body,
);

export const ok = (schema: TSchema, example?: unknown) => ({ 200: described(200, schema, example) });
export const created = (schema: TSchema, example?: unknown) => ({ 201: described(201, schema, example) });
export const gone = () => ({ 204: noContent('Done; no body') });

/** A JSON request body: the listed fields documented (the service checks them whole and names the field at fault). */
export const body = (properties: Record<string, TSchema>, example: unknown, options: Record<string, unknown> = {}) => Open(properties, { examples: [example], ...options });

/**
 * Route options of an admin operation: the permission the roles guard checks (admin-auth.ts), tags, the admin token or
 * console session, its success responses and every admin error.
 */
export function adminOp(permission: RoutePermission, tags: string[], summary: string, success: Record<number, TSchema>, extra: { body?: TSchema; querystring?: TSchema; headers?: TSchema } = {}) {
  return { ...documentOnly, config: { permission }, schema: { tags, security: SECURITY.admin, summary, ...extra, response: { ...success, ...ADMIN_ERRORS } } };
}

const Json = Type.Record(Type.String(), Type.Unknown());
export const ProjectDoc = Open({ id: Type.String(), name: Type.String(), timezone: Type.String(), settings: Json });
export const AnyDoc = Open({});
export { Json };
