import type { Db } from '../../platform/db/store.ts';
import type { ConsoleSessionRow, ConsoleUserRow } from './accounts.tables.ts';

export const findUserByEmail = (db: Db, email: string) => db.selectFrom('console_users').selectAll().where('email', '=', email).executeTakeFirst();

export const findUser = (db: Db, id: string) => db.selectFrom('console_users').selectAll().where('id', '=', id).executeTakeFirst();

export async function anyUser(db: Db): Promise<boolean> {
  return (await db.selectFrom('console_users').select('id').limit(1).executeTakeFirst()) !== undefined;
}

export async function insertUser(db: Db, row: ConsoleUserRow) {
  await db.insertInto('console_users').values(row).execute();
}

export async function updateUser(db: Db, id: string, patch: Partial<Pick<ConsoleUserRow, 'password_hash' | 'name' | 'instance_owner' | 'updated_at'>>) {
  await db.updateTable('console_users').set(patch).where('id', '=', id).execute();
}

export async function deleteUser(db: Db, id: string) {
  await db.deleteFrom('console_user_roles').where('user_id', '=', id).execute();
  await db.deleteFrom('console_sessions').where('user_id', '=', id).execute();
  await db.deleteFrom('console_users').where('id', '=', id).execute();
}

/** Users ordered by id (keyset pages: `after` is the last id of the previous page). */
export function listUsers(db: Db, page: { after?: string; limit: number; projectIds?: string[] }) {
  let q = db.selectFrom('console_users').selectAll();
  if (page.projectIds) {
    const ids = page.projectIds;
    q = q.where((eb) =>
      eb.or([
        eb.exists(
          eb
            .selectFrom('console_user_roles')
            .select('user_id')
            .whereRef('console_user_roles.user_id', '=', 'console_users.id')
            .where('project_id', 'in', ids.length ? ids : ['']),
        ),
      ]),
    );
  }
  if (page.after !== undefined) q = q.where('id', '>', page.after);
  return q.orderBy('id').limit(page.limit).execute();
}

export const rolesOf = (db: Db, userIds: string[]) =>
  userIds.length === 0
    ? Promise.resolve([])
    : db.selectFrom('console_user_roles').select(['user_id', 'project_id', 'role']).where('user_id', 'in', userIds).orderBy('project_id').execute();

export async function setRole(db: Db, row: { user_id: string; project_id: string; role: string; created_at: number }) {
  await db
    .insertInto('console_user_roles')
    .values(row)
    .onConflict((oc) => oc.columns(['user_id', 'project_id']).doUpdateSet({ role: row.role }))
    .execute();
}

export async function removeRole(db: Db, userId: string, projectId: string) {
  await db.deleteFrom('console_user_roles').where('user_id', '=', userId).where('project_id', '=', projectId).execute();
}

export async function countInstanceOwners(db: Db): Promise<number> {
  const r = await db
    .selectFrom('console_users')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('instance_owner', '=', 1)
    .executeTakeFirstOrThrow();
  return Number(r.n);
}

export async function insertSession(db: Db, row: ConsoleSessionRow) {
  await db.insertInto('console_sessions').values(row).execute();
}

export const findSession = (db: Db, digest: string) => db.selectFrom('console_sessions').selectAll().where('id_digest', '=', digest).executeTakeFirst();

export async function touchSession(db: Db, digest: string, at: number) {
  await db.updateTable('console_sessions').set({ last_seen_at: at }).where('id_digest', '=', digest).execute();
}

export async function deleteSession(db: Db, digest: string) {
  await db.deleteFrom('console_sessions').where('id_digest', '=', digest).execute();
}

export async function deleteSessionsOf(db: Db, userId: string, except?: string) {
  let q = db.deleteFrom('console_sessions').where('user_id', '=', userId);
  if (except) q = q.where('id_digest', '!=', except);
  await q.execute();
}

/** Removes sessions past their absolute expiry or idle since `idleBefore`. */
export async function deleteExpiredSessions(db: Db, now: number, idleBefore: number) {
  await db
    .deleteFrom('console_sessions')
    .where((eb) => eb.or([eb('expires_at', '<=', now), eb('last_seen_at', '<=', idleBefore)]))
    .execute();
}

export async function insertSetupToken(db: Db, digest: string, at: number) {
  await db.insertInto('console_setup_tokens').values({ digest, created_at: at }).execute();
}

export const findSetupToken = (db: Db, digest: string) => db.selectFrom('console_setup_tokens').selectAll().where('digest', '=', digest).executeTakeFirst();

export async function deleteSetupTokens(db: Db) {
  await db.deleteFrom('console_setup_tokens').execute();
}
