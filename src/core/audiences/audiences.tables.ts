/** Row types of the audiences module (migration 020_audiences). */
export interface AudienceRow {
  project_id: string;
  id: string;
  name: string;
  description: string | null;
  /** The rule as JSON text (the normalised form `checkRule` returns). */
  rule: string;
  created_at: number;
  updated_at: number;
}

declare module '../../platform/db/schema.ts' {
  interface Database {
    audiences: AudienceRow;
  }
}
