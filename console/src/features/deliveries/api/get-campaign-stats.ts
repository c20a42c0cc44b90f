import { keepPreviousData, useQuery } from '@tanstack/react-query';
import { api } from '../../../lib/api-client';

/**
 * GET …/campaigns/{campaignId}/stats?start=&end=: every metric per project-local day from the day of `start` to the
 * day of `end` (seed 004 §10). Metrics are counted as they happen, so the page refetches every 30 s while open.
 */
export const useCampaignStats = (projectId: string, campaignId: string, range: { start: string; end: string }) =>
  useQuery({
    queryKey: ['projects', projectId, 'campaigns', campaignId, 'stats', range],
    placeholderData: keepPreviousData,
    refetchInterval: 30_000,
    queryFn: async () => await api.get('/admin/v1/projects/{projectId}/campaigns/{campaignId}/stats', { path: { projectId, campaignId }, query: range }),
  });
