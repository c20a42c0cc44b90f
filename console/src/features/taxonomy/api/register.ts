import { useMutation, useQueryClient } from '@tanstack/react-query';
import { api } from '../../../lib/api-client';
import type { Scope } from './list-taxonomy';

export const useRegisterEvent = (projectId: string) => {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: (input: { name: string }) => api.post('/admin/v1/projects/{projectId}/taxonomy/events', { path: { projectId }, body: input }),
    onSuccess: () => qc.invalidateQueries({ queryKey: ['projects', projectId, 'taxonomy'] }),
  });
};

export const useRegisterProperty = (projectId: string) => {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: (input: { scope: Scope; name: string; type: string }) =>
      api.post('/admin/v1/projects/{projectId}/taxonomy/properties', { path: { projectId }, body: input }),
    onSuccess: () => qc.invalidateQueries({ queryKey: ['projects', projectId, 'taxonomy'] }),
  });
};
