import type { Kysely } from 'kysely';
import type { Dialect } from '../store.ts';
import { columnTypes } from '../migrator.ts';

/**
 * Events received per project, face and UTC hour (core/events/ingest-counts.ts): what the console's overview shows
 * as "events received today per face and per day" without scanning `events`. One upsert per ingest unit.
 */
export async function up(db: Kysely<any>, dialect: Dialect): Promise<void> {
  const t = columnTypes(dialect);
  await db.schema
    .createTable('ingest_counts')
    .addColumn('project_id', 'text', (c) => c.notNull())
    .addColumn('hour', t.time, (c) => c.notNull())
    .addColumn('face', 'text', (c) => c.notNull())
    .addColumn('events', t.time, (c) => c.notNull())
    .addPrimaryKeyConstraint('ingest_counts_pk', ['project_id', 'hour', 'face'])
    .execute();
}
