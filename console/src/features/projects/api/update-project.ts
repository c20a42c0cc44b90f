import { useMutation, useQueryClient } from '@tanstack/react-query';
import { api } from '../../../lib/api-client';
import { projectsKey } from './list-projects';
import type { Project, ProjectSettings } from './types';

export const useUpdateProject = (projectId: string) => {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: async (patch: { name?: string; timezone?: string; settings?: ProjectSettings }) =>
      ((await api.patch('/admin/v1/projects/{projectId}', { path: { projectId }, body: patch })) as unknown as { project: Project }).project,
    onSuccess: () => qc.invalidateQueries({ queryKey: projectsKey }),
  });
};
