import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { api } from '../../../lib/api-client';

/**
 * The project's messaging setup (docs/korean-messaging.md "Project setup"): sender numbers, Kakao channels (sender
 * keys), alimtalk templates and the advertiser identity. Types from the OpenAPI document.
 */
const BASE = '/admin/v1/projects/{projectId}/messaging' as const;

const key = (projectId: string, what: string) => ['projects', projectId, 'messaging', what] as const;

export const useSenderNumbers = (projectId: string) =>
  useQuery({
    queryKey: key(projectId, 'sender-numbers'),
    queryFn: async () => (await api.get(`${BASE}/sender-numbers`, { path: { projectId } })).senderNumbers,
  });

export const useKakaoChannels = (projectId: string) =>
  useQuery({
    queryKey: key(projectId, 'kakao-channels'),
    queryFn: async () => (await api.get(`${BASE}/kakao-channels`, { path: { projectId } })).kakaoChannels,
  });

export const useAlimtalkTemplates = (projectId: string) =>
  useQuery({
    queryKey: key(projectId, 'alimtalk-templates'),
    queryFn: async () => (await api.get(`${BASE}/alimtalk-templates`, { path: { projectId } })).alimtalkTemplates,
  });

export const useAdvertising = (projectId: string) =>
  useQuery({
    queryKey: key(projectId, 'advertising'),
    queryFn: async () => (await api.get(`${BASE}/advertising`, { path: { projectId } })).advertising,
  });

/** A mutation that refreshes the lists it changes (templates show the channel they go out from, so channels refresh them too). */
function useSetupMutation<I>(projectId: string, lists: string[], run: (input: I) => Promise<unknown>) {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: run,
    onSuccess: () => Promise.all(lists.map((l) => qc.invalidateQueries({ queryKey: key(projectId, l) }))),
  });
}

export const useAddSenderNumber = (projectId: string) =>
  useSetupMutation(projectId, ['sender-numbers'], (input: { number: string; default: boolean }) =>
    api.post(`${BASE}/sender-numbers`, { path: { projectId }, body: input }),
  );

export const useRemoveSenderNumber = (projectId: string) =>
  useSetupMutation(projectId, ['sender-numbers'], (number: string) => api.delete(`${BASE}/sender-numbers/{number}`, { path: { projectId, number } }));

export const useAddKakaoChannel = (projectId: string) =>
  useSetupMutation(projectId, ['kakao-channels', 'alimtalk-templates'], (input: { channelId: string; senderKey: string; default: boolean }) =>
    api.post(`${BASE}/kakao-channels`, { path: { projectId }, body: input }),
  );

export const useRemoveKakaoChannel = (projectId: string) =>
  useSetupMutation(projectId, ['kakao-channels', 'alimtalk-templates'], (channelId: string) =>
    api.delete(`${BASE}/kakao-channels/{channelId}`, { path: { projectId, channelId } }),
  );

export const useAddAlimtalkTemplate = (projectId: string) =>
  useSetupMutation(projectId, ['alimtalk-templates'], (input: { templateId: string; templateCode: string; content: string; channelId?: string }) =>
    api.post(`${BASE}/alimtalk-templates`, { path: { projectId }, body: input }),
  );

export const useRemoveAlimtalkTemplate = (projectId: string) =>
  useSetupMutation(projectId, ['alimtalk-templates'], (templateId: string) =>
    api.delete(`${BASE}/alimtalk-templates/{templateId}`, { path: { projectId, templateId } }),
  );
