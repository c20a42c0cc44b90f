import type { Kysely } from 'kysely';
import type { Dialect } from '../store.ts';
import { columnTypes } from '../migrator.ts';

/**
 * The ingest log (SQLite only): acknowledged events waiting to be merged into `events` in large sorted batches
 * (core/events/event-storage.ts, docs/design.md "Ingest log"). Append-only, keyed by an increasing id, no other
 * index, so a commit writes only the rows' own pages. PostgreSQL inserts into `events` directly and has no log.
 */
export async function up(db: Kysely<any>, dialect: Dialect): Promise<void> {
  if (dialect !== 'sqlite') return;
  const t = columnTypes(dialect);
  await db.schema
    .createTable('event_log')
    .addColumn('id', 'integer', (c) => c.primaryKey().autoIncrement())
    .addColumn('project_id', 'text', (c) => c.notNull())
    .addColumn('occurred_at', t.time, (c) => c.notNull())
    .addColumn('event_key', 'text', (c) => c.notNull())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('received_at', t.time, (c) => c.notNull())
    .addColumn('profile_id', 'text', (c) => c.notNull())
    .addColumn('properties', t.json)
    .addColumn('items', t.json)
    .addColumn('source', 'text', (c) => c.notNull())
    .execute();
}
