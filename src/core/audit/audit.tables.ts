import type { Generated } from 'kysely';

/** Row types of the audit log and the rejected-request record (migration 090_console_accounts). */
export interface AuditLogRow {
  id: Generated<number>;
  /** null: an instance-wide entry (a console user without project roles, an instance owner). */
  project_id: string | null;
  at: number;
  actor_type: string;
  actor_id: string | null;
  actor_email: string | null;
  action: string;
  target: string;
  /** JSON object; never secrets. */
  details: string;
}

export interface RejectedRequestRow {
  id: Generated<number>;
  project_id: string;
  at: number;
  method: string;
  route: string;
  status: number;
  code: string;
  message: string;
  field: string | null;
}

declare module '../../platform/db/schema.ts' {
  interface Database {
    audit_log: AuditLogRow;
    rejected_requests: RejectedRequestRow;
  }
}
