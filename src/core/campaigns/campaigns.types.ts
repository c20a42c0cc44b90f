/**
 * Campaigns (PRODUCT.md "campaign"): a channel, a message template for that channel, a consent class, a send-time
 * type, statistics dimensions and a status. The template and option documents keep the snake_case field names of
 * the documented campaign format (docs/campaigns.md), which is also what the admin API and `maru campaign create`
 * accept; everything else is the core's camelCase.
 */

export const CHANNELS = ['push', 'web_push', 'kakao_alimtalk', 'text_message', 'email'] as const;
export type Channel = (typeof CHANNELS)[number];

export const CONSENT_CLASSES = ['informational', 'advertising'] as const;
export type ConsentClass = (typeof CONSENT_CLASSES)[number];

export const CAMPAIGN_STATUSES = ['draft', 'active', 'paused', 'archived'] as const;
export type CampaignStatus = (typeof CAMPAIGN_STATUSES)[number];

export const TEXT_KINDS = ['sms', 'lms', 'mms'] as const;
export type TextKind = (typeof TEXT_KINDS)[number];

export interface PushTemplate {
  title: string;
  body: string;
  deep_link?: string;
  image_url?: string;
}

export interface WebPushTemplate {
  title: string;
  body: string;
  url?: string;
  icon_url?: string;
  image_url?: string;
}

export interface EmailTemplate {
  subject: string;
  html?: string;
  text?: string;
  from_name?: string;
  /** Sender address; default: the project's `settings.messaging.emailFrom`, else `noreply@localhost`. */
  from_address?: string;
}

export interface TextTemplate {
  kind: TextKind;
  body: string;
  title?: string;
  /** Sender number; default: the project's `settings.messaging.textFrom`. */
  from?: string;
}

export interface AlimtalkFailover {
  kind: TextKind;
  body: string;
  title?: string;
  from?: string;
}

export interface AlimtalkTemplate {
  template_code: string;
  /** The approved template body with `#{variable}` placeholders. */
  content: string;
  /** Value of each `#{variable}`: a Liquid template rendered per recipient. */
  parameters: Record<string, string>;
  /** Kakao sender key; default: the project's `settings.messaging.kakaoSenderKey`. */
  sender_key?: string;
  /** A text message sent when the alimtalk fails for good (counted as failover_text_message_*). */
  failover?: AlimtalkFailover;
}

export type CampaignTemplate = PushTemplate | WebPushTemplate | EmailTemplate | TextTemplate | AlimtalkTemplate;

export interface TemplateByChannel {
  push: PushTemplate;
  web_push: WebPushTemplate;
  email: EmailTemplate;
  text_message: TextTemplate;
  kakao_alimtalk: AlimtalkTemplate;
}

export const CONDITION_OPS = ['eq', 'neq', 'gt', 'gte', 'lt', 'lte', 'contains', 'exists', 'not_exists'] as const;
export type ConditionOp = (typeof CONDITION_OPS)[number];

/** A condition on a parameter (property) of the triggering event. */
export interface EventCondition {
  param: string;
  op: ConditionOp;
  value?: string | number | boolean;
}

export type SendTime =
  | { type: 'api' }
  | { type: 'event'; event: string; conditions: EventCondition[]; delay_seconds: number; cancel_event?: string }
  | { type: 'scheduled'; at: string; audience_id?: string };

/** A local-time window in which nothing of the campaign is sent (`start` inclusive, `end` exclusive; may wrap midnight). */
export interface QuietHours {
  start: string;
  end: string;
}

export interface Conversion {
  event: string;
  window_hours: number;
}

export interface CampaignOptions {
  /** Overrides the project's quiet hours for this campaign; `null` turns them off for it. */
  quiet_hours?: QuietHours | null;
  /** The same campaign is not sent to the same person again within this many seconds (skipped__noisy_filter). */
  noisy_window_seconds?: number;
  /** Whether the project's fatigue rule applies (advertising campaigns only; default true). */
  fatigue?: boolean;
  /** External user ids (`user-id` recipients) this campaign never goes to (skipped__excluded_user_filter). */
  excluded_user_ids?: string[];
  /** A conversion event counted (metricType "conversion") when a recipient performs it within the window after a send. */
  conversion?: Conversion;
  /** Attempts per delivery before it fails (provider errors that may succeed later). Default 5. */
  max_attempts?: number;
  /**
   * A night-time (21:00–08:00 project time) advertising send to a recipient without the channel's night consent:
   * `skip` it (skipped__forbidden_timing_filter, the default) or `hold` it until 08:00 (D10; docs/campaigns.md).
   */
  night_ads?: NightAdsPolicy;
}

export const NIGHT_ADS_POLICIES = ['skip', 'hold'] as const;
export type NightAdsPolicy = (typeof NIGHT_ADS_POLICIES)[number];

export interface Campaign {
  id: string;
  projectId: string;
  name: string;
  channel: Channel;
  consentClass: ConsentClass;
  template: CampaignTemplate;
  sendTime: SendTime;
  statsDimensions: string[];
  status: CampaignStatus;
  options: CampaignOptions;
  createdAt: number;
  updatedAt: number;
}

/** Recipient types of the API send (seed 004 §5), and which channel accepts which. */
export const RECIPIENT_TYPES = ['user-id', 'phone-number', 'email'] as const;
export type RecipientType = (typeof RECIPIENT_TYPES)[number];

export const RECIPIENT_TYPES_BY_CHANNEL: Record<Channel, readonly RecipientType[]> = {
  push: ['user-id'],
  web_push: ['user-id'],
  kakao_alimtalk: ['user-id', 'phone-number'],
  text_message: ['user-id', 'phone-number'],
  email: ['user-id', 'email'],
};
