import { keepPreviousData, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { api } from '../../../lib/api-client';

/** The 080 block list through the admin API (the same core service as Notifly's blockservice routes). */
const BASE = '/admin/v1/projects/{projectId}/messaging/blocklist' as const;

/** What the find form asks: the 080 number, optionally a recipient and request times (`yyyy-MM-dd HH:mm:ss`, project time). */
export interface BlocklistFilter {
  unsubscribeNo: string;
  recipientNo?: string;
  from?: string;
  to?: string;
  page: number;
  pageSize: number;
}

const key = (projectId: string) => ['projects', projectId, 'messaging', 'blocklist'] as const;

export const useBlocklist = (projectId: string, filter: BlocklistFilter | undefined) =>
  useQuery({
    queryKey: [...key(projectId), filter],
    queryFn: () =>
      api.get(BASE, {
        path: { projectId },
        query: {
          unsubscribeNo: filter!.unsubscribeNo,
          recipientNo: filter!.recipientNo,
          from: filter!.from,
          to: filter!.to,
          page: String(filter!.page),
          pageSize: String(filter!.pageSize),
        },
      }),
    enabled: filter !== undefined,
    placeholderData: keepPreviousData,
  });

export const useRegisterBlocked = (projectId: string) => {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: (body: { unsubscribeNo: string; recipientNos: string[] }) => api.post(BASE, { path: { projectId }, body }),
    onSuccess: () => qc.invalidateQueries({ queryKey: key(projectId) }),
  });
};

export const useRemoveBlocked = (projectId: string) => {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: (entry: { unsubscribeNo: string; recipientNo: string }) =>
      api.delete(`${BASE}/{unsubscribeNo}/{recipientNo}`, { path: { projectId, ...entry } }),
    onSuccess: () => qc.invalidateQueries({ queryKey: key(projectId) }),
  });
};
