import type { Clock } from '../../platform/clock.ts';
import type { Store } from '../../platform/db/store.ts';
import * as campaignsRepo from '../campaigns/campaigns.repository.ts';
import type { Campaign, CampaignTemplate, Channel, ConsentClass } from '../campaigns/campaigns.types.ts';
import { DIRECT_CAMPAIGN_PREFIX } from '../deliveries/deliveries.types.ts';
import { MaruError, invalid } from '../errors.ts';

/**
 * Direct messages (`/messages/text-message`, `/messages/kakao-alimtalk`, `/messages/kakao-friendtalk`) are deliveries
 * of implicit per-project campaigns, one per kind of message and consent class, created on first use with fixed ids,
 * so they flow through the same pipeline, filters and statistics as campaigns (docs/korean-messaging.md "Direct
 * messages are deliveries"):
 *
 * | id | channel | consent class | what |
 * |---|---|---|---|
 * | direct_text | text_message | informational | text messages |
 * | direct_text_ad | text_message | advertising | text messages marked (광고) |
 * | direct_alimtalk | kakao_alimtalk | informational | alimtalk (and their SMS/LMS failover) |
 * | direct_friendtalk | kakao_alimtalk | informational | friendtalk |
 * | direct_friendtalk_ad | kakao_alimtalk | advertising | advertising friendtalk |
 *
 * Their statistics are `GET /projects/{projectId}/campaigns/direct_text/stats` and so on. Regular campaign ids never
 * contain `_`, so these cannot collide. They are active and API-triggered, but the campaign send endpoint refuses them
 * (their message comes with each request). Pausing one (admin API) turns that kind of direct message off: queued
 * deliveries are cancelled and new requests answer 400 until it is active again.
 */
export const DIRECT_KINDS = ['text', 'text_ad', 'alimtalk', 'friendtalk', 'friendtalk_ad'] as const;
export type DirectKind = (typeof DIRECT_KINDS)[number];

const SPECS: Record<DirectKind, { channel: Channel; consentClass: ConsentClass; name: string; template: CampaignTemplate }> = {
  text: {
    channel: 'text_message',
    consentClass: 'informational',
    name: 'Direct messages: text (SMS/LMS/MMS)',
    template: { kind: 'sms', body: '(direct message: the content comes with each request)' },
  },
  text_ad: {
    channel: 'text_message',
    consentClass: 'advertising',
    name: 'Direct messages: advertising text (SMS/LMS/MMS)',
    template: { kind: 'sms', body: '(direct message: the content comes with each request)' },
  },
  alimtalk: {
    channel: 'kakao_alimtalk',
    consentClass: 'informational',
    name: 'Direct messages: Kakao alimtalk',
    template: { template_code: '(per request)', content: '(direct message: the content comes with each request)', parameters: {} },
  },
  friendtalk: {
    channel: 'kakao_alimtalk',
    consentClass: 'informational',
    name: 'Direct messages: Kakao friendtalk',
    template: { template_code: '(friendtalk)', content: '(direct message: the content comes with each request)', parameters: {} },
  },
  friendtalk_ad: {
    channel: 'kakao_alimtalk',
    consentClass: 'advertising',
    name: 'Direct messages: advertising Kakao friendtalk',
    template: { template_code: '(friendtalk)', content: '(direct message: the content comes with each request)', parameters: {} },
  },
};

export const directCampaignId = (kind: DirectKind): string => `${DIRECT_CAMPAIGN_PREFIX}${kind}`;

/** The project's direct-message campaign of a kind, created (active) on first use; 400 when an admin paused or archived it. */
export async function ensureDirectCampaign(deps: { store: Store; clock: Clock }, projectId: string, kind: DirectKind): Promise<Campaign> {
  const id = directCampaignId(kind);
  let campaign = await campaignsRepo.findCampaign(deps.store.db, projectId, id);
  if (!campaign) {
    const spec = SPECS[kind];
    const now = deps.clock.now();
    const fresh: Campaign = {
      id,
      projectId,
      name: spec.name,
      channel: spec.channel,
      consentClass: spec.consentClass,
      template: spec.template,
      sendTime: { type: 'api' },
      statsDimensions: [],
      status: 'active',
      options: {},
      createdAt: now,
      updatedAt: now,
    };
    try {
      await deps.store.write(async (tx) => {
        if (!(await campaignsRepo.findCampaign(tx, projectId, id))) await campaignsRepo.insertCampaign(tx, fresh);
      });
    } catch (e) {
      // Another request created it at the same moment (a unique-key conflict): use that one.
      if (!(await campaignsRepo.findCampaign(deps.store.db, projectId, id))) throw e;
    }
    campaign = (await campaignsRepo.findCampaign(deps.store.db, projectId, id))!;
  }
  if (campaign.status === 'paused' || campaign.status === 'archived') {
    throw invalid(
      'projectId',
      `${SPECS[kind].name.replace('Direct messages: ', '')} messages are turned off for this project (campaign ${id} is ${campaign.status})`,
    );
  }
  if (campaign.channel !== SPECS[kind].channel) throw new MaruError('internal', `campaign ${id} has channel ${campaign.channel}`);
  return campaign;
}
