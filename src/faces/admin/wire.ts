import { Type } from '@fastify/type-provider-typebox';
import { invalid } from '../../core/errors.ts';

/** Shared wire pieces of the admin API's console endpoints: cursor paging, times. */
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

/*
 * One wire convention for every admin response (docs/admin-api.md "Conventions"): times are ISO 8601 strings in UTC
 * with milliseconds (`2025-01-06T01:00:00.000Z`), or null. The core's epoch milliseconds never reach the wire.
 */

export const projectToWire = (p: { id: string; name: string; timezone: string; settings: Record<string, unknown>; createdAt: number }) => ({
  id: p.id,
  name: p.name,
  timezone: p.timezone,
  settings: p.settings,
  createdAt: iso(p.createdAt),
});

export const credentialToWire = (c: { id: string; kind: string; prefix: string; created_at: number; expires_at: number | null }) => ({
  id: c.id,
  kind: c.kind,
  prefix: c.prefix,
  created_at: iso(c.created_at),
  expires_at: isoOrNull(c.expires_at),
});

export const profileToWire = <T extends { propertyTimes: Record<string, number>; createdAt: number; updatedAt: number }>(p: T) => ({
  ...p,
  propertyTimes: Object.fromEntries(Object.entries(p.propertyTimes).map(([k, v]) => [k, iso(v)])),
  createdAt: iso(p.createdAt),
  updatedAt: iso(p.updatedAt),
});

export const audienceToWire = <T extends { createdAt: number; updatedAt: number }>(a: T) => ({
  ...a,
  createdAt: iso(a.createdAt),
  updatedAt: iso(a.updatedAt),
});
