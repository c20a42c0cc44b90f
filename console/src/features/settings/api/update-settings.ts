import { useMutation, useQueryClient } from '@tanstack/react-query';
import { api } from '../../../lib/api-client';

/** PATCH /admin/v1/projects/{projectId}: name, time zone and settings (settings merge key by key on the server). */
export const useUpdateProjectSettings = (projectId: string) => {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: (patch: { name?: string; timezone?: string; settings?: Record<string, unknown> }) =>
      api.patch('/admin/v1/projects/{projectId}', { path: { projectId }, body: patch }),
    onSuccess: () => qc.invalidateQueries({ queryKey: ['projects'] }),
  });
};
