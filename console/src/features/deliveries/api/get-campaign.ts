import { useQuery } from '@tanstack/react-query';
import { api } from '../../../lib/api-client';
import type { CampaignSummary } from './types';

/** GET …/campaigns/{campaignId}: the name, channel and statistics dimensions the statistics and deliveries pages show. */
export const useCampaignSummary = (projectId: string, campaignId: string) =>
  useQuery({
    queryKey: ['projects', projectId, 'campaigns', campaignId],
    queryFn: async () =>
      (await api.get('/admin/v1/projects/{projectId}/campaigns/{campaignId}', { path: { projectId, campaignId } })).campaign as unknown as CampaignSummary,
  });
