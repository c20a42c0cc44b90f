/** Row types of the Korean messaging tables (migrations 070 and 072), merged into the store's Database interface. */
export interface MessagingSettingsRow {
  project_id: string;
  /** 0/1: text-message API sends are accepted while the text channel uses the sandbox provider. */
  sandbox_text_sending: number;
  updated_at: number;
}

export interface SenderNumberRow {
  project_id: string;
  /** Digits only (a leading + kept). */
  number: string;
  is_default: number;
  created_at: number;
}

export interface KakaoChannelRow {
  project_id: string;
  /** The channel's search id (plus-friend id), e.g. `@maru`. */
  channel_id: string;
  sender_key: string;
  is_default: number;
  created_at: number;
}

export interface AlimtalkTemplateRow {
  project_id: string;
  template_id: string;
  template_code: string;
  channel_id: string | null;
  content: string;
  /** JSON array of buttons. */
  buttons: string;
  created_at: number;
  updated_at: number;
}

export interface DeliveryResultRow {
  project_id: string;
  vendor: string;
  provider_message_id: string;
  delivery_id: string | null;
  /** pending | delivered | failed | unknown */
  status: string;
  code: string | null;
  reason: string | null;
  delivered_at: number | null;
  /** How many times the vendor was asked (polling) or reported (callbacks). */
  checks: number;
  created_at: number;
  updated_at: number;
}

declare module '../../platform/db/schema.ts' {
  interface Database {
    messaging_settings: MessagingSettingsRow;
    messaging_sender_numbers: SenderNumberRow;
    messaging_kakao_channels: KakaoChannelRow;
    alimtalk_templates: AlimtalkTemplateRow;
    delivery_results: DeliveryResultRow;
  }
}
