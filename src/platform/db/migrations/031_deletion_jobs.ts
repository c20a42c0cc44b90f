import type { Kysely } from 'kysely';
import type { Dialect } from '../store.ts';
import { columnTypes } from '../migrator.ts';

/**
 * Deletion jobs (asynchronous removal of profiles) and their audit trail.
 * `pending_ids` holds the requested external ids only until the job finishes; `requested_digests` and the audit
 * keep no personal data (see src/core/deletion/deletion-jobs.service.ts).
 */
export async function up(db: Kysely<any>, dialect: Dialect): Promise<void> {
  const t = columnTypes(dialect);
  await db.schema
    .createTable('deletion_jobs')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('project_id', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('requested', 'integer', (c) => c.notNull())
    .addColumn('deleted', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('counts', t.json, (c) => c.notNull())
    .addColumn('requested_digests', t.json, (c) => c.notNull())
    .addColumn('pending_ids', t.json)
    .addColumn('error', 'text')
    .addColumn('queue_job_id', 'text')
    .addColumn('created_at', t.time, (c) => c.notNull())
    .addColumn('started_at', t.time)
    .addColumn('completed_at', t.time)
    .execute();
  await db.schema.createIndex('deletion_jobs_project').on('deletion_jobs').columns(['project_id', 'created_at']).execute();

  await db.schema
    .createTable('deletion_audit')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('project_id', 'text', (c) => c.notNull())
    .addColumn('job_id', 'text', (c) => c.notNull())
    .addColumn('outcome', 'text', (c) => c.notNull())
    .addColumn('requested', 'integer', (c) => c.notNull())
    .addColumn('deleted', 'integer', (c) => c.notNull())
    .addColumn('counts', t.json, (c) => c.notNull())
    .addColumn('at', t.time, (c) => c.notNull())
    .execute();
  await db.schema.createIndex('deletion_audit_project').on('deletion_audit').columns(['project_id', 'at']).execute();
}
