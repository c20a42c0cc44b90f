import type { Db } from '../../platform/db/store.ts';
import type { EventRow } from '../../platform/db/schema.ts';

export type NewEventRow = Omit<EventRow, 'seq'>;

/**
 * Inserts events, skipping any whose (project, occurred_at, key) is already stored.
 * Returns how many rows were new.
 */
export async function insertEvents(db: Db, rows: NewEventRow[]): Promise<number> {
  let inserted = 0;
  for (let i = 0; i < rows.length; i += 500) {
    const r = await db
      .insertInto('events')
      .values(rows.slice(i, i + 500))
      .onConflict((oc) => oc.columns(['project_id', 'occurred_at', 'event_key']).doNothing())
      .executeTakeFirst();
    inserted += Number(r.numInsertedOrUpdatedRows ?? 0n);
  }
  return inserted;
}

export async function countEvents(db: Db, projectId: string): Promise<number> {
  const r = await db.selectFrom('events').select((eb) => eb.fn.countAll<number>().as('n')).where('project_id', '=', projectId).executeTakeFirstOrThrow();
  return Number(r.n);
}
