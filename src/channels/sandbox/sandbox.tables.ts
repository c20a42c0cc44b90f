/** Row type of the sandbox outbox (migration 051). */
export interface SandboxOutboxRow {
  project_id: string;
  idempotency_key: string;
  id: string;
  campaign_id: string | null;
  channel: string;
  recipient: string;
  message: string;
  state: string;
  calls: number;
  last_error: string | null;
  created_at: number;
  updated_at: number;
}

declare module '../../platform/db/schema.ts' {
  interface Database {
    sandbox_outbox: SandboxOutboxRow;
  }
}
