import { useQuery } from '@tanstack/react-query';
import { api } from '../../../lib/api-client';

/** GET /admin/v1/projects/{projectId}/overview (src/faces/admin/console-data.routes.ts), until it declares its response schema. */
export interface Overview {
  timezone: string;
  today: string;
  eventsToday: { total: number; byFace: Record<string, number> };
  eventsPerDay: { date: string; count: number; byFace: Record<string, number> }[];
  lastEvent: { name: string; occurredAt: string; receivedAt: string } | null;
  profileCount: number;
  messagesSentToday: number;
  latestRejected: { id: string; at: string; method: string; route: string; status: number; code: string; message: string; field: string | null }[];
}

export const useOverview = (projectId: string) =>
  useQuery({
    queryKey: ['projects', projectId, 'overview'],
    queryFn: async () => (await api.get('/admin/v1/projects/{projectId}/overview', { path: { projectId } })) as Overview,
    refetchInterval: 30_000,
  });
