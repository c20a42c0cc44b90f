import { keepPreviousData, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { api, type ResponseOf } from '../../../lib/api-client';
import type { CampaignDoc } from '../components/campaign-model';

/**
 * The campaign pages' calls to the admin API (docs/campaigns.md "Admin API and CLI"). Campaign documents are answered
 * as open objects by the API (the document is checked whole by the core), so they are read with CampaignDoc.
 */
export type Preview = ResponseOf<'/admin/v1/projects/{projectId}/campaigns/preview', 'post'>;
export type Stored = CampaignDoc & { id: string; status: 'draft' | 'active' | 'paused' | 'archived'; created_at: string; updated_at: string };

const key = (projectId: string) => ['projects', projectId, 'campaigns'] as const;

export const useCampaigns = (projectId: string) =>
  useQuery({
    queryKey: key(projectId),
    queryFn: async (): Promise<Stored[]> =>
      (await api.get('/admin/v1/projects/{projectId}/campaigns', { path: { projectId } })).campaigns as unknown as Stored[],
  });

/** Sends per day (last 14 local days) and the last send of every campaign, in one request. */
export const useActivity = (projectId: string) =>
  useQuery({
    queryKey: [...key(projectId), 'activity'],
    queryFn: () => api.get('/admin/v1/projects/{projectId}/campaigns/activity', { path: { projectId }, query: { days: '14' } }),
  });

export const useCampaign = (projectId: string, campaignId: string | undefined) =>
  useQuery({
    queryKey: [...key(projectId), campaignId],
    enabled: campaignId !== undefined,
    queryFn: async (): Promise<Stored> =>
      (await api.get('/admin/v1/projects/{projectId}/campaigns/{campaignId}', { path: { projectId, campaignId: campaignId! } })).campaign as unknown as Stored,
  });

export const useSaveCampaign = (projectId: string) => {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: async (input: { id?: string; doc: Record<string, unknown> }): Promise<Stored> => {
      const r = input.id
        ? await api.patch('/admin/v1/projects/{projectId}/campaigns/{campaignId}', { path: { projectId, campaignId: input.id }, body: input.doc })
        : await api.post('/admin/v1/projects/{projectId}/campaigns', { path: { projectId }, body: input.doc });
      return r.campaign as unknown as Stored;
    },
    onSuccess: () => qc.invalidateQueries({ queryKey: key(projectId) }),
  });
};

export const useSetStatus = (projectId: string) => {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: async (input: { id: string; status: 'active' | 'paused' | 'archived' }): Promise<Stored> =>
      (
        await api.post('/admin/v1/projects/{projectId}/campaigns/{campaignId}/status', {
          path: { projectId, campaignId: input.id },
          body: { status: input.status },
        })
      ).campaign as unknown as Stored,
    onSuccess: () => qc.invalidateQueries({ queryKey: key(projectId) }),
  });
};

/** The live preview of the draft being edited: rendered for the chosen profile (or none) with the typed parameters. */
export const useDraftPreview = (
  projectId: string,
  input: { campaign: Record<string, unknown>; identifier?: { type: string; value: string }; event_params: Record<string, unknown> } | null,
  enabled: boolean,
) =>
  useQuery({
    queryKey: [...key(projectId), 'preview', input],
    enabled: enabled && input !== null,
    placeholderData: keepPreviousData,
    retry: false,
    queryFn: ({ signal }): Promise<Preview> => api.post('/admin/v1/projects/{projectId}/campaigns/preview', { path: { projectId }, body: input!, signal }),
  });

/** How many profiles an activation reaches now (asked when the confirmation opens). */
export const useReach = (projectId: string, campaignId: string | undefined, enabled: boolean) =>
  useQuery({
    queryKey: [...key(projectId), campaignId, 'reach'],
    enabled: enabled && campaignId !== undefined,
    staleTime: 0,
    gcTime: 0,
    queryFn: () => api.get('/admin/v1/projects/{projectId}/campaigns/{campaignId}/reach', { path: { projectId, campaignId: campaignId! } }),
  });

/** The 202 answer of a test send (the typed client reads 200/201 answers only). */
export interface TestSent {
  request_id: string;
  created: number;
  queued: number;
  unreachable: number;
}

export const useSendTest = (projectId: string) =>
  useMutation({
    mutationFn: async (input: { id: string; identifier: { type: string; value: string }; event_params: Record<string, unknown> }): Promise<TestSent> =>
      (await api.post('/admin/v1/projects/{projectId}/campaigns/{campaignId}/test', {
        path: { projectId, campaignId: input.id },
        body: { identifier: input.identifier, event_params: input.event_params },
      })) as unknown as TestSent,
  });

/** The project's audiences, for a scheduled campaign's audience. */
export const useAudienceOptions = (projectId: string) =>
  useQuery({
    queryKey: ['projects', projectId, 'audiences'],
    queryFn: async () => (await api.get('/admin/v1/projects/{projectId}/audiences', { path: { projectId } })).audiences,
  });

/** The live count of an audience: its rule through the audiences' preview. */
export const useAudienceCount = (projectId: string, audienceId: string | undefined) =>
  useQuery({
    queryKey: ['projects', projectId, 'audiences', audienceId, 'count'],
    enabled: audienceId !== undefined && audienceId !== '',
    queryFn: async () => {
      const a = (await api.get('/admin/v1/projects/{projectId}/audiences/{audienceId}', { path: { projectId, audienceId: audienceId! } })).audience;
      return (await api.post('/admin/v1/projects/{projectId}/audiences/preview', { path: { projectId }, query: { sample: 0 }, body: { rule: a.rule } })).count;
    },
  });
