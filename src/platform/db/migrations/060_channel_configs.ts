import type { Kysely } from 'kysely';
import type { Dialect } from '../store.ts';
import { columnTypes } from '../migrator.ts';

/**
 * Per-project channel provider configuration (src/core/channel-config): one row per project and channel with the
 * vendor, the whole config sealed with secret-box (MARU_SECRET_KEY), and the non-secret part in plain text for the
 * admin API. `channel_config_state.generation` changes with every write, so other processes notice a change with
 * one cheap read. Row types: src/core/channel-config/channel-config.tables.ts.
 */
export async function up(db: Kysely<any>, dialect: Dialect): Promise<void> {
  const t = columnTypes(dialect);
  await db.schema
    .createTable('channel_configs')
    .addColumn('project_id', 'text', (c) => c.notNull())
    .addColumn('channel', 'text', (c) => c.notNull())
    .addColumn('vendor', 'text', (c) => c.notNull())
    .addColumn('sealed_config', 'text', (c) => c.notNull())
    .addColumn('public_config', t.json, (c) => c.notNull())
    .addColumn('client_info', t.json)
    .addColumn('configured_at', t.time, (c) => c.notNull())
    .addPrimaryKeyConstraint('channel_configs_pk', ['project_id', 'channel'])
    .execute();
  await db.schema
    .createTable('channel_config_state')
    .addColumn('id', 'integer', (c) => c.primaryKey())
    .addColumn('generation', t.bigint, (c) => c.notNull())
    .execute();
  await db.insertInto('channel_config_state').values({ id: 1, generation: 0 }).execute();
}
