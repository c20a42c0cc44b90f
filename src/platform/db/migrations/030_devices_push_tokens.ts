import type { Kysely } from 'kysely';
import type { Dialect } from '../store.ts';

/** Devices are looked up by push token when a provider reports it unregistered, or when a token moves to another device. */
export async function up(db: Kysely<any>, _dialect: Dialect): Promise<void> {
  await db.schema.createIndex('devices_push_token').on('devices').columns(['project_id', 'push_token']).execute();
}
