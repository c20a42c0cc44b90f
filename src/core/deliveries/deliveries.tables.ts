/** Row types of the delivery tables (migration 050), merged into the store's Database interface. */
export interface DeliveryRow {
  id: string;
  project_id: string;
  campaign_id: string;
  channel: string;
  trigger: string;
  request_id: string;
  idempotency_key: string;
  recipient_type: string;
  recipient_value: string;
  profile_id: string | null;
  address_kind: string | null;
  address: string | null;
  device_id: string | null;
  platform: string | null;
  event_params: string | null;
  consent_class: string;
  state: string;
  metric: string | null;
  reason: string | null;
  attempts: number;
  provider: string | null;
  provider_message_id: string | null;
  provider_response: string | null;
  rendered: string | null;
  dimensions: string | null;
  parent_id: string | null;
  run_at: number;
  created_at: number;
  updated_at: number;
  sending_at: number | null;
  finished_at: number | null;
  delivered_at: number | null;
  opened_at: number | null;
  clicked_at: number | null;
  converted_at: number | null;
}

export interface CampaignMetricRow {
  project_id: string;
  campaign_id: string;
  metric: string;
  day: string;
  dimension_key: string;
  dimension_value: string;
  count: number;
  updated_at: number;
}

export interface SendCounterRow {
  project_id: string;
  channel: string;
  day: string;
  count: number;
}

export interface TrackingKeyRow {
  project_id: string;
  secret: string;
  created_at: number;
}

declare module '../../platform/db/schema.ts' {
  interface Database {
    deliveries: DeliveryRow;
    campaign_metrics: CampaignMetricRow;
    send_counters: SendCounterRow;
    tracking_keys: TrackingKeyRow;
  }
}
