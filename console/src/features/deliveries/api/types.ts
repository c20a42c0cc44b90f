import type { ResponseOf } from '../../../lib/api-client';

/** The answers of the delivery routes as the OpenAPI document declares them (src/faces/admin/deliveries.schemas.ts). */
export type CampaignStats = ResponseOf<'/admin/v1/projects/{projectId}/campaigns/{campaignId}/stats', 'get'>;
export type MetricStats = CampaignStats['stats'][number];
export type Delivery = ResponseOf<'/admin/v1/projects/{projectId}/deliveries/{deliveryId}', 'get'>['delivery'];
export type DeliveryState = Delivery['state'];

/** Every state a delivery can be in, in pipeline order; a state the API adds and this list lacks is a type error. */
export const DELIVERY_STATES = ['pending', 'rendering', 'sending', 'sent', 'failed', 'skipped', 'cancelled'] as const satisfies readonly DeliveryState[];
type Missing = Exclude<DeliveryState, (typeof DELIVERY_STATES)[number]>;
/** Compile-time check only: fails to type-check when the API has a state the list above lacks. */
export type DeliveryStatesComplete = [Missing] extends [never] ? true : { missing: Missing };
const complete: DeliveryStatesComplete = true;
void complete;

/** What the pages read of a campaign (its document is open-ended in the API: campaigns.routes.ts). */
export interface CampaignSummary {
  id: string;
  name: string;
  channel: string;
  stats_dimensions?: string[];
  conversion?: { event: string } | null;
}
