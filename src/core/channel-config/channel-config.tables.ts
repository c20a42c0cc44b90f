/** Row types of the channel-config module (migration 060_channel_configs). */
export interface ChannelConfigRow {
  project_id: string;
  /** A campaign channel: push, web_push, email, text_message, kakao_alimtalk. */
  channel: string;
  vendor: string;
  /** The whole vendor config, JSON sealed with secret-box (`v1:<iv>:<ciphertext>`), bound to project, channel and vendor. */
  sealed_config: string;
  /** The config with every non-public field replaced by "[set]" (JSON); what the admin API shows. */
  public_config: string;
  /** Public facts an SDK may read, e.g. the VAPID public key (JSON), or null. */
  client_info: string | null;
  configured_at: number;
}

export interface ChannelConfigStateRow {
  id: number;
  /** Changes with every write to channel_configs. */
  generation: number;
}

declare module '../../platform/db/schema.ts' {
  interface Database {
    channel_configs: ChannelConfigRow;
    channel_config_state: ChannelConfigStateRow;
  }
}
