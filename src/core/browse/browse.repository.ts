import type { Db, Dialect } from '../../platform/db/store.ts';
import { jsonSql } from '../../platform/db/json-sql.ts';

/**
 * Read-only queries behind the console's pages. Every list is keyset-paged on indexed columns: events on
 * (project_id, occurred_at, event_key) (index events_dedupe), profiles on their primary key (project_id, id).
 */

export async function countEvents(db: Db, projectId: string, from: number, to: number, name?: string): Promise<number> {
  let q = db
    .selectFrom('events')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('project_id', '=', projectId)
    .where('occurred_at', '>=', from)
    .where('occurred_at', '<', to);
  if (name) q = q.where('name', '=', name);
  return Number((await q.executeTakeFirstOrThrow()).n);
}

export async function lastEvent(db: Db, projectId: string) {
  return db
    .selectFrom('events')
    .select(['occurred_at', 'received_at', 'name'])
    .where('project_id', '=', projectId)
    .orderBy('occurred_at', 'desc')
    .limit(1)
    .executeTakeFirst();
}

export async function countProfiles(db: Db, projectId: string): Promise<number> {
  return Number(
    (
      await db
        .selectFrom('profiles')
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .where('project_id', '=', projectId)
        .executeTakeFirstOrThrow()
    ).n,
  );
}

export async function countSent(db: Db, projectId: string, from: number, to: number): Promise<number> {
  const r = await db
    .selectFrom('deliveries')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('project_id', '=', projectId)
    .where('sending_at', '>=', from)
    .where('sending_at', '<', to)
    .where('state', 'in', ['sent', 'delivered'])
    .executeTakeFirstOrThrow();
  return Number(r.n);
}

export interface EventPosition {
  occurredAt: number;
  eventKey: string;
}

/** Newest first; `after` is the last row of the previous page. */
export function listEvents(
  db: Db,
  projectId: string,
  f: { name?: string; from?: number; to?: number; profileIds?: string[]; after?: EventPosition; limit: number },
) {
  let q = db
    .selectFrom('events')
    .select(['occurred_at', 'event_key', 'name', 'received_at', 'profile_id', 'properties', 'items', 'source'])
    .where('project_id', '=', projectId);
  if (f.name) q = q.where('name', '=', f.name);
  if (f.from !== undefined) q = q.where('occurred_at', '>=', f.from);
  if (f.to !== undefined) q = q.where('occurred_at', '<', f.to);
  if (f.profileIds) q = q.where('profile_id', 'in', f.profileIds.length ? f.profileIds : ['']);
  const after = f.after;
  if (after)
    q = q.where((eb) =>
      eb.or([eb('occurred_at', '<', after.occurredAt), eb.and([eb('occurred_at', '=', after.occurredAt), eb('event_key', '<', after.eventKey)])]),
    );
  return q.orderBy('occurred_at', 'desc').orderBy('event_key', 'desc').limit(f.limit).execute();
}

/** Profiles by id order; with `property`, only those whose property equals `value` (text comparison). */
export function listProfiles(db: Db, dialect: Dialect, projectId: string, f: { after?: string; limit: number; property?: string; value?: string }) {
  let q = db.selectFrom('profiles').selectAll().where('project_id', '=', projectId);
  if (f.property !== undefined) {
    const json = jsonSql(dialect);
    const key = f.property;
    const value = f.value ?? '';
    q = q.where((eb) => eb.or([eb(json.text(eb.ref('properties'), key), '=', value), json.arrayContains(eb.ref('properties'), key, value)]));
  }
  if (f.after !== undefined) q = q.where('id', '>', f.after);
  return q.orderBy('id').limit(f.limit).execute();
}

export function identifiersMatching(db: Db, projectId: string, ids: { type: string; value: string }[]) {
  if (ids.length === 0) return Promise.resolve([]);
  return db
    .selectFrom('identifiers')
    .select(['type', 'value', 'profile_id'])
    .where('project_id', '=', projectId)
    .where((eb) => eb.or(ids.map((i) => eb.and([eb('type', '=', i.type), eb('value', '=', i.value)]))))
    .execute();
}

export function identifiersOf(db: Db, projectId: string, profileId: string) {
  return db
    .selectFrom('identifiers')
    .select(['type', 'value', 'raw', 'created_at'])
    .where('project_id', '=', projectId)
    .where('profile_id', '=', profileId)
    .orderBy('type')
    .orderBy('created_at')
    .execute();
}

export function mergedInto(db: Db, projectId: string, profileId: string) {
  return db
    .selectFrom('profile_aliases')
    .select(['alias_id', 'merged_at'])
    .where('project_id', '=', projectId)
    .where('profile_id', '=', profileId)
    .orderBy('alias_id')
    .limit(500)
    .execute();
}

export function devicesOf(db: Db, projectId: string, profileId: string) {
  return db
    .selectFrom('devices')
    .selectAll()
    .where('project_id', '=', projectId)
    .where('profile_id', '=', profileId)
    .orderBy('updated_at', 'desc')
    .limit(100)
    .execute();
}

export function messagesTo(db: Db, projectId: string, profileId: string, limit: number) {
  return db
    .selectFrom('deliveries')
    .select([
      'id',
      'campaign_id',
      'channel',
      'state',
      'metric',
      'reason',
      'address_kind',
      'created_at',
      'sending_at',
      'finished_at',
      'delivered_at',
      'opened_at',
      'clicked_at',
    ])
    .where('project_id', '=', projectId)
    .where('profile_id', '=', profileId)
    .orderBy('sending_at', 'desc')
    .limit(limit)
    .execute();
}

export function profilesByIds(db: Db, projectId: string, ids: string[], limit: number) {
  if (ids.length === 0) return Promise.resolve([]);
  return db.selectFrom('profiles').selectAll().where('project_id', '=', projectId).where('id', 'in', ids).orderBy('id').limit(limit).execute();
}
