import type { Db } from '../../platform/db/store.ts';
import './session-tokens.tables.ts';

export async function findServerSecret(db: Db, name: string): Promise<string | undefined> {
  const row = await db.selectFrom('server_secrets').select('value').where('name', '=', name).executeTakeFirst();
  return row?.value;
}

/** Stores a server secret unless one of that name exists (first writer wins across processes). */
export async function insertServerSecretIfAbsent(db: Db, row: { name: string; value: string; created_at: number }): Promise<void> {
  await db
    .insertInto('server_secrets')
    .values(row)
    .onConflict((oc) => oc.column('name').doNothing())
    .execute();
}
