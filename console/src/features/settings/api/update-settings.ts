import { useMutation, useQueryClient } from '@tanstack/react-query';
import { api } from '../../../lib/api-client';

/**
 * PATCH /admin/v1/projects/{projectId}: name, time zone and settings (settings merge key by key on the server). The
 * answer replaces the cached project at once (every page reads it from there), then the project list is refetched.
 */
export const useUpdateProjectSettings = (projectId: string) => {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: async (patch: { name?: string; timezone?: string; settings?: Record<string, unknown> }) =>
      (await api.patch('/admin/v1/projects/{projectId}', { path: { projectId }, body: patch })).project,
    onSuccess: (project) => {
      qc.setQueryData(['projects', projectId], project);
      return Promise.all([
        qc.invalidateQueries({ queryKey: ['projects'], exact: true }),
        qc.invalidateQueries({ queryKey: ['projects', projectId, 'settings'] }),
      ]);
    },
  });
};
