/** Row types of the campaign tables (migration 050), merged into the store's Database interface. */
export interface CampaignRow {
  project_id: string;
  id: string;
  name: string;
  channel: string;
  consent_class: string;
  status: string;
  send_time: string;
  template: string;
  options: string;
  stats_dimensions: string;
  created_at: number;
  updated_at: number;
}

declare module '../../platform/db/schema.ts' {
  interface Database {
    campaigns: CampaignRow;
  }
}
