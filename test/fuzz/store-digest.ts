import { createHash } from 'node:crypto';
import { sql } from 'kysely';
import type { Runtime } from '../../src/runtime.ts';

/**
 * A content digest of the whole store, per table (row count and a hash of every row, order-independent), on SQLite and
 * PostgreSQL alike. Used to prove that a refused request changes nothing. Tables that a refusal is meant to write are
 * left out and named here with the reason.
 */
const WRITTEN_BY_REFUSALS = new Set([
  // The console's record of refused requests (src/server/rejections.ts): a refusal writes it by design.
  'rejected_requests',
  // The readiness probe's row (rewritten by /readyz, not by requests of the faces).
  'store_probe',
]);
const MIGRATION_TABLES = /^(kysely_migration|kysely_migration_lock|maru_migrations?)$/;

export type StoreDigest = Map<string, { rows: number; hash: string }>;

const stable = (v: unknown): string =>
  JSON.stringify(v, (_k, x) => {
    if (typeof x === 'bigint') return `${x}n`;
    if (x instanceof Uint8Array) return `bytes:${Buffer.from(x).toString('base64')}`;
    if (x instanceof Date) return x.toISOString();
    if (x && typeof x === 'object' && !Array.isArray(x))
      return Object.fromEntries(
        Object.keys(x)
          .sort()
          .map((k) => [k, x[k]]),
      );
    return x;
  });

let tableList: { name: string; scoped: boolean }[] | undefined;

/**
 * `projects`: only these projects' rows of tables with a `project_id` column (the fuzzer works in one fresh project,
 * and checks another project it names); every row of the other tables.
 */
export async function storeDigest(runtime: Runtime, projects?: string[]): Promise<StoreDigest> {
  // The SQLite ingest log is merged into `events` in the background: merge first so the digest is of settled state.
  await runtime.eventStorage.flush();
  const db = runtime.store.db;
  tableList ??= (await db.introspection.getTables())
    .map((t) => ({
      name: t.schema && t.schema !== 'public' && t.schema !== 'main' ? `${t.schema}.${t.name}` : t.name,
      scoped: t.columns.some((c) => c.name === 'project_id'),
    }))
    .filter((t) => !WRITTEN_BY_REFUSALS.has(t.name) && !MIGRATION_TABLES.test(t.name))
    .sort((a, b) => a.name.localeCompare(b.name));
  const out: StoreDigest = new Map();
  if (runtime.store.dialect === 'postgres') {
    // One round trip: every table's count and an order-independent md5 of its rows, computed by PostgreSQL.
    const parts = tableList.map(({ name, scoped }) => {
      const where = scoped && projects ? sql` where project_id in (${sql.join(projects)})` : sql``;
      return sql`select ${name}::text as name, count(*)::int as n, md5(coalesce(string_agg(md5(t::text), '' order by md5(t::text)), '')) as h from ${sql.table(name)} t${where}`;
    });
    const rows = (await sql<{ name: string; n: number; h: string }>`${sql.join(parts, sql` union all `)}`.execute(db)).rows;
    for (const r of rows) out.set(r.name, { rows: r.n, hash: r.h.slice(0, 16) });
    return out;
  }
  for (const { name: table, scoped } of tableList) {
    const where = scoped && projects ? sql` where project_id in (${sql.join(projects)})` : sql``;
    const rows = (await sql<Record<string, unknown>>`select * from ${sql.table(table)}${where}`.execute(db)).rows;
    const lines = rows.map(stable).sort();
    out.set(table, { rows: rows.length, hash: createHash('sha256').update(lines.join('\n')).digest('hex').slice(0, 16) });
  }
  return out;
}

/** Tables whose content differs, with their row counts before → after. */
export function digestChanges(before: StoreDigest, after: StoreDigest): string[] {
  const changed: string[] = [];
  for (const [table, a] of after) {
    const b = before.get(table);
    if (!b || b.hash !== a.hash) changed.push(`${table} (${b?.rows ?? 0} → ${a.rows} rows)`);
  }
  return changed;
}
