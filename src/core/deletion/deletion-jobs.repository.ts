import type { Db } from '../../platform/db/store.ts';
import './deletion-jobs.tables.ts';
import type { DeletionAuditRow, DeletionJobRow } from './deletion-jobs.tables.ts';

export async function insertJob(db: Db, row: DeletionJobRow): Promise<void> {
  await db.insertInto('deletion_jobs').values(row).execute();
}

export async function findJob(db: Db, projectId: string, id: string): Promise<DeletionJobRow | undefined> {
  return db.selectFrom('deletion_jobs').selectAll().where('project_id', '=', projectId).where('id', '=', id).executeTakeFirst();
}

export async function markRunning(db: Db, projectId: string, id: string, now: number): Promise<void> {
  await db
    .updateTable('deletion_jobs')
    .set({ status: 'running', started_at: now })
    .where('project_id', '=', projectId)
    .where('id', '=', id)
    // failed: an operator retried its queue job (the dead-letter list)
    .where('status', 'in', ['pending', 'failed'])
    .execute();
}

/** Records the outcome of an unfinished job and forgets the raw ids; returns false when it had already finished. */
export async function finishJob(
  db: Db,
  projectId: string,
  id: string,
  outcome: { status: 'completed' | 'failed'; deleted: number; counts: Record<string, number>; error: string | null; at: number },
): Promise<boolean> {
  const r = await db
    .updateTable('deletion_jobs')
    .set({
      status: outcome.status,
      deleted: outcome.deleted,
      counts: JSON.stringify(outcome.counts),
      error: outcome.error,
      // A failed job keeps the ids it still has to delete, so an operator can retry it; a completed one forgets them.
      ...(outcome.status === 'completed' ? { pending_ids: null } : {}),
      completed_at: outcome.at,
    })
    .where('project_id', '=', projectId)
    .where('id', '=', id)
    .where('status', 'in', outcome.status === 'completed' ? ['pending', 'running', 'failed'] : ['pending', 'running'])
    .executeTakeFirst();
  return Number(r.numUpdatedRows ?? 0n) > 0;
}

export async function insertAudit(db: Db, row: DeletionAuditRow): Promise<void> {
  await db.insertInto('deletion_audit').values(row).execute();
}

export async function auditOf(db: Db, projectId: string, jobId: string): Promise<DeletionAuditRow[]> {
  return db.selectFrom('deletion_audit').selectAll().where('project_id', '=', projectId).where('job_id', '=', jobId).execute();
}

export async function setQueueJob(db: Db, projectId: string, id: string, queueJobId: string): Promise<void> {
  await db.updateTable('deletion_jobs').set({ queue_job_id: queueJobId }).where('project_id', '=', projectId).where('id', '=', id).execute();
}
