import { keepPreviousData, useQuery } from '@tanstack/react-query';
import { api } from '../../../lib/api-client';
import type { DeliveryState } from './types';

/** GET …/campaigns/{campaignId}/deliveries: newest first, a page at a time (`next` cursor), optionally one state. */
export const useCampaignDeliveries = (projectId: string, campaignId: string, state: DeliveryState | undefined, cursor: string | undefined) =>
  useQuery({
    queryKey: ['projects', projectId, 'campaigns', campaignId, 'deliveries', state, cursor],
    placeholderData: keepPreviousData,
    queryFn: async () =>
      await api.get('/admin/v1/projects/{projectId}/campaigns/{campaignId}/deliveries', {
        path: { projectId, campaignId },
        query: { state, cursor, limit: 50 },
      }),
  });
