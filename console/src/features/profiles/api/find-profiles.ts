import { keepPreviousData, useQuery } from '@tanstack/react-query';
import { api, ApiError } from '../../../lib/api-client';
import type { ProfileDetail, ProfileSummary } from './types';

export type ProfileQuery = { by: 'identifier'; type: string; value: string } | { by: 'property'; property: string; value: string; cursor?: string };

/**
 * Finds profiles: by an identifier (as typed; the server normalises it the way ingest does) → at most one; by a
 * property value → a page of profiles from the server, with a `next` cursor.
 */
export const useFindProfiles = (projectId: string, q: ProfileQuery | null) =>
  useQuery({
    queryKey: ['projects', projectId, 'profiles', 'find', q],
    enabled: q !== null,
    placeholderData: keepPreviousData,
    queryFn: async (): Promise<{ items: ProfileSummary[]; next: string | null }> => {
      if (!q) return { items: [], next: null };
      if (q.by === 'identifier') {
        try {
          const r = (await api.get('/admin/v1/projects/{projectId}/profiles', { path: { projectId }, query: { type: q.type, value: q.value } })) as {
            profile: ProfileDetail;
          };
          return { items: [r.profile], next: null };
        } catch (err) {
          if (err instanceof ApiError && err.status === 404) return { items: [], next: null };
          throw err;
        }
      }
      return (await api.get('/admin/v1/projects/{projectId}/profiles/search', {
        path: { projectId },
        query: { property: q.property, value: q.value, cursor: q.cursor, limit: 50 },
      })) as { items: ProfileSummary[]; next: string | null };
    },
  });
