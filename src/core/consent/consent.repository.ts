import type { Db } from '../../platform/db/store.ts';
import './consent.tables.ts';
import type { ConsentNoticeRow, ConsentRecordRow } from './consent.tables.ts';
import type { ConsentRecord, ConsentSource } from './consent.types.ts';

const toRecord = (r: ConsentRecordRow): ConsentRecord => ({
  id: r.id,
  profileId: r.profile_id,
  property: r.property,
  channel: r.channel as ConsentRecord['channel'],
  kind: r.kind as ConsentRecord['kind'],
  value: r.value === null ? null : r.value === 1,
  source: r.source as ConsentSource,
  at: r.at,
});

export async function insertRecords(db: Db, projectId: string, records: ConsentRecord[]): Promise<void> {
  if (records.length === 0) return;
  await db
    .insertInto('consent_records')
    .values(
      records.map((r) => ({
        project_id: projectId,
        id: r.id,
        profile_id: r.profileId,
        property: r.property,
        channel: r.channel,
        kind: r.kind,
        value: r.value === null ? null : r.value ? 1 : 0,
        source: r.source,
        at: r.at,
      })),
    )
    .execute();
}

/** A profile's records, newest first; `before`: records recorded before this id (the previous page's last). */
export async function listForProfile(db: Db, projectId: string, profileIds: string[], opts: { limit: number; before?: string }): Promise<ConsentRecord[]> {
  if (profileIds.length === 0) return [];
  let q = db.selectFrom('consent_records').selectAll().where('project_id', '=', projectId).where('profile_id', 'in', profileIds);
  if (opts.before !== undefined) q = q.where('id', '<', opts.before);
  return (await q.orderBy('id', 'desc').limit(opts.limit).execute()).map(toRecord);
}

/** Records of the project in recording order, after `after` (an id), for exports and the notice job. */
export async function listAfter(
  db: Db,
  projectId: string,
  opts: { after?: string; limit: number; since?: number; profileId?: string },
): Promise<ConsentRecord[]> {
  let q = db.selectFrom('consent_records').selectAll().where('project_id', '=', projectId);
  if (opts.after !== undefined) q = q.where('id', '>', opts.after);
  if (opts.since !== undefined) q = q.where('at', '>=', opts.since);
  if (opts.profileId !== undefined) q = q.where('profile_id', '=', opts.profileId);
  return (await q.orderBy('id').limit(opts.limit).execute()).map(toRecord);
}

/** The latest record of each (profile, property) of the project whose value is true and recorded at or before `until`. */
export async function currentConsents(db: Db, projectId: string, opts: { until: number; after?: string; limit: number }): Promise<ConsentRecord[]> {
  let q = db
    .selectFrom('consent_records as r')
    .selectAll('r')
    .where('r.project_id', '=', projectId)
    .where('r.value', '=', 1)
    .where('r.at', '<=', opts.until)
    .where(({ not, exists, selectFrom }) =>
      not(
        exists(
          selectFrom('consent_records as n')
            .select('n.id')
            .whereRef('n.project_id', '=', 'r.project_id')
            .whereRef('n.profile_id', '=', 'r.profile_id')
            .whereRef('n.property', '=', 'r.property')
            .whereRef('n.id', '>', 'r.id'),
        ),
      ),
    );
  if (opts.after !== undefined) q = q.where('r.id', '>', opts.after);
  return (await q.orderBy('r.id').limit(opts.limit).execute()).map(toRecord);
}

export async function findNotice(db: Db, projectId: string, recordId: string, kind: string, period: number): Promise<ConsentNoticeRow | undefined> {
  return db
    .selectFrom('consent_notices')
    .selectAll()
    .where('project_id', '=', projectId)
    .where('record_id', '=', recordId)
    .where('kind', '=', kind)
    .where('period', '=', period)
    .executeTakeFirst();
}

export async function insertNotice(db: Db, row: ConsentNoticeRow): Promise<void> {
  await db
    .insertInto('consent_notices')
    .values(row)
    .onConflict((oc) => oc.columns(['project_id', 'record_id', 'kind', 'period']).doNothing())
    .execute();
}

/** Erases the records and notices of profiles (D5 deletion). */
export async function eraseForProfiles(db: Db, projectId: string, profileIds: string[]): Promise<number> {
  if (profileIds.length === 0) return 0;
  const ids = (await db.selectFrom('consent_records').select('id').where('project_id', '=', projectId).where('profile_id', 'in', profileIds).execute()).map(
    (r) => r.id,
  );
  if (ids.length === 0) return 0;
  for (let i = 0; i < ids.length; i += 500) {
    const chunk = ids.slice(i, i + 500);
    await db.deleteFrom('consent_notices').where('project_id', '=', projectId).where('record_id', 'in', chunk).execute();
    await db.deleteFrom('consent_records').where('project_id', '=', projectId).where('id', 'in', chunk).execute();
  }
  return ids.length;
}
