import type { Kysely } from 'kysely';
import type { Dialect } from '../store.ts';
import { columnTypes } from '../migrator.ts';

/**
 * The outbox of the Redis (BullMQ) queue adapter: a row per job that still has to reach Redis. It is written in the
 * same transaction as the job row (or its return to pending after a failed attempt) and deleted when a worker claims
 * the job, so a job that was committed but never published — Redis down, process killed between commit and publish —
 * is found and published again. The embedded queue does not use it (the table stays empty).
 */
export async function up(db: Kysely<any>, dialect: Dialect): Promise<void> {
  const t = columnTypes(dialect);
  await db.schema
    .createTable('job_outbox')
    .addColumn('job_id', 'text', (c) => c.primaryKey())
    .addColumn('queue', 'text', (c) => c.notNull())
    .addColumn('created_at', t.time, (c) => c.notNull())
    .execute();
  await db.schema.createIndex('job_outbox_created').on('job_outbox').columns(['created_at']).execute();
}
