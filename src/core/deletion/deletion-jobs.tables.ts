/** Row types of deletion jobs and their audit (migration 031_deletion_jobs). Neither keeps personal data once a job has finished. */
export interface DeletionJobRow {
  id: string;
  project_id: string;
  /** pending | running | completed | failed */
  status: string;
  /** Distinct external ids requested. */
  requested: number;
  /** Profiles deleted. */
  deleted: number;
  /** JSON: rows removed per kind ({profiles, identifiers, devices, events, aliases, ...}). */
  counts: string;
  /** JSON: SHA-256 of `${job id}:${external id}` per requested id — proves what was asked without keeping it. */
  requested_digests: string;
  /** JSON: the raw external ids, only while the job has not finished; NULL afterwards. */
  pending_ids: string | null;
  error: string | null;
  /** The queue job that runs it (to notice a job the queue gave up on without running its handler). */
  queue_job_id: string | null;
  created_at: number;
  started_at: number | null;
  completed_at: number | null;
}

/** What a finished deletion leaves behind: no ids, no values. */
export interface DeletionAuditRow {
  id: string;
  project_id: string;
  job_id: string;
  /** completed | failed */
  outcome: string;
  requested: number;
  deleted: number;
  counts: string;
  at: number;
}

declare module '../../platform/db/schema.ts' {
  interface Database {
    deletion_jobs: DeletionJobRow;
    deletion_audit: DeletionAuditRow;
  }
}
