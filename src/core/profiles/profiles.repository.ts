import type { Db } from '../../platform/db/store.ts';
import type { ProfileRow } from '../../platform/db/schema.ts';

export interface StoredProfile {
  id: string;
  properties: Record<string, unknown>;
  /** When each property was last set (epoch ms): a merge keeps the newer value of each (D6). */
  propertyTimes: Record<string, number>;
  createdAt: number;
  updatedAt: number;
}

const toProfile = (r: ProfileRow): StoredProfile => ({
  id: r.id,
  properties: JSON.parse(r.properties),
  propertyTimes: JSON.parse(r.property_times),
  createdAt: r.created_at,
  updatedAt: r.updated_at,
});

/** Inserts an empty profile; returns false if the id is taken. */
export async function insertProfile(db: Db, projectId: string, id: string, now: number): Promise<boolean> {
  const r = await db
    .insertInto('profiles')
    .values({ project_id: projectId, id, properties: '{}', property_times: '{}', created_at: now, updated_at: now })
    .onConflict((oc) => oc.columns(['project_id', 'id']).doNothing())
    .executeTakeFirst();
  return Number(r.numInsertedOrUpdatedRows ?? 0n) > 0;
}

export async function findProfiles(db: Db, projectId: string, ids: string[]): Promise<StoredProfile[]> {
  if (ids.length === 0) return [];
  return (await db.selectFrom('profiles').selectAll().where('project_id', '=', projectId).where('id', 'in', ids).execute()).map(toProfile);
}

export async function findProfile(db: Db, projectId: string, id: string): Promise<StoredProfile | undefined> {
  const r = await db.selectFrom('profiles').selectAll().where('project_id', '=', projectId).where('id', '=', id).executeTakeFirst();
  return r && toProfile(r);
}

export async function saveProfile(db: Db, projectId: string, p: StoredProfile) {
  await db
    .updateTable('profiles')
    .set({
      properties: JSON.stringify(p.properties),
      property_times: JSON.stringify(p.propertyTimes),
      created_at: p.createdAt,
      updated_at: p.updatedAt,
    })
    .where('project_id', '=', projectId)
    .where('id', '=', p.id)
    .execute();
}

export async function deleteProfiles(db: Db, projectId: string, ids: string[]) {
  if (ids.length === 0) return;
  await db.deleteFrom('profiles').where('project_id', '=', projectId).where('id', 'in', ids).execute();
}
