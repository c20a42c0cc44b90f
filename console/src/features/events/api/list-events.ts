import { keepPreviousData, useQuery } from '@tanstack/react-query';
import { api } from '../../../lib/api-client';

export interface EventFilter {
  name?: string;
  profileId?: string;
  /** ISO instants */
  from?: string;
  to?: string;
}

/** GET /admin/v1/projects/{projectId}/events: newest first, a page at a time (`next` cursor). */
export const useEvents = (projectId: string, filter: EventFilter, cursor: string | undefined) =>
  useQuery({
    queryKey: ['projects', projectId, 'events', filter, cursor],
    placeholderData: keepPreviousData,
    queryFn: async () => await api.get('/admin/v1/projects/{projectId}/events', { path: { projectId }, query: { ...filter, cursor, limit: 50 } }),
  });

/** GET /admin/v1/projects/{projectId}/events/counts: events per project-local day over the last 30 days (by name). */
export const useEventCounts = (projectId: string, filter: EventFilter) =>
  useQuery({
    queryKey: ['projects', projectId, 'events', 'counts', filter.name],
    placeholderData: keepPreviousData,
    queryFn: async () =>
      (await api.get('/admin/v1/projects/{projectId}/events/counts', { path: { projectId }, query: { name: filter.name } })) as {
        timezone: string;
        days: { date: string; count: number }[];
      },
  });
