import { sql } from 'kysely';
import type { Db } from '../../platform/db/store.ts';
import './channel-config.tables.ts';
import type { ChannelConfigRow } from './channel-config.tables.ts';

export async function findConfig(db: Db, projectId: string, channel: string): Promise<ChannelConfigRow | undefined> {
  return db.selectFrom('channel_configs').selectAll().where('project_id', '=', projectId).where('channel', '=', channel).executeTakeFirst();
}

export async function configsOf(db: Db, projectId: string): Promise<ChannelConfigRow[]> {
  return db.selectFrom('channel_configs').selectAll().where('project_id', '=', projectId).orderBy('channel').execute();
}

/** Every project's configs: what the provider cache of a process holds (no project id, by design). */
export async function allConfigs(db: Db): Promise<ChannelConfigRow[]> {
  return db.selectFrom('channel_configs').selectAll().execute();
}

export async function upsertConfig(db: Db, row: ChannelConfigRow): Promise<void> {
  await db
    .insertInto('channel_configs')
    .values(row)
    .onConflict((oc) =>
      oc.columns(['project_id', 'channel']).doUpdateSet({
        vendor: row.vendor,
        sealed_config: row.sealed_config,
        public_config: row.public_config,
        client_info: row.client_info,
        configured_at: row.configured_at,
      }),
    )
    .execute();
}

export async function deleteConfig(db: Db, projectId: string, channel: string): Promise<boolean> {
  const r = await db.deleteFrom('channel_configs').where('project_id', '=', projectId).where('channel', '=', channel).executeTakeFirst();
  return Number(r.numDeletedRows) > 0;
}

export async function generation(db: Db): Promise<number> {
  const row = await db.selectFrom('channel_config_state').select('generation').where('id', '=', 1).executeTakeFirst();
  return Number(row?.generation ?? 0);
}

export async function bumpGeneration(db: Db): Promise<void> {
  await db.updateTable('channel_config_state').set({ generation: sql<number>`generation + 1` }).where('id', '=', 1).execute();
}
