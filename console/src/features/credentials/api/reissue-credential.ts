import { useMutation, useQueryClient } from '@tanstack/react-query';
import { api } from '../../../lib/api-client';
import { credentialsKey } from './list-credentials';

/** Issues a new secret of one kind; the previous one keeps working for 14 days. The answer is the only time it is shown. */
export const useReissueCredential = (projectId: string) => {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: async (kind: string) =>
      ((await api.post('/admin/v1/projects/{projectId}/credentials/{kind}/reissue', { path: { projectId, kind } })) as { credentials: Record<string, string> })
        .credentials,
    onSuccess: () => qc.invalidateQueries({ queryKey: credentialsKey(projectId) }),
  });
};
