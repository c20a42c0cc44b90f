import type { Kysely } from 'kysely';
import type { Dialect } from '../store.ts';
import { columnTypes } from '../migrator.ts';

/**
 * The 080 block list (src/core/blocklist, docs/korean-messaging.md): recipient numbers blocked under each of a
 * project's 080 unsubscribe numbers. `recipient_key` is the number's E.164 form, what advertising text messages are
 * matched on; `request_date` is when the number was blocked (epoch ms).
 */
export async function up(db: Kysely<any>, dialect: Dialect): Promise<void> {
  const t = columnTypes(dialect);
  await db.schema
    .createTable('blocklist_recipients')
    .addColumn('project_id', 'text', (c) => c.notNull())
    .addColumn('unsubscribe_no', 'text', (c) => c.notNull())
    .addColumn('recipient_no', 'text', (c) => c.notNull())
    .addColumn('recipient_key', 'text', (c) => c.notNull())
    .addColumn('request_date', t.time, (c) => c.notNull())
    .addPrimaryKeyConstraint('blocklist_recipients_pk', ['project_id', 'unsubscribe_no', 'recipient_no'])
    .execute();
  await db.schema.createIndex('blocklist_recipients_key').on('blocklist_recipients').columns(['project_id', 'recipient_key']).execute();
  await db.schema.createIndex('blocklist_recipients_date').on('blocklist_recipients').columns(['project_id', 'unsubscribe_no', 'request_date']).execute();
}
