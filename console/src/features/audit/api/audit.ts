import { keepPreviousData, useQuery } from '@tanstack/react-query';
import { api } from '../../../lib/api-client';

export interface AuditEntry {
  id: string;
  at: string | number;
  actor: { type: 'user' | 'admin-token'; id?: string; email?: string };
  action: string;
  target: string;
  details: Record<string, unknown> | null;
}

/** GET /admin/v1/projects/{projectId}/audit?before=&limit= — newest first; `next` is the `before` of the next page. */
export const useAudit = (projectId: string, before: string | undefined) =>
  useQuery({
    queryKey: ['projects', projectId, 'audit', before],
    placeholderData: keepPreviousData,
    queryFn: async () =>
      (await api.get('/admin/v1/projects/{projectId}/audit', { path: { projectId }, query: { before, limit: 50 } })) as {
        items: AuditEntry[];
        next: string | null;
      },
  });
