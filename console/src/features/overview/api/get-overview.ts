import { useQuery } from '@tanstack/react-query';
import { api } from '../../../lib/api-client';

export const useOverview = (projectId: string) =>
  useQuery({
    queryKey: ['projects', projectId, 'overview'],
    queryFn: async () => await api.get('/admin/v1/projects/{projectId}/overview', { path: { projectId } }),
    refetchInterval: 30_000,
  });
