import { keepPreviousData, useQuery } from '@tanstack/react-query';
import { api, type ResponseOf } from '../../../lib/api-client';

/** GET /admin/v1/projects/{projectId}/audit?before=&limit= — newest first; `next` is the `before` of the next page. */
export const useAudit = (projectId: string, before: string | undefined) =>
  useQuery({
    queryKey: ['projects', projectId, 'audit', before],
    placeholderData: keepPreviousData,
    queryFn: () => api.get('/admin/v1/projects/{projectId}/audit', { path: { projectId }, query: { before, limit: 50 } }),
  });
