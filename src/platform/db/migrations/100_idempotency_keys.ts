import type { Kysely } from 'kysely';
import type { Dialect } from '../store.ts';
import { columnTypes } from '../migrator.ts';

/**
 * Idempotency keys of API sends (src/core/idempotency/idempotency.service.ts): per project and operation, the
 * SHA-256 of the request's canonical body and, once the request succeeded, its answer. A key reused with another body
 * is refused (422); with the same body the stored answer is replayed. Rows older than the retention are pruned.
 */
export async function up(db: Kysely<any>, dialect: Dialect): Promise<void> {
  const t = columnTypes(dialect);
  await db.schema
    .createTable('idempotency_keys')
    .addColumn('project_id', 'text', (c) => c.notNull())
    .addColumn('operation', 'text', (c) => c.notNull())
    .addColumn('key', 'text', (c) => c.notNull())
    .addColumn('body_digest', 'text', (c) => c.notNull())
    .addColumn('result', t.json)
    .addColumn('created_at', t.time, (c) => c.notNull())
    .addPrimaryKeyConstraint('idempotency_keys_pk', ['project_id', 'operation', 'key'])
    .execute();
  await db.schema.createIndex('idempotency_keys_age').on('idempotency_keys').columns(['project_id', 'created_at']).execute();
}
