import { useQuery } from '@tanstack/react-query';
import { api, type ResponseOf } from '../../../lib/api-client';

/** GET /admin/v1/projects/{projectId}/overview, as the OpenAPI document declares it (src/faces/admin/console-data.schemas.ts). */
export type Overview = ResponseOf<'/admin/v1/projects/{projectId}/overview', 'get'>;

export const useOverview = (projectId: string) =>
  useQuery({
    queryKey: ['projects', projectId, 'overview'],
    queryFn: async () => await api.get('/admin/v1/projects/{projectId}/overview', { path: { projectId } }),
    refetchInterval: 30_000,
  });
