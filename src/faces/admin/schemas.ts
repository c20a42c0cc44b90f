import { Type, type TSchema } from '@sinclair/typebox';
import { MaruError, type ErrorCode } from '../../core/errors.ts';
import { PROPERTY_OPS } from '../../core/audiences/audiences.types.ts';
import { described, errorResponses, noContent, Nullable, Open, SECURITY } from '../shared/openapi.ts';
import { adminError, type RoutePermission } from './admin-auth.ts';

/** The admin API's error body: `{error: {code, message, field?, details?}}` with the core code's status. */
export const AdminError = Type.Object(
  {
    error: Type.Object(
      { code: Type.String(), message: Type.String(), field: Type.Optional(Type.String()), details: Type.Optional(Type.Record(Type.String(), Type.Unknown())) },
      { additionalProperties: false },
    ),
  },
  { additionalProperties: false },
);

const CODE_OF: Record<number, ErrorCode> = {
  400: 'invalid_input',
  401: 'unauthenticated',
  403: 'forbidden',
  404: 'not_found',
  409: 'conflict',
  413: 'payload_too_large',
  415: 'unsupported_media_type',
  422: 'idempotency_key_reused',
  500: 'internal',
  503: 'unavailable',
};

/** Every status an admin route can fail with. */
export const ADMIN_ERRORS = errorResponses(
  AdminError,
  [400, 401, 403, 404, 409, 413, 415, 422, 500, 503],
  (s) =>
    adminError(
      s === 422
        ? new MaruError('idempotency_key_reused', 'Idempotency-Key "order-42" was already used with another request body; use a new key for a new request', {
            field: 'Idempotency-Key',
          })
        : new MaruError(CODE_OF[s], 'see docs/errors.md'),
    ).body,
);

export const ok = (schema: TSchema, example?: unknown) => ({ 200: described(200, schema, example) });
export const created = (schema: TSchema, example?: unknown) => ({ 201: described(201, schema, example) });
export const gone = () => ({ 204: noContent('Done; no body') });

/** A JSON request body: the listed fields documented (the service checks them whole and names the field at fault). */
export const body = (properties: Record<string, TSchema>, example: unknown, options: Record<string, unknown> = {}) =>
  Open(properties, { examples: [example], ...options });

/**
 * Route options of an admin operation: the permission the roles guard checks (admin-auth.ts), tags, the admin token or
 * console session, its success responses and every admin error. Fastify validates the request with the declared
 * body, query and headers (the first error is the admin 400 naming the field); the core checks the values.
 */
export function adminOp(
  permission: RoutePermission,
  tags: string[],
  summary: string,
  success: Record<number, TSchema>,
  extra: { body?: TSchema; querystring?: TSchema; headers?: TSchema } = {},
) {
  return { config: { permission }, schema: { tags, security: SECURITY.admin, summary, ...extra, response: { ...success, ...ADMIN_ERRORS } } };
}

const Json = Type.Record(Type.String(), Type.Unknown());
/** A project's settings (src/core/projects/projects.types.ts): the fields maru reads, and any others a client stored. */
const ProjectSettingsDoc = Open({
  strictTaxonomy: Type.Optional(Type.Boolean({ description: 'Refuse unregistered event and property names (default false)' })),
  limits: Type.Optional(
    Type.Record(Type.String(), Nullable(Type.Integer()), {
      description: 'Rate-limit quotas by limit name (null: the default); GET …/settings lists every limit with its default',
    }),
  ),
  phoneRegion: Type.Optional(
    Nullable(Type.String({ description: 'Region of phone numbers written without a country code; null or absent: the server default' })),
  ),
  neutraliseExportFormulas: Type.Optional(Type.Boolean({ description: 'Neutralise formula-like cells in API exports too' })),
});
export const ProjectDoc = Open({
  id: Type.String(),
  name: Type.String(),
  timezone: Type.String(),
  settings: ProjectSettingsDoc,
  createdAt: Type.String({ format: 'date-time' }),
});
export const AnyDoc = Open({});
export { Json };

/**
 * An audience rule (src/core/audiences/audiences.types.ts; docs/audiences.md), recursive: a shared schema the app
 * adds once (server/app.ts), which the OpenAPI document lists as components.schemas.AudienceRule. Routes refer to it
 * with AudienceRuleRef. Fastify validates the shape with it; the service checks the rest (properties, events, values).
 */
export const AUDIENCE_RULE_SCHEMA = {
  $id: 'AudienceRule',
  title: 'AudienceRule',
  // A bare array (meaning all) is accepted too and stored as {all: [...]}; it is left out here because a union with an
  // array of itself cannot be a TypeScript type (the console's types are generated from this).
  description: 'A group {all: [...]} or {any: [...]}, a property condition or an event condition (a bare array is read as {all: [...]})',
  anyOf: [
    { type: 'object', required: ['all'], properties: { all: { type: 'array', items: { $ref: 'AudienceRule#' } } }, additionalProperties: false },
    { type: 'object', required: ['any'], properties: { any: { type: 'array', items: { $ref: 'AudienceRule#' } } }, additionalProperties: false },
    {
      type: 'object',
      required: ['property', 'op'],
      properties: {
        property: { type: 'string' },
        op: { type: 'string', enum: [...PROPERTY_OPS] },
        value: { description: 'Absent for exists and not_exists; an array for in' },
      },
      additionalProperties: false,
    },
    {
      type: 'object',
      required: ['event'],
      properties: {
        event: { type: 'string' },
        performed: { type: 'boolean', description: 'Default true' },
        min_count: { type: 'integer', minimum: 1, description: 'Default 1' },
        within_last_days: { type: 'integer', minimum: 1 },
        where: {
          anyOf: [{ $ref: 'AudienceRule#' }, { type: 'array', items: { $ref: 'AudienceRule#' } }],
          description: 'A rule on the event, or a bare array of rules',
        },
      },
      additionalProperties: false,
    },
  ],
} as const;
const AudienceRuleOne = Type.Unsafe<unknown>({ $ref: 'AudienceRule#' });
/** A rule in a request body: the rule, or a bare array of rules (read as {all: [...]}). */
export const AudienceRuleRef = Type.Union([AudienceRuleOne, Type.Array(AudienceRuleOne)]);
