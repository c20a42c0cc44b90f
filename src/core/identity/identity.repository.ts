import { sql } from 'kysely';
import type { Db } from '../../platform/db/store.ts';
import type { Identifier, IdentifierType } from './identifiers.ts';

export interface OwnedIdentifier {
  type: IdentifierType;
  value: string;
  profile_id: string;
}

export async function findOwners(db: Db, projectId: string, ids: { type: string; value: string }[]): Promise<OwnedIdentifier[]> {
  if (ids.length === 0) return [];
  return (await db
    .selectFrom('identifiers')
    .select(['type', 'value', 'profile_id'])
    .where('project_id', '=', projectId)
    .where((eb) => eb.or(ids.map((id) => eb.and([eb('type', '=', id.type), eb('value', '=', id.value)]))))
    .execute()) as OwnedIdentifier[];
}

export async function identifiersOf(db: Db, projectId: string, profileIds: string[]): Promise<OwnedIdentifier[]> {
  if (profileIds.length === 0) return [];
  return (await db
    .selectFrom('identifiers')
    .select(['type', 'value', 'profile_id'])
    .where('project_id', '=', projectId)
    .where('profile_id', 'in', profileIds)
    .execute()) as OwnedIdentifier[];
}

export async function insertIdentifiers(db: Db, projectId: string, profileId: string, ids: Identifier[], now: number) {
  if (ids.length === 0) return;
  await db
    .insertInto('identifiers')
    .values(ids.map((id) => ({ project_id: projectId, type: id.type, value: id.value, raw: id.raw, profile_id: profileId, created_at: now })))
    .execute();
}

export async function moveIdentifiers(db: Db, projectId: string, toProfile: string, ids: { type: string; value: string }[]) {
  for (const id of ids) {
    await db
      .updateTable('identifiers')
      .set({ profile_id: toProfile })
      .where('project_id', '=', projectId)
      .where('type', '=', id.type)
      .where('value', '=', id.value)
      .execute();
  }
}

/** Re-points everything that belongs to `from` at `to` (identifiers, devices, aliases) and records `from` as an alias. */
export async function absorbProfile(db: Db, projectId: string, from: string, to: string, now: number) {
  await db.updateTable('identifiers').set({ profile_id: to }).where('project_id', '=', projectId).where('profile_id', '=', from).execute();
  await db.updateTable('devices').set({ profile_id: to }).where('project_id', '=', projectId).where('profile_id', '=', from).execute();
  await db.updateTable('profile_aliases').set({ profile_id: to }).where('project_id', '=', projectId).where('profile_id', '=', from).execute();
  await db
    .insertInto('profile_aliases')
    .values({ project_id: projectId, alias_id: from, profile_id: to, merged_at: now })
    .onConflict((oc) => oc.columns(['project_id', 'alias_id']).doUpdateSet({ profile_id: to, merged_at: now }))
    .execute();
}

/** The live profile an id stands for: itself, or the profile that absorbed it. */
export async function resolveAlias(db: Db, projectId: string, id: string): Promise<string> {
  const row = await db.selectFrom('profile_aliases').select('profile_id').where('project_id', '=', projectId).where('alias_id', '=', id).executeTakeFirst();
  return row?.profile_id ?? id;
}

export const aliasesOf = async (db: Db, projectId: string, profileId: string): Promise<string[]> =>
  (await db.selectFrom('profile_aliases').select('alias_id').where('project_id', '=', projectId).where('profile_id', '=', profileId).execute()).map(
    (r) => r.alias_id,
  );

void sql;
