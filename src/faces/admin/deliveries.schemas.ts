import { Type, type TSchema } from '@sinclair/typebox';
import { DELIVERY_STATES } from '../../core/deliveries/deliveries.types.ts';
import { Nullable, Timestamp } from '../shared/openapi.ts';

/**
 * Response schemas of the admin routes for deliveries, statistics and the sandbox outbox (campaigns.routes.ts and
 * deliveries.routes.ts): what each answers on success, so the console is typed from the OpenAPI document and the
 * test app checks every answer against them (test/helpers/response-check.ts).
 */

const Obj = <T extends Record<string, TSchema>>(properties: T, description?: string) =>
  Type.Object(properties, { additionalProperties: false, ...(description ? { description } : {}) });
const Time = Type.String({ format: 'date-time' });
const Props = Type.Record(Type.String(), Type.Unknown());
const Next = Nullable(Type.String({ description: 'cursor of the next page (?cursor=); null on the last' }));

export const DeliveryState = Type.Union(
  DELIVERY_STATES.map((s) => Type.Literal(s)),
  { description: 'pending → rendering → sending → sent | failed | skipped | cancelled (docs/campaigns.md "Deliveries")' },
);

/** A delivery as the admin API shows it (deliveryToWire in campaigns.routes.ts). */
export const DeliveryDoc = Obj({
  id: Type.String(),
  campaign_id: Type.String(),
  channel: Type.String(),
  trigger: Type.String({ description: 'api, event, scheduled, failover or direct' }),
  request_id: Type.String(),
  idempotency_key: Type.String(),
  recipient: Obj({ type: Type.String({ description: 'user-id, phone-number, email or profile' }), value: Type.String() }),
  profile_id: Nullable(Type.String()),
  address_kind: Nullable(Type.String({ description: 'push_token, web_push, phone or email' })),
  address: Nullable(Type.String()),
  device_id: Nullable(Type.String()),
  state: DeliveryState,
  metric: Nullable(Type.String({ description: 'the metric the outcome was counted under (send_success, skipped__noisy_filter, ...)' })),
  reason: Nullable(Type.String()),
  attempts: Type.Integer({ description: 'provider attempts made (rendering counts one)' }),
  provider: Nullable(Type.String()),
  provider_message_id: Nullable(Type.String()),
  provider_response: Nullable(Props),
  rendered: Nullable(Props),
  event_params: Props,
  dimensions: Nullable(Type.Record(Type.String(), Type.String())),
  parent_id: Nullable(Type.String({ description: 'the alimtalk delivery a failover text replaces' })),
  run_at: Timestamp,
  created_at: Timestamp,
  updated_at: Timestamp,
  sending_at: Timestamp,
  finished_at: Timestamp,
  delivered_at: Timestamp,
  opened_at: Timestamp,
  clicked_at: Timestamp,
  converted_at: Timestamp,
});

export const DeliveriesPage = Obj({ deliveries: Type.Array(DeliveryDoc), next: Next });
export const ProfileDeliveriesPage = Obj({
  profile_id: Type.String({ description: 'the live profile (an id merged into another names the one it was merged into)' }),
  deliveries: Type.Array(DeliveryDoc),
  next: Next,
});
export const DeliveryBody = Obj({ delivery: DeliveryDoc });

/** One message the sandbox provider recorded (src/channels/sandbox/outbox.ts). */
export const OutboxEntryDoc = Obj({
  id: Type.String(),
  idempotency_key: Type.String(),
  campaign_id: Nullable(Type.String()),
  channel: Type.String({ description: 'push, web_push, email, text_message, kakao_alimtalk or kakao_friendtalk' }),
  recipient: Type.String(),
  message: Type.Record(Type.String(), Type.Unknown(), { description: "the provider message as maru made it (the channel's message type)" }),
  state: Type.Union([Type.Literal('delivered'), Type.Literal('failed')]),
  calls: Type.Integer(),
  last_error: Nullable(Type.String()),
  created_at: Timestamp,
  updated_at: Timestamp,
});
export const OutboxBody = Obj({ outbox: Type.Array(OutboxEntryDoc), next: Next });

export { CampaignStatsDoc } from '../shared/campaign-stats.schema.ts';

export const DeliveriesQuery = Type.Object({
  state: Type.Optional(DeliveryState),
  limit: Type.Optional(Type.String({ description: '1 to 1000 (default 100)' })),
  before: Type.Optional(Type.String({ format: 'date-time', description: 'only deliveries created before this instant' })),
  cursor: Type.Optional(Type.String({ description: 'the `next` of the previous page' })),
});
export const StatsQuery = Type.Object({
  start: Type.String({ description: 'ISO 8601 with a zone (yyyy-MM-ddTHH:mm:ss.sssZ); its local day is the first one covered' }),
  end: Type.String({ description: 'ISO 8601 with a zone; its local day is the last one covered (at most 366 days)' }),
});
export const OutboxQuery = Type.Object({
  campaign_id: Type.Optional(Type.String()),
  limit: Type.Optional(Type.String({ description: '1 to 1000 (default 100)' })),
  before: Type.Optional(Type.String({ format: 'date-time', description: 'only messages recorded before this instant' })),
  cursor: Type.Optional(Type.String({ description: 'the `next` of the previous page' })),
});
