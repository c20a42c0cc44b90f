import type { Kysely } from 'kysely';
import type { Dialect } from '../store.ts';
import { columnTypes } from '../migrator.ts';

/**
 * Faults (docs/operations.md):
 * - `store_probe`: one row that /readyz rewrites while writes are failing (full disk, read-only file), so readiness
 *   returns as soon as a write succeeds again.
 * - `jobs.lease_owner`: the process that holds a running job's lease. The embedded queue, started in a new process,
 *   releases every lease another (dead) process held, so a restart after kill -9 runs those jobs at once.
 */
export async function up(db: Kysely<any>, dialect: Dialect): Promise<void> {
  const t = columnTypes(dialect);
  await db.schema
    .createTable('store_probe')
    .addColumn('id', 'integer', (c) => c.primaryKey())
    .addColumn('at', t.time, (c) => c.notNull())
    .execute();
  await db.schema.alterTable('jobs').addColumn('lease_owner', 'text').execute();
}
