import { useMutation, useQueryClient } from '@tanstack/react-query';
import { api } from '../../../lib/api-client';
import { projectsKey } from './list-projects';
import type { Project } from './types';

/** Creates a project; the answer carries its first credentials, shown once. */
export const useCreateProject = () => {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: async (input: { name: string; timezone: string }) =>
      (await api.post('/admin/v1/projects', { body: input })) as unknown as { project: Project; credentials: Record<string, string> },
    onSuccess: () => qc.invalidateQueries({ queryKey: projectsKey }),
  });
};
