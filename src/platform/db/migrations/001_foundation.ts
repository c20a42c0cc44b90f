import { sql, type Kysely } from 'kysely';
import type { Dialect } from '../store.ts';
import { columnTypes } from '../migrator.ts';

export async function up(db: Kysely<any>, dialect: Dialect): Promise<void> {
  const t = columnTypes(dialect);

  await db.schema
    .createTable('projects')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('timezone', 'text', (c) => c.notNull())
    .addColumn('settings', t.json, (c) => c.notNull().defaultTo('{}'))
    .addColumn('created_at', t.time, (c) => c.notNull())
    .execute();

  await db.schema
    .createTable('credentials')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('project_id', 'text')
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('digest', 'text', (c) => c.notNull().unique())
    .addColumn('prefix', 'text', (c) => c.notNull())
    .addColumn('created_at', t.time, (c) => c.notNull())
    .addColumn('expires_at', t.time)
    .execute();
  await db.schema.createIndex('credentials_project').on('credentials').columns(['project_id', 'kind']).execute();

  await db.schema
    .createTable('event_types')
    .addColumn('project_id', 'text', (c) => c.notNull())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('origin', 'text', (c) => c.notNull())
    .addColumn('created_at', t.time, (c) => c.notNull())
    .addPrimaryKeyConstraint('event_types_pk', ['project_id', 'name'])
    .execute();

  await db.schema
    .createTable('properties')
    .addColumn('project_id', 'text', (c) => c.notNull())
    .addColumn('scope', 'text', (c) => c.notNull())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('type', 'text', (c) => c.notNull())
    .addColumn('origin', 'text', (c) => c.notNull())
    .addColumn('created_at', t.time, (c) => c.notNull())
    .addPrimaryKeyConstraint('properties_pk', ['project_id', 'scope', 'name'])
    .execute();

  await db.schema
    .createTable('profiles')
    .addColumn('project_id', 'text', (c) => c.notNull())
    .addColumn('id', 'text', (c) => c.notNull())
    .addColumn('properties', t.json, (c) => c.notNull())
    .addColumn('property_times', t.json, (c) => c.notNull())
    .addColumn('created_at', t.time, (c) => c.notNull())
    .addColumn('updated_at', t.time, (c) => c.notNull())
    .addPrimaryKeyConstraint('profiles_pk', ['project_id', 'id'])
    .execute();

  await db.schema
    .createTable('profile_aliases')
    .addColumn('project_id', 'text', (c) => c.notNull())
    .addColumn('alias_id', 'text', (c) => c.notNull())
    .addColumn('profile_id', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('profile_aliases_pk', ['project_id', 'alias_id'])
    .execute();
  await db.schema.createIndex('profile_aliases_target').on('profile_aliases').columns(['project_id', 'profile_id']).execute();

  await db.schema
    .createTable('identifiers')
    .addColumn('project_id', 'text', (c) => c.notNull())
    .addColumn('type', 'text', (c) => c.notNull())
    .addColumn('value', 'text', (c) => c.notNull())
    .addColumn('raw', 'text', (c) => c.notNull())
    .addColumn('profile_id', 'text', (c) => c.notNull())
    .addColumn('created_at', t.time, (c) => c.notNull())
    .addPrimaryKeyConstraint('identifiers_pk', ['project_id', 'type', 'value'])
    .execute();
  await db.schema.createIndex('identifiers_profile').on('identifiers').columns(['project_id', 'profile_id']).execute();

  // Events: the dedupe key is ordered by occurred_at so that inserts land at the end of the index (see docs/design.md).
  await db.schema
    .createTable('events')
    .addColumn('seq', dialect === 'postgres' ? 'bigserial' : 'integer', (c) => (dialect === 'postgres' ? c.notNull() : c.primaryKey().autoIncrement()))
    .addColumn('project_id', 'text', (c) => c.notNull())
    .addColumn('occurred_at', t.time, (c) => c.notNull())
    .addColumn('event_key', 'text', (c) => c.notNull())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('received_at', t.time, (c) => c.notNull())
    .addColumn('profile_id', 'text', (c) => c.notNull())
    .addColumn('properties', t.json)
    .addColumn('items', t.json)
    .addColumn('source', 'text', (c) => c.notNull())
    // PostgreSQL: partitioned by month of occurred_at (src/platform/db/postgres.partitions.ts); a partitioned table's
    // primary key must include the partition key.
    .$call((b) =>
      dialect === 'postgres' ? b.addPrimaryKeyConstraint('events_pk', ['seq', 'occurred_at']).modifyEnd(sql`partition by range (occurred_at)`) : b,
    )
    .execute();
  if (dialect === 'postgres') await sql`create table events_default partition of events default`.execute(db);
  await db.schema.createIndex('events_dedupe').unique().on('events').columns(['project_id', 'occurred_at', 'event_key']).execute();
  await db.schema.createIndex('events_by_name').on('events').columns(['project_id', 'name', 'occurred_at']).execute();

  await db.schema
    .createTable('devices')
    .addColumn('project_id', 'text', (c) => c.notNull())
    .addColumn('device_id', 'text', (c) => c.notNull())
    .addColumn('profile_id', 'text', (c) => c.notNull())
    .addColumn('platform', 'text', (c) => c.notNull())
    .addColumn('push_token', 'text')
    .addColumn('webpush', t.json)
    .addColumn('properties', t.json, (c) => c.notNull().defaultTo('{}'))
    .addColumn('created_at', t.time, (c) => c.notNull())
    .addColumn('updated_at', t.time, (c) => c.notNull())
    .addPrimaryKeyConstraint('devices_pk', ['project_id', 'device_id'])
    .execute();
  await db.schema.createIndex('devices_profile').on('devices').columns(['project_id', 'profile_id']).execute();

  void sql;
}
