import { useQuery } from '@tanstack/react-query';
import { api } from '../../../lib/api-client';

/** GET /admin/v1/projects/{projectId}/overview (CONSOLE-API.md "project overview"). */
export interface Overview {
  /** Events received today (project-local day) per face. */
  today: Record<string, number>;
  /** The last 30 project-local days, oldest first: per day, events per face. */
  days: { day: string; faces: Record<string, number> }[];
  lastEventAt: string | null;
  profileCount: number;
  messagesSentToday: number;
  rejected: { at: string; face: string; route?: string; status?: number; code: string; reason: string }[];
}

export const useOverview = (projectId: string) =>
  useQuery({
    queryKey: ['projects', projectId, 'overview'],
    queryFn: async () => (await api.get('/admin/v1/projects/{projectId}/overview', { path: { projectId } })) as Overview,
    refetchInterval: 30_000,
  });
