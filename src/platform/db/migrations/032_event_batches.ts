import type { Kysely } from 'kysely';
import type { Dialect } from '../store.ts';
import { columnTypes } from '../migrator.ts';

/**
 * Accepted-but-not-yet-applied event batches (asynchronous ingestion). A row lives from the 202 until a worker has
 * stored its events; the queue job only names the batch, so no event data stays behind in the jobs table.
 */
export async function up(db: Kysely<any>, dialect: Dialect): Promise<void> {
  const t = columnTypes(dialect);
  await db.schema
    .createTable('event_batches')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('project_id', 'text', (c) => c.notNull())
    .addColumn('events', t.json, (c) => c.notNull())
    .addColumn('count', 'integer', (c) => c.notNull())
    .addColumn('received_at', t.time, (c) => c.notNull())
    .execute();
  await db.schema.createIndex('event_batches_project').on('event_batches').columns(['project_id', 'received_at']).execute();
}
