import type { Db } from '../../platform/db/store.ts';

const n = (r: { numDeletedRows?: bigint } | undefined) => Number(r?.numDeletedRows ?? 0n);

/** Every id a profile was known by: itself and the ids it absorbed. */
export async function idsWithAliases(db: Db, projectId: string, profileIds: string[]): Promise<string[]> {
  if (profileIds.length === 0) return [];
  const aliases = await db.selectFrom('profile_aliases').select('alias_id').where('project_id', '=', projectId).where('profile_id', 'in', profileIds).execute();
  return [...profileIds, ...aliases.map((a) => a.alias_id)];
}

/** Deletes the core's rows of these profiles; `allIds` includes absorbed aliases. Returns counts per kind. */
export async function eraseCoreRows(db: Db, projectId: string, profileIds: string[], allIds: string[]) {
  const counts = { profiles: 0, identifiers: 0, devices: 0, events: 0, aliases: 0 };
  for (let i = 0; i < allIds.length; i += 500) {
    const chunk = allIds.slice(i, i + 500);
    counts.events += n(await db.deleteFrom('events').where('project_id', '=', projectId).where('profile_id', 'in', chunk).executeTakeFirst());
    counts.aliases += n(await db.deleteFrom('profile_aliases').where('project_id', '=', projectId).where('alias_id', 'in', chunk).executeTakeFirst());
  }
  for (let i = 0; i < profileIds.length; i += 500) {
    const chunk = profileIds.slice(i, i + 500);
    counts.identifiers += n(await db.deleteFrom('identifiers').where('project_id', '=', projectId).where('profile_id', 'in', chunk).executeTakeFirst());
    counts.devices += n(await db.deleteFrom('devices').where('project_id', '=', projectId).where('profile_id', 'in', chunk).executeTakeFirst());
    counts.profiles += n(await db.deleteFrom('profiles').where('project_id', '=', projectId).where('id', 'in', chunk).executeTakeFirst());
  }
  return counts;
}
