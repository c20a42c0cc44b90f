import { sql, type Expression, type RawBuilder, type SqlBool } from 'kysely';
import type { Dialect } from './store.ts';

/**
 * Reading values out of the JSON text columns (`profiles.properties`, `events.properties`) inside SQL.
 * This is the one place that knows each dialect's JSON functions: repositories build conditions with it,
 * so a PostgreSQL adapter swaps the implementation and nothing else changes.
 *
 * `doc` is an expression holding a JSON object as text; `key` is a top-level property name (taxonomy names:
 * letters, digits, `_ . $ -`). Every accessor yields NULL when the key is missing or holds JSON null.
 */
export interface JsonSql {
  /** The value as text (strings, dates, ISO datetimes). */
  text(doc: Expression<unknown>, key: string): RawBuilder<string | null>;
  /** The value as a number (Long, Double). */
  number(doc: Expression<unknown>, key: string): RawBuilder<number | null>;
  /** The value as a boolean, comparable with a bound boolean parameter. */
  boolean(doc: Expression<unknown>, key: string): RawBuilder<boolean | null>;
  /** True when the key holds a non-null value. */
  present(doc: Expression<unknown>, key: string): RawBuilder<SqlBool>;
  /** True when the key holds an array with an element equal to `value`. */
  arrayContains(doc: Expression<unknown>, key: string, value: string | number): RawBuilder<SqlBool>;
  /** True when `haystack` contains `needle` as a substring (case-sensitive, no wildcards). */
  textContains(haystack: Expression<unknown>, needle: string): RawBuilder<SqlBool>;
}

const SAFE_KEY = /^[A-Za-z0-9_.$-]{1,128}$/;

function checkKey(key: string): string {
  if (!SAFE_KEY.test(key)) throw new Error(`not a property name usable in a JSON path: ${JSON.stringify(key)}`);
  return key;
}

/** SQLite (JSON1, built in): json_extract returns SQL-typed values; true/false come back as 1/0. */
export const sqliteJson: JsonSql = {
  text: (doc, key) => sql<string | null>`json_extract(${doc}, ${path(key)})`,
  number: (doc, key) => sql<number | null>`json_extract(${doc}, ${path(key)})`,
  boolean: (doc, key) => sql<boolean | null>`json_extract(${doc}, ${path(key)})`,
  present: (doc, key) => sql<SqlBool>`(json_extract(${doc}, ${path(key)}) IS NOT NULL)`,
  arrayContains: (doc, key, value) =>
    sql<SqlBool>`EXISTS (SELECT 1 FROM json_each(${doc}, ${path(key)}) AS je WHERE je.type IN ('text', 'integer', 'real') AND je.value = ${value})`,
  textContains: (haystack, needle) => sql<SqlBool>`(instr(${haystack}, ${needle}) > 0)`,
};

function path(key: string): string {
  return `$."${checkKey(key)}"`;
}

/**
 * PostgreSQL (jsonb). JSON columns are text in both dialects (see migrator columnTypes), so each access casts.
 * Not exercised until the PostgreSQL store lands; kept here so the swap is one file.
 */
export const postgresJson: JsonSql = {
  text: (doc, key) => sql<string | null>`((${doc})::jsonb ->> ${checkKey(key)})`,
  number: (doc, key) => sql<number | null>`((${doc})::jsonb ->> ${checkKey(key)})::double precision`,
  boolean: (doc, key) => sql<boolean | null>`((${doc})::jsonb ->> ${checkKey(key)})::boolean`,
  present: (doc, key) => sql<SqlBool>`(((${doc})::jsonb ->> ${checkKey(key)}) IS NOT NULL)`,
  arrayContains: (doc, key, value) =>
    typeof value === 'number'
      ? sql<SqlBool>`(jsonb_typeof((${doc})::jsonb -> ${checkKey(key)}) = 'array' AND ((${doc})::jsonb -> ${checkKey(key)}) @> jsonb_build_array(${value}::double precision))`
      : sql<SqlBool>`(jsonb_typeof((${doc})::jsonb -> ${checkKey(key)}) = 'array' AND ((${doc})::jsonb -> ${checkKey(key)}) @> jsonb_build_array(${value}::text))`,
  textContains: (haystack, needle) => sql<SqlBool>`(strpos(${haystack}, ${needle}::text) > 0)`,
};

export function jsonSql(dialect: Dialect): JsonSql {
  return dialect === 'postgres' ? postgresJson : sqliteJson;
}
