import { Type, type TSchema } from '@sinclair/typebox';

/**
 * Helpers for route schemas (TypeBox → JSON Schema → the OpenAPI document at /docs/json). Each route declares every
 * status it can answer with; in tests every answer is checked against them (test/helpers/response-check.ts).
 */

/** The security scheme names of components.securitySchemes (src/server/app.ts). */
export const SECURITY = {
  dfineryImport: [{ dfineryImportToken: [] }],
  dfineryExport: [{ dfineryExportToken: [] }],
  marketap: [{ marketapApiKey: [] }],
  notifly: [{ notiflyToken: [] }],
  /** The admin token, or a console session (with X-CSRF-Token on state-changing requests). */
  admin: [{ adminToken: [] }, { consoleSession: [] }],
  metrics: [{ metricsToken: [] }],
  none: [],
} as const;

const REASONS: Record<number, string> = {
  200: 'OK',
  201: 'Created',
  202: 'Accepted',
  204: 'No content',
  302: 'Redirect',
  400: 'Bad request: the field at fault is named',
  401: 'Not authenticated',
  403: 'Forbidden',
  404: "Not found (or another project's)",
  405: 'Method not allowed',
  409: 'Conflict with stored state',
  413: 'Body over the limit (after decoding)',
  415: 'Unsupported Content-Encoding',
  422: 'Idempotency-Key reused with another body',
  429: 'Rate limited; see Retry-After',
  500: 'Internal error; the body carries an error id that is in the log',
  501: 'Not implemented',
  503: 'Unavailable; retry later',
};

/** `schema` with a description (and an example) for the given status. */
export const described = (status: number, schema: TSchema, example?: unknown, description?: string): TSchema =>
  ({ ...schema, description: description ?? REASONS[status] ?? String(status), ...(example === undefined ? {} : { examples: [example] }) }) as TSchema;

/** One error schema for several statuses, each with its description and an example rendered by the face. */
export function errorResponses(schema: TSchema, statuses: readonly number[], example: (status: number) => unknown): Record<number, TSchema> {
  return Object.fromEntries(statuses.map((s) => [s, described(s, schema, example(s))]));
}

/** A response with no body. */
export const noContent = (description = 'No content') => ({ description, type: 'null' }) as unknown as TSchema;

/** A non-JSON response, e.g. `text/csv`. */
export const content = (type: string, schema: TSchema, description: string, example?: unknown) =>
  ({ description, content: { [type]: { schema, ...(example === undefined ? {} : { example }) } } }) as unknown as TSchema;

/** An object whose listed fields are documented; other fields may appear (documents that grow). */
export const Open = <T extends Record<string, TSchema>>(properties: T, options: Record<string, unknown> = {}) =>
  Type.Object(properties, { additionalProperties: true, ...options });

export const Nullable = <T extends TSchema>(schema: T) => Type.Union([schema, Type.Null()]);

/** An ISO 8601 UTC timestamp or null. */
export const Timestamp = Nullable(Type.String({ format: 'date-time' }));
