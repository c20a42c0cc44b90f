import { useQuery } from '@tanstack/react-query';
import { api } from '../../../lib/api-client';
import type { ProfileDetail } from './types';

export const useProfile = (projectId: string, profileId: string) =>
  useQuery({
    queryKey: ['projects', projectId, 'profiles', profileId],
    queryFn: async () => (await api.get('/admin/v1/projects/{projectId}/profiles/{profileId}/detail', { path: { projectId, profileId } })) as ProfileDetail,
  });
