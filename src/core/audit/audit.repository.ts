import type { Db } from '../../platform/db/store.ts';
import type { AuditLogRow, RejectedRequestRow } from './audit.tables.ts';
import type { Insertable } from 'kysely';

export async function insertEntry(db: Db, row: Insertable<AuditLogRow>) {
  await db.insertInto('audit_log').values(row).execute();
}

/** Newest first, keyset-paged on the primary key (index audit_log_project). */
export function listEntries(db: Db, projectId: string | null, page: { before?: number; limit: number }) {
  let q = db.selectFrom('audit_log').selectAll();
  q = projectId === null ? q.where('project_id', 'is', null) : q.where('project_id', '=', projectId);
  if (page.before !== undefined) q = q.where('id', '<', page.before);
  return q.orderBy('id', 'desc').limit(page.limit).execute();
}

export async function insertRejected(db: Db, row: Insertable<RejectedRequestRow>) {
  await db.insertInto('rejected_requests').values(row).execute();
}

/** Keeps the newest `keep` rows of a project. */
export async function pruneRejected(db: Db, projectId: string, keep: number) {
  const cut = await db
    .selectFrom('rejected_requests')
    .select('id')
    .where('project_id', '=', projectId)
    .orderBy('id', 'desc')
    .offset(keep)
    .limit(1)
    .executeTakeFirst();
  if (cut) await db.deleteFrom('rejected_requests').where('project_id', '=', projectId).where('id', '<=', cut.id).execute();
}

export function listRejected(db: Db, projectId: string, page: { before?: number; limit: number }) {
  let q = db.selectFrom('rejected_requests').selectAll().where('project_id', '=', projectId);
  if (page.before !== undefined) q = q.where('id', '<', page.before);
  return q.orderBy('id', 'desc').limit(page.limit).execute();
}
