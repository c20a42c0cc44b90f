import { keepPreviousData, useQuery } from '@tanstack/react-query';
import { api } from '../../../lib/api-client';

/** GET …/profiles/{profileId}/deliveries: the messages sent to a profile (and profiles merged into it), newest first, paged. */
export const useProfileDeliveries = (projectId: string, profileId: string, cursor: string | undefined) =>
  useQuery({
    queryKey: ['projects', projectId, 'profiles', profileId, 'deliveries', cursor],
    placeholderData: keepPreviousData,
    queryFn: async () =>
      await api.get('/admin/v1/projects/{projectId}/profiles/{profileId}/deliveries', { path: { projectId, profileId }, query: { cursor, limit: 20 } }),
  });
