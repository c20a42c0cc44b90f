import type { Kysely } from 'kysely';
import type { Db, Dialect } from '../../platform/db/store.ts';

/**
 * Every table that holds a project's data, by its `project_id` column (projects itself by `id`, last). A test
 * (test/faces/project-delete.test.ts) fails when a table with a `project_id` column is missing here, so a new table
 * cannot be forgotten by project deletion.
 */
export const PROJECT_TABLES = [
  // events and what was derived from them
  'events',
  'event_log', // SQLite only (the ingest log)
  'event_batches',
  'ingest_counts',
  'event_types',
  'properties',
  // people
  'identifiers',
  'profile_aliases',
  'devices',
  'consent_records',
  'consent_notices',
  'profiles',
  'audiences',
  'deletion_jobs',
  'deletion_audit',
  // messaging
  'deliveries',
  'delivery_results',
  'campaign_metrics',
  'send_counters',
  'sandbox_outbox',
  'campaigns',
  'tracking_keys',
  'idempotency_keys',
  'channel_configs',
  'messaging_settings',
  'messaging_sender_numbers',
  'messaging_kakao_channels',
  'alimtalk_templates',
  'blocklist_recipients',
  // the instance's view of it
  'jobs',
  'rejected_requests',
  'audit_log',
  'console_user_roles',
  'credentials',
] as const;

/** Tables only one dialect has. */
const ONLY_IN: Partial<Record<(typeof PROJECT_TABLES)[number], Dialect>> = { event_log: 'sqlite' };

/**
 * Erases a project and all its data inside the caller's write unit (all or nothing); returns rows deleted per table.
 * Queue jobs go with their outbox rows (a job already handed to Redis finds no row to claim and does nothing).
 */
export async function eraseProject(tx: Db, projectId: string, options: { dialect: Dialect }): Promise<Record<string, number>> {
  const { dialect } = options;
  const db = tx as unknown as Kysely<any>;
  const counts: Record<string, number> = {};
  const outbox = await db
    .deleteFrom('job_outbox')
    .where('job_id', 'in', db.selectFrom('jobs').select('id').where('project_id', '=', projectId))
    .executeTakeFirst();
  counts.job_outbox = Number(outbox.numDeletedRows);
  for (const table of PROJECT_TABLES) {
    const only = ONLY_IN[table];
    if (only !== undefined && only !== dialect) continue;
    const r = await db.deleteFrom(table).where('project_id', '=', projectId).executeTakeFirst();
    counts[table] = Number(r.numDeletedRows);
  }
  const p = await db.deleteFrom('projects').where('id', '=', projectId).executeTakeFirst();
  counts.projects = Number(p.numDeletedRows);
  return counts;
}
