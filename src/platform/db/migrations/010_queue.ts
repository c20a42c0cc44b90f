import type { Kysely } from 'kysely';
import type { Dialect } from '../store.ts';
import { columnTypes } from '../migrator.ts';

export async function up(db: Kysely<any>, dialect: Dialect): Promise<void> {
  const t = columnTypes(dialect);
  await db.schema
    .createTable('jobs')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('queue', 'text', (c) => c.notNull())
    .addColumn('key', 'text')
    .addColumn('project_id', 'text')
    .addColumn('payload', t.json, (c) => c.notNull())
    .addColumn('state', 'text', (c) => c.notNull())
    .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('max_attempts', 'integer', (c) => c.notNull())
    .addColumn('run_at', t.time, (c) => c.notNull())
    .addColumn('locked_until', t.time)
    .addColumn('last_error', 'text')
    .addColumn('created_at', t.time, (c) => c.notNull())
    .addColumn('updated_at', t.time, (c) => c.notNull())
    .execute();
  await db.schema.createIndex('jobs_queue_key').unique().on('jobs').columns(['queue', 'key']).execute();
  await db.schema.createIndex('jobs_due').on('jobs').columns(['queue', 'state', 'run_at']).execute();
}
