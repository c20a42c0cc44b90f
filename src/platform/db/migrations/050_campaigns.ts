import type { Kysely } from 'kysely';
import type { Dialect } from '../store.ts';
import { columnTypes } from '../migrator.ts';

/** Campaigns, deliveries, per-day campaign metrics, per-day send counters and tracking keys (docs/campaigns.md). */
export async function up(db: Kysely<any>, dialect: Dialect): Promise<void> {
  const t = columnTypes(dialect);

  await db.schema
    .createTable('campaigns')
    .addColumn('project_id', 'text', (c) => c.notNull())
    .addColumn('id', 'text', (c) => c.notNull())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('channel', 'text', (c) => c.notNull())
    .addColumn('consent_class', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('send_time', t.json, (c) => c.notNull())
    .addColumn('template', t.json, (c) => c.notNull())
    .addColumn('options', t.json, (c) => c.notNull())
    .addColumn('stats_dimensions', t.json, (c) => c.notNull())
    .addColumn('created_at', t.time, (c) => c.notNull())
    .addColumn('updated_at', t.time, (c) => c.notNull())
    .addPrimaryKeyConstraint('campaigns_pk', ['project_id', 'id'])
    .execute();
  await db.schema.createIndex('campaigns_status').on('campaigns').columns(['project_id', 'status']).execute();

  await db.schema
    .createTable('deliveries')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('project_id', 'text', (c) => c.notNull())
    .addColumn('campaign_id', 'text', (c) => c.notNull())
    .addColumn('channel', 'text', (c) => c.notNull())
    .addColumn('trigger', 'text', (c) => c.notNull())
    .addColumn('request_id', 'text', (c) => c.notNull())
    .addColumn('idempotency_key', 'text', (c) => c.notNull())
    .addColumn('recipient_type', 'text', (c) => c.notNull())
    .addColumn('recipient_value', 'text', (c) => c.notNull())
    .addColumn('profile_id', 'text')
    .addColumn('address_kind', 'text')
    .addColumn('address', 'text')
    .addColumn('device_id', 'text')
    .addColumn('platform', 'text')
    .addColumn('event_params', t.json)
    .addColumn('consent_class', 'text', (c) => c.notNull())
    .addColumn('state', 'text', (c) => c.notNull())
    .addColumn('metric', 'text')
    .addColumn('reason', 'text')
    .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('provider', 'text')
    .addColumn('provider_message_id', 'text')
    .addColumn('provider_response', t.json)
    .addColumn('rendered', t.json)
    .addColumn('dimensions', t.json)
    .addColumn('parent_id', 'text')
    .addColumn('run_at', t.time, (c) => c.notNull())
    .addColumn('created_at', t.time, (c) => c.notNull())
    .addColumn('updated_at', t.time, (c) => c.notNull())
    .addColumn('sending_at', t.time)
    .addColumn('finished_at', t.time)
    .addColumn('delivered_at', t.time)
    .addColumn('opened_at', t.time)
    .addColumn('clicked_at', t.time)
    .addColumn('converted_at', t.time)
    .execute();
  await db.schema.createIndex('deliveries_key').unique().on('deliveries').columns(['project_id', 'idempotency_key']).execute();
  await db.schema.createIndex('deliveries_campaign').on('deliveries').columns(['project_id', 'campaign_id', 'created_at']).execute();
  await db.schema.createIndex('deliveries_profile').on('deliveries').columns(['project_id', 'profile_id', 'sending_at']).execute();
  await db.schema.createIndex('deliveries_address').on('deliveries').columns(['project_id', 'campaign_id', 'address']).execute();

  await db.schema
    .createTable('campaign_metrics')
    .addColumn('project_id', 'text', (c) => c.notNull())
    .addColumn('campaign_id', 'text', (c) => c.notNull())
    .addColumn('metric', 'text', (c) => c.notNull())
    .addColumn('day', 'text', (c) => c.notNull())
    .addColumn('dimension_key', 'text', (c) => c.notNull())
    .addColumn('dimension_value', 'text', (c) => c.notNull())
    .addColumn('count', t.bigint, (c) => c.notNull())
    .addColumn('updated_at', t.time, (c) => c.notNull())
    .addPrimaryKeyConstraint('campaign_metrics_pk', ['project_id', 'campaign_id', 'metric', 'day', 'dimension_key', 'dimension_value'])
    .execute();

  await db.schema
    .createTable('send_counters')
    .addColumn('project_id', 'text', (c) => c.notNull())
    .addColumn('channel', 'text', (c) => c.notNull())
    .addColumn('day', 'text', (c) => c.notNull())
    .addColumn('count', t.bigint, (c) => c.notNull())
    .addPrimaryKeyConstraint('send_counters_pk', ['project_id', 'channel', 'day'])
    .execute();

  await db.schema
    .createTable('tracking_keys')
    .addColumn('project_id', 'text', (c) => c.primaryKey())
    .addColumn('secret', 'text', (c) => c.notNull())
    .addColumn('created_at', t.time, (c) => c.notNull())
    .execute();
}
