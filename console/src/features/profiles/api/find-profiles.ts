import { keepPreviousData, useQuery } from '@tanstack/react-query';
import { api } from '../../../lib/api-client';
import type { ProfileSummary } from './types';

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
    queryFn: async () =>
      (await api.get('/admin/v1/projects/{projectId}/profiles/search', {
        path: { projectId },
        query:
          q?.by === 'identifier'
            ? { q: q.value, type: q.type, limit: 50 }
            : { property: q?.property, value: q?.value, cursor: q?.by === 'property' ? q.cursor : undefined, limit: 50 },
      })) as { items: ProfileSummary[]; next: string | null },
  });
