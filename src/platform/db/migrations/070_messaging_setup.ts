import type { Kysely } from 'kysely';
import type { Dialect } from '../store.ts';
import { columnTypes } from '../migrator.ts';

/**
 * A project's Korean messaging setup (src/core/messaging, docs/korean-messaging.md): registered sender numbers, Kakao
 * channels (sender keys), alimtalk templates, and the messaging settings row. Booleans are 0/1 integers in both dialects.
 */
export async function up(db: Kysely<any>, dialect: Dialect): Promise<void> {
  const t = columnTypes(dialect);
  await db.schema
    .createTable('messaging_settings')
    .addColumn('project_id', 'text', (c) => c.primaryKey())
    .addColumn('sandbox_text_sending', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('updated_at', t.time, (c) => c.notNull())
    .execute();

  await db.schema
    .createTable('messaging_sender_numbers')
    .addColumn('project_id', 'text', (c) => c.notNull())
    .addColumn('number', 'text', (c) => c.notNull())
    .addColumn('is_default', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('created_at', t.time, (c) => c.notNull())
    .addPrimaryKeyConstraint('messaging_sender_numbers_pk', ['project_id', 'number'])
    .execute();

  await db.schema
    .createTable('messaging_kakao_channels')
    .addColumn('project_id', 'text', (c) => c.notNull())
    .addColumn('channel_id', 'text', (c) => c.notNull())
    .addColumn('sender_key', 'text', (c) => c.notNull())
    .addColumn('is_default', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('created_at', t.time, (c) => c.notNull())
    .addPrimaryKeyConstraint('messaging_kakao_channels_pk', ['project_id', 'channel_id'])
    .execute();

  await db.schema
    .createTable('alimtalk_templates')
    .addColumn('project_id', 'text', (c) => c.notNull())
    .addColumn('template_id', 'text', (c) => c.notNull())
    .addColumn('template_code', 'text', (c) => c.notNull())
    .addColumn('channel_id', 'text')
    .addColumn('content', 'text', (c) => c.notNull())
    .addColumn('buttons', t.json, (c) => c.notNull())
    .addColumn('created_at', t.time, (c) => c.notNull())
    .addColumn('updated_at', t.time, (c) => c.notNull())
    .addPrimaryKeyConstraint('alimtalk_templates_pk', ['project_id', 'template_id'])
    .execute();
}
