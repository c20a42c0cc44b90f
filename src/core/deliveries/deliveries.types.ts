import type { Channel, ConsentClass } from '../campaigns/campaigns.types.ts';
import type { EmailProvider, KakaoProvider, PushProvider, SendResult, TextProvider, WebPushProvider } from '../../channels/provider.types.ts';
import type { RawBuilder, SqlBool } from 'kysely';
import type { Project } from '../projects/projects.types.ts';

/**
 * A delivery is one message to one address (a push token, a web push subscription, a phone number, an email
 * address) for one campaign and one send (an API call, a triggering event, a scheduled run).
 *
 *   pending → rendering → sending → sent
 *                │           │  └──→ pending (a retryable provider failure: tried again later, content kept)
 *                │           └─────→ failed (permanent failure, or the last attempt)
 *                └─→ failed (rendering_failure) | skipped (a filter) | cancelled (cancel event, campaign paused)
 */
export const DELIVERY_STATES = ['pending', 'rendering', 'sending', 'sent', 'failed', 'skipped', 'cancelled'] as const;
export type DeliveryState = (typeof DELIVERY_STATES)[number];
export const FINAL_STATES: ReadonlySet<string> = new Set(['sent', 'failed', 'skipped', 'cancelled']);

/** `direct`: a message sent by the messaging endpoints (src/core/messaging), rendered when it is recorded. */
export type DeliveryTrigger = 'api' | 'event' | 'scheduled' | 'failover' | 'direct';

/**
 * Ids of the implicit direct-message campaigns (src/core/messaging/direct-campaigns.ts) start with this; regular
 * campaign ids never contain `_`. The campaign send endpoint refuses them: their message comes with each request.
 */
export const DIRECT_CAMPAIGN_PREFIX = 'direct_';

/** How the recipient was named: the API's three types, or a profile (event-triggered and scheduled sends). */
export type DeliveryRecipientType = 'user-id' | 'phone-number' | 'email' | 'profile';

export type AddressKind = 'push_token' | 'web_push' | 'phone' | 'email';

export interface Delivery {
  id: string;
  projectId: string;
  campaignId: string;
  channel: Channel;
  trigger: DeliveryTrigger;
  requestId: string;
  idempotencyKey: string;
  recipientType: DeliveryRecipientType;
  recipientValue: string;
  profileId: string | null;
  addressKind: AddressKind | null;
  address: string | null;
  deviceId: string | null;
  platform: string | null;
  eventParams: Record<string, unknown>;
  consentClass: ConsentClass;
  state: DeliveryState;
  /** The metric the outcome was counted under (send_success, skipped__noisy_filter, ...). */
  metric: string | null;
  reason: string | null;
  attempts: number;
  provider: string | null;
  providerMessageId: string | null;
  providerResponse: Record<string, unknown> | null;
  rendered: Record<string, unknown> | null;
  dimensions: Record<string, string> | null;
  parentId: string | null;
  runAt: number;
  createdAt: number;
  updatedAt: number;
  sendingAt: number | null;
  finishedAt: number | null;
  /** Engagement the recipient's app, mail client or the vendor reported (first time each), and the conversion. */
  deliveredAt: number | null;
  openedAt: number | null;
  clickedAt: number | null;
  convertedAt: number | null;
}

/** The standard metrics of seed 004 §10 that maru records. */
export const METRICS = {
  sendSuccess: 'send_success',
  sendFailure: 'send_failure',
  renderingFailure: 'rendering_failure',
  pending: 'pending',
  pushDelivered: 'push_delivered',
  pushClick: 'push_click',
  failoverSuccess: 'failover_text_message_send_success',
  failoverFailure: 'failover_text_message_send_failure',
  emailSend: 'email_send',
  emailDelivery: 'email_delivery',
  emailOpen: 'email_open',
  emailClick: 'email_click',
  emailBounce: 'email_bounce',
  emailComplaint: 'email_complaint',
  emailRenderingFailure: 'email_rendering_failure',
  cancelled: 'cancelled',
  noisy: 'skipped__noisy_filter',
  fatigue: 'skipped__fatigue_management',
  forbiddenTiming: 'skipped__forbidden_timing_filter',
  excludedUser: 'skipped__excluded_user_filter',
  globalFrequencyLimit: 'skipped__global_frequency_limit_filter',
} as const;

/** Prefix of stored conversion metrics (`conversion:<event>`), shown with metricType "conversion". */
export const CONVERSION_PREFIX = 'conversion:';

/** Which standard metrics a campaign's statistics list (even at zero), by channel. */
export function metricsForChannel(channel: Channel): string[] {
  const common = [
    METRICS.sendSuccess,
    METRICS.sendFailure,
    METRICS.renderingFailure,
    METRICS.pending,
    METRICS.cancelled,
    METRICS.noisy,
    METRICS.fatigue,
    METRICS.forbiddenTiming,
    METRICS.excludedUser,
    METRICS.globalFrequencyLimit,
  ];
  switch (channel) {
    case 'push':
    case 'web_push':
      return [...common, METRICS.pushDelivered, METRICS.pushClick];
    case 'email':
      return [...common, METRICS.emailSend, METRICS.emailOpen, METRICS.emailClick, METRICS.emailRenderingFailure];
    case 'kakao_alimtalk':
      return [...common, METRICS.failoverSuccess, METRICS.failoverFailure];
    case 'text_message':
      return common;
  }
}

/** One recipient of an API send, as checked from the request (seed 004 §5). */
export type ApiRecipient =
  | { type: 'user-id'; userId: string; eventParams: Record<string, unknown> }
  | { type: 'phone-number'; phoneNumber: string; eventParams: Record<string, unknown> }
  | { type: 'email'; email: string; eventParams: Record<string, unknown> };

/** Who a send goes to, before addresses are resolved. */
/**
 * Who a send goes to, before addresses are resolved. `rendered` (direct messages only) is the delivery's message as
 * already made — the worker's rendered column `{message, failover?}` — which the worker sends instead of rendering the
 * campaign template (filters still apply).
 */
export type Target = (ApiRecipient | { type: 'profile'; profileId: string; eventParams: Record<string, unknown> }) & { rendered?: Record<string, unknown> };

/** A Kakao friendtalk in the rendered column (direct messages; sent by the kakao_alimtalk channel's provider). */
export interface RenderedFriendtalk {
  kind: 'friendtalk';
  sender_key: string;
  text: string;
  is_ad: boolean;
}

// ---- The channel provider port as the delivery pipeline sees it (implemented by src/channels/registry.ts) ----

export interface ProviderByChannel {
  push: PushProvider;
  web_push: WebPushProvider;
  email: EmailProvider;
  text_message: TextProvider;
  kakao_alimtalk: KakaoProvider;
}

/**
 * Optional provider capability: whether a message with this idempotency key was already accepted. `found: false`
 * must mean "certainly not accepted"; a provider that cannot tell must not offer `lookup`.
 */
export interface DeliveryLookup {
  lookup(idempotencyKey: string): Promise<{ found: true; result: SendResult } | { found: false }>;
}

export interface ChannelProviders {
  /** The vendor and provider a project's channel sends through; throws when the configured vendor is unknown. */
  resolve<C extends Channel>(project: Project, channel: C): { vendor: string; provider: ProviderByChannel[C] & Partial<DeliveryLookup> };
}

/** An audience as a condition on a `profiles` row under a table alias (src/core/audiences: AudiencesService.filter). */
export type ProfileCondition = (alias: string) => RawBuilder<SqlBool>;

/** Selects the profiles of an audience, for scheduled sends; throws not_found for an unknown audience. */
export interface AudienceSource {
  filter(projectId: string, audienceId: string): Promise<ProfileCondition>;
}

/** Provider feedback on addresses that are gone for good (src/core/devices). */
export interface AddressFeedback {
  removePushToken(projectId: string, token: string): Promise<unknown>;
  removeWebPushSubscription(projectId: string, deviceId: string): Promise<unknown>;
}
