import { useMutation, useQueryClient } from '@tanstack/react-query';
import { api } from '../../../lib/api-client';
import { projectsKey } from './list-projects';
import type { Project } from './types';

/** Creates a project; the answer carries its first credentials, shown once. */
export const useCreateProject = () => {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: async (input: { name: string; timezone: string }): Promise<{ project: Project; credentials: Record<string, string> }> => {
      const created = await api.post('/admin/v1/projects', { body: input });
      // The secrets, once: every value is a string (the document declares an object of them).
      return { project: created.project, credentials: Object.fromEntries(Object.entries(created.credentials).map(([k, v]) => [k, String(v)])) };
    },
    onSuccess: () => qc.invalidateQueries({ queryKey: projectsKey }),
  });
};
