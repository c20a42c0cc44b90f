import { Type } from '@fastify/type-provider-typebox';
import { invalid } from '../../core/errors.ts';

/** Shared wire pieces of the admin API's console endpoints: error body, cursor paging, times. */
export const ErrorBody = Type.Object({
  error: Type.Object({ code: Type.String(), message: Type.String(), field: Type.Optional(Type.String()), details: Type.Optional(Type.Record(Type.String(), Type.Unknown())) }),
});

export const Cursor = Type.Optional(Type.String({ description: 'The `next` value of the previous page; omit for the first page', maxLength: 500 }));
export const Limit = Type.Optional(Type.String({ description: 'Items per page, 1 to 200 (default 50)', pattern: '^[0-9]{1,4}$' }));

export const DEFAULT_PAGE = 50;
export const MAX_PAGE = 200;

export function pageLimit(raw: string | undefined): number {
  if (raw === undefined || raw === '') return DEFAULT_PAGE;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1 || n > MAX_PAGE) throw invalid('limit', `limit must be a whole number from 1 to ${MAX_PAGE}`);
  return n;
}

export const iso = (ms: number) => new Date(ms).toISOString();
export const isoOrNull = (ms: number | null | undefined) => (ms === null || ms === undefined ? null : new Date(ms).toISOString());

/** An opaque cursor over a keyset position (base64url JSON), so the console never builds one itself. */
export const encodeCursor = (position: unknown[]) => Buffer.from(JSON.stringify(position)).toString('base64url');

export function decodeCursor(raw: string | undefined, field = 'cursor'): unknown[] | undefined {
  if (raw === undefined || raw === '') return undefined;
  try {
    const v = JSON.parse(Buffer.from(raw, 'base64url').toString('utf8'));
    if (Array.isArray(v)) return v;
  } catch {
    // fall through
  }
  throw invalid(field, `${field} must be the \`next\` value of the previous page`);
}
