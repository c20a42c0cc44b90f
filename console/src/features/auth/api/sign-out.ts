import { useMutation, useQueryClient } from '@tanstack/react-query';
import { api, setCsrfToken } from '../../../lib/api-client';
import { sessionKey } from './get-session';

export const useSignOut = () => {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: () => api.delete('/admin/v1/session'),
    onSettled: () => {
      setCsrfToken(undefined);
      qc.clear();
      qc.setQueryData(sessionKey, null);
    },
  });
};
