import type { Kysely } from 'kysely';
import type { Dialect } from '../store.ts';
import { columnTypes } from '../migrator.ts';

/**
 * Server-wide secrets maru generates for itself on first use (e.g. the session-token signing key when
 * MARU_TOKEN_SECRET is not set), so that every process sharing the database, and every restart, agree on them.
 * Row type: src/core/credentials/session-tokens.tables.ts.
 */
export async function up(db: Kysely<any>, dialect: Dialect): Promise<void> {
  const t = columnTypes(dialect);
  await db.schema
    .createTable('server_secrets')
    .addColumn('name', 'text', (c) => c.primaryKey())
    .addColumn('value', 'text', (c) => c.notNull())
    .addColumn('created_at', t.time, (c) => c.notNull())
    .execute();
}
