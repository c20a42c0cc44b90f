import type { Kysely } from 'kysely';
import type { Dialect } from '../store.ts';
import { columnTypes } from '../migrator.ts';

/**
 * Consent records (src/core/consent): every change of an advertising consent of a profile — time, channel, new value,
 * source (정보통신망법 제50조; docs/korean-messaging.md "Consent records") — and the consent notices sent for them,
 * one row per (record, kind, period) so a notice is never sent twice.
 */
export async function up(db: Kysely<any>, dialect: Dialect): Promise<void> {
  const t = columnTypes(dialect);
  await db.schema
    .createTable('consent_records')
    .addColumn('project_id', 'text', (c) => c.notNull())
    .addColumn('id', 'text', (c) => c.notNull())
    .addColumn('profile_id', 'text', (c) => c.notNull())
    .addColumn('property', 'text', (c) => c.notNull())
    .addColumn('channel', 'text', (c) => c.notNull())
    .addColumn('kind', 'text', (c) => c.notNull())
    // 1 consented, 0 refused or withdrawn, null: the property was removed (no consent).
    .addColumn('value', 'integer')
    .addColumn('source', 'text', (c) => c.notNull())
    .addColumn('at', t.time, (c) => c.notNull())
    .addPrimaryKeyConstraint('consent_records_pk', ['project_id', 'id'])
    .execute();
  await db.schema.createIndex('consent_records_profile').on('consent_records').columns(['project_id', 'profile_id', 'at']).execute();
  await db.schema.createIndex('consent_records_at').on('consent_records').columns(['project_id', 'at']).execute();
  await db.schema
    .createTable('consent_notices')
    .addColumn('project_id', 'text', (c) => c.notNull())
    .addColumn('record_id', 'text', (c) => c.notNull())
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('period', 'integer', (c) => c.notNull())
    .addColumn('request_id', 'text', (c) => c.notNull())
    .addColumn('created_at', t.time, (c) => c.notNull())
    .addPrimaryKeyConstraint('consent_notices_pk', ['project_id', 'record_id', 'kind', 'period'])
    .execute();
}
