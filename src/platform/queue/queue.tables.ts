export interface JobRow {
  id: string;
  queue: string;
  key: string | null;
  project_id: string | null;
  payload: string;
  state: string;
  attempts: number;
  max_attempts: number;
  run_at: number;
  locked_until: number | null;
  /** The queue instance (process) holding the lease of a running job (migration 085). */
  lease_owner: string | null;
  last_error: string | null;
  created_at: number;
  updated_at: number;
}

declare module '../db/schema.ts' {
  interface Database {
    jobs: JobRow;
  }
}
