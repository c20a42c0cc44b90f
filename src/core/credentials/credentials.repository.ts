import type { Db } from '../../platform/db/store.ts';
import type { CredentialRow } from '../../platform/db/schema.ts';

export const findByDigest = (db: Db, digest: string) => db.selectFrom('credentials').selectAll().where('digest', '=', digest).executeTakeFirst();

export async function insertCredential(db: Db, row: CredentialRow) {
  await db.insertInto('credentials').values(row).execute();
}

/** Sets an expiry on the project's current credentials of a kind (keeping an earlier expiry). */
export async function expireCredentials(db: Db, projectId: string | null, kind: string, expiresAt: number) {
  let q = db
    .updateTable('credentials')
    .set({ expires_at: expiresAt })
    .where('kind', '=', kind)
    .where((eb) => eb.or([eb('expires_at', 'is', null), eb('expires_at', '>', expiresAt)]));
  q = projectId === null ? q.where('project_id', 'is', null) : q.where('project_id', '=', projectId);
  await q.execute();
}

export const listCredentials = (db: Db, projectId: string) =>
  db.selectFrom('credentials').select(['id', 'kind', 'prefix', 'created_at', 'expires_at']).where('project_id', '=', projectId).orderBy('created_at').execute();
