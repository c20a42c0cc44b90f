import type { Db } from '../../platform/db/store.ts';
import './event-batches.tables.ts';
import type { EventBatchRow } from './event-batches.tables.ts';

export async function insertBatch(db: Db, row: EventBatchRow): Promise<void> {
  await db.insertInto('event_batches').values(row).execute();
}

export async function findBatch(db: Db, projectId: string, id: string): Promise<EventBatchRow | undefined> {
  return db.selectFrom('event_batches').selectAll().where('project_id', '=', projectId).where('id', '=', id).executeTakeFirst();
}

export async function deleteBatch(db: Db, projectId: string, id: string): Promise<void> {
  await db.deleteFrom('event_batches').where('project_id', '=', projectId).where('id', '=', id).execute();
}

/** Ids of a project's batches accepted at or before `receivedUpTo`, oldest first. */
export async function pendingBatchIds(db: Db, projectId: string, receivedUpTo: number): Promise<string[]> {
  const rows = await db
    .selectFrom('event_batches')
    .select('id')
    .where('project_id', '=', projectId)
    .where('received_at', '<=', receivedUpTo)
    .orderBy('received_at')
    .orderBy('id')
    .execute();
  return rows.map((r) => r.id);
}

/** Replaces what a batch still holds (its events that could not be stored). */
export async function updateBatchEvents(db: Db, projectId: string, id: string, events: string, count: number): Promise<void> {
  await db.updateTable('event_batches').set({ events, count }).where('project_id', '=', projectId).where('id', '=', id).execute();
}

/** Batches accepted and not yet stored, of every project (the backlog bound). */
export async function countAll(db: Db): Promise<number> {
  const r = await db
    .selectFrom('event_batches')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .executeTakeFirst();
  return Number(r?.n ?? 0);
}
