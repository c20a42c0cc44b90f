import { useMutation, useQueryClient } from '@tanstack/react-query';
import { api, setCsrfToken } from '../../../lib/api-client';
import { sessionKey } from './get-session';
import type { Session } from './types';

export const useSignIn = () => {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: async (input: { email: string; password: string }) => (await api.post('/admin/v1/session', { body: input })) as Session,
    onSuccess: (s) => {
      setCsrfToken(s.csrfToken);
      qc.clear();
      qc.setQueryData(sessionKey, s);
    },
  });
};
