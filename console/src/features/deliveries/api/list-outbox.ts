import { keepPreviousData, useQuery } from '@tanstack/react-query';
import { api } from '../../../lib/api-client';

/** GET …/outbox: what the sandbox provider received, newest first, 30 a page (`cursor`: the `next` of the page before). */
export const useOutbox = (projectId: string, filter: { campaignId?: string; cursor?: string }) =>
  useQuery({
    queryKey: ['projects', projectId, 'outbox', filter],
    placeholderData: keepPreviousData,
    queryFn: async () =>
      await api.get('/admin/v1/projects/{projectId}/outbox', {
        path: { projectId },
        query: { campaign_id: filter.campaignId, cursor: filter.cursor, limit: '30' },
      }),
  });

/** The project's registered alimtalk templates, for the buttons of a Kakao message (matched by template code). */
export const useAlimtalkTemplates = (projectId: string) =>
  useQuery({
    queryKey: ['projects', projectId, 'messaging', 'alimtalk-templates'],
    staleTime: 60_000,
    queryFn: async () =>
      (await api.get('/admin/v1/projects/{projectId}/messaging/alimtalk-templates', { path: { projectId } })).alimtalkTemplates as unknown as {
        templateCode?: string;
        buttons?: { type?: string; name?: string; linkMo?: string; linkPc?: string }[];
      }[],
  });
