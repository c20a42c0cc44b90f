import type { Kysely } from 'kysely';
import type { Dialect } from '../store.ts';
import { columnTypes } from '../migrator.ts';

/**
 * What vendors report after accepting a message (src/core/messaging/delivery-results.service.ts): one row per
 * (vendor, provider message id), linked to its delivery. A row without a delivery is a report that arrived before
 * maru recorded the send (a status callback racing the send's own answer); it is applied when the send is recorded.
 */
export async function up(db: Kysely<any>, dialect: Dialect): Promise<void> {
  const t = columnTypes(dialect);
  await db.schema
    .createTable('delivery_results')
    .addColumn('project_id', 'text', (c) => c.notNull())
    .addColumn('vendor', 'text', (c) => c.notNull())
    .addColumn('provider_message_id', 'text', (c) => c.notNull())
    .addColumn('delivery_id', 'text')
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('code', 'text')
    .addColumn('reason', 'text')
    .addColumn('delivered_at', t.time)
    .addColumn('checks', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('created_at', t.time, (c) => c.notNull())
    .addColumn('updated_at', t.time, (c) => c.notNull())
    .addPrimaryKeyConstraint('delivery_results_pk', ['project_id', 'vendor', 'provider_message_id'])
    .execute();
  await db.schema.createIndex('delivery_results_delivery').on('delivery_results').columns(['project_id', 'delivery_id']).execute();
}
