import { sql, type Compilable, type RawBuilder, type SqlBool } from 'kysely';
import type { Db } from '../../platform/db/store.ts';
import type { EventExportRow, ProfileExportRow } from './export-columns.ts';
import type { NameFilter } from './export.types.ts';

/** An audience as a condition on a `profiles` row under a table alias (AudiencesService.filter). */
export type ProfileCondition = (alias: string) => RawBuilder<SqlBool>;

/**
 * The events of a project in [fromMs, toMs), in time order (the events_dedupe index order, so an unfiltered export
 * needs no sort). Each event is attributed to its surviving profile: events keep the id they were stored under, and a
 * merge records absorbed ids in profile_aliases (D6), so the id shown is COALESCE(alias target, stored id).
 */
export function eventsQuery(
  db: Db,
  input: { projectId: string; fromMs: number; toMs: number; events?: NameFilter; audience?: ProfileCondition },
): Compilable<EventExportRow> {
  const survivor = sql<string>`COALESCE(a.profile_id, e.profile_id)`;
  let q = db
    .selectFrom('events as e')
    .leftJoin('profile_aliases as a', (j) => j.onRef('a.project_id', '=', 'e.project_id').onRef('a.alias_id', '=', 'e.profile_id'))
    .select(['e.event_key', 'e.name', 'e.occurred_at', 'e.received_at', survivor.as('profile_id'), 'e.properties', 'e.items', 'e.source'])
    .where('e.project_id', '=', input.projectId)
    .where('e.occurred_at', '>=', input.fromMs)
    .where('e.occurred_at', '<', input.toMs);
  const f = input.events;
  if (f && f.condition !== 'all' && f.names.length > 0) q = q.where('e.name', f.condition === 'include' ? 'in' : 'not in', f.names);
  if (input.audience) {
    const match = input.audience('ap');
    q = q.where(sql<SqlBool>`${survivor} IN (SELECT ap.id FROM profiles ap WHERE ap.project_id = ${input.projectId} AND ${match})`);
  }
  return q.orderBy('e.occurred_at').orderBy('e.event_key') as unknown as Compilable<EventExportRow>;
}

/** The live profiles of a project (absorbed ones no longer exist), in id order. */
export function profilesQuery(db: Db, input: { projectId: string; audience?: ProfileCondition }): Compilable<ProfileExportRow> {
  let q = db.selectFrom('profiles as ap').select(['ap.id', 'ap.properties']).where('ap.project_id', '=', input.projectId);
  if (input.audience) q = q.where(input.audience('ap'));
  return q.orderBy('ap.id') as unknown as Compilable<ProfileExportRow>;
}
