import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { api, type ResponseOf } from '../../../lib/api-client';

/** A configured channel as GET …/channels shows it (secrets as "[set]", never their values); typed from the OpenAPI document. */
export type ChannelView = ResponseOf<'/admin/v1/projects/{projectId}/channels', 'get'>['channels'][number];

const key = (projectId: string) => ['projects', projectId, 'channels'] as const;

export const useChannels = (projectId: string) =>
  useQuery({
    queryKey: key(projectId),
    queryFn: async (): Promise<ChannelView[]> => (await api.get('/admin/v1/projects/{projectId}/channels', { path: { projectId } })).channels,
  });

export const useSetChannel = (projectId: string) => {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: async (input: { channel: string; vendor: string; config: Record<string, unknown> }): Promise<ChannelView> =>
      (
        await api.put('/admin/v1/projects/{projectId}/channels/{channel}', {
          path: { projectId, channel: input.channel },
          body: { vendor: input.vendor, config: input.config },
        })
      ).channel,
    onSuccess: () => qc.invalidateQueries({ queryKey: key(projectId) }),
  });
};

export const useRemoveChannel = (projectId: string) => {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: (channel: string) => api.delete('/admin/v1/projects/{projectId}/channels/{channel}', { path: { projectId, channel } }),
    onSuccess: () => qc.invalidateQueries({ queryKey: key(projectId) }),
  });
};

/**
 * POST …/channels/{channel}/test: one test message through the channel's provider (the sandbox when none is
 * configured) to the address, number, token or subscription given; answers whether the vendor accepted it.
 */
export const useTestChannel = (projectId: string) =>
  useMutation({
    mutationFn: (input: { channel: string; to: string; platform?: 'android' | 'ios' }) =>
      api.post('/admin/v1/projects/{projectId}/channels/{channel}/test', {
        path: { projectId, channel: input.channel },
        body: { to: input.to, ...(input.platform ? { platform: input.platform } : {}) },
      }),
  });
